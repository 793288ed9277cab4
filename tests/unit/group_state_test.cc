// The group's small files: state.json and members/ID.json (group_state.h),
// offsets.json (offset_store.h) and the bounded journal (journal.h). Round
// trips, damage that must read as Corruption (never a crash or a half-read
// state), and a journal that stays bounded and survives a torn last line.
#include "group/group_state.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "group/group_paths.h"
#include "group/journal.h"
#include "group/offset_store.h"
#include "group/state_store.h"
#include "os/file.h"
#include "support/temp_dir.h"
#include "topic/data_dir.h"

namespace klog::group {
namespace {

using klog::testing::FileSize;
using klog::testing::ReadAll;
using klog::testing::TempDir;
using klog::testing::WriteAll;

GroupState SampleState() {
  GroupState s;
  s.generation = 7;
  MemberInfo a;
  a.id = "m-1234-9f3a";
  a.host = "box";
  a.pid = 1234;
  a.start_ms = 1764000000123;
  a.topics = {"events", "logs"};
  a.session_timeout_ms = 10000;
  MemberInfo b = a;
  b.id = "m-99-0001";
  b.pid = 99;
  b.topics = {"events"};
  b.session_timeout_ms = 1000;
  s.members = {a, b};
  s.assignment = {{a.id, {{"events", 0}, {"events", 2}, {"logs", 0}}}, {b.id, {{"events", 1}}}};
  return s;
}

void CheckSameMember(const MemberInfo& x, const MemberInfo& y) {
  CHECK(x.id == y.id);
  CHECK(x.host == y.host);
  CHECK(x.pid == y.pid);
  CHECK(x.start_ms == y.start_ms);
  CHECK(x.topics == y.topics);
  CHECK(x.session_timeout_ms == y.session_timeout_ms);
}

struct GroupDir {
  TempDir tmp;
  GroupPaths paths{topic::DataDir(tmp.path()), "g"};
  GroupDir() { REQUIRE(os::MakeDirs(paths.root()).ok()); }
};

JournalEntry Entry(int64_t ts, int changes) {
  JournalEntry e;
  e.ts_ms = ts;
  e.kind = ts % 2 ? "commit" : "reset";
  e.actor = "m-1-abcdef01@box";
  for (int p = 0; p < changes; ++p)
    e.changes.push_back({"events", p, p % 3 ? std::optional<int64_t>(ts) : std::nullopt,
                         p % 4 == 3 ? std::nullopt : std::optional<int64_t>(ts + p)});
  return e;
}

}  // namespace

TEST_CASE("GroupState: JSON round trip keeps generation, members and assignment") {
  GroupState s = SampleState();
  auto back = GroupStateFromJson(GroupStateToJson(s), "state");
  REQUIRE(back.ok());
  CHECK(back->generation == 7);
  REQUIRE(back->members.size() == 2);
  CheckSameMember(back->members[0], s.members[0]);
  CheckSameMember(back->members[1], s.members[1]);
  CHECK(back->assignment == s.assignment);
  CHECK(back->OwnerOf({"events", 1}) == "m-99-0001");
  CHECK(back->OwnerOf({"events", 3}) == "");
  CHECK(back->PartitionsOf("m-1234-9f3a").size() == 3);
  CHECK(back->PartitionsOf("nobody").empty());
  CHECK(back->FindMember("m-99-0001") != nullptr);
  CHECK(back->FindMember("m-x") == nullptr);
  // Written again, byte-identical: nothing is lost or reordered.
  CHECK(GroupStateToJson(*back) == GroupStateToJson(s));
}

TEST_CASE("GroupState: an empty group round-trips") {
  GroupState s;
  auto back = GroupStateFromJson(GroupStateToJson(s), "state");
  REQUIRE(back.ok());
  CHECK(back->generation == 0);
  CHECK(back->members.empty());
  CHECK(back->assignment.empty());
}

TEST_CASE("MemberInfo: JSON round trip includes the generation it applied") {
  MemberInfo m = SampleState().members[0];
  m.generation = 42;
  auto back = MemberInfoFromJson(MemberInfoToJson(m), "member");
  REQUIRE(back.ok());
  CheckSameMember(*back, m);
  CHECK(back->generation == 42);
}

TEST_CASE("GroupState: damaged JSON is Corruption naming the file, never a crash") {
  const std::vector<std::string> bad = {
      "",
      "{",
      "[]",
      "null",
      "{\"version\":1}",                                                        // no generation
      "{\"version\":1,\"generation\":\"7\",\"members\":[],\"assignment\":{}}",  // wrong type
      "{\"version\":1,\"generation\":1,\"members\":[{}],\"assignment\":{}}",    // member without id
      "{\"version\":1,\"generation\":1,\"members\":[],\"assignment\":{\"m\":[[\"t\"]]}}",
      "{\"version\":1,\"generation\":1,\"members\":[],\"assignment\":{\"m\":[[0,\"t\"]]}}",
      "{\"version\":2,\"generation\":1,\"members\":[],\"assignment\":{}}",  // from a newer klog
      std::string("\0\1\2garbage", 10),
  };
  for (const auto& text : bad) {
    CAPTURE(text);
    auto r = GroupStateFromJson(text, "group 'g' state /x/state.json");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(r.status().message().find("/x/state.json") != std::string::npos);
  }
  auto newer = GroupStateFromJson("{\"version\":2,\"generation\":1,\"members\":[],\"assignment\":{}}", "s");
  CHECK(newer.status().message().find("newer klog") != std::string::npos);
}

TEST_CASE("GroupState: every truncation of a valid file is Corruption or the whole state") {
  std::string full = GroupStateToJson(SampleState());
  for (size_t cut = 0; cut < full.size(); ++cut) {
    CAPTURE(cut);
    auto r = GroupStateFromJson(full.substr(0, cut), "state");
    if (r.ok()) {
      // Only the trailing newline may be missing.
      CHECK(cut == full.size() - 1);
      CHECK(r->assignment == SampleState().assignment);
    } else {
      CHECK(r.status().code() == Code::kCorruption);
    }
  }
}

TEST_CASE("MemberInfo: damaged JSON is Corruption") {
  for (const std::string text : {"", "{", "{\"host\":\"box\"}", "{\"id\":5}", "[1,2]"}) {
    CAPTURE(text);
    auto r = MemberInfoFromJson(text, "member file");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
  }
}

TEST_CASE("offsets.json: round trip, missing file is empty, damage is Corruption") {
  GroupDir g;
  auto none = LoadOffsets(g.paths);
  REQUIRE(none.ok());
  CHECK(none->empty());
  Offsets o = {{{"events", 0}, 42}, {{"events", 11}, 0}, {{"logs", 3}, 1LL << 40}};
  REQUIRE(StoreOffsets(g.paths, o).ok());
  auto back = LoadOffsets(g.paths);
  REQUIRE(back.ok());
  CHECK(*back == o);

  for (const std::string text :
       {"", "{", "{\"version\":1,\"offsets\":{\"t\":{\"x\":1}}}", "{\"version\":1,\"offsets\":{\"t\":{\"0\":\"1\"}}}",
        "{\"version\":1}", "{\"version\":9,\"offsets\":{}}"}) {
    CAPTURE(text);
    WriteAll(g.paths.Offsets(), text);
    auto r = LoadOffsets(g.paths);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(r.status().message().find(g.paths.Offsets()) != std::string::npos);
  }
}

TEST_CASE("GroupState: a member id, topic or partition that is not valid makes the file Corruption") {
  for (const std::string bad :
       {R"({"generation":1,"members":[{"id":"../../x"}],"assignment":{}})",
        R"({"generation":1,"members":[{"id":"m-1","topics":["a/b"]}],"assignment":{}})",
        R"({"generation":1,"members":[],"assignment":{"../m":[]}})",
        R"({"generation":1,"members":[],"assignment":{"m-1":[["..",0]]}})",
        R"({"generation":1,"members":[],"assignment":{"m-1":[["t",-1]]}})"}) {
    CAPTURE(bad);
    auto r = GroupStateFromJson(bad, "state");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
  }
  CHECK(MemberInfoFromJson(R"({"id":"a/../b"})", "member").status().code() == Code::kCorruption);
}

TEST_CASE("state.json damaged: rebuilt from the member files, past every generation they applied") {
  GroupDir g;
  REQUIRE(os::MakeDirs(g.paths.MembersDir()).ok());
  GroupState s = SampleState();
  MemberInfo a = s.members[0];
  a.generation = 9;
  WriteAll(g.paths.MemberFile(a.id), MemberInfoToJson(a));
  WriteAll(g.paths.MemberFile("m-other"), MemberInfoToJson(s.members[1]));  // names another id: skipped
  WriteAll(g.paths.MembersDir() + "/.m-5-1.lock.tmp", "");
  auto absent = LoadGroupState(g.paths);
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->rebuilt);
  CHECK(absent->state.generation == 0);
  for (const std::string& damage : {std::string(), std::string("{\"version\":1,\"gen"), std::string("\0\0\0", 3)}) {
    WriteAll(g.paths.State(), damage);
    auto r = LoadGroupState(g.paths);
    REQUIRE(r.ok());
    CHECK(r->rebuilt);
    CHECK(r->state.generation == 10);
    REQUIRE(r->state.members.size() == 1);
    CHECK(r->state.members[0].id == a.id);
    CHECK(r->state.assignment.empty());
  }
  REQUIRE(StoreGroupState(g.paths, s).ok());
  auto intact = LoadGroupState(g.paths);
  REQUIRE(intact.ok());
  CHECK_FALSE(intact->rebuilt);
  CHECK(intact->state.generation == 7);
  // A newer klog's file is not damage: it is never rebuilt over.
  WriteAll(g.paths.State(), R"({"version":2,"generation":1})");
  CHECK(LoadGroupState(g.paths).status().message().find("newer klog") != std::string::npos);
}

TEST_CASE("offsets.json: a bad partition key or topic is named; with `damaged` it reads as empty") {
  GroupDir g;
  WriteAll(g.paths.Offsets(), R"({"version":1,"offsets":{"t":{"1x":3}}})");
  auto r = LoadOffsets(g.paths);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("partition key '1x'") != std::string::npos);
  CHECK(r.status().message().find("klog offset reset -g g") != std::string::npos);
  WriteAll(g.paths.Offsets(), R"({"version":1,"offsets":{"a b":{"0":3}}})");
  CHECK(LoadOffsets(g.paths).status().code() == Code::kCorruption);
  bool damaged = false;
  auto tolerant = LoadOffsets(g.paths, &damaged);
  REQUIRE(tolerant.ok());
  CHECK(damaged);
  CHECK(tolerant->empty());
  WriteAll(g.paths.Offsets(), R"({"version":3,"offsets":{}})");
  CHECK_FALSE(LoadOffsets(g.paths, &damaged).ok());  // a newer klog's: not damage
}

TEST_CASE("journal: entries read back oldest first with every field") {
  GroupDir g;
  auto empty = ReadJournal(g.paths);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  for (int i = 1; i <= 5; ++i) REQUIRE(AppendJournal(g.paths, Entry(1000 + i, i)).ok());
  auto j = ReadJournal(g.paths);
  REQUIRE(j.ok());
  REQUIRE(j->size() == 5);
  for (int i = 1; i <= 5; ++i) {
    const auto& e = (*j)[static_cast<size_t>(i - 1)];
    CHECK(e.seq == i);
    CHECK(e.ts_ms == 1000 + i);
    CHECK(e.kind == (i % 2 ? "commit" : "reset"));
    CHECK(e.actor == "m-1-abcdef01@box");
    REQUIRE(e.changes.size() == static_cast<size_t>(i));
    for (int p = 0; p < i; ++p) {
      const auto& c = e.changes[static_cast<size_t>(p)];
      CHECK(c.topic == "events");
      CHECK(c.partition == p);
      if (p % 4 == 3) CHECK_FALSE(c.new_offset.has_value());  // removed by an undo
      else CHECK(c.new_offset == 1000 + i + p);
      CHECK(c.old_offset.has_value() == (p % 3 != 0));
    }
  }
}

TEST_CASE("journal: stays bounded past kMaxJournalBytes, dropping the oldest entries") {
  GroupDir g;
  const std::string one = [] {
    GroupDir probe;
    REQUIRE(AppendJournal(probe.paths, Entry(1, 40)).ok());
    return ReadAll(probe.paths.Journal());
  }();
  const uint64_t entry_bytes = one.size();
  // Enough to fill the journal about five times over.
  const int64_t count = static_cast<int64_t>(5 * kMaxJournalBytes / entry_bytes) + 1;
  for (int64_t i = 1; i <= count; ++i) REQUIRE(AppendJournal(g.paths, Entry(i, 40)).ok());

  uint64_t kept = FileSize(g.paths.Journal()) + (os::Exists(g.paths.OldJournal()) ? FileSize(g.paths.OldJournal()) : 0);
  CHECK(kept <= 2 * kMaxJournalBytes + 2 * entry_bytes);
  CHECK(kept >= kMaxJournalBytes);  // it does not throw everything away either
  auto j = ReadJournal(g.paths);
  REQUIRE(j.ok());
  REQUIRE(!j->empty());
  CHECK(j->back().ts_ms == count);        // the newest is kept
  CHECK(j->front().ts_ms > 1);            // the oldest are gone
  for (size_t i = 1; i < j->size(); ++i)  // contiguous, oldest first, across both files
    CHECK((*j)[i].ts_ms == (*j)[i - 1].ts_ms + 1);
  for (const auto& e : *j) CHECK(e.seq == e.ts_ms);  // numbers survive the drop: entry N is still N
}

TEST_CASE("journal: a torn last line (writer killed mid-append) is skipped") {
  GroupDir g;
  REQUIRE(AppendJournal(g.paths, Entry(1, 2)).ok());
  REQUIRE(AppendJournal(g.paths, Entry(2, 2)).ok());
  std::string text = ReadAll(g.paths.Journal());
  {
    GroupDir other;
    REQUIRE(AppendJournal(other.paths, Entry(3, 2)).ok());
    std::string third = ReadAll(other.paths.Journal());
    // Every cut of the third line leaves exactly the first two entries.
    for (size_t cut = 0; cut + 1 < third.size(); ++cut) {
      CAPTURE(cut);
      WriteAll(g.paths.Journal(), text + third.substr(0, cut));
      auto j = ReadJournal(g.paths);
      REQUIRE(j.ok());
      REQUIRE(j->size() == 2);
      CHECK(j->back().ts_ms == 2);
    }
  }
}

TEST_CASE("journal: an append after a torn last line is still read back") {
  GroupDir g;
  REQUIRE(AppendJournal(g.paths, Entry(1, 1)).ok());
  std::string text = ReadAll(g.paths.Journal());
  WriteAll(g.paths.Journal(), text + "{\"ts\":2,\"kind\":\"com");  // killed mid-write
  REQUIRE(AppendJournal(g.paths, Entry(3, 1)).ok());
  auto j = ReadJournal(g.paths);
  REQUIRE(j.ok());
  REQUIRE(j->size() == 2);
  CHECK((*j)[0].ts_ms == 1);
  CHECK((*j)[1].ts_ms == 3);
  CHECK((*j)[1].seq == 2);
}

TEST_CASE("journal: a garbled line in the middle is skipped, the rest is read") {
  GroupDir g;
  REQUIRE(AppendJournal(g.paths, Entry(1, 1)).ok());
  std::string text = ReadAll(g.paths.Journal());
  WriteAll(g.paths.Journal(), text + "not json at all\n{\"ts\":5}\n");
  REQUIRE(AppendJournal(g.paths, Entry(2, 1)).ok());
  auto j = ReadJournal(g.paths);
  REQUIRE(j.ok());
  REQUIRE(j->size() == 2);
  CHECK((*j)[0].ts_ms == 1);
  CHECK((*j)[1].ts_ms == 2);
  CHECK((*j)[1].seq == 2);
}

TEST_CASE("journal: numbering continues past a last entry longer than the tail that is read") {
  GroupDir g;
  REQUIRE(AppendJournal(g.paths, Entry(1, 300)).ok());  // ~15 KiB lines
  REQUIRE(AppendJournal(g.paths, Entry(2, 300)).ok());
  REQUIRE(ReadAll(g.paths.Journal()).size() > 2 * 8192);
  REQUIRE(AppendJournal(g.paths, Entry(3, 1)).ok());
  auto j = ReadJournal(g.paths);
  REQUIRE(j.ok());
  REQUIRE(j->size() == 3);
  for (int64_t i = 0; i < 3; ++i) CHECK((*j)[static_cast<size_t>(i)].seq == i + 1);
}

TEST_CASE("journal: entries written without numbers (older klog) are numbered by position; appends go on from there") {
  GroupDir g;
  WriteAll(g.paths.Journal(),
           "{\"ts\":1,\"kind\":\"commit\",\"actor\":\"a@b\",\"changes\":[]}\n"
           "{\"ts\":2,\"kind\":\"reset\",\"actor\":\"a@b\",\"changes\":[]}\n");
  REQUIRE(AppendJournal(g.paths, Entry(3, 1)).ok());
  REQUIRE(AppendJournal(g.paths, Entry(4, 1)).ok());
  auto j = ReadJournal(g.paths);
  REQUIRE(j.ok());
  REQUIRE(j->size() == 4);
  for (int64_t i = 0; i < 4; ++i) {
    CHECK((*j)[static_cast<size_t>(i)].seq == i + 1);
    CHECK((*j)[static_cast<size_t>(i)].ts_ms == i + 1);
  }
}

}  // namespace klog::group
