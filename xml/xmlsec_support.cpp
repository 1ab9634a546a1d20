#include "xml/xmlsec_support.h"

#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include "xml/document.h"

namespace careid::xml {
namespace detail {
namespace {

// xmlsec reports errors through one global callback. The first error of the current
// operation on this thread is kept for the Status message; later ones only follow from it.
thread_local std::string first_error;

void record_xmlsec_error(const char*, int, const char* func, const char*,
                         const char* error_subject, int reason, const char* message) {
  if (!first_error.empty()) {
    return;
  }
  const char* reason_text = xmlSecErrorsGetMsg(static_cast<xmlSecSize>(reason));
  first_error = std::string(func != nullptr ? func : "xmlsec") + ": " +
                (reason_text != nullptr ? reason_text : "error");
  if (error_subject != nullptr) {
    first_error += std::string(" (") + error_subject + ")";
  }
  if (message != nullptr && *message != '\0') {
    first_error += std::string(": ") + message;
  }
}

}  // namespace

void clear_xmlsec_error() { first_error.clear(); }

Status xmlsec_error(std::string_view what) {
  std::string message(what);
  if (!first_error.empty()) {
    message += ": " + first_error;
  }
  first_error.clear();
  return Status::internal(message);
}

void install_error_callback() { xmlSecErrorsSetCallback(record_xmlsec_error); }

}  // namespace detail

Status ensure_xmlsec_initialised() {
  static std::once_flag once;
  static Status result;
  std::call_once(once, [] {
    ensure_libxml2_initialised();
    if (xmlSecInit() < 0) {
      result = detail::xmlsec_error("xmlSecInit failed");
    } else if (xmlSecCheckVersion() != 1) {
      result = Status::internal("the loaded xmlsec library does not match its headers");
    } else if (xmlSecCryptoAppInit(nullptr) < 0) {
      result = detail::xmlsec_error("xmlsec OpenSSL application initialisation failed");
    } else if (xmlSecCryptoInit() < 0) {
      result = detail::xmlsec_error("xmlsec OpenSSL initialisation failed");
    }
    // Installed last because xmlSecInit restores the default callback, which prints.
    detail::install_error_callback();
  });
  return result;
}

}  // namespace careid::xml
