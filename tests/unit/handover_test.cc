// The hand-over decisions (group/handover.h), every branch, without files:
// what a member keeps, lets go of and waits for when a generation changes,
// what it leaves in a released partition's lock file, and when it takes a
// partition (with its lock, without it, or not yet).
#include "group/handover.h"

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace klog::group {
namespace {

const std::string kMe = "m-1-aaaa";
const std::string kPeer = "m-2-bbbb";  // a member of the group
const std::string kGone = "m-3-cccc";  // expelled: in no state.json any more
const TopicPartition kP0{"t", 0}, kP1{"t", 1}, kP2{"t", 2};

MemberInfo Named(const std::string& id) {
  MemberInfo m;
  m.id = id;
  return m;
}

GroupState State() {
  GroupState s;
  s.generation = 4;
  s.members = {Named(kMe), Named(kPeer)};
  return s;
}

// holder_alive that records who it was asked about.
struct Alive {
  bool answer = false;
  std::vector<std::string> asked;
  std::function<bool(const std::string&)> fn() {
    return [this](const std::string& id) {
      asked.push_back(id);
      return answer;
    };
  }
};

Take Decide(bool lock_free, std::optional<std::string> holder, Alive& alive) {
  return DecideTake({.lock_free = lock_free, .holder = std::move(holder)}, kMe, State(), alive.fn());
}

TEST_CASE("hand-over: a new assignment revokes what is no longer ours, waits for what is new, keeps the rest") {
  AssignmentChange c = ChangeAssignment({kP0, kP1}, {kP1, kP2});
  CHECK(c.revoke == std::vector<TopicPartition>{kP0});
  CHECK(c.pending == std::set<TopicPartition>{kP2});

  c = ChangeAssignment({kP0, kP1}, {kP0, kP1});  // the same: nothing to do
  CHECK(c.revoke.empty());
  CHECK(c.pending.empty());

  c = ChangeAssignment({}, {kP0});  // joined
  CHECK(c.revoke.empty());
  CHECK(c.pending == std::set<TopicPartition>{kP0});

  c = ChangeAssignment({kP0, kP2}, {});  // everything went to others
  CHECK(c.revoke == std::vector<TopicPartition>{kP0, kP2});
  CHECK(c.pending.empty());
}

TEST_CASE("hand-over: a released partition's lock file is emptied before the lock goes") {
  Release r = DecideRelease(std::nullopt);
  CHECK(r.holder.empty());
  CHECK(r.unlock);
}

TEST_CASE("hand-over: one taken lockless names its expelled holder again, and there is no lock to drop") {
  Release r = DecideRelease(kGone);
  CHECK(r.holder == kGone);
  CHECK_FALSE(r.unlock);
}

TEST_CASE("hand-over: a free lock is taken unless its file names another member of the group") {
  Alive alive;
  CHECK(Decide(true, std::nullopt, alive) == Take::kTake);  // file unreadable
  CHECK(Decide(true, "", alive) == Take::kTake);            // released
  CHECK(Decide(true, kMe, alive) == Take::kTake);           // ours already (written, then we crashed)
  CHECK(Decide(true, kGone, alive) == Take::kTake);         // a holder that is no member and let go
  // A member that took it lockless from an expelled one still owns it: it
  // hands it over first.
  CHECK(Decide(true, kPeer, alive) == Take::kWait);
  CHECK(alive.asked.empty());  // liveness does not matter when the lock is free
}

TEST_CASE("hand-over: a held lock is waited for unless an expelled, stopped member holds it") {
  Alive alive;
  CHECK(Decide(false, std::nullopt, alive) == Take::kWait);  // unreadable: who holds it is unknown
  CHECK(Decide(false, "", alive) == Take::kWait);            // released but not yet unlocked
  CHECK(Decide(false, kMe, alive) == Take::kWait);           // our own name: a hand-over in progress
  CHECK(Decide(false, kPeer, alive) == Take::kWait);         // its owner still has to let go
  CHECK(alive.asked.empty());                                // none of those is asked about

  alive.answer = true;  // expelled but running (it will notice and let go)
  CHECK(Decide(false, kGone, alive) == Take::kWait);
  alive.answer = false;  // expelled and stopped: fenced, so taken without its lock
  CHECK(Decide(false, kGone, alive) == Take::kTakeLockless);
  CHECK(alive.asked == std::vector<std::string>{kGone, kGone});
}

TEST_CASE("hand-over: membership is judged against the state given, so a member newer than it is not expelled") {
  Alive alive;
  GroupState newer = State();
  newer.members.push_back(Named(kGone));
  CHECK(DecideTake({.lock_free = false, .holder = kGone}, kMe, newer, alive.fn()) == Take::kWait);
  CHECK(DecideTake({.lock_free = true, .holder = kGone}, kMe, newer, alive.fn()) == Take::kWait);
  CHECK(alive.asked.empty());
}

}  // namespace
}  // namespace klog::group
