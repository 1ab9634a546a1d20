#include "xml/pem.h"

#include <cctype>

namespace careid::xml {
namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' || c == '=';
}

// Removes whitespace and checks that what is left is non-empty base64 text.
Result<std::string> compact_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      continue;
    }
    if (!is_base64_char(c)) {
      return Status::invalid_argument("invalid certificate: unexpected character in base64 text");
    }
    out += c;
  }
  if (out.empty() || out.size() % 4 != 0) {
    return Status::invalid_argument("invalid certificate: base64 text is empty or truncated");
  }
  return out;
}

}  // namespace

Result<std::string> certificate_base64_of(std::string_view pem) {
  std::size_t begin = pem.find(kBegin);
  if (begin == std::string_view::npos) {
    return Status::invalid_argument("invalid certificate: no '" + std::string(kBegin) + "' line");
  }
  begin += kBegin.size();
  std::size_t end = pem.find(kEnd, begin);
  if (end == std::string_view::npos) {
    return Status::invalid_argument("invalid certificate: no '" + std::string(kEnd) + "' line");
  }
  return compact_base64(pem.substr(begin, end - begin));
}

Result<std::string> certificate_to_pem(std::string_view certificate) {
  if (certificate.find(kBegin) != std::string_view::npos) {
    return std::string(certificate);
  }
  auto base64 = compact_base64(certificate);
  if (!base64.ok()) {
    return base64.status();
  }

  std::string pem(kBegin);
  pem += '\n';
  for (std::size_t i = 0; i < base64->size(); i += 64) {
    pem += base64->substr(i, 64);
    pem += '\n';
  }
  pem += kEnd;
  pem += '\n';
  return pem;
}

}  // namespace careid::xml
