// Byte-string helpers for the text formats: UTF-8 validation, base64, and
// JSON string escaping fast enough for the consume path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace klog::util {

bool IsValidUtf8(std::string_view s);
std::string Base64Encode(std::string_view s);
std::optional<std::string> Base64Decode(std::string_view s);
// Appends s as a JSON string literal (quotes included); s must be UTF-8.
void AppendJsonString(std::string& out, std::string_view s);

// Left-aligned columns, two spaces apart; first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace klog::util
