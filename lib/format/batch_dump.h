// How `klog dump` prints batches and records.
//
// Text, one line per batch, then (with --records) one indented line per record:
//
//   base=0 last=2 count=3 bytes=161 codec=none first_ts=2026-11-24T10:00:00.000Z
//     max_ts=2026-11-24T10:00:00.002Z crc=ok segment=00000000000000000000.log position=0
//     offset=0 timestamp=2026-11-24T10:00:00.000Z key=- value="a\x00b" headers=[h="x"]
//
// (the batch line is one line; wrapped here). A batch with a problem ends in
// ` problem="..."` and shows crc=BAD when its checksum fails. Keys, values and
// header parts print as double-quoted strings: valid UTF-8 as it is, `\\`,
// `\"`, `\n`, `\t`, `\r` escaped, every other control byte or byte that is not
// part of valid UTF-8 as `\xNN`. An absent key or header value prints as `-`
// and `null`.
//
// JSON (--json): one object per batch per line (JSON Lines), so a dump of a
// large partition streams:
//   {"topic":"t","partition":0,"segment":"00000000000000000000.log","position":0,
//    "base_offset":0,"last_offset":2,"count":3,"bytes":161,"codec":"none",
//    "first_timestamp":1764000000000,"max_timestamp":1764000000002,"crc_ok":true,
//    "problem":null,"records":[...]}
// "records" (with --records only) holds objects of the shape `klog consume
// --format json` prints (record_json.h).
#pragma once

#include <string>
#include <string_view>

#include "log/batch.h"
#include "log/dump.h"

namespace klog::format {

// Appends `bytes` as a double-quoted, escaped string (see above).
void AppendEscaped(std::string& out, std::string_view bytes);

// With `records`, each record of `batch` follows (iterated from the start),
// or a line saying why not when the batch could not be decoded (`batch` null).
void AppendBatchText(std::string& out, const log::BatchSummary& s, bool records, log::Batch* batch);
void AppendRecordText(std::string& out, const record::RecordView& r);
// With `records`, adds "records": the records of `batch` (iterated from the
// start), or null when the batch could not be decoded (`batch` null).
void AppendBatchJson(std::string& out, std::string_view topic, int partition, const log::BatchSummary& s, bool records,
                     log::Batch* batch);

}  // namespace klog::format
