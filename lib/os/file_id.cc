#include "os/file_id.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace klog::os {

Result<FileId> IdOfPath(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  return FileId{st.st_dev, st.st_ino};
}

Result<FileId> IdOfFile(const File& file) {
  struct stat st;
  if (::fstat(file.fd(), &st) != 0) return ErrnoStatus("fstat", file.path(), errno);
  return FileId{st.st_dev, st.st_ino};
}

Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0 && err != EINVAL) return ErrnoStatus("fsync", path, err);
  return Status::Ok();
}

}  // namespace klog::os
