// An empty partition made to start at an offset other than 0, as a
// partition does after retention deleted its old segments. klog mirror
// uses it so that a copy keeps the source's offsets when the source's
// oldest records are gone.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace klog::log {

// Under the writer lock: a partition holding no record gets one empty
// segment based at `offset` (durably: files and directory entry synced),
// replacing its empty segments. InvalidArgument when it holds a record, or
// when its next offset is already past `offset` (an empty partition that
// once held records, or was started later): offsets are never given twice.
Status StartEmptyPartitionAt(const std::string& dir, const std::string& label, int64_t offset);

}  // namespace klog::log
