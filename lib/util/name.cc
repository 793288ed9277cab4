#include "util/name.h"

#include <string>

namespace klog::util {

Status ValidateName(std::string_view name, std::string_view what) {
  std::string w(what);
  if (name.empty()) return Status::InvalidArgument(w + " name must not be empty");
  if (name.size() > kMaxNameLength)
    return Status::InvalidArgument(w + " name is " + std::to_string(name.size()) +
                                   " characters long; the limit is 249");
  if (name == "." || name == "..")
    return Status::InvalidArgument(w + " name '" + std::string(name) + "' is not allowed");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok)
      return Status::InvalidArgument(w + " name '" + std::string(name) +
                                     "' is invalid: use only letters, digits, '.', '_' and '-'");
  }
  return Status::Ok();
}

}  // namespace klog::util
