// The data directory's layout:
//
//   DIR/topics/TOPIC/topic.json          topic config (atomic replace)
//   DIR/topics/TOPIC/P/                  partition P (0, 1, ...)
//   DIR/topics/TOPIC/P/writer.lock       flock'ed by appenders
//   DIR/topics/TOPIC/P/NNNN….log|.index|.timeindex   segments
//   DIR/groups/GROUP/…                   consumer groups (see group/)
//   DIR/.staging/  DIR/.trash/           topics being created / deleted
#pragma once

#include <string>

#include "util/status.h"

namespace klog::topic {

// --dir, else $KLOG_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/klog.
// Empty arguments mean "not set"; with none of them set, InvalidArgument
// naming the fix.
Result<std::string> ResolveDataDir(const std::string& flag, const char* klog_dir_env, const char* xdg_data_home_env,
                                   const char* home_env);

// Whether `root` can serve as the data directory. Something other than a
// directory there (a file, a mistyped backup path through a file) is always
// an error. A missing directory is fine for commands that create it or that
// list nothing on it (topic list, group list), and an error when `must_exist`
// (verify, retention: "checked nothing" must not read as "all is well").
Status CheckDataDir(const std::string& root, bool must_exist);

class DataDir {
 public:
  explicit DataDir(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string TopicsDir() const { return root_ + "/topics"; }
  std::string TopicDir(const std::string& topic) const { return TopicsDir() + "/" + topic; }
  std::string TopicConfigPath(const std::string& topic) const { return TopicDir(topic) + "/topic.json"; }
  std::string PartitionDir(const std::string& topic, int partition) const {
    return TopicDir(topic) + "/" + std::to_string(partition);
  }
  std::string GroupsDir() const { return root_ + "/groups"; }
  std::string GroupDir(const std::string& group) const { return GroupsDir() + "/" + group; }
  std::string StagingDir() const { return root_ + "/.staging"; }
  std::string TrashDir() const { return root_ + "/.trash"; }

 private:
  std::string root_;
};

// "topic 'events' partition 3", for messages.
std::string PartitionLabel(const std::string& topic, int partition);

}  // namespace klog::topic
