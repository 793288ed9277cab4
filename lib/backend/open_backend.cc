#include "backend/open_backend.h"

#include "backend/local_backend.h"
#include "topic/data_dir.h"

namespace klog::backend {

Result<Where> ResolveWhere(const WhereFlags& flags) {
  auto root = topic::ResolveDataDir(flags.dir, flags.klog_dir_env, flags.xdg_data_home_env, flags.home_env);
  if (!root.ok()) return root.status();
  return Where{*root};
}

Result<std::unique_ptr<Backend>> OpenBackend(const Where& where, bool dir_must_exist) {
  Status st = topic::CheckDataDir(where.dir, dir_must_exist);
  if (!st.ok()) return st;
  return std::unique_ptr<Backend>(new LocalBackend(topic::DataDir(where.dir)));
}

}  // namespace klog::backend
