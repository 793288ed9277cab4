// Pure parsers for what users type: sizes, durations, counts, ISO-8601 times.
// Each returns InvalidArgument with a message that quotes the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace klog::util {

// "10MiB", "1GB", "4096", "64k": bytes. Binary (KiB, MiB, GiB, TiB, K, M, G)
// and decimal (KB, MB, GB, TB) units; case-insensitive; no negatives.
Result<uint64_t> ParseSize(std::string_view text);

// "500ms", "30s", "5m", "1h", "7d", "2w"; a bare number is milliseconds.
Result<int64_t> ParseDurationMs(std::string_view text);

// A decimal integer that must fit in int64 and lie in [min, max].
Result<int64_t> ParseInt(std::string_view text, int64_t min, int64_t max);

// "0,2,5": partition numbers in [0, 2^30], each once, in the order given
// ("0,0" is partition 0 once). The error is ParseInt's for the bad number.
Result<std::vector<int>> ParsePartitionList(std::string_view text);

// A record header "NAME=VALUE" (-H): the name is what comes before the first
// '=' and must not be empty; the value may be empty or hold more '='.
Result<std::pair<std::string, std::string>> ParseHeader(std::string_view text);

// ISO-8601 date-time to ms since the epoch: "2026-11-24", "2026-11-24T10:00",
// "2026-11-24T10:00:00.123", with "Z" or "±HH:MM"/"±HHMM"/"±HH"; a space may
// stand for "T". Without a zone it is local time.
Result<int64_t> ParseIsoTimeMs(std::string_view text);

// Formats ms since the epoch as "2026-11-24T10:00:00.123Z"; outside the
// years 0000-9999 (a record may carry any timestamp) as the plain number.
std::string FormatIsoTimeMs(int64_t ms);

// Human-readable size, e.g. "1.5 MiB".
std::string FormatSize(uint64_t bytes);

}  // namespace klog::util

namespace klog::util {
// "7d", "90m", "1500ms": the largest unit that divides the value exactly.
std::string FormatDurationMs(int64_t ms);
}  // namespace klog::util
