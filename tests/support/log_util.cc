#include "support/log_util.h"

#include <doctest/doctest.h>

#include <cstdlib>

#include "log/partition_reader.h"

namespace klog::testing {

std::string MakeBatch(const std::vector<std::string>& values, int64_t ts, log::Codec codec) {
  log::BatchBuilder b;
  for (size_t i = 0; i < values.size(); ++i) b.Add(ts + static_cast<int64_t>(i), std::nullopt, values[i], {});
  std::string out;
  if (!b.Finish(codec, out).ok()) std::abort();
  return out;
}

log::LogConfig Config(uint64_t segment_bytes) {
  log::LogConfig c;
  c.segment_bytes = segment_bytes;
  c.retention_ms = -1;
  c.retention_bytes = -1;
  return c;
}

std::unique_ptr<log::PartitionWriter> OpenWriter(const std::string& dir, const log::LogConfig& config) {
  auto w = log::PartitionWriter::Open(dir, kLabel, config);
  REQUIRE_MESSAGE(w.ok(), w.status().message());
  return std::move(w).value();
}

int64_t AppendValues(log::PartitionWriter& w, const std::vector<std::string>& values, int64_t ts) {
  std::string batch = MakeBatch(values, ts);
  auto r = w.Append(batch, ts);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

Status ReadRecords(const std::string& dir, int64_t from, std::vector<Rec>* out) {
  log::PartitionReader reader(dir, kLabel);
  KLOG_RETURN_IF_ERROR(reader.Seek(from));
  log::Batch batch;
  for (;;) {
    int64_t skip_below = 0;
    auto more = reader.Next(batch, &skip_below);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    record::RecordView r;
    while (batch.Next(r)) {
      if (r.offset < skip_below) continue;
      Rec rec{r.offset, r.timestamp, std::nullopt, std::string(r.value), {}};
      if (r.key) rec.key = std::string(*r.key);
      for (const auto& h : r.headers)
        rec.headers.emplace_back(std::string(h.name), h.value ? std::optional<std::string>(*h.value) : std::nullopt);
      out->push_back(std::move(rec));
    }
    KLOG_RETURN_IF_ERROR(batch.status());
  }
}

std::vector<std::string> ReadValues(const std::string& dir, int64_t from) {
  std::vector<Rec> recs;
  Status st = ReadRecords(dir, from, &recs);
  REQUIRE_MESSAGE(st.ok(), st.message());
  std::vector<std::string> values;
  for (const auto& r : recs) values.push_back(r.value);
  return values;
}

}  // namespace klog::testing
