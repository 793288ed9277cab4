// The record batch: klog's unit of writing, checksumming and compression.
//
// Byte layout (all integers little-endian), modelled on Kafka's v2 batch:
//
//   offset size field
//   0      8    base_offset      offset of the first record
//   8      4    length           bytes after this field (batch size - 12)
//   12     4    crc              CRC-32C of bytes [16, 12 + length)
//   16     1    magic            format version, kBatchMagic
//   17     1    attributes       bits 0-2: codec (0 none, 1 zstd); others 0
//   18     2    reserved         0
//   20     4    record_count     >= 1
//   24     8    first_timestamp  ms since the epoch
//   32     8    max_timestamp    ms since the epoch
//   40     ...  records          (zstd frame of them when the codec says so)
//
// As in Kafka, the CRC does not cover base_offset and length: readers check
// that base_offset is the offset they expect next and that length stays
// inside the file and below kMaxBatchBytes.
//
// Each record (varints are zig-zag base-128):
//   varint length of the rest of the record
//   u8     attributes (0)
//   varint timestamp delta (from first_timestamp)
//   varint offset delta (from base_offset)
//   varint key length (-1: no key), key bytes
//   varint value length, value bytes
//   varint header count, then per header:
//     varint name length, name bytes, varint value length (-1: null), value
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "record/record.h"
#include "util/status.h"

namespace klog::log {

constexpr size_t kBatchHeaderSize = 40;
// Where each header field starts (the table above).
constexpr size_t kBatchLengthAt = 8;
constexpr size_t kBatchCrcAt = 12;
constexpr size_t kBatchMagicAt = 16;
constexpr size_t kBatchAttributesAt = 17;
constexpr size_t kBatchReservedAt = 18;
constexpr size_t kBatchRecordCountAt = 20;
constexpr size_t kBatchFirstTimestampAt = 24;
constexpr size_t kBatchMaxTimestampAt = 32;
// Bytes before those that `length` counts (base_offset and length).
constexpr size_t kBatchLengthPrefix = 12;
// The CRC covers [kBatchCrcStart, total size): from magic to the end.
constexpr size_t kBatchCrcStart = kBatchMagicAt;
constexpr uint8_t kBatchMagic = 1;
constexpr uint64_t kMaxBatchBytes = 128ull << 20;
// zstd levels a topic or producer may ask for (Kafka's compression.zstd.level).
constexpr int kMinZstdLevel = 1;
constexpr int kMaxZstdLevel = 19;
Status ValidateZstdLevel(int level);

enum class Codec : uint8_t { kNone = 0, kZstd = 1 };
const char* CodecName(Codec c);
Result<Codec> ParseCodec(std::string_view name);  // "none" | "zstd"

struct BatchHeader {
  int64_t base_offset = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
  uint8_t magic = 0;
  uint8_t attributes = 0;
  uint32_t record_count = 0;
  int64_t first_timestamp = 0;
  int64_t max_timestamp = 0;

  uint64_t total_size() const { return uint64_t{kBatchLengthPrefix} + length; }
  int64_t last_offset() const { return base_offset + record_count - 1; }
  int64_t next_offset() const { return base_offset + record_count; }
  Codec codec() const { return static_cast<Codec>(attributes & 0x7); }
};

// Parses the fixed header; checks only what the header alone can tell
// (magic, codec, count, length bounds), not the CRC.
Status ParseBatchHeader(const char* data, BatchHeader& out);

// CRC check of a whole batch (header + body, `data` of header.total_size()).
bool BatchCrcOk(const BatchHeader& header, const char* data);

// Owns a raw batch and, for compressed ones, its decompressed records;
// iterates records without copying them.
class Batch {
 public:
  const BatchHeader& header() const { return header_; }
  // Raw on-disk bytes (header included).
  const std::string& raw() const { return raw_; }
  std::string& mutable_raw() { return raw_; }

  // Takes raw_ (filled by the caller), parses header, checks the CRC and
  // decompresses. Messages (here and in status()) say what is wrong, not
  // where: the caller knows the partition and position (segment.h's Where).
  Status Load();

  // Iteration: Reset, then Next until it returns false.
  void Reset();
  // False at the end; a malformed record yields Corruption via status().
  bool Next(record::RecordView& r);
  const Status& status() const { return status_; }

 private:
  BatchHeader header_;
  std::string raw_;
  std::string decompressed_;
  std::string_view records_;
  std::string_view cursor_;
  uint32_t seen_ = 0;
  Status status_;
};

// Appends records to a batch being built; Finish produces the bytes with
// base_offset 0, and SetBaseOffset patches it in under the partition lock.
class BatchBuilder {
 public:
  struct Header {
    std::string name;
    std::optional<std::string> value;
  };

  // `batch_bytes`: the size its batches are expected to reach (a producer's
  // batch size). The buffer is allocated for that many at once, when the
  // first record needs one, instead of growing by doubling (each size on
  // the way would be allocated, copied and faulted in, for every buffer).
  explicit BatchBuilder(size_t batch_bytes = 0) : batch_bytes_(batch_bytes) {}

  // Returns the bytes the record takes in the batch.
  size_t Add(int64_t timestamp, std::optional<std::string_view> key, std::string_view value,
             const std::vector<record::HeaderView>& headers);
  uint32_t count() const { return count_; }
  size_t size_bytes() const { return count_ == 0 ? 0 : used_ - kBatchHeaderSize; }
  bool empty() const { return count_ == 0; }
  int64_t max_timestamp() const { return max_ts_; }

  // Drops the records added, keeping the buffers' capacity.
  void Clear() {
    used_ = 0;
    count_ = 0;
  }

  // Builds the batch into `out` (cleared first) and resets the builder,
  // which keeps its buffers' capacity for the next batch. zstd runs at
  // `zstd_level`, or by default at level 1 with a small hash table (see
  // batch.cc).
  Status Finish(Codec codec, std::string& out, std::optional<int> zstd_level = std::nullopt);

 private:
  void Grow(size_t need);

  // Header room, then the records, in the first used_ bytes; the rest is
  // room for more (see batch.cc).
  std::string records_;
  size_t used_ = 0;
  std::string compressed_;  // header room, then the zstd frame
  size_t batch_bytes_ = 0;
  uint32_t count_ = 0;
  int64_t first_ts_ = 0;
  int64_t max_ts_ = 0;
};

void SetBaseOffset(std::string& batch, int64_t base_offset);

}  // namespace klog::log
