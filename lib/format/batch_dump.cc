#include "format/batch_dump.h"

#include <cstdio>

#include "format/record_json.h"
#include "log/segment_name.h"
#include "util/parse.h"
#include "util/text.h"

namespace klog::format {

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (0 if none).
size_t Utf8SequenceAt(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  return util::IsValidUtf8(s.substr(i, len)) ? len : 0;
}

}  // namespace

void AppendEscaped(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (size_t len = Utf8SequenceAt(s, i)) {
        out.append(s.substr(i, len));
        i += len;
        continue;
      }
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void AppendBatchText(std::string& out, const log::BatchSummary& s, bool records, log::Batch* batch) {
  const log::BatchHeader& h = s.header;
  out += "base=" + std::to_string(h.base_offset) + " last=" + std::to_string(h.last_offset()) +
         " count=" + std::to_string(h.record_count) + " bytes=" + std::to_string(h.total_size()) +
         " codec=" + log::CodecName(h.codec()) + " first_ts=" + util::FormatIsoTimeMs(h.first_timestamp) +
         " max_ts=" + util::FormatIsoTimeMs(h.max_timestamp) + " crc=" + (s.crc_ok ? "ok" : "BAD") +
         " segment=" + log::SegmentFileName(s.segment_base, log::kLogSuffix) +
         " position=" + std::to_string(s.position);
  if (!s.problem.empty()) {
    out += " problem=";
    AppendEscaped(out, s.problem);
  }
  out += '\n';
  if (!records) return;
  if (!batch) {
    out += "  (records not shown: " + s.problem + ")\n";
    return;
  }
  batch->Reset();
  record::RecordView r;
  while (batch->Next(r)) AppendRecordText(out, r);
}

void AppendRecordText(std::string& out, const record::RecordView& r) {
  out += "  offset=" + std::to_string(r.offset) + " timestamp=" + util::FormatIsoTimeMs(r.timestamp) + " key=";
  if (r.key)
    AppendEscaped(out, *r.key);
  else
    out += '-';
  out += " value=";
  AppendEscaped(out, r.value);
  out += " headers=[";
  for (size_t i = 0; i < r.headers.size(); ++i) {
    if (i) out += ',';
    AppendEscaped(out, r.headers[i].name);
    out += '=';
    if (r.headers[i].value)
      AppendEscaped(out, *r.headers[i].value);
    else
      out += "null";
  }
  out += "]\n";
}

void AppendBatchJson(std::string& out, std::string_view topic, int partition, const log::BatchSummary& s, bool records,
                     log::Batch* batch) {
  const log::BatchHeader& h = s.header;
  out += "{\"topic\":";
  util::AppendJsonString(out, topic);
  out += ",\"partition\":" + std::to_string(partition) + ",\"segment\":\"" +
         log::SegmentFileName(s.segment_base, log::kLogSuffix) + "\",\"position\":" + std::to_string(s.position) +
         ",\"base_offset\":" + std::to_string(h.base_offset) + ",\"last_offset\":" + std::to_string(h.last_offset()) +
         ",\"count\":" + std::to_string(h.record_count) + ",\"bytes\":" + std::to_string(h.total_size()) +
         ",\"codec\":\"" + log::CodecName(h.codec()) + "\",\"first_timestamp\":" + std::to_string(h.first_timestamp) +
         ",\"max_timestamp\":" + std::to_string(h.max_timestamp) + ",\"crc_ok\":" + (s.crc_ok ? "true" : "false") +
         ",\"problem\":";
  if (s.problem.empty())
    out += "null";
  else
    util::AppendJsonString(out, s.problem);  // ASCII, from lib/log
  if (records && !batch) out += ",\"records\":null";
  if (records && batch) {
    out += ",\"records\":[";
    batch->Reset();
    record::RecordView r;
    bool first = true;
    while (batch->Next(r)) {
      if (!first) out += ',';
      first = false;
      AppendRecordJson(out, topic, partition, r);
      if (!out.empty() && out.back() == '\n') out.pop_back();
    }
    out += ']';
  }
  out += "}\n";
}

}  // namespace klog::format
