// Status and Result: how careid reports failure without exceptions.
//
// A Status is a code plus a message written for the person who has to act on it
// ("invalid value 'abc' for ldap.port: expected 1-65535"). Result<T> holds either a
// value or a non-OK Status, shaped like std::expected so that it can be swapped for
// it once the toolchain has C++23. Exceptions are kept for programming errors and
// start-up failures; they never cross an Asio handler or a C callback.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace careid {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is malformed or out of range
  kNotFound,           // a named thing does not exist
  kAlreadyExists,      // a create found the thing already there
  kPermissionDenied,   // the caller may not do this
  kFailedPrecondition, // the system is not in a state where this can run
  kResourceExhausted,  // a configured limit or the disk is full
  kUnavailable,        // a peer or service cannot be reached now; retrying may work
  kIoError,            // the operating system reported an error
  kCorruption,         // stored data does not decode
  kUnimplemented,      // not built yet
  kInternal,           // a bug or an unexpected library failure
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status permission_denied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotFound: no entry uid=1,ou=People,o=nhs"; "OK" for success.
  std::string to_string() const;

  // Returns a copy whose message is "context: message", for adding what the caller was doing.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value of type T or the Status that explains why there is none. E is the error type,
// Status by default; the directory uses its own LDAP result type for protocol errors.
template <class T, class E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& { assert(!ok()); return std::get<1>(data_); }
  E&& error() && { assert(!ok()); return std::get<1>(std::move(data_)); }

  // Same as error(); reads better where E is Status.
  const E& status() const& { return error(); }

 private:
  std::variant<T, E> data_;
};

}  // namespace careid

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define CAREID_RETURN_IF_ERROR(expr)         \
  do {                                       \
    ::careid::Status careid_status_ = (expr); \
    if (!careid_status_.ok()) {              \
      return careid_status_;                 \
    }                                        \
  } while (0)
