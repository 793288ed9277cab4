// Which backend a command runs on, from the global flags and the
// environment: a data directory (--dir, $KLOG_DIR, the XDG default). The
// cluster backend (--brokers, $KLOG_BROKERS) joins here.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "util/status.h"

namespace klog::backend {

// What the user said, unresolved: flags as given ("" = not given), the
// environment as read (nullptr = unset).
struct WhereFlags {
  std::string dir;
  const char* klog_dir_env = nullptr;
  const char* xdg_data_home_env = nullptr;
  const char* home_env = nullptr;
};

struct Where {
  std::string dir;  // the data directory
};

// InvalidArgument (a usage error) when nothing names a place.
Result<Where> ResolveWhere(const WhereFlags& flags);

// Something that is not a directory at `dir` fails; so does a missing one
// when `dir_must_exist` (verify, retention: "checked nothing" must not read
// as "all is well"). Otherwise a missing directory is left to the command.
Result<std::unique_ptr<Backend>> OpenBackend(const Where& where, bool dir_must_exist);

}  // namespace klog::backend
