// klog offset reset|show|history|commit
#include "cli.h"

namespace klog::cmd {

void AddOffsetCommands(CLI::App&, Globals&, Action&) {}

}  // namespace klog::cmd
