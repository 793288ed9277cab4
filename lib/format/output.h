// Buffered stdout for records and reports: large writes, no per-record
// system call, and a bounded wait for a reader that stops taking them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "util/status.h"

namespace klog::format {

// Buffered stdout: large writes, no per-record system call. A closed pipe
// turns into Status kOutputClosed ("stop quietly").
class Output {
 public:
  // `enlarge_pipe`: ask for a 1 MiB pipe (os::EnlargePipe). A group's
  // member does not: what sits in the pipe counts as delivered.
  explicit Output(int fd = 1, bool enlarge_pipe = true);
  // Once *stop is set, writing waits at most grace_ms in all for a reader
  // that takes nothing; then what is left is dropped, Flush says
  // kOutputClosed (stop quietly) and dropped() is true.
  void StopWithin(const std::atomic<bool>* stop, int64_t grace_ms) {
    stop_ = stop;
    grace_ms_ = grace_ms;
  }
  bool dropped() const { return dropped_; }
  std::string& buffer() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushAt ? Flush() : Status::Ok(); }
  Status Flush();
  // Flushes, then says kOutputClosed too when the output is a pipe whose
  // reader has gone even though nothing was left to write.
  Status FlushAndCheckReader();
  // The output's descriptor when it is a pipe or socket, else -1.
  int pipe_fd() const { return is_pipe_ ? fd_ : -1; }

 private:
  static constexpr size_t kFlushAt = 256 * 1024;
  int fd_;
  bool is_pipe_;
  std::string buf_;
  const std::atomic<bool>* stop_ = nullptr;
  int64_t grace_ms_ = 0;
  int64_t give_up_at_ = -1;  // steady ms, once stopping
  bool dropped_ = false;
};

}  // namespace klog::format
