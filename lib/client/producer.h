// Appends records to a topic: picks each record's partition, groups records
// into one batch per partition and writes them with PartitionWriter.
//
// Partitioning: an explicit partition wins; else a keyed record goes to
// (murmur2(key) & 0x7fffffff) % partitions, as Kafka's default partitioner;
// else keyless records stick to one partition and move round-robin to the
// next one after kStickyBytes of them, and after each flush (Kafka's sticky
// partitioner, which moves on when a batch.size of 16 KiB is full). The first
// partition is random, so that per-record runs (`for ...; do klog produce`)
// spread evenly too.
//
// Batching: records wait in one batch per partition; everything pending is
// written once one partition's batch reaches batch_bytes (Kafka's
// batch.size, per partition), or once all of them together reach
// max(batch_bytes, kMaxPendingBytes) (the memory bound, as Kafka's
// buffer.memory), or on Flush.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/batch.h"
#include "record/record_producer.h"
#include "log/log_config.h"
#include "log/partition_writer.h"
#include "log/sync_thread.h"
#include "topic/topic_store.h"
#include "util/status.h"
#include "util/worker_pool.h"

namespace klog::client {

// The largest --batch-size: a batch is built whole in memory.
constexpr size_t kMaxBatchBytes = size_t{64} << 20;
// Records pending across all partitions before they are written, unless one
// batch_bytes is more: keyed records over many partitions still make batches
// of kMaxPendingBytes / partitions.
constexpr size_t kMaxPendingBytes = size_t{32} << 20;
// Keyless records to one partition before the next one takes over.
constexpr size_t kStickyBytes = size_t{16} << 10;
// How often a running producer looks for partitions added by `topic alter`
// (checked at the first record of each batch): a long-running produce picks
// them up within about this long; keyed records then map to the new count,
// as in Kafka.
constexpr int64_t kPartitionCheckMs = 500;

struct ProducerOptions {
  std::optional<int> partition;
  log::FsyncPolicy fsync = log::FsyncPolicy::kNever;
  std::optional<log::Codec> codec;  // else the topic's compression
  std::optional<int> zstd_level;     // else the topic's compression level
  size_t batch_bytes = 1 << 20;     // per partition: flush when one batch holds this much
  size_t max_record_bytes = 1 << 20;
  // --linger: on a cluster, librdkafka's linger.ms (a directory's producer
  // lingers in backend/produce_stream instead).
  int64_t linger_ms = 0;
  // klog mirror: the offset each partition's next record must get (offsets
  // stay the source's). An append that would land elsewhere (another
  // writer appended) is refused before it writes. Directory only: a
  // cluster producer cannot ask, and mirror checks what it reports.
  std::map<int, int64_t> expect_offsets;
  // Told, for stderr, when an option has no meaning on this backend (--fsync
  // on a cluster); may be empty.
  std::function<void(const std::string&)> warn;
};

using record::WrittenRun;

class Producer final : public record::RecordProducer {
 public:
  static Result<std::unique_ptr<Producer>> Open(const topic::TopicStore& store, const std::string& topic,
                                                const ProducerOptions& options);

  // Queues a record; InvalidArgument for a bad partition or oversize record.
  // Flushes by itself when batch_bytes are pending or fsync is "always".
  // With zstd or --fsync batch, that flush runs on worker threads while
  // the caller goes on adding; its error, if any, is returned by a later
  // Add or Flush.
  Status Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
             std::string_view value, const std::vector<record::HeaderView>& headers) override;

  // Writes every pending batch, after waiting for a write in the
  // background. Records written are appended to the runs that
  // TakeWritten() returns, in the order they were added.
  Status Flush() override;

  // Records added but not yet handed to a write.
  bool has_pending() const override { return !order_.empty(); }
  // A write is running in the background (Flush waits for it).
  bool writing() const override { return !in_flight_.empty(); }
  bool has_written() const override { return !written_.empty(); }
  int partitions() const { return static_cast<int>(parts_.size()); }
  size_t max_record_bytes() const override { return options_.max_record_bytes; }
  // Records written since the last TakeWritten(), in input order.
  std::vector<WrittenRun> TakeWritten() override { return std::move(written_); }
  // After a failed write: the first record added (0 for the first Add that
  // succeeded, and so on) that was not written, so that an error can name
  // the input line to resume from. None before any write failed.
  std::optional<int64_t> first_unwritten() const override { return first_unwritten_; }

 private:
  // Consecutive pending records that went to one partition.
  struct Run {
    int partition;
    int64_t count;
  };
  struct Part {
    log::BatchBuilder builder;
    std::unique_ptr<log::PartitionWriter> writer;
  };
  // Records taken from the builders for one write: a batch per partition,
  // each finished (compressed) into `framed`, and the partitions of the
  // records in input order. With --fsync batch, a job in flight holds only
  // `syncs` and `written`: its batches were written from job_ already.
  struct Job {
    std::vector<std::pair<int, log::BatchBuilder>> batches;
    std::vector<std::string> framed;
    std::vector<Run> order;
    std::vector<log::PendingSync> syncs;  // left to syncer_
    uint64_t ticket = 0;                  // of workers_ (zstd) or syncer_ (--fsync batch)
    std::vector<WrittenRun> written;      // reported once the syncs are done
    int64_t first = 0;                    // number of the job's first record (see first_unwritten())
  };
  // Background work overlaps the caller's parsing. With zstd, up to
  // kCompressJobs jobs wait for or run on kWorkers threads and the caller
  // appends them in job order (one job more than threads: a thread done
  // early takes the next job instead of idling until its elder is done);
  // with --fsync batch (and no zstd), the caller appends and syncer_
  // syncs, so the next batches are parsed and written during a sync, and
  // up to kSyncJobs jobs wait for theirs.
  static constexpr int kWorkers = 2;
  static constexpr int kCompressJobs = kWorkers + 1;
  static constexpr int kSyncJobs = 4;
  bool in_background() const;  // full batches go to the workers
  bool sync_in_background() const;
  int max_in_flight() const { return sync_in_background() ? kSyncJobs : kCompressJobs; }

  Producer() = default;
  void TakePending(Job& job);
  // Grows parts_ when the topic has more partitions now (kPartitionCheckMs).
  void NoticeNewPartitions();
  Status Compress(Job& job) const;
  // Appends the job's batches; the records written go to *written. With
  // `sync_later`, fsync "batch" syncs are left there (PartitionWriter).
  Status Append(Job& job, std::vector<WrittenRun>* written,
                std::vector<log::PendingSync>* sync_later = nullptr);
  // Reports the records of a job whose syncs ended in `synced`, only if
  // they succeeded; clears the job's syncs and records. Returns `synced`.
  Status Report(Job& job, Status synced);
  Status FlushInBackground();
  // Waits for the oldest job in the background, then appends it (zstd)
  // or reports it (--fsync batch).
  Status FinishOldest();
  // Finishes every job in the background; after an error, the jobs behind
  // it are dropped (never written out of order) and the error returned.
  Status FinishBackground();

  const topic::TopicStore* store_ = nullptr;
  std::string topic_;
  ProducerOptions options_;
  log::Codec codec_ = log::Codec::kNone;
  std::optional<int> zstd_level_;
  log::LogConfig log_config_;
  std::vector<Part> parts_;
  std::vector<Run> order_;  // partitions of the pending records, in input order
  std::vector<log::BatchBuilder> spare_;  // emptied builders with their buffers
  size_t pending_bytes_ = 0;
  int64_t taken_ = 0;  // records handed to jobs so far
  std::optional<int64_t> first_unwritten_;
  // Records the failure of a job's write from its record `first` on.
  void Unwritten(int64_t first) {
    if (!first_unwritten_ || first < *first_unwritten_) first_unwritten_ = first;
  }
  int sticky_ = 0;
  size_t sticky_bytes_ = 0;  // keyless bytes added to sticky_ since it took over
  int64_t partitions_checked_ms_ = 0;
  size_t max_pending_ = kMaxPendingBytes;
  Job job_;  // the write on this thread
  std::vector<WrittenRun> written_;
  std::array<Job, std::max(kCompressJobs, kSyncJobs)> jobs_;
  std::deque<int> in_flight_;  // indexes into jobs_, oldest first
  int next_job_ = 0;
  // Last: their threads end before the jobs they work on go.
  util::WorkerPool workers_{kWorkers};
  log::SyncThread syncer_;
};

}  // namespace klog::client
