// A small HTTP/1.1 GET client (Boost.Beast) for SP metadata sources: one request per call,
// on a private io_context in the calling thread, so it blocks for at most `timeout`.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "base/status.h"

namespace careid::federation::http {

struct FetchOptions {
  // The whole exchange (resolve, connect, TLS handshake, request, response).
  std::chrono::seconds timeout{30};
  // Largest response body; a larger one fails with kResourceExhausted.
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  // PEM trust anchors for https:// URLs; empty means OpenSSL's default CA paths. The
  // server's certificate must chain to one and match the URL's host name.
  std::filesystem::path ca_file;
};

// GETs `url` (http:// or https://, with an optional port and path; no user info) and
// returns the body of a 200 response. Redirects are not followed. Errors name the URL:
//   kInvalidArgument    the URL does not parse or has another scheme
//   kUnavailable        resolve, connect, TLS, timeout, or a status other than 200
//   kResourceExhausted  the body is larger than max_body_bytes
Result<std::string> fetch_url(const std::string& url, const FetchOptions& options);

}  // namespace careid::federation::http
