// kcat-style output format strings for consume, parsed once:
//   %t topic  %p partition  %o offset  %k key  %K key length (-1: none)
//   %v or %s value  %S value length  %T timestamp (ms)  %h headers as
//   name=value pairs joined by ','  %% a percent sign
//   escapes: \n \t \r \0 \\  (any other backslash pair is kept as it is)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "record/record.h"
#include "util/status.h"

namespace klog::format {

class OutputFormat {
 public:
  static Result<OutputFormat> Parse(std::string_view spec);
  void Append(std::string& out, std::string_view topic, int partition, const record::RecordView& r) const;

 private:
  struct Piece {
    char token;          // 0: literal text
    std::string literal;
  };
  std::vector<Piece> pieces_;
  // The default "%v\n" (a value, then fixed text): appended without walking
  // the pieces, once per record.
  bool value_then_literal_ = false;
};

}  // namespace klog::format
