// Parsing klog's small JSON state files (topic.json, state.json,
// members/ID.json, offsets.json, journal lines). They hold integers only, so
// a number with a fraction or an exponent (1e25) means a damaged or
// hand-edited file: it is refused while parsing, because json::get<int>()
// would convert it with undefined behaviour. Throws what nlohmann::json::parse
// throws, or std::invalid_argument; callers catch std::exception.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace klog::util {

inline nlohmann::json ParseStateJson(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(),
                               [](int, nlohmann::json::parse_event_t event, nlohmann::json& v) {
                                 if (event == nlohmann::json::parse_event_t::value && v.is_number_float())
                                   throw std::invalid_argument("a number that is not an integer: " + v.dump());
                                 return true;
                               });
}

// An integer that may be missing (an offset never committed), as JSON
// writes it in state files and --json output: the number, or null.
template <typename Json = nlohmann::json>
Json IntOrNull(const std::optional<int64_t>& v) {
  return v ? Json(*v) : Json(nullptr);
}

}  // namespace klog::util
