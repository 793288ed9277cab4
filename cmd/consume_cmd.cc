// klog consume TOPIC...
#include <algorithm>

#include "cli.h"
#include "backend/stop_signals.h"
#include "format/output_format.h"
#include "format/record_json.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {
namespace {

// After SIGINT/SIGTERM/SIGHUP, how long a reader that takes nothing may
// hold us before what it did not take is dropped (uncommitted in a group).
constexpr int64_t kStopGraceMs = 5000;

struct ConsumeFlags {
  std::vector<std::string> topics;
  std::string offset = "beginning";
  std::string partitions;
  bool follow = false;
  int64_t max_messages = -1;
  std::string format = "%v\\n";
  bool offset_given = false;
  std::string group;
  bool group_given = false;  // `-g ""` (an unset variable) is given, not absent
  std::string exec;
  bool exec_given = false;
  int64_t exec_batch = 1;
  std::string auto_offset_reset = "earliest";
  std::string session_timeout = "10s";
  // Given on the command line (count() > 0), even when given empty.
  CLI::Option* partitions_flag = nullptr;
  CLI::Option* exec_batch_flag = nullptr;
  CLI::Option* reset_flag = nullptr;
  CLI::Option* session_timeout_flag = nullptr;
};

// Formats records into the buffered stdout.
class PrintSink : public backend::RecordSink {
 public:
  PrintSink(format::Output& out, const format::OutputFormat* fmt) : out_(out), fmt_(fmt) {}
  Status Deliver(std::string_view topic, int partition, const backend::RecordView& r) override {
    ++delivered_;
    if (fmt_) fmt_->Append(out_.buffer(), topic, partition, r);
    else format::AppendRecordJson(out_.buffer(), topic, partition, r);
    return out_.MaybeFlush();
  }
  Status Idle() override { return out_.FlushAndCheckReader(); }
  int output_pipe() const override { return out_.pipe_fd(); }
  int64_t delivered() const { return delivered_; }

 private:
  format::Output& out_;
  const format::OutputFormat* fmt_;
  int64_t delivered_ = 0;
};

int Run(const Globals& g, const ConsumeFlags& f) {
  backend::ConsumeOptions co;
  for (const auto& t : f.topics) {
    Status st = util::ValidateName(t, "topic");
    if (!st.ok()) return UsageError(st.message());
  }
  // `consume t t` reads t once, as `cat f f` would not (it is one stream).
  for (const auto& t : f.topics)
    if (std::find(co.topics.begin(), co.topics.end(), t) == co.topics.end()) co.topics.push_back(t);
  co.start = ParseFlag("--offset", backend::ParseStartSpec(f.offset));
  if (f.partitions_flag->count() > 0) co.partitions = ParseFlag("--partition", util::ParsePartitionList(f.partitions));
  co.follow = f.follow;
  co.max_messages = f.max_messages;
  std::optional<format::OutputFormat> fmt;
  if (f.format != "json") fmt = ParseFlag("--format", format::OutputFormat::Parse(f.format));

  const std::atomic<bool>* stop = backend::CatchStopSignals();
  auto store = OpenBackendFrom(g);
  format::Output out(1, /*enlarge_pipe=*/!f.group_given);
  out.StopWithin(stop, kStopGraceMs);
  PrintSink sink(out, fmt ? &*fmt : nullptr);
  // Flags that only mean something with another: refused, not ignored.
  if (!f.group_given) {
    if (f.exec_given) return UsageError("--exec needs a group (-g GROUP) to commit to");
    for (const CLI::Option* o : {f.exec_batch_flag, f.reset_flag, f.session_timeout_flag})
      if (o->count() > 0) return UsageError(o->get_name() + " needs a group (-g GROUP)");
  }
  if (f.exec_batch_flag->count() > 0 && !f.exec_given)
    return UsageError("--exec-batch needs --exec (it is how many records each run of the command gets)");
  Status st;
  if (f.group_given && f.group.empty())
    return UsageError("-g: the group name is empty (an unset variable?); name the group to join, or leave out -g");
  if (f.exec_given && f.exec.empty())
    return UsageError("--exec: the command is empty (an unset variable?); give the command to run per record");
  if (!f.group_given) {
    if (f.exec_given) return UsageError("--exec needs a group (-g GROUP) to commit to");
    st = store->Consume(co, sink, stop);
  } else {
    Status name = util::ValidateName(f.group, "group");
    if (!name.ok()) return UsageError(name.message());
    if (f.offset_given) return UsageError("-o cannot be used with -g: the group's committed offsets decide (move them with 'klog offset reset')");
    if (!f.partitions.empty()) return UsageError("-p cannot be used with -g: the group assigns partitions");
    if (f.exec_batch < 1) return UsageError("--exec-batch: must be at least 1");
    backend::GroupConsumeOptions go;
    go.group = f.group;
    go.topics = co.topics;
    go.follow = f.follow;
    go.max_messages = f.max_messages;
    go.reset = f.auto_offset_reset == "latest" ? backend::OffsetReset::kLatest : backend::OffsetReset::kEarliest;
    go.warn = [&g](const std::string& message) { Warn(g, "warning: " + message); };
    go.session_timeout_ms = ParseFlag("--session-timeout", util::ParseDurationMs(f.session_timeout));
    if (go.session_timeout_ms < 100) return UsageError("--session-timeout: must be at least 100ms");
    if (f.exec_given) {
      go.exec = f.exec;
      go.exec_batch = f.exec_batch;
      go.format_for_exec = [&fmt, &f](std::string& buf, std::string_view t, int p, const backend::RecordView& r) {
        if (fmt) fmt->Append(buf, t, p, r);
        else format::AppendRecordJson(buf, t, p, r);
      };
    }
    st = store->ConsumeGroup(go, sink, stop);
  }
  if (out.dropped())
    Warn(g, "stdout's reader did not take the rest of the output within " + std::to_string(kStopGraceMs / 1000) +
                "s of the stop signal: it was dropped" + (f.group_given ? ", its records left uncommitted" : ""));
  // Also before a retention error (kOutOfRange): what was written is still true.
  if (g.verbose && (st.ok() || st.code() == Code::kOutputClosed || st.code() == Code::kOutOfRange)) {
    std::string topics;
    for (const auto& t : co.topics) topics += (topics.empty() ? "'" : ", '") + t + "'";
    Note(g, "wrote " + std::to_string(sink.delivered()) + (sink.delivered() == 1 ? " record" : " records") +
                " of topic" + (co.topics.size() == 1 ? " " : "s ") + topics + " to stdout" +
                (!f.group_given ? "" : " for group '" + f.group + "'"));
  }
  if (st.code() == Code::kOutputClosed) return kExitOk;
  if (!st.ok()) return Fail(st);
  return kExitOk;
}

}  // namespace

void AddConsumeCommand(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<ConsumeFlags>();
  auto* sub = app.add_subcommand(
      "consume", "Write records of one or more topics to stdout\nExample: klog consume events -o -10 \\\n  --format '%o %k %v\\n'");
  sub->add_option("TOPIC", f->topics, "Topics to read")->required();
  sub->add_option("-o,--offset", f->offset, "Start at beginning (default), end, N, -N\n(N before the end) or @TIME (ms or ISO-8601)")
      ->type_name("WHERE")
      ->each([f](const std::string&) { f->offset_given = true; });
  f->partitions_flag =
      sub->add_option("-p,--partition", f->partitions, "Read only these partitions, e.g. 0,2")->type_name("N[,N...]");
  sub->add_flag("-f,--follow", f->follow, "Wait for new records instead of exiting at the end");
  AddIntOption(sub, "-n,--max-messages", f->max_messages, 0, INT64_MAX, "Stop after N records")->type_name("N");
  sub->add_option("--format", f->format, "Output format: tokens %t %p %o %k %v %T %h,\nor json (default '%v\\n')")
      ->type_name("FORMAT");
  sub->add_option("-g,--group", f->group, "Join GROUP: share partitions, commit offsets")
      ->type_name("GROUP")
      ->each([f](const std::string&) { f->group_given = true; });
  sub->add_option("--exec", f->exec, "With -g: run CMD (sh -c) with records on its\nstdin; commit when it exits 0")
      ->type_name("CMD")
      ->each([f](const std::string&) { f->exec_given = true; });
  f->exec_batch_flag =
      AddIntOption(sub, "--exec-batch", f->exec_batch, 1, INT64_MAX, "With --exec: up to N records per run (default 1)")
          ->type_name("N");
  f->reset_flag = sub->add_option("--auto-offset-reset", f->auto_offset_reset,
                  "With -g, where to start without a committed\noffset: earliest (default) or latest")
      ->type_name("RESET")
        ->check(CLI::IsMember({"earliest", "latest"}));
  f->session_timeout_flag = sub->add_option("--session-timeout", f->session_timeout,
                  "With -g: expel a member without a heartbeat\nfor this long (default 10s)")
      ->type_name("DURATION");
  sub->callback([&, f] { action = [&, f] { return Run(g, *f); }; });
}

}  // namespace klog::cmd
