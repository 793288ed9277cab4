#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "util/worker_pool.h"

using klog::Code;
using klog::Status;
using klog::util::WorkerPool;

TEST_CASE("WorkerPool runs tasks off the caller's thread, in order on one thread, and returns each result") {
  WorkerPool pool(1);
  std::vector<int> ran;
  std::thread::id caller = std::this_thread::get_id(), worker;
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 50; ++i) {
    auto t = pool.Submit([&, i] {
      worker = std::this_thread::get_id();
      ran.push_back(i);
      return i % 10 == 3 ? Status::IOError("task " + std::to_string(i)) : Status::Ok();
    });
    REQUIRE(t.ok());
    tickets.push_back(*t);
  }
  // Waited for out of order: each ticket still gets its own task's result.
  for (int i = 49; i >= 0; --i) {
    Status st = pool.Wait(tickets[i]);
    if (i % 10 == 3) {
      CHECK(st.code() == Code::kIOError);
      CHECK(st.message() == "task " + std::to_string(i));
    } else {
      CHECK(st.ok());
    }
  }
  CHECK(worker != caller);
  REQUIRE(ran.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(ran[i] == i);
}

TEST_CASE("WorkerPool: a task queued behind a slow one runs on the other thread without waiting for it") {
  WorkerPool pool(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> slow_done{false};
  auto slow = pool.Submit([&] {
    // Bounded, so a pool that wrongly serialises the tasks fails the
    // checks below instead of hanging the test.
    released.wait_for(std::chrono::seconds(10));
    slow_done = true;
    return Status::Ok();
  });
  REQUIRE(slow.ok());
  std::vector<uint64_t> fast;
  for (int i = 0; i < 3; ++i) {
    auto t = pool.Submit([] { return Status::Ok(); });
    REQUIRE(t.ok());
    fast.push_back(*t);
  }
  for (uint64_t t : fast) CHECK(pool.Wait(t).ok());
  CHECK_FALSE(slow_done.load());  // the fast ones did not wait for it
  release.set_value();
  CHECK(pool.Wait(*slow).ok());
  CHECK(slow_done.load());
}

TEST_CASE("WorkerPool runs every submitted task before it goes") {
  std::atomic<int> done{0};
  {
    WorkerPool pool(2);
    for (int i = 0; i < 8; ++i) {
      REQUIRE(pool.Submit([&] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    ++done;
                    return Status::Ok();
                  })
                  .ok());
    }
  }  // no Wait: the destructor runs the queue first
  CHECK(done.load() == 8);
}
