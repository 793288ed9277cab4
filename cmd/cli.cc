#include "cli.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "log/batch.h"
#include "os/pipe.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {

int Fail(const Status& status) {
  std::string line = "klog: error: " + status.message() + "\n";
  (void)!::write(2, line.data(), line.size());
  switch (status.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kBusy:
      return kExitRefused;
    case Code::kNotSupported:  // the contract: a command this backend cannot run is a usage error
      return kExitUsage;
    default:
      return kExitRuntime;
  }
}

int UsageError(const std::string& message) {
  std::string line = "klog: error: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
  return kExitUsage;
}

void Note(const Globals& g, const std::string& message) {
  if (g.quiet || !(g.verbose || ::isatty(2))) return;
  std::string line = "klog: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
}

void Warn(const Globals& g, const std::string& message) {
  if (g.quiet) return;
  std::string line = "klog: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
}

topic::DataDir DataDirFrom(const Globals& g, DirUse use) {
  auto root = topic::ResolveDataDir(g.dir, std::getenv("KLOG_DIR"), std::getenv("XDG_DATA_HOME"), std::getenv("HOME"));
  if (!root.ok()) throw CLI::RuntimeError(UsageError(root.status().message()));
  Status st = topic::CheckDataDir(*root, use == DirUse::kMustExist);
  if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  return topic::DataDir(*root);
}

std::string IntRangeMessage(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  // A number too large for int64 is not told "at least MIN", which it is:
  // name the real maximum then.
  bool too_large = false;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    std::string digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
    const std::string top = std::to_string(INT64_MAX);
    too_large = digits.size() > top.size() || (digits.size() == top.size() && digits > top);
  }
  std::string range = max == INT64_MAX && !too_large
                          ? "a whole number of at least " + std::to_string(min)
                          : "between " + std::to_string(min) + " and " + std::to_string(max);
  return flag + ": must be " + range + ", not '" + text + "'";
}

std::string LagCell(const group::PartitionView& p) {
  return std::to_string(p.lag) + (p.out_of_range ? " (offset out of range)" : "");
}

std::string OffsetCell(const std::optional<int64_t>& offset) { return offset ? std::to_string(*offset) : "-"; }

int ParseCompressionLevelFlag(const std::string& text) {
  return static_cast<int>(
      ParseFlag("--compression-level", util::ParseInt(text, log::kMinZstdLevel, log::kMaxZstdLevel)));
}

void CheckGroupName(const std::string& name) {
  Status st = util::ValidateName(name, "group");
  if (!st.ok()) throw CLI::RuntimeError(UsageError(st.message()));
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

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
    ssize_t w = ::write(fd_, buf_.data() + done, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      buf_.clear();
      if (errno == EPIPE) return Status::OutputClosed("stdout closed");
      return Status::IOError(std::string("writing output: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(w);
  }
  buf_.clear();
  return Status::Ok();
}

Status Output::FlushAndCheckReader() {
  KLOG_RETURN_IF_ERROR(Flush());
  if (is_pipe_ && os::ReaderGone(fd_)) return Status::OutputClosed("stdout closed");
  return Status::Ok();
}

int PrintAndExit(const std::string& text) {
  Output out;
  out.buffer() = text;
  Status st = out.Flush();
  if (!st.ok() && st.code() != Code::kOutputClosed) return Fail(st);
  return kExitOk;
}

}  // namespace klog::cmd
