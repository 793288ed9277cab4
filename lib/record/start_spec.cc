#include "record/start_spec.h"

#include <algorithm>
#include <string>

#include "util/parse.h"

namespace klog::record {

Result<StartSpec> ParseStartSpec(std::string_view text) {
  if (text == "beginning" || text == "earliest") return StartSpec{StartSpec::kBeginning, 0};
  if (text == "end" || text == "latest") return StartSpec{StartSpec::kEnd, 0};
  auto bad = [&](const Status& why) {
    return Status::InvalidArgument("invalid offset '" + std::string(text) +
                                   "' (expected beginning, end, N, -N or @TIME): " + why.message());
  };
  if (!text.empty() && text[0] == '@') {
    std::string_view t = text.substr(1);
    auto ms = util::ParseInt(t, INT64_MIN, INT64_MAX);
    if (ms.ok()) return StartSpec{StartSpec::kTimestamp, *ms};
    auto iso = util::ParseIsoTimeMs(t);
    if (!iso.ok()) return bad(iso.status());
    return StartSpec{StartSpec::kTimestamp, *iso};
  }
  if (!text.empty() && text[0] == '-') {
    auto n = util::ParseInt(text.substr(1), 0, INT64_MAX);
    if (!n.ok()) return bad(n.status());
    return StartSpec{StartSpec::kFromEnd, *n};
  }
  auto n = util::ParseInt(text, 0, INT64_MAX);
  if (!n.ok()) return bad(n.status());
  return StartSpec{StartSpec::kOffset, *n};
}

int64_t ClampStart(const StartSpec& spec, int64_t start, int64_t end, int64_t offset_for_time) {
  int64_t at = 0;
  switch (spec.kind) {
    case StartSpec::kBeginning: at = start; break;
    case StartSpec::kEnd: at = end; break;
    case StartSpec::kOffset: at = spec.value; break;
    case StartSpec::kFromEnd: at = end - std::min(spec.value, end); break;
    case StartSpec::kTimestamp: at = offset_for_time; break;
  }
  return std::clamp(at, start, std::max(start, end));
}

}  // namespace klog::record
