// klog consume TOPIC...
#include <signal.h>

#include <atomic>

#include "cli.h"
#include "client/consumer.h"
#include "format/output_format.h"
#include "format/record_json.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

void InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking wait returns at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct ConsumeFlags {
  std::vector<std::string> topics;
  std::string offset = "beginning";
  std::string partitions;
  bool follow = false;
  int64_t max_messages = -1;
  std::string format = "%v\\n";
};

// Formats records into the buffered stdout.
class PrintSink : public client::RecordSink {
 public:
  PrintSink(Output& out, const format::OutputFormat* fmt) : out_(out), fmt_(fmt) {}
  Status Deliver(std::string_view topic, int partition, const log::RecordView& r) override {
    if (fmt_) fmt_->Append(out_.buffer(), topic, partition, r);
    else format::AppendRecordJson(out_.buffer(), topic, partition, r);
    return out_.MaybeFlush();
  }
  Status Idle() override { return out_.Flush(); }

 private:
  Output& out_;
  const format::OutputFormat* fmt_;
};

std::vector<int> ParsePartitionList(const std::string& text) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    out.push_back(static_cast<int>(ParseFlag("--partition", util::ParseInt(part, 0, 1 << 30))));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int Run(const Globals& g, const ConsumeFlags& f) {
  client::ConsumeOptions co;
  for (const auto& t : f.topics) {
    Status st = util::ValidateName(t, "topic");
    if (!st.ok()) return UsageError(st.message());
  }
  co.topics = f.topics;
  co.start = ParseFlag("--offset", client::ParseStartSpec(f.offset));
  if (!f.partitions.empty()) co.partitions = ParsePartitionList(f.partitions);
  co.follow = f.follow;
  if (f.max_messages < -1) return UsageError("--max-messages: must not be negative");
  co.max_messages = f.max_messages;
  std::optional<format::OutputFormat> fmt;
  if (f.format != "json") fmt = ParseFlag("--format", format::OutputFormat::Parse(f.format));

  InstallStopHandlers();
  topic::TopicStore store(DataDirFrom(g));
  Output out;
  PrintSink sink(out, fmt ? &*fmt : nullptr);
  Status st = client::Consume(store, co, sink, &g_stop);
  if (st.code() == Code::kOutOfRange && st.message() == "stdout closed") return kExitOk;
  if (!st.ok()) return Fail(st);
  return kExitOk;
}

}  // namespace

void AddConsumeCommand(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<ConsumeFlags>();
  auto* sub = app.add_subcommand(
      "consume", "Write records of one or more topics to stdout\nExample: klog consume events -o -10 --format '%o %k %v\\n'");
  sub->add_option("TOPIC", f->topics, "Topics to read")->required();
  sub->add_option("-o,--offset", f->offset, "Start at beginning (default), end, N, -N (N before the end) or @TIME")
      ->type_name("WHERE");
  sub->add_option("-p,--partition", f->partitions, "Read only these partitions, e.g. 0,2")->type_name("N[,N...]");
  sub->add_flag("-f,--follow", f->follow, "Wait for new records instead of exiting at the end");
  sub->add_option("-n,--max-messages", f->max_messages, "Stop after N records")->type_name("N");
  sub->add_option("--format", f->format, "Output format: tokens %t %p %o %k %v %T %h, or json (default '%v\\n')")
      ->type_name("FORMAT");
  sub->callback([&, f] { action = [&, f] { return Run(g, *f); }; });
}

}  // namespace klog::cmd
