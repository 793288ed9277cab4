// Test helpers for the log layer: make batches, open writers, read a whole
// partition back. MakeBatch and ReadRecords use no doctest macros, so forked
// children may call them too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "log/batch.h"
#include "log/log_config.h"
#include "log/partition_writer.h"
#include "util/status.h"

namespace klog::testing {

inline const std::string kLabel = "topic 't' partition 0";

struct Rec {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// One keyless record per value; record i is stamped ts + i.
std::string MakeBatch(const std::vector<std::string>& values, int64_t ts, log::Codec codec = log::Codec::kNone);

// A config with retention off and the given segment size.
log::LogConfig Config(uint64_t segment_bytes = 1 << 20);

// REQUIREs success.
std::unique_ptr<log::PartitionWriter> OpenWriter(const std::string& dir, const log::LogConfig& config);
// Appends one batch of `values` (REQUIREs success); returns its base offset.
int64_t AppendValues(log::PartitionWriter& w, const std::vector<std::string>& values, int64_t ts);

// Reads every record at or after `from` through a PartitionReader until it
// has nothing more. Records read before an error stay in *out.
Status ReadRecords(const std::string& dir, int64_t from, std::vector<Rec>* out);
// Values only; REQUIREs that reading succeeds.
std::vector<std::string> ReadValues(const std::string& dir, int64_t from = 0);

}  // namespace klog::testing
