#include "os/file_id.h"

#include <sys/stat.h>

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

}  // namespace klog::os
