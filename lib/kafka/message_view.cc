#include "kafka/message_view.h"

namespace klog::kafka {

void ViewMessage(rd_kafka_message_t* m, record::RecordView* out) {
  out->offset = m->offset;
  rd_kafka_timestamp_type_t type;
  out->timestamp = rd_kafka_message_timestamp(m, &type);
  if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) out->timestamp = 0;
  if (m->key) out->key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  else out->key.reset();
  out->value = m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
  out->headers.clear();
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs) return;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    record::HeaderView h;
    h.name = name;
    if (value) h.value = std::string_view(static_cast<const char*>(value), size);
    out->headers.push_back(h);
  }
}

}  // namespace klog::kafka
