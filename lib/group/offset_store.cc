#include "group/offset_store.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "group/state_store.h"
#include "os/file.h"
#include "topic/topic_config.h"
#include "util/name.h"
#include "util/state_json.h"

namespace klog::group {

namespace {

// A partition key: digits only, a partition number that can exist.
int ParsePartitionKey(const std::string& topic, const std::string& key) {
  bool digits = !key.empty() && key.size() <= 5 && key.find_first_not_of("0123456789") == std::string::npos;
  int p = digits ? std::stoi(key) : -1;
  if (p < 0 || p >= topic::kMaxPartitions)
    throw std::invalid_argument("topic '" + topic + "' has partition key '" + key.substr(0, 40) +
                                "', which is not a partition number");
  return p;
}

}  // namespace

Result<Offsets> LoadOffsets(const GroupPaths& paths, bool* damaged_out) {
  if (damaged_out) *damaged_out = false;
  const std::string what = "group '" + paths.group() + "' offsets " + paths.Offsets();
  auto damaged = [&](const std::string& problem) -> Result<Offsets> {
    if (damaged_out) {
      *damaged_out = true;
      return Offsets{};
    }
    return Status::Corruption(what + ": " + problem + " (replace it: 'klog offset reset -g " + paths.group() +
                              " --topic TOPIC --to-earliest|--to-offset N|... --execute' writes a new one; "
                              "'klog offset history -g " + paths.group() + "' shows the offsets committed before)");
  };
  auto text = os::ReadFile(paths.Offsets(), kMaxStateBytes);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return Offsets{};
    if (text.status().code() == Code::kCorruption) return damaged("too large to be klog's (over 16 MiB)");
    return text.status();
  }
  Offsets out;
  try {
    auto j = util::ParseStateJson(*text);
    if (j.value("version", 1) != 1) return Status::Corruption(what + ": written by a newer klog");
    for (auto t = j.at("offsets").begin(); t != j.at("offsets").end(); ++t) {
      Status valid = util::ValidateName(t.key(), "topic");
      if (!valid.ok()) throw std::invalid_argument(valid.message());
      for (auto p = t.value().begin(); p != t.value().end(); ++p)
        out[{t.key(), ParsePartitionKey(t.key(), p.key())}] = p.value().get<int64_t>();
    }
  } catch (const std::exception& e) {
    return damaged(e.what());
  }
  return out;
}

Status StoreOffsets(const GroupPaths& paths, const Offsets& offsets) {
  nlohmann::json j;
  j["version"] = 1;
  j["offsets"] = nlohmann::json::object();
  for (const auto& [tp, off] : offsets) j["offsets"][tp.first][std::to_string(tp.second)] = off;
  return os::WriteFileAtomic(paths.Offsets(), j.dump() + "\n");
}

Status StoreOffsetsJournaled(const GroupPaths& paths, const JournalEntry& entry, const Offsets& current,
                             const Offsets& next) {
  uint64_t at = 0;
  KLOG_RETURN_IF_ERROR(AppendJournal(paths, entry, &at));
  Status st = StoreOffsets(paths, next);
  if (!st.ok()) {
    auto now = LoadOffsets(paths);
    if (now.ok() && *now == current) (void)RetractJournal(paths, at);
  }
  return st;
}

}  // namespace klog::group
