#include "os/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <ftw.h>
#include <random>

namespace klog::os {

Status ErrnoStatus(std::string_view op, const std::string& path, int err) {
  std::string msg = std::string(op) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return Status(Code::kNoSpace, msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return Status(Code::kPermissionDenied, msg);
    case ENOENT:
      return Status::NotFound(msg);
    case EEXIST:
    case ENOTEMPTY:
      return Status::AlreadyExists(msg);
    default:
      return Status::IOError(msg);
  }
}

File::~File() { Close(); }
File::File(File&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    Close();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

void File::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

bool IsSymlink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// A symlink planted where klog writes could make it create or overwrite a
// file anywhere its user may write: refused by name.
Status SymlinkRefused(std::string_view op, const std::string& path) {
  return Status(Code::kPermissionDenied, std::string(op) + " " + path +
                                             ": is a symbolic link; klog does not write through symbolic links in "
                                             "its data directory (remove it, or point --dir at the real directory)");
}

// 0666: the umask decides, so a group-shared directory (umask 002) stays
// shared.
Result<File> OpenWith(const std::string& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    if ((flags & O_NOFOLLOW) && err == ELOOP && IsSymlink(path)) return SymlinkRefused("open", path);
    return ErrnoStatus("open", path, err);
  }
  return File(fd, path);
}

}  // namespace

// Writers never follow a symlink in the last component (O_NOFOLLOW); the
// directories above it may be symlinks (a symlinked data directory works).
Result<File> File::OpenRead(const std::string& path) { return OpenWith(path, O_RDONLY); }
Result<File> File::OpenAppend(const std::string& path, bool create) {
  return OpenWith(path, O_RDWR | O_APPEND | O_NOFOLLOW | (create ? O_CREAT : 0));
}
Result<File> File::OpenReadWrite(const std::string& path, bool create) {
  return OpenWith(path, O_RDWR | O_NOFOLLOW | (create ? O_CREAT : 0));
}

Result<size_t> File::ReadAt(uint64_t offset, void* buf, size_t n) const {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path_, errno);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Status File::Append(std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(fd_, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return Status::Ok();
}

Status File::WriteAt(uint64_t offset, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(w));
    offset += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

namespace {
FileStat StatOf(const struct stat& st) {
  return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
          st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec, static_cast<uint64_t>(st.st_nlink)};
}
}  // namespace

Result<uint64_t> File::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus("stat", path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<FileStat> File::Stat() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus("stat", path_, errno);
  return StatOf(st);
}

Status File::Truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return ErrnoStatus("truncate", path_, errno);
  return Status::Ok();
}

Status File::DataSync() {
  if (::fdatasync(fd_) != 0) return ErrnoStatus("fsync", path_, errno);
  return Status::Ok();
}

Result<File> File::Dup() const {
  int fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("dup", path_, errno);
  return File(fd, path_);
}

namespace {
// flock(2) on an open file, again when a signal interrupts it.
Status Flock(const File& f, int op) {
  int r;
  do {
    r = ::flock(f.fd(), op);
  } while (r != 0 && errno == EINTR);
  if (r == 0) return Status::Ok();
  if (errno == EWOULDBLOCK) return Status::Busy("lock " + f.path() + " is held by another process");
  return ErrnoStatus("lock", f.path(), errno);
}

Result<File> LockWith(const std::string& path, int op) {
  // O_RDWR|O_CREAT: fine on a writable directory; the lock file is never removed.
  auto f = File::OpenReadWrite(path, true);
  if (!f.ok()) return f.status();
  KLOG_RETURN_IF_ERROR(Flock(*f, op));
  return std::move(f).value();
}

// Read-only and never created: works on a read-only copy.
Result<File> LockSharedWith(const std::string& path, int op) {
  auto f = File::OpenRead(path);
  if (!f.ok()) return f.status();
  KLOG_RETURN_IF_ERROR(Flock(*f, op));
  return std::move(f).value();
}
}  // namespace

Result<FileLock> FileLock::Acquire(const std::string& path) {
  auto f = LockWith(path, LOCK_EX);
  if (!f.ok()) return f.status();
  return FileLock(std::move(f).value());
}

Result<FileLock> FileLock::TryAcquire(const std::string& path) {
  auto f = LockWith(path, LOCK_EX | LOCK_NB);
  if (!f.ok()) return f.status();
  return FileLock(std::move(f).value());
}

Result<FileLock> FileLock::AcquireWithin(const std::string& path, int timeout_ms) {
  constexpr int kPollMs = 10;
  for (int waited = 0;; waited += kPollMs) {
    auto lock = TryAcquire(path);
    if (lock.ok() || lock.status().code() != Code::kBusy || waited >= timeout_ms) return lock;
    struct timespec pause = {0, kPollMs * 1000000L};
    ::nanosleep(&pause, nullptr);
  }
}

Result<FileLock> FileLock::AcquireShared(const std::string& path) {
  auto f = LockSharedWith(path, LOCK_SH);
  if (!f.ok()) return f.status();
  return FileLock(std::move(f).value());
}

Result<FileLock> FileLock::TryAcquireShared(const std::string& path) {
  auto f = LockSharedWith(path, LOCK_SH | LOCK_NB);
  if (!f.ok()) return f.status();
  return FileLock(std::move(f).value());
}

Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) {
  auto f = File::OpenRead(path);
  if (!f.ok()) return f.status();
  auto TooLarge = [&](uint64_t size) {
    return Status::Corruption(path + " is too large: " + std::to_string(size) + " bytes, more than the " +
                              std::to_string(max_bytes) + " klog reads of such a file (damaged, or not klog's)");
  };
  auto size = f->Size();
  if (!size.ok()) return size.status();
  if (*size > max_bytes) return TooLarge(*size);
  std::string out;
  char buf[65536];
  uint64_t off = 0;
  for (;;) {
    auto n = f->ReadAt(off, buf, sizeof buf);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    out.append(buf, *n);
    off += *n;
    if (off > max_bytes) return TooLarge(off);  // grew while read
  }
  return out;
}

std::string Dirname(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

namespace {

// fsync(2) of what `path` names, opened with `flags`; EINVAL (a file system
// that cannot sync) is no error.
Status SyncOpened(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0 && err != EINVAL) return ErrnoStatus("fsync", path, err);
  return Status::Ok();
}

}  // namespace

Status SyncDir(const std::string& path) { return SyncOpened(path, O_DIRECTORY); }

Status SyncPath(const std::string& path) { return SyncOpened(path, O_NOFOLLOW); }

namespace {

// A fresh temp file next to `path`: created exclusively (O_EXCL, which also
// refuses a symlink in its place), under a name nobody can predict, so that
// nothing planted in a shared directory is followed or reused. A name that
// exists already is left alone (it may be another process's) and another
// one is drawn.
Result<File> CreateTemp(const std::string& path) {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32));
  int err = 0;
  std::string tmp;
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".%08x", static_cast<unsigned>(rng()));
    tmp = path + ".tmp." + std::to_string(::getpid()) + suffix;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) return File(fd, tmp);
    err = errno;
    if (err != EEXIST && err != EINTR) break;
  }
  return ErrnoStatus("create", tmp, err);
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view data, bool durable) {
  std::string tmp;
  {
    auto created = CreateTemp(path);
    if (!created.ok()) return created.status();
    File f = std::move(created).value();
    tmp = f.path();
    Status st = f.Append(data);
    if (st.ok() && durable) st = f.DataSync();
    if (!st.ok()) {
      ::unlink(tmp.c_str());
      return st;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("rename", path, err);
  }
  return durable ? SyncDir(Dirname(path)) : Status::Ok();
}

Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return ErrnoStatus("list", path, errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<FileStat> StatPath(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  return StatOf(st);
}

Status Touch(const std::string& path) {
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) != 0)
    return ErrnoStatus("touch", path, errno);
  return Status::Ok();
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<bool> DirExists(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    if (errno == ENOTDIR) return Status::InvalidArgument(path + " is not a directory");
    return ErrnoStatus("stat", path, errno);
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + " is not a directory");
  return true;
}

Status MakeDir(const std::string& path) {
  // 0777: the umask decides; the group of a setgid parent is inherited.
  if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) return ErrnoStatus("create directory", path, errno);
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return Status::Ok();
  if (IsDir(path)) return Status::Ok();
  std::string parent = Dirname(path);
  if (parent != path && parent != "." && parent != "/") KLOG_RETURN_IF_ERROR(MakeDirs(parent));
  if (::mkdir(path.c_str(), 0777) != 0) {
    if (errno == EEXIST) return Status::Ok();  // raced: its creator syncs it
    return ErrnoStatus("create directory", path, errno);
  }
  // A new directory's entry is durable only once its parent is synced.
  KLOG_RETURN_IF_ERROR(SyncDir(path));
  return SyncDir(parent);
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

Status RemoveTree(const std::string& path) {
  auto cb = [](const char* p, const struct stat*, int, struct FTW*) -> int { return ::remove(p); };
  if (::nftw(path.c_str(), cb, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
    return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
  return Status::Ok();
}

Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0)
    return ErrnoStatus("rename " + from + " to", to, errno);
  return Status::Ok();
}

}  // namespace klog::os
