// Records with everything a copy must keep, as `klog produce --format json`
// input: a null key and an empty one, a binary value, headers in order with
// a duplicate and a null value, explicit timestamps (from 2023: a topic
// holding them needs --retention -1, or its first roll deletes them).
#pragma once

namespace klog::testing {

inline constexpr const char* kRecordsACopyMustKeep =
    R"({"key":null,"value":"no key","timestamp":1700000000001})"
    "\n"
    R"({"key":"","value":"empty key","timestamp":1700000000002,"headers":[{"key":"h","value":"1"},{"key":"h","value":"2"},{"key":"n","value":null}]})"
    "\n"
    R"({"key":"k","value":{"base64":"AAEC/w=="},"timestamp":1700000000003})"
    "\n";

}  // namespace klog::testing
