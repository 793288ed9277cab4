// Topic and group names follow Kafka's rule: [A-Za-z0-9._-], 1-249 chars,
// not "." or "..". Checked before any file is touched.
#pragma once

#include <string_view>

#include "util/status.h"

namespace klog::util {

constexpr size_t kMaxNameLength = 249;

// `what` is "topic" or "group", used in the message.
Status ValidateName(std::string_view name, std::string_view what);

}  // namespace klog::util
