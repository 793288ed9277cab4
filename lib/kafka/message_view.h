// A consumed librdkafka message as the RecordView every sink takes: views
// into the message, valid while it lives.
#pragma once

#include <librdkafka/rdkafka.h>

#include "record/record.h"

namespace klog::kafka {

// Fills *out from `m` (which must carry no error). Headers keep their order
// and duplicates; a null key or header value stays null, not empty.
void ViewMessage(rd_kafka_message_t* m, record::RecordView* out);

}  // namespace klog::kafka
