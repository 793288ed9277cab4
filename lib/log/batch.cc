#include "log/batch.h"

#include <zstd.h>

#include "util/crc32c.h"
#include "util/endian.h"
#include "util/varint.h"

namespace klog::log {

using util::GetFixed;
using util::PutFixed;

const char* CodecName(Codec c) { return c == Codec::kZstd ? "zstd" : "none"; }

Result<Codec> ParseCodec(std::string_view name) {
  if (name == "none") return Codec::kNone;
  if (name == "zstd") return Codec::kZstd;
  return Status::InvalidArgument("unknown compression '" + std::string(name) + "' (expected zstd or none)");
}

Status ParseBatchHeader(const char* d, BatchHeader& h) {
  h.base_offset = GetFixed<int64_t>(d);
  h.length = GetFixed<uint32_t>(d + 8);
  h.crc = GetFixed<uint32_t>(d + 12);
  h.magic = static_cast<uint8_t>(d[16]);
  h.attributes = static_cast<uint8_t>(d[17]);
  h.record_count = GetFixed<uint32_t>(d + 20);
  h.first_timestamp = GetFixed<int64_t>(d + 24);
  h.max_timestamp = GetFixed<int64_t>(d + 32);
  if (h.base_offset < 0) return Status::Corruption("negative base offset");
  if (h.length + 12ull < kBatchHeaderSize || h.length > kMaxBatchBytes)
    return Status::Corruption("batch length " + std::to_string(h.length) + " out of bounds");
  if (h.magic != kBatchMagic)
    return Status::Corruption("unknown batch format version " + std::to_string(h.magic));
  if ((h.attributes & ~0x7) != 0 || h.codec() > Codec::kZstd)
    return Status::Corruption("unknown batch attributes " + std::to_string(h.attributes));
  if (h.record_count == 0) return Status::Corruption("batch with no records");
  return Status::Ok();
}

bool BatchCrcOk(const BatchHeader& h, const char* data) {
  return util::Crc32c(data + 16, h.total_size() - 16) == h.crc;
}

Status Batch::Load(std::string_view label) {
  label_ = label;
  if (raw_.size() < kBatchHeaderSize) return Status::Corruption("short batch");
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(raw_.data(), header_));
  if (header_.total_size() != raw_.size()) return Status::Corruption("batch length mismatch");
  if (!BatchCrcOk(header_, raw_.data())) return Status::Corruption("checksum mismatch");
  std::string_view body(raw_.data() + kBatchHeaderSize, raw_.size() - kBatchHeaderSize);
  if (header_.codec() == Codec::kZstd) {
    unsigned long long n = ZSTD_getFrameContentSize(body.data(), body.size());
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > kMaxBatchBytes * 8)
      return Status::Corruption("bad zstd frame");
    decompressed_.resize(n);
    size_t r = ZSTD_decompress(decompressed_.data(), n, body.data(), body.size());
    if (ZSTD_isError(r) || r != n) return Status::Corruption("zstd: cannot decompress batch");
    records_ = decompressed_;
  } else {
    records_ = body;
  }
  Reset();
  return Status::Ok();
}

void Batch::Reset() {
  cursor_ = records_;
  seen_ = 0;
  status_ = Status::Ok();
}

bool Batch::Next(RecordView& r) {
  if (seen_ >= header_.record_count) {
    if (!cursor_.empty() && status_.ok()) status_ = Status::Corruption("trailing bytes after the last record");
    return false;
  }
  auto fail = [&](const char* why) {
    status_ = Status::Corruption(std::string("malformed record: ") + why);
    cursor_ = {};
    seen_ = header_.record_count;
    return false;
  };
  std::string_view in = cursor_;
  int64_t len;
  if (!util::GetVarint(in, len) || len < 0 || static_cast<uint64_t>(len) > in.size()) return fail("length");
  std::string_view rec = in.substr(0, static_cast<size_t>(len));
  cursor_ = in.substr(static_cast<size_t>(len));
  if (rec.empty()) return fail("attributes");
  rec.remove_prefix(1);
  int64_t ts_delta, off_delta, klen, vlen, hcount;
  if (!util::GetVarint(rec, ts_delta) || !util::GetVarint(rec, off_delta)) return fail("deltas");
  if (off_delta != seen_) return fail("offset delta out of sequence");
  if (!util::GetVarint(rec, klen) || klen < -1 || (klen > 0 && static_cast<uint64_t>(klen) > rec.size()))
    return fail("key length");
  if (klen >= 0) {
    r.key = rec.substr(0, static_cast<size_t>(klen));
    rec.remove_prefix(static_cast<size_t>(klen));
  } else {
    r.key.reset();
  }
  if (!util::GetVarint(rec, vlen) || vlen < 0 || static_cast<uint64_t>(vlen) > rec.size()) return fail("value length");
  r.value = rec.substr(0, static_cast<size_t>(vlen));
  rec.remove_prefix(static_cast<size_t>(vlen));
  if (!util::GetVarint(rec, hcount) || hcount < 0 || static_cast<uint64_t>(hcount) > rec.size())
    return fail("header count");
  r.headers.clear();
  for (int64_t i = 0; i < hcount; ++i) {
    int64_t nlen, hvlen;
    if (!util::GetVarint(rec, nlen) || nlen < 0 || static_cast<uint64_t>(nlen) > rec.size()) return fail("header name");
    std::string_view name = rec.substr(0, static_cast<size_t>(nlen));
    rec.remove_prefix(static_cast<size_t>(nlen));
    if (!util::GetVarint(rec, hvlen) || hvlen < -1 || (hvlen > 0 && static_cast<uint64_t>(hvlen) > rec.size()))
      return fail("header value");
    std::optional<std::string_view> hv;
    if (hvlen >= 0) {
      hv = rec.substr(0, static_cast<size_t>(hvlen));
      rec.remove_prefix(static_cast<size_t>(hvlen));
    }
    r.headers.push_back({name, hv});
  }
  if (!rec.empty()) return fail("trailing bytes in record");
  r.offset = header_.base_offset + off_delta;
  r.timestamp = header_.first_timestamp + ts_delta;
  ++seen_;
  return true;
}

namespace {
size_t VarintSize(int64_t v) {
  uint64_t z = util::ZigZag(v);
  size_t n = 1;
  while (z >= 0x80) {
    z >>= 7;
    ++n;
  }
  return n;
}

size_t RecordBodySize(int64_t ts_delta, int64_t off_delta, std::optional<std::string_view> key,
                      std::string_view value, const std::vector<HeaderView>& headers) {
  size_t n = 1 + VarintSize(ts_delta) + VarintSize(off_delta);
  n += key ? VarintSize(static_cast<int64_t>(key->size())) + key->size() : 1;
  n += VarintSize(static_cast<int64_t>(value.size())) + value.size();
  n += VarintSize(static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    n += VarintSize(static_cast<int64_t>(h.name.size())) + h.name.size();
    n += h.value ? VarintSize(static_cast<int64_t>(h.value->size())) + h.value->size() : 1;
  }
  return n;
}
}  // namespace

size_t BatchBuilder::EncodedRecordSize(std::optional<std::string_view> key, std::string_view value,
                                       const std::vector<HeaderView>& headers) {
  size_t body = RecordBodySize(0, 0, key, value, headers) + 2 * util::kMaxVarintBytes;
  return body + VarintSize(static_cast<int64_t>(body));
}

void BatchBuilder::Add(int64_t timestamp, std::optional<std::string_view> key, std::string_view value,
                       const std::vector<HeaderView>& headers) {
  if (count_ == 0) {
    first_ts_ = timestamp;
    max_ts_ = timestamp;
  }
  if (timestamp > max_ts_) max_ts_ = timestamp;
  int64_t ts_delta = timestamp - first_ts_;
  int64_t off_delta = count_;
  size_t body = RecordBodySize(ts_delta, off_delta, key, value, headers);
  records_.reserve(records_.size() + body + util::kMaxVarintBytes);
  util::PutVarint(records_, static_cast<int64_t>(body));
  records_.push_back('\0');
  util::PutVarint(records_, ts_delta);
  util::PutVarint(records_, off_delta);
  if (key) {
    util::PutVarint(records_, static_cast<int64_t>(key->size()));
    records_.append(*key);
  } else {
    util::PutVarint(records_, -1);
  }
  util::PutVarint(records_, static_cast<int64_t>(value.size()));
  records_.append(value);
  util::PutVarint(records_, static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    util::PutVarint(records_, static_cast<int64_t>(h.name.size()));
    records_.append(h.name);
    if (h.value) {
      util::PutVarint(records_, static_cast<int64_t>(h.value->size()));
      records_.append(*h.value);
    } else {
      util::PutVarint(records_, -1);
    }
  }
  ++count_;
}

Status BatchBuilder::Finish(Codec codec, std::string& out, int zstd_level) {
  if (count_ == 0) return Status::InvalidArgument("empty batch");
  std::string_view body = records_;
  if (codec == Codec::kZstd) {
    compressed_.resize(ZSTD_compressBound(records_.size()));
    size_t n = ZSTD_compress(compressed_.data(), compressed_.size(), records_.data(), records_.size(), zstd_level);
    if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
    compressed_.resize(n);
    body = compressed_;
  }
  if (kBatchHeaderSize + body.size() > kMaxBatchBytes)
    return Status::InvalidArgument("batch of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                                   std::to_string(kMaxBatchBytes));
  out.resize(kBatchHeaderSize);
  char* d = out.data();
  PutFixed<int64_t>(d, 0);
  PutFixed<uint32_t>(d + 8, static_cast<uint32_t>(kBatchHeaderSize + body.size() - 12));
  PutFixed<uint32_t>(d + 12, 0);
  d[16] = static_cast<char>(kBatchMagic);
  d[17] = static_cast<char>(codec);
  PutFixed<uint16_t>(d + 18, 0);
  PutFixed<uint32_t>(d + 20, count_);
  PutFixed<int64_t>(d + 24, first_ts_);
  PutFixed<int64_t>(d + 32, max_ts_);
  out.append(body);
  uint32_t crc = util::Crc32c(out.data() + 16, out.size() - 16);
  PutFixed<uint32_t>(out.data() + 12, crc);
  records_.clear();
  count_ = 0;
  return Status::Ok();
}

void SetBaseOffset(std::string& batch, int64_t base_offset) { PutFixed<int64_t>(batch.data(), base_offset); }

}  // namespace klog::log
