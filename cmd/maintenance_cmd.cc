// klog verify, klog dump, klog retention (maintenance for cron and incidents)
#include "cli.h"

namespace klog::cmd {

void AddMaintenanceCommands(CLI::App&, Globals&, Action&) {}

}  // namespace klog::cmd
