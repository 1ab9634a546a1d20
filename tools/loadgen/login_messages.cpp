#include "tools/loadgen/login_messages.h"

#include <zlib.h>

#include <array>
#include <ctime>

#include "pki/bytes.h"
#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::loadgen {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Base64 to base64url (RFC 4648 5) without padding.
std::string to_base64url(pki::ByteView bytes) {
  std::string text = pki::base64_encode(bytes, pki::Base64Padding::kNone);
  for (char& c : text) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return text;
}

std::string html_unescape(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, char>, 6> kEntities = {{
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}}};
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) {
      out += text[i];
    }
  }
  return out;
}

std::string saml_instant(std::chrono::system_clock::time_point now) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    if (is_unreserved(c)) {
      out += c;
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string build_authn_request(std::string_view id, std::chrono::system_clock::time_point now,
                                std::string_view destination, std::string_view sp_entity_id,
                                std::string_view acs_url) {
  std::string xml;
  xml.reserve(640);
  xml += "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"";
  xml += id;
  xml += "\" Version=\"2.0\" IssueInstant=\"";
  xml += saml_instant(now);
  xml += "\" Destination=\"";
  xml += destination;
  xml += "\" AssertionConsumerServiceURL=\"";
  xml += acs_url;
  xml += "\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"><saml:Issuer>";
  xml += sp_entity_id;
  xml += "</saml:Issuer><samlp:NameIDPolicy "
         "Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" AllowCreate=\"true\"/>"
         "</samlp:AuthnRequest>";
  return xml;
}

Result<std::string> redirect_query(std::string_view xml) {
  z_stream stream{};
  // Negative window bits select raw DEFLATE without the zlib header, as the binding requires.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::internal("zlib deflateInit2 failed");
  }
  pki::Bytes compressed(deflateBound(&stream, xml.size()));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(xml.data()));
  stream.avail_in = static_cast<uInt>(xml.size());
  stream.next_out = compressed.data();
  stream.avail_out = static_cast<uInt>(compressed.size());
  int result = deflate(&stream, Z_FINISH);
  compressed.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) {
    return Status::internal("zlib deflate failed with code " + std::to_string(result));
  }
  return "SAMLRequest=" + url_encode(pki::base64_encode(compressed));
}

std::optional<std::string> form_field(std::string_view html, std::string_view name) {
  std::string marker = "name=\"" + std::string(name) + "\" value=\"";
  std::size_t start = html.find(marker);
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  start += marker.size();
  std::size_t end = html.find('"', start);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  return html_unescape(html.substr(start, end - start));
}

std::optional<std::string> query_parameter(std::string_view url, std::string_view name) {
  std::size_t query = url.find('?');
  if (query == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = url.substr(query + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name && equals != std::string_view::npos) {
      return url_decode(pair.substr(equals + 1));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Result<std::string> pkce_challenge(std::string_view verifier) {
  auto digest = pki::sha256(pki::as_bytes(verifier));
  if (!digest.ok()) {
    return digest.status();
  }
  return to_base64url(*digest);
}

Result<std::string> random_token(std::size_t bytes) {
  auto random = pki::random_bytes(bytes);
  if (!random.ok()) {
    return random.status();
  }
  return to_base64url(*random);
}

}  // namespace careid::loadgen
