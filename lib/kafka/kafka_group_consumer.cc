#include "kafka/kafka_group_consumer.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <map>
#include <vector>

#include "kafka/group_handles.h"
#include "kafka/message_view.h"
#include "os/process.h"

namespace klog::kafka {
namespace {

using record::GroupConsumeOptions;
using record::OffsetReset;
using record::RecordSink;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Label(const TopicPartition& tp) {
  return "topic '" + tp.first + "' partition " + std::to_string(tp.second);
}

// Positions are "the next offset" (what Kafka commits); -1: none yet.
struct Part {
  int64_t end = INT64_MAX;  // without -f: the high watermark at start
  int64_t delivered = -1;   // past what was handed to the sink or the command
  int64_t written = -1;     // past what the sink took (Idle) or the command processed
  int64_t committed = -1;
  bool eof = false;         // reached the end of what the partition had when fetched
};

// Records consumed per poll round before the sink is flushed and offsets
// may be committed: a run, as the local consumer's batch.
constexpr int kRunRecords = 1000;

class GroupRun {
 public:
  GroupRun(ClusterConnection& conn, const GroupConsumeOptions& o, RecordSink& sink, const std::atomic<bool>* stop)
      : conn_(conn), o_(o), sink_(sink), stop_(stop) {}

  ~GroupRun() {
    if (rk_) rd_kafka_destroy_flags(rk_.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }

  Status Run() {
    Status st = Loop();
    if (!rk_) return st;
    if (st.ok() || st.code() == Code::kOutputClosed) {
      Status flushed = sink_.Idle();
      if (flushed.ok()) MarkWritten();
      else if (st.ok() && flushed.code() != Code::kOutputClosed) st = flushed;
      Status c = CommitAll(/*final=*/true);
      if (st.ok()) st = c;
    }
    Close();
    return st;
  }

 private:
  Status Loop() {
    // Ends are fixed now, before joining: a cron run stops at what was there.
    if (!o_.follow) {
      for (const auto& t : o_.topics) {
        auto n = conn_.PartitionCount(t);
        if (!n.ok()) return n.status();
        for (int p = 0; p < *n; ++p) {
          auto w = conn_.QueryWatermarks(t, p);
          if (!w.ok()) return w.status();
          ends_[{t, p}] = w->high;
        }
      }
    }
    int64_t session = std::max<int64_t>(1, o_.session_timeout_ms);
    int64_t heartbeat = o_.heartbeat_interval_ms > 0 ? o_.heartbeat_interval_ms : std::min<int64_t>(500, session / 10);
    heartbeat = std::max<int64_t>(1, std::min(heartbeat, session - 1));
    auto h = NewGroupHandle(
        conn_.settings(), o_.group,
        {{"session.timeout.ms", std::to_string(session)},
         {"heartbeat.interval.ms", std::to_string(heartbeat)},
         {"auto.offset.reset", o_.reset == OffsetReset::kEarliest ? "earliest" : "latest"},
         {"enable.partition.eof", "true"}},
        [](rd_kafka_conf_t* conf, void* self) {
          rd_kafka_conf_set_opaque(conf, self);
          rd_kafka_conf_set_rebalance_cb(conf, &GroupRun::OnRebalance);
        },
        this);
    if (!h.ok()) return h.status();
    rk_ = std::move(h).value();
    rd_kafka_poll_set_consumer(rk_.get());
    TopicPartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(o_.topics.size())));
    for (const auto& t : o_.topics)
      rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), subscription.get()))
      return conn_.Error(err, "joining group '" + o_.group + "'");

    progress_at_ = SteadyMs();
    int run = 0;
    for (;;) {
      if (stopping() || stop_requested_) return Status::Ok();
      KLOG_RETURN_IF_ERROR(callback_status_);
      if (Reached()) return Status::Ok();
      if (!o_.follow && Done()) return Status::Ok();
      MessagePtr m(rd_kafka_consumer_poll(rk_.get(), run > 0 && run < kRunRecords ? 0 : 100));
      KLOG_RETURN_IF_ERROR(callback_status_);
      if (!m) {
        run = 0;
        KLOG_RETURN_IF_ERROR(EndOfRun());
        KLOG_RETURN_IF_ERROR(CheckStall());
        continue;
      }
      if (m->err) {
        KLOG_RETURN_IF_ERROR(OnError(m.get()));
        continue;
      }
      ++run;
      progress_at_ = SteadyMs();
      trouble_since_ = -1;
      KLOG_RETURN_IF_ERROR(OnMessage(std::move(m)));
      if (run >= kRunRecords) {
        run = 0;
        KLOG_RETURN_IF_ERROR(EndOfRun());
      }
    }
  }

  bool stopping() const { return stop_ && stop_->load(); }
  bool Reached() const { return o_.max_messages >= 0 && delivered_ >= o_.max_messages; }

  // Every partition this member was assigned has reached its end as of start.
  bool Done() const {
    if (!assigned_once_ || rebalancing_ || !pending_.empty()) return false;
    for (const auto& [tp, p] : parts_)
      if (!p.eof && p.delivered < p.end && p.end > 0) return false;
    return true;
  }

  Status OnError(rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      progress_at_ = SteadyMs();
      auto it = parts_.find({rd_kafka_topic_name(m->rkt), m->partition});
      if (it != parts_.end() && m->offset >= std::min(it->second.end, INT64_MAX - 1)) it->second.eof = true;
      return Status::Ok();
    }
    if (rd_kafka_fatal_error(rk_.get(), nullptr, 0))
      return conn_.Error(m->err, "consuming in group '" + o_.group + "'");
    if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && trouble_since_ < 0) trouble_since_ = SteadyMs();
    // Topic and authorization errors do not heal by waiting.
    switch (m->err) {
      case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        return conn_.Error(m->err, "consuming in group '" + o_.group + "'" +
                                       (m->rkt ? " from topic '" + std::string(rd_kafka_topic_name(m->rkt)) + "'"
                                               : std::string()));
      default:
        return Status::Ok();  // librdkafka retries; CheckStall bounds how long
    }
  }

  // Nothing hangs past --timeout: without -f, no record, end or assignment
  // for that long; with -f, every broker down for that long.
  Status CheckStall() {
    int64_t now = SteadyMs();
    int64_t limit = conn_.settings().timeout_ms;
    bool stalled = !o_.follow ? now - progress_at_ > limit : trouble_since_ >= 0 && now - trouble_since_ > limit;
    if (!stalled) return Status::Ok();
    return Status::Unavailable("consume -g: group '" + o_.group + "' got " +
                               (assigned_once_ ? "no records" : "no partitions") + " from the cluster within --timeout " +
                               std::to_string(limit) + "ms (brokers " + conn_.settings().brokers + ")");
  }

  Status OnMessage(MessagePtr m) {
    TopicPartition tp{rd_kafka_topic_name(m->rkt), m->partition};
    auto it = parts_.find(tp);
    if (it == parts_.end()) return Status::Ok();  // revoked meanwhile
    Part& p = it->second;
    if (m->offset >= p.end) {
      p.eof = true;  // past the end as of start: left for the next run
      return Status::Ok();
    }
    if (o_.max_messages >= 0 && delivered_ + static_cast<int64_t>(pending_.size()) >= o_.max_messages)
      return Status::Ok();
    if (o_.exec) {
      if (!pending_.empty() && pending_tp_ != tp) KLOG_RETURN_IF_ERROR(RunExec());
      pending_tp_ = tp;
      pending_.push_back(std::move(m));
      if (static_cast<int64_t>(pending_.size()) >= std::max<int64_t>(1, o_.exec_batch)) return RunExec();
      return Status::Ok();
    }
    ViewMessage(m.get(), &view_);
    Status st = sink_.Deliver(tp.first, tp.second, view_);
    if (st.code() == Code::kOutputClosed) {
      stop_requested_ = true;
      return Status::Ok();
    }
    KLOG_RETURN_IF_ERROR(st);
    ++delivered_;
    p.delivered = m->offset + 1;
    return Status::Ok();
  }

  // The end of a run of records: what the sink took is flushed and becomes
  // committable; committed now when the interval is up (or -n is reached).
  Status EndOfRun() {
    if (!pending_.empty()) KLOG_RETURN_IF_ERROR(RunExec());
    Status idle = sink_.Idle();
    if (idle.code() == Code::kOutputClosed) {
      stop_requested_ = true;
      return Status::Ok();
    }
    KLOG_RETURN_IF_ERROR(idle);
    MarkWritten();
    if (Reached() || SteadyMs() - last_commit_ >= o_.commit_interval_ms) return CommitAll(false);
    return Status::Ok();
  }

  void MarkWritten() {
    if (o_.exec) return;  // RunExec moves written itself
    for (auto& [tp, p] : parts_) p.written = p.delivered;
  }

  Status RunExec() {
    if (pending_.empty()) return Status::Ok();
    auto it = parts_.find(pending_tp_);
    std::vector<MessagePtr> batch = std::move(pending_);
    pending_.clear();
    if (it == parts_.end()) return Status::Ok();  // revoked: the next owner goes on from our commit
    input_.clear();
    for (const auto& m : batch) {
      ViewMessage(m.get(), &view_);
      o_.format_for_exec(input_, pending_tp_.first, pending_tp_.second, view_);
    }
    auto rc = os::RunShellCommand(*o_.exec, input_);
    if (!rc.ok()) return rc.status();
    // A Ctrl-C or a systemd stop reaches the command too: it failed because
    // we were asked to stop, so stop, its records uncommitted.
    if (*rc != 0 && stopping()) return Status::Ok();
    if (*rc != 0)
      return Status::IOError("--exec command exited with status " + std::to_string(*rc) + " at " +
                             Label(pending_tp_) + " offset " + std::to_string(batch.front()->offset) +
                             "; that offset is left uncommitted");
    delivered_ += static_cast<int64_t>(batch.size());
    it = parts_.find(pending_tp_);
    if (it == parts_.end()) return Status::Ok();
    it->second.delivered = it->second.written = batch.back()->offset + 1;
    return CommitAll(false);
  }

  // Commits what was written and not yet committed, of `only` (all owned
  // partitions when null).
  Status CommitAll(bool final, const rd_kafka_topic_partition_list_t* only = nullptr) {
    last_commit_ = SteadyMs();
    std::map<TopicPartition, std::optional<int64_t>> offsets;
    for (const auto& [tp, p] : parts_) {
      if (p.written < 0 || p.written == p.committed) continue;
      bool wanted = !only;
      for (int i = 0; only && i < only->cnt; ++i)
        wanted |= tp.first == only->elems[i].topic && tp.second == only->elems[i].partition;
      if (wanted) offsets[tp] = p.written;
    }
    if (offsets.empty()) return Status::Ok();
    TopicPartitionListPtr list = ToPartitionList(offsets);
    std::string where;
    rd_kafka_resp_err_t err = CommitAndWait(rk_.get(), list.get(), conn_.timeout_ms(), &where);
    if (!err) {
      progress_at_ = SteadyMs();
      for (const auto& [tp, off] : offsets) parts_[tp].committed = *off;
      return Status::Ok();
    }
    if (IsMembershipError(err)) {
      // A rebalance took the partitions (we were too slow, or the
      // coordinator moved): the next owner starts from our last commit and
      // reads these records again: at least once.
      if (o_.warn)
        o_.warn("group '" + o_.group + "': commit refused (" + rd_kafka_err2str(err) +
                "): the partitions went to a rebalance; their next owner reads again from the last commit");
      if (final) return Status::Ok();
      for (const auto& [tp, off] : offsets) parts_[tp].committed = *off;  // not retried: no longer ours to commit
      return Status::Ok();
    }
    return conn_.Error(err, "committing offsets of group '" + o_.group + "'" + (where.empty() ? "" : " at " + where));
  }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque) {
    static_cast<GroupRun*>(opaque)->Rebalance(rk, err, partitions);
  }

  void Rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    progress_at_ = SteadyMs();
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < partitions->cnt; ++i) {
        TopicPartition tp{partitions->elems[i].topic, partitions->elems[i].partition};
        Part p;
        auto e = ends_.find(tp);
        if (e != ends_.end()) p.end = e->second;
        else if (!o_.follow) p.end = 0;  // added since the start: not in this run's ends
        parts_[tp] = p;
      }
      rd_kafka_error_t* e = nullptr;
      rd_kafka_resp_err_t r = RD_KAFKA_RESP_ERR_NO_ERROR;
      if (cooperative) e = rd_kafka_incremental_assign(rk, partitions);
      else r = rd_kafka_assign(rk, partitions);
      if (e) {
        r = rd_kafka_error_code(e);
        rd_kafka_error_destroy(e);
      }
      if (r && callback_status_.ok()) callback_status_ = conn_.Error(r, "taking the partitions of group '" + o_.group + "'");
      assigned_once_ = true;
      rebalancing_ = false;
      return;
    }
    // Revoked (or lost): what the sink took is committed before the
    // partitions go, unless they are already lost to another member.
    rebalancing_ = true;
    if (!rd_kafka_assignment_lost(rk)) {
      Status idle = sink_.Idle();
      if (idle.ok()) MarkWritten();
      Status c = CommitAll(false, partitions);
      if (!c.ok() && callback_status_.ok()) callback_status_ = c;
    }
    for (int i = 0; i < partitions->cnt; ++i) parts_.erase({partitions->elems[i].topic, partitions->elems[i].partition});
    if (!pending_.empty() && !parts_.count(pending_tp_)) pending_.clear();  // not run: the next owner has them
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) rd_kafka_error_destroy(e);
      rebalancing_ = false;
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  // Leaves the group within --timeout; past it the handle is dropped
  // without leaving (the group then notices after the session timeout).
  void Close() {
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk_.get());
    rd_kafka_error_t* e = rd_kafka_consumer_close_queue(rk_.get(), q);
    if (e) {
      rd_kafka_error_destroy(e);
    } else {
      int64_t deadline = SteadyMs() + conn_.settings().timeout_ms;
      while (!rd_kafka_consumer_closed(rk_.get()) && SteadyMs() < deadline) {
        rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 100);
        if (!ev) continue;
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
          Rebalance(rk_.get(), rd_kafka_event_error(ev), rd_kafka_event_topic_partition_list(ev));
        rd_kafka_event_destroy(ev);
      }
    }
    rd_kafka_queue_destroy(q);
    if (rd_kafka_consumer_closed(rk_.get())) rk_.reset();
  }

  ClusterConnection& conn_;
  const GroupConsumeOptions& o_;
  RecordSink& sink_;
  const std::atomic<bool>* stop_;
  HandlePtr rk_;
  std::map<TopicPartition, int64_t> ends_;
  std::map<TopicPartition, Part> parts_;  // assigned now
  bool assigned_once_ = false;
  bool rebalancing_ = false;
  Status callback_status_;  // an error in the rebalance callback, returned by the loop
  std::vector<MessagePtr> pending_;  // --exec: records of pending_tp_ for the next run of the command
  TopicPartition pending_tp_;
  record::RecordView view_;
  std::string input_;
  int64_t delivered_ = 0;
  int64_t last_commit_ = 0;
  int64_t progress_at_ = 0;
  int64_t trouble_since_ = -1;
  bool stop_requested_ = false;
};

}  // namespace

Status ConsumeGroup(ClusterConnection& conn, const GroupConsumeOptions& options, RecordSink& sink,
                    const std::atomic<bool>* stop) {
  if (options.max_messages == 0) return Status::Ok();
  GroupRun run(conn, options, sink, stop);
  return run.Run();
}

}  // namespace klog::kafka
