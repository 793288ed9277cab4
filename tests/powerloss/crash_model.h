// Crash states: what a power cut may leave of a directory tree, built from
// the op log that fsrec.so recorded (fsrec_format.h) while real klog
// processes ran.
//
// The recorded tree starts empty (the workload creates everything under
// its root). For a cut point k (the first k logged events happened, the
// rest did not) a state is sampled under one of two models:
//
//  POSIX  Data written to a file before the START of an fsync/fdatasync of
//         that file that completed before k is kept; each later write is
//         independently kept, dropped, kept as a prefix, torn (some 512-byte
//         sectors written, the others not) or zero-filled (the size grew, the
//         data never came). A name in a directory has the value it had when
//         the last completed fsync of that directory began; each later change
//         of that name (create, rename, unlink, mkdir, rmdir) may or may not
//         have reached the disk, independently of every other.
//  ext4   A journal: metadata (names, sizes, truncates) persists in order, up
//         to a commit point m at or after the START of the last completed
//         fsync of anything; data=ordered: what was written before m is
//         kept, later appends are lost with the size that would hold them,
//         later overwrites inside the committed size are kept, dropped or torn.
//
// Sampling is seeded: the same log, cut, model and seed give the same state.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "powerloss/fsrec_format.h"

namespace klog::powerloss {

struct Op {
  OpType type;
  int pid = 0;
  int tid = 0;
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t a = 0;
  int64_t b = 0;
  std::string s1;
  std::string s2;
};

// Reads the whole log; a torn last record (none expected) is dropped.
std::vector<Op> ReadOpLog(const std::string& path);

enum class Model { kPosix, kExt4 };
const char* ModelName(Model m);

// One sampled crash state: a tree to materialize and what was chosen.
struct CrashState {
  struct Node {
    bool dir = false;
    std::string data;
    std::map<std::string, int> children;  // name -> node index
  };
  std::vector<Node> nodes;  // nodes[0] is the root
  // Every choice that differs from "everything up to the cut reached the disk".
  std::vector<std::string> choices;
  // Paths of segment files where a lost write is followed by a kept one, or
  // a write torn into sectors by a later segment of the partition that holds
  // data: the damage is then in the middle of unsynced data, where klog may
  // rightly refuse to cut (it cannot tell it from damage of synced data).
  std::vector<std::string> holes;
  // Paths of segment files that hold part of an unsynced write (a prefix of
  // it, or some of its sectors): a torn batch, then maybe zeros, at the end.
  std::vector<std::string> torn;

  // Creates the tree under `dir` (which must exist and be empty).
  bool WriteTo(const std::string& dir, std::string* error) const;
};

class OpHistory {
 public:
  // root: the directory the log's paths are under (empty when recording began).
  OpHistory(const std::vector<Op>& ops, const std::string& root, uint64_t root_dev, uint64_t root_ino);

  size_t size() const { return ops_.size(); }
  const std::vector<Op>& ops() const { return ops_; }
  // A one-line description of event i (for failure reports).
  std::string Describe(size_t i) const;

  CrashState Sample(size_t cut, Model model, std::mt19937_64& rng) const;

  // Problems met while replaying the log (an event on an unknown path...).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Content of the file a path named right after event i (volatile view);
  // used to read what a rename installed. Empty when unknown.
  std::string ContentAfter(size_t i, int inode) const;
  // Inode that `to` of rename event i installed (-1 if none).
  int RenamedInode(size_t i) const;
  // Index of the directory inode that holds the target of event i (-1 if none).
  int TargetDir(size_t i) const;
  // True when a fsync of directory inode `dir` began after event i and ended before cut.
  bool DirSyncedBetween(int dir, size_t i, size_t cut) const;
  // Same under the ext4 model: any fsync began after i and ended before cut.
  bool AnySyncBetween(size_t i, size_t cut) const;

 private:
  struct DataEvent {
    size_t idx;
    enum Kind { kWrite, kTruncate, kExtend } kind;
    uint64_t off;  // write offset, or new size
    std::string bytes;
  };
  struct Inode {
    bool dir = false;
    int parent = -1;   // directory of its last name (for reports)
    std::string name;  // its last name
    std::vector<DataEvent> data;
    std::vector<std::pair<size_t, size_t>> syncs;  // (START index, END index)
  };
  struct NameEvent {
    size_t idx;
    int inode;  // -1: the name was removed
  };

  void Replay();
  bool Resolve(const std::string& path, int* dir, std::string* name, size_t idx);
  void SetName(int dir, const std::string& name, int inode, size_t idx);
  int NewInode(bool dir, uint64_t dev, uint64_t ino, const std::string& path);
  size_t LastSyncStart(int inode, size_t cut) const;  // SIZE_MAX: none
  std::string PathOf(int inode) const;                // relative to the root, from the last names

  std::vector<Op> ops_;
  std::string root_;
  std::vector<Inode> inodes_;
  std::map<std::pair<uint64_t, uint64_t>, int> by_devino_;
  std::map<int, std::map<std::string, int>> live_;  // volatile namespace during Replay
  std::map<std::pair<int, std::string>, std::vector<NameEvent>> names_;
  std::vector<std::pair<size_t, size_t>> all_syncs_;     // every completed fsync, any inode
  std::vector<std::pair<size_t, size_t>> global_syncs_;  // sync()/syncfs()
  std::map<size_t, int> rename_inode_;
  std::map<size_t, int> target_dir_;
  std::vector<std::string> warnings_;
};

}  // namespace klog::powerloss
