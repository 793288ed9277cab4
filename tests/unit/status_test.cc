// Status keeps an error's code and message through copies and moves; an ok
// Status has no message (it holds none: see util/status.h).
#include <doctest/doctest.h>

#include <utility>

#include "util/status.h"

namespace klog {
namespace {

Status Fail() { return Status::NotFound("topic 'x' not found"); }

Status PassThrough(const Status& st) {
  KLOG_RETURN_IF_ERROR(st);
  return Status::IOError("reached the end");
}

TEST_CASE("copies and moves keep code and message; the source of a copy is untouched") {
  Status a = Fail();
  Status b = a;
  CHECK(b.code() == Code::kNotFound);
  CHECK(b.message() == "topic 'x' not found");
  CHECK(a.message() == "topic 'x' not found");
  Status c;
  c = b;
  CHECK(c.message() == "topic 'x' not found");
  c = c;  // self-assignment keeps it
  CHECK(c.message() == "topic 'x' not found");
  Status d = std::move(c);
  CHECK(d.code() == Code::kNotFound);
  CHECK(d.message() == "topic 'x' not found");
  b = Status::Ok();
  CHECK(b.ok());
  CHECK(b.message().empty());
  CHECK(a.message() == "topic 'x' not found");
}

TEST_CASE("ok, context and the return macro") {
  CHECK(Status().ok());
  CHECK(Status::Ok().message().empty());
  CHECK(Status::Ok().WithContext("partition 3").ok());
  Status e = Status::Corruption("bad crc").WithContext("topic 't' partition 3");
  CHECK(e.code() == Code::kCorruption);
  CHECK(e.message() == "topic 't' partition 3: bad crc");
  Status empty(Code::kBusy, "");
  CHECK_FALSE(empty.ok());
  CHECK(empty.message().empty());
  CHECK(PassThrough(Fail()).message() == "topic 'x' not found");
  CHECK(PassThrough(Status::Ok()).message() == "reached the end");
}

TEST_CASE("stop-quietly, not-supported and unavailable each have their own code") {
  CHECK(Status::OutputClosed("stdout closed").code() == Code::kOutputClosed);
  CHECK(Status::NotSupported("verify needs a data directory").code() == Code::kNotSupported);
  CHECK(Status::Unavailable("no broker answered").code() == Code::kUnavailable);
  // kOutOfRange means only an offset outside the log: nothing else shares it.
  for (Code c : {Code::kOutputClosed, Code::kNotSupported, Code::kUnavailable}) CHECK(c != Code::kOutOfRange);
}

}  // namespace
}  // namespace klog
