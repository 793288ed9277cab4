// Who this process is: its id, its host and its user, for member ids and
// the actors named in a group's journal.
#pragma once

#include <string>

namespace klog::os {

int ProcessId();
// "localhost" when the name cannot be read.
std::string HostName();
// $USER, else the name of the real uid, else "uidN".
std::string UserName();

}  // namespace klog::os
