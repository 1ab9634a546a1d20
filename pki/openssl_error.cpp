#include "pki/openssl_error.h"

#include <string>

#include <openssl/err.h>

namespace careid::pki {

namespace {

std::string describe_error(unsigned long error, const char* data, int flags) {
  std::string text;
  const char* library = ERR_lib_error_string(error);
  const char* reason = ERR_reason_error_string(error);
  if (library != nullptr) {
    text += library;
    text += ": ";
  }
  if (reason != nullptr) {
    text += reason;
  } else {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof buffer);
    text += buffer;
  }

  if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
    text += " (";
    text += data;
    text += ")";
  }
  return text;
}

}  // namespace

Status openssl_status(StatusCode code, std::string_view what) {
  std::string message(what);
  const char* data = nullptr;
  int flags = 0;
  bool first = true;
  while (unsigned long error = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    message += first ? ": " : "; ";
    message += describe_error(error, data, flags);
    first = false;
  }
  return Status(code, std::move(message));
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace careid::pki
