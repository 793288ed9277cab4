// File-system hygiene of the data directory (issue 19, items 5-13 and 15):
// what klog creates, syncs, follows and trusts when the directory is shared,
// damaged or hostile. Each test runs the real klog binary.
//
// Asserted:
//  - every directory klog creates is fsynced with its parent; a topic or
//    group renamed in or out has its directory synced before success; a
//    retention unlink is followed by a sync of the partition directory; a
//    journal entry is synced before offsets.json replaces (strace);
//  - a torn or empty state.json: consume -g, group describe, group delete
//    and offset reset work, and a member writes it anew;
//  - a symlink planted at FILE.tmp.PID (the name an older klog used) is
//    neither followed nor reused by topic alter or consume -g;
//  - a dangling symlink in place of a first segment is refused by name and
//    its target is never created; a symlinked data directory works;
//  - a member id made of ../ steps in state.json is never used as a path;
//  - a 249-character topic and group work in every group command;
//  - two Unix users share one setgid directory under umask 002 (as root);
//  - with HOME unset and nothing else: exit 2 naming --dir, no ./.local;
//  - a damaged offsets.json: the fix the error names (offset reset
//    --execute) works; a non-numeric partition key is named;
//  - a 300 MB topic.json, state.json or offsets.json is not read whole.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

namespace fs = std::filesystem;

bool Exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

std::string GroupFile(const CliFixture& k, const std::string& group, const std::string& name) {
  return k.data() + "/groups/" + group + "/" + name;
}

// ---------------------------------------------------------------- 19.5 ---

// One system call of an strace -f -y log: its name, the paths it names
// (quoted arguments, or <path> of a descriptor), and whether it succeeded.
struct Call {
  std::string name;
  std::vector<std::string> paths;
  bool ok = false;
};

std::vector<Call> ParseTrace(const std::string& log) {
  std::vector<Call> calls;
  for (const auto& line : Lines(log)) {
    if (line.find("resumed>") != std::string::npos) continue;  // the start line has the arguments
    size_t sp = line.find(' ');
    size_t paren = line.find('(', sp == std::string::npos ? 0 : sp);
    if (sp == std::string::npos || paren == std::string::npos) continue;
    Call c;
    c.name = line.substr(sp + 1, paren - sp - 1);
    while (!c.name.empty() && c.name[0] == ' ') c.name.erase(0, 1);
    for (size_t i = paren; i < line.size(); ++i) {
      if (line[i] == '"') {
        size_t end = line.find('"', i + 1);
        if (end == std::string::npos) break;
        c.paths.push_back(line.substr(i + 1, end - i - 1));
        i = end;
      } else if (line[i] == '<' && (c.name == "fsync" || c.name == "fdatasync")) {
        size_t end = line.find(">)", i + 1);
        if (end == std::string::npos) break;
        c.paths.push_back(line.substr(i + 1, end - i - 1));
        break;
      }
    }
    c.ok = line.find("<unfinished") != std::string::npos || line.find(") = 0") != std::string::npos;
    calls.push_back(c);
  }
  return calls;
}

// Whether a sync of `path` begins after call `i`.
bool SyncedAfter(const std::vector<Call>& calls, size_t i, const std::string& path) {
  for (size_t j = i + 1; j < calls.size(); ++j)
    if ((calls[j].name == "fsync" || calls[j].name == "fdatasync") && !calls[j].paths.empty() &&
        calls[j].paths[0] == path)
      return true;
  return false;
}

std::string Parent(const std::string& p) { return fs::path(p).parent_path().string(); }

TEST_CASE("directory entries: created directories, renames, retention unlinks and journal appends are synced") {
  if (::access("/usr/bin/strace", X_OK) != 0) {
    Skip("strace is missing");
    return;
  }
  TempDir tmp;
  const std::string root = fs::canonical(tmp.path()).string();
  const std::string data = root + "/data";
  const std::string log = root + "/trace";
  auto traced = [&](const std::string& args) {
    // LeakSanitizer refuses to run under ptrace; leaks are checked elsewhere.
    RunResult r = RunShell("ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -y -qq -o " + log +
                           " -e trace=mkdir,mkdirat,fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat klog "
                           "--dir " + data + " " + args);
    INFO(args << ": " << r.err);
    if (r.err.find("PTRACE") != std::string::npos || r.err.find("ptrace") != std::string::npos) return std::vector<Call>{};
    REQUIRE(r.exit_code == 0);
    return ParseTrace(ReadAll(log));
  };
  auto calls = traced("topic create t --partitions 3");
  if (calls.empty()) {
    Skip("strace cannot trace here (ptrace refused)");
    return;
  }
  // Each directory created, and its parent, is synced; each rename's target directory too.
  auto check_entries = [&](const std::vector<Call>& cs, const std::string& what) {
    int mkdirs = 0, renames = 0;
    for (size_t i = 0; i < cs.size(); ++i) {
      const Call& c = cs[i];
      if (!c.ok || c.paths.empty()) continue;
      if (c.name == "mkdir" || c.name == "mkdirat") {
        INFO(what << ": mkdir " << c.paths[0]);
        CHECK(SyncedAfter(cs, i, Parent(c.paths[0])));
        ++mkdirs;
      }
      if ((c.name == "rename" || c.name == "renameat" || c.name == "renameat2") && c.paths.size() == 2 &&
          c.paths[1].find("/members/") == std::string::npos) {  // member files: rewritten anyway (klog-files(5))
        INFO(what << ": rename to " << c.paths[1]);
        CHECK(SyncedAfter(cs, i, Parent(c.paths[1])));
        ++renames;
      }
    }
    return std::make_pair(mkdirs, renames);
  };
  auto [mk, rn] = check_entries(calls, "topic create");
  CHECK(mk >= 7);  // data, topics, .staging, the staging folder, 3 partitions
  CHECK(rn >= 2);  // topic.json, the topic

  REQUIRE(RunKlog({"--dir", data, "produce", "t", "-p", "0", "a", "b"}).exit_code == 0);
  calls = traced("consume t -g g -n 1");
  std::tie(mk, rn) = check_entries(calls, "consume -g");
  CHECK(mk >= 4);  // groups, groups/g, members, partitions
  // The journal entry is synced before offsets.json is replaced.
  size_t offsets_rename = calls.size();
  for (size_t i = 0; i < calls.size(); ++i)
    if (calls[i].name.rfind("rename", 0) == 0 && calls[i].paths.size() == 2 &&
        calls[i].paths[1] == data + "/groups/g/offsets.json")
      offsets_rename = i;
  REQUIRE(offsets_rename < calls.size());
  bool journal_synced = false;
  for (size_t i = 0; i < offsets_rename; ++i)
    journal_synced |= (calls[i].name == "fdatasync" || calls[i].name == "fsync") && !calls[i].paths.empty() &&
                      calls[i].paths[0] == data + "/groups/g/journal.jsonl";
  CHECK(journal_synced);
  // A new journal file's entry, and state.json's, reach the group directory.
  CHECK(SyncedAfter(calls, offsets_rename, data + "/groups/g"));

  // Retention: a roll that deletes segments syncs the partition directory after the unlinks.
  REQUIRE(RunKlog({"--dir", data, "topic", "create", "r", "--segment-bytes", "4KiB", "--retention-bytes", "4KiB"})
              .exit_code == 0);
  std::string records;
  for (int i = 0; i < 200; ++i) records += std::string(100, static_cast<char>('a' + i % 26)) + "\n";
  WriteAll(root + "/records", records);
  calls = traced("produce r --batch-size 1KiB < " + root + "/records");
  int unlinks = 0;
  for (size_t i = 0; i < calls.size(); ++i)
    if (calls[i].ok && (calls[i].name == "unlink" || calls[i].name == "unlinkat") && !calls[i].paths.empty() &&
        calls[i].paths[0].size() > 4 && calls[i].paths[0].compare(calls[i].paths[0].size() - 4, 4, ".log") == 0) {
      INFO("unlink " << calls[i].paths[0]);
      CHECK(SyncedAfter(calls, i, data + "/topics/r/0"));
      ++unlinks;
    }
  CHECK(unlinks > 0);

  // Deletes: the directory the topic or group left is synced.
  calls = traced("topic delete t");
  bool topic_gone_synced = false;
  for (size_t i = 0; i < calls.size(); ++i)
    if (calls[i].name.rfind("rename", 0) == 0 && calls[i].paths.size() == 2 && calls[i].paths[0] == data + "/topics/t")
      topic_gone_synced = SyncedAfter(calls, i, data + "/topics");
  CHECK(topic_gone_synced);
  calls = traced("group delete g");
  bool group_gone_synced = false;
  for (size_t i = 0; i < calls.size(); ++i)
    if (calls[i].name.rfind("rename", 0) == 0 && calls[i].paths.size() == 2 && calls[i].paths[0] == data + "/groups/g")
      group_gone_synced = SyncedAfter(calls, i, data + "/groups");
  CHECK(group_gone_synced);
}

// ---------------------------------------------------------------- 19.6 ---

TEST_CASE("state.json torn or empty: consume -g, group describe, group delete and offset reset work; it is rebuilt") {
  for (bool empty : {false, true}) {
    CAPTURE(empty);
    CliFixture k;
    k.Ok({"topic", "create", "t"});
    k.Ok({"produce", "t", "a", "b", "c"});
    CHECK(k.Ok({"consume", "t", "-g", "g", "-n", "1"}) == "a\n");
    const std::string state = GroupFile(k, "g", "state.json");
    REQUIRE(FileSize(state) > 10);
    const std::string intact = ReadAll(state);
    auto damage = [&] { WriteAll(state, empty ? std::string() : intact.substr(0, intact.size() / 2)); };

    damage();
    std::string described = k.Ok({"group", "describe", "g"});
    CHECK(described.find("t") != std::string::npos);
    damage();
    CHECK(k.Ok({"consume", "t", "-g", "g", "-n", "1"}) == "b\n");
    // The member wrote it anew: it parses, at a later generation.
    auto j = nlohmann::json::parse(ReadAll(state));
    CHECK(j["generation"].get<int64_t>() >= 1);
    damage();
    k.Ok({"offset", "reset", "-g", "g", "--topic", "t", "--to-earliest", "--execute"});
    CHECK(k.Ok({"consume", "t", "-g", "g"}) == "a\nb\nc\n");
    damage();
    k.Ok({"group", "delete", "g"});
    CHECK(!Exists(k.data() + "/groups/g"));
  }
}

// ---------------------------------------------------------------- 19.7 ---

TEST_CASE("temp files: a symlink planted at FILE.tmp.PID is neither followed nor reused") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a", "b"});
  k.Ok({"consume", "t", "-g", "g", "-n", "1"});
  const std::string victim = k.tmp().Join("victim");
  WriteAll(victim, "precious\n");
  // `exec` keeps the shell's pid: klog runs as $$, the pid the link names.
  RunResult alter = k.Shell("ln -s " + victim + " " + k.data() + "/topics/t/topic.json.tmp.$$ && exec klog topic alter t --partitions 2");
  INFO("alter: " << alter.err);
  CHECK(alter.exit_code == 0);
  CHECK(ReadAll(victim) == "precious\n");
  CHECK(ReadAll(k.data() + "/topics/t/topic.json").find("\"partitions\": 2") != std::string::npos);
  RunResult consume =
      k.Shell("ln -s " + victim + " " + GroupFile(k, "g", "offsets.json.tmp.$$") + " && exec klog consume t -g g");
  INFO("consume: " << consume.err);
  CHECK(consume.exit_code == 0);
  CHECK(consume.out == "b\n");
  CHECK(ReadAll(victim) == "precious\n");
  CHECK(k.Ok({"consume", "t", "-g", "g"}) == "");  // the commit landed in offsets.json itself
}

// ---------------------------------------------------------------- 19.8 ---

TEST_CASE("symlinks: a dangling one in place of a first segment is refused by name; a symlinked data directory works") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  const std::string target = k.tmp().Join("elsewhere.log");
  const std::string segment = k.data() + "/topics/t/0/00000000000000000000.log";
  REQUIRE(::symlink(target.c_str(), segment.c_str()) == 0);
  RunResult r = k.Run({"produce", "t", "x"});
  CHECK_KLOG_ERROR(r, 1, "symbolic link");
  CHECK(r.err.find(segment) != std::string::npos);
  CHECK(!Exists(target));
  REQUIRE(::unlink(segment.c_str()) == 0);

  // A planted lock file link is refused the same way, and its target not created.
  const std::string lock_target = k.tmp().Join("elsewhere.lock");
  (void)::unlink((k.data() + "/topics/t/0/writer.lock").c_str());  // the refused produce made it
  REQUIRE(::symlink(lock_target.c_str(), (k.data() + "/topics/t/0/writer.lock").c_str()) == 0);
  CHECK_KLOG_ERROR(k.Run({"produce", "t", "x"}), 1, "symbolic link");
  CHECK(!Exists(lock_target));
  REQUIRE(::unlink((k.data() + "/topics/t/0/writer.lock").c_str()) == 0);

  const std::string link = k.tmp().Join("link");
  REQUIRE(::symlink(k.data().c_str(), link.c_str()) == 0);
  RunResult p = RunKlog({"--dir", link, "produce", "t", "y"});
  INFO(p.err);
  CHECK(p.exit_code == 0);
  CHECK(RunKlog({"--dir", link, "consume", "t", "-g", "g"}).out == "y\n");
}

// ---------------------------------------------------------------- 19.9 ---

TEST_CASE("state.json naming a member '../../../victim' never touches files outside the group") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a"});
  k.Ok({"consume", "t", "-g", "g", "-n", "1"});
  // members/../../../victim.json is DIR/victim.json: a dead member's files
  // would be removed by the next member.
  const std::string evil = "../../../victim";
  WriteAll(k.data() + "/victim.json", "keep\n");
  WriteAll(k.data() + "/victim.lock", "keep\n");
  WriteAll(GroupFile(k, "g", "state.json"),
           "{\"version\":1,\"generation\":3,\"members\":[{\"id\":\"" + evil +
               "\",\"host\":\"h\",\"pid\":1,\"start_ms\":1,\"topics\":[\"t\"],\"session_timeout_ms\":1000}],"
               "\"assignment\":{\"" + evil + "\":[[\"t\",0]]}}\n");
  std::string d = k.Ok({"group", "describe", "g"});
  CHECK(d.find("victim") == std::string::npos);
  k.Ok({"produce", "t", "b"});
  CHECK(k.Ok({"consume", "t", "-g", "g"}) == "b\n");
  CHECK(ReadAll(k.data() + "/victim.json") == "keep\n");
  CHECK(ReadAll(k.data() + "/victim.lock") == "keep\n");
  k.Ok({"group", "delete", "g"});
  CHECK(ReadAll(k.data() + "/victim.json") == "keep\n");
}

// --------------------------------------------------------------- 19.10 ---

TEST_CASE("a 249-character topic and group work in create, produce, consume -g, group describe, offset reset, delete") {
  CliFixture k;
  const std::string t(249, 't');
  const std::string g(249, 'g');
  k.Ok({"topic", "create", t, "--partitions", "2"});
  k.Ok({"produce", t, "-p", "1", "a", "b"});
  CHECK(k.Ok({"consume", t, "-g", g, "-n", "1"}) == "a\n");
  // The lock of a name too long for one file lives in a folder of its own.
  CHECK(Exists(k.data() + "/groups/" + g + "/partitions/" + t + ".d/1.lock"));
  CHECK(k.Ok({"group", "describe", g}).find(t) != std::string::npos);
  k.Ok({"offset", "reset", "-g", g, "--topic", t, "--to-earliest", "--execute"});
  CHECK(k.Ok({"consume", t, "-g", g}) == "a\nb\n");
  k.Ok({"group", "delete", g});
  k.Ok({"topic", "delete", t});
  // A name that fits keeps the lock file name of every earlier klog.
  k.Ok({"topic", "create", "short"});
  k.Ok({"produce", "short", "x"});
  k.Ok({"consume", "short", "-g", "s"});
  CHECK(Exists(k.data() + "/groups/s/partitions/short.0.lock"));
}

// --------------------------------------------------------------- 19.11 ---

TEST_CASE("two Unix users share one setgid directory under umask 002: produce, consume -g, offset reset") {
  if (!CanRunAsOtherUsers()) return;
  TempDir tmp;
  REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0);
  const std::string shared = tmp.Join("shared");
  constexpr int kGroup = 62000;
  REQUIRE(::mkdir(shared.c_str(), 0775) == 0);
  REQUIRE(::chown(shared.c_str(), 0, kGroup) == 0);
  REQUIRE(::chmod(shared.c_str(), 02775) == 0);
  auto as = [&](int uid, const std::string& args) {
    RunOptions o;
    o.timeout_ms = 30000;
    RunResult r = RunShell("umask 002; exec setpriv --reuid=" + std::to_string(uid) + " --regid=" +
                               std::to_string(uid) + " --groups=" + std::to_string(kGroup) + " klog --dir " + shared +
                               "/data " + args,
                           o);
    INFO("uid " << uid << ": klog " << args << ": " << r.err);
    CHECK(r.exit_code == 0);
    return r.out;
  };
  as(61001, "topic create t");
  as(61001, "produce t a b");
  as(61002, "produce t c");
  CHECK(as(61002, "consume t -g g -n 2") == "a\nb\n");
  CHECK(as(61001, "consume t -g g") == "c\n");
  as(61002, "offset reset -g g --topic t --to-earliest --execute");
  as(61001, "produce t d");
  CHECK(as(61001, "consume t -g g") == "a\nb\nc\nd\n");
  // What they created has the directory's group, group-writable.
  struct stat st;
  REQUIRE(::stat((shared + "/data/topics/t/0/writer.lock").c_str(), &st) == 0);
  CHECK(st.st_gid == static_cast<gid_t>(kGroup));
  CHECK((st.st_mode & 0020) != 0);
  REQUIRE(::stat((shared + "/data/groups/g").c_str(), &st) == 0);
  CHECK((st.st_mode & S_ISGID) != 0);
  CHECK((st.st_mode & 0020) != 0);
}

// --------------------------------------------------------------- 19.12 ---

TEST_CASE("HOME unset with no --dir, KLOG_DIR or XDG_DATA_HOME: exit 2 naming --dir, nothing created here") {
  TempDir tmp;
  RunResult r = RunShell("cd " + tmp.path() + " && exec env -i " + KlogBinary() + " topic create x");
  CHECK_KLOG_ERROR(r, 2, "--dir");
  CHECK(r.err.find("HOME") != std::string::npos);
  CHECK(!Exists(tmp.Join(".local")));
}

// --------------------------------------------------------------- 19.13 ---

TEST_CASE("a damaged offsets.json: the fix its error names (offset reset --execute) works") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a", "b", "c"});
  k.Ok({"consume", "t", "-g", "g", "-n", "1"});
  const std::string offsets = GroupFile(k, "g", "offsets.json");
  WriteAll(offsets, "{\"version\":1,\"offsets\":{\"t\":{\"0\":");
  RunResult r = k.Run({"consume", "t", "-g", "g"});
  CHECK_KLOG_ERROR(r, 1, "klog offset reset -g g");
  CHECK(r.err.find("--execute") != std::string::npos);
  // --shift-by has nothing to shift from: refused, naming the modes that work.
  CHECK_KLOG_ERROR(k.Run({"offset", "reset", "-g", "g", "--topic", "t", "--shift-by", "1", "--execute"}), 1,
                   "--to-offset");
  k.Ok({"offset", "reset", "-g", "g", "--topic", "t", "--to-offset", "1", "--execute"});
  CHECK(k.Ok({"consume", "t", "-g", "g"}) == "b\nc\n");
  auto history = nlohmann::json::parse(k.Ok({"offset", "history", "-g", "g", "--json"}));
  bool journaled = false;
  for (const auto& e : history)
    if (e["kind"] == "reset") journaled = e["changes"][0]["old"].is_null() && e["changes"][0]["new"] == 1;
  CHECK(journaled);
  // A commit (not a reset) does not paper over damage.
  WriteAll(offsets, "garbage");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "g", "t:0=1"}), 1, "offset reset");

  WriteAll(offsets, "{\"version\":1,\"offsets\":{\"t\":{\"zero\":1}}}");
  RunResult bad_key = k.Run({"group", "describe", "g"});
  CHECK_KLOG_ERROR(bad_key, 1, "partition key 'zero'");
  CHECK(bad_key.err.find("stoi") == std::string::npos);
  WriteAll(offsets, "{\"version\":1,\"offsets\":{\"../t\":{\"0\":1}}}");
  CHECK_KLOG_ERROR(k.Run({"group", "describe", "g"}), 1, "topic name '../t' is invalid");
}

// --------------------------------------------------------------- 19.15 ---

TEST_CASE("a 300 MB topic.json, state.json or offsets.json is not read whole: too large, or rebuilt") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a", "b"});
  k.Ok({"consume", "t", "-g", "g", "-n", "1"});
  const uint64_t huge = 300ull << 20;  // sparse: costs no disk
  auto t0 = std::chrono::steady_clock::now();
  TruncateAt(GroupFile(k, "g", "state.json"), huge);  // rebuilt from the member files
  CHECK(k.Ok({"consume", "t", "-g", "g"}) == "b\n");
  TruncateAt(GroupFile(k, "g", "offsets.json"), huge);
  CHECK_KLOG_ERROR(k.Run({"group", "describe", "g"}), 1, "too large");
  TruncateAt(k.data() + "/topics/t/topic.json", huge);
  RunResult r = k.Run({"topic", "describe", "t"});
  CHECK_KLOG_ERROR(r, 1, "is too large");
  CHECK(r.err.find("topic.json") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

}  // namespace
}  // namespace klog::testing
