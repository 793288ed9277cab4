// What `klog verify` and `klog retention` print: text and JSON of a
// topic::VerifyRun and a topic::RetentionRun (klog-verify(1), klog-retention(1)).
#pragma once

#include <string>

#include "topic/maintenance.h"

namespace klog::format {

// Per partition: "T/P: OK: ...", or its first problem (and, after a repair,
// what was done). Partitions that could not be checked are left out (their
// error is reported on its own).
std::string VerifyText(const topic::VerifyRun& run, bool repair);
// {"ok":...,"partitions":[...]} on one line.
std::string VerifyJson(const topic::VerifyRun& run, bool repair);

// One row per segment deleted (or to delete); "" when there is none.
std::string RetentionTable(const topic::RetentionRun& run);
// {"dry_run":...,"deleted"|"would_delete":[...]} on one line.
std::string RetentionJson(const topic::RetentionRun& run, bool dry_run);

// "1 segment", "2 batches".
std::string Plural(int64_t n, const char* one, const char* many);

}  // namespace klog::format
