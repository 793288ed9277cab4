// fsrec.so: an LD_PRELOAD library that logs, for a real klog process, every
// file-system call that decides what a power loss can leave behind (see
// fsrec_format.h for the record layout and why the log's order is a global
// order). Only paths under $KLOG_FSREC_ROOT are logged, plus everything
// written to fd 1 (the acknowledgements of `produce --print-offsets`).
// Without $KLOG_FSREC_LOG the library does nothing.
#undef _FORTIFY_SOURCE  // its inline wrappers of open(2) would clash with ours
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "powerloss/fsrec_format.h"

using klog::powerloss::OpHeader;
using klog::powerloss::OpType;

namespace {

int g_log_fd = -1;
char g_root[PATH_MAX];
size_t g_root_len = 0;
thread_local bool t_busy = false;

template <typename F>
F Real(F, const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}
#define REAL(fn) static auto real_##fn = Real(&fn, #fn)

void Init() {
  if (g_log_fd >= 0) return;
  const char* log = getenv("KLOG_FSREC_LOG");
  const char* root = getenv("KLOG_FSREC_ROOT");
  if (!log || !root || strlen(root) >= sizeof g_root) return;
  strcpy(g_root, root);
  g_root_len = strlen(g_root);
  while (g_root_len > 1 && g_root[g_root_len - 1] == '/') g_root[--g_root_len] = 0;
  g_log_fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
}

void Emit(OpType type, const struct stat* st, int64_t a, int64_t b, const void* s1, size_t n1, const void* s2 = nullptr,
          size_t n2 = 0) {
  OpHeader h{};
  h.len1 = static_cast<uint32_t>(n1);
  h.len2 = static_cast<uint32_t>(n2);
  h.type = type;
  h.pid = static_cast<int32_t>(getpid());
  h.tid = static_cast<int32_t>(syscall(SYS_gettid));
  if (st) {
    h.dev = st->st_dev;
    h.ino = st->st_ino;
  }
  h.a = a;
  h.b = b;
  std::string rec(reinterpret_cast<const char*>(&h), sizeof h);
  if (n1) rec.append(static_cast<const char*>(s1), n1);
  if (n2) rec.append(static_cast<const char*>(s2), n2);
  // One write: O_APPEND keeps records whole and ordered across processes.
  (void)syscall(SYS_write, g_log_fd, rec.data(), rec.size());
}

void EmitStr(OpType type, const struct stat* st, int64_t a, int64_t b, const std::string& s1,
             const std::string& s2 = "") {
  Emit(type, st, a, b, s1.data(), s1.size(), s2.data(), s2.size());
}

bool UnderRoot(const std::string& p) {
  return p.compare(0, g_root_len, g_root) == 0 && (p.size() == g_root_len || p[g_root_len] == '/');
}

std::string FdPath(int fd) {
  char link[64], buf[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, buf, sizeof buf - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string AbsPath(int dirfd, const char* path) {
  if (!path) return "";
  if (path[0] == '/') return path;
  std::string base;
  if (dirfd == AT_FDCWD) {
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf)) return "";
    base = buf;
  } else {
    base = FdPath(dirfd);
  }
  return base + "/" + path;
}

// True (and *st filled) when fd is a regular file or directory under the root.
bool TrackedFd(int fd, struct stat* st) {
  if (g_log_fd < 0 || fd < 0) return false;
  if (fstat(fd, st) != 0 || !(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))) return false;
  return UnderRoot(FdPath(fd));
}

bool Active() { return g_log_fd >= 0 && !t_busy; }

struct Busy {
  Busy() { t_busy = true; }
  ~Busy() { t_busy = false; }
};

void LogWrite(int fd, const void* buf, ssize_t n, int64_t offset) {
  if (n <= 0 || !Active()) return;
  Busy busy;
  struct stat st;
  bool tracked = TrackedFd(fd, &st);
  if (fd == 1 && !tracked) {
    Emit(OpType::kStdout, nullptr, 0, 0, buf, static_cast<size_t>(n));
    return;
  }
  if (!tracked || !S_ISREG(st.st_mode)) return;
  if (offset < 0) offset = lseek(fd, 0, SEEK_CUR) - n;  // after write(2), also with O_APPEND
  Emit(OpType::kWrite, &st, offset, 0, buf, static_cast<size_t>(n));
}

std::string Gather(const struct iovec* iov, int cnt, ssize_t n) {
  std::string out;
  for (int i = 0; i < cnt && static_cast<ssize_t>(out.size()) < n; ++i)
    out.append(static_cast<const char*>(iov[i].iov_base),
               std::min(iov[i].iov_len, static_cast<size_t>(n) - out.size()));
  return out;
}

int OpenCommon(int dirfd, const char* path, int flags, mode_t mode) {
  REAL(openat);
  if (!Active()) return real_openat(dirfd, path, flags, mode);
  bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;  // a file without a name until linkat(2) gives it one
  std::string abs = ((flags & (O_CREAT | O_TRUNC)) || tmpfile) && path ? AbsPath(dirfd, path) : "";
  bool interesting = !abs.empty() && UnderRoot(abs);
  bool existed = true;
  if (interesting && (flags & O_CREAT)) {
    struct stat st;
    existed = fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
  }
  int fd = real_openat(dirfd, path, flags, mode);
  if (fd >= 0 && interesting) {
    Busy busy;
    struct stat st;
    if (fstat(fd, &st) == 0)
      EmitStr(OpType::kOpen, &st, tmpfile ? 2 : (flags & O_CREAT) && !existed ? 1 : 0, (flags & O_TRUNC) ? 1 : 0, abs);
  }
  return fd;
}

mode_t ModeArg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

void LogPathOp(OpType type, int dirfd, const char* path, bool stat_it) {
  if (!Active()) return;
  Busy busy;
  std::string abs = AbsPath(dirfd, path);
  if (!UnderRoot(abs)) return;
  struct stat st;
  bool have = stat_it && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
  EmitStr(type, have ? &st : nullptr, 0, 0, abs);
}

void LogTwoPathOp(OpType type, const std::string& from, const std::string& to, int64_t flags) {
  if (!Active()) return;
  if (!UnderRoot(from) && !UnderRoot(to)) return;
  Busy busy;
  struct stat st;
  // A link names an inode: the new name's, which also covers linkat(fd, "", AT_EMPTY_PATH).
  bool have = type == OpType::kLink && lstat(to.c_str(), &st) == 0;
  EmitStr(type, have ? &st : nullptr, 0, flags, from, to);
}

int SyncCommon(int fd, bool data_only) {
  REAL(fsync);
  REAL(fdatasync);
  struct stat st;
  bool tracked = Active() && TrackedFd(fd, &st);
  if (tracked) {
    Busy busy;
    EmitStr(OpType::kFsyncStart, &st, S_ISDIR(st.st_mode) ? 1 : 0, data_only ? 1 : 0, FdPath(fd));
  }
  int r = data_only ? real_fdatasync(fd) : real_fsync(fd);
  if (tracked) {
    Busy busy;
    Emit(OpType::kFsyncEnd, &st, r, 0, nullptr, 0);
  }
  return r;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  return OpenCommon(AT_FDCWD, path, flags, mode);
}
int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  return OpenCommon(AT_FDCWD, path, flags, mode);
}
int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  return OpenCommon(dirfd, path, flags, mode);
}
int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  return OpenCommon(dirfd, path, flags, mode);
}
int creat(const char* path, mode_t mode) { return OpenCommon(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char* path, mode_t mode) { return OpenCommon(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(write);
  ssize_t r = real_write(fd, buf, n);
  LogWrite(fd, buf, r, -1);
  return r;
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  REAL(pwrite);
  ssize_t r = real_pwrite(fd, buf, n, off);
  LogWrite(fd, buf, r, off);
  return r;
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  REAL(pwrite64);
  ssize_t r = real_pwrite64(fd, buf, n, off);
  LogWrite(fd, buf, r, off);
  return r;
}
ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  REAL(writev);
  ssize_t r = real_writev(fd, iov, cnt);
  if (r > 0 && Active()) {
    std::string data = Gather(iov, cnt, r);
    LogWrite(fd, data.data(), r, -1);
  }
  return r;
}
ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  REAL(pwritev);
  ssize_t r = real_pwritev(fd, iov, cnt, off);
  if (r > 0 && Active()) {
    std::string data = Gather(iov, cnt, r);
    LogWrite(fd, data.data(), r, off);
  }
  return r;
}
ssize_t pwritev64(int fd, const struct iovec* iov, int cnt, off64_t off) {
  REAL(pwritev64);
  ssize_t r = real_pwritev64(fd, iov, cnt, off);
  if (r > 0 && Active()) {
    std::string data = Gather(iov, cnt, r);
    LogWrite(fd, data.data(), r, off);
  }
  return r;
}

int ftruncate(int fd, off_t len) {
  REAL(ftruncate);
  int r = real_ftruncate(fd, len);
  struct stat st;
  if (r == 0 && Active() && TrackedFd(fd, &st)) {
    Busy busy;
    Emit(OpType::kTruncate, &st, len, 0, nullptr, 0);
  }
  return r;
}
int ftruncate64(int fd, off64_t len) { return ftruncate(fd, static_cast<off_t>(len)); }
int truncate(const char* path, off_t len) {
  REAL(truncate);
  int r = real_truncate(path, len);
  if (r == 0 && Active()) {
    Busy busy;
    std::string abs = AbsPath(AT_FDCWD, path);
    struct stat st;
    if (UnderRoot(abs) && stat(path, &st) == 0) Emit(OpType::kTruncate, &st, len, 0, nullptr, 0);
  }
  return r;
}
int truncate64(const char* path, off64_t len) { return truncate(path, static_cast<off_t>(len)); }

int fallocate(int fd, int mode, off_t off, off_t len) {
  REAL(fallocate);
  int r = real_fallocate(fd, mode, off, len);
  struct stat st;
  if (r == 0 && Active() && TrackedFd(fd, &st)) {
    Busy busy;
    Emit(OpType::kFallocate, &st, off, (mode & FALLOC_FL_KEEP_SIZE) ? 0 : len, nullptr, 0);
  }
  return r;
}
int fallocate64(int fd, int mode, off64_t off, off64_t len) { return fallocate(fd, mode, off, len); }
int posix_fallocate(int fd, off_t off, off_t len) {
  REAL(posix_fallocate);
  int r = real_posix_fallocate(fd, off, len);
  struct stat st;
  if (r == 0 && Active() && TrackedFd(fd, &st)) {
    Busy busy;
    Emit(OpType::kFallocate, &st, off, len, nullptr, 0);
  }
  return r;
}

int rename(const char* from, const char* to) {
  REAL(rename);
  std::string a = AbsPath(AT_FDCWD, from), b = AbsPath(AT_FDCWD, to);
  int r = real_rename(from, to);
  if (r == 0) LogTwoPathOp(OpType::kRename, a, b, 0);
  return r;
}
int renameat(int fd1, const char* from, int fd2, const char* to) {
  REAL(renameat);
  std::string a = AbsPath(fd1, from), b = AbsPath(fd2, to);
  int r = real_renameat(fd1, from, fd2, to);
  if (r == 0) LogTwoPathOp(OpType::kRename, a, b, 0);
  return r;
}
int renameat2(int fd1, const char* from, int fd2, const char* to, unsigned flags) {
  REAL(renameat2);
  std::string a = AbsPath(fd1, from), b = AbsPath(fd2, to);
  int r = real_renameat2(fd1, from, fd2, to, flags);
  if (r == 0) LogTwoPathOp(OpType::kRename, a, b, flags);
  return r;
}
int link(const char* from, const char* to) {
  REAL(link);
  int r = real_link(from, to);
  if (r == 0) LogTwoPathOp(OpType::kLink, AbsPath(AT_FDCWD, from), AbsPath(AT_FDCWD, to), 0);
  return r;
}
int linkat(int fd1, const char* from, int fd2, const char* to, int flags) {
  REAL(linkat);
  int r = real_linkat(fd1, from, fd2, to, flags);
  if (r == 0) LogTwoPathOp(OpType::kLink, AbsPath(fd1, from), AbsPath(fd2, to), 0);
  return r;
}
int symlink(const char* target, const char* to) {
  REAL(symlink);
  int r = real_symlink(target, to);
  if (r == 0) LogTwoPathOp(OpType::kSymlink, target, AbsPath(AT_FDCWD, to), 0);
  return r;
}
int symlinkat(const char* target, int fd, const char* to) {
  REAL(symlinkat);
  int r = real_symlinkat(target, fd, to);
  if (r == 0) LogTwoPathOp(OpType::kSymlink, target, AbsPath(fd, to), 0);
  return r;
}

int unlink(const char* path) {
  REAL(unlink);
  std::string abs = AbsPath(AT_FDCWD, path);
  int r = real_unlink(path);
  if (r == 0) LogTwoPathOp(OpType::kUnlink, abs, "", 0);
  return r;
}
int unlinkat(int fd, const char* path, int flags) {
  REAL(unlinkat);
  std::string abs = AbsPath(fd, path);
  int r = real_unlinkat(fd, path, flags);
  if (r == 0) LogTwoPathOp((flags & AT_REMOVEDIR) ? OpType::kRmdir : OpType::kUnlink, abs, "", 0);
  return r;
}
int rmdir(const char* path) {
  REAL(rmdir);
  std::string abs = AbsPath(AT_FDCWD, path);
  int r = real_rmdir(path);
  if (r == 0) LogTwoPathOp(OpType::kRmdir, abs, "", 0);
  return r;
}
int remove(const char* path) {
  REAL(remove);
  struct stat st;
  bool dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
  std::string abs = AbsPath(AT_FDCWD, path);
  int r = real_remove(path);
  if (r == 0) LogTwoPathOp(dir ? OpType::kRmdir : OpType::kUnlink, abs, "", 0);
  return r;
}
int mkdir(const char* path, mode_t mode) {
  REAL(mkdir);
  int r = real_mkdir(path, mode);
  if (r == 0) LogPathOp(OpType::kMkdir, AT_FDCWD, path, true);
  return r;
}
int mkdirat(int fd, const char* path, mode_t mode) {
  REAL(mkdirat);
  int r = real_mkdirat(fd, path, mode);
  if (r == 0) LogPathOp(OpType::kMkdir, fd, path, true);
  return r;
}

int fsync(int fd) { return SyncCommon(fd, false); }
int fdatasync(int fd) { return SyncCommon(fd, true); }
int syncfs(int fd) {
  REAL(syncfs);
  if (Active()) {
    Busy busy;
    Emit(OpType::kSyncAll, nullptr, 0, 0, nullptr, 0);
  }
  int r = real_syncfs(fd);
  if (Active()) {
    Busy busy;
    Emit(OpType::kSyncAll, nullptr, 1, 0, nullptr, 0);
  }
  return r;
}
void sync() {
  REAL(sync);
  if (Active()) {
    Busy busy;
    Emit(OpType::kSyncAll, nullptr, 0, 0, nullptr, 0);
  }
  real_sync();
  if (Active()) {
    Busy busy;
    Emit(OpType::kSyncAll, nullptr, 1, 0, nullptr, 0);
  }
}

}  // extern "C"

// Logs which command this process is, so the checker knows which acks count.
__attribute__((constructor(200))) static void LogExec() {
  if (g_log_fd < 0) {
    Init();
    if (g_log_fd < 0) return;
  }
  char buf[8192];
  int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC));
  if (fd < 0) return;
  ssize_t n = syscall(SYS_read, fd, buf, sizeof buf);
  syscall(SYS_close, fd);
  if (n > 0) Emit(OpType::kExec, nullptr, 0, 0, buf, static_cast<size_t>(n));
}
