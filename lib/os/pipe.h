// Pipes between klog and the programs around it in a shell pipeline.
#pragma once

#include <cstddef>

#include "util/status.h"

namespace klog::os {

// True when fd is a pipe (or FIFO) or a socket: a stream with a reader at
// the other end, not a file or a terminal.
bool IsPipe(int fd);

// When fd is a pipe, asks the kernel for a 1 MiB buffer instead of 64 KiB
// (silently keeps what it has if refused): with the default, a 256 KiB
// write or read takes several switches between klog and its neighbour.
void EnlargePipe(int fd);

// True when fd, a pipe or socket klog writes to, has lost its reader. A
// follower with nothing to write would otherwise never learn it (write(2)
// is what reports EPIPE), and `consume -f | head` would outlive head.
bool ReaderGone(int fd);

// Waits up to timeout_ms for fd to take a write of up to kPipeChunk bytes
// without blocking; false when it would still block (or a signal came).
constexpr size_t kPipeChunk = 4096;  // PIPE_BUF: one free slot of a pipe holds it
bool WaitWritable(int fd, int timeout_ms);

// One read(2) of up to n bytes from a stream (stdin): 0 at its end.
// Retries on EINTR.
Result<size_t> ReadSome(int fd, char* buf, size_t n);

// One write(2) of up to n bytes to a stream (stdout). 0 when a signal
// interrupted it (the caller looks at its stop flag, then writes again);
// kOutputClosed when its reader has gone (EPIPE: SIGPIPE is ignored).
Result<size_t> WriteSome(int fd, const char* data, size_t n);

}  // namespace klog::os
