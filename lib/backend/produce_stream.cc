#include "backend/produce_stream.h"

#include <cstring>

#include "format/record_json.h"
#include "os/pipe.h"
#include "os/signals.h"
#include "util/clock.h"

namespace klog::backend {

Result<InputFormat> ParseInputFormat(std::string_view s) {
  if (s == "line") return InputFormat::kLine;
  if (s == "null") return InputFormat::kNull;
  if (s == "json") return InputFormat::kJson;
  return Status::InvalidArgument("unknown input format '" + std::string(s) + "' (expected line, null or json)");
}

namespace {

class InputRecords {
 public:
  // `unit` names one record of input in messages: "line ", "record ", "argument ".
  InputRecords(record::RecordProducer& producer, const StreamOptions& options, const WrittenCallback& on_written, std::string unit)
      : producer_(producer), options_(options), on_written_(on_written), unit_(std::move(unit)) {
    for (const auto& [n, v] : options_.headers) headers_.push_back({n, std::string_view(v)});
  }

  // One record of input; `number` is its line (or record) number.
  Status Take(std::string_view text, uint64_t number, int64_t now) {
    Status st = TakeOne(text, now);
    if (!st.ok()) {
      if (producer_.first_unwritten()) return NameUnwritten(st);  // a write failed, not this record
      Status flushed = Flush();  // everything before the bad record is written
      if (!flushed.ok()) return flushed;
      return Status(st.code(), "input " + unit_ + std::to_string(number) + ": " + st.message());
    }
    // Checked first: most records are only queued (saves a call per record).
    return producer_.has_written() ? Report() : Status::Ok();
  }

  Status Flush() {
    Status st = producer_.Flush();
    Status reported = Report();
    if (!st.ok() && producer_.first_unwritten()) return NameUnwritten(st);
    return st.ok() ? reported : st;
  }

 private:
  Status TakeOne(std::string_view text, int64_t now) {
    if (options_.format == InputFormat::kJson) {
      auto rec = format::ParseRecordJson(text);
      if (!rec.ok()) return rec.status();
      json_headers_.assign(headers_.begin(), headers_.end());  // reused: no allocation per record
      for (const auto& h : rec->HeaderViews()) json_headers_.push_back(h);
      std::optional<std::string_view> key;
      if (rec->key) key = *rec->key;
      else if (options_.key) key = *options_.key;
      return producer_.Add(rec->partition, rec->timestamp.value_or(now), key, rec->value, json_headers_);
    }
    std::optional<std::string_view> key;
    if (options_.key) key = *options_.key;
    if (options_.key_separator) {
      auto pos = text.find(*options_.key_separator);
      if (pos != std::string_view::npos) {
        key = text.substr(0, pos);
        text.remove_prefix(pos + options_.key_separator->size());
      }
    }
    return producer_.Add(std::nullopt, now, key, text, headers_);
  }


  // A failed write: the input to resume from is the first record not
  // written (records are numbered as the input is, from 1). What was
  // written is reported first.
  Status NameUnwritten(const Status& st) {
    (void)Report();
    return Status(st.code(), "input " + unit_ + std::to_string(*producer_.first_unwritten() + 1) +
                                 " (the first not written): " + st.message());
  }

  Status Report() {
    auto written = producer_.TakeWritten();
    if (written.empty() || !on_written_) return Status::Ok();
    return on_written_(written);
  }

  record::RecordProducer& producer_;
  const StreamOptions& options_;
  const WrittenCallback& on_written_;
  std::string unit_;
  std::vector<record::HeaderView> headers_;
  std::vector<record::HeaderView> json_headers_;  // -H headers, then the record's own
};

}  // namespace

Status ProduceValues(const std::vector<std::string>& values, record::RecordProducer& producer, const StreamOptions& options,
                     const WrittenCallback& on_written) {
  InputRecords sink(producer, options, on_written, "argument ");
  int64_t now = util::NowMs();
  uint64_t n = 0;
  for (const auto& v : values) KLOG_RETURN_IF_ERROR(sink.Take(v, ++n, now));
  return sink.Flush();
}

Status ProduceStream(int fd, record::RecordProducer& producer, const StreamOptions& options, const WrittenCallback& on_written,
                     uint64_t* cut_bytes) {
  InputRecords sink(producer, options, on_written, options.format == InputFormat::kNull ? "record " : "line ");
  const char delim = options.format == InputFormat::kNull ? '\0' : '\n';
  std::string buf(1 << 20, '\0');
  os::EnlargePipe(fd);
  size_t len = 0;  // bytes in buf not yet split into records
  uint64_t number = 0;
  int64_t first_pending_ms = 0;
  bool stopping = false;  // asked to stop: only what is in the pipe now is still read
  int drained = 0;
  for (;;) {
    // Records queued, or written in the background but not yet reported:
    // flush once input pauses for the linger time.
    int timeout = -1;
    if (stopping) {
      timeout = 0;
    } else if (producer.has_pending() || producer.writing()) {
      int64_t wait = first_pending_ms + options.linger_ms - util::NowMs();
      timeout = wait > 0 ? static_cast<int>(std::min<int64_t>(wait, 1 << 30)) : 0;
    }
    os::WaitResult ready = os::WaitResult::kReady;
    if (timeout >= 0 || options.stop_on_signal)
      ready = os::WaitReadable(fd, timeout, options.stop_on_signal && !stopping);
    if (ready == os::WaitResult::kStopped) {
      stopping = true;
      continue;
    }
    // A writer that keeps writing cannot hold a stopped producer forever.
    bool input_ends = stopping && (ready == os::WaitResult::kTimeout || ++drained > 64);
    if (ready == os::WaitResult::kTimeout && !input_ends) {
      KLOG_RETURN_IF_ERROR(sink.Flush());
      continue;
    }
    if (len == buf.size()) buf.resize(buf.size() * 2);
    size_t n = 0;
    if (!input_ends) {
      auto got = os::ReadSome(fd, buf.data() + len, buf.size() - len);
      if (!got.ok()) return got.status();
      n = *got;
    }
    bool eof = n == 0;
    size_t scan_from = len;
    len += n;
    int64_t now = util::NowMs();
    bool had_pending = producer.has_pending();
    size_t start = 0;
    for (;;) {
      const char* hit = static_cast<const char*>(std::memchr(buf.data() + scan_from, delim, len - scan_from));
      if (!hit) break;
      size_t end = static_cast<size_t>(hit - buf.data());
      KLOG_RETURN_IF_ERROR(sink.Take(std::string_view(buf.data() + start, end - start), ++number, now));
      start = scan_from = end + 1;
    }
    if (eof) {
      if (stopping && start < len) {
        // The input did not end: what follows the last delimiter is part
        // of a record, not one.
        if (cut_bytes) *cut_bytes = len - start;
        start = len;
      }
      if (start < len) KLOG_RETURN_IF_ERROR(sink.Take(std::string_view(buf.data() + start, len - start), ++number, now));
      return sink.Flush();
    }
    // Keep the unfinished record at the front of the buffer.
    if (start > 0) {
      std::memmove(buf.data(), buf.data() + start, len - start);
      len -= start;
    }
    // A record that can no longer fit: say so now rather than buffer forever.
    size_t limit = producer.max_record_bytes() + (options.key_separator ? options.key_separator->size() : 0);
    if (options.format == InputFormat::kJson) limit = limit * 8 + 4096;  // escapes and base64 grow it
    if (len > limit) {
      Status flushed = sink.Flush();
      if (!flushed.ok()) return flushed;
      return Status::InvalidArgument("input " + std::string(delim ? "line " : "record ") + std::to_string(number + 1) +
                                     ": record exceeds --max-record-size " +
                                     std::to_string(producer.max_record_bytes()));
    }
    if (!had_pending && producer.has_pending()) first_pending_ms = now;
  }
}

}  // namespace klog::backend
