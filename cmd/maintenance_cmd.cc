// klog verify, klog dump, klog retention (maintenance for cron and incidents)
#include <climits>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "format/batch_dump.h"
#include "log/dump.h"
#include "log/retention_plan.h"
#include "log/segment_name.h"
#include "log/verify.h"
#include "topic/topic_store.h"
#include "util/clock.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {
namespace {

struct TopicRef {
  std::string name;
  topic::TopicConfig config;
};

// The named topics (all of them when none is named), with their configs.
// Bad names are usage errors; unknown topics fail before anything is done.
Result<std::vector<TopicRef>> ResolveTopics(const topic::TopicStore& store, const std::vector<std::string>& names) {
  std::vector<std::string> list = names;
  if (list.empty()) {
    auto all = store.List();
    if (!all.ok()) return all.status();
    list = *all;
  }
  std::vector<TopicRef> out;
  for (const auto& n : list) {
    Status st = util::ValidateName(n, "topic");
    if (!st.ok()) throw CLI::RuntimeError(UsageError(st.message()));
    auto c = store.Load(n);
    if (!c.ok()) return c.status();
    out.push_back({n, *c});
  }
  return out;
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// ---- verify ---------------------------------------------------------------

struct VerifyFlags {
  std::vector<std::string> topics;
  bool repair = false;
  bool json = false;
};

std::string Summary(const log::VerifyReport& r) {
  std::string s = Plural(r.segments, "segment", "segments") + ", " + Plural(r.batches, "batch", "batches") + ", " +
                  Plural(r.records, "record", "records");
  if (r.end_offset > r.start_offset)
    s += " (offsets " + std::to_string(r.start_offset) + " to " + std::to_string(r.end_offset - 1) + ")";
  return s;
}

nlohmann::ordered_json DamageJson(const std::vector<log::Damage>& damage) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& d : damage)
    arr.push_back({{"kind", log::DamageKindName(d.kind)},
                   {"file", d.file},
                   {"position", d.position},
                   {"offset", d.offset >= 0 ? nlohmann::ordered_json(d.offset) : nlohmann::ordered_json()},
                   {"message", d.message},
                   {"repairable", d.repairable}});
  return arr;
}

// Text lines for one partition's state: OK, or its first problem.
std::string StatusLines(const std::string& who, const log::VerifyReport& r, bool repair_tried) {
  if (r.ok()) return who + ": OK: " + Summary(r) + "\n";
  const log::Damage& d = r.damage.front();
  std::string line = who + ": DAMAGED: " + d.file + " byte " + std::to_string(d.position) +
                     (d.offset >= 0 ? " (offset " + std::to_string(d.offset) + ")" : "") + ": " + d.message;
  if (!r.repairable())
    line += repair_tried ? "; not repairable, nothing changed" : "; not repairable";
  else if (!repair_tried)
    line += "; 'klog verify --repair' can mend it";
  line += "\n";
  if (r.damage.size() > 1)
    line += who + ":   and " + Plural(static_cast<int64_t>(r.damage.size() - 1), "more problem", "more problems") +
            " (--json lists them all)\n";
  return line;
}

int RunVerify(const Globals& g, const VerifyFlags& f) {
  topic::TopicStore store(DataDirFrom(g, DirUse::kMustExist));
  auto topics = ResolveTopics(store, f.topics);
  if (!topics.ok()) return Fail(topics.status());
  bool all_ok = true, errors = false;
  std::string text;
  auto parts_json = nlohmann::ordered_json::array();
  for (const auto& t : *topics) {
    for (int p = 0; p < t.config.partitions; ++p) {
      std::string dir = store.dir().PartitionDir(t.name, p);
      std::string label = topic::PartitionLabel(t.name, p);
      std::string who = t.name + "/" + std::to_string(p);
      log::RepairReport rr;
      if (f.repair) {
        auto r = log::RepairPartition(dir, label, t.config.ToLogConfig());
        if (!r.ok()) {
          Fail(r.status());
          errors = true;
          continue;
        }
        rr = std::move(r).value();
      } else {
        auto r = log::VerifyPartition(dir, label);
        if (!r.ok()) {
          Fail(r.status());
          errors = true;
          continue;
        }
        rr.before = std::move(r).value();
        rr.after = rr.before;
      }
      all_ok = all_ok && rr.after.ok();
      if (f.json) {
        const log::VerifyReport& a = rr.after;
        nlohmann::ordered_json j = {{"topic", t.name},
                                    {"partition", p},
                                    {"ok", a.ok()},
                                    {"segments", a.segments},
                                    {"batches", a.batches},
                                    {"records", a.records},
                                    {"bytes", a.log_bytes},
                                    {"start_offset", a.start_offset},
                                    {"end_offset", a.end_offset},
                                    {"damage", DamageJson(a.damage)}};
        if (f.repair) {
          j["damage_before_repair"] = DamageJson(rr.before.damage);
          j["actions"] = rr.actions;
        }
        parts_json.push_back(std::move(j));
        continue;
      }
      if (rr.changed()) {
        text += StatusLines(who, rr.before, false);
        for (const auto& a : rr.actions) text += who + ": repaired: " + a + "\n";
      }
      text += StatusLines(who, rr.after, f.repair);
    }
  }
  if (f.json) {
    nlohmann::ordered_json doc = {{"ok", all_ok && !errors}, {"partitions", std::move(parts_json)}};
    text = doc.dump() + "\n";
  }
  int rc = PrintAndExit(text);
  if (rc != kExitOk) return rc;
  return all_ok && !errors ? kExitOk : kExitRuntime;
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
  topic::TopicStore store(DataDirFrom(g));
  auto config = store.Load(f.topic);
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
  Output out;
  log::DumpOptions options;
  options.from_offset = f.offset;
  options.max_batches = f.max_batches;
  st = log::DumpPartition(store.dir().PartitionDir(f.topic, partition), topic::PartitionLabel(f.topic, partition),
                          options, [&](const log::BatchSummary& s, const log::Batch* b) {
                            auto* batch = const_cast<log::Batch*>(b);  // iteration only moves its cursor
                            std::string& buf = out.buffer();
                            if (f.json) {
                              format::AppendBatchJson(buf, f.topic, partition, s, f.records, batch);
                            } else {
                              format::AppendBatchText(buf, s);
                              if (f.records && batch) {
                                batch->Reset();
                                log::RecordView r;
                                while (batch->Next(r)) format::AppendRecordText(buf, r);
                              } else if (f.records) {
                                buf += "  (records not shown: " + s.problem + ")\n";
                              }
                            }
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
  topic::TopicStore store(DataDirFrom(g, DirUse::kMustExist));
  auto topics = ResolveTopics(store, f.topics);
  if (!topics.ok()) return Fail(topics.status());
  const int64_t now = util::NowMs();
  bool errors = false;
  std::vector<std::vector<std::string>> rows = {
      {"TOPIC", "PARTITION", "SEGMENT", "OFFSETS", "SIZE", "NEWEST-RECORD", "REASON"}};
  auto arr = nlohmann::ordered_json::array();
  uint64_t total_bytes = 0;
  for (const auto& t : *topics) {
    log::LogConfig config = t.config.ToLogConfig();
    for (int p = 0; p < t.config.partitions; ++p) {
      std::string dir = store.dir().PartitionDir(t.name, p);
      std::string label = topic::PartitionLabel(t.name, p);
      // Plan first: a partition with nothing to delete is not locked or touched.
      auto gone = log::PlanRetention(dir, config, now);
      if (gone.ok() && !gone->empty() && !f.dry_run) gone = log::EnforceRetentionNow(dir, label, config, now);
      if (!gone.ok()) {
        Fail(gone.status());
        errors = true;
        continue;
      }
      for (const auto& e : *gone) {
        const log::SegmentInfo& s = e.segment;
        std::string name = log::SegmentFileName(s.base_offset, log::kLogSuffix);
        const char* reason = e.by_time ? "time" : "size";
        total_bytes += s.bytes;
        rows.push_back({t.name, std::to_string(p), name,
                        std::to_string(s.base_offset) + "-" + std::to_string(e.end_offset - 1),
                        util::FormatSize(s.bytes),
                        s.max_timestamp == INT64_MIN ? "-" : util::FormatIsoTimeMs(s.max_timestamp), reason});
        arr.push_back({{"topic", t.name},
                       {"partition", p},
                       {"segment", name},
                       {"base_offset", s.base_offset},
                       {"end_offset", e.end_offset},
                       {"bytes", s.bytes},
                       {"max_timestamp", s.max_timestamp == INT64_MIN ? nlohmann::ordered_json()
                                                                      : nlohmann::ordered_json(s.max_timestamp)},
                       {"reason", reason}});
      }
    }
  }
  std::string text;
  if (f.json) {
    nlohmann::ordered_json doc = {{"dry_run", f.dry_run}, {f.dry_run ? "would_delete" : "deleted", std::move(arr)}};
    text = doc.dump() + "\n";
  } else if (rows.size() > 1) {
    text = FormatTable(rows);
  }
  if (g.verbose || (f.dry_run && !f.json))
    Warn(g, std::string(f.dry_run ? "dry run: would delete " : "deleted ") +
                Plural(static_cast<int64_t>(rows.size() - 1), "segment", "segments") + " (" +
                util::FormatSize(total_bytes) + ")" + (f.dry_run ? "; nothing was deleted" : ""));
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
    AddIntOption(sub, "-p,--partition", f->partition, 0, topic::kMaxPartitions - 1,
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
