#include <doctest/doctest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "log/sync_thread.h"
#include "os/file.h"
#include "support/temp_dir.h"

using klog::Code;
using klog::Status;
using klog::log::PendingSync;
using klog::log::SyncThread;
using klog::os::File;
using klog::testing::TempDir;

namespace {

PendingSync SyncOf(const std::string& path, const std::string& data) {
  auto f = File::OpenAppend(path, true);
  REQUIRE(f.ok());
  REQUIRE(f->Append(data).ok());
  return {std::move(f).value(), "file " + path};
}

std::vector<PendingSync> One(PendingSync s) {
  std::vector<PendingSync> v;
  v.push_back(std::move(s));
  return v;
}

// A sync that fails: fdatasync(2) of a pipe is EINVAL.
PendingSync FailingSync(int* other_end) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  *other_end = fds[1];
  return {File(fds[0], "a pipe"), "the pipe"};
}

}  // namespace

TEST_CASE("SyncThread: each ticket is done once its syncs and those of every ticket before it are") {
  TempDir tmp;
  SyncThread syncer;
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 200; ++i) {
    std::vector<PendingSync> syncs;
    syncs.push_back(SyncOf(tmp.Join("a.log"), "batch " + std::to_string(i) + "\n"));
    if (i % 3 == 0) syncs.push_back(SyncOf(tmp.Join("b.log"), "x"));
    auto t = syncer.Add(&syncs);
    REQUIRE(t.ok());
    CHECK(syncs.empty());  // handed over
    if (!tickets.empty()) CHECK(*t > tickets.back());
    tickets.push_back(*t);
  }
  CHECK(syncer.WaitFor(tickets.back()).ok());
  for (uint64_t t : tickets) CHECK(syncer.WaitFor(t).ok());  // all done by now: no wait
  CHECK(syncer.WaitFor(0).ok());
}

TEST_CASE("SyncThread: a failed sync fails its ticket and every later one") {
  TempDir tmp;
  SyncThread syncer;
  auto good1 = One(SyncOf(tmp.Join("a.log"), "1"));
  auto t1 = syncer.Add(&good1);
  REQUIRE(t1.ok());
  CHECK(syncer.WaitFor(*t1).ok());

  int write_end = -1;
  auto bad = One(FailingSync(&write_end));
  auto t2 = syncer.Add(&bad);
  auto good2 = One(SyncOf(tmp.Join("a.log"), "2"));
  auto t3 = syncer.Add(&good2);
  REQUIRE(t2.ok());
  REQUIRE(t3.ok());
  Status st = syncer.WaitFor(*t2);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("the pipe") != std::string::npos);
  CHECK(syncer.WaitFor(*t3).message() == st.message());
  // Sticky: a later sync that would succeed proves nothing about the failed write-back.
  auto good3 = One(SyncOf(tmp.Join("a.log"), "3"));
  auto t4 = syncer.Add(&good3);
  REQUIRE(t4.ok());
  CHECK(syncer.WaitFor(*t4).message() == st.message());
  CHECK(syncer.WaitFor(*t1).ok());  // done before the failure: still fine
  ::close(write_end);
}
