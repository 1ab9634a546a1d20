// PINs for PKCS#11 logins, read from a file or an environment variable, never from the
// command line, where other users could read them in the process list.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::pki::pkcs11 {

// Longest PIN accepted. PKCS#11 leaves the limit to the token (CK_TOKEN_INFO.ulMaxPinLen);
// SoftHSM 2 allows 255.
inline constexpr std::size_t kMaxPinBytes = 255;

// A PIN in memory. Move-only; the bytes are overwritten when the object is destroyed.
// Never log value().
class Pin {
 public:
  // Checks and wraps `value`: InvalidArgument when it is empty, longer than kMaxPinBytes,
  // or contains a control character.
  static Result<Pin> from_string(std::string value);

  // Reads the first line of `path`, without its line ending. The file must grant no access
  // to group or others (FailedPrecondition naming `chmod 600` otherwise) and be at most 1 MiB.
  static Result<Pin> from_file(const std::filesystem::path& path);

  // Reads the environment variable `name`; NotFound when it is unset.
  static Result<Pin> from_environment(std::string_view name);

  // Reads `file` when given, else the variable `environment_name`. NotFound names both
  // sources when neither is set.
  static Result<Pin> read(const std::optional<std::filesystem::path>& file,
                          std::string_view environment_name);

  Pin(Pin&& other) noexcept;
  Pin& operator=(Pin&& other) noexcept;
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  ~Pin();

  const std::string& value() const { return value_; }

 private:
  explicit Pin(std::string value) : value_(std::move(value)) {}
  void wipe();

  std::string value_;
};

}  // namespace careid::pki::pkcs11
