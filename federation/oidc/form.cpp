#include "federation/oidc/form.h"

#include <cctype>

#include "federation/saml/redirect_binding.h"

namespace careid::federation::oidc {

Result<Parameters> parse_form(std::string_view text) {
  Parameters parameters;
  std::size_t count = 0;
  while (!text.empty()) {
    std::size_t end = text.find('&');
    std::string_view pair = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (pair.empty()) {
      continue;
    }
    if (++count > kMaxParameters) {
      return Status::invalid_argument("more than " + std::to_string(kMaxParameters) +
                                      " parameters");
    }

    std::size_t equals = pair.find('=');
    Result<std::string> name = saml::url_decode(pair.substr(0, equals));
    Result<std::string> value = saml::url_decode(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    if (!name.ok() || !value.ok()) {
      return Status::invalid_argument("invalid percent-encoding in a parameter");
    }
    if (value->empty()) {
      continue;
    }
    if (!parameters.emplace(std::move(*name), std::move(*value)).second) {
      return Status::invalid_argument("parameter " + std::string(pair.substr(0, equals).substr(0, 64)) +
                                      " is repeated");
    }
  }
  return parameters;
}

std::string_view parameter(const Parameters& parameters, std::string_view name) {
  auto found = parameters.find(name);
  return found == parameters.end() ? std::string_view() : std::string_view(found->second);
}

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

std::string append_query(std::string url, const Parameters& parameters) {
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : parameters) {
    url += separator;
    url += form_encode(name) + "=" + form_encode(value);
    separator = '&';
  }
  return url;
}

bool is_form_content_type(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  while (!media.empty() && media.back() == ' ') {
    media.pop_back();
  }
  for (char& c : media) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return media == "application/x-www-form-urlencoded";
}

}  // namespace careid::federation::oidc
