#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "os/file.h"

namespace klog::testing {

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/klog-test-XXXXXX";
  REQUIRE_MESSAGE(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp " << tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() { (void)os::RemoveTree(path_); }

void FlipBit(const std::string& path, uint64_t byte_offset, int bit) {
  std::string data = ReadAll(path);
  REQUIRE(byte_offset < data.size());
  data[byte_offset] = static_cast<char>(data[byte_offset] ^ (1 << bit));
  WriteAll(path, data);
}

void TruncateAt(const std::string& path, uint64_t size) {
  REQUIRE_MESSAGE(::truncate(path.c_str(), static_cast<off_t>(size)) == 0, "truncate " << path);
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, "stat " << path);
  return static_cast<uint64_t>(st.st_size);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "open " << path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string ReadOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  REQUIRE_MESSAGE(out.good(), "write " << path);
}

}  // namespace klog::testing
