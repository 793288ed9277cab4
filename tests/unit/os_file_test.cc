// lib/os/file: what klog creates and how (modes under the umask, no writes
// through symlinks, exclusive temp files) and how much of a file it reads.
#include "os/file.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "support/temp_dir.h"

namespace klog::os {
namespace {

using klog::testing::ReadAll;
using klog::testing::TempDir;
using klog::testing::TruncateAt;
using klog::testing::WriteAll;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The process umask for the life of the object.
struct Umask {
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
  mode_t old;
};

TEST_CASE("os: files and directories take their mode from the umask") {
  TempDir tmp;
  for (mode_t mask : {mode_t{022}, mode_t{002}, mode_t{077}}) {
    CAPTURE(mask);
    Umask u(mask);
    std::string dir = tmp.Join("d" + std::to_string(mask)) + "/a/b";
    REQUIRE(MakeDirs(dir).ok());
    CHECK(ModeOf(dir) == (0777 & ~mask));
    CHECK(ModeOf(Dirname(dir)) == (0777 & ~mask));
    REQUIRE(MakeDir(dir + "/c").ok());
    CHECK(ModeOf(dir + "/c") == (0777 & ~mask));
    REQUIRE(File::OpenAppend(dir + "/f", true).ok());
    CHECK(ModeOf(dir + "/f") == (0666 & ~mask));
    REQUIRE(WriteFileAtomic(dir + "/state.json", "{}").ok());
    CHECK(ModeOf(dir + "/state.json") == (0666 & ~mask));
  }
}

TEST_CASE("os: opens for writing refuse a symlink by name and never create its target") {
  TempDir tmp;
  const std::string target = tmp.Join("target");
  const std::string link = tmp.Join("link");
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  for (int kind = 0; kind < 4; ++kind) {
    CAPTURE(kind);
    Status st = kind == 0   ? File::OpenAppend(link, true).status()
                : kind == 1 ? File::OpenReadWrite(link, true).status()
                : kind == 2 ? File::OpenReadWrite(link, false).status()
                            : FileLock::TryAcquire(link).status();
    CHECK(st.code() == Code::kPermissionDenied);
    CHECK(st.message().find("symbolic link") != std::string::npos);
    CHECK(st.message().find(link) != std::string::npos);
    CHECK(::access(target.c_str(), F_OK) != 0);
  }
  // Reads may follow (a symlinked data directory, or a file in one).
  WriteAll(target, "x");
  CHECK(File::OpenRead(link).ok());
  // An atomic replace of a symlink replaces the link, not what it names.
  REQUIRE(WriteFileAtomic(link, "new").ok());
  CHECK(ReadAll(target) == "x");
  CHECK(ReadAll(link) == "new");
}

TEST_CASE("os: WriteFileAtomic never reuses an existing temp name and leaves none behind") {
  TempDir tmp;
  const std::string path = tmp.Join("offsets.json");
  const std::string victim = tmp.Join("victim");
  WriteAll(victim, "keep");
  // What an older klog would have used: PATH.tmp.PID.
  const std::string old_name = path + ".tmp." + std::to_string(::getpid());
  REQUIRE(::symlink(victim.c_str(), old_name.c_str()) == 0);
  for (int i = 0; i < 20; ++i) REQUIRE(WriteFileAtomic(path, std::to_string(i)).ok());
  CHECK(ReadAll(path) == "19");
  CHECK(ReadAll(victim) == "keep");
  auto names = ListDir(tmp.path());
  REQUIRE(names.ok());
  CHECK(names->size() == 3);  // offsets.json, the planted link, victim
}

TEST_CASE("os: ReadFile with a cap says a larger file is too large, without reading it") {
  TempDir tmp;
  const std::string path = tmp.Join("topic.json");
  WriteAll(path, std::string(100, 'x'));
  CHECK(ReadFile(path, 100).ok());
  TruncateAt(path, 300ull << 20);  // sparse
  auto r = ReadFile(path, 64 << 10);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorruption);
  CHECK(r.status().message().find("is too large") != std::string::npos);
  CHECK(r.status().message().find(path) != std::string::npos);
}

TEST_CASE("os: StatPath and File::Stat give size, modification time and links; Touch moves the time") {
  TempDir tmp;
  const std::string path = tmp.Join("f");
  WriteAll(path, "12345");
  auto st = StatPath(path);
  REQUIRE(st.ok());
  CHECK(st->size == 5);
  CHECK(st->links == 1);
  struct stat raw;
  REQUIRE(::stat(path.c_str(), &raw) == 0);
  CHECK(st->ino == raw.st_ino);
  CHECK(st->mtime_ms() == static_cast<int64_t>(raw.st_mtim.tv_sec) * 1000 + raw.st_mtim.tv_nsec / 1000000);

  struct timespec old[2] = {{1000, 0}, {1000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old, 0) == 0);
  REQUIRE(StatPath(path)->mtime_ns == 1000 * 1000000000ll);
  REQUIRE(Touch(path).ok());
  CHECK(StatPath(path)->mtime_ms() > 1000 * 1000);

  auto f = File::OpenRead(path);
  REQUIRE(f.ok());
  REQUIRE(RemoveFile(path).ok());
  auto open_st = f->Stat();
  REQUIRE(open_st.ok());
  CHECK(open_st->links == 0);  // deleted while open
  CHECK(StatPath(path).status().code() == Code::kNotFound);
  CHECK(Touch(path).code() == Code::kNotFound);
}

TEST_CASE("os: TryAcquireShared is kBusy while the lock is held, free otherwise, kNotFound without the file") {
  TempDir tmp;
  const std::string path = tmp.Join("x.lock");
  CHECK(FileLock::TryAcquireShared(path).status().code() == Code::kNotFound);
  CHECK_FALSE(Exists(path));  // never created
  {
    auto held = FileLock::Acquire(path);
    REQUIRE(held.ok());
    CHECK(FileLock::TryAcquireShared(path).status().code() == Code::kBusy);
  }
  auto shared = FileLock::TryAcquireShared(path);
  REQUIRE(shared.ok());
  CHECK(FileLock::TryAcquireShared(path).ok());  // shared with another reader
  CHECK(FileLock::TryAcquire(path).status().code() == Code::kBusy);
}

TEST_CASE("os: RenameNoReplace moves a directory into place, never over one") {
  TempDir tmp;
  REQUIRE(MakeDir(tmp.Join("a")).ok());
  REQUIRE(MakeDir(tmp.Join("b")).ok());
  WriteAll(tmp.Join("b/keep"), "x");
  Status st = RenameNoReplace(tmp.Join("a"), tmp.Join("b"));
  CHECK(st.code() == Code::kAlreadyExists);
  CHECK(st.message().find(tmp.Join("b")) != std::string::npos);
  CHECK(Exists(tmp.Join("b/keep")));
  REQUIRE(RenameNoReplace(tmp.Join("a"), tmp.Join("c")).ok());
  CHECK(IsDir(tmp.Join("c")));
  CHECK_FALSE(Exists(tmp.Join("a")));
}

}  // namespace
}  // namespace klog::os
