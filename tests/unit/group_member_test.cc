// The member protocol of member.h driven step by step in one process (each
// Member has its own open file descriptions, so their flocks exclude each
// other as separate processes' would): a partition changes hands only after
// its owner let go, and an expelled member's Poll and Commit are fenced.
// The same properties with real processes are in tests/e2e/group_test.cc.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>

#include <memory>
#include <set>
#include <vector>

#include "group/group_state.h"
#include "group/journal.h"
#include "group/member.h"
#include "group/offset_store.h"
#include "os/file.h"
#include "support/temp_dir.h"
#include "topic/topic_store.h"

namespace klog::group {
namespace {

struct Fixture {
  klog::testing::TempDir tmp;
  topic::TopicStore store{topic::DataDir(tmp.path())};
  GroupPaths paths{store.dir(), "g"};
  Fixture() {
    topic::TopicConfig c;
    c.partitions = 4;
    bool created = false;
    REQUIRE(store.Create("t", c, false, &created).ok());
  }
  std::unique_ptr<Member> Join() {
    auto m = Member::Join(store, "g", {"t"}, MemberOptions{});
    REQUIRE(m.ok());
    return std::move(m).value();
  }
  GroupState State() {
    auto text = os::ReadFile(paths.State());
    REQUIRE(text.ok());
    auto s = GroupStateFromJson(*text, "state");
    REQUIRE(s.ok());
    return *s;
  }
};

std::set<TopicPartition> All(int n) {
  std::set<TopicPartition> s;
  for (int p = 0; p < n; ++p) s.insert({"t", p});
  return s;
}

}  // namespace

TEST_CASE("Member: a partition changes hands only after its owner revoked it") {
  Fixture f;
  auto a = f.Join();
  REQUIRE(a->Poll(nullptr).ok());
  CHECK(a->owned() == All(4));
  CHECK_FALSE(a->has_pending());

  auto b = f.Join();
  CHECK(f.State().members.size() == 2);
  REQUIRE(b->Poll(nullptr).ok());
  CHECK(b->owned().empty());  // assigned two, but a still holds them
  CHECK(b->has_pending());

  std::vector<TopicPartition> revoked;
  REQUIRE(a->Poll([&](const std::vector<TopicPartition>& r) {
             revoked = r;
             return Status::Ok();
           }).ok());
  CHECK(revoked.size() == 2);
  CHECK(a->owned().size() == 2);
  REQUIRE(b->Poll(nullptr).ok());
  CHECK(b->owned().size() == 2);
  CHECK_FALSE(b->has_pending());
  for (const auto& tp : revoked) CHECK(b->owned().count(tp) == 1);
  CHECK(a->generation() == b->generation());

  // A leaves: b gets everything.
  REQUIRE(a->Leave().ok());
  REQUIRE(b->Poll(nullptr).ok());
  CHECK(b->owned() == All(4));
  CHECK(f.State().members.size() == 1);
}

TEST_CASE("Member: a failing revoke callback (commit failed) keeps the partitions") {
  Fixture f;
  auto a = f.Join();
  REQUIRE(a->Poll(nullptr).ok());
  auto b = f.Join();
  Status st = a->Poll([](const std::vector<TopicPartition>&) { return Status::IOError("disk on fire"); });
  CHECK(st.code() == Code::kIOError);
  REQUIRE(b->Poll(nullptr).ok());
  CHECK(b->owned().empty());  // never two owners at once
}

TEST_CASE("Member: once expelled from state.json, Commit and Poll are fenced and offsets stay") {
  Fixture f;
  auto a = f.Join();
  REQUIRE(a->Poll(nullptr).ok());
  REQUIRE(a->Commit({{{"t", 0}, 3}}).ok());
  auto b = f.Join();
  REQUIRE(a->Poll([&](const std::vector<TopicPartition>&) { return Status::Ok(); }).ok());
  REQUIRE(b->Poll(nullptr).ok());

  // What another member does when a's heartbeat goes stale: a new
  // generation without a, written under group.lock.
  {
    auto lock = os::FileLock::Acquire(f.paths.Lock());
    REQUIRE(lock.ok());
    GroupState s = f.State();
    std::erase_if(s.members, [&](const MemberInfo& m) { return m.id == a->id(); });
    s.assignment.erase(a->id());
    auto all = All(4);
    s.assignment[b->id()] = {all.begin(), all.end()};
    ++s.generation;
    REQUIRE(os::WriteFileAtomic(f.paths.State(), GroupStateToJson(s), false).ok());
  }
  REQUIRE(b->Commit({{{"t", 0}, 7}}).ok());

  Status c = a->Commit({{{"t", 0}, 5}});
  CHECK(c.code() == Code::kFenced);
  CHECK(c.message().find("expelled") != std::string::npos);
  auto offsets = LoadOffsets(f.paths);
  REQUIRE(offsets.ok());
  CHECK(offsets->at({"t", 0}) == 7);  // the successor's progress stands

  Status p = a->Poll(nullptr);
  CHECK(p.code() == Code::kFenced);
  CHECK(p.message().find("expelled") != std::string::npos);
  CHECK(a->owned().empty());

  // b takes a's partitions although a (alive, fenced) still has their locks.
  REQUIRE(b->Poll(nullptr).ok());
  CHECK(b->owned() == All(4));

  // The journal has both of a's good commit and b's, not the refused one.
  auto j = ReadJournal(f.paths);
  REQUIRE(j.ok());
  REQUIRE(j->size() == 2);
  CHECK(j->back().changes.at(0).new_offset == 7);
}

TEST_CASE("Member: a partition taken over from an expelled lock holder is handed on only after a revoke") {
  Fixture f;
  REQUIRE(os::MakeDirs(f.paths.PartitionsDir()).ok());
  // A stopped, expelled member that still holds partition 3's lock.
  const std::string path = f.paths.PartitionLock("t", 3);
  auto zombie = os::FileLock::TryAcquire(path);
  REQUIRE(zombie.ok());
  klog::testing::WriteAll(path, "m-zombie");

  auto b = f.Join();
  REQUIRE(b->Poll(nullptr).ok());
  CHECK(b->owned() == All(4));  // 3 without its lock: its holder is no member
  CHECK(klog::testing::ReadAll(path) == b->id());

  auto c = f.Join();  // b keeps 0 and 1; c is assigned 2 and 3
  REQUIRE(c->Poll(nullptr).ok());
  CHECK(c->owned().count({"t", 3}) == 0);  // b still owns it: c waits
  zombie->Release();                       // even once the lock is free
  REQUIRE(c->Poll(nullptr).ok());
  CHECK(c->owned().count({"t", 3}) == 0);

  REQUIRE(b->Poll([](const std::vector<TopicPartition>&) { return Status::Ok(); }).ok());
  CHECK(b->owned() == All(2));
  REQUIRE(c->Poll(nullptr).ok());
  CHECK(c->owned().count({"t", 2}) == 1);
  CHECK(c->owned().count({"t", 3}) == 1);
  CHECK(klog::testing::ReadAll(path) == c->id());
  CHECK(os::FileLock::TryAcquire(path).status().code() == Code::kBusy);  // c holds it now
}

TEST_CASE("Member: while the expelled holder keeps the lock, the new owner's revoke hands it on") {
  Fixture f;
  REQUIRE(os::MakeDirs(f.paths.PartitionsDir()).ok());
  const std::string path = f.paths.PartitionLock("t", 3);
  auto zombie = os::FileLock::TryAcquire(path);
  REQUIRE(zombie.ok());
  klog::testing::WriteAll(path, "m-zombie");
  auto b = f.Join();
  REQUIRE(b->Poll(nullptr).ok());
  auto c = f.Join();
  REQUIRE(b->Poll([](const std::vector<TopicPartition>&) { return Status::Ok(); }).ok());
  CHECK(klog::testing::ReadAll(path) == "m-zombie");  // given back
  REQUIRE(c->Poll(nullptr).ok());
  CHECK(c->owned().count({"t", 3}) == 1);  // taken without the lock, as b did
  CHECK(klog::testing::ReadAll(path) == c->id());
  zombie->Release();
  REQUIRE(c->Poll(nullptr).ok());  // and the lock as soon as it is free
  CHECK(os::FileLock::TryAcquire(path).status().code() == Code::kBusy);
}

TEST_CASE("Member: a commit of unchanged offsets writes nothing") {
  Fixture f;
  auto a = f.Join();
  REQUIRE(a->Poll(nullptr).ok());
  REQUIRE(a->Commit({{{"t", 1}, 2}}).ok());
  REQUIRE(a->Commit({{{"t", 1}, 2}}).ok());
  REQUIRE(a->Commit({}).ok());
  auto j = ReadJournal(f.paths);
  REQUIRE(j.ok());
  CHECK(j->size() == 1);
}

}  // namespace klog::group

namespace klog::group {

// The hand-over judges by the id in a partition's lock file: a member that
// cannot write it must not take the partition as if it had.
TEST_CASE("Member: a holder id that cannot be written fails Poll, naming the lock file; nothing is taken") {
  Fixture f;
  auto a = f.Join();
  struct rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit none = old;
  none.rlim_cur = 0;  // every write that grows a file fails with EFBIG
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &none) == 0);
  Status st = a->Poll(nullptr);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  CHECK(st.code() == Code::kIOError);
  CHECK(st.message().find(f.paths.PartitionsDir() + "/t.") != std::string::npos);
  CHECK(st.message().find(".lock") != std::string::npos);
  CHECK(a->owned().empty());
  // With room again, the next Poll takes them.
  REQUIRE(a->Poll(nullptr).ok());
  CHECK(a->owned() == All(4));
}

}  // namespace klog::group
