// The crash-state builder itself, on hand-written op logs: what a completed
// fsync protects is always there, what it does not is sometimes lost, and
// the ext4 journal keeps metadata as a prefix.
#include "powerloss/crash_model.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

namespace klog::powerloss {
namespace {

const std::string kRoot = "/r";

Op Make(OpType t, uint64_t ino, std::string s1 = "", int64_t a = 0, int64_t b = 0, std::string s2 = "") {
  Op op;
  op.type = t;
  op.pid = 1;
  op.tid = 1;
  op.dev = 1;
  op.ino = ino;
  op.a = a;
  op.b = b;
  op.s1 = std::move(s1);
  op.s2 = std::move(s2);
  return op;
}

// Inode 1 is the root; files get 10, 11...
Op Create(uint64_t ino, const std::string& name) { return Make(OpType::kOpen, ino, kRoot + "/" + name, 1); }
Op Write(uint64_t ino, int64_t off, const std::string& data) { return Make(OpType::kWrite, ino, data, off); }
Op SyncStart(uint64_t ino, bool dir = false) { return Make(OpType::kFsyncStart, ino, "", dir ? 1 : 0); }
Op SyncEnd(uint64_t ino) { return Make(OpType::kFsyncEnd, ino); }

// Content of `name` in each of `n` sampled states ("<absent>" when missing).
std::vector<std::string> Sample(const std::vector<Op>& ops, size_t cut, Model model, const std::string& name,
                                int n = 200) {
  OpHistory h(ops, kRoot, 1, 1);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::mt19937_64 rng(static_cast<uint64_t>(i));
    CrashState st = h.Sample(cut, model, rng);
    auto it = st.nodes[0].children.find(name);
    out.push_back(it == st.nodes[0].children.end() ? "<absent>" : st.nodes[it->second].data);
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_CASE("POSIX: data written before a completed fsync began is kept; later writes may be lost, torn or zeros") {
  std::vector<Op> ops = {Create(10, "f"), SyncStart(1, true), SyncEnd(1),          Write(10, 0, "aaaa"),
                         SyncStart(10),   SyncEnd(10),        Write(10, 4, "bbbb")};
  auto got = Sample(ops, ops.size(), Model::kPosix, "f");
  for (const auto& c : got) CHECK(c.substr(0, 4) == "aaaa");
  CHECK(Has(got, "aaaa"));
  CHECK(Has(got, "aaaabbbb"));
  CHECK(Has(got, std::string("aaaa") + std::string(4, '\0')));  // zero-filled
  // Cut before the fsync ended: nothing is promised.
  auto early = Sample(ops, 5, Model::kPosix, "f");
  CHECK(Has(early, ""));
}

TEST_CASE("POSIX: a batch torn into sectors in a segment that a later segment follows with data is a hole") {
  // Two segments of one partition written without a sync (a roll under
  // --fsync never): the first one's 1,024-byte write torn into sectors
  // while the second keeps data is damage klog cannot tell from damage of
  // synced data; torn with the second one empty, it is not a hole.
  std::string a(1024, 'a'), b(600, 'b');
  std::vector<Op> ops = {Create(10, "00000000000000000000.log"), Create(11, "00000000000000000040.log"),
                         SyncStart(1, true), SyncEnd(1), Write(10, 0, a), Write(11, 0, b)};
  OpHistory h(ops, kRoot, 1, 1);
  bool hole = false, torn_alone = false;
  for (uint64_t i = 0; i < 400 && !(hole && torn_alone); ++i) {
    std::mt19937_64 rng(i);
    CrashState st = h.Sample(ops.size(), Model::kPosix, rng);
    const std::string& first = st.nodes[st.nodes[0].children.at("00000000000000000000.log")].data;
    const std::string& second = st.nodes[st.nodes[0].children.at("00000000000000000040.log")].data;
    bool torn = first.size() == a.size() && first != a && first.find('a') != std::string::npos;
    bool listed = std::find(st.holes.begin(), st.holes.end(), "/00000000000000000000.log") != st.holes.end();
    if (!torn) continue;
    bool later_data = !second.empty();
    CHECK(listed == later_data);
    (later_data ? hole : torn_alone) = true;
  }
  CHECK(hole);
  CHECK(torn_alone);
}

TEST_CASE("POSIX: a name is durable only once an fsync of its directory began after it and completed") {
  std::vector<Op> ops = {Create(10, "f"), Write(10, 0, "x"), SyncStart(10), SyncEnd(10)};
  CHECK(Has(Sample(ops, ops.size(), Model::kPosix, "f"), "<absent>"));
  ops.push_back(SyncStart(1, true));
  ops.push_back(SyncEnd(1));
  for (const auto& c : Sample(ops, ops.size(), Model::kPosix, "f")) CHECK(c == "x");
  // Cut between START and END of the directory's fsync: not yet promised.
  CHECK(Has(Sample(ops, ops.size() - 1, Model::kPosix, "f"), "<absent>"));
}

TEST_CASE("ext4: metadata persists in order, so a later create never survives without an earlier one") {
  std::vector<Op> ops = {Create(10, "a"), Write(10, 0, "1"), Create(11, "b"), Write(11, 0, "2")};
  OpHistory h(ops, kRoot, 1, 1);
  bool saw_a_only = false, saw_both = false;
  for (int i = 0; i < 200; ++i) {
    std::mt19937_64 rng(static_cast<uint64_t>(i));
    CrashState st = h.Sample(ops.size(), Model::kExt4, rng);
    bool a = st.nodes[0].children.count("a"), b = st.nodes[0].children.count("b");
    CHECK(!(b && !a));
    saw_a_only |= a && !b;
    saw_both |= a && b;
  }
  CHECK(saw_a_only);
  CHECK(saw_both);
  // Any completed fsync commits the journal up to its START.
  ops.push_back(SyncStart(10));
  ops.push_back(SyncEnd(10));
  for (const auto& c : Sample(ops, ops.size(), Model::kExt4, "b")) CHECK(c == "2");
}

TEST_CASE("a renamed directory whose old and new names both survive keeps only the new one") {
  std::vector<Op> ops = {Make(OpType::kMkdir, 20, kRoot + "/stage"), Make(OpType::kMkdir, 21, kRoot + "/stage/t"),
                         Make(OpType::kRename, 0, kRoot + "/stage/t", 0, 0, kRoot + "/t"), SyncStart(1, true),
                         SyncEnd(1)};
  OpHistory h(ops, kRoot, 1, 1);
  for (int i = 0; i < 100; ++i) {
    std::mt19937_64 rng(static_cast<uint64_t>(i));
    CrashState st = h.Sample(ops.size(), Model::kPosix, rng);
    REQUIRE(st.nodes[0].children.count("t"));  // the root's fsync covers the rename's new name
    auto stage = st.nodes[0].children.find("stage");
    if (stage != st.nodes[0].children.end()) CHECK(st.nodes[stage->second].children.count("t") == 0);
  }
}

}  // namespace
}  // namespace klog::powerloss
