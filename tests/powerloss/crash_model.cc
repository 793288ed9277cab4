#include "powerloss/crash_model.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>

namespace klog::powerloss {

std::vector<Op> ReadOpLog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string d((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Op> ops;
  size_t i = 0;
  while (i + sizeof(OpHeader) <= d.size()) {
    OpHeader h;
    std::memcpy(&h, d.data() + i, sizeof h);
    if (i + sizeof h + h.len1 + h.len2 > d.size()) break;
    Op op;
    op.type = h.type;
    op.pid = h.pid;
    op.tid = h.tid;
    op.dev = h.dev;
    op.ino = h.ino;
    op.a = h.a;
    op.b = h.b;
    op.s1.assign(d, i + sizeof h, h.len1);
    op.s2.assign(d, i + sizeof h + h.len1, h.len2);
    i += sizeof h + h.len1 + h.len2;
    ops.push_back(std::move(op));
  }
  return ops;
}

const char* ModelName(Model m) { return m == Model::kPosix ? "POSIX" : "ext4"; }

namespace {

constexpr size_t kNone = SIZE_MAX;

void WriteBytes(std::string& file, uint64_t off, std::string_view bytes) {
  if (file.size() < off + bytes.size()) file.resize(off + bytes.size(), '\0');
  std::memcpy(file.data() + off, bytes.data(), bytes.size());
}

std::string Short(const std::string& path, const std::string& root) {
  return path.compare(0, root.size(), root) == 0 ? path.substr(root.size()) : path;
}

bool IsSegment(const std::string& path) { return path.size() > 4 && path.compare(path.size() - 4, 4, ".log") == 0; }

}  // namespace

OpHistory::OpHistory(const std::vector<Op>& ops, const std::string& root, uint64_t root_dev, uint64_t root_ino)
    : ops_(ops), root_(root) {
  NewInode(true, root_dev, root_ino, root);
  Replay();
}

int OpHistory::NewInode(bool dir, uint64_t dev, uint64_t ino, const std::string& path) {
  Inode n;
  n.dir = dir;
  (void)path;
  inodes_.push_back(std::move(n));
  int id = static_cast<int>(inodes_.size() - 1);
  if (dev || ino) by_devino_[{dev, ino}] = id;
  return id;
}

bool OpHistory::Resolve(const std::string& path, int* dir, std::string* name, size_t idx) {
  if (path.compare(0, root_.size(), root_) != 0) return false;
  std::vector<std::string> parts;
  std::stringstream ss(path.substr(root_.size()));
  std::string c;
  while (std::getline(ss, c, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(c);
  }
  if (parts.empty()) return false;
  int cur = 0;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto it = live_[cur].find(parts[i]);
    if (it == live_[cur].end()) {
      warnings_.push_back("event " + std::to_string(idx) + ": no directory " + parts[i] + " in " + path);
      return false;
    }
    cur = it->second;
  }
  *dir = cur;
  *name = parts.back();
  return true;
}

void OpHistory::SetName(int dir, const std::string& name, int inode, size_t idx) {
  if (inode < 0)
    live_[dir].erase(name);
  else {
    live_[dir][name] = inode;
    inodes_[inode].parent = dir;
    inodes_[inode].name = name;
  }
  names_[{dir, name}].push_back({idx, inode});
}

void OpHistory::Replay() {
  std::map<std::pair<int, int>, std::pair<size_t, int>> open_syncs;  // (pid, tid) -> (start, inode)
  std::map<std::pair<int, int>, size_t> open_global;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Op& op = ops_[i];
    int dir;
    std::string name;
    auto inode_of = [&](const Op& o) -> int {
      auto it = by_devino_.find({o.dev, o.ino});
      return it == by_devino_.end() ? -1 : it->second;
    };
    switch (op.type) {
      case OpType::kOpen: {
        int id = inode_of(op);
        if (op.a == 2) {  // O_TMPFILE: an inode without a name
          NewInode(false, op.dev, op.ino, op.s1);
          break;
        }
        if (op.a == 1 || id < 0) {
          if (!Resolve(op.s1, &dir, &name, i)) break;
          auto existing = live_[dir].find(name);
          if (op.a != 1 && existing != live_[dir].end()) {
            id = existing->second;
            by_devino_[{op.dev, op.ino}] = id;
          } else {
            id = NewInode(false, op.dev, op.ino, op.s1);
            SetName(dir, name, id, i);
          }
        }
        if (op.b == 1 && op.a != 1) inodes_[id].data.push_back({i, DataEvent::kTruncate, 0, {}});
        break;
      }
      case OpType::kMkdir:
        if (!Resolve(op.s1, &dir, &name, i)) break;
        SetName(dir, name, NewInode(true, op.dev, op.ino, op.s1), i);
        break;
      case OpType::kWrite:
      case OpType::kTruncate:
      case OpType::kFallocate: {
        int id = inode_of(op);
        if (id < 0) {
          warnings_.push_back("event " + std::to_string(i) + ": data change of an unknown file");
          break;
        }
        if (op.type == OpType::kWrite)
          inodes_[id].data.push_back({i, DataEvent::kWrite, static_cast<uint64_t>(op.a), op.s1});
        else if (op.type == OpType::kTruncate)
          inodes_[id].data.push_back({i, DataEvent::kTruncate, static_cast<uint64_t>(op.a), {}});
        else if (op.b > 0)
          inodes_[id].data.push_back({i, DataEvent::kExtend, static_cast<uint64_t>(op.a + op.b), {}});
        break;
      }
      case OpType::kRename: {
        int fd, td;
        std::string fn, tn;
        if (!Resolve(op.s1, &fd, &fn, i) || !Resolve(op.s2, &td, &tn, i)) break;
        auto it = live_[fd].find(fn);
        if (it == live_[fd].end()) {
          warnings_.push_back("event " + std::to_string(i) + ": rename of unknown " + op.s1);
          break;
        }
        int id = it->second;
        int other = live_[td].count(tn) ? live_[td][tn] : -1;
        if (op.b & 2) {  // RENAME_EXCHANGE
          SetName(fd, fn, other, i);
        } else {
          SetName(fd, fn, -1, i);
        }
        SetName(td, tn, id, i);
        rename_inode_[i] = id;
        target_dir_[i] = td;
        break;
      }
      case OpType::kLink:
      case OpType::kSymlink: {
        int fd, td;
        std::string fn, tn;
        if (!Resolve(op.s2, &td, &tn, i)) break;
        int id;
        if (op.type == OpType::kLink && (op.dev || op.ino) && inode_of(op) >= 0) {
          id = inode_of(op);
        } else if (op.type == OpType::kLink && Resolve(op.s1, &fd, &fn, i) && live_[fd].count(fn)) {
          id = live_[fd][fn];
        } else {
          warnings_.push_back("event " + std::to_string(i) + ": symlink " + op.s2 + " kept as a plain file");
          id = NewInode(false, 0, 0, op.s2);
          inodes_[id].data.push_back({i, DataEvent::kWrite, 0, op.s1});
        }
        SetName(td, tn, id, i);
        break;
      }
      case OpType::kUnlink:
      case OpType::kRmdir:
        if (!Resolve(op.s1, &dir, &name, i)) break;
        target_dir_[i] = dir;
        SetName(dir, name, -1, i);
        break;
      case OpType::kFsyncStart: {
        int id = inode_of(op);
        if (id >= 0) open_syncs[{op.pid, op.tid}] = {i, id};
        break;
      }
      case OpType::kFsyncEnd: {
        auto it = open_syncs.find({op.pid, op.tid});
        if (it == open_syncs.end()) break;
        if (op.a == 0) {
          inodes_[it->second.second].syncs.push_back({it->second.first, i});
          all_syncs_.push_back({it->second.first, i});
        }
        open_syncs.erase(it);
        break;
      }
      case OpType::kSyncAll:
        if (op.a == 0)
          open_global[{op.pid, op.tid}] = i;
        else if (open_global.count({op.pid, op.tid})) {
          global_syncs_.push_back({open_global[{op.pid, op.tid}], i});
          all_syncs_.push_back({open_global[{op.pid, op.tid}], i});
          open_global.erase({op.pid, op.tid});
        }
        break;
      case OpType::kExec:
      case OpType::kStdout:
        break;
    }
  }
}

std::string OpHistory::PathOf(int inode) const {
  std::string p;
  for (int i = inode, hops = 0; i > 0 && hops < 64; i = inodes_[i].parent, ++hops) {
    if (inodes_[i].parent < 0) return "?" + p;
    p = "/" + inodes_[i].name + p;
  }
  return p.empty() ? "/" : p;
}

size_t OpHistory::LastSyncStart(int inode, size_t cut) const {
  size_t best = kNone;
  auto consider = [&](const std::vector<std::pair<size_t, size_t>>& v) {
    for (auto [s, e] : v)
      if (e < cut && (best == kNone || s > best)) best = s;
  };
  consider(inodes_[inode].syncs);
  consider(global_syncs_);
  return best;
}

std::string OpHistory::Describe(size_t i) const {
  if (i >= ops_.size()) return "end of the log (every event happened)";
  const Op& op = ops_[i];
  std::string who = "pid " + std::to_string(op.pid) + ": ";
  auto path_of = [&]() -> std::string {
    auto it = by_devino_.find({op.dev, op.ino});
    return it == by_devino_.end() ? "?" : PathOf(it->second);
  };
  switch (op.type) {
    case OpType::kExec: {
      std::string a = op.s1;
      std::replace(a.begin(), a.end(), '\0', ' ');
      return who + "exec " + a;
    }
    case OpType::kOpen:
      if (op.a == 2) return who + "create O_TMPFILE in " + Short(op.s1, root_);
      return who + (op.a ? "create " : op.b ? "open O_TRUNC " : "open O_CREAT (existing) ") + Short(op.s1, root_);
    case OpType::kMkdir:
      return who + "mkdir " + Short(op.s1, root_);
    case OpType::kWrite:
      return who + "write " + std::to_string(op.s1.size()) + " bytes at " + std::to_string(op.a) + " to " + path_of();
    case OpType::kTruncate:
      return who + "truncate " + path_of() + " to " + std::to_string(op.a);
    case OpType::kFallocate:
      return who + "fallocate " + path_of();
    case OpType::kRename:
      return who + "rename " + Short(op.s1, root_) + " -> " + Short(op.s2, root_);
    case OpType::kUnlink:
      return who + "unlink " + Short(op.s1, root_);
    case OpType::kRmdir:
      return who + "rmdir " + Short(op.s1, root_);
    case OpType::kLink:
      return who + "link " + Short(op.s1, root_) + " -> " + Short(op.s2, root_);
    case OpType::kSymlink:
      return who + "symlink " + Short(op.s2, root_);
    case OpType::kFsyncStart:
      return who + (op.b ? "fdatasync START " : "fsync START ") + Short(op.s1, root_);
    case OpType::kFsyncEnd:
      return who + "fsync END " + path_of();
    case OpType::kStdout: {
      std::string s = op.s1.substr(0, 40);
      std::replace(s.begin(), s.end(), '\n', '|');
      return who + "stdout '" + s + (op.s1.size() > 40 ? "...'" : "'");
    }
    case OpType::kSyncAll:
      return who + (op.a ? "sync END" : "sync START");
  }
  return who + "?";
}

std::string OpHistory::ContentAfter(size_t i, int inode) const {
  std::string f;
  if (inode < 0) return f;
  for (const auto& e : inodes_[inode].data) {
    if (e.idx > i) break;
    if (e.kind == DataEvent::kWrite)
      WriteBytes(f, e.off, e.bytes);
    else if (e.kind == DataEvent::kTruncate)
      f.resize(e.off, '\0');
    else if (f.size() < e.off)
      f.resize(e.off, '\0');
  }
  return f;
}

int OpHistory::RenamedInode(size_t i) const {
  auto it = rename_inode_.find(i);
  return it == rename_inode_.end() ? -1 : it->second;
}
int OpHistory::TargetDir(size_t i) const {
  auto it = target_dir_.find(i);
  return it == target_dir_.end() ? -1 : it->second;
}
bool OpHistory::DirSyncedBetween(int dir, size_t i, size_t cut) const {
  if (dir < 0) return false;
  for (auto [s, e] : inodes_[dir].syncs)
    if (s > i && e < cut) return true;
  for (auto [s, e] : global_syncs_)
    if (s > i && e < cut) return true;
  return false;
}
bool OpHistory::AnySyncBetween(size_t i, size_t cut) const {
  for (auto [s, e] : all_syncs_)
    if (s > i && e < cut) return true;
  return false;
}

CrashState OpHistory::Sample(size_t cut, Model model, std::mt19937_64& rng) const {
  CrashState st;
  auto uniform = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  // How much of the unsynced work reached the disk varies from state to
  // state: from nothing to everything.
  static const double kKeep[] = {0.0, 0.3, 0.7, 0.9, 1.0};
  double name_keep = kKeep[pick(5)];
  double data_keep = kKeep[pick(5)];

  // ext4: the journal commit point.
  size_t commit = cut;
  if (model == Model::kExt4) {
    size_t floor = 0;
    for (auto [s, e] : all_syncs_)
      if (e < cut) floor = std::max(floor, s);
    commit = floor + pick(cut - floor + 1);
    if (commit < cut)
      st.choices.push_back("journal committed through event " + std::to_string(commit) + " (" + Describe(commit) +
                           " and later metadata lost)");
  }

  // Names: (dir, name) -> chosen inode, and the event that gave it.
  std::map<int, std::map<std::string, int>> tree;
  std::map<int, std::pair<size_t, std::pair<int, std::string>>> dir_name;  // a directory has one name
  for (const auto& [key, events] : names_) {
    auto [dir, name] = key;
    int value = -1;
    size_t set_at = 0;
    if (model == Model::kExt4) {
      for (const auto& e : events)
        if (e.idx < commit) value = e.inode, set_at = e.idx;
    } else {
      size_t synced = LastSyncStart(dir, cut);
      int durable = -1;
      std::vector<const NameEvent*> pending;
      for (const auto& e : events) {
        if (e.idx >= cut) break;
        if (synced != kNone && e.idx < synced)
          durable = e.inode, set_at = e.idx;
        else
          pending.push_back(&e);
      }
      value = durable;
      if (!pending.empty()) {
        const NameEvent* chosen = nullptr;
        if (uniform(name_keep))
          chosen = pending.back();
        else if (!uniform(0.7))
          chosen = pending[pick(pending.size())];
        if (chosen) value = chosen->inode, set_at = chosen->idx;
        if (chosen != pending.back()) {
          std::string what = (dir == 0 ? "" : PathOf(dir)) + "/" + name + ": ";
          if (!chosen)
            what += durable < 0 ? "absent (its creation at event " + std::to_string(pending.front()->idx) + " lost)"
                                : "kept its synced value (changes from event " + std::to_string(pending.front()->idx) +
                                      " lost)";
          else
            what += "has the value set by event " + std::to_string(chosen->idx) + " (later changes lost)";
          st.choices.push_back(what);
        }
      }
    }
    if (value < 0) continue;
    if (inodes_[value].dir) {
      // A renamed directory whose old and new names both survived: a
      // directory cannot have two names, the later rename is the one that won.
      auto it = dir_name.find(value);
      if (it != dir_name.end()) {
        if (it->second.first > set_at) continue;
        tree[it->second.second.first].erase(it->second.second.second);
      }
      dir_name[value] = {set_at, {dir, name}};
    }
    tree[dir][name] = value;
  }

  // Segments as built, by directory: name -> (an unsynced write of it was
  // torn into sectors, it holds data).
  std::map<std::string, std::map<std::string, std::pair<bool, bool>>> segments;

  // Data of one inode in this state.
  auto content = [&](int id) {
    const Inode& n = inodes_[id];
    std::string f;
    size_t synced = model == Model::kPosix ? LastSyncStart(id, cut) : kNone;
    size_t durable_until = model == Model::kPosix ? (synced == kNone ? 0 : synced) : commit;
    bool lost = false, hole = false, partial = false, sectors = false;
    std::string shortp = PathOf(id);
    uint64_t committed_size = 0;
    bool frozen = false;
    for (const auto& e : n.data) {
      if (e.idx >= cut) break;
      if (e.idx < durable_until) {
        if (e.kind == DataEvent::kWrite)
          WriteBytes(f, e.off, e.bytes);
        else if (e.kind == DataEvent::kTruncate)
          f.resize(e.off, '\0');
        else if (f.size() < e.off)
          f.resize(e.off, '\0');
        continue;
      }
      std::string at = shortp + " event " + std::to_string(e.idx);
      if (model == Model::kExt4) {
        if (!frozen) committed_size = f.size(), frozen = true;
        if (e.kind != DataEvent::kWrite) {
          st.choices.push_back(at + ": size change lost");
          continue;
        }
        if (e.off >= committed_size) {
          st.choices.push_back(at + ": append lost (beyond the committed size " + std::to_string(committed_size) + ")");
          continue;
        }
        std::string_view inside(e.bytes);
        inside = inside.substr(0, committed_size - e.off);
        if (inside.size() < e.bytes.size())
          st.choices.push_back(at + ": bytes beyond the committed size " + std::to_string(committed_size) + " lost");
        if (uniform(data_keep)) {
          WriteBytes(f, e.off, inside);
        } else if (uniform(0.5)) {
          st.choices.push_back(at + ": overwrite lost");
        } else {
          std::string torn = f.substr(e.off, inside.size());
          torn.resize(inside.size(), '\0');
          for (size_t s = 0; s < inside.size(); s += 512)
            if (uniform(0.5)) std::memcpy(torn.data() + s, inside.data() + s, std::min<size_t>(512, inside.size() - s));
          WriteBytes(f, e.off, torn);
          st.choices.push_back(at + ": overwrite torn (random 512-byte sectors kept)");
        }
        continue;
      }
      // POSIX: each unsynced change on its own.
      if (uniform(data_keep)) {
        if (e.kind == DataEvent::kWrite)
          WriteBytes(f, e.off, e.bytes);
        else if (e.kind == DataEvent::kTruncate)
          f.resize(e.off, '\0');
        else if (f.size() < e.off)
          f.resize(e.off, '\0');
        if (lost && e.kind == DataEvent::kWrite) hole = true;
        continue;
      }
      if (e.kind != DataEvent::kWrite) {
        st.choices.push_back(at + ": size change lost");
        continue;
      }
      size_t n_bytes = e.bytes.size();
      switch (pick(4)) {
        case 0:
          st.choices.push_back(at + ": write of " + std::to_string(n_bytes) + " bytes at " + std::to_string(e.off) +
                               " lost");
          break;
        case 1: {
          size_t keep = n_bytes > 1 ? pick(n_bytes) : 0;
          WriteBytes(f, e.off, std::string_view(e.bytes).substr(0, keep));
          if (keep && lost) hole = true;
          if (keep) partial = true;
          st.choices.push_back(at + ": write at " + std::to_string(e.off) + " kept as a prefix of " +
                               std::to_string(keep) + " of " + std::to_string(n_bytes) + " bytes");
          break;
        }
        case 2: {
          std::string torn = e.off < f.size() ? f.substr(e.off, n_bytes) : "";
          torn.resize(n_bytes, '\0');
          for (size_t s = 0; s < n_bytes; s += 512)
            if (uniform(0.5)) std::memcpy(torn.data() + s, e.bytes.data() + s, std::min<size_t>(512, n_bytes - s));
          WriteBytes(f, e.off, torn);
          if (lost) hole = true;
          partial = sectors = true;
          st.choices.push_back(at + ": write of " + std::to_string(n_bytes) + " bytes at " + std::to_string(e.off) +
                               " torn (random 512-byte sectors kept)");
          break;
        }
        default:
          if (f.size() < e.off + n_bytes) f.resize(e.off + n_bytes, '\0');
          st.choices.push_back(at + ": write of " + std::to_string(n_bytes) + " bytes at " + std::to_string(e.off) +
                               " zero-filled");
      }
      lost = true;
    }
    if (hole && IsSegment(shortp)) st.holes.push_back(shortp);
    if (partial && IsSegment(shortp)) st.torn.push_back(shortp);
    if (IsSegment(shortp)) {
      size_t slash = shortp.rfind('/');
      segments[shortp.substr(0, slash)][shortp.substr(slash + 1)] = {sectors, !f.empty()};
    }
    return f;
  };

  // Materialize what the root reaches.
  std::map<int, int> node_of;
  std::function<int(int)> build = [&](int id) -> int {
    int idx = static_cast<int>(st.nodes.size());
    st.nodes.push_back({});
    st.nodes[idx].dir = inodes_[id].dir;
    node_of[id] = idx;
    if (!inodes_[id].dir) {
      st.nodes[idx].data = content(id);
      return idx;
    }
    auto it = tree.find(id);
    if (it == tree.end()) return idx;
    for (const auto& [name, child] : it->second) {
      if (inodes_[child].dir && node_of.count(child)) continue;  // a cycle or a second name of a directory
      int c = node_of.count(child) ? node_of[child] : build(child);
      st.nodes[idx].children[name] = c;
    }
    return idx;
  };
  build(0);
  // A batch torn into sectors in a segment that a later segment of the
  // partition follows with data is a hole too, across files: a roll without
  // a sync (--fsync never) orders nothing, and klog cannot tell that batch
  // from damage of synced data (a closed segment merely cut short, or ending
  // in zeros, it can repair: not a hole).
  for (const auto& [dir, segs] : segments) {
    bool later_data = false;
    for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
      if (it->second.first && later_data) st.holes.push_back(dir + "/" + it->first);
      later_data |= it->second.second;
    }
  }
  return st;
}

bool CrashState::WriteTo(const std::string& dir, std::string* error) const {
  std::function<bool(int, const std::string&)> write = [&](int idx, const std::string& path) -> bool {
    for (const auto& [name, c] : nodes[idx].children) {
      std::string p = path + "/" + name;
      if (nodes[c].dir) {
        if (::mkdir(p.c_str(), 0755) != 0) {
          *error = "mkdir " + p + ": " + std::strerror(errno);
          return false;
        }
        if (!write(c, p)) return false;
      } else {
        int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
          *error = "create " + p + ": " + std::strerror(errno);
          return false;
        }
        const std::string& d = nodes[c].data;
        bool ok = d.empty() || ::write(fd, d.data(), d.size()) == static_cast<ssize_t>(d.size());
        ::close(fd);
        if (!ok) {
          *error = "write " + p;
          return false;
        }
      }
    }
    return true;
  };
  return write(0, dir);
}

}  // namespace klog::powerloss
