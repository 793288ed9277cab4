// Which file a path or a descriptor names (device and inode): a writer
// compares what it holds open with what the path names now, to notice a
// file or directory that was deleted or replaced under it.
#pragma once

#include <sys/types.h>

#include <string>

#include "os/file.h"
#include "util/status.h"

namespace klog::os {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// What `path` names now (following symlinks); kNotFound when nothing.
Result<FileId> IdOfPath(const std::string& path);
// What an open descriptor refers to (it may have been unlinked since).
Result<FileId> IdOfFile(const File& file);

}  // namespace klog::os
