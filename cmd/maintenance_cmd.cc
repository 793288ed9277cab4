// klog verify, klog dump, klog retention (maintenance for cron and incidents)
#include "cli.h"
#include "format/batch_dump.h"
#include "format/maintenance_report.h"
#include "util/clock.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {
namespace {

// The backend's maintenance (exit 2 where there is none: a cluster).
backend::Maintenance& MaintenanceFrom(backend::Backend& store) {
  auto m = store.maintenance();
  if (!m.ok()) throw CLI::RuntimeError(Fail(m.status()));
  return **m;
}

void CheckTopicNames(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    Status st = util::ValidateName(n, "topic");
    if (!st.ok()) throw CLI::RuntimeError(UsageError(st.message()));
  }
}

// A partition that could not be checked or cleaned is reported on its own
// line, and the others still are.
template <typename Run>
bool ReportPartitionErrors(const Run& run) {
  bool errors = false;
  for (const auto& p : run.partitions)
    if (!p.error.ok()) {
      Fail(p.error);
      errors = true;
    }
  return errors;
}

// ---- verify ---------------------------------------------------------------

struct VerifyFlags {
  std::vector<std::string> topics;
  bool repair = false;
  bool json = false;
};

int RunVerify(const Globals& g, const VerifyFlags& f) {
  CheckTopicNames(f.topics);
  auto store = OpenBackendFrom(g, DirUse::kMustExist);
  auto run = MaintenanceFrom(*store).Verify(f.topics, f.repair);
  if (!run.ok()) return Fail(run.status());
  ReportPartitionErrors(*run);
  int rc = PrintAndExit(f.json ? format::VerifyJson(*run, f.repair) : format::VerifyText(*run, f.repair));
  if (rc != kExitOk) return rc;
  return run->ok() ? kExitOk : kExitRuntime;
}

// ---- dump -----------------------------------------------------------------

struct DumpFlags {
  std::string topic;
  int partition = -1;
  int64_t offset = -1;
  int64_t max_batches = -1;
  bool records = false;
  bool json = false;
};

int RunDump(const Globals& g, const DumpFlags& f) {
  Status st = util::ValidateName(f.topic, "topic");
  if (!st.ok()) return UsageError(st.message());
  auto store = OpenBackendFrom(g);
  backend::Maintenance& maintenance = MaintenanceFrom(*store);
  auto config = store->LoadTopic(f.topic);
  if (!config.ok()) return Fail(config.status());
  int partition = f.partition;
  if (partition < 0) {
    if (config->partitions != 1)
      return UsageError("topic '" + f.topic + "' has " + std::to_string(config->partitions) +
                        " partitions: say which with -p N");
    partition = 0;
  }
  if (partition >= config->partitions)
    return Fail(Status::InvalidArgument("topic '" + f.topic + "' has no partition " + std::to_string(partition) +
                                        " (it has " + std::to_string(config->partitions) + ")"));
  format::Output out;
  backend::DumpOptions options;
  options.from_offset = f.offset;
  options.max_batches = f.max_batches;
  st = maintenance.Dump(f.topic, partition, options, [&](const backend::BatchSummary& s, const backend::Batch* b) {
    auto* batch = const_cast<backend::Batch*>(b);  // iteration only moves its cursor
    if (f.json) format::AppendBatchJson(out.buffer(), f.topic, partition, s, f.records, batch);
    else format::AppendBatchText(out.buffer(), s, f.records, batch);
    return out.MaybeFlush();
  });
  Status flushed = out.Flush();
  if (st.code() == Code::kOutputClosed || flushed.code() == Code::kOutputClosed) return kExitOk;
  if (!st.ok()) return Fail(st);
  if (!flushed.ok()) return Fail(flushed);
  return kExitOk;
}

// ---- retention ------------------------------------------------------------

struct RetentionFlags {
  std::vector<std::string> topics;
  bool dry_run = false;
  bool json = false;
};

int RunRetention(const Globals& g, const RetentionFlags& f) {
  CheckTopicNames(f.topics);
  auto store = OpenBackendFrom(g, DirUse::kMustExist);
  auto run = MaintenanceFrom(*store).Retention(f.topics, f.dry_run, util::NowMs());
  if (!run.ok()) return Fail(run.status());
  bool errors = ReportPartitionErrors(*run);
  std::string text = f.json ? format::RetentionJson(*run, f.dry_run) : format::RetentionTable(*run);
  if (g.verbose || (f.dry_run && !f.json))
    Warn(g, std::string(f.dry_run ? "dry run: would delete " : "deleted ") +
                format::Plural(run->segments(), "segment", "segments") + " (" + util::FormatSize(run->bytes()) + ")" +
                (f.dry_run ? "; nothing was deleted" : ""));
  int rc = PrintAndExit(text);
  if (rc != kExitOk) return rc;
  return errors ? kExitRuntime : kExitOk;
}

}  // namespace

void AddMaintenanceCommands(CLI::App& app, Globals& g, Action& action) {
  {
    auto* sub =
        app.add_subcommand("verify",
                           "Check every batch checksum, offset and index;\n"
                           "report the first bad position per partition\n"
                           "Example: klog verify events --repair");
    auto f = std::make_shared<VerifyFlags>();
    sub->add_option("TOPIC", f->topics, "Topics to check (default: all)");
    sub->add_flag("--repair", f->repair,
                  "Cut a torn tail of the active segment and\nrebuild bad indexes; never drops a valid batch");
    sub->add_flag("--json", f->json, "One JSON document instead of text");
    sub->callback([&, f] { action = [&, f] { return RunVerify(g, *f); }; });
  }
  {
    auto* sub = app.add_subcommand("dump",
                                   "Show a partition batch by batch\n(offsets, sizes, codec, CRC)\n"
                                   "Example: klog dump events -p 0 -n 5 --records");
    auto f = std::make_shared<DumpFlags>();
    sub->add_option("TOPIC", f->topic, "Topic name")->required();
    AddIntOption(sub, "-p,--partition", f->partition, 0, backend::kMaxPartitions - 1,
                 "Partition (may be left out when the topic has\nonly one)")
        ->type_name("N");
    AddIntOption(sub, "-o,--offset", f->offset, 0, INT64_MAX, "Start at the batch holding this offset\n(default: the oldest)")
        ->type_name("OFFSET");
    AddIntOption(sub, "-n,--max-batches", f->max_batches, 0, INT64_MAX, "Show at most N batches")->type_name("N");
    sub->add_flag("--records", f->records, "Show every record of each batch too");
    sub->add_flag("--json", f->json, "One JSON object per batch per line");
    sub->callback([&, f] { action = [&, f] { return RunDump(g, *f); }; });
  }
  {
    auto* sub = app.add_subcommand("retention",
                                   "Delete closed segments past the topics' time\nand size retention now (for cron)\n"
                                   "Example: klog retention --dry-run");
    auto f = std::make_shared<RetentionFlags>();
    sub->add_option("TOPIC", f->topics, "Topics to enforce retention on (default: all)");
    sub->add_flag("--dry-run", f->dry_run, "Only show what would be deleted");
    sub->add_flag("--json", f->json, "One JSON document instead of a table");
    sub->callback([&, f] { action = [&, f] { return RunRetention(g, *f); }; });
  }
}

}  // namespace klog::cmd
