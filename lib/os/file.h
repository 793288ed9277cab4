// Every system call on files goes through here. Descriptors are always
// O_CLOEXEC: an --exec child must never inherit a member's flocks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace klog::os {

// What stat(2) says of a file: a stamp that changes when it is replaced or
// written, its size and age, whether it still has a name.
struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // last modification, ns since the epoch
  uint64_t links = 0;    // 0: deleted while open
  int64_t mtime_ms() const { return mtime_ns / 1000000; }
};

// Maps an errno to a Status naming the operation and path: ENOSPC becomes
// kNoSpace, EACCES/EPERM/EROFS kPermissionDenied, ENOENT kNotFound.
Status ErrnoStatus(std::string_view op, const std::string& path, int err);

// An owned file descriptor.
class File {
 public:
  File() = default;
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~File();
  File(File&& o) noexcept;
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  static Result<File> OpenRead(const std::string& path);
  // Opens for appending (O_RDWR|O_APPEND: readable too, so a writer can scan
  // what it appends to), creating it if `create` (mode 0666 less the umask).
  // The opens for writing refuse a symlink as the last component
  // (kPermissionDenied, naming it): klog never writes through one.
  static Result<File> OpenAppend(const std::string& path, bool create);
  static Result<File> OpenReadWrite(const std::string& path, bool create);

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Reads up to n bytes at offset; returns how many were read (short at EOF).
  Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) const;
  // Writes all of data at the end of the file (one write(2) when it can).
  Status Append(std::string_view data);
  Status WriteAt(uint64_t offset, std::string_view data);
  Result<uint64_t> Size() const;
  Result<FileStat> Stat() const;
  Status Truncate(uint64_t size);
  Status DataSync();
  // A second descriptor for the same open file (for a sync on another
  // thread that must not care whether this one is closed meanwhile).
  Result<File> Dup() const;
  void Close();

 private:
  int fd_ = -1;
  std::string path_;
};

// An exclusive flock(2) on a lock file that is never unlinked (unlinking a
// lock file another process may be locking would let two holders in).
class FileLock {
 public:
  FileLock() = default;
  static Result<FileLock> Acquire(const std::string& path);     // blocks
  static Result<FileLock> TryAcquire(const std::string& path);  // kBusy if held
  // Waits up to timeout_ms for the lock; kBusy if it is still held then.
  static Result<FileLock> AcquireWithin(const std::string& path, int timeout_ms);
  // A shared lock, taken by read-only tools to wait out writers: opens the
  // file read-only and never creates it (kNotFound when it is absent), so it
  // works on a read-only copy of a data directory. Blocks.
  static Result<FileLock> AcquireShared(const std::string& path);
  // The same without waiting: kBusy while someone holds it exclusively (a
  // probe of whether its holder runs: see group/liveness.h).
  static Result<FileLock> TryAcquireShared(const std::string& path);
  bool held() const { return file_.valid(); }
  void Release() { file_.Close(); }

 private:
  explicit FileLock(File f) : file_(std::move(f)) {}
  File file_;
};

// kCorruption, naming the size and the limit, when the file holds more than
// max_bytes: a state file that large is damaged, and is not read whole.
Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes = UINT64_MAX);
// Writes to a temp file, fsyncs, renames over path and fsyncs the directory:
// readers see the old or the new content, never a torn one. Without
// `durable`, skips the fsyncs (for state that a crash makes moot anyway).
// The temp file, PATH.tmp.PID.RANDOM, is created exclusively and never
// through a symlink (mode 0666 less the umask).
Status WriteFileAtomic(const std::string& path, std::string_view data, bool durable = true);
// Names in a directory, without "." and "..", sorted.
Result<std::vector<std::string>> ListDir(const std::string& path);
bool Exists(const std::string& path);
// Follows symlinks; kNotFound when nothing is there.
Result<FileStat> StatPath(const std::string& path);
// Sets the modification time of `path` (not through a symlink) to now.
Status Touch(const std::string& path);
bool IsDir(const std::string& path);
// true for a directory, false when nothing is there (ENOENT); an error
// naming the path when something else is (a file, or a file as a parent:
// ENOTDIR) or stat fails (EACCES).
Result<bool> DirExists(const std::string& path);
// Creates path and any missing parent (mode 0777 less the umask), fsyncing
// each directory it creates and its parent, so the entries survive a power
// loss.
Status MakeDirs(const std::string& path);
// One directory, parent present, without fsync: for many siblings whose
// parent the caller syncs once. Ok if it exists.
Status MakeDir(const std::string& path);
Status RemoveTree(const std::string& path);
Status RemoveFile(const std::string& path);  // ok if it was already gone
Status SyncDir(const std::string& path);
// Syncs a file by path (data and metadata: fsync(2)); for files another
// process wrote and this one must make durable before relying on them.
Status SyncPath(const std::string& path);
Status Rename(const std::string& from, const std::string& to);
// Rename that never replaces: kAlreadyExists when `to` exists (a directory
// moved into place whole, as a new topic is).
Status RenameNoReplace(const std::string& from, const std::string& to);
std::string Dirname(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace klog::os
