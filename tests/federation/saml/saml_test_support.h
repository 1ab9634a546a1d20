// Helpers shared by the SAML tests: a raw DEFLATE encoder, URL encoding and an IdP set up
// in a temporary folder with one registered SP and a fixed clock.
#pragma once

#include <zlib.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "federation/saml/identity_provider.h"
#include "pki/detached_signature.h"
#include "pki/encoding.h"
#include "pki/key.h"
#include "xml/document.h"
#include "xml/signature.h"
#include "tests/xml/test_keys.h"

namespace careid::testing {

inline constexpr const char* kSpEntityId = "https://127.0.0.1:8444/mellon/metadata";
inline constexpr const char* kSpAcsUrl = "https://127.0.0.1:8444/mellon/postResponse";
inline constexpr const char* kSpSecondAcsUrl = "https://127.0.0.1:8444/mellon/second";
inline constexpr const char* kIdpEntityId = "https://127.0.0.1:8443/saml/metadata";
inline constexpr const char* kIdpSsoUrl = "https://127.0.0.1:8443/saml/sso";

// 2026-03-01T12:00:00Z
inline std::chrono::system_clock::time_point fixed_now() {
  using namespace std::chrono;
  return sys_days(year(2026) / March / 1) + hours(12);
}

inline std::string deflate_raw(const std::string& data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) {
    throw std::runtime_error("deflate failed");
  }
  return out;
}

inline std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

inline std::string base64(const std::string& data) {
  return pki::base64_encode(pki::as_bytes(data));
}

// The query string of an HTTP-Redirect message carrying `xml` in `parameter`.
inline std::string redirect_query(const std::string& xml, const std::string& relay_state = "",
                                  const std::string& parameter = "SAMLRequest") {
  std::string query = parameter + "=" + url_encode(base64(deflate_raw(xml)));
  if (!relay_state.empty()) {
    query += "&RelayState=" + url_encode(relay_state);
  }
  return query;
}

// The query of a Redirect message signed as SAML Bindings 3.4.4.1 describes.
inline std::string signed_query(const std::string& xml, const std::string& relay_state,
                         std::string_view sig_alg, const TestKey& key,
                         pki::SignatureDigest digest = pki::SignatureDigest::kSha256,
                         const std::string& parameter = "SAMLRequest") {
  std::string query = redirect_query(xml, relay_state, parameter);
  query += "&SigAlg=" + url_encode(std::string(sig_alg));
  auto private_key = pki::PrivateKey::load_pem_file(key.key);
  if (!private_key.ok()) {
    throw std::runtime_error(private_key.status().to_string());
  }
  auto signature = pki::sign_detached(*private_key, digest, pki::as_bytes(query));
  if (!signature.ok()) {
    throw std::runtime_error(signature.status().to_string());
  }
  return query + "&Signature=" + url_encode(base64(pki::to_string(*signature)));
}

// Signs the root element of `xml` (a SAML request) with careid's own signer; the
// ds:Signature follows saml:Issuer as SAML Core 5.4.1 requires.
inline std::string signed_request_xml(const std::string& xml, const TestKey& key) {
  auto doc = xml::Document::parse(xml);
  auto signing_key = xml::SigningKey::load(key.key, key.certificate);
  if (!doc.ok() || !signing_key.ok()) {
    throw std::runtime_error("cannot parse the request or load the key to sign it");
  }
  xml::Element root = doc->root();
  xml::Element issuer = root.first_child("urn:oasis:names:tc:SAML:2.0:assertion", "Issuer");
  if (!xml::sign_enveloped(*doc, root, issuer, *signing_key).ok()) {
    throw std::runtime_error("signing the request failed");
  }
  return doc->to_string();
}

struct AuthnRequestOptions {
  std::string id = "_a1b2c3d4e5f6";
  std::string issuer = kSpEntityId;
  std::string issue_instant = "2026-03-01T11:59:30Z";
  std::string acs_attributes = std::string(" AssertionConsumerServiceURL=\"") + kSpAcsUrl + "\"";
  std::string destination = kIdpSsoUrl;
  std::string name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
  std::string version = "2.0";
  std::string prologue;
};

inline std::string authn_request_xml(const AuthnRequestOptions& o = {}) {
  std::string xml = o.prologue +
      "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + o.id + "\" Version=\"" +
      o.version + "\" IssueInstant=\"" + o.issue_instant + "\"" + o.acs_attributes;
  if (!o.destination.empty()) {
    xml += " Destination=\"" + o.destination + "\"";
  }
  xml += "><saml:Issuer>" + o.issuer + "</saml:Issuer>";
  if (!o.name_id_format.empty()) {
    xml += "<samlp:NameIDPolicy Format=\"" + o.name_id_format + "\" AllowCreate=\"true\"/>";
  }
  xml += "</samlp:AuthnRequest>";
  return xml;
}

inline std::string sp_metadata_xml(const std::string& entity_id, const std::string& certificate) {
  return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + entity_id + "\">"
         "<md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" "
         "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
         "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         certificate + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
         "<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + certificate +
         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
         "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\" "
         "Location=\"https://127.0.0.1:8444/mellon/artifactResponse\" index=\"0\"/>"
         "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
         "Location=\"" + std::string(kSpAcsUrl) + "\" index=\"1\" isDefault=\"true\"/>"
         "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
         "Location=\"" + std::string(kSpSecondAcsUrl) + "\" index=\"2\"/>"
         "</md:SPSSODescriptor></md:EntityDescriptor>";
}

// Certificate body (base64 DER) of a PEM file.
inline std::string certificate_body(const std::filesystem::path& pem) {
  std::string text = read_text(pem);
  std::size_t begin = text.find('\n', text.find("BEGIN CERTIFICATE")) + 1;
  std::size_t end = text.find("-----END");
  std::string body;
  for (char c : text.substr(begin, end - begin)) {
    if (c != '\n' && c != '\r') {
      body += c;
    }
  }
  return body;
}

// An IdP with one registered SP (metadata in its own temporary folder).
struct IdpFixture {
  TempDir dir;
  federation::saml::IdpSettings settings;
  std::unique_ptr<federation::saml::IdentityProvider> idp;

  explicit IdpFixture(bool sign_response = false, const TestKey& key = test_keys().rsa) {
    std::filesystem::create_directory(dir / "sp");
    write_text(dir / "sp" / "mellon.xml",
               sp_metadata_xml(kSpEntityId, certificate_body(test_keys().other_rsa.certificate)));
    write_text(dir / "sp" / "README.txt", "not metadata; ignored");
    settings.entity_id = kIdpEntityId;
    settings.sso_url = kIdpSsoUrl;
    settings.signing_key = key.key;
    settings.signing_certificate = key.certificate;
    settings.sp_metadata_dir = dir / "sp";
    settings.sign_response = sign_response;
    settings.clock = fixed_now;
    // The SP's RSA KeyDescriptor without `use` would turn encryption on, but these tests
    // read the plain assertion. encrypted_assertion_test.cpp covers encryption.
    settings.assertion_encryption[kSpEntityId] = federation::saml::AssertionEncryption::kNever;
    auto created = federation::saml::IdentityProvider::create(settings);
    if (!created.ok()) {
      throw std::runtime_error(created.status().to_string());
    }
    idp = std::move(created).value();
  }
};

struct SignedSpOptions {
  bool metadata_requires_signature = true;
  bool config_requires_signature = false;
  const TestKey* sp_key = &test_keys().other_rsa;
};

// An IdP whose one SP signs its requests with `sp_key`.
struct SignedSpFixture {
  TempDir dir;
  std::unique_ptr<federation::saml::IdentityProvider> idp;

  explicit SignedSpFixture(const SignedSpOptions& options = {}) {
    std::filesystem::create_directory(dir / "sp");
    std::string metadata = sp_metadata_xml(kSpEntityId, certificate_body(options.sp_key->certificate));
    if (options.metadata_requires_signature) {
      metadata.replace(metadata.find("AuthnRequestsSigned=\"false\""), 27,
                       "AuthnRequestsSigned=\"true\"");
    }
    write_text(dir / "sp" / "sp.xml", metadata);
    federation::saml::IdpSettings settings;
    settings.entity_id = kIdpEntityId;
    settings.sso_url = kIdpSsoUrl;
    settings.signing_key = test_keys().rsa.key;
    settings.signing_certificate = test_keys().rsa.certificate;
    settings.sp_metadata_dir = dir / "sp";
    settings.require_signed_requests = options.config_requires_signature;
    settings.clock = fixed_now;
    auto created = federation::saml::IdentityProvider::create(settings);
    if (!created.ok()) {
      throw std::runtime_error(created.status().to_string());
    }
    idp = std::move(created).value();
  }
};

}  // namespace careid::testing
