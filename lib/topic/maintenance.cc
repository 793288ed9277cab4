#include "topic/maintenance.h"

#include <utility>

namespace klog::topic {
namespace {

struct TopicRef {
  std::string name;
  TopicConfig config;
};

// The named topics (all of them when none is named), with their configs:
// an unknown one fails before anything is done.
Result<std::vector<TopicRef>> ResolveTopics(const TopicStore& store, const std::vector<std::string>& names) {
  std::vector<std::string> list = names;
  if (list.empty()) {
    auto all = store.List();
    if (!all.ok()) return all.status();
    list = *all;
  }
  std::vector<TopicRef> out;
  for (const auto& n : list) {
    auto c = store.Load(n);
    if (!c.ok()) return c.status();
    out.push_back({n, *c});
  }
  return out;
}

}  // namespace

bool VerifyRun::ok() const {
  for (const auto& p : partitions)
    if (!p.error.ok() || !p.report.after.ok()) return false;
  return true;
}

Result<VerifyRun> VerifyTopics(const TopicStore& store, const std::vector<std::string>& topics, bool repair) {
  auto refs = ResolveTopics(store, topics);
  if (!refs.ok()) return refs.status();
  VerifyRun run;
  for (const auto& t : *refs) {
    for (int p = 0; p < t.config.partitions; ++p) {
      PartitionCheck check{t.name, p, Status::Ok(), {}};
      std::string dir = store.dir().PartitionDir(t.name, p);
      std::string label = PartitionLabel(t.name, p);
      if (repair) {
        auto r = log::RepairPartition(dir, label, t.config.ToLogConfig());
        if (r.ok()) check.report = std::move(r).value();
        else check.error = r.status();
      } else {
        auto r = log::VerifyPartition(dir, label);
        if (r.ok()) {
          check.report.before = std::move(r).value();
          check.report.after = check.report.before;
        } else {
          check.error = r.status();
        }
      }
      run.partitions.push_back(std::move(check));
    }
  }
  return run;
}

bool RetentionRun::ok() const {
  for (const auto& p : partitions)
    if (!p.error.ok()) return false;
  return true;
}

int64_t RetentionRun::segments() const {
  int64_t n = 0;
  for (const auto& p : partitions) n += static_cast<int64_t>(p.expired.size());
  return n;
}

uint64_t RetentionRun::bytes() const {
  uint64_t n = 0;
  for (const auto& p : partitions)
    for (const auto& e : p.expired) n += e.segment.bytes;
  return n;
}

Result<RetentionRun> EnforceRetention(const TopicStore& store, const std::vector<std::string>& topics, bool dry_run,
                                      int64_t now_ms) {
  auto refs = ResolveTopics(store, topics);
  if (!refs.ok()) return refs.status();
  RetentionRun run;
  for (const auto& t : *refs) {
    log::LogConfig config = t.config.ToLogConfig();
    for (int p = 0; p < t.config.partitions; ++p) {
      std::string dir = store.dir().PartitionDir(t.name, p);
      // Plan first: a partition with nothing to delete is not locked or touched.
      auto gone = log::PlanRetention(dir, config, now_ms);
      if (gone.ok() && !gone->empty() && !dry_run)
        gone = log::EnforceRetentionNow(dir, PartitionLabel(t.name, p), config, now_ms);
      PartitionRetention r{t.name, p, Status::Ok(), {}};
      if (gone.ok()) r.expired = std::move(gone).value();
      else r.error = gone.status();
      run.partitions.push_back(std::move(r));
    }
  }
  return run;
}

}  // namespace klog::topic
