#include "format/record_json.h"

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace klog::format {

std::vector<record::HeaderView> OwnedRecord::HeaderViews() const {
  std::vector<record::HeaderView> v;
  v.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    record::HeaderView h{name, std::nullopt};
    if (value) h.value = std::string_view(*value);
    v.push_back(h);
  }
  return v;
}

namespace {

void AppendBytes(std::string& out, std::string_view bytes) {
  if (util::IsValidUtf8(bytes)) {
    util::AppendJsonString(out, bytes);
  } else {
    out += "{\"base64\":\"";
    out += util::Base64Encode(bytes);
    out += "\"}";
  }
}

}  // namespace

void AppendRecordJson(std::string& out, std::string_view topic, int partition, const record::RecordView& r) {
  out += "{\"topic\":";
  util::AppendJsonString(out, topic);
  out += ",\"partition\":";
  out += std::to_string(partition);
  out += ",\"offset\":";
  out += std::to_string(r.offset);
  out += ",\"timestamp\":";
  out += std::to_string(r.timestamp);
  out += ",\"key\":";
  if (r.key) AppendBytes(out, *r.key);
  else out += "null";
  out += ",\"value\":";
  AppendBytes(out, r.value);
  out += ",\"headers\":[";
  for (size_t i = 0; i < r.headers.size(); ++i) {
    if (i) out += ',';
    out += "{\"key\":";
    AppendBytes(out, r.headers[i].name);
    out += ",\"value\":";
    if (r.headers[i].value) AppendBytes(out, *r.headers[i].value);
    else out += "null";
    out += '}';
  }
  out += "]}\n";
}

namespace {

// A JSON string, or {"base64": "..."}; `what` names the field in errors.
Result<std::string> BytesFrom(const nlohmann::ordered_json& j, const std::string& what) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.size() == 1 && j.contains("base64") && j["base64"].is_string()) {
    auto d = util::Base64Decode(j["base64"].get<std::string>());
    if (!d) return Status::InvalidArgument(what + ": invalid base64");
    return *d;
  }
  return Status::InvalidArgument(what + " must be a string or {\"base64\": \"...\"}");
}

}  // namespace

Result<OwnedRecord> ParseRecordJson(std::string_view line) {
  // ordered_json: headers given as a plain object keep the order they were written in.
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(line.begin(), line.end());
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    std::string what = e.what();
    auto pos = what.find("parse error");
    if (pos == std::string::npos && what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos)
      pos = what.find("] ") + 2;  // "[json.exception.out_of_range.406] number overflow ..."
    return Status::InvalidArgument("invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  }
  if (!j.is_object()) return Status::InvalidArgument("expected a JSON object with a \"value\"");
  OwnedRecord r;
  auto value = j.find("value");
  if (value == j.end()) return Status::InvalidArgument("missing \"value\"");
  if (value->is_null()) {
    r.value.clear();
  } else {
    auto v = BytesFrom(*value, "\"value\"");
    if (!v.ok()) return v.status();
    r.value = std::move(v).value();
  }
  if (auto k = j.find("key"); k != j.end() && !k->is_null()) {
    auto v = BytesFrom(*k, "\"key\"");
    if (!v.ok()) return v.status();
    r.key = std::move(v).value();
  }
  if (auto h = j.find("headers"); h != j.end() && !h->is_null()) {
    if (h->is_object()) {
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (it.value().is_null()) {
          r.headers.emplace_back(it.key(), std::nullopt);
          continue;
        }
        auto v = BytesFrom(it.value(), "header \"" + it.key() + "\"");
        if (!v.ok()) return v.status();
        r.headers.emplace_back(it.key(), std::move(v).value());
      }
    } else if (h->is_array()) {
      for (const auto& e : *h) {
        if (!e.is_object() || !e.contains("key"))
          return Status::InvalidArgument("each header must be {\"key\": ..., \"value\": ...}");
        auto name = BytesFrom(e["key"], "header key");
        if (!name.ok()) return name.status();
        std::optional<std::string> hv;
        if (e.contains("value") && !e["value"].is_null()) {
          auto v = BytesFrom(e["value"], "header value");
          if (!v.ok()) return v.status();
          hv = std::move(v).value();
        }
        r.headers.emplace_back(std::move(name).value(), std::move(hv));
      }
    } else {
      return Status::InvalidArgument("\"headers\" must be an array or an object");
    }
  }
  if (auto p = j.find("partition"); p != j.end() && !p->is_null()) {
    if (!p->is_number_integer() || p->get<int64_t>() < 0 || p->get<int64_t>() > INT32_MAX)
      return Status::InvalidArgument("\"partition\" must be a non-negative integer");
    r.partition = p->get<int>();
  }
  if (auto t = j.find("timestamp"); t != j.end() && !t->is_null()) {
    if (!t->is_number_integer()) return Status::InvalidArgument("\"timestamp\" must be an integer (ms since the epoch)");
    r.timestamp = t->get<int64_t>();
  }
  return r;
}

}  // namespace klog::format
