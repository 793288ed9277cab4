// The op log that fsrec.so (an LD_PRELOAD library) writes for every klog
// process of a power-loss workload, and crash_model.cc reads.
//
// One file, opened O_APPEND by every process; each record is one write(2),
// so the file's order is a global order of the logged events that respects
// causality: an event is logged by the thread that made it, after the call
// returned (writes, renames, creates) or before it began (fsync START), so
// anything that happened-before an event is earlier in the log.
//
// Record: Header, then `len1` bytes (a path, or data), then `len2` bytes (a
// second path). Little-endian, native layout (same machine).
#pragma once

#include <cstdint>

namespace klog::powerloss {

enum class OpType : uint32_t {
  kExec = 1,         // s1: argv joined with '\0'
  kOpen = 2,         // s1: path; ino; a: 1 if this open created the file, 2 for O_TMPFILE (s1 is then
                     // its directory); b: 1 if O_TRUNC
  kMkdir = 3,        // s1: path; ino of the new directory
  kWrite = 4,        // ino; a: file offset; s1: the bytes
  kTruncate = 5,     // ino; a: new size
  kRename = 6,       // s1: from, s2: to (RENAME_NOREPLACE/EXCHANGE not used by klog: b = flags)
  kUnlink = 7,       // s1: path
  kRmdir = 8,        // s1: path
  kLink = 9,         // s1: existing, s2: new name; ino: the inode linked
  kFsyncStart = 10,  // ino; a: 1 for a directory; b: 1 for fdatasync; s1: path
  kFsyncEnd = 11,    // ino; a: return value
  kStdout = 12,      // s1: bytes written to fd 1
  kFallocate = 13,   // ino; a: offset; b: length (mode 0 only: extends the size)
  kSymlink = 14,     // s1: target, s2: new name
  kSyncAll = 15,     // sync()/syncfs() START (a=0) or END (a=1)
};

struct OpHeader {
  uint32_t len1;
  uint32_t len2;
  OpType type;
  int32_t pid;
  int32_t tid;
  uint32_t pad;
  uint64_t dev;
  uint64_t ino;
  int64_t a;
  int64_t b;
};

}  // namespace klog::powerloss
