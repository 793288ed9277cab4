#include "format/output_format.h"

#include <charconv>

namespace klog::format {

Result<OutputFormat> OutputFormat::Parse(std::string_view spec) {
  OutputFormat f;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) f.pieces_.push_back({0, std::move(lit)});
    lit.clear();
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '\\' && i + 1 < spec.size()) {
      char e = spec[++i];
      switch (e) {
        case 'n': lit += '\n'; break;
        case 't': lit += '\t'; break;
        case 'r': lit += '\r'; break;
        case '0': lit += '\0'; break;
        case '\\': lit += '\\'; break;
        default:
          lit += '\\';
          lit += e;
      }
    } else if (c == '%') {
      if (i + 1 >= spec.size())
        return Status::InvalidArgument("format '" + std::string(spec) + "' ends with a lone '%' (write %% for a percent sign)");
      char t = spec[++i];
      if (t == '%') {
        lit += '%';
        continue;
      }
      if (std::string_view("tpokKvsSTh").find(t) == std::string_view::npos)
        return Status::InvalidArgument("format '" + std::string(spec) + "' has unknown token %" + std::string(1, t) +
                                       " (known: %t %p %o %k %K %v %s %S %T %h %%)");
      flush();
      f.pieces_.push_back({t == 's' ? 'v' : t, {}});
    } else {
      lit += c;
    }
  }
  flush();
  f.value_then_literal_ = f.pieces_.size() == 2 && f.pieces_[0].token == 'v' && f.pieces_[1].token == 0;
  return f;
}

namespace {
// Appends a decimal number without std::to_string's temporary string.
void AppendNumber(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}
}  // namespace

void OutputFormat::Append(std::string& out, std::string_view topic, int partition, const record::RecordView& r) const {
  if (value_then_literal_) {
    out += r.value;
    out += pieces_[1].literal;
    return;
  }
  for (const Piece& p : pieces_) {
    switch (p.token) {
      case 0: out += p.literal; break;
      case 't': out += topic; break;
      case 'p': AppendNumber(out, partition); break;
      case 'o': AppendNumber(out, r.offset); break;
      case 'k':
        if (r.key) out += *r.key;
        break;
      case 'K': AppendNumber(out, r.key ? static_cast<int64_t>(r.key->size()) : -1); break;
      case 'v': out += r.value; break;
      case 'S': AppendNumber(out, static_cast<int64_t>(r.value.size())); break;
      case 'T': AppendNumber(out, r.timestamp); break;
      case 'h':
        for (size_t i = 0; i < r.headers.size(); ++i) {
          if (i) out += ',';
          out += r.headers[i].name;
          out += '=';
          if (r.headers[i].value) out += *r.headers[i].value;
        }
        break;
    }
  }
}

}  // namespace klog::format
