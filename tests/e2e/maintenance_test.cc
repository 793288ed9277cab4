// klog verify, dump, retention and `topic describe --format prometheus`,
// run as a user would: the real binary on a real data directory, damaged on
// purpose (contract section 3 "maintenance", section 5, section 7 "read-only").
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"
#include "log/dump.h"
#include "log/segment_name.h"
#include "os/file.h"

namespace klog::testing {
namespace {

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CliFixture, with paths into the data directory and a shell that knows $T.
class Maint : public CliFixture {
 public:
  std::string Part(const std::string& topic, int p) const {
    return data() + "/topics/" + topic + "/" + std::to_string(p);
  }
  std::string Seg(const std::string& topic, int p, int64_t base, const char* suffix = log::kLogSuffix) const {
    return log::SegmentPath(Part(topic, p), base, suffix);
  }
  std::vector<int64_t> Segments(const std::string& topic, int p) const {
    auto s = log::ListSegments(Part(topic, p));
    REQUIRE(s.ok());
    return *s;
  }
  RunResult Shell(const std::string& script) const {
    RunOptions o;
    o.env = {{"KLOG_DIR", data()}, {"T", tmp().path()}};
    return RunShell(script, o);
  }
  // Every path under the data directory with its size, mode and mtime.
  std::string Listing() const {
    RunResult r = Shell("find \"$KLOG_DIR\" -printf '%p %s %m %T@\\n' | sort");
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
};

// Batch positions of one segment, read through the library (the tests
// damage bytes they know the meaning of).
std::vector<uint64_t> BatchPositions(const std::string& part, int64_t base) {
  std::vector<uint64_t> out;
  log::DumpOptions o;
  o.from_offset = base;
  Status st = log::DumpPartition(part, "p", o, [&](const log::BatchSummary& s, const log::Batch*) {
    if (s.segment_base == base) out.push_back(s.position);
    return Status::Ok();
  });
  REQUIRE(st.ok());
  return out;
}

// "value-0000 xxxx..." lines: n records of about 100 bytes.
std::string Records(int from, int n) {
  std::string s;
  char buf[32];
  for (int i = from; i < from + n; ++i) {
    snprintf(buf, sizeof buf, "value-%06d ", i);
    s += buf + std::string(88, 'x') + "\n";
  }
  return s;
}

// A topic "t" of many segments whose indexes have entries: 64 KiB segments,
// 4000 records of ~100 bytes, about 7 segments.
void MakeBigTopic(const Maint& k, const std::string& extra_flag = "") {
  std::vector<std::string> create = {"topic", "create", "t", "--segment-bytes", "64KiB", "--retention", "-1"};
  if (!extra_flag.empty()) create.push_back(extra_flag);
  k.Ok(create);
  for (int i = 0; i < 4; ++i) k.Ok({"produce", "t", "--batch-size", "2KiB"}, Records(i * 1000, 1000));
}

// The one partition's status line of `klog verify t` output.
std::string VerifyLine(const RunResult& r) {
  for (const auto& l : Lines(r.out))
    if (l.rfind("t/0: ", 0) == 0 && !Has(l, "repaired:") && !Has(l, "   and ")) return l;
  return "";
}

// Checks the text exposition format the way a scraper would: every line is
// a comment or `name{labels} value`; HELP and TYPE come before a family's
// samples, and a family's samples are contiguous. Returns samples by
// "name{labels}".
std::map<std::string, double> ParsePrometheus(const std::string& text) {
  static const std::regex kSample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)$)");
  static const std::regex kComment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)");
  std::map<std::string, double> samples;
  std::set<std::string> typed, finished;
  std::string current;
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  for (const auto& line : Lines(text)) {
    INFO("line: " << line);
    std::smatch m;
    if (std::regex_match(line, m, kComment)) {
      if (m[1] == "TYPE") {
        CHECK(std::set<std::string>{"gauge", "counter", "untyped"}.count(m[3]) == 1);
        CHECK(typed.insert(m[2]).second);  // one TYPE per family
      }
      if (m[2] != current) {
        if (!current.empty()) finished.insert(current);
        current = m[2];
      }
      continue;
    }
    REQUIRE(std::regex_match(line, m, kSample));
    CHECK(typed.count(m[1]) == 1);     // TYPE before samples
    CHECK(finished.count(m[1]) == 0);  // contiguous
    CHECK(m[1] == current);
    std::string key = std::string(m[1]) + std::string(m[2]);
    CHECK(samples.count(key) == 0);
    samples[key] = std::stod(m[3]);
  }
  return samples;
}

}  // namespace

// ---- verify -----------------------------------------------------------------

TEST_CASE("verify: clean data is OK, per partition, exit 0; --json is one document") {
  Maint k;
  k.Ok({"topic", "create", "t", "--partitions", "2", "--segment-bytes", "4096"});
  k.Ok({"topic", "create", "u"});
  k.Ok({"produce", "t"}, Records(0, 500));
  RunResult r = k.Run({"verify"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  auto lines = Lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("t/0: OK: ", 0) == 0);
  CHECK(lines[1].rfind("t/1: OK: ", 0) == 0);
  CHECK(lines[2] == "u/0: OK: 0 segments, 0 batches, 0 records");

  r = k.Run({"verify", "t", "--json"});
  CHECK(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["ok"] == true);
  REQUIRE(doc["partitions"].size() == 2);
  int64_t records = 0;
  for (const auto& p : doc["partitions"]) {
    CHECK(p["ok"] == true);
    CHECK(p["damage"].empty());
    records += p["records"].get<int64_t>();
  }
  CHECK(records == 500);
}

TEST_CASE("verify: unknown topic and bad names are errors before anything is checked") {
  Maint k;
  k.Ok({"topic", "create", "t"});
  RunResult r = k.Run({"verify", "t", "nope"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "");
  CHECK(r.err == "klog: error: unknown topic 'nope' (create it with 'klog topic create nope')\n");
  r = k.Run({"verify", "../x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("klog: error: ", 0) == 0);
}

TEST_CASE("verify: each kind of damage is reported at its segment, byte and offset; exit 1") {
  struct Case {
    const char* name;
    std::string kind;  // --json damage kind
    bool repairable;
  };
  const Case cases[] = {
      // A power loss under an older klog: the next segment exists, the end
      // of this one is gone. Repair records the gap as lost (lost_offsets.h).
      {"truncated batch in a closed segment", "truncated", true},
      {"flipped bit in a header", "offset-sequence", false},
      {"flipped bit in a payload", "checksum", false},
      {"flipped bit in an index", "index", true},
      {"missing index", "missing-index", true},
      {"overlapping segment", "segment-overlap", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Maint k;
    MakeBigTopic(k);
    auto segs = k.Segments("t", 0);
    REQUIRE(segs.size() >= 4);
    const int64_t s1 = segs[1];
    auto pos = BatchPositions(k.Part("t", 0), s1);
    REQUIRE(pos.size() > 10);
    std::string file = log::SegmentFileName(s1, log::kLogSuffix);
    std::string where;  // what the DAMAGED line must contain
    std::string name = c.name;
    if (name == "truncated batch in a closed segment") {
      TruncateAt(k.Seg("t", 0, s1), pos.back() + 50);
      where = file + " byte " + std::to_string(pos.back());
    } else if (name == "flipped bit in a header") {
      FlipBit(k.Seg("t", 0, s1), pos[5] + 1, 0);  // base offset + 256
      where = file + " byte " + std::to_string(pos[5]);
    } else if (name == "flipped bit in a payload") {
      FlipBit(k.Seg("t", 0, s1), pos[5] + 100, 7);
      where = file + " byte " + std::to_string(pos[5]);
    } else if (name == "flipped bit in an index") {
      FlipBit(k.Seg("t", 0, s1, log::kOffsetIndexSuffix), 8 + 4, 1);  // entry 1's position
      where = log::SegmentFileName(s1, log::kOffsetIndexSuffix) + " byte 8";
    } else if (name == "missing index") {
      REQUIRE(os::RemoveFile(k.Seg("t", 0, s1, log::kTimeIndexSuffix)).ok());
      where = log::SegmentFileName(s1, log::kTimeIndexSuffix) + " byte 0";
    } else {
      WriteAll(k.Seg("t", 0, s1 + 7), ReadAll(k.Seg("t", 0, s1)));
      where = log::SegmentFileName(s1 + 7, log::kLogSuffix) + " byte 0";
    }
    RunResult r = k.Run({"verify", "t"});
    CHECK(r.exit_code == 1);
    std::string line = VerifyLine(r);
    INFO("verify said: " << r.out);
    CHECK(line.rfind("t/0: DAMAGED: " + where, 0) == 0);
    if (name != "missing index") CHECK(Has(line, "(offset "));

    r = k.Run({"verify", "t", "--json"});
    CHECK(r.exit_code == 1);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["ok"] == false);
    auto d = doc["partitions"][0]["damage"][0];
    CHECK(d["kind"] == c.kind);
    CHECK(d["repairable"] == c.repairable);

    std::string before = k.Listing();
    r = k.Run({"verify", "t", "--repair"});
    if (name == "truncated batch in a closed segment") {
      CHECK(r.exit_code == 0);
      CHECK(Has(r.out, "t/0: repaired: cut the end of closed segment " + file));
      CHECK(Has(r.out, "as lost in lost-offsets"));
      CHECK(k.Run({"verify"}).exit_code == 0);
      std::string all = k.Ok({"consume", "t"});
      CHECK(Lines(all).size() < 4000);
      CHECK(Has(all, Records(3999, 1)));
    } else if (c.repairable) {
      CHECK(r.exit_code == 0);
      CHECK(Has(r.out, "t/0: repaired: rebuilt "));
      CHECK(Has(r.out, "t/0: OK: "));
      CHECK(k.Run({"verify"}).exit_code == 0);
      CHECK(k.Ok({"consume", "t"}) == Records(0, 4000));
    } else {
      CHECK(r.exit_code == 1);
      CHECK(Has(VerifyLine(r), "not repairable, nothing changed"));
      CHECK(k.Listing() == before);
    }
  }
}

TEST_CASE("verify --repair cuts a torn tail and keeps every whole batch; producing works again") {
  Maint k;
  k.Ok({"topic", "create", "t"});
  for (int i = 0; i < 5; ++i) k.Ok({"produce", "t"}, Records(i * 10, 10));  // five batches of ten
  auto pos = BatchPositions(k.Part("t", 0), 0);
  REQUIRE(pos.size() == 5);
  TruncateAt(k.Seg("t", 0, 0), pos[4] + 77);  // a writer killed inside the fifth batch

  RunResult r = k.Run({"verify"});
  CHECK(r.exit_code == 1);
  CHECK(VerifyLine(r).rfind("t/0: DAMAGED: 00000000000000000000.log byte " + std::to_string(pos[4]) + " (offset 40)",
                            0) == 0);
  CHECK(Has(VerifyLine(r), "'klog verify --repair' can mend it"));

  r = k.Run({"verify", "--repair"});
  CHECK(r.exit_code == 0);
  auto lines = Lines(r.out);
  REQUIRE(lines.size() >= 3);  // the indexes may need mending too: said on a line of its own
  CHECK(lines[0].rfind("t/0: DAMAGED: ", 0) == 0);
  CHECK(lines[1] ==
        "t/0: repaired: cut the torn tail of 00000000000000000000.log: 77 bytes of an incomplete batch "
        "from byte " +
            std::to_string(pos[4]) + " (offsets from 40 on were never completely written)");
  for (size_t i = 2; i + 1 < lines.size(); ++i) CHECK(lines[i].rfind("t/0: repaired: ", 0) == 0);
  CHECK(lines.back() == "t/0: OK: 1 segment, 4 batches, 40 records (offsets 0 to 39)");
  CHECK(FileSize(k.Seg("t", 0, 0)) == pos[4]);
  CHECK(k.Ok({"consume", "t"}) == Records(0, 40));

  r = k.Run({"verify", "--repair"});  // nothing more to do
  CHECK(r.exit_code == 0);
  CHECK(r.out == "t/0: OK: 1 segment, 4 batches, 40 records (offsets 0 to 39)\n");
  k.Ok({"produce", "t"}, "after\n");
  CHECK(k.Ok({"consume", "t", "-o", "40"}) == "after\n");
}

TEST_CASE("verify --repair --json lists the damage before, the actions and the state after") {
  Maint k;
  MakeBigTopic(k);
  auto segs = k.Segments("t", 0);
  REQUIRE(os::RemoveFile(k.Seg("t", 0, segs[0], log::kOffsetIndexSuffix)).ok());
  RunResult r = k.Run({"verify", "--repair", "--json"});
  CHECK(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["ok"] == true);
  auto p = doc["partitions"][0];
  CHECK(p["damage"].empty());
  REQUIRE(p["damage_before_repair"].size() == 1);
  CHECK(p["damage_before_repair"][0]["kind"] == "missing-index");
  REQUIRE(p["actions"].size() == 1);
  CHECK(Has(p["actions"][0].get<std::string>(), "rebuilt " + log::SegmentFileName(segs[0], log::kOffsetIndexSuffix)));
}

// ---- dump -------------------------------------------------------------------

TEST_CASE("dump: one line per batch with offsets, count, bytes, codec, timestamps and CRC") {
  Maint k;
  k.Ok({"topic", "create", "t", "--compression", "zstd", "--retention", "-1"});  // old timestamps: keep them
  k.Ok({"produce", "t", "--format", "json"},
       "{\"value\":\"a\",\"timestamp\":1764000000000}\n{\"value\":\"b\",\"timestamp\":1764000000005}\n");
  k.Ok({"produce", "t", "--format", "json"}, "{\"value\":\"c\",\"timestamp\":1764000001000}\n");
  std::string out = k.Ok({"dump", "t"});
  auto lines = Lines(out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("base=0 last=1 count=2 bytes=", 0) == 0);
  CHECK(Has(lines[0],
            " codec=zstd first_ts=2025-11-24T16:00:00.000Z max_ts=2025-11-24T16:00:00.005Z crc=ok "
            "segment=00000000000000000000.log position=0"));
  CHECK(lines[1].rfind("base=2 last=2 count=1 ", 0) == 0);
  CHECK(k.Ok({"dump", "t", "-p", "0", "-o", "2"}) == lines[1] + "\n");
  CHECK(k.Ok({"dump", "t", "-n", "1"}) == lines[0] + "\n");
  CHECK(k.Ok({"dump", "t", "-o", "99"}) == "");
}

TEST_CASE("dump --records escapes what is not printable; --json is one object per batch per line") {
  Maint k;
  k.Ok({"topic", "create", "t", "--retention", "-1"});
  // value "a\0b\n" + invalid UTF-8 byte 0xff, key "k\"", a header, and a plain UTF-8 value.
  k.Ok({"produce", "t", "--format", "json"},
       "{\"key\":\"k\\\"\",\"value\":{\"base64\":\"YQBiCv8=\"},\"headers\":[{\"key\":\"h\",\"value\":\"x\"},"
       "{\"key\":\"n\",\"value\":null}],\"timestamp\":1764000000000}\n"
       "{\"value\":\"caf\xc3\xa9\",\"timestamp\":1764000000001}\n");
  auto lines = Lines(k.Ok({"dump", "t", "--records"}));
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] ==
        "  offset=0 timestamp=2025-11-24T16:00:00.000Z key=\"k\\\"\" value=\"a\\x00b\\n\\xff\" "
        "headers=[\"h\"=\"x\",\"n\"=null]");
  CHECK(lines[2] == "  offset=1 timestamp=2025-11-24T16:00:00.001Z key=- value=\"caf\xc3\xa9\" headers=[]");

  auto json_lines = Lines(k.Ok({"dump", "t", "--records", "--json"}));
  REQUIRE(json_lines.size() == 1);
  auto b = nlohmann::json::parse(json_lines[0]);
  CHECK(b["base_offset"] == 0);
  CHECK(b["last_offset"] == 1);
  CHECK(b["count"] == 2);
  CHECK(b["codec"] == "none");
  CHECK(b["crc_ok"] == true);
  CHECK(b["problem"].is_null());
  CHECK(b["first_timestamp"] == 1764000000000);
  CHECK(b["max_timestamp"] == 1764000000001);
  REQUIRE(b["records"].size() == 2);
  CHECK(b["records"][0]["value"]["base64"] == "YQBiCv8=");
  CHECK(b["records"][0]["key"] == "k\"");
  CHECK(b["records"][1]["key"].is_null());
  // The records are what consume --format json prints, so they can be produced again.
  auto consumed = Lines(k.Ok({"consume", "t", "--format", "json"}));
  REQUIRE(consumed.size() == 2);
  CHECK(nlohmann::json::parse(consumed[0]) == b["records"][0]);
  CHECK(nlohmann::json::parse(consumed[1]) == b["records"][1]);
  CHECK_FALSE(nlohmann::json::parse(Lines(k.Ok({"dump", "t", "--json"}))[0]).contains("records"));
}

TEST_CASE("dump shows a batch that fails its checksum and goes on") {
  Maint k;
  k.Ok({"topic", "create", "t"});
  for (int i = 0; i < 3; ++i) k.Ok({"produce", "t"}, Records(i * 2, 2));
  auto pos = BatchPositions(k.Part("t", 0), 0);
  FlipBit(k.Seg("t", 0, 0), pos[1] + 60, 0);
  RunResult r = k.Run({"dump", "t", "--records"});
  CHECK(r.exit_code == 0);
  auto lines = Lines(r.out);
  REQUIRE(lines.size() == 8);
  CHECK(Has(lines[3], " crc=BAD "));
  CHECK(Has(lines[3], "problem=\"checksum mismatch\""));
  CHECK(lines[4] == "  (records not shown: checksum mismatch)");
  CHECK(Has(lines[5], " crc=ok "));
  CHECK(lines[6].rfind("  offset=4 ", 0) == 0);
  auto j = nlohmann::json::parse(Lines(k.Ok({"dump", "t", "--json", "--records"}))[1]);
  CHECK(j["crc_ok"] == false);
  CHECK(j["records"].is_null());
}

TEST_CASE("dump: usage and runtime errors") {
  Maint k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  RunResult r = k.Run({"dump", "t"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "klog: error: topic 't' has 2 partitions: say which with -p N\n");
  r = k.Run({"dump", "t", "-p", "2"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "klog: error: topic 't' has no partition 2 (it has 2)\n");
  r = k.Run({"dump", "nope", "-p", "0"});
  CHECK(r.exit_code == 1);
  CHECK(Has(r.err, "unknown topic 'nope'"));
  r = k.Run({"dump", "t", "-p", "0", "-o", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.out == "");
  CHECK(k.Run({"dump", "t", "-p", "1"}).exit_code == 0);  // empty partition: nothing, exit 0
}

// ---- retention --------------------------------------------------------------

TEST_CASE("retention by age: --dry-run shows, retention deletes whole old segments only") {
  Maint k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "4096", "--retention", "-1"});
  const int64_t now = NowMs();
  const int64_t old = now - 10ll * 24 * 3600 * 1000;
  std::string in;
  for (int i = 0; i < 300; ++i)
    in += "{\"value\":\"old-" + std::to_string(i) + std::string(60, 'o') +
          "\",\"timestamp\":" + std::to_string(old + i) + "}\n";
  for (int i = 0; i < 300; ++i)
    in += "{\"value\":\"new-" + std::to_string(i) + std::string(60, 'n') +
          "\",\"timestamp\":" + std::to_string(now + i) + "}\n";
  k.Ok({"produce", "t", "--format", "json", "--batch-size", "1KiB"}, in);
  auto segs = k.Segments("t", 0);
  REQUIRE(segs.size() > 5);
  RunResult r = k.Run({"retention"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");  // kept forever: nothing to do, nothing printed
  k.Ok({"topic", "alter", "t", "--retention", "1d"});

  r = k.Run({"retention", "--dry-run"});
  CHECK(r.exit_code == 0);
  auto lines = Lines(r.out);
  REQUIRE(lines.size() >= 2);
  CHECK(lines[0].rfind("TOPIC", 0) == 0);
  CHECK(Has(r.err, "dry run: would delete "));
  CHECK(k.Segments("t", 0) == segs);
  std::string dry = r.out;

  r = k.Run({"retention", "t", "--json"});
  CHECK(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["dry_run"] == false);
  auto deleted = doc["deleted"];
  REQUIRE(deleted.size() == lines.size() - 1);  // what the dry run promised
  int64_t end = 0;
  for (size_t i = 0; i < deleted.size(); ++i) {
    CHECK(deleted[i]["reason"] == "time");
    CHECK(deleted[i]["base_offset"] == segs[i]);
    CHECK(deleted[i]["max_timestamp"].get<int64_t>() < now - 24 * 3600 * 1000);
    CHECK(Has(dry, deleted[i]["segment"].get<std::string>()));
    end = deleted[i]["end_offset"];
  }
  auto left = k.Segments("t", 0);
  REQUIRE_FALSE(left.empty());
  CHECK(left.front() == end);
  CHECK(end <= 300);  // no new record went
  // The segment holding the last old records and the first new ones stays.
  std::string consumed = k.Ok({"consume", "t", "-n", "1", "--format", "%o %v\\n"});
  CHECK(consumed.rfind(std::to_string(end) + " ", 0) == 0);
  auto described = nlohmann::json::parse(k.Ok({"topic", "describe", "t", "--json"}));
  CHECK(described["partitions"][0]["start_offset"] == end);
  CHECK(described["partitions"][0]["end_offset"] == 600);
  CHECK(k.Run({"verify"}).exit_code == 0);
  CHECK(k.Ok({"retention"}) == "");  // idempotent
}

TEST_CASE("retention by size across many segments, never the active one; a reader in a deleted segment is told") {
  Maint k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "16KiB", "--retention", "-1"});
  // ~1.5 MiB in ~95 segments, so a reader is far behind when retention runs.
  k.Ok({"produce", "t", "--batch-size", "2KiB"}, Records(0, 15000));
  auto segs = k.Segments("t", 0);
  REQUIRE(segs.size() > 80);
  k.Ok({"topic", "alter", "t", "--retention-bytes", "64KiB"});

  // A reader blocked on a full pipe around offset ~3000 while retention
  // deletes everything but the last few segments, its own included.
  RunResult r = k.Shell(
      "mkfifo \"$T/fifo\"\n"
      "klog consume t > \"$T/fifo\" 2> \"$T/err\" &\n"
      "pid=$!\n"
      "exec 3< \"$T/fifo\"\n"
      "sleep 1\n"
      "klog retention > \"$T/ret\" || exit 9\n"
      "cat <&3 > \"$T/out\"\n"
      "if wait $pid; then echo 0 > \"$T/rc\"; else echo $? > \"$T/rc\"; fi\n");
  REQUIRE(r.exit_code == 0);
  auto left = k.Segments("t", 0);
  REQUIRE(left.size() >= 2);
  CHECK(left.size() <= 6);
  CHECK(left.back() == segs.back());  // the active segment stays
  const int64_t start = left.front();
  std::string ret = ReadAll(k.tmp().Join("ret"));
  CHECK(Lines(ret).size() == segs.size() - left.size() + 1);  // header + one line per deleted segment
  CHECK(Has(ret, log::SegmentFileName(segs[0], log::kLogSuffix)));

  std::string out = ReadAll(k.tmp().Join("out"));
  std::string err = ReadAll(k.tmp().Join("err"));
  int rc = std::stoi(ReadAll(k.tmp().Join("rc")));
  INFO("consume stderr: " << err);
  auto got = Lines(out);
  REQUIRE(got.size() >= 2000);  // it read a good deal before retention ran
  REQUIRE(got.size() < 15000);
  // A clean prefix: nothing skipped, nothing twice, nothing torn.
  CHECK(out == Records(0, static_cast<int>(got.size())));
  CHECK(rc == 1);
  static const std::regex kGone(
      "klog: error: topic 't' partition 0: offset ([0-9]+) is no longer available, earliest is ([0-9]+)\n");
  std::smatch m;
  REQUIRE(std::regex_match(err, m, kGone));
  CHECK(std::stoll(m[2]) == start);
  CHECK(std::stoull(m[1]) >= got.size());
  // Regression: records already formatted reach stdout before the error.
  CHECK_MESSAGE(std::stoull(m[1]) == got.size(),
                "consume lost " << std::stoull(m[1]) - got.size() << " buffered records on error");

  // What is left reads whole from the new start.
  CHECK(k.Ok({"consume", "t"}) == Records(static_cast<int>(start), 15000 - static_cast<int>(start)));
  CHECK(k.Run({"verify"}).exit_code == 0);
}

TEST_CASE("retention is also enforced when a producer rolls a segment") {
  Maint k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "4096", "--retention-bytes", "12KiB"});
  for (int i = 0; i < 10; ++i) k.Ok({"produce", "t", "--batch-size", "1KiB"}, Records(i * 100, 100));
  // A roll deletes before the new segment fills, so up to a segment more
  // than the limit may stay until the next roll or `klog retention`.
  auto segs = k.Segments("t", 0);
  CHECK(segs.size() <= 5);
  CHECK(segs.front() > 0);
  CHECK(k.Ok({"consume", "t"}) == Records(static_cast<int>(segs.front()), 1000 - static_cast<int>(segs.front())));
  k.Ok({"retention"});
  auto after = k.Segments("t", 0);
  uint64_t closed = 0;
  for (size_t i = 0; i + 1 < after.size(); ++i) closed += FileSize(k.Seg("t", 0, after[i]));
  uint64_t total = closed + FileSize(k.Seg("t", 0, after.back()));
  CHECK(total >= 12 * 1024);                                     // at least the limit is kept
  CHECK(total - FileSize(k.Seg("t", 0, after[0])) < 12 * 1024);  // and not a whole segment more
}

// ---- prometheus -------------------------------------------------------------

TEST_CASE("topic describe --format prometheus is valid node-exporter text") {
  Maint k;
  k.Ok({"topic", "create", "t", "--partitions", "3", "--segment-bytes", "4096"});
  k.Ok({"produce", "t", "-p", "0", "--batch-size", "1KiB"}, Records(0, 100));
  k.Ok({"produce", "t", "-p", "1"}, Records(0, 7));
  std::string text = k.Ok({"topic", "describe", "t", "--format", "prometheus"});
  auto m = ParsePrometheus(text);
  CHECK(m["klog_partition_end_offset{topic=\"t\",partition=\"0\"}"] == 100);
  CHECK(m["klog_partition_end_offset{topic=\"t\",partition=\"1\"}"] == 7);
  CHECK(m["klog_partition_end_offset{topic=\"t\",partition=\"2\"}"] == 0);
  CHECK(m["klog_partition_start_offset{topic=\"t\",partition=\"0\"}"] == 0);
  CHECK(m["klog_partition_records{topic=\"t\",partition=\"1\"}"] == 7);
  CHECK(m["klog_partition_segments{topic=\"t\",partition=\"0\"}"] > 1);
  CHECK(m["klog_partition_bytes{topic=\"t\",partition=\"0\"}"] > 10000);
  CHECK(m["klog_topic_partitions{topic=\"t\"}"] == 3);
  double last = m["klog_partition_last_append_timestamp_seconds{topic=\"t\",partition=\"0\"}"];
  CHECK(last > static_cast<double>(NowMs()) / 1000 - 600);
  CHECK(last <= static_cast<double>(NowMs()) / 1000 + 1);
  CHECK(m.count("klog_partition_last_append_timestamp_seconds{topic=\"t\",partition=\"2\"}") == 0);
  CHECK(Has(text, "# HELP klog_partition_end_offset "));
  CHECK(Has(text, "# TYPE klog_partition_end_offset gauge\n"));

  // --json and --format json are the same; table is the default.
  CHECK(k.Ok({"topic", "describe", "t", "--json"}) == k.Ok({"topic", "describe", "t", "--format", "json"}));
  CHECK(k.Ok({"topic", "describe", "t"}) == k.Ok({"topic", "describe", "t", "--format", "table"}));
  RunResult r = k.Run({"topic", "describe", "t", "--json", "--format", "prometheus"});
  CHECK(r.exit_code == 2);
  CHECK(r.out == "");
  r = k.Run({"topic", "describe", "t", "--format", "xml"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("klog: error: ", 0) == 0);
}

// ---- read-only data ---------------------------------------------------------

TEST_CASE("verify, dump and topic describe work on a read-only copy and create nothing") {
  Maint k;
  MakeBigTopic(k);
  // A backup may lack writer.lock; the active segment ends in a torn tail,
  // so verify has to look at it twice.
  REQUIRE(os::RemoveFile(k.Part("t", 0) + "/writer.lock").ok());
  auto segs = k.Segments("t", 0);
  TruncateAt(k.Seg("t", 0, segs.back()), FileSize(k.Seg("t", 0, segs.back())) - 5);
  REQUIRE(k.Shell("chmod -R a-w \"$KLOG_DIR\"").exit_code == 0);
  std::string before = k.Listing();

  RunResult r = k.Run({"verify"});
  CHECK(r.exit_code == 1);
  CHECK(Has(VerifyLine(r), "torn tail"));
  CHECK(k.Run({"verify", "--json"}).exit_code == 1);
  CHECK(k.Run({"dump", "t", "--records"}).exit_code == 0);
  CHECK(k.Run({"dump", "t", "-o", "2000", "-n", "3", "--json"}).exit_code == 0);
  CHECK(k.Run({"topic", "describe", "t"}).exit_code == 0);
  CHECK(k.Run({"topic", "describe", "t", "--format", "prometheus"}).exit_code == 0);
  CHECK(k.Run({"retention", "--dry-run"}).exit_code == 0);
  CHECK(k.Listing() == before);
  REQUIRE(k.Shell("chmod -R u+w \"$KLOG_DIR\"").exit_code == 0);
}

}  // namespace klog::testing
