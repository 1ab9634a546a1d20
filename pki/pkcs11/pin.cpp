#include "pki/pkcs11/pin.h"

#include <cstdlib>

#include <openssl/crypto.h>

#include "pki/files.h"

namespace careid::pki::pkcs11 {

Result<Pin> Pin::from_string(std::string value) {
  Pin pin(std::move(value));
  if (pin.value_.empty()) {
    return Status::invalid_argument("the PIN is empty");
  }
  if (pin.value_.size() > kMaxPinBytes) {
    return Status::invalid_argument("the PIN is longer than " + std::to_string(kMaxPinBytes) +
                                    " bytes");
  }
  for (unsigned char c : pin.value_) {
    if (c < 0x20 || c == 0x7f) {
      return Status::invalid_argument("the PIN contains a control character");
    }
  }
  return pin;
}

Result<Pin> Pin::from_file(const std::filesystem::path& path) {
  auto contents = read_private_file(path);
  if (!contents.ok()) {
    return contents.status().with_context("cannot read PIN file " + path.string());
  }

  // The PIN is the first line; an editor's final newline (LF or CRLF) is not part of it.
  std::string text = std::move(*contents);
  std::size_t end = text.find_first_of("\r\n");
  std::string value = text.substr(0, end);
  OPENSSL_cleanse(text.data(), text.size());
  auto pin = from_string(std::move(value));
  if (!pin.ok()) {
    return pin.status().with_context("PIN file " + path.string());
  }
  return pin;
}

Result<Pin> Pin::from_environment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) {
    return Status::not_found("environment variable " + std::string(name) + " is not set");
  }
  auto pin = from_string(value);
  if (!pin.ok()) {
    return pin.status().with_context("environment variable " + std::string(name));
  }
  return pin;
}

Result<Pin> Pin::read(const std::optional<std::filesystem::path>& file,
                      std::string_view environment_name) {
  if (file.has_value()) {
    return from_file(*file);
  }
  if (std::getenv(std::string(environment_name).c_str()) == nullptr) {
    return Status::not_found("no PIN given: pass a PIN file (mode 0600) or set " +
                             std::string(environment_name));
  }
  return from_environment(environment_name);
}

Pin::Pin(Pin&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }

Pin& Pin::operator=(Pin&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Pin::~Pin() { wipe(); }

void Pin::wipe() {
  // capacity(), not size(): a moved-from short string keeps its old bytes in its buffer.
  OPENSSL_cleanse(value_.data(), value_.capacity());
  value_.clear();
}

}  // namespace careid::pki::pkcs11
