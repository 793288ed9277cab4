// klog topic create|list|describe|alter|delete
#include <nlohmann/json.hpp>

#include "cli.h"
#include "format/prometheus.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {
namespace {

struct ConfigFlags {
  int partitions = 0;
  CLI::Option* partitions_flag = nullptr;  // count() == 0: not given
  std::string retention, retention_bytes, segment_bytes, segment_ms, compression, compression_level;

  void Add(CLI::App* sub, bool creating) {
    partitions_flag =
        AddIntOption(sub, "-p,--partitions", partitions, 1, backend::kMaxPartitions,
                     creating ? "Number of partitions (default 1)" : "New number of partitions (can only grow)")
            ->type_name("N");
    sub->add_option("--retention", retention, "Delete closed segments older than this\n(default 7d; -1 keeps them forever)")
        ->type_name("DURATION");
    sub->add_option("--retention-bytes", retention_bytes, "Keep at most this much per partition\n(e.g. 10GiB; default -1: no limit)")
        ->type_name("SIZE");
    sub->add_option("--segment-bytes", segment_bytes, "Roll to a new segment at this size (default 1GiB)")
        ->type_name("SIZE");
    sub->add_option("--segment-ms", segment_ms, "Roll to a new segment at this age (default 7d)")->type_name("DURATION");
    sub->add_option("--compression", compression, "Batch compression: zstd or none (default none)")
        ->type_name("CODEC")
        ->check(CLI::IsMember({"zstd", "none"}));
    sub->add_option("--compression-level", compression_level,
                    creating ? "zstd level 1-19 (default: klog's fast setting,\nlevel 1 with a small hash table)"
                             : "zstd level 1-19, or 'default' for klog's\nfast setting")
        ->type_name("N");
  }

  // Applies what was given onto c.
  void ApplyTo(backend::TopicConfig& c) const {
    if (partitions_flag && partitions_flag->count() > 0) {
      if (partitions < 1 || partitions > backend::kMaxPartitions)
        throw CLI::RuntimeError(UsageError("--partitions: must be between 1 and " + std::to_string(backend::kMaxPartitions)));
      c.partitions = partitions;
    }
    if (!retention.empty())
      c.retention_ms = retention == "-1" ? -1 : ParseFlag("--retention", util::ParseDurationMs(retention));
    if (!retention_bytes.empty())
      c.retention_bytes = retention_bytes == "-1"
                              ? -1
                              : static_cast<int64_t>(ParseFlag("--retention-bytes", util::ParseSize(retention_bytes)));
    if (!segment_bytes.empty()) c.segment_bytes = ParseFlag("--segment-bytes", util::ParseSize(segment_bytes));
    if (!segment_ms.empty()) c.segment_ms = ParseFlag("--segment-ms", util::ParseDurationMs(segment_ms));
    if (!compression.empty()) c.compression = ParseFlag("--compression", backend::ParseCodec(compression));
    if (compression_level == "default") c.compression_level.reset();
    else if (!compression_level.empty())
      c.compression_level = ParseCompressionLevelFlag(compression_level);
    Status st = backend::ValidateTopicConfig(c);
    if (!st.ok()) throw CLI::RuntimeError(UsageError(st.message()));
  }
};

void CheckName(const std::string& name) {
  Status st = util::ValidateName(name, "topic");
  if (!st.ok()) throw CLI::RuntimeError(UsageError(st.message()));
}

std::string Limit(int64_t v, bool duration) {
  if (v < 0) return "unlimited";
  return duration ? util::FormatDurationMs(v) : util::FormatSize(static_cast<uint64_t>(v));
}

// "partitions 2 -> 4, retention 7d -> 1d", or "nothing changed".
std::string ConfigChanges(const backend::TopicConfig& a, const backend::TopicConfig& b) {
  std::string out;
  auto add = [&out](const std::string& what, const std::string& from, const std::string& to) {
    if (from != to) out += (out.empty() ? "" : ", ") + what + " " + from + " -> " + to;
  };
  auto level = [](const backend::TopicConfig& c) {
    return c.compression_level ? std::to_string(*c.compression_level) : std::string("default");
  };
  add("partitions", std::to_string(a.partitions), std::to_string(b.partitions));
  add("retention", Limit(a.retention_ms, true), Limit(b.retention_ms, true));
  add("retention-bytes", Limit(a.retention_bytes, false), Limit(b.retention_bytes, false));
  add("segment-bytes", util::FormatSize(a.segment_bytes), util::FormatSize(b.segment_bytes));
  add("segment-ms", util::FormatDurationMs(a.segment_ms), util::FormatDurationMs(b.segment_ms));
  add("compression", backend::CodecName(a.compression), backend::CodecName(b.compression));
  add("compression-level", level(a), level(b));
  return out.empty() ? "nothing changed" : out;
}

nlohmann::ordered_json ConfigJson(const backend::TopicConfig& c) {
  return nlohmann::ordered_json::parse(backend::TopicConfigToJson(c));
}

// node-exporter textfile metrics for `describe --format prometheus`.
std::string TopicMetrics(const std::string& name, const backend::TopicConfig& c,
                         const std::vector<backend::PartitionStats>& parts) {
  format::PrometheusWriter w;
  auto labels = [&](int p) { return format::PromLabels{{"topic", name}, {"partition", std::to_string(p)}}; };
  w.Family("klog_topic_partitions", "Number of partitions of the topic.");
  w.Sample("klog_topic_partitions", {{"topic", name}}, static_cast<long long>(c.partitions));
  w.Family("klog_topic_retention_bytes", "Size retention per partition in bytes; -1 when unlimited.");
  w.Sample("klog_topic_retention_bytes", {{"topic", name}}, static_cast<long long>(c.retention_bytes));
  w.Family("klog_topic_retention_seconds", "Time retention in seconds; -1 when records are kept forever.");
  w.Sample("klog_topic_retention_seconds", {{"topic", name}},
           c.retention_ms < 0 ? -1.0 : static_cast<double>(c.retention_ms) / 1000.0);
  struct Metric {
    const char* name;
    const char* help;
    std::optional<long long> (*value)(const backend::PartitionStats&);
  };
  const Metric metrics[] = {
      {"klog_partition_start_offset", "Offset of the oldest record still kept.",
       [](const backend::PartitionStats& p) -> std::optional<long long> { return p.start_offset; }},
      {"klog_partition_end_offset", "Log end offset: the offset the next record appended will get.",
       [](const backend::PartitionStats& p) -> std::optional<long long> { return p.end_offset; }},
      {"klog_partition_records", "Records kept (end offset minus start offset).",
       [](const backend::PartitionStats& p) -> std::optional<long long> { return p.end_offset - p.start_offset; }},
      {"klog_partition_bytes", "Bytes on disk: segments and their indexes (absent on a Kafka cluster).",
       [](const backend::PartitionStats& p) -> std::optional<long long> {
         if (!p.bytes) return std::nullopt;
         return static_cast<long long>(*p.bytes);
       }},
      {"klog_partition_segments", "Number of segment files (absent on a Kafka cluster).",
       [](const backend::PartitionStats& p) -> std::optional<long long> { return p.segments; }},
  };
  for (const auto& m : metrics) {
    w.Family(m.name, m.help);
    for (const auto& p : parts)
      if (auto v = m.value(p)) w.Sample(m.name, labels(p.partition), *v);
  }
  w.Family("klog_partition_last_append_timestamp_seconds",
           "Time of the last append (mtime of the active segment), in seconds since the epoch; "
           "absent for a partition never written to.");
  for (const auto& p : parts)
    if (p.last_append_ms > 0)
      w.Sample("klog_partition_last_append_timestamp_seconds", labels(p.partition),
               static_cast<double>(p.last_append_ms) / 1000.0);
  return w.text();
}

}  // namespace

void AddTopicCommands(CLI::App& app, Globals& g, Action& action) {
  CLI::App* topic = app.add_subcommand("topic", "Create, list, describe, alter and delete topics");
  topic->require_subcommand(1);

  {
    auto* sub = topic->add_subcommand("create", "Create a topic\nExample: klog topic create events --partitions 3");
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<ConfigFlags>();
    auto if_not_exists = std::make_shared<bool>(false);
    sub->add_option("NAME", *name, "Topic name: [A-Za-z0-9._-], 1-249 characters")->required();
    flags->Add(sub, true);
    sub->add_flag("--if-not-exists", *if_not_exists, "Succeed quietly if the topic exists");
    sub->callback([&, name, flags, if_not_exists] {
      action = [&, name, flags, if_not_exists] {
        CheckName(*name);
        backend::TopicConfig c;
        flags->ApplyTo(c);
        auto store = OpenBackendFrom(g);
        bool created = false;
        Status st = store->CreateTopic(*name, c, *if_not_exists, &created);
        if (!st.ok()) return Fail(st);
        if (g.verbose && created) Note(g, "created topic '" + *name + "' with " + std::to_string(c.partitions) + " partitions");
        return kExitOk;
      };
    });
  }
  {
    auto* sub = topic->add_subcommand("list", "List topics\nExample: klog topic list --json");
    auto json = std::make_shared<bool>(false);
    sub->add_flag("--json", *json, "One JSON document instead of a table");
    sub->callback([&, json] {
      action = [&, json] {
        auto store = OpenBackendFrom(g);
        auto names = store->ListTopics();
        if (!names.ok()) return Fail(names.status());
        if (*json) {
          auto arr = nlohmann::ordered_json::array();
          for (const auto& n : *names) {
            auto c = store->LoadTopic(n);
            if (!c.ok()) return Fail(c.status());
            arr.push_back({{"name", n}, {"partitions", c->partitions}, {"compression", backend::CodecName(c->compression)}});
          }
          return PrintAndExit(arr.dump() + "\n");
        }
        std::vector<std::vector<std::string>> rows = {{"TOPIC", "PARTITIONS", "COMPRESSION"}};
        for (const auto& n : *names) {
          auto c = store->LoadTopic(n);
          if (!c.ok()) return Fail(c.status());
          rows.push_back({n, std::to_string(c->partitions), backend::CodecName(c->compression)});
        }
        return PrintAndExit(names->empty() ? "" : FormatTable(rows));
      };
    });
  }
  {
    auto* sub = topic->add_subcommand("describe", "Show a topic's partitions and config\nExample: klog topic describe events");
    auto name = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto fmt = std::make_shared<std::string>();
    sub->add_option("NAME", *name, "Topic name")->required();
    sub->add_flag("--json", *json, "One JSON document (same as --format json)");
    sub->add_option("--format", *fmt,
                    "table (default), json, or prometheus\n(node-exporter textfile metrics)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"table", "json", "prometheus"}));
    sub->callback([&, name, json, fmt] {
      action = [&, name, json, fmt] {
        CheckName(*name);
        if (*json && !fmt->empty() && *fmt != "json")
          return UsageError("--json and --format " + *fmt + " contradict each other");
        if (*json) *fmt = "json";
        auto store = OpenBackendFrom(g);
        auto c = store->LoadTopic(*name);
        if (!c.ok()) return Fail(c.status());
        auto parts = store->DescribeTopic(*name);
        if (!parts.ok()) return Fail(parts.status());
        if (*fmt == "prometheus") return PrintAndExit(TopicMetrics(*name, *c, *parts));
        if (*fmt == "json") {
          nlohmann::ordered_json doc;
          doc["topic"] = *name;
          doc["config"] = ConfigJson(*c);
          doc["partitions"] = nlohmann::ordered_json::array();
          for (const auto& p : *parts)
            doc["partitions"].push_back({{"partition", p.partition},
                                         {"start_offset", p.start_offset},
                                         {"end_offset", p.end_offset},
                                         {"records", p.end_offset - p.start_offset},
                                         // null: unknown here (a Kafka cluster)
                                         {"bytes", p.bytes ? nlohmann::ordered_json(*p.bytes) : nullptr},
                                         {"segments", p.segments ? nlohmann::ordered_json(*p.segments) : nullptr},
                                         {"last_append_ms", p.last_append_ms}});
          return PrintAndExit(doc.dump() + "\n");
        }
        std::string out = "Topic: " + *name + "  Partitions: " + std::to_string(c->partitions) +
                          "  Compression: " + backend::CodecName(c->compression) +
                          (c->compression_level ? " (level " + std::to_string(*c->compression_level) + ")" : "") +
                          "  Retention: " + Limit(c->retention_ms, true) +
                          "  Retention-bytes: " + Limit(c->retention_bytes, false) +
                          "  Segment-bytes: " + util::FormatSize(c->segment_bytes) +
                          "  Segment-ms: " + util::FormatDurationMs(c->segment_ms) + "\n";
        std::vector<std::vector<std::string>> rows = {
            {"PARTITION", "START", "END", "RECORDS", "SIZE", "SEGMENTS", "LAST-APPEND"}};
        for (const auto& p : *parts)
          rows.push_back({std::to_string(p.partition), std::to_string(p.start_offset), std::to_string(p.end_offset),
                          std::to_string(p.end_offset - p.start_offset), p.bytes ? util::FormatSize(*p.bytes) : "-",
                          p.segments ? std::to_string(*p.segments) : "-",
                          p.last_append_ms ? util::FormatIsoTimeMs(p.last_append_ms) : "-"});
        return PrintAndExit(out + FormatTable(rows));
      };
    });
  }
  {
    auto* sub = topic->add_subcommand("alter", "Change a topic's partitions or config\nExample: klog topic alter events --partitions 6");
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<ConfigFlags>();
    sub->add_option("NAME", *name, "Topic name")->required();
    flags->Add(sub, false);
    sub->callback([&, name, flags] {
      action = [&, name, flags] {
        CheckName(*name);
        auto store = OpenBackendFrom(g);
        auto c = store->LoadTopic(*name);
        if (!c.ok()) return Fail(c.status());
        backend::TopicConfig updated = *c;
        flags->ApplyTo(updated);
        // Checked here too, so that shrinking is a usage error (exit 2).
        Status grow = backend::CheckPartitionsGrow(*name, c->partitions, updated.partitions);
        if (!grow.ok()) return UsageError(grow.message());
        Status st = store->AlterTopic(*name, updated);
        if (!st.ok()) return Fail(st);
        if (g.verbose) Note(g, "altered topic '" + *name + "': " + ConfigChanges(*c, updated));
        return kExitOk;
      };
    });
  }
  {
    auto* sub = topic->add_subcommand("delete", "Delete a topic and all its records\nExample: klog topic delete events");
    auto name = std::make_shared<std::string>();
    auto if_exists = std::make_shared<bool>(false);
    sub->add_option("NAME", *name, "Topic name")->required();
    sub->add_flag("--if-exists", *if_exists, "Succeed quietly if there is no such topic");
    sub->callback([&, name, if_exists] {
      action = [&, name, if_exists] {
        CheckName(*name);
        auto store = OpenBackendFrom(g);
        bool deleted = false;
        Status st = store->DeleteTopic(*name, *if_exists, &deleted);
        if (!st.ok()) return Fail(st);
        if (g.verbose)
          Note(g, deleted ? "deleted topic '" + *name + "'" : "no topic '" + *name + "': nothing deleted (--if-exists)");
        return kExitOk;
      };
    });
  }
}

}  // namespace klog::cmd
