// Test helpers: a temporary directory removed at the end, and tiny damage
// helpers in the spirit of LevelDB's log_test (ShrinkSize, IncrementByte).
// Failures abort the calling test case (doctest REQUIRE), so use them in
// the test process only, never in a forked child.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace klog::testing {

// mkdtemp under $TMPDIR (or /tmp); the whole tree is removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Flips bit `bit` (0-7) of the byte at `byte_offset`.
void FlipBit(const std::string& path, uint64_t byte_offset, int bit);
// Cuts (or extends with zeros) the file to `size` bytes.
void TruncateAt(const std::string& path, uint64_t size);
uint64_t FileSize(const std::string& path);
std::string ReadAll(const std::string& path);
// The file's content, or "" when it cannot be read (not there yet).
std::string ReadOrEmpty(const std::string& path);
// Replaces the file's content (creating it if needed).
void WriteAll(const std::string& path, std::string_view data);

}  // namespace klog::testing
