#include "kafka/kafka_groups.h"

#include <algorithm>
#include <set>

namespace klog::kafka {

std::string GroupStateName(rd_kafka_consumer_group_state_t state) {
  switch (state) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: return "Stable";
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: return "Empty";
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: return "Rebalancing";
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: return "Dead";
    default: return "Unknown";
  }
}

group::GroupView BuildGroupView(const GroupFacts& facts) {
  group::GroupView v;
  v.name = facts.name;
  v.state = facts.state.value_or("Unknown");
  std::map<TopicPartition, std::string> owner;
  for (const auto& m : facts.members) {
    group::MemberView mv;
    mv.info.id = m.id;
    mv.info.host = m.host;
    mv.partitions = m.partitions;
    for (const auto& tp : m.partitions) owner[tp] = m.id;
    v.members.push_back(mv);
  }
  v.live_members = static_cast<int>(facts.members.size());
  std::map<TopicPartition, bool> rows;
  for (const auto& [tp, off] : facts.committed) rows[tp] = true;
  for (const auto& [tp, o] : owner) rows[tp] = true;
  for (const auto& [tp, unused] : rows) {
    group::PartitionView p;
    p.topic = tp.first;
    p.partition = tp.second;
    auto c = facts.committed.find(tp);
    if (c != facts.committed.end()) p.committed = c->second;
    auto w = facts.marks.find(tp);
    if (w != facts.marks.end()) {
      p.log_start = w->second.low;
      p.log_end = w->second.high;
    }
    p.out_of_range = p.committed && (*p.committed < p.log_start || *p.committed > p.log_end);
    p.lag = p.committed && !p.out_of_range ? p.log_end - *p.committed : p.log_end - p.log_start;
    auto o = owner.find(tp);
    if (o != owner.end()) p.owner = o->second;
    v.total_lag += p.lag;
    v.partitions.push_back(p);
  }
  return v;
}

Status DeleteGroupStatus(const std::string& group, rd_kafka_resp_err_t err, const std::string& message,
                         const std::string& brokers) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: return Status::Ok();
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
      return Status::Busy("refused: group '" + group +
                          "' has members; stop them (or wait for their session to time out) and try again");
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND: return Status::NotFound("unknown group '" + group + "'");
    default:
      return StatusFromError(err, "deleting group '" + group + "'" + (message.empty() ? "" : " (" + message + ")"),
                             brokers);
  }
}

Status GroupAdminUnavailable(const std::string& what, rd_kafka_resp_err_t err, const std::string& message,
                             const std::string& brokers) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return Status::Unavailable(what + ": the cluster did not answer within --timeout (brokers " + brokers + ")");
    default:
      return Status::NotSupported(what + " needs the cluster's group Admin API, and it does not answer "
                                         "ListConsumerGroups (" +
                                  (message.empty() ? std::string(rd_kafka_err2str(err)) : message) + "; brokers " +
                                  brokers + ")");
  }
}

Result<std::vector<GroupListing>> ListGroupListings(ClusterConnection& conn, const std::string& what) {
  auto rk = conn.handle();
  if (!rk.ok()) return rk.status();
  AdminRequest req(*rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, conn.timeout_ms());
  rd_kafka_ListConsumerGroups(*rk, req.options(), req.queue());
  rd_kafka_resp_err_t err;
  std::string message;
  rd_kafka_event_t* ev = req.Wait(&err, &message);
  const rd_kafka_ListConsumerGroups_result_t* result = ev ? rd_kafka_event_ListConsumerGroups_result(ev) : nullptr;
  size_t n_errors = 0;
  const rd_kafka_error_t** errors = result ? rd_kafka_ListConsumerGroups_result_errors(result, &n_errors) : nullptr;
  if (!err && n_errors > 0) {
    err = rd_kafka_error_code(errors[0]);
    message = rd_kafka_error_string(errors[0]);
  }
  if (err || !result) return GroupAdminUnavailable(what, err ? err : RD_KAFKA_RESP_ERR__FAIL, message,
                                                   conn.settings().brokers);
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   GroupStateName(rd_kafka_ConsumerGroupListing_state(valid[i]))});
  std::sort(out.begin(), out.end(), [](const GroupListing& a, const GroupListing& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<std::string>> ListGroups(ClusterConnection& conn) {
  auto listings = ListGroupListings(conn, "group list");
  if (!listings.ok()) return listings.status();
  std::vector<std::string> names;
  for (const auto& l : *listings) names.push_back(l.name);
  return names;
}

Result<std::optional<std::vector<MemberListing>>> GroupMembers(ClusterConnection& conn, const std::string& group,
                                                                std::optional<std::string>* state) {
  // Only a cluster that answers ListConsumerGroups gets DescribeConsumerGroups
  // (see kafka_groups.h: librdkafka 2.0.2 aborts otherwise).
  auto listings = ListGroupListings(conn, "describing group '" + group + "'");
  if (!listings.ok()) {
    if (listings.status().code() == Code::kNotSupported) return std::optional<std::vector<MemberListing>>();
    return listings.status();
  }
  auto rk = conn.handle();
  if (!rk.ok()) return rk.status();
  AdminRequest req(*rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, conn.timeout_ms());
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(*rk, groups, 1, req.options(), req.queue());
  rd_kafka_resp_err_t err;
  std::string message;
  rd_kafka_event_t* ev = req.Wait(&err, &message);
  if (err || !ev) return conn.Error(err, "describing group '" + group + "'");
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** d =
      rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
  std::vector<MemberListing> members;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d[i]))
      return conn.Error(rd_kafka_error_code(e), "describing group '" + group + "'");
    if (state) *state = GroupStateName(rd_kafka_ConsumerGroupDescription_state(d[i]));
    size_t count = rd_kafka_ConsumerGroupDescription_member_count(d[i]);
    for (size_t k = 0; k < count; ++k) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d[i], k);
      MemberListing ml;
      ml.id = rd_kafka_MemberDescription_consumer_id(m);
      ml.client_id = rd_kafka_MemberDescription_client_id(m);
      ml.host = rd_kafka_MemberDescription_host(m);
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m))
        if (const rd_kafka_topic_partition_list_t* l = rd_kafka_MemberAssignment_partitions(a))
          for (int j = 0; j < l->cnt; ++j) ml.partitions.push_back({l->elems[j].topic, l->elems[j].partition});
      members.push_back(ml);
    }
  }
  return std::optional<std::vector<MemberListing>>(std::move(members));
}

Result<std::map<TopicPartition, std::optional<int64_t>>> GroupCommitted(ClusterConnection& conn,
                                                                       const std::string& group,
                                                                       std::vector<std::string> topics) {
  if (topics.empty()) {
    auto names = conn.TopicNames();
    if (!names.ok()) return names.status();
    topics = std::move(names).value();
  }
  std::vector<TopicPartition> parts;
  for (const auto& t : topics) {
    auto n = conn.PartitionCount(t);
    if (!n.ok()) return n.status();
    for (int p = 0; p < *n; ++p) parts.push_back({t, p});
  }
  auto h = NewGroupHandle(conn.settings(), group, {});
  if (!h.ok()) return h.status();
  auto committed = ReadCommitted(h->get(), parts, conn.timeout_ms(), conn.settings().brokers);
  if (!committed.ok()) return committed.status();
  std::map<TopicPartition, std::optional<int64_t>> out;
  for (const auto& [tp, off] : *committed)
    if (off) out[tp] = off;
  return out;
}

Result<group::GroupView> DescribeGroup(ClusterConnection& conn, const std::string& group) {
  GroupFacts facts;
  facts.name = group;
  auto members = GroupMembers(conn, group, &facts.state);
  if (!members.ok()) return members.status();
  if (*members) facts.members = **members;
  auto committed = GroupCommitted(conn, group, {});
  if (!committed.ok()) return committed.status();
  facts.committed = std::move(committed).value();
  if (facts.committed.empty() && facts.members.empty() && (!facts.state || *facts.state == "Dead"))
    return Status::NotFound("unknown group '" + group + "' (it has no committed offsets" +
                            (facts.state ? std::string(" and no members") : std::string()) + ")");
  // Every partition of a topic the group has offsets for, as on a directory.
  std::set<std::string> topics;
  for (const auto& [tp, off] : facts.committed) topics.insert(tp.first);
  for (const auto& t : topics) {
    auto n = conn.PartitionCount(t);
    if (!n.ok()) return n.status();
    for (int p = 0; p < *n; ++p) facts.committed.emplace(TopicPartition{t, p}, std::nullopt);
  }
  for (const auto& [tp, off] : facts.committed) {
    auto w = conn.QueryWatermarks(tp.first, tp.second);
    if (!w.ok()) return w.status();
    facts.marks[tp] = *w;
  }
  for (const auto& m : facts.members)
    for (const auto& tp : m.partitions)
      if (!facts.marks.count(tp)) {
        auto w = conn.QueryWatermarks(tp.first, tp.second);
        if (!w.ok()) return w.status();
        facts.marks[tp] = *w;
      }
  return BuildGroupView(facts);
}

Status DeleteGroup(ClusterConnection& conn, const std::string& group) {
  // Asked first so that DeleteGroups only ever reaches a cluster that knows it.
  auto listings = ListGroupListings(conn, "group delete");
  if (!listings.ok()) return listings.status();
  auto rk = conn.handle();
  if (!rk.ok()) return rk.status();
  AdminRequest req(*rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS, conn.timeout_ms());
  rd_kafka_DeleteGroup_t* del = rd_kafka_DeleteGroup_new(group.c_str());
  rd_kafka_DeleteGroups(*rk, &del, 1, req.options(), req.queue());
  rd_kafka_DeleteGroup_destroy(del);
  rd_kafka_resp_err_t err;
  std::string message;
  rd_kafka_event_t* ev = req.Wait(&err, &message);
  if (err || !ev) return DeleteGroupStatus(group, err, message, conn.settings().brokers);
  size_t n = 0;
  const rd_kafka_group_result_t** r = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
  for (size_t i = 0; i < n; ++i)
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(r[i]))
      return DeleteGroupStatus(group, rd_kafka_error_code(e), rd_kafka_error_string(e), conn.settings().brokers);
  return Status::Ok();
}

}  // namespace klog::kafka
