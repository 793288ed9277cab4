// lib/os/this_process: who this process is, as member ids and journal
// actors name it.
#include "os/this_process.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace klog::os {
namespace {

// Sets $USER (or unsets it) for the life of the object.
struct UserEnv {
  explicit UserEnv(const char* value) {
    if (const char* old = std::getenv("USER")) saved = old;
    if (value) setenv("USER", value, 1);
    else unsetenv("USER");
  }
  ~UserEnv() {
    if (saved) setenv("USER", saved->c_str(), 1);
    else unsetenv("USER");
  }
  std::optional<std::string> saved;
};

TEST_CASE("this process: its pid and a host name") {
  CHECK(ProcessId() == static_cast<int>(::getpid()));
  CHECK_FALSE(HostName().empty());
}

TEST_CASE("this process: the user is $USER, else the uid's name, never empty") {
  {
    UserEnv env("alice");
    CHECK(UserName() == "alice");
  }
  for (const char* value : {static_cast<const char*>(nullptr), ""}) {
    UserEnv env(value);
    std::string name = UserName();
    CHECK_FALSE(name.empty());
    CHECK(name != "alice");
  }
}

}  // namespace
}  // namespace klog::os
