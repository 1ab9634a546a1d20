#include "federation/http/http_url.h"

#include <algorithm>

namespace careid::federation::http {

Result<HttpUrl> parse_http_url(std::string_view url) {
  HttpUrl parsed;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    parsed.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return Status::invalid_argument("URL " + std::string(url) + " must start with http:// or https://");
  }

  std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  parsed.target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (parsed.target.front() == '?') {
    parsed.target.insert(0, "/");
  }

  // A colon after the closing bracket of an IPv6 literal separates the port.
  std::size_t colon = authority.rfind(':');
  bool has_port = colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos;
  parsed.host = std::string(has_port ? authority.substr(0, colon) : authority);
  parsed.port = has_port ? std::string(authority.substr(colon + 1)) : (parsed.tls ? "443" : "80");
  if (parsed.host.size() > 2 && parsed.host.front() == '[' && parsed.host.back() == ']') {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  }

  auto is_control = [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; };
  bool bad_text = std::any_of(url.begin(), url.end(), is_control);
  bool bad_port = parsed.port.empty() || parsed.port.size() > 5 ||
                  parsed.port.find_first_not_of("0123456789") != std::string::npos;
  if (parsed.host.empty() || parsed.host.find('@') != std::string::npos || bad_text || bad_port) {
    return Status::invalid_argument("URL " + std::string(url) + " has an invalid host or port");
  }
  return parsed;
}

}  // namespace careid::federation::http
