#include "format/output.h"

#include <algorithm>
#include <chrono>

#include "os/pipe.h"

namespace klog::format {

Output::Output(int fd, bool enlarge_pipe) : fd_(fd), is_pipe_(os::IsPipe(fd)) {
  buf_.reserve(kFlushAt + 65536);
  if (enlarge_pipe) os::EnlargePipe(fd_);
}

Status Output::Flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    size_t chunk = buf_.size() - done;
    if (dropped_ || (stop_ && stop_->load())) {
      // Stopping: a write must not block for good on a reader that takes
      // nothing, so only what the pipe has room for, until the grace ends.
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now().time_since_epoch()).count();
      if (give_up_at_ < 0) give_up_at_ = now + grace_ms_;
      if (dropped_ || !os::WaitWritable(fd_, static_cast<int>(std::max<int64_t>(0, give_up_at_ - now)))) {
        if (dropped_ || now >= give_up_at_) {
          dropped_ = true;
          buf_.clear();
          return Status::OutputClosed("stdout closed");
        }
        continue;  // a signal: wait on
      }
      chunk = std::min(chunk, os::kPipeChunk);
    }
    auto w = os::WriteSome(fd_, buf_.data() + done, chunk);
    if (!w.ok()) {
      buf_.clear();
      return w.status();
    }
    done += *w;
  }
  buf_.clear();
  return Status::Ok();
}

Status Output::FlushAndCheckReader() {
  KLOG_RETURN_IF_ERROR(Flush());
  if (is_pipe_ && os::ReaderGone(fd_)) return Status::OutputClosed("stdout closed");
  return Status::Ok();
}

}  // namespace klog::format
