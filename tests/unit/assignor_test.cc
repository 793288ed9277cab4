// Assign() is pure, so its properties are checked over whole ranges of
// members and partitions rather than a few hand-picked cases: every partition
// has exactly one owner, k members share n partitions floor(n/k) / ceil(n/k),
// the answer does not depend on input order, and a join or a leave moves only
// the partitions it has to.
#include "group/assignor.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace klog::group {
namespace {

std::string MemberId(int i) {
  char buf[16];
  snprintf(buf, sizeof buf, "m-%02d", i);
  return buf;
}

std::vector<MemberSubscription> Members(int k, const std::set<std::string>& topics = {"t"}) {
  std::vector<MemberSubscription> out;
  for (int i = 0; i < k; ++i) out.push_back({MemberId(i), topics});
  return out;
}

std::vector<TopicPartition> Partitions(const std::string& topic, int n) {
  std::vector<TopicPartition> out;
  for (int p = 0; p < n; ++p) out.emplace_back(topic, p);
  return out;
}

// Owner of each partition; fails the test if a partition has two.
std::map<TopicPartition, std::string> Owners(const Assignment& a) {
  std::map<TopicPartition, std::string> owner;
  for (const auto& [id, tps] : a)
    for (const auto& tp : tps) {
      INFO(tp.first << ":" << tp.second << " owned by " << id << " and " << owner[tp]);
      CHECK(owner[tp].empty());
      owner[tp] = id;
    }
  return owner;
}

// Every partition owned exactly once, by one of `members`, and each member
// has floor(n/k) or ceil(n/k).
void CheckBalancedAndComplete(const Assignment& a, const std::vector<MemberSubscription>& members,
                              const std::vector<TopicPartition>& partitions) {
  const size_t k = members.size(), n = partitions.size();
  auto owner = Owners(a);
  CHECK(owner.size() == n);
  for (const auto& tp : partitions) CHECK(owner.count(tp) == 1);
  CHECK(a.size() == k);  // every member appears, possibly with nothing
  for (const auto& m : members) {
    auto it = a.find(m.id);
    REQUIRE(it != a.end());
    size_t got = it->second.size();
    INFO("member " << m.id << " of " << k << " got " << got << " of " << n);
    CHECK(got >= n / k);
    CHECK(got <= (n + k - 1) / k);
    CHECK(std::is_sorted(it->second.begin(), it->second.end()));
  }
}

// Partitions whose owner differs between two assignments (newly owned
// partitions count too).
std::vector<TopicPartition> Moved(const Assignment& before, const Assignment& after) {
  auto b = Owners(before), a = Owners(after);
  std::vector<TopicPartition> out;
  for (const auto& [tp, id] : a) {
    auto it = b.find(tp);
    if (it != b.end() && it->second != id) out.push_back(tp);
  }
  return out;
}

}  // namespace

TEST_CASE("Assign: k members over n partitions get floor(n/k) or ceil(n/k), each partition once") {
  for (int k = 1; k <= 8; ++k)
    for (int n = 0; n <= 24; ++n) {
      CAPTURE(k);
      CAPTURE(n);
      auto members = Members(k);
      auto parts = Partitions("t", n);
      CheckBalancedAndComplete(Assign(members, parts, {}), members, parts);
    }
}

TEST_CASE("Assign: no members, nothing assigned; members but no partitions, all empty") {
  CHECK(Assign({}, Partitions("t", 5), {}).empty());
  auto a = Assign(Members(3), {}, {});
  CHECK(a.size() == 3);
  for (const auto& [id, tps] : a) CHECK(tps.empty());
}

TEST_CASE("Assign: the order of members and partitions in the input does not matter") {
  std::mt19937 rng(42);
  for (int k = 1; k <= 8; ++k)
    for (int n = 0; n <= 24; n += 3) {
      CAPTURE(k);
      CAPTURE(n);
      auto members = Members(k);
      auto parts = Partitions("t", n);
      // A non-trivial previous assignment: from one member fewer.
      auto prev_members = members;
      prev_members.pop_back();
      Assignment prev = Assign(prev_members, parts, {});
      Assignment expected = Assign(members, parts, prev);
      for (int round = 0; round < 5; ++round) {
        auto m2 = members;
        auto p2 = parts;
        std::shuffle(m2.begin(), m2.end(), rng);
        std::shuffle(p2.begin(), p2.end(), rng);
        // Unsorted previous lists too.
        Assignment prev2 = prev;
        for (auto& [id, tps] : prev2) std::shuffle(tps.begin(), tps.end(), rng);
        CHECK(Assign(m2, p2, prev2) == expected);
      }
    }
}

TEST_CASE("Assign: duplicated partitions in the input are assigned once") {
  auto parts = Partitions("t", 4);
  auto doubled = parts;
  doubled.insert(doubled.end(), parts.begin(), parts.end());
  auto members = Members(2);
  Assignment a = Assign(members, doubled, {});
  CheckBalancedAndComplete(a, members, parts);
}

TEST_CASE("Assign: the same members and partitions keep the previous assignment unchanged") {
  for (int k = 1; k <= 8; ++k)
    for (int n = 0; n <= 24; ++n) {
      CAPTURE(k);
      CAPTURE(n);
      auto members = Members(k);
      auto parts = Partitions("t", n);
      Assignment a = Assign(members, parts, {});
      CHECK(Assign(members, parts, a) == a);
    }
}

TEST_CASE("Assign: a join moves only partitions to the new member, at most ceil(n/k') of them") {
  for (int k = 1; k <= 7; ++k)
    for (int n = 0; n <= 24; ++n) {
      CAPTURE(k);
      CAPTURE(n);
      auto parts = Partitions("t", n);
      auto before_members = Members(k);
      Assignment before = Assign(before_members, parts, {});
      auto after_members = Members(k + 1);
      Assignment after = Assign(after_members, parts, before);
      CheckBalancedAndComplete(after, after_members, parts);
      const std::string joiner = MemberId(k);
      auto moved = Moved(before, after);
      CHECK(moved.size() <= static_cast<size_t>((n + k) / (k + 1)));  // ceil(n / (k+1))
      auto owner = Owners(after);
      for (const auto& tp : moved) CHECK(owner[tp] == joiner);
      // The joiner got nothing that did not have to move.
      CHECK(after[joiner].size() == moved.size());
    }
}

TEST_CASE("Assign: a leave moves only the leaver's partitions; the others keep all of theirs") {
  for (int k = 2; k <= 8; ++k)
    for (int n = 0; n <= 24; ++n)
      for (int leaver = 0; leaver < k; ++leaver) {
        CAPTURE(k);
        CAPTURE(n);
        CAPTURE(leaver);
        auto parts = Partitions("t", n);
        auto members = Members(k);
        Assignment before = Assign(members, parts, {});
        auto remaining = members;
        remaining.erase(remaining.begin() + leaver);
        Assignment after = Assign(remaining, parts, before);
        CheckBalancedAndComplete(after, remaining, parts);
        for (const auto& m : remaining) {
          const auto& had = before[m.id];
          const auto& has = after[m.id];
          for (const auto& tp : had) CHECK(std::binary_search(has.begin(), has.end(), tp));
        }
        auto moved = Moved(before, after);
        CHECK(moved.size() == before[MemberId(leaver)].size());
      }
}

TEST_CASE("Assign: a sequence of joins and leaves stays balanced and sticky") {
  std::mt19937 rng(7);
  for (int n : {1, 5, 6, 12, 17, 24}) {
    CAPTURE(n);
    auto parts = Partitions("t", n);
    std::vector<MemberSubscription> members;
    int next_id = 0;
    Assignment a;
    for (int step = 0; step < 60; ++step) {
      CAPTURE(step);
      bool join = members.size() < 2 || (members.size() < 8 && rng() % 2 == 0);
      std::string changed;
      if (join) {
        changed = MemberId(next_id++);
        members.push_back({changed, {"t"}});
      } else {
        size_t i = rng() % members.size();
        changed = members[i].id;
        members.erase(members.begin() + static_cast<long>(i));
      }
      Assignment next = Assign(members, parts, a);
      CheckBalancedAndComplete(next, members, parts);
      auto owner = Owners(next);
      auto old_owner = Owners(a);
      for (const auto& tp : Moved(a, next)) {
        // A join moves partitions only to the joiner; a leave only moves
        // partitions the leaver had.
        if (join)
          CHECK(owner[tp] == changed);
        else
          CHECK(old_owner[tp] == changed);
      }
      a = next;
    }
  }
}

TEST_CASE("Assign: growing a topic keeps every existing partition with its owner") {
  for (int k = 1; k <= 6; ++k)
    for (int n = 1; n <= 16; ++n) {
      CAPTURE(k);
      CAPTURE(n);
      auto members = Members(k);
      Assignment before = Assign(members, Partitions("t", n), {});
      auto grown = Partitions("t", n + k);  // k more: each member can take one
      Assignment after = Assign(members, grown, before);
      CheckBalancedAndComplete(after, members, grown);
      CHECK(Moved(before, after).empty());
    }
}

TEST_CASE("Assign: stale previous entries (gone members, gone partitions, duplicates) are ignored") {
  auto members = Members(2);
  auto parts = Partitions("t", 4);
  Assignment prev = {
      {"m-00", {{"t", 0}, {"t", 1}, {"t", 9}, {"gone", 0}}},
      {"m-01", {{"t", 1}, {"t", 2}}},  // t:1 claimed twice
      {"m-99", {{"t", 3}}},            // not a member any more
  };
  Assignment a = Assign(members, parts, prev);
  CheckBalancedAndComplete(a, members, parts);
  CHECK(a.count("m-99") == 0);
  // m-00 keeps 0 and 1 (first come), m-01 keeps 2 and gets the orphaned 3.
  CHECK(a["m-00"] == std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
  CHECK(a["m-01"] == std::vector<TopicPartition>{{"t", 2}, {"t", 3}});
}

TEST_CASE("Assign: a member gets only partitions of topics it subscribes to") {
  std::mt19937 rng(3);
  const std::vector<std::string> topics = {"a", "b", "c"};
  for (int round = 0; round < 300; ++round) {
    CAPTURE(round);
    int k = 1 + static_cast<int>(rng() % 6);
    std::vector<MemberSubscription> members;
    std::set<std::string> subscribed;
    for (int i = 0; i < k; ++i) {
      std::set<std::string> s;
      for (const auto& t : topics)
        if (rng() % 2) s.insert(t);
      subscribed.insert(s.begin(), s.end());
      members.push_back({MemberId(i), s});
    }
    std::vector<TopicPartition> parts;
    for (const auto& t : topics) {
      auto p = Partitions(t, static_cast<int>(rng() % 7));
      parts.insert(parts.end(), p.begin(), p.end());
    }
    Assignment a = Assign(members, parts, {});
    auto owner = Owners(a);
    for (const auto& m : members)
      for (const auto& tp : a[m.id]) CHECK(m.topics.count(tp.first) == 1);
    // Every partition of a topic someone subscribes to is owned; no other is.
    for (const auto& tp : parts) CHECK(owner.count(tp) == subscribed.count(tp.first));
  }
}

TEST_CASE("Assign: members with identical subscriptions among others stay balanced per topic") {
  // Two members read "a" only, two read "b" only: each pair splits its topic.
  std::vector<MemberSubscription> members = {{"m-1", {"a"}}, {"m-2", {"a"}}, {"m-3", {"b"}}, {"m-4", {"b"}}};
  auto parts = Partitions("a", 6);
  auto pb = Partitions("b", 4);
  parts.insert(parts.end(), pb.begin(), pb.end());
  Assignment a = Assign(members, parts, {});
  CHECK(Owners(a).size() == 10);
  CHECK(a["m-1"].size() + a["m-2"].size() == 6);
  CHECK(a["m-3"].size() + a["m-4"].size() == 4);
  for (const auto& id : {"m-1", "m-2", "m-3", "m-4"})
    for (const auto& tp : a[id]) CHECK(tp.first == (std::string(id) <= "m-2" ? "a" : "b"));
}

TEST_CASE("Assign: a member that drops a topic from its subscription gives up those partitions") {
  std::vector<MemberSubscription> members = {{"m-1", {"a", "b"}}, {"m-2", {"a", "b"}}};
  auto parts = Partitions("a", 4);
  auto pb = Partitions("b", 4);
  parts.insert(parts.end(), pb.begin(), pb.end());
  Assignment before = Assign(members, parts, {});
  members[0].topics = {"a"};
  Assignment after = Assign(members, parts, before);
  CHECK(Owners(after).size() == 8);
  for (const auto& tp : after["m-1"]) CHECK(tp.first == "a");
}

}  // namespace klog::group
