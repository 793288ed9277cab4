#include "util/parse.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace klog::util {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "123abc" into the number 123 and the unit "abc".
bool SplitNumberUnit(std::string_view text, uint64_t& number, std::string& unit) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || ptr != text.data() + i) return false;
  unit = Lower(text.substr(i));
  return true;
}

bool MulOverflows(uint64_t a, uint64_t b, uint64_t& out) { return __builtin_mul_overflow(a, b, &out); }

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  uint64_t n;
  std::string unit;
  auto bad = [&] {
    return Status::InvalidArgument("invalid size '" + std::string(text) +
                                   "' (expected e.g. 4096, 64KiB, 10MiB, 1GB)");
  };
  if (!SplitNumberUnit(text, n, unit)) return bad();
  uint64_t mult;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kib") mult = 1ull << 10;
  else if (unit == "m" || unit == "mib") mult = 1ull << 20;
  else if (unit == "g" || unit == "gib") mult = 1ull << 30;
  else if (unit == "t" || unit == "tib") mult = 1ull << 40;
  else if (unit == "kb") mult = 1000ull;
  else if (unit == "mb") mult = 1000ull * 1000;
  else if (unit == "gb") mult = 1000ull * 1000 * 1000;
  else if (unit == "tb") mult = 1000ull * 1000 * 1000 * 1000;
  else return bad();
  uint64_t out;
  if (MulOverflows(n, mult, out) || out > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return Status::InvalidArgument("size '" + std::string(text) + "' is too large");
  return out;
}

namespace {

bool AddOverflows(uint64_t a, uint64_t b, uint64_t& out) { return __builtin_add_overflow(a, b, &out); }

// Kafka's own --by-duration form (Java's Duration, ISO-8601):
// P[nW][nD][T[nH][nM][n[.f]S]], e.g. PT1H, P1DT12H, PT0.5S. Fractions of a
// second below a millisecond are dropped. Returns false on anything else.
bool ParseIsoDurationMs(std::string_view text, uint64_t& out) {
  std::string t = Lower(text);
  if (t.size() < 3 || t[0] != 'p') return false;
  size_t i = 1;
  bool in_time = false, any = false;
  std::string order = "wd";  // units still allowed, in order
  out = 0;
  while (i < t.size()) {
    if (t[i] == 't') {
      if (in_time) return false;
      in_time = true;
      order = "hms";
      ++i;
      if (i == t.size()) return false;  // "P1DT": T without a time
      continue;
    }
    size_t d = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == d || i - d > 18) return false;
    uint64_t n = std::stoull(t.substr(d, i - d));
    uint64_t frac_ms = 0;
    bool has_frac = false;
    if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
      size_t f = ++i;
      while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
      if (i == f || i - f > 9) return false;
      std::string digits = t.substr(f, i - f) + "00";
      frac_ms = std::stoull(digits.substr(0, 3));
      has_frac = true;
    }
    if (i == t.size()) return false;  // a number without its unit
    char unit = t[i++];
    size_t pos = order.find(unit);
    if (pos == std::string::npos) return false;  // unknown, repeated or out of order
    order.erase(0, pos + 1);
    if (has_frac && unit != 's') return false;
    uint64_t mult = unit == 'w' ? 7 * 86'400'000ull
                    : unit == 'd' ? 86'400'000ull
                    : unit == 'h' ? 3'600'000ull
                    : unit == 'm' ? 60'000ull
                                  : 1000ull;
    uint64_t part;
    if (MulOverflows(n, mult, part) || AddOverflows(part, frac_ms, part) || AddOverflows(out, part, out)) {
      out = UINT64_MAX;
      return true;  // too large: the caller says so
    }
    any = true;
  }
  return any;
}

}  // namespace

Result<int64_t> ParseDurationMs(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid duration '" + std::string(text) +
                                   "' (expected e.g. 500ms, 30s, 5m, 1h30m, 7d, or ISO-8601 PT1H)");
  };
  auto too_large = [&] { return Status::InvalidArgument("duration '" + std::string(text) + "' is too large"); };
  const uint64_t max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t out = 0;
  if (!text.empty() && (text[0] == 'P' || text[0] == 'p')) {
    if (!ParseIsoDurationMs(text, out)) return bad();
    if (out > max) return too_large();
    return static_cast<int64_t>(out);
  }
  // One or more NUMBER UNIT parts, largest first ("1h30m", "1m30s"); a bare
  // number alone is milliseconds.
  static constexpr std::pair<const char*, uint64_t> kUnits[] = {
      {"w", 7 * 86'400'000ull}, {"d", 86'400'000ull}, {"h", 3'600'000ull}, {"m", 60'000ull},
      {"min", 60'000ull},       {"s", 1000ull},       {"ms", 1ull}};
  size_t next_unit = 0;  // index into kUnits: each part's unit is smaller than the last
  std::string_view rest = text;
  if (rest.empty()) return bad();
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    size_t letters = digits;
    while (letters < rest.size() && std::isalpha(static_cast<unsigned char>(rest[letters]))) ++letters;
    uint64_t n;
    std::string unit;
    if (!SplitNumberUnit(rest.substr(0, letters), n, unit)) {
      if (digits > 0 && digits <= 20) return too_large();  // digits, but too many for 64 bits
      return bad();
    }
    uint64_t mult = 0;
    if (unit.empty()) {
      if (rest.size() != text.size() || letters != rest.size()) return bad();  // "1h30": 30 what?
      mult = 1;
    } else {
      size_t u = next_unit;
      while (u < std::size(kUnits) && unit != kUnits[u].first) ++u;
      if (u == std::size(kUnits)) return bad();  // unknown, or not smaller than the part before
      mult = kUnits[u].second;
      next_unit = u + 1;
      if (unit == "m") next_unit = u + 2;  // not "1m2min"
    }
    uint64_t part;
    if (MulOverflows(n, mult, part) || AddOverflows(out, part, out) || out > max) return too_large();
    rest.remove_prefix(letters);
  }
  return static_cast<int64_t>(out);
}

Result<int64_t> ParseInt(std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  std::string_view t = text;
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || (t.size() < text.size() && t[0] == '-') || ec == std::errc::invalid_argument || ptr != t.data() + t.size())
    return Status::InvalidArgument("invalid number '" + std::string(text) + "'");
  if (ec == std::errc::result_out_of_range || v < min || v > max)
    return Status::InvalidArgument("number '" + std::string(text) + "' out of range [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

namespace {

// Reads exactly `width` digits.
bool Digits(std::string_view& s, int width, int& out) {
  if (s.size() < static_cast<size_t>(width)) return false;
  out = 0;
  for (int i = 0; i < width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  s.remove_prefix(width);
  return true;
}

bool Eat(std::string_view& s, char c) {
  if (s.empty() || s[0] != c) return false;
  s.remove_prefix(1);
  return true;
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {  // Howard Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

Result<int64_t> ParseIsoTimeMs(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("invalid time '" + std::string(text) + "': " + why +
                                   " (expected e.g. 2026-11-24T10:00:00Z or 2026-11-24T10:00+05:30)");
  };
  std::string_view s = text;
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!Digits(s, 4, y) || !Eat(s, '-') || !Digits(s, 2, mo) || !Eat(s, '-') || !Digits(s, 2, d))
    return bad("date must be YYYY-MM-DD");
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return bad("no such date");
  if (!s.empty() && (s[0] == 'T' || s[0] == 't' || s[0] == ' ')) {
    s.remove_prefix(1);
    if (!Digits(s, 2, h) || !Eat(s, ':') || !Digits(s, 2, mi)) return bad("time must be HH:MM[:SS[.mmm]]");
    if (Eat(s, ':')) {
      if (!Digits(s, 2, sec)) return bad("seconds must be two digits");
      if (Eat(s, '.') || Eat(s, ',')) {
        int digits = 0;
        ms = 0;
        while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
          if (digits < 3) ms = ms * 10 + (s[0] - '0');
          ++digits;
          s.remove_prefix(1);
        }
        if (digits == 0) return bad("fraction needs digits");
        for (int i = digits; i < 3; ++i) ms *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return bad("no such time of day");
  }
  int64_t local_seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  if (s.empty()) {
    // No zone: local time, resolved by the C library (handles DST).
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == static_cast<time_t>(-1) && !(y == 1969 && mo == 12 && d == 31)) return bad("cannot convert local time");
    return static_cast<int64_t>(t) * 1000 + ms;
  }
  if (s == "Z" || s == "z") return local_seconds * 1000 + ms;
  int sign;
  if (s[0] == '+') sign = 1;
  else if (s[0] == '-') sign = -1;
  else return bad("unexpected text after the time");
  s.remove_prefix(1);
  int zh, zm = 0;
  if (!Digits(s, 2, zh)) return bad("zone must be Z or ±HH:MM");
  if (Eat(s, ':')) {
    if (!Digits(s, 2, zm)) return bad("zone must be Z or ±HH:MM");
  } else if (!s.empty() && !Digits(s, 2, zm)) {
    return bad("zone must be Z or ±HH:MM");
  }
  if (!s.empty()) return bad("unexpected text after the zone");
  if (zh > 14 || zm > 59) return bad("no such zone offset");
  return (local_seconds - sign * (zh * 3600 + zm * 60)) * 1000 + ms;
}

std::string FormatIsoTimeMs(int64_t ms) {
  constexpr int64_t kYear0 = -62167219200000LL;       // 0000-01-01T00:00:00.000Z
  constexpr int64_t kYear9999End = 253402300799999LL;  // 9999-12-31T23:59:59.999Z
  if (ms < kYear0 || ms > kYear9999End) return std::to_string(ms);
  int64_t secs = ms / 1000;
  int milli = static_cast<int>(ms % 1000);
  if (milli < 0) {  // floor, for times before 1970
    milli += 1000;
    --secs;
  }
  time_t t = static_cast<time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
  return buf;
}

std::string FormatSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

}  // namespace klog::util

namespace klog::util {
std::string FormatDurationMs(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static const Unit kUnits[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  if (ms == 0) return "0ms";
  for (const Unit& u : kUnits)
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  return std::to_string(ms) + "ms";
}
}  // namespace klog::util

namespace klog::util {

Result<std::vector<int>> ParsePartitionList(std::string_view text) {
  std::vector<int> out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    auto p = ParseInt(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start), 0,
                      1 << 30);
    if (!p.ok()) return p.status();
    // Once each: "-p 0,0" must not read every record of partition 0 twice.
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(static_cast<int>(*p));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::pair<std::string, std::string>> ParseHeader(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return Status::InvalidArgument("'" + std::string(text) + "': expected NAME=VALUE");
  return std::pair<std::string, std::string>(text.substr(0, eq), text.substr(eq + 1));
}

}  // namespace klog::util
