// klog mirror: copies topics (every record with its partition, offset,
// key, value, headers and timestamp) and groups' committed offsets from one
// backend to another — a directory or a Kafka cluster on either side.
//
// Resumable without state of its own: a target partition's end offset is
// the next source offset to copy, so a rerun (also after kill -9)
// continues there; no record is copied twice, none is skipped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "mirror/mirror_plan.h"
#include "util/status.h"

namespace klog::mirror {

struct MirrorOptions {
  std::vector<std::string> topics;  // empty: every topic of the source
  std::vector<std::string> groups;  // committed offsets to copy
  bool follow = false;              // keep copying new records until stopped
  // On a directory target: with batch or always, what is reported copied
  // (progress, exit) is durable. A cluster target ignores it (acks=all).
  backend::FsyncPolicy fsync = backend::FsyncPolicy::kNever;
  // Told, for stderr, when an option has no meaning on the target (--fsync
  // on a cluster); once.
  std::function<void(const std::string&)> warn;
};

struct TopicPlan {
  std::string topic;
  backend::TopicConfig config;  // the source's
  bool create = false;          // missing on the target: created with `config`
  std::vector<PartitionPlan> partitions;
};

struct GroupOffsets {
  std::string group;
  std::vector<backend::CommitSpec> offsets;  // the source's committed offsets of the mirrored topics
};

struct MirrorPlan {
  std::vector<TopicPlan> topics;
  std::vector<GroupOffsets> groups;
  std::vector<std::string> warnings;  // for stderr: what the plan had to make do without
  int64_t records() const;
};

// Reads both sides and decides; changes nothing. Fails before anything is
// copied: an unknown topic or group on the source, a target topic with
// another partition count, a target partition holding records mirror did
// not put there, a group with live members on the target (kBusy).
Result<MirrorPlan> PlanMirror(backend::Backend& source, backend::Backend& target, const MirrorOptions& options);

struct MirrorProgress {
  int64_t records = 0;  // copied (acknowledged by the target) so far
  // Of those: their stored batches as copied between directories, else
  // their keys + values + headers.
  int64_t bytes = 0;
  int64_t planned = 0;  // records the plan had to copy
};

// Carries out the plan: creates missing topics, starts empty target
// partitions at the source's offsets where needed, copies records (then,
// with follow, new ones until *stop) and finally the groups' offsets.
// Everything reported in `progress` is written on the target; a stop ends
// it cleanly after flushing what was read.
Status RunMirror(backend::Backend& source, backend::Backend& target, const MirrorPlan& plan,
                 const MirrorOptions& options, const std::atomic<bool>* stop,
                 const std::function<void(const MirrorProgress&)>& progress);

}  // namespace klog::mirror
