// Errors are values: lib/ never throws across module boundaries.
// A Status carries a code and a message that names the thing (topic,
// partition, offset, path); cmd/ adds "klog: error: " and maps codes to exit
// statuses.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace klog {

enum class Code {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  kCorruption,
  kIOError,
  kNoSpace,
  kPermissionDenied,
  kBusy,     // refused: someone else holds it (live group members, ...)
  kFenced,   // a member's generation is stale
  kOutOfRange,      // an offset before the log's start (deleted by retention) or past its end
  kOutputClosed,    // the reader of our output went away: stop quietly, not an error
  kNotSupported,    // this backend cannot do it (verify on a cluster)
  kUnavailable,     // the backend cannot be reached now (an unreachable cluster)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::make_unique<std::string>(std::move(message))) {}
  Status(const Status& other)
      : code_(other.code_), message_(other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status Busy(std::string m) { return {Code::kBusy, std::move(m)}; }
  static Status Fenced(std::string m) { return {Code::kFenced, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {Code::kOutOfRange, std::move(m)}; }
  static Status OutputClosed(std::string m) { return {Code::kOutputClosed, std::move(m)}; }
  static Status NotSupported(std::string m) { return {Code::kNotSupported, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const {
    static const std::string kNone;
    return message_ ? *message_ : kNone;
  }

  // Prefixes the message with context, e.g. "topic 'events' partition 3: ".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message());
  }

 private:
  Code code_ = Code::kOk;
  // Null for Status::Ok(): an ok Status, made, copied and returned once
  // per record on the produce and consume paths, is a code and a pointer.
  std::unique_ptr<std::string> message_;
};

// Either a value or a non-ok Status (modelled on abseil's StatusOr).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}     // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace klog

#define KLOG_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::klog::Status _st = (expr);            \
    if (!_st.ok()) return _st;              \
  } while (0)

#define KLOG_CONCAT_INNER(a, b) a##b
#define KLOG_CONCAT(a, b) KLOG_CONCAT_INNER(a, b)
#define KLOG_ASSIGN_OR_RETURN(lhs, expr) \
  KLOG_ASSIGN_OR_RETURN_IMPL(KLOG_CONCAT(_res_, __LINE__), lhs, expr)
#define KLOG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
