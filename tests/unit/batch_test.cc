#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "log/batch.h"
#include "log/segment.h"
#include "os/file.h"
#include "support/temp_dir.h"
#include "util/crc32c.h"
#include "util/endian.h"

using namespace klog::log;
using klog::Code;
using klog::Status;
using klog::testing::TempDir;

namespace {

struct Header {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

struct Record {
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::string value;
  std::vector<Header> headers;
  bool operator==(const Record&) const = default;
};

std::string Build(const std::vector<Record>& records, Codec codec, std::optional<int> zstd_level = std::nullopt) {
  BatchBuilder b;
  for (const auto& r : records) {
    std::vector<klog::record::HeaderView> hs;
    for (const auto& h : r.headers) hs.push_back({h.name, h.value ? std::optional<std::string_view>(*h.value) : std::nullopt});
    b.Add(r.timestamp, r.key, r.value, hs);
  }
  std::string out;
  REQUIRE(b.Finish(codec, out, zstd_level).ok());
  CHECK(b.empty());
  return out;
}

// Loads raw bytes and decodes every record; the Status of Load or Next.
Status Decode(const std::string& raw, std::vector<Record>* out, int64_t* first_offset = nullptr) {
  Batch batch;
  batch.mutable_raw() = raw;
  KLOG_RETURN_IF_ERROR(batch.Load());
  klog::record::RecordView r;
  bool first = true;
  while (batch.Next(r)) {
    if (first && first_offset) *first_offset = r.offset;
    first = false;
    Record rec{r.timestamp, std::nullopt, std::string(r.value), {}};
    if (r.key) rec.key = std::string(*r.key);
    for (const auto& h : r.headers)
      rec.headers.push_back({std::string(h.name), h.value ? std::optional<std::string>(*h.value) : std::nullopt});
    out->push_back(std::move(rec));
  }
  return batch.status();
}

std::string Binary(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<Record> Awkward() {
  const std::string nul("a\0b\0", 4);
  return {
      {1000, std::nullopt, "no key", {}},
      {1001, std::string(), "empty key", {}},
      {1002, std::string("k"), "", {}},
      {999, nul, nul, {{"h", nul}}},
      {5000, std::string("\xff\xfe\x80", 3), std::string("\xc3\x28 not utf-8", 12), {}},
      {1003, std::nullopt, "headers", {{"dup", std::string("1")}, {"null", std::nullopt}, {"dup", std::string("2")},
                                       {"", std::string()}, {"dup", std::string("3")}}},
      {-5, std::string("negative ts"), Binary(300, 1), {{"bin", Binary(40, 2)}}},
  };
}

}  // namespace

TEST_CASE("records round trip byte for byte, compressed or not") {
  for (Codec codec : {Codec::kNone, Codec::kZstd}) {
    CAPTURE(CodecName(codec));
    std::vector<Record> in = Awkward();
    std::string raw = Build(in, codec);
    std::vector<Record> out;
    Status st = Decode(raw, &out);
    REQUIRE_MESSAGE(st.ok(), st.message());
    CHECK(out == in);
    BatchHeader h;
    REQUIRE(ParseBatchHeader(raw.data(), h).ok());
    CHECK(h.codec() == codec);
    CHECK(h.record_count == in.size());
    CHECK(h.first_timestamp == 1000);
    CHECK(h.max_timestamp == 5000);
    CHECK(h.total_size() == raw.size());
  }
}

TEST_CASE("zstd levels: every level decodes to the same records; higher levels are smaller on log lines") {
  std::vector<Record> in;
  std::mt19937 rng(5);
  const char* words[] = {"GET", "POST", "/api/v1/users", "/login", "status=200", "status=500", "eu-west", "took"};
  for (int i = 0; i < 4000; ++i) {
    std::string v = "2026-11-24T10:00:00." + std::to_string(i) + "Z";
    for (int w = 0; w < 6; ++w) v += std::string(" ") + words[rng() % 8] + " " + std::to_string(rng() % 100000);
    in.push_back({i, std::nullopt, v, {}});
  }
  // The thread's context changes level and back: each batch must still be
  // compressed as asked (sizes repeat) and decode.
  std::map<std::string, size_t> size_of;
  for (std::optional<int> level : {std::optional<int>(), std::optional<int>(19), std::optional<int>(3),
                                   std::optional<int>(), std::optional<int>(19)}) {
    std::string name = level ? std::to_string(*level) : "default";
    CAPTURE(name);
    std::string raw = Build(in, Codec::kZstd, level);
    std::vector<Record> out;
    REQUIRE(Decode(raw, &out).ok());
    CHECK(out == in);
    if (size_of.count(name)) CHECK(size_of[name] == raw.size());
    size_of[name] = raw.size();
  }
  CHECK(size_of["19"] < size_of["3"]);
  CHECK(size_of["3"] < size_of["default"]);
  // A level means nothing without compression.
  CHECK(Build(in, Codec::kNone, 19) == Build(in, Codec::kNone));
}

TEST_CASE("a builder sized for its batches builds the same bytes, past that size too, batch after batch") {
  // Each builder makes three batches (its buffers go back and forth with
  // `out` between them), the last with a record far bigger than its size.
  std::vector<std::vector<Record>> batches = {Awkward(), {}, {{7, std::nullopt, Binary(200000, 3), {}}}};
  for (int i = 0; i < 3000; ++i) batches[1].push_back({i, std::nullopt, "line " + std::to_string(i), {}});
  for (Codec codec : {Codec::kNone, Codec::kZstd}) {
    for (size_t batch_bytes : {size_t{0}, size_t{1}, size_t{100}, size_t{4096}, size_t{1} << 20}) {
      CAPTURE(CodecName(codec));
      CAPTURE(batch_bytes);
      BatchBuilder b(batch_bytes);
      std::string out;
      for (const auto& records : batches) {
        for (const auto& r : records) b.Add(r.timestamp, r.key, r.value, {});
        REQUIRE(b.Finish(codec, out).ok());
        std::vector<Record> plain;
        for (const auto& r : records) plain.push_back({r.timestamp, r.key, r.value, {}});
        CHECK(out == Build(plain, codec));
      }
    }
  }
}

TEST_CASE("absent and empty keys and header values stay distinct") {
  std::vector<Record> out;
  REQUIRE(Decode(Build(Awkward(), Codec::kNone), &out).ok());
  CHECK_FALSE(out[0].key.has_value());
  REQUIRE(out[1].key.has_value());
  CHECK(out[1].key->empty());
  CHECK_FALSE(out[5].headers[1].value.has_value());
  REQUIRE(out[5].headers[3].value.has_value());
  CHECK(out[5].headers[3].value->empty());
}

TEST_CASE("1 MiB values round trip, compressible or not") {
  for (Codec codec : {Codec::kNone, Codec::kZstd}) {
    std::vector<Record> in = {{1, std::string("random"), Binary(1 << 20, 7), {}},
                              {2, std::string("zeros"), std::string(1 << 20, '\0'), {}},
                              {3, std::nullopt, std::string(1 << 20, 'x'), {{"h", Binary(1 << 20, 8)}}}};
    std::string raw = Build(in, codec);
    if (codec == Codec::kZstd) CHECK(raw.size() < 2 * (1u << 20) + 4096);
    std::vector<Record> out;
    REQUIRE(Decode(raw, &out).ok());
    CHECK(out == in);
  }
}

TEST_CASE("SetBaseOffset renumbers records without touching the checksum") {
  std::string raw = Build(Awkward(), Codec::kZstd);
  SetBaseOffset(raw, 1000000007);
  std::vector<Record> out;
  int64_t first = -1;
  REQUIRE(Decode(raw, &out, &first).ok());
  CHECK(first == 1000000007);
  Batch batch;
  batch.mutable_raw() = raw;
  REQUIRE(batch.Load().ok());
  CHECK(batch.header().last_offset() == 1000000007 + static_cast<int64_t>(Awkward().size()) - 1);
  klog::record::RecordView r;
  int64_t expect = 1000000007;
  while (batch.Next(r)) CHECK(r.offset == expect++);
}

TEST_CASE("an empty batch is refused") {
  BatchBuilder b;
  std::string out;
  CHECK(b.Finish(Codec::kNone, out).code() == Code::kInvalidArgument);
}

TEST_CASE("codec names parse and print") {
  CHECK(*ParseCodec("zstd") == Codec::kZstd);
  CHECK(*ParseCodec("none") == Codec::kNone);
  CHECK(ParseCodec("gzip").status().code() == Code::kInvalidArgument);
  CHECK(std::string(CodecName(Codec::kZstd)) == "zstd");
}

// Everything from the length field on is checked by Load: the CRC covers
// bytes 16.., and the length must match the bytes there are.
TEST_CASE("a flipped bit anywhere after the base offset fails Load with Corruption") {
  for (Codec codec : {Codec::kNone, Codec::kZstd}) {
    std::string good = Build(Awkward(), codec);
    for (size_t bit = 8 * 8; bit < good.size() * 8; ++bit) {
      std::string bad = good;
      bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
      std::vector<Record> out;
      Status st = Decode(bad, &out);
      CAPTURE(CodecName(codec));
      CAPTURE(bit);
      REQUIRE(st.code() == Code::kCorruption);
      CHECK(out.empty());
    }
  }
}

// The base offset is outside the CRC (as in Kafka); the reader checks it
// against the offset it expects. Over a file, every single flipped bit is
// either Corrupt or (a longer length) Incomplete -- never a batch.
TEST_CASE("a flipped bit anywhere in a batch on disk is never read as a batch") {
  TempDir dir;
  std::string path = dir.Join("00000000000000000000.log");
  std::string good = Build(Awkward(), Codec::kNone);
  SetBaseOffset(good, 42);
  klog::testing::WriteAll(path, good);
  auto f = klog::os::File::OpenReadWrite(path, false);
  REQUIRE(f.ok());
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    char flipped = static_cast<char>(good[bit / 8] ^ (1 << (bit % 8)));
    REQUIRE(f->WriteAt(bit / 8, std::string_view(&flipped, 1)).ok());
    Batch batch;
    BatchRead r = ReadBatchAt(*f, good.size(), 0, 42, &batch);
    CAPTURE(bit);
    CHECK(r.kind != ReadKind::kBatch);
    if (r.kind == ReadKind::kCorrupt) CHECK(r.error.code() != Code::kOk);
    REQUIRE(f->WriteAt(bit / 8, std::string_view(&good[bit / 8], 1)).ok());
  }
  Batch batch;
  CHECK(ReadBatchAt(*f, good.size(), 0, 42, &batch).kind == ReadKind::kBatch);
}

TEST_CASE("a checksummed batch whose records do not match its header is Corruption") {
  auto recrc = [](std::string& raw) {
    klog::util::PutFixed<uint32_t>(raw.data() + kBatchCrcAt,
                                   klog::util::Crc32c(raw.data() + kBatchCrcStart, raw.size() - kBatchCrcStart));
  };
  std::string raw = Build({{1, std::nullopt, "a", {}}, {2, std::nullopt, "b", {}}}, Codec::kNone);
  SUBCASE("more records claimed than present") {
    klog::util::PutFixed<uint32_t>(raw.data() + kBatchRecordCountAt, 3);
    recrc(raw);
  }
  SUBCASE("fewer records claimed than present") {
    klog::util::PutFixed<uint32_t>(raw.data() + kBatchRecordCountAt, 1);
    recrc(raw);
  }
  SUBCASE("a record's length runs past the batch") {
    raw[kBatchHeaderSize] = 0x7e;
    recrc(raw);
  }
  std::vector<Record> out;
  CHECK(Decode(raw, &out).code() == Code::kCorruption);
}
