// Prometheus text exposition format (what node-exporter's textfile
// collector reads), for `klog topic describe --format prometheus` and
// `klog group describe --format prometheus`:
//
//   # HELP klog_partition_end_offset Offset the next record appended will get.
//   # TYPE klog_partition_end_offset gauge
//   klog_partition_end_offset{topic="events",partition="0"} 42
//
// All samples of one metric follow its HELP and TYPE lines, as the format
// requires; label values are escaped (\\, \", \n).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace klog::format {

using PromLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusWriter {
 public:
  // Starts a metric family; its samples must follow before the next one.
  void Family(const std::string& name, const std::string& help, const std::string& type = "gauge");
  void Sample(const std::string& name, const PromLabels& labels, double value);
  void Sample(const std::string& name, const PromLabels& labels, long long value);
  const std::string& text() const { return out_; }

 private:
  void Labels(const PromLabels& labels);
  std::string out_;
};

}  // namespace klog::format
