#include "os/this_process.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace klog::os {

int ProcessId() { return static_cast<int>(::getpid()); }

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string UserName() {
  const char* user = std::getenv("USER");
  if (user && *user) return user;
  struct passwd* pw = ::getpwuid(::getuid());
  if (pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
  return "uid" + std::to_string(::getuid());
}

}  // namespace klog::os
