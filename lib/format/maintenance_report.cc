#include "format/maintenance_report.h"

#include <climits>
#include <nlohmann/json.hpp>

#include "log/segment_name.h"
#include "util/parse.h"
#include "util/text.h"

namespace klog::format {

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

namespace {

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

}  // namespace

std::string VerifyText(const topic::VerifyRun& run, bool repair) {
  std::string text;
  for (const auto& c : run.partitions) {
    if (!c.error.ok()) continue;
    std::string who = c.topic + "/" + std::to_string(c.partition);
    const log::RepairReport& rr = c.report;
    if (rr.changed()) {
      text += StatusLines(who, rr.before, false);
      for (const auto& a : rr.actions) text += who + ": repaired: " + a + "\n";
    }
    text += StatusLines(who, rr.after, repair);
  }
  return text;
}

std::string VerifyJson(const topic::VerifyRun& run, bool repair) {
  auto parts = nlohmann::ordered_json::array();
  for (const auto& c : run.partitions) {
    if (!c.error.ok()) continue;
    const log::VerifyReport& a = c.report.after;
    nlohmann::ordered_json j = {{"topic", c.topic},
                                {"partition", c.partition},
                                {"ok", a.ok()},
                                {"segments", a.segments},
                                {"batches", a.batches},
                                {"records", a.records},
                                {"bytes", a.log_bytes},
                                {"start_offset", a.start_offset},
                                {"end_offset", a.end_offset},
                                {"damage", DamageJson(a.damage)}};
    if (repair) {
      j["damage_before_repair"] = DamageJson(c.report.before.damage);
      j["actions"] = c.report.actions;
    }
    parts.push_back(std::move(j));
  }
  nlohmann::ordered_json doc = {{"ok", run.ok()}, {"partitions", std::move(parts)}};
  return doc.dump() + "\n";
}

std::string RetentionTable(const topic::RetentionRun& run) {
  std::vector<std::vector<std::string>> rows = {
      {"TOPIC", "PARTITION", "SEGMENT", "OFFSETS", "SIZE", "NEWEST-RECORD", "REASON"}};
  for (const auto& p : run.partitions)
    for (const auto& e : p.expired) {
      const log::SegmentInfo& s = e.segment;
      rows.push_back({p.topic, std::to_string(p.partition), log::SegmentFileName(s.base_offset, log::kLogSuffix),
                      std::to_string(s.base_offset) + "-" + std::to_string(e.end_offset - 1),
                      util::FormatSize(s.bytes),
                      s.max_timestamp == INT64_MIN ? "-" : util::FormatIsoTimeMs(s.max_timestamp),
                      e.by_time ? "time" : "size"});
    }
  return rows.size() > 1 ? util::FormatTable(rows) : "";
}

std::string RetentionJson(const topic::RetentionRun& run, bool dry_run) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& p : run.partitions)
    for (const auto& e : p.expired) {
      const log::SegmentInfo& s = e.segment;
      arr.push_back({{"topic", p.topic},
                     {"partition", p.partition},
                     {"segment", log::SegmentFileName(s.base_offset, log::kLogSuffix)},
                     {"base_offset", s.base_offset},
                     {"end_offset", e.end_offset},
                     {"bytes", s.bytes},
                     {"max_timestamp", s.max_timestamp == INT64_MIN ? nlohmann::ordered_json()
                                                                    : nlohmann::ordered_json(s.max_timestamp)},
                     {"reason", e.by_time ? "time" : "size"}});
    }
  nlohmann::ordered_json doc = {{"dry_run", dry_run}, {dry_run ? "would_delete" : "deleted", std::move(arr)}};
  return doc.dump() + "\n";
}

}  // namespace klog::format
