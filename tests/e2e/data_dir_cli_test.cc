// Which data directory klog uses (contract section 1): --dir, else
// $KLOG_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/klog; created on the
// first write and not needed before it.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// klog ARGS with exactly the given data-directory variables set; the other
// three are removed from the environment.
RunResult RunWithEnv(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  RunOptions o;
  o.env = env;
  for (const char* v : {"KLOG_DIR", "XDG_DATA_HOME", "HOME"})
    if (!env.count(v)) o.unset_env.push_back(v);
  return RunKlog(args, o);
}

std::string TopicList(const std::map<std::string, std::string>& env) {
  RunResult r = RunWithEnv({"topic", "list"}, env);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("--dir names the data directory, created on the first write") {
  TempDir tmp;
  std::string dir = tmp.Join("a/b/data");
  CHECK_FALSE(IsDir(dir));
  RunResult r = RunWithEnv({"--dir", dir, "topic", "create", "t"}, {});
  REQUIRE(r.exit_code == 0);
  CHECK(IsDir(dir + "/topics/t/0"));
  CHECK(RunWithEnv({"--dir", dir, "produce", "t", "v"}, {}).exit_code == 0);
  CHECK(RunWithEnv({"--dir", dir, "consume", "t"}, {}).out == "v\n");
  // After the command name too (kcat and rpk users put it anywhere).
  CHECK(RunWithEnv({"consume", "t", "--dir", dir}, {}).out == "v\n");
}

TEST_CASE("KLOG_DIR is used without --dir, and --dir wins over it") {
  TempDir tmp;
  std::string env_dir = tmp.Join("env"), flag_dir = tmp.Join("flag");
  REQUIRE(RunWithEnv({"topic", "create", "from-env"}, {{"KLOG_DIR", env_dir}}).exit_code == 0);
  CHECK(IsDir(env_dir + "/topics/from-env"));
  REQUIRE(RunWithEnv({"--dir", flag_dir, "topic", "create", "from-flag"}, {{"KLOG_DIR", env_dir}}).exit_code == 0);
  CHECK(IsDir(flag_dir + "/topics/from-flag"));
  CHECK_FALSE(IsDir(env_dir + "/topics/from-flag"));
  CHECK(TopicList({{"KLOG_DIR", env_dir}}).find("from-env") != std::string::npos);
  CHECK(TopicList({{"KLOG_DIR", env_dir}}).find("from-flag") == std::string::npos);
}

TEST_CASE("XDG_DATA_HOME/klog is the default, and KLOG_DIR wins over it") {
  TempDir tmp;
  std::string xdg = tmp.Join("xdg"), home = tmp.Join("home"), env_dir = tmp.Join("env");
  REQUIRE(RunWithEnv({"topic", "create", "x"}, {{"XDG_DATA_HOME", xdg}, {"HOME", home}}).exit_code == 0);
  CHECK(IsDir(xdg + "/klog/topics/x"));
  CHECK_FALSE(IsDir(home + "/.local/share/klog"));
  REQUIRE(RunWithEnv({"topic", "create", "k"}, {{"XDG_DATA_HOME", xdg}, {"KLOG_DIR", env_dir}}).exit_code == 0);
  CHECK(IsDir(env_dir + "/topics/k"));
  CHECK_FALSE(IsDir(xdg + "/klog/topics/k"));
}

TEST_CASE("without KLOG_DIR or XDG_DATA_HOME it is $HOME/.local/share/klog") {
  TempDir tmp;
  std::string home = tmp.Join("home");
  REQUIRE(RunWithEnv({"topic", "create", "h"}, {{"HOME", home}}).exit_code == 0);
  CHECK(IsDir(home + "/.local/share/klog/topics/h"));
  // An empty XDG_DATA_HOME counts as unset (XDG Base Directory spec).
  CHECK(TopicList({{"HOME", home}, {"XDG_DATA_HOME", ""}}).find("h ") != std::string::npos);
}

TEST_CASE("reading commands do not create a missing data directory") {
  TempDir tmp;
  std::string dir = tmp.Join("missing");
  RunResult list = RunWithEnv({"--dir", dir, "topic", "list"}, {});
  CHECK(list.exit_code == 0);
  CHECK(list.out == "");
  CHECK(list.err == "");
  RunResult json = RunWithEnv({"--dir", dir, "topic", "list", "--json"}, {});
  CHECK(json.exit_code == 0);
  CHECK(json.out == "[]\n");
  CHECK_KLOG_ERROR(RunWithEnv({"--dir", dir, "consume", "t"}, {}), 1, "unknown topic 't'");
  CHECK_KLOG_ERROR(RunWithEnv({"--dir", dir, "topic", "describe", "t"}, {}), 1, "unknown topic 't'");
  CHECK_KLOG_ERROR(RunWithEnv({"--dir", dir, "produce", "t", "v"}, {}), 1, "unknown topic 't'");
  CHECK_FALSE(IsDir(dir));
}

TEST_CASE("verify and retention on a missing data directory fail instead of checking nothing") {
  TempDir tmp;
  std::string dir = tmp.Join("mnt/bakup/klog");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"verify"}, {"verify", "t"}, {"verify", "--json"}, {"retention"}, {"retention", "--dry-run"}}) {
    std::vector<std::string> full = {"--dir", dir};
    full.insert(full.end(), args.begin(), args.end());
    INFO(Join(full));
    CHECK_KLOG_ERROR(RunWithEnv(full, {}), 1, "data directory '" + dir + "' does not exist (check --dir and $KLOG_DIR");
  }
  CHECK_FALSE(IsDir(dir));
}

TEST_CASE("a data directory that is a file is an error for every command") {
  TempDir tmp;
  std::string file = tmp.Join("klog");
  WriteAll(file, "not a directory\n");
  for (const std::string& dir : {file, file + "/sub"}) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"verify"},
                                                                                      {"retention"},
                                                                                      {"topic", "list"},
                                                                                      {"group", "list"},
                                                                                      {"topic", "create", "t"},
                                                                                      {"topic", "describe", "t"},
                                                                                      {"consume", "t"},
                                                                                      {"produce", "t", "v"},
                                                                                      {"group", "describe", "g"},
                                                                                      {"offset", "history", "-g", "g"}}) {
      std::vector<std::string> full = {"--dir", dir};
      full.insert(full.end(), args.begin(), args.end());
      INFO(Join(full));
      CHECK_KLOG_ERROR(RunWithEnv(full, {}), 1, "data directory '" + dir + "' is not a directory");
    }
  }
}

TEST_CASE("--dir '' is a usage error, not the default directory") {
  TempDir tmp;
  std::string env_dir = tmp.Join("env");
  REQUIRE(RunWithEnv({"topic", "create", "t"}, {{"KLOG_DIR", env_dir}}).exit_code == 0);
  CHECK_KLOG_ERROR(RunWithEnv({"--dir", "", "topic", "list"}, {{"KLOG_DIR", env_dir}}), 2, "--dir: empty path");
  CHECK_KLOG_ERROR(RunWithEnv({"verify", "--dir", ""}, {{"KLOG_DIR", env_dir}}), 2, "--dir: empty path");
}

}  // namespace klog::testing
