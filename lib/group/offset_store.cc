#include "group/offset_store.h"

#include <nlohmann/json.hpp>

#include "os/file.h"
#include "util/state_json.h"

namespace klog::group {

Result<Offsets> LoadOffsets(const GroupPaths& paths) {
  auto text = os::ReadFile(paths.Offsets());
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return Offsets{};
    return text.status();
  }
  Offsets out;
  try {
    auto j = util::ParseStateJson(*text);
    if (j.value("version", 1) != 1)
      return Status::Corruption("group '" + paths.group() + "' offsets " + paths.Offsets() + ": written by a newer klog");
    for (auto t = j.at("offsets").begin(); t != j.at("offsets").end(); ++t)
      for (auto p = t.value().begin(); p != t.value().end(); ++p)
        out[{t.key(), std::stoi(p.key())}] = p.value().get<int64_t>();
  } catch (const std::exception& e) {
    return Status::Corruption("group '" + paths.group() + "' offsets " + paths.Offsets() + ": " + e.what() +
                              " (restore it with 'klog offset history' / 'klog offset reset')");
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

}  // namespace klog::group
