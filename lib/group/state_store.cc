#include "group/state_store.h"

#include <algorithm>

#include "os/file.h"
#include "util/state_json.h"

namespace klog::group {

namespace {

// The members whose files are readable and name themselves.
Result<GroupState> RebuildFromMembers(const GroupPaths& paths) {
  GroupState s;
  if (!os::IsDir(paths.MembersDir())) return s;
  auto names = os::ListDir(paths.MembersDir());
  if (!names.ok()) return names.status();
  const std::string suffix = ".json";
  for (const auto& n : *names) {
    if (n.size() <= suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::string id = n.substr(0, n.size() - suffix.size());
    if (!ValidateMemberId(id).ok()) continue;  // not a member's file (a temp file, or planted)
    auto text = os::ReadFile(paths.MemberFile(id), kMaxMemberFileBytes);
    if (!text.ok()) continue;  // it left meanwhile, or its file is damaged: it rejoins
    auto info = MemberInfoFromJson(*text, paths.MemberFile(id));
    if (!info.ok() || info->id != id) continue;
    s.generation = std::max(s.generation, info->generation);
    info->generation = 0;
    s.members.push_back(std::move(info).value());
  }
  ++s.generation;
  return s;
}

bool WrittenByNewerKlog(const std::string& text) {
  try {
    auto j = util::ParseStateJson(text);
    return j.is_object() && j.contains("version") && j["version"].is_number_integer() && j["version"].get<int64_t>() > 1;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Result<LoadedState> LoadGroupState(const GroupPaths& paths) {
  LoadedState out;
  auto text = os::ReadFile(paths.State(), kMaxStateBytes);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return out;
    if (text.status().code() != Code::kCorruption) return text.status();  // too large is damage
  } else {
    auto parsed = GroupStateFromJson(*text, "group '" + paths.group() + "' state " + paths.State());
    if (parsed.ok()) {
      out.state = std::move(parsed).value();
      return out;
    }
    if (WrittenByNewerKlog(*text)) return parsed.status();  // not damage: never overwrite it
  }
  auto rebuilt = RebuildFromMembers(paths);
  if (!rebuilt.ok()) return rebuilt.status();
  out.state = std::move(rebuilt).value();
  out.rebuilt = true;
  return out;
}

Status StoreGroupState(const GroupPaths& paths, const GroupState& state) {
  return os::WriteFileAtomic(paths.State(), GroupStateToJson(state));
}

}  // namespace klog::group
