// Feeds a RecordProducer (any backend) from a file descriptor (stdin): large reads, records split
// in place, and a linger deadline so that a slow writer (tail -F | klog
// produce) has its records written within the linger time.
//
// On bad input (oversize record, malformed JSON line) every record before
// the bad one is written and reported; the bad one and everything after it
// are not; the error names the input line (the record number for --format
// null, the argument number for VALUE arguments).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "record/record_producer.h"
#include "util/status.h"

namespace klog::backend {

enum class InputFormat { kLine, kNull, kJson };
Result<InputFormat> ParseInputFormat(std::string_view s);

struct StreamOptions {
  InputFormat format = InputFormat::kLine;
  std::optional<std::string> key;            // -k: the same key for all
  std::optional<std::string> key_separator;  // -K: split each record at the first SEP
  std::vector<std::pair<std::string, std::string>> headers;  // -H NAME=VALUE
  int64_t linger_ms = 0;  // 0: write as soon as input pauses
  // A stop request (os::StopFlag: SIGINT, SIGTERM, SIGHUP) ends the input:
  // every record read, and those already waiting in the pipe, are written,
  // then Ok. A writer that keeps the input full is cut after 64 more reads.
  // The unfinished record at the end (no delimiter yet) is not a record
  // but part of one: it is not written (see `cut_bytes`).
  bool stop_on_signal = false;
};

using WrittenCallback = std::function<Status(const std::vector<record::WrittenRun>&)>;

// Reads fd to its end. on_written is called after each flush. *cut_bytes,
// when given, is the size of the unfinished record a stop left unwritten.
Status ProduceStream(int fd, record::RecordProducer& producer, const StreamOptions& options, const WrittenCallback& on_written,
                     uint64_t* cut_bytes = nullptr);

// Produces each of `values` as one record (VALUE arguments).
Status ProduceValues(const std::vector<std::string>& values, record::RecordProducer& producer, const StreamOptions& options,
                     const WrittenCallback& on_written);

}  // namespace klog::backend
