// klog group list|describe|delete
#include "cli.h"

namespace klog::cmd {

void AddGroupCommands(CLI::App&, Globals&, Action&) {}

}  // namespace klog::cmd
