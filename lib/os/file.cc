#include "os/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ftw.h>

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
Result<File> OpenWith(const std::string& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  return File(fd, path);
}
}  // namespace

Result<File> File::OpenRead(const std::string& path) { return OpenWith(path, O_RDONLY); }
Result<File> File::OpenAppend(const std::string& path, bool create) {
  return OpenWith(path, O_RDWR | O_APPEND | (create ? O_CREAT : 0));
}
Result<File> File::OpenReadWrite(const std::string& path, bool create) {
  return OpenWith(path, O_RDWR | (create ? O_CREAT : 0));
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

Result<uint64_t> File::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus("stat", path_, errno);
  return static_cast<uint64_t>(st.st_size);
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
Result<File> LockWith(const std::string& path, int op) {
  // O_RDWR|O_CREAT: fine on a writable directory; the lock file is never removed.
  auto f = File::OpenReadWrite(path, true);
  if (!f.ok()) return f.status();
  int r;
  do {
    r = ::flock(f->fd(), op);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    if (errno == EWOULDBLOCK) return Status::Busy("lock " + path + " is held by another process");
    return ErrnoStatus("lock", path, errno);
  }
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

Result<FileLock> FileLock::AcquireShared(const std::string& path) {
  auto f = File::OpenRead(path);
  if (!f.ok()) return f.status();
  int r;
  do {
    r = ::flock(f->fd(), LOCK_SH);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return ErrnoStatus("lock", path, errno);
  return FileLock(std::move(f).value());
}

Result<std::string> ReadFile(const std::string& path) {
  auto f = File::OpenRead(path);
  if (!f.ok()) return f.status();
  std::string out;
  char buf[65536];
  uint64_t off = 0;
  for (;;) {
    auto n = f->ReadAt(off, buf, sizeof buf);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    out.append(buf, *n);
    off += *n;
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

Status SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0 && err != EINVAL) return ErrnoStatus("fsync", path, err);
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view data, bool durable) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("create", tmp, errno);
    File f(fd, tmp);
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

Status MakeDirs(const std::string& path) {
  if (path.empty()) return Status::Ok();
  if (IsDir(path)) return Status::Ok();
  std::string parent = Dirname(path);
  if (parent != path && parent != "." && parent != "/") KLOG_RETURN_IF_ERROR(MakeDirs(parent));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("create directory", path, errno);
  return Status::Ok();
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

}  // namespace klog::os
