#include "format/prometheus.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace klog::format {

void PrometheusWriter::Family(const std::string& name, const std::string& help, const std::string& type) {
  std::string h;
  for (char c : help) {  // HELP text escapes only backslash and newline
    if (c == '\\')
      h += "\\\\";
    else if (c == '\n')
      h += "\\n";
    else
      h += c;
  }
  out_ += "# HELP " + name + " " + h + "\n# TYPE " + name + " " + type + "\n";
}

void PrometheusWriter::Labels(const PromLabels& labels) {
  if (labels.empty()) return;
  out_ += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out_ += ',';
    out_ += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\')
        out_ += "\\\\";
      else if (c == '"')
        out_ += "\\\"";
      else if (c == '\n')
        out_ += "\\n";
      else
        out_ += c;
    }
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusWriter::Sample(const std::string& name, const PromLabels& labels, long long value) {
  out_ += name;
  Labels(labels);
  out_ += ' ' + std::to_string(value) + '\n';
}

void PrometheusWriter::Sample(const std::string& name, const PromLabels& labels, double value) {
  out_ += name;
  Labels(labels);
  char buf[64];
  if (std::isnan(value))
    snprintf(buf, sizeof buf, "NaN");
  else if (std::isinf(value))
    snprintf(buf, sizeof buf, value > 0 ? "+Inf" : "-Inf");
  else {
    snprintf(buf, sizeof buf, "%.15g", value);  // short when exact (1764000000.123)
    if (std::strtod(buf, nullptr) != value) snprintf(buf, sizeof buf, "%.17g", value);
  }
  out_ += ' ';
  out_ += buf;
  out_ += '\n';
}

}  // namespace klog::format
