// Corruption: every kind of damage to a data directory's files, each applied
// to a fresh copy of one known directory, then the real klog commands run on
// it. The rule for every command (CHECK_NO_CRASH): it finishes within its
// timeout, is not killed by a signal, shows no sanitizer report, and when it
// fails, fails the contract's way (exit 1-3, one "klog: error: " line). The
// rule for every record printed (CheckRecords): it is byte for byte the record
// written at that partition and offset, offsets consecutive — a command may
// stop early or fail, but never print wrong data or skip records silently.
//
// On top of that, per kind of damage:
//  - the active segment's .log cut at every byte of its tail (a writer killed
//    mid-append): the documented recovery — consume reads exactly the whole
//    batches before the cut and exits 0; the next produce cuts the torn tail
//    and appends right after them; verify is then clean;
//  - a closed segment cut short: verify reports it;
//  - bits of batch headers flipped (in the active segment's last batch every
//    bit of base offset, length, CRC, magic and attributes, elsewhere two bits
//    per byte; every bit with KLOG_SOAK=1): verify reports each one, consume
//    fails rather than print past it, and a produce after it never loses an
//    acknowledged record silently (if it succeeds, a full read either fails
//    or returns them all);
//  - bits flipped in batch payloads (plain and zstd): verify reports it;
//  - .index/.timeindex bits flipped or files cut: lookups by offset and by
//    time still return exactly the right records (indexes are checked against
//    the log); verify reports every flipped bit;
//  - topic.json, offsets.json, state.json, journal.jsonl, a member's file:
//    cut at each position (sampled), bits flipped, odd contents: topic and
//    group commands do not crash or hang, and what they print is right.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "e2e/reliability_util.h"
#include "log/segment.h"
#include "log/segment_name.h"
#include "os/file.h"

namespace klog::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTs0 = 1700000000000;  // record timestamps: kTs0 + p * 1e9 + o * 1000

std::string ValueAt(int p, int64_t o) {
  return "p" + std::to_string(p) + "o" + std::to_string(o) + "-" + std::string(40 + o % 23, static_cast<char>('a' + o % 26));
}
int64_t TsAt(int p, int64_t o) { return kTs0 + p * 1000000000LL + o * 1000; }
const char* const kAppended = "appended-after-damage";

struct BatchPos {
  uint64_t pos;
  uint64_t size;
  int64_t base;
  int64_t next;
  bool zstd;
};

// The known directory, and a work copy that each case damages.
class Corpus {
 public:
  Corpus() : pristine_(tmp_.Join("pristine")), work_(tmp_.Join("work")) {
    Build();
    Reset();
  }
  const std::string& work() const { return work_; }
  const TempDir& tmp() const { return tmp_; }
  std::string PartDir(int p) const { return work_ + "/topics/t/" + std::to_string(p); }
  std::string Seg(int p, int64_t base, const char* suffix) const { return log::SegmentPath(PartDir(p), base, suffix); }
  const std::vector<int64_t>& segments() const { return segments_; }  // of partition 0
  int64_t count(int p) const { return p == 0 ? count0_ : count1_; }
  std::string dead_member_file() const { return dead_member_file_; }

  void Reset() {
    std::error_code ec;
    fs::remove_all(work_, ec);
    fs::copy(pristine_, work_, fs::copy_options::recursive, ec);
    REQUIRE_MESSAGE(!ec, "copy: " << ec.message());
    ++copies_;
  }

  RunResult Klog(std::vector<std::string> args, const std::string& in = "", int timeout_ms = 15000) {
    args.insert(args.begin(), {"--dir", work_});
    RunOptions o;
    o.stdin_data = in;
    o.timeout_ms = timeout_ms;
    ++commands_;
    return RunKlog(args, o);
  }

  // Batches of segment `base` of partition 0, from the pristine copy.
  std::vector<BatchPos> Batches(int64_t base) const {
    auto f = os::File::OpenRead(log::SegmentPath(pristine_ + "/topics/t/0", base, log::kLogSuffix));
    REQUIRE(f.ok());
    auto size = f->Size();
    REQUIRE(size.ok());
    std::vector<BatchPos> out;
    auto s = log::ScanSegment(*f, *size, 0, base, true, [&](const log::BatchHeader& h, uint64_t pos) {
      out.push_back({pos, h.total_size(), h.base_offset, h.next_offset(), h.codec() == log::Codec::kZstd});
    });
    REQUIRE(s.stop == log::ReadKind::kEnd);
    return out;
  }

  int64_t copies() const { return copies_; }
  int64_t commands() const { return commands_; }

 private:
  void Build() {
    auto run = [&](std::vector<std::string> args, const std::string& in = "") {
      args.insert(args.begin(), {"--dir", pristine_});
      RunOptions o;
      o.stdin_data = in;
      RunResult r = RunKlog(args, o);
      INFO(Join(args) << ": " << r.err);
      REQUIRE(r.exit_code == 0);
      return r.out;
    };
    // Records carry 2023 timestamps: neither retention nor segment age may act on them.
    run({"topic", "create", "t", "--partitions", "2", "--segment-bytes", "16KiB", "--retention", "-1",
         "--segment-ms", "36500d"});
    auto json_records = [](int p, int64_t from, int64_t to) {
      std::string in;
      for (int64_t o = from; o < to; ++o)
        in += "{\"value\":\"" + ValueAt(p, o) + "\",\"timestamp\":" + std::to_string(TsAt(p, o)) + "}\n";
      return in;
    };
    // Partition 0: ~70 KiB in 16 KiB segments (3 index entries each),
    // plain then zstd batches, and at the end two tiny batches (the tail that
    // the truncation cases cut).
    run({"produce", "t", "-p", "0", "--format", "json", "--batch-size", "1KiB"}, json_records(0, 0, 600));
    run({"produce", "t", "-p", "0", "--format", "json", "--batch-size", "2KiB", "--compression", "zstd"},
        json_records(0, 600, 860));
    run({"produce", "t", "-p", "0", "--format", "json", "--batch-size", "1KiB"}, json_records(0, 860, 900));
    run({"produce", "t", "-p", "0", "--format", "json"}, json_records(0, 900, 902));
    run({"produce", "t", "-p", "0", "--format", "json"}, json_records(0, 902, 904));
    count0_ = 904;
    run({"produce", "t", "-p", "1", "--format", "json", "--batch-size", "300"}, json_records(1, 0, 40));
    count1_ = 40;
    // Group g: 100 records committed. Group g2: a member killed with kill -9
    // leaves its member files behind.
    run({"consume", "t", "-g", "g", "-n", "100"});
    {
      std::string err = tmp_.Join("member.err");
      KlogProcess m({"--dir", pristine_, "consume", "t", "-g", "g2", "-f"}, {}, "/dev/null", err);
      std::string members = pristine_ + "/groups/g2/members";
      bool joined = WaitFor(
          [&] {
            std::error_code ec;
            if (!fs::exists(pristine_ + "/groups/g2/state.json", ec)) return false;
            for (const auto& e : fs::directory_iterator(members, ec))
              if (e.path().extension() == ".json") {
                dead_member_file_ = "groups/g2/members/" + e.path().filename().string();
                return true;
              }
            return false;
          },
          15000);
      REQUIRE(joined);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      m.Signal(SIGKILL);
      m.Wait(5000);
    }
    auto bases = log::ListSegments(pristine_ + "/topics/t/0");
    REQUIRE(bases.ok());
    segments_ = *bases;
    REQUIRE(segments_.size() >= 4);
  }

  TempDir tmp_;
  std::string pristine_, work_;
  std::vector<int64_t> segments_;
  int64_t count0_ = 0, count1_ = 0;
  std::string dead_member_file_;
  int64_t copies_ = 0, commands_ = 0;
};

struct Checked {
  std::map<int, int64_t> first;  // partition -> first offset printed
  std::map<int, int64_t> lines;  // partition -> records printed
  bool appended_seen = false;
};

// Every line "P O V" of `out` must be the record written at P/O, offsets
// consecutive per partition; `from` (when given) is where each must start.
// The value kAppended is accepted only at offset `appended_at` of partition 0.
Checked CheckRecords(const std::string& out, const std::string& what, const std::map<int, int64_t>& from = {},
                     int64_t appended_at = -1) {
  Checked c;
  for (const auto& line : Lines(out)) {
    auto w = rel::Words(line);
    if (w.size() != 3) {
      FAIL_CHECK(what << ": unexpected output line '" << line << "'");
      return c;
    }
    int p = std::stoi(w[0]);
    int64_t o = std::stoll(w[1]);
    auto it = c.lines.find(p);
    int64_t expected_o = it == c.lines.end() ? (from.count(p) ? from.at(p) : o) : c.first[p] + it->second;
    if (o != expected_o) {
      FAIL_CHECK(what << ": partition " << p << " offset " << o << " where " << expected_o << " was expected");
      return c;
    }
    bool appended = w[2] == kAppended && p == 0 && o == appended_at;
    if (!appended && w[2] != ValueAt(p, o)) {
      FAIL_CHECK(what << ": wrong data at partition " << p << " offset " << o << ": '" << w[2] << "'");
      return c;
    }
    c.appended_seen |= appended;
    if (it == c.lines.end()) c.first[p] = o;
    ++c.lines[p];
  }
  return c;
}

const std::string kFmt = "%p %o %v\\n";

// Sampled positions 0..n-1: all of them when n <= budget, else evenly spread.
std::vector<uint64_t> Sample(uint64_t n, uint64_t budget) {
  std::vector<uint64_t> out;
  if (n <= budget) {
    for (uint64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (uint64_t i = 0; i < budget; ++i) out.push_back(i * n / budget);
  return out;
}

TEST_CASE("corruption: the active segment cut at every byte of its tail reads as a torn tail and recovers") {
  Corpus k;
  const int64_t active = k.segments().back();
  auto batches = k.Batches(active);
  REQUIRE(batches.size() >= 3);
  const std::string seg = k.Seg(0, active, log::kLogSuffix);
  const uint64_t size = batches.back().pos + batches.back().size;
  // The last two batches (three in a soak), every byte; a reduced run takes every third.
  const uint64_t tail_from = batches[batches.size() - rel::Scaled<size_t>(2, 2, 3)].pos;
  const uint64_t step = rel::Scaled<uint64_t>(7, 1, 1);
  int64_t cuts = 0, verified = 0;
  for (uint64_t cut = tail_from; cut < size; cut += step) {
    k.Reset();
    TruncateAt(seg, cut);
    int64_t whole = active;  // records in whole batches before the cut
    for (const auto& b : batches)
      if (b.pos + b.size <= cut) whole = b.next;
    std::string what = "cut at byte " + std::to_string(cut);
    RunResult r = k.Klog({"consume", "t", "-p", "0", "--format", kFmt});
    CHECK_NO_CRASH(r, what);
    CHECK(r.exit_code == 0);
    Checked c = CheckRecords(r.out, what, {{0, 0}});
    CHECK(c.lines[0] == whole);

    RunResult w = k.Klog({"produce", "t", "-p", "0", "--print-offsets", kAppended});
    CHECK_NO_CRASH(w, what + ", produce");
    CHECK(w.exit_code == 0);
    CHECK(w.out == "0 " + std::to_string(whole) + "\n");
    RunResult r2 = k.Klog({"consume", "t", "-p", "0", "--format", kFmt});
    CHECK(r2.exit_code == 0);
    Checked c2 = CheckRecords(r2.out, what + ", after produce", {{0, 0}}, whole);
    CHECK(c2.lines[0] == whole + 1);
    CHECK(c2.appended_seen);
    if (cuts % rel::Scaled(16, 8, 1) == 0) {
      RunResult v = k.Klog({"verify", "t"});
      CHECK_VERIFY_RAN(v, what + ", verify");
      CHECK(v.exit_code == 0);
      ++verified;
    }
    ++cuts;
  }
  rel::Figure("corruption: active segment cut at " + std::to_string(cuts) +
              " positions of its tail: each read as a torn tail and recovered by the next produce (" +
              std::to_string(verified) + " verified clean after)");
}

TEST_CASE("corruption: a closed segment cut short is reported, never read past") {
  Corpus k;
  const int64_t base = k.segments()[1];
  auto batches = k.Batches(base);
  const std::string seg = k.Seg(0, base, log::kLogSuffix);
  const uint64_t size = batches.back().pos + batches.back().size;
  std::vector<uint64_t> cuts;
  for (const auto& b : batches) {  // at, just after and just before every batch boundary
    cuts.push_back(b.pos);
    cuts.push_back(b.pos + 1);
    if (b.pos > 0) cuts.push_back(b.pos - 1);
  }
  for (uint64_t c = 0; c < size; c += rel::Scaled<uint64_t>(2003, 211, 1)) cuts.push_back(c);
  int64_t detected = 0;
  for (uint64_t cut : cuts) {
    if (cut >= size) continue;
    k.Reset();
    TruncateAt(seg, cut);
    std::string what = "closed segment cut at byte " + std::to_string(cut);
    RunResult r = k.Klog({"consume", "t", "-p", "0", "--format", kFmt});
    CHECK_NO_CRASH(r, what);
    Checked c = CheckRecords(r.out, what, {{0, 0}});
    if (r.exit_code == 0) CHECK(c.lines[0] == k.count(0));  // nothing skipped silently
    RunResult v = k.Klog({"verify", "t"});
    CHECK_VERIFY_RAN(v, what + ", verify");
    CHECK(v.exit_code == 1);
    detected += v.exit_code == 1;
    RunResult d = k.Klog({"topic", "describe", "t", "--json"});
    CHECK_NO_CRASH(d, what + ", topic describe");
  }
  rel::Figure("corruption: closed segment cut at " + std::to_string(cuts.size()) + " positions: verify reported " +
              std::to_string(detected));
}

// Flips `bit` of byte `pos` of partition 0's segment file and runs the checks.
struct FlipResult {
  bool verify_detected = false;
  bool consume_failed = false;
};

FlipResult FlipAndCheck(Corpus& k, const std::string& file, uint64_t pos, int bit, const std::string& what,
                        bool also_produce) {
  FlipResult fr;
  k.Reset();
  FlipBit(file, pos, bit);
  RunResult r = k.Klog({"consume", "t", "--format", kFmt});
  CHECK_NO_CRASH(r, what);
  Checked c = CheckRecords(r.out, what, {{0, 0}, {1, 0}});
  fr.consume_failed = r.exit_code != 0;
  if (r.exit_code == 0) CHECK(c.lines[0] == k.count(0));
  RunResult v = k.Klog({"verify", "t"});
  CHECK_VERIFY_RAN(v, what + ", verify");
  fr.verify_detected = v.exit_code == 1;
  if (also_produce) {
    RunResult w = k.Klog({"produce", "t", "-p", "0", "--print-offsets", kAppended});
    CHECK_NO_CRASH(w, what + ", produce");
    if (w.exit_code == 0) {
      // The append went through: every acknowledged record must still be
      // there, or reading must say that something is damaged.
      int64_t at = std::stoll(rel::Words(w.out).at(1));
      RunResult r2 = k.Klog({"consume", "t", "-p", "0", "--format", kFmt});
      CHECK_NO_CRASH(r2, what + ", consume after produce");
      Checked c2 = CheckRecords(r2.out, what + ", after produce", {{0, 0}}, at);
      if (r2.exit_code == 0) {
        INFO(what << ": produce succeeded at offset " << at);
        CHECK(at == k.count(0));
        CHECK(c2.lines[0] == k.count(0) + 1);
      }
    }
  }
  return fr;
}

TEST_CASE("corruption: bits flipped in batch headers are detected, never read as data") {
  Corpus k;
  int64_t flips = 0, detected = 0, consume_failed = 0;
  struct Target {
    int64_t segment;
    size_t batch;  // index; SIZE_MAX: the last
    bool produce;
    const char* name;
  };
  std::vector<Target> targets = {{k.segments()[0], 3, false, "a batch in a closed segment"},
                                 {k.segments().back(), SIZE_MAX, true, "the last batch of the active segment"}};
  for (size_t si = 0; si + 1 < k.segments().size() && targets.size() < 3; ++si) {
    auto batches = k.Batches(k.segments()[si]);
    for (size_t bi = 0; bi < batches.size(); ++bi)
      if (batches[bi].zstd) {
        targets.push_back({k.segments()[si], bi, false, "a zstd batch in a closed segment"});
        break;
      }
  }
  REQUIRE(targets.size() == 3);
  for (const auto& t : targets) {
    auto batches = k.Batches(t.segment);
    const BatchPos& b = t.batch == SIZE_MAX ? batches.back() : batches.at(t.batch);
    std::string file = k.Seg(0, t.segment, log::kLogSuffix);
    for (uint64_t byte = 0; byte < log::kBatchHeaderSize; ++byte) {
      // Every bit of the fields outside the CRC and of magic/attributes in
      // the active segment's last batch (where recovery could be fooled);
      // elsewhere two bits per byte. Reduced: one bit per byte everywhere;
      // soak: every bit.
      bool all = t.produce && byte < 20;
      int bits_per_byte = all ? rel::Scaled(1, 8, 8) : rel::Scaled(1, 2, 8);
      for (int i = 0; i < bits_per_byte; ++i) {
        int bit = static_cast<int>((byte + i * (8 / bits_per_byte)) % 8);
        std::string what = std::string(t.name) + ": header byte " + std::to_string(byte) + " bit " + std::to_string(bit);
        FlipResult fr = FlipAndCheck(k, file, b.pos + byte, bit, what, t.produce);
        INFO(what);
        CHECK(fr.verify_detected);
        ++flips;
        detected += fr.verify_detected;
        consume_failed += fr.consume_failed;
      }
    }
  }
  rel::Figure("corruption: " + std::to_string(flips) + " batch-header bit flips: verify reported " +
              std::to_string(detected) + ", consume stopped with an error on " + std::to_string(consume_failed) +
              ", no wrong record printed");
}

TEST_CASE("corruption: bits flipped in batch payloads, plain and zstd, are caught by the checksum") {
  Corpus k;
  std::mt19937 rng(7);
  int64_t flips = 0, detected = 0;
  const int per_batch = rel::Scaled(1, 4, 100);
  std::vector<std::pair<int64_t, BatchPos>> targets;  // (segment, batch): first, middle, last, and zstd ones
  for (int64_t seg : k.segments()) {
    auto batches = k.Batches(seg);
    for (size_t bi = 0; bi < batches.size(); ++bi)
      if (bi == 0 || bi == batches.size() / 2 || bi + 1 == batches.size() || (batches[bi].zstd && bi % 3 == 0))
        targets.push_back({seg, batches[bi]});
  }
  for (const auto& [seg, b] : targets) {
    std::string file = k.Seg(0, seg, log::kLogSuffix);
    {
      for (int i = 0; i < per_batch; ++i) {
        uint64_t pos = b.pos + log::kBatchHeaderSize + rng() % (b.size - log::kBatchHeaderSize);
        int bit = static_cast<int>(rng() % 8);
        std::string what = "segment " + std::to_string(seg) + " byte " + std::to_string(pos) + " bit " +
                           std::to_string(bit) + " (payload)";
        FlipResult fr = FlipAndCheck(k, file, pos, bit, what, false);
        INFO(what);
        CHECK(fr.verify_detected);
        CHECK(fr.consume_failed);
        ++flips;
        detected += fr.verify_detected;
      }
    }
  }
  rel::Figure("corruption: " + std::to_string(flips) + " payload bit flips: verify reported " +
              std::to_string(detected) + ", consume failed on all, no wrong record printed");
}

TEST_CASE("corruption: damaged .index and .timeindex files never change what a lookup returns") {
  Corpus k;
  int64_t cases = 0, flips = 0, detected = 0;
  // A lookup target deep in each segment, so that the indexes are used.
  auto lookups = [&](int64_t seg, const std::string& what, bool produce) {
    auto batches = k.Batches(seg);
    // ... with 3 records after it even in the last segment.
    int64_t target = std::min(batches[batches.size() * 3 / 4].base + 1, k.count(0) - 3);
    RunResult r = k.Klog({"consume", "t", "-p", "0", "-o", std::to_string(target), "-n", "3", "--format", kFmt});
    CHECK_NO_CRASH(r, what + ", -o " + std::to_string(target));
    CHECK(r.exit_code == 0);
    Checked c = CheckRecords(r.out, what + ", by offset", {{0, target}});
    CHECK(c.lines[0] == 3);
    RunResult t = k.Klog({"consume", "t", "-p", "0", "-o", "@" + std::to_string(TsAt(0, target)), "-n", "3",
                          "--format", kFmt});
    CHECK_NO_CRASH(t, what + ", -o @time");
    CHECK(t.exit_code == 0);
    Checked ct = CheckRecords(t.out, what + ", by time", {{0, target}});
    CHECK(ct.lines[0] == 3);
    if (produce) {
      RunResult w = k.Klog({"produce", "t", "-p", "0", kAppended});
      CHECK_NO_CRASH(w, what + ", produce");
      CHECK(w.exit_code == 0);
      RunResult r2 = k.Klog({"consume", "t", "-p", "0", "-o", std::to_string(target), "--format", kFmt});
      CHECK(r2.exit_code == 0);
      Checked c2 = CheckRecords(r2.out, what + ", after produce", {{0, target}}, k.count(0));
      CHECK(c2.appended_seen);
    }
    ++cases;
  };
  const int bits_per_byte = rel::Scaled(1, 1, 8);
  for (int64_t seg : {k.segments()[1], k.segments().back()}) {
    bool active = seg == k.segments().back();
    for (const char* suffix : {log::kOffsetIndexSuffix, log::kTimeIndexSuffix}) {
      std::string file = k.Seg(0, seg, suffix);
      uint64_t size = FileSize(file);
      if (!active) REQUIRE(size > 0);
      for (uint64_t byte = 0; byte < size; ++byte) {
        for (int i = 0; i < bits_per_byte; ++i) {
          int bit = static_cast<int>((byte + i * 3) % 8);
          std::string what = fs::path(file).filename().string() + " byte " + std::to_string(byte) + " bit " +
                             std::to_string(bit);
          k.Reset();
          FlipBit(file, byte, bit);
          lookups(seg, what, active);
          k.Reset();
          FlipBit(file, byte, bit);
          RunResult v = k.Klog({"verify", "t"});
          CHECK_VERIFY_RAN(v, what + ", verify");
          INFO(what);
          CHECK(v.exit_code == 1);
          ++flips;
          detected += v.exit_code == 1;
        }
      }
      for (uint64_t cut = 0; cut < size; cut += rel::Scaled<uint64_t>(7, 1, 1)) {
        std::string what = fs::path(file).filename().string() + " cut at " + std::to_string(cut);
        k.Reset();
        TruncateAt(file, cut);
        lookups(seg, what, active);
        RunResult v = k.Klog({"verify", "t"});
        CHECK_VERIFY_RAN(v, what + ", verify");
      }
      // Gone altogether, or garbage of other sizes.
      for (const std::string& junk : {std::string(), std::string(3, '\xff'), std::string(64, '\0'),
                                      std::string(4096, '\x7f')}) {
        k.Reset();
        if (junk.empty()) fs::remove(file);
        else WriteAll(file, junk);
        lookups(seg, fs::path(file).filename().string() + " replaced by " + std::to_string(junk.size()) + " junk bytes",
                active);
      }
    }
  }
  rel::Figure("corruption: " + std::to_string(cases) + " damaged index files (" + std::to_string(flips) +
              " bit flips, cuts at every byte, junk): lookups by offset and time always right; verify reported " +
              std::to_string(detected) + " of the flips");
}

TEST_CASE("corruption: damaged topic and group files give clear errors, never crashes") {
  Corpus k;
  struct File {
    std::string path;
    std::vector<std::vector<std::string>> commands;
  };
  const std::vector<std::string> consume_group = {"consume", "t", "-g", "g", "-n", "5", "--format", kFmt};
  const std::vector<std::vector<std::string>> group_cmds = {{"group", "describe", "g", "--json"},
                                                            {"group", "list", "--json"},
                                                            {"offset", "show", "-g", "g"},
                                                            consume_group};
  const std::vector<std::vector<std::string>> group2_cmds = {{"group", "describe", "g2", "--json"},
                                                             {"group", "list"},
                                                             {"consume", "t", "-g", "g2", "-n", "5", "--format", kFmt}};
  std::vector<File> files = {
      {"topics/t/topic.json",
       {{"topic", "describe", "t", "--json"},
        {"topic", "list", "--json"},
        {"consume", "t", "-p", "1", "-n", "5", "--format", kFmt},
        {"produce", "t", "-p", "1", "x"},
        {"group", "describe", "g"}}},
      {"groups/g/offsets.json", group_cmds},
      {"groups/g/state.json", group_cmds},
      {"groups/g/journal.jsonl", {{"offset", "history", "-g", "g"}, {"group", "describe", "g"}, consume_group}},
      {k.dead_member_file(), group2_cmds},
      {"groups/g2/state.json", group2_cmds},
  };
  const uint64_t budget = rel::Scaled<uint64_t>(4, 20, 100000);  // positions per file and kind of damage
  int64_t damaged = 0, runs = 0, failed_cleanly = 0;
  auto run_all = [&](const File& f, const std::string& what) {
    for (const auto& cmd : f.commands) {
      RunResult r = k.Klog(cmd);
      std::string label = what + ": " + Join(cmd);
      CHECK_NO_CRASH(r, label);
      if (cmd[0] == "consume") CheckRecords(r.out, label);
      ++runs;
      failed_cleanly += r.exit_code != 0;
    }
    ++damaged;
  };
  for (const auto& f : files) {
    std::string path = k.work() + "/" + f.path;
    k.Reset();
    REQUIRE(fs::exists(path));
    std::string original = ReadAll(path);
    for (uint64_t cut : Sample(original.size(), budget)) {
      k.Reset();
      TruncateAt(path, cut);
      run_all(f, f.path + " cut at " + std::to_string(cut));
    }
    for (uint64_t byte : Sample(original.size(), budget)) {
      int bit = static_cast<int>(byte % 7);  // bits 0-6: keeps ASCII ASCII, turns digits into other digits or not
      k.Reset();
      FlipBit(path, byte, bit);
      run_all(f, f.path + " byte " + std::to_string(byte) + " bit " + std::to_string(bit));
    }
    for (const std::string& junk :
         {std::string(), std::string("null"), std::string("[]"), std::string("{}"), std::string("\"x\""),
          std::string("{\"version\":99}"), std::string(100000, '['), std::string("\xff\xfe\x00garbage", 10),
          std::string("{\"partitions\":-1,\"offsets\":{\"t\":{\"0\":-5,\"9\":1e30}},\"members\":[{}]}"),
          std::string("{\"partitions\":99999999999,\"generation\":\"x\",\"assignment\":[1,2]}")}) {
      k.Reset();
      WriteAll(path, junk);
      run_all(f, f.path + " replaced by '" + junk.substr(0, 40) + "'");
    }
    k.Reset();
    fs::remove(path);
    run_all(f, f.path + " removed");
  }
  rel::Figure("corruption: " + std::to_string(damaged) + " damaged copies of topic/group files, " +
              std::to_string(runs) + " commands run on them (" + std::to_string(failed_cleanly) +
              " clean errors), no crash, no hang");
}

}  // namespace
}  // namespace klog::testing
