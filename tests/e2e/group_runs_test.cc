// Group runs that end (cron-style, contract sections 4 and 7): each run
// picks up exactly what is new, overlapping runs read everything once, -n N
// commits exactly N, and `| head` ends a run quietly.
#include <doctest/doctest.h>

#include "e2e/group_util.h"

namespace klog::testing {

using nlohmann::json;

TEST_CASE("group: cron-style runs pick up exactly what is new; overlapping runs read everything once") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(0, 30));
  const std::vector<std::string> run = {"consume", "t", "-g", "cron", "--format", "%p %o %v\\n"};
  std::string first = k.Ok(run);
  CHECK(Lines(first).size() == 30);
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(30, 20));
  std::string second = k.Ok(run);
  auto l2 = Lines(second);
  CHECK(l2.size() == 20);
  for (const auto& line : l2) {
    int v = std::stoi(line.substr(line.rfind(' ') + 2));
    CHECK(v >= 30);
  }
  CHECK(k.Ok(run) == "");  // nothing new: exits at once with nothing

  // Two runs started together on a big topic split it and read it once.
  // Their stdout is a pipe read slowly (as by a slow consumer downstream),
  // so each run takes long enough for the other to join meanwhile: ~2 MB
  // of output, twice what klog's enlarged (1 MiB) pipe buffer can absorb,
  // or the first run to join could write it all at once and be gone
  // before the other joins.
  k.Ok({"topic", "create", "big", "--partitions", "4"});
  k.Ok({"produce", "big", "-K", ":", "--batch-size", "8KiB"}, KeyedLines(0, 60000));
  std::set<PartOff> truth = LogContents(k, "big");
  REQUIRE(truth.size() == 60000);
  const std::vector<std::string> args = {"consume", "big", "-g", "cron2", "--format", "%p %o %k %v %T\\n"};
  SlowPipe out1(k.tmp().Join("r1.fifo")), out2(k.tmp().Join("r2.fifo"));
  KlogProcess r1(args, k.Env(), out1.path(), k.tmp().Join("r1.err"));
  KlogProcess r2(args, k.Env(), out2.path(), k.tmp().Join("r2.err"));
  CHECK(r1.Wait(60000) == 0);
  CHECK(r2.Wait(60000) == 0);
  CHECK(ReadOrEmpty(k.tmp().Join("r1.err")) == "");
  CHECK(ReadOrEmpty(k.tmp().Join("r2.err")) == "");
  auto v1 = ParsePartOffs(out1.Finish()), v2 = ParsePartOffs(out2.Finish());
  std::map<PartOff, int> count;
  for (const auto& po : v1) ++count[po];
  for (const auto& po : v2) ++count[po];
  int dups = 0;
  for (const auto& [po, n] : count) dups += n > 1;
  CHECK(dups == 0);
  CHECK(count.size() == truth.size());
  MESSAGE("overlapping runs read " << v1.size() << " and " << v2.size() << " records");
  CHECK(v1.size() > 0);  // they split the work
  CHECK(v2.size() > 0);
  json d = Describe(k, "cron2");
  CHECK(TotalLag(d) == 0);
  CHECK(d["state"] == "Empty");
}

TEST_CASE("group: -n N commits exactly N; the next run goes on from there") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(0, 30));
  std::string part = k.Ok({"consume", "t", "-g", "G", "-n", "7", "--format", "%p %o\\n"});
  auto got = ParsePartOffs(part);
  CHECK(got.size() == 7);
  json show = json::parse(k.Ok({"offset", "show", "-g", "G", "--json"}));
  int64_t committed = 0;
  std::map<int, int64_t> per;
  for (const auto& row : show)
    if (!row["current_offset"].is_null()) {
      per[row["partition"].get<int>()] = row["current_offset"].get<int64_t>();
      committed += row["current_offset"].get<int64_t>();
    }
  CHECK(committed == 7);
  // The committed offsets are exactly one past what was printed, per partition.
  std::map<int, int64_t> next;
  for (const auto& [p, o] : got) next[p] = std::max(next[p], o + 1);
  for (const auto& [p, o] : per)
    if (o > 0) CHECK(next[p] == o);

  auto rest = ParsePartOffs(k.Ok({"consume", "t", "-g", "G", "--format", "%p %o\\n"}));
  CHECK(rest.size() == 23);
  std::set<PartOff> all(got.begin(), got.end());
  all.insert(rest.begin(), rest.end());
  CHECK(all == LogContents(k, "t"));

  // -n with --exec commits exactly N too.
  std::string processed = k.tmp().Join("processed");
  k.Ok({"consume", "t", "-g", "H", "-n", "5", "--format", "%p %o\\n", "--exec", "cat >> '" + processed + "'"});
  CHECK(ParsePartOffs(ReadOrEmpty(processed)).size() == 5);
  json show_h = json::parse(k.Ok({"offset", "show", "-g", "H", "--json"}));
  int64_t committed_h = 0;
  for (const auto& row : show_h)
    if (!row["current_offset"].is_null()) committed_h += row["current_offset"].get<int64_t>();
  CHECK(committed_h == 5);
}

TEST_CASE("group: consume -g | head -3 exits 0 quietly") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  // Far more than a pipe holds (1 MiB), so that klog is still writing when
  // head goes: else it may rightly deliver and commit everything first.
  std::string input;
  for (int i = 0; i < 400000; ++i) input += "record-" + std::to_string(i) + "\n";
  k.Ok({"produce", "t"}, input);
  RunResult r = k.Shell("exec bash -c 'timeout 20 klog consume t -g G | head -3; echo \"status=${PIPESTATUS[0]}\"'");
  CHECK(r.out == "record-0\nrecord-1\nrecord-2\nstatus=0\n");
  CHECK(r.err == "");
  // It left the group cleanly, and committed no more than it wrote.
  json d = Describe(k, "G");
  REQUIRE_FALSE(d.is_null());
  CHECK(d["state"] == "Empty");
  CHECK(d["members"].empty());
  // Not past the end, and the records it never wrote are still there to read.
  CHECK(TotalLag(d) > 0);
}

}  // namespace klog::testing
