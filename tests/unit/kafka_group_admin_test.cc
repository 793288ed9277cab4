// The cluster's group and offset administration without a cluster: how
// librdkafka's answers become views, Statuses and history entries
// (kafka_groups.h, kafka_offsets.h, offset_history_topic.h), and the undo
// targets taken from a history (group/offset_reset.h).
#include <doctest/doctest.h>

#include "group/journal.h"
#include "group/offset_reset.h"
#include "kafka/group_handles.h"
#include "kafka/kafka_groups.h"
#include "kafka/kafka_offsets.h"
#include "kafka/offset_history_topic.h"

namespace klog::kafka {
namespace {

TEST_CASE("kafka group view: lag against the high watermark, the low one when nothing is committed") {
  GroupFacts f;
  f.name = "g";
  f.state = "Stable";
  f.committed[{"t", 0}] = 40;
  f.committed[{"t", 2}] = 1;  // below the low watermark: deleted by retention
  f.marks[{"t", 0}] = {10, 50};
  f.marks[{"t", 1}] = {5, 8};
  f.marks[{"t", 2}] = {3, 9};
  f.members.push_back({"m-1", "klog", "/10.0.0.1", {{"t", 0}, {"t", 1}}});
  group::GroupView v = BuildGroupView(f);
  CHECK(v.name == "g");
  CHECK(v.state == "Stable");
  CHECK(v.live_members == 1);
  REQUIRE(v.partitions.size() == 3);
  CHECK(v.partitions[0].lag == 10);
  CHECK(v.partitions[0].owner == "m-1");
  CHECK_FALSE(v.partitions[1].committed.has_value());
  CHECK(v.partitions[1].lag == 3);
  CHECK(v.partitions[1].owner == "m-1");
  CHECK(v.partitions[2].out_of_range);
  CHECK(v.partitions[2].lag == 6);
  CHECK(v.partitions[2].owner.empty());
  CHECK(v.total_lag == 19);
}

TEST_CASE("kafka group view: a cluster that could not be asked for members shows state Unknown") {
  GroupFacts f;
  f.name = "g";
  f.committed[{"t", 0}] = 1;
  f.marks[{"t", 0}] = {0, 1};
  group::GroupView v = BuildGroupView(f);
  CHECK(v.state == "Unknown");
  CHECK(v.members.empty());
  CHECK(v.total_lag == 0);
}

TEST_CASE("kafka group states by name") {
  CHECK(GroupStateName(RD_KAFKA_CONSUMER_GROUP_STATE_STABLE) == "Stable");
  CHECK(GroupStateName(RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY) == "Empty");
  CHECK(GroupStateName(RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE) == "Rebalancing");
  CHECK(GroupStateName(RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE) == "Rebalancing");
  CHECK(GroupStateName(RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) == "Dead");
  CHECK(GroupStateName(RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) == "Unknown");
}

TEST_CASE("kafka group delete: a non-empty group is Busy (exit 3), an unknown one NotFound") {
  CHECK(DeleteGroupStatus("g", RD_KAFKA_RESP_ERR_NO_ERROR, "", "b:9092").ok());
  Status busy = DeleteGroupStatus("g", RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, "", "b:9092");
  CHECK(busy.code() == Code::kBusy);
  CHECK(busy.message().find("group 'g' has members") != std::string::npos);
  CHECK(DeleteGroupStatus("g", RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, "", "b:9092").code() == Code::kNotFound);
  Status down = DeleteGroupStatus("g", RD_KAFKA_RESP_ERR__TIMED_OUT, "", "b:9092");
  CHECK(down.code() == Code::kUnavailable);
  CHECK(down.message().find("b:9092") != std::string::npos);
}

TEST_CASE("kafka group Admin API: not answered is NotSupported naming what, unreachable is Unavailable") {
  Status no = GroupAdminUnavailable("group list", RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, "", "b:1");
  CHECK(no.code() == Code::kNotSupported);
  CHECK(no.message().rfind("group list needs", 0) == 0);
  CHECK(GroupAdminUnavailable("group list", RD_KAFKA_RESP_ERR__TIMED_OUT, "", "b:1").code() == Code::kUnavailable);
  CHECK(GroupAdminUnavailable("group list", RD_KAFKA_RESP_ERR__TRANSPORT, "", "b:1").code() == Code::kUnavailable);
}

TEST_CASE("kafka offset changes: the broker's refusals because of members are Busy") {
  for (auto err : {RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
                   RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION}) {
    Status st = AlterOffsetsStatus("g", err, "", "b:1");
    CHECK(st.code() == Code::kBusy);
    CHECK(st.message().rfind("refused: group 'g' has members", 0) == 0);
  }
  CHECK(AlterOffsetsStatus("g", RD_KAFKA_RESP_ERR_NO_ERROR, "", "b:1").ok());
  CHECK(AlterOffsetsStatus("g", RD_KAFKA_RESP_ERR__TIMED_OUT, "", "b:1").code() == Code::kUnavailable);
}

TEST_CASE("kafka offset history: an entry round-trips through its record; other groups and garbage are skipped") {
  std::vector<group::PlanRow> plan(2);
  plan[0].topic = "t";
  plan[0].partition = 0;
  plan[0].old_offset = 4;
  plan[0].new_offset = 0;
  plan[1].topic = "t";
  plan[1].partition = 1;
  plan[1].new_offset = 7;
  group::JournalEntry e = EntryForPlan(plan, "reset", "me@box", 1700000000000);
  e.seq = 5;
  std::string value = group::JournalEntryToJson(e);
  auto back = HistoryFromRecords("g", {{"other", value}, {"g", "{not json"}, {"g", value}, {"g", value}});
  REQUIRE(back.size() == 2);
  CHECK(back[0].seq == 5);
  CHECK(back[0].kind == "reset");
  CHECK(back[0].actor == "me@box");
  CHECK(back[0].ts_ms == 1700000000000);
  REQUIRE(back[0].changes.size() == 2);
  CHECK(back[0].changes[0].old_offset == std::optional<int64_t>(4));
  CHECK(back[0].changes[0].new_offset == std::optional<int64_t>(0));
  CHECK_FALSE(back[0].changes[1].old_offset.has_value());
  // Entries without a number are numbered after the one before.
  auto unnumbered = HistoryFromRecords("g", {{"g", R"({"ts":1,"kind":"commit","changes":[]})"},
                                             {"g", R"({"ts":2,"kind":"commit","changes":[]})"}});
  REQUIRE(unnumbered.size() == 2);
  CHECK(unnumbered[0].seq == 1);
  CHECK(unnumbered[1].seq == 2);
}

TEST_CASE("kafka offset requests: a plan's partitions and offsets, none as librdkafka's INVALID") {
  std::map<TopicPartition, std::optional<int64_t>> offsets = {{{"a", 1}, 7}, {{"b", 0}, std::nullopt}, {{"b", 2}, 0}};
  TopicPartitionListPtr l = ToPartitionList(offsets);
  REQUIRE(l->cnt == 3);
  CHECK(std::string(l->elems[0].topic) == "a");
  CHECK(l->elems[0].partition == 1);
  CHECK(l->elems[0].offset == 7);
  CHECK(l->elems[1].offset == RD_KAFKA_OFFSET_INVALID);
  CHECK(l->elems[2].partition == 2);
  CHECK(l->elems[2].offset == 0);
}

TEST_CASE("undo targets from a history: --to-previous undoes the newest reset, --to-entry N entry N") {
  std::vector<group::JournalEntry> h(3);
  h[0] = {1, 1, "commit", "a", {{"t", 0, std::nullopt, 3}}};
  h[1] = {2, 2, "reset", "a", {{"t", 0, 3, 9}}};
  h[2] = {3, 3, "commit", "a", {{"t", 0, 9, 10}}};
  auto prev = group::UndoTargetsFromHistory("g", h, {group::ResetMode::kPrevious, 0});
  REQUIRE(prev.ok());
  CHECK(prev->at({"t", 0}) == std::optional<int64_t>(3));
  auto entry = group::UndoTargetsFromHistory("g", h, {group::ResetMode::kEntry, 3});
  REQUIRE(entry.ok());
  CHECK(entry->at({"t", 0}) == std::optional<int64_t>(9));
  CHECK(group::UndoTargetsFromHistory("g", h, {group::ResetMode::kEntry, 7}).status().code() ==
        Code::kInvalidArgument);
  CHECK(group::UndoTargetsFromHistory("g", {}, {group::ResetMode::kPrevious, 0}).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace klog::kafka
