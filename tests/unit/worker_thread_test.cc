#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "util/worker_thread.h"

using klog::Code;
using klog::Status;
using klog::util::WorkerThread;

TEST_CASE("WorkerThread runs tasks one at a time, off the caller's thread, and returns each result") {
  WorkerThread w;
  CHECK_FALSE(w.busy());
  CHECK(w.Wait().ok());  // nothing started
  std::vector<int> ran;
  std::thread::id caller = std::this_thread::get_id(), worker;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(w.Start([&, i] {
                 worker = std::this_thread::get_id();
                 ran.push_back(i);
                 return i % 10 == 3 ? Status::IOError("task " + std::to_string(i)) : Status::Ok();
               })
                .ok());
    CHECK(w.busy());
    Status st = w.Wait();
    CHECK_FALSE(w.busy());
    CHECK(worker != caller);
    if (i % 10 == 3) {
      CHECK(st.code() == Code::kIOError);
      CHECK(st.message() == "task " + std::to_string(i));
    } else {
      CHECK(st.ok());
    }
  }
  REQUIRE(ran.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(ran[i] == i);
}

TEST_CASE("WorkerThread waits for a running task before starting the next and before it goes") {
  std::atomic<int> done{0};
  {
    WorkerThread w;
    auto slow = [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ++done;
      return Status::Ok();
    };
    REQUIRE(w.Start(slow).ok());
    REQUIRE(w.Start(slow).ok());  // waits for the first
    CHECK(done.load() >= 1);
  }  // the destructor waits for the second
  CHECK(done.load() == 2);
}
