// klog produce (contract section 3, "produce"): input formats, keys,
// headers, partitioning, batching, fsync and --print-offsets.
#include <doctest/doctest.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "e2e/cli_fixture.h"

namespace klog::testing {

TEST_CASE("produce reads one record per line from stdin, trailing newline stripped") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  CHECK(k.Ok({"produce", "t"}, "one\ntwo\nthree\n") == "");  // prints nothing on success
  k.Ok({"produce", "t"}, "no newline at the end");
  CHECK(k.Ok({"consume", "t", "--format", "%o [%v]\\n"}) == "0 [one]\n1 [two]\n2 [three]\n3 [no newline at the end]\n");
}

TEST_CASE("produce takes VALUE arguments instead of stdin") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "first value", "second\twith tab", ""}, "stdin is ignored\n");
  CHECK(k.Ok({"consume", "t", "--format", "[%v]\\n"}) == "[first value]\n[second\twith tab]\n[]\n");
}

TEST_CASE("--format null: NUL-delimited records may hold newlines") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "--format", "null"}, std::string("line 1\nline 2\0second\0", 21));
  CHECK(k.Ok({"consume", "t", "--format", "<%v>\\n"}) == "<line 1\nline 2>\n<second>\n");
}

TEST_CASE("--format json: value, key, headers (array or object), partition, timestamp") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "--format", "json"},
       "{\"value\":\"v1\",\"key\":\"k1\",\"partition\":2,\"timestamp\":1234,"
       "\"headers\":[{\"key\":\"h\",\"value\":\"1\"},{\"key\":\"h\",\"value\":\"2\"}]}\n"
       "{\"value\":\"v2\",\"partition\":1,\"headers\":{\"z\":\"x\",\"a\":\"y\"}}\n");
  CHECK(k.Ok({"consume", "t", "-p", "2", "--format", "%k %v %T %h\\n"}) == "k1 v1 1234 h=1,h=2\n");
  nlohmann::json j = nlohmann::json::parse(k.Ok({"consume", "t", "-p", "1", "--format", "json"}));
  CHECK(j["value"] == "v2");
  CHECK(j["key"].is_null());
  // A plain object's headers keep the order they were written in.
  CHECK(j["headers"] == nlohmann::json::parse(R"([{"key":"z","value":"x"},{"key":"a","value":"y"}])"));
  // Produced "now" when no timestamp is given.
  CHECK(j["timestamp"].get<int64_t>() > 1700000000000);
}

TEST_CASE("-k gives every record the same key") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "-k", "user-7"}, "a\nb\n");
  k.Ok({"produce", "t", "--key", ""}, "empty key\n");
  k.Ok({"produce", "t"}, "no key\n");
  // %K is the key's length, -1 for none: an empty key is not an absent one.
  CHECK(k.Ok({"consume", "t", "--format", "%K [%k] %v\\n"}) ==
        "6 [user-7] a\n6 [user-7] b\n0 [] empty key\n-1 [] no key\n");
}

TEST_CASE("-K splits each line at the first separator into key and value, as kcat -K") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "-K", ":"}, "k1:v1\nk2:a:b\n:empty key\nno separator\n");
  CHECK(k.Ok({"consume", "t", "--format", "%K [%k] [%v]\\n"}) ==
        "2 [k1] [v1]\n2 [k2] [a:b]\n0 [] [empty key]\n-1 [] [no separator]\n");
  // A separator longer than one character.
  k.Ok({"produce", "t", "-K", "=>"}, "key=>value\n");
  CHECK(k.Ok({"consume", "t", "-o", "-1", "--format", "[%k] [%v]\\n"}) == "[key] [value]\n");
}

TEST_CASE("-H adds headers to every record, in order, duplicates kept") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "-H", "trace=abc", "-H", "n=1", "-H", "n=2", "-H", "eq=x=y", "-H", "empty="}, "v\n");
  CHECK(k.Ok({"consume", "t", "--format", "%h\\n"}) == "trace=abc,n=1,n=2,eq=x=y,empty=\n");
  nlohmann::json j = nlohmann::json::parse(k.Ok({"consume", "t", "--format", "json"}));
  REQUIRE(j["headers"].size() == 5);
  CHECK(j["headers"][2] == nlohmann::json({{"key", "n"}, {"value", "2"}}));
}

TEST_CASE("-p writes every record to one partition") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "-p", "2", "-k", "any"}, "a\nb\nc\n");
  CHECK(k.Ok({"consume", "t", "--format", "%p:%v\\n"}) == "2:a\n2:b\n2:c\n");
}

// Kafka's own murmur2 vectors: apache/kafka
// clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
// testMurmur2. Kafka's default partitioner puts a keyed record in
// Utils.toPositive(murmur2(key)) % numPartitions, toPositive being h & 0x7fffffff
// (clients/.../producer/internals/BuiltInPartitioner.partitionForKey); the
// expected partitions below are that formula applied to the published hashes.
TEST_CASE("a keyed record lands in the partition Kafka's default partitioner picks") {
  struct Case {
    const char* key;
    int32_t kafka_hash;  // UtilsTest.testMurmur2
    int p7, p12;         // (hash & 0x7fffffff) % 7, % 12
  };
  const Case cases[] = {
      {"21", -973932308, 3, 0},
      {"foobar", -790332482, 0, 6},
      {"a-little-bit-long-string", -985981536, 1, 8},
      {"a-little-bit-longer-string", -1486304829, 0, 11},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, 3, 5},
      {"abc", 479470107, 4, 3},
  };
  CliFixture k;
  k.Ok({"topic", "create", "p7", "--partitions", "7"});
  k.Ok({"topic", "create", "p12", "--partitions", "12"});
  std::string input;
  for (const Case& c : cases) {
    // The table is the formula, not a guess (and not abs(hash) % n).
    REQUIRE((static_cast<uint32_t>(c.kafka_hash) & 0x7fffffffu) % 7 == static_cast<uint32_t>(c.p7));
    REQUIRE((static_cast<uint32_t>(c.kafka_hash) & 0x7fffffffu) % 12 == static_cast<uint32_t>(c.p12));
    input += std::string(c.key) + "\tvalue\n";
  }
  for (const char* topic : {"p7", "p12"}) {
    // Both -K (key per line) and --print-offsets must agree with Kafka.
    std::vector<std::string> printed = Lines(k.Ok({"produce", topic, "-K", "\t", "--print-offsets"}, input));
    REQUIRE(printed.size() == std::size(cases));
    for (size_t i = 0; i < std::size(cases); ++i) {
      int want = std::string(topic) == "p7" ? cases[i].p7 : cases[i].p12;
      INFO(topic << " key " << cases[i].key);
      CHECK(printed[i].substr(0, printed[i].find(' ')) == std::to_string(want));
      // -k with the same key goes to the same place.
      CHECK(Lines(k.Ok({"produce", topic, "-k", cases[i].key, "--print-offsets", "x"}))[0].rfind(
                std::to_string(want) + " ", 0) == 0);
    }
  }
  // And the records are really there, with their keys.
  std::string p7 = k.Ok({"consume", "p7", "-p", "3", "--format", "%k\\n"});
  CHECK(p7.find("21\n") != std::string::npos);
  CHECK(p7.find("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8\n") != std::string::npos);
  CHECK(p7.find("foobar") == std::string::npos);
}

TEST_CASE("keyless records are spread evenly over the partitions, one batch at a time") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "4"});
  std::string input;
  for (int i = 0; i < 40; ++i) input += "r" + std::to_string(i) + "\n";
  // --batch-size 1: every record is its own batch, so the partitions take turns.
  std::vector<std::string> printed = Lines(k.Ok({"produce", "t", "--batch-size", "1", "--print-offsets"}, input));
  REQUIRE(printed.size() == 40);
  int first = std::stoi(printed[0]);
  for (int i = 0; i < 40; ++i) CHECK(printed[i] == std::to_string((first + i) % 4) + " " + std::to_string(i / 4));
  nlohmann::json d = nlohmann::json::parse(k.Ok({"topic", "describe", "t", "--json"}));
  for (int p = 0; p < 4; ++p) CHECK(d["partitions"][p]["records"] == 10);
}

// Issue 20 item 13: 40,000 short keyless records all went to one partition
// (the whole input was less than a 1 MiB batch), so a group of 4 had one busy
// member. They move on every 16 KiB, as Kafka's sticky partitioner does, and
// still go to disk in large writes: one batch per partition here.
TEST_CASE("keyless records of one produce spread over the partitions every 16 KiB, in large batches") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "4"});
  std::string input;
  for (int i = 0; i < 40000; ++i) input += "event " + std::to_string(i) + "\n";
  // From a file: a pipe that runs dry makes klog write what it has (linger 0).
  WriteAll(k.tmp().Join("in"), input);
  REQUIRE(k.Shell("klog produce t < '" + k.tmp().Join("in") + "'").exit_code == 0);
  nlohmann::json d = nlohmann::json::parse(k.Ok({"topic", "describe", "t", "--json"}));
  for (int p = 0; p < 4; ++p) {
    CAPTURE(p);
    int64_t records = d["partitions"][p]["records"].get<int64_t>();
    CHECK(records >= 8000);   // 10,000 each, give or take a 16 KiB turn
    CHECK(records <= 12000);
    CHECK(Lines(k.Ok({"dump", "t", "-p", std::to_string(p)})).size() == 1);
  }
}

// Issue 20 item 15: --batch-size was one total over all partitions, so keyed
// records over many partitions made batches of batch-size / partitions.
TEST_CASE("--batch-size is per partition: keyed records over many partitions still make full batches") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "100"});
  std::string input;
  for (int i = 0; i < 20000; ++i) input += "key" + std::to_string(i) + ":value " + std::to_string(i) + "\n";
  // About 400 KB in all, 4 KB per partition: one batch each, where a total
  // of 64 KiB made six or seven small ones.
  WriteAll(k.tmp().Join("in"), input);
  REQUIRE(k.Shell("klog produce t -K : --batch-size 64KiB < '" + k.tmp().Join("in") + "'").exit_code == 0);
  int64_t records = 0;
  for (int p = 0; p < 100; ++p) {
    CAPTURE(p);
    std::vector<std::string> batches = Lines(k.Ok({"dump", "t", "-p", std::to_string(p), "--json"}));
    CHECK(batches.size() == 1);
    for (const auto& b : batches) records += nlohmann::json::parse(b)["count"].get<int64_t>();
  }
  CHECK(records == 20000);
}

TEST_CASE("without --batch-size limits, a small input is one batch in one partition") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "4"});
  std::string offsets = k.Ok({"produce", "t", "--print-offsets"}, "a\nb\nc\n");
  std::vector<std::string> lines = Lines(offsets);
  REQUIRE(lines.size() == 3);
  std::string p = lines[0].substr(0, lines[0].find(' '));
  CHECK(lines[0] == p + " 0");
  CHECK(lines[1] == p + " 1");
  CHECK(lines[2] == p + " 2");
}

TEST_CASE("--batch-size bounds the batch: a batch is written once that many bytes of records are pending") {
  CliFixture k;
  k.Ok({"topic", "create", "one"});
  k.Ok({"topic", "create", "many"});
  std::string input;
  for (int i = 0; i < 100; ++i) input += "value " + std::to_string(i) + "\n";
  k.Ok({"produce", "one"}, input);
  k.Ok({"produce", "many", "--batch-size", "64B"}, input);
  CHECK(k.Ok({"consume", "many"}) == input);
  auto batches = [&](const std::string& t) {
    std::vector<nlohmann::json> out;
    for (const auto& line : Lines(k.Ok({"dump", t, "-p", "0", "--json"}))) out.push_back(nlohmann::json::parse(line));
    return out;
  };
  CHECK(batches("one").size() == 1);
  auto many = batches("many");
  REQUIRE(many.size() >= 10);
  int64_t records = 0;
  for (size_t i = 0; i < many.size(); ++i) {
    int64_t count = many[i]["count"].get<int64_t>();
    int64_t record_bytes = many[i]["bytes"].get<int64_t>() - 40;  // less the batch header
    records += count;
    if (i + 1 == many.size()) continue;  // the rest, at the end of input
    CAPTURE(i);
    CHECK(record_bytes >= 64);                         // not written before 64 bytes were pending
    CHECK(record_bytes - record_bytes / count < 64);  // but as soon as they were (records are near one size)
  }
  CHECK(records == 100);
}

// zstd batches are compressed on worker threads while input is read, and
// appended behind them; with --fsync batch a worker appends and syncs:
// every record lands once, each partition in input order, at the offset
// --print-offsets gave it.
TEST_CASE("zstd or --fsync batch: batches written in the background land whole, in order, where reported") {
  struct Case {
    const char* batch_size;
    const char* compression;
    const char* fsync;
  };
  for (Case c : {Case{"1MiB", "zstd", "never"}, Case{"4KiB", "zstd", "never"}, Case{"4KiB", "none", "batch"},
                 Case{"4KiB", "zstd", "batch"}}) {
    CAPTURE(c.batch_size);
    CAPTURE(c.compression);
    CAPTURE(c.fsync);
    CliFixture k;
    k.Ok({"topic", "create", "z", "--partitions", "3", "--compression", c.compression});
    std::string input;
    const int n = 30000;
    for (int i = 0; i < n; ++i)
      input += "k" + std::to_string(i % 7) + "\t" + std::to_string(i) + std::string(60 + i % 50, 'a' + i % 26) + "\n";
    std::vector<std::string> printed =
        Lines(k.Ok({"produce", "z", "-K", "\t", "--batch-size", c.batch_size, "--fsync", c.fsync, "--print-offsets"}, input));
    REQUIRE(printed.size() == n);
    std::vector<std::string> lines = Lines(input);
    std::map<std::string, std::string> by_position;  // "P O" -> line
    for (int p = 0; p < 3; ++p) {
      std::vector<std::string> got = Lines(k.Ok({"consume", "z", "-p", std::to_string(p), "--format", "%p %o %k\t%v\n"}));
      for (const auto& g : got) {
        size_t sp = g.find(' ', g.find(' ') + 1);
        by_position[g.substr(0, sp)] = g.substr(sp + 1);
      }
    }
    REQUIRE(by_position.size() == static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      INFO("line " << i);
      REQUIRE(by_position.count(printed[i]) == 1);
      CHECK(by_position[printed[i]] == lines[i]);
    }
    std::string dump = k.Ok({"dump", "z", "-p", "0"});
    CHECK(dump.find(std::string("codec=") + c.compression) != std::string::npos);
    CHECK(dump.find("crc=ok") != std::string::npos);
    CHECK(dump.find("crc=BAD") == std::string::npos);
  }
}

TEST_CASE("--print-offsets prints PARTITION OFFSET per record, in input order; --json too") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  CHECK(k.Ok({"produce", "t", "-p", "1", "--print-offsets"}, "a\nb\n") == "1 0\n1 1\n");
  CHECK(k.Ok({"produce", "t", "-p", "1", "--print-offsets"}, "c\n") == "1 2\n");
  std::vector<std::string> js = Lines(k.Ok({"produce", "t", "-p", "0", "--print-offsets", "--json", "x", "y"}));
  REQUIRE(js.size() == 2);
  for (int i = 0; i < 2; ++i) {
    nlohmann::json j = nlohmann::json::parse(js[i]);
    CHECK(j["topic"] == "t");
    CHECK(j["partition"] == 0);
    CHECK(j["offset"] == i);
  }
}

TEST_CASE("--print-offsets whose reader goes away (| head -1) still writes all of the input") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string input;
  for (int i = 0; i < 200000; ++i) input += std::to_string(i) + "\n";
  WriteAll(k.tmp().Join("in.txt"), input);
  RunResult r = k.Shell("exec bash -c 'klog produce t --print-offsets --batch-size 1KiB < " + k.tmp().Join("in.txt") +
                        " | head -1; echo status=${PIPESTATUS[0]}'");
  CHECK(r.out == "0 0\nstatus=0\n");
  CHECK(r.err == "");
  CHECK(k.Ok({"consume", "t"}) == input);
}

TEST_CASE("producers running at once share a partition: dense offsets, each one's records in order") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  RunResult r =
      k.Shell("for i in 1 2 3 4; do (seq 1 2000 | sed \"s/^/$i-/\" | klog produce t --batch-size 512B) & done; wait");
  REQUIRE(r.exit_code == 0);
  CHECK(r.err == "");
  std::vector<std::string> lines = Lines(k.Ok({"consume", "t", "--format", "%o %v\\n"}));
  REQUIRE(lines.size() == 8000);
  int next[5] = {0, 1, 1, 1, 1};
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t sp = lines[i].find(' '), dash = lines[i].find('-');
    REQUIRE(sp != std::string::npos);
    REQUIRE(dash != std::string::npos);
    CHECK(lines[i].substr(0, sp) == std::to_string(i));
    int who = std::stoi(lines[i].substr(sp + 1, dash - sp - 1));
    REQUIRE((who >= 1 && who <= 4));
    CHECK(std::stoi(lines[i].substr(dash + 1)) == next[who]++);
  }
}

namespace {

// Number of fsync/fdatasync calls made by `klog produce ARGS` on `input`
// (or on the output of the shell command `feed`), counted with strace; -1
// when strace cannot trace here.
int CountSyncs(const CliFixture& k, const std::string& args, const std::string& input, std::string feed = "") {
  std::string trace = k.tmp().Join("strace.out");
  if (feed.empty()) feed = "printf '" + input + "'";
  // LeakSanitizer refuses to run under ptrace; leaks are checked elsewhere.
  std::string script = feed + " | ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 " +
                       "strace -f -qq -e trace=fsync,fdatasync -o " + trace + " klog produce " + args +
                       " && grep -c sync " + trace + " || true";
  RunResult r = k.Shell(script);
  if (r.exit_code != 0 || r.err.find("strace") != std::string::npos || r.out.empty()) return -1;
  return std::stoi(r.out);
}

}  // namespace

TEST_CASE("--fsync never|batch|always: how often the log is synced") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  if (access("/usr/bin/strace", X_OK) != 0 || CountSyncs(k, "t", "probe\\n") < 0) {
    MESSAGE("strace unavailable: checking only that every --fsync mode writes its records");
    size_t before = Lines(k.Ok({"consume", "t"})).size();  // the probe may have written one
    for (const char* mode : {"never", "batch", "always"}) k.Ok({"produce", "t", "--fsync", mode}, "r\n");
    CHECK(Lines(k.Ok({"consume", "t"})).size() == before + 3);
    return;
  }
  CHECK(CountSyncs(k, "t --fsync never", "a\\nb\\nc\\nd\\ne\\n") == 0);
  int batch = CountSyncs(k, "t --fsync batch", "a\\nb\\nc\\nd\\ne\\n");
  CHECK(batch >= 1);
  int always = CountSyncs(k, "t --fsync always", "a\\nb\\nc\\nd\\ne\\n");
  CHECK(always >= 5);  // every record is synced before the next one is read
  CHECK(always > batch);
  // With --fsync batch, every batch is synced: records that come one by one
  // are batches of their own, each synced before the next arrives. (Batches
  // that pile up while a sync runs share the next one.)
  CHECK(CountSyncs(k, "t --fsync batch --batch-size 1", "",
                   "(for r in a b c d e; do echo $r; sleep 0.1; done)") >= 5);
  CHECK(Lines(k.Ok({"consume", "t"})).size() == 1 + 20);
}

}  // namespace klog::testing
