// Absolute http:// and https:// URLs split for an HTTP/1.1 client: host, port and request
// target. Shared by careid's outgoing requests.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::federation::http {

struct HttpUrl {
  bool tls = false;    // https://
  std::string host;    // without the brackets of an IPv6 literal
  std::string port;    // decimal; 443 or 80 when the URL has none
  std::string target;  // path and query, "/" when the URL has neither
};

// Splits `url`. kInvalidArgument when the scheme is not http or https, the host is empty,
// the port is not decimal, the URL has user info ("user@host"), or it contains a space or a
// control character.
Result<HttpUrl> parse_http_url(std::string_view url);

}  // namespace careid::federation::http
