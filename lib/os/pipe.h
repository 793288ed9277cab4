// Pipes between klog and the programs around it in a shell pipeline.
#pragma once

namespace klog::os {

// When fd is a pipe, asks the kernel for a 1 MiB buffer instead of 64 KiB
// (silently keeps what it has if refused): with the default, a 256 KiB
// write or read takes several switches between klog and its neighbour.
void EnlargePipe(int fd);

}  // namespace klog::os
