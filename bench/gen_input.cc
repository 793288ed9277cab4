// klog_bench_gen COUNT SIZE: writes COUNT lines to stdout, each a record
// value of exactly SIZE bytes followed by '\n'. The lines look like log
// lines (timestamp, level, random ids and numbers, words from a small
// vocabulary), so zstd finds about as much to squeeze as in real logs.
// Deterministic: the same arguments always give the same bytes.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

uint64_t g_state = 0x9E3779B97F4A7C15ull;
uint64_t Next() {  // xorshift64*
  g_state ^= g_state >> 12;
  g_state ^= g_state << 25;
  g_state ^= g_state >> 27;
  return g_state * 0x2545F4914F6CDD1Dull;
}

const char* const kWords[] = {"user",    "login", "logout", "request",  "served",  "cache",   "miss",   "hit",
                              "error",   "order", "paid",   "shipped",  "retry",   "timeout", "db",     "query",
                              "took",    "ms",    "status", "ok",       "session", "token",   "GET",    "POST",
                              "/api/v1", "items", "cart",   "checkout", "latency", "bytes",   "region", "eu-west"};
const char* const kLevels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};

bool WriteAll(const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t w = ::write(1, s.data() + done, s.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: klog_bench_gen COUNT SIZE\n");
    return 2;
  }
  long long count = std::atoll(argv[1]);
  size_t size = static_cast<size_t>(std::atoll(argv[2]));
  if (count < 0 || size < 16) {
    std::fprintf(stderr, "klog_bench_gen: COUNT >= 0 and SIZE >= 16\n");
    return 2;
  }
  std::string out;
  std::string line;
  char tmp[96];
  for (long long i = 0; i < count; ++i) {
    line.clear();
    int n = std::snprintf(tmp, sizeof tmp, "2025-01-01T%02lld:%02lld:%02lld.%03lldZ %s req=%016llx user=%llu ",
                          (i / 3600000) % 24, (i / 60000) % 60, (i / 1000) % 60, i % 1000, kLevels[Next() % 6],
                          static_cast<unsigned long long>(Next()), static_cast<unsigned long long>(Next() % 100000));
    line.append(tmp, static_cast<size_t>(n));
    while (line.size() < size) {
      uint64_t r = Next();
      if (r % 5 == 0) {
        n = std::snprintf(tmp, sizeof tmp, "%llu ", static_cast<unsigned long long>(r >> 40));
        line.append(tmp, static_cast<size_t>(n));
      } else {
        line += kWords[(r >> 8) % (sizeof kWords / sizeof kWords[0])];
        line += ' ';
      }
    }
    line.resize(size);
    out += line;
    out += '\n';
    if (out.size() >= (1u << 20)) {
      if (!WriteAll(out)) return 1;
      out.clear();
    }
  }
  if (!WriteAll(out)) return 1;
  return 0;
}
