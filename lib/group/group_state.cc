#include "group/group_state.h"

#include <nlohmann/json.hpp>

#include "topic/topic_config.h"
#include "util/name.h"
#include "util/state_json.h"

namespace klog::group {

using nlohmann::json;

const MemberInfo* GroupState::FindMember(const std::string& id) const {
  for (const auto& m : members)
    if (m.id == id) return &m;
  return nullptr;
}

std::vector<TopicPartition> GroupState::PartitionsOf(const std::string& id) const {
  auto it = assignment.find(id);
  return it == assignment.end() ? std::vector<TopicPartition>{} : it->second;
}

std::string GroupState::OwnerOf(const TopicPartition& tp) const {
  for (const auto& [id, tps] : assignment)
    for (const auto& t : tps)
      if (t == tp) return id;
  return "";
}

Status ValidateMemberId(const std::string& id) { return util::ValidateName(id, "member id"); }

namespace {

// Names read from disk build file paths (members/ID.lock, partitions/T.P.lock):
// they are checked as strictly as names from the command line, and one
// that fails makes the whole file damaged.
void Check(const Status& st) {
  if (!st.ok()) throw std::invalid_argument(st.message());
}

void CheckPartition(int p) {
  if (p < 0 || p >= topic::kMaxPartitions)
    throw std::invalid_argument("partition " + std::to_string(p) + " is out of range");
}

json MemberJson(const MemberInfo& m) {
  return json{{"id", m.id}, {"host", m.host}, {"pid", m.pid}, {"start_ms", m.start_ms}, {"topics", m.topics},
              {"session_timeout_ms", m.session_timeout_ms}};
}
MemberInfo MemberFrom(const json& j) {
  MemberInfo m;
  m.id = j.at("id").get<std::string>();
  Check(ValidateMemberId(m.id));
  m.host = j.value("host", std::string());
  m.pid = j.value("pid", int64_t{0});
  m.start_ms = j.value("start_ms", int64_t{0});
  m.topics = j.value("topics", std::vector<std::string>{});
  for (const auto& t : m.topics) Check(util::ValidateName(t, "topic"));
  m.session_timeout_ms = j.value("session_timeout_ms", int64_t{0});
  m.generation = j.value("generation", int64_t{0});
  return m;
}
}  // namespace

std::string GroupStateToJson(const GroupState& s) {
  json j;
  j["version"] = 1;
  j["generation"] = s.generation;
  j["members"] = json::array();
  for (const auto& m : s.members) j["members"].push_back(MemberJson(m));
  j["assignment"] = json::object();
  for (const auto& [id, tps] : s.assignment) {
    json arr = json::array();
    for (const auto& [t, p] : tps) arr.push_back(json::array({t, p}));
    j["assignment"][id] = arr;
  }
  return j.dump() + "\n";
}

Result<GroupState> GroupStateFromJson(const std::string& text, const std::string& what) {
  GroupState s;
  try {
    json j = util::ParseStateJson(text);
    if (j.value("version", 1) != 1) return Status::Corruption(what + ": written by a newer klog");
    s.generation = j.at("generation").get<int64_t>();
    for (const auto& m : j.at("members")) s.members.push_back(MemberFrom(m));
    for (auto it = j.at("assignment").begin(); it != j.at("assignment").end(); ++it) {
      Check(ValidateMemberId(it.key()));
      auto& v = s.assignment[it.key()];
      for (const auto& tp : it.value()) {
        v.emplace_back(tp.at(0).get<std::string>(), tp.at(1).get<int>());
        Check(util::ValidateName(v.back().first, "topic"));
        CheckPartition(v.back().second);
      }
    }
  } catch (const std::exception& e) {
    return Status::Corruption(what + ": " + e.what());
  }
  return s;
}

std::string MemberInfoToJson(const MemberInfo& m) {
  json j = MemberJson(m);
  j["generation"] = m.generation;
  return j.dump() + "\n";
}

Result<MemberInfo> MemberInfoFromJson(const std::string& text, const std::string& what) {
  try {
    return MemberFrom(util::ParseStateJson(text));
  } catch (const std::exception& e) {
    return Status::Corruption(what + ": " + e.what());
  }
}

}  // namespace klog::group
