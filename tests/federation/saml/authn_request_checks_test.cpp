// AuthnRequest checks beyond the mandatory fields: signatures over the HTTP-Redirect query,
// replay, NameID formats, RequestedAuthnContext, ForceAuthn and IsPassive.
#include <catch2/catch.hpp>

#include "federation/saml/authn_context.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/replay_cache.h"
#include "federation/saml/request_signature.h"
#include "federation/saml/saml_names.h"
#include "pki/detached_signature.h"
#include "pki/key.h"
#include "tests/federation/saml/saml_test_support.h"
#include "xml/document.h"

namespace saml = careid::federation::saml;
namespace pki = careid::pki;
namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

AuthnRequestOptions with_id(const std::string& id) {
  AuthnRequestOptions options;
  options.id = id;
  return options;
}

// An AuthnRequest with extra XML placed after the Issuer.
std::string request_with(const std::string& id, const std::string& extra,
                         const std::string& attributes = "") {
  AuthnRequestOptions options = with_id(id);
  options.name_id_format = "";
  options.acs_attributes += attributes;
  std::string xml = authn_request_xml(options);
  xml.insert(xml.find("</samlp:AuthnRequest>"), extra);
  return xml;
}

std::string requested_context(const std::string& comparison, const std::string& references) {
  std::string xml = "<samlp:RequestedAuthnContext";
  if (!comparison.empty()) {
    xml += " Comparison=\"" + comparison + "\"";
  }
  return xml + ">" + references + "</samlp:RequestedAuthnContext>";
}

std::string class_ref(const std::string& name) {
  return "<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:" + name +
         "</saml:AuthnContextClassRef>";
}

}  // namespace

TEST_CASE("signed redirect request verifies", "[federation][saml][signature]") {
  SignedSpFixture fixture;
  std::string query = signed_query(authn_request_xml(), "relay", saml::kSigAlgRsaSha256,
                                   test_keys().other_rsa);
  auto request = fixture.idp->decode_redirect_request(query);
  REQUIRE(request.ok());
  CHECK(request->signed_request);
  CHECK(request->relay_state == "relay");

  std::string sha512 = signed_query(authn_request_xml(with_id("_sha512")), "", saml::kSigAlgRsaSha512,
                                    test_keys().other_rsa, pki::SignatureDigest::kSha512);
  CHECK(fixture.idp->decode_redirect_request(sha512).ok());
}

TEST_CASE("ECDSA signed redirect request verifies", "[federation][saml][signature]") {
  SignedSpOptions options;
  options.sp_key = &test_keys().ec;
  SignedSpFixture fixture(options);
  std::string query =
      signed_query(authn_request_xml(), "", saml::kSigAlgEcdsaSha256, test_keys().ec);
  auto request = fixture.idp->decode_redirect_request(query);
  REQUIRE(request.ok());
  CHECK(request->signed_request);
}

TEST_CASE("unsigned request rejected when required", "[federation][saml][signature]") {
  SignedSpFixture by_metadata;
  auto error = by_metadata.idp->decode_redirect_request(redirect_query(authn_request_xml()));
  REQUIRE(!error.ok());
  CHECK(error.error().acs_url.empty());
  CHECK(error.error().message.find("must be signed") != std::string::npos);

  SignedSpOptions options;
  options.metadata_requires_signature = false;
  options.config_requires_signature = true;
  SignedSpFixture by_config(options);
  CHECK(!by_config.idp->decode_redirect_request(redirect_query(authn_request_xml())).ok());

  options.config_requires_signature = false;
  SignedSpFixture optional(options);
  auto unsigned_request = optional.idp->decode_redirect_request(redirect_query(authn_request_xml()));
  REQUIRE(unsigned_request.ok());
  CHECK(!unsigned_request->signed_request);
}

TEST_CASE("bad redirect signatures rejected", "[federation][saml][signature]") {
  SignedSpOptions options;
  options.metadata_requires_signature = false;
  SignedSpFixture fixture(options);
  std::string xml = authn_request_xml();
  std::string good = signed_query(xml, "relay", saml::kSigAlgRsaSha256, test_keys().other_rsa);

  std::string relay_changed = good;
  relay_changed.replace(relay_changed.find("RelayState=relay"), 16, "RelayState=other");
  std::string sig_alg_sha1 = good;
  sig_alg_sha1.replace(sig_alg_sha1.find("SigAlg=") + 7,
                       url_encode(std::string(saml::kSigAlgRsaSha256)).size(),
                       url_encode("http://www.w3.org/2000/09/xmldsig#rsa-sha1"));
  std::string no_sig_alg = good;
  std::size_t sig_alg_start = no_sig_alg.find("&SigAlg=");
  no_sig_alg.erase(sig_alg_start, no_sig_alg.find("&Signature") - sig_alg_start);
  std::string bad_base64 = good.substr(0, good.find("&Signature=")) + "&Signature=%40%40";

  const std::pair<const char*, std::string> cases[] = {
      {"wrong key", signed_query(xml, "relay", saml::kSigAlgRsaSha256, test_keys().rsa)},
      {"RelayState changed", relay_changed},
      {"SHA-1 algorithm", sig_alg_sha1},
      {"SigAlg missing", no_sig_alg},
      {"Signature not base64", bad_base64},
      {"algorithm mismatch",
       signed_query(xml, "relay", saml::kSigAlgRsaSha512, test_keys().other_rsa)},
  };
  for (const auto& [name, query] : cases) {
    INFO(name);
    auto request = fixture.idp->decode_redirect_request(query);
    REQUIRE(!request.ok());
    CHECK(request.error().acs_url.empty());
    CHECK(request.error().status_code == saml::kStatusRequester);
  }
  // The untouched query still verifies, so each case failed for its own change only.
  CHECK(fixture.idp->decode_redirect_request(good).ok());
}

TEST_CASE("signed octets keep raw encoding", "[federation][saml][signature]") {
  auto message = saml::decode_redirect_query(
      redirect_query(authn_request_xml(), "a b") + "&SigAlg=x%3Ay&Signature=AA%3D%3D");
  REQUIRE(message.ok());
  std::string octets = saml::redirect_signed_octets(*message);
  CHECK(octets.find("&RelayState=a%20b&SigAlg=x%3Ay") != std::string::npos);
  CHECK(octets.find("Signature") == std::string::npos);
  CHECK(octets.rfind("SAMLRequest=", 0) == 0);
}

TEST_CASE("replayed request ID rejected", "[federation][saml]") {
  IdpFixture fixture;
  std::string query = redirect_query(authn_request_xml(), "relay");
  REQUIRE(fixture.idp->decode_redirect_request(query).ok());

  auto replay = fixture.idp->decode_redirect_request(query);
  REQUIRE(!replay.ok());
  CHECK(replay.error().acs_url == kSpAcsUrl);
  CHECK(replay.error().sub_status_code == saml::kStatusRequestDenied);
  CHECK(replay.error().request_id == "_a1b2c3d4e5f6");
  CHECK(fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(with_id("_new")))).ok());
}

TEST_CASE("replay cache expires and bounds", "[federation][saml]") {
  using std::chrono::seconds;
  saml::ReplayCache cache(2);
  auto now = fixed_now();
  CHECK(cache.insert_once("sp", "_a", now + seconds(60), now));
  CHECK(!cache.insert_once("sp", "_a", now + seconds(60), now));
  CHECK(cache.insert_once("other-sp", "_a", now + seconds(60), now));
  CHECK(cache.size() == 2);

  // Full: the entry expiring soonest makes room, and the new one is recorded.
  CHECK(cache.insert_once("sp", "_b", now + seconds(120), now));
  CHECK(cache.size() == 2);
  CHECK(!cache.insert_once("sp", "_b", now + seconds(120), now));

  // After expiry an ID is forgotten; the request would be stale by then anyway.
  CHECK(cache.insert_once("sp", "_b", now + seconds(300), now + seconds(121)));
  CHECK(cache.size() == 1);
}

TEST_CASE("NameID formats accepted or refused", "[federation][saml]") {
  IdpFixture fixture;
  const std::pair<std::string, std::string> accepted[] = {
      {"_persistent", std::string(saml::kNameIdPersistent)},
      {"_transient", std::string(saml::kNameIdTransient)},
      {"_email", std::string(saml::kNameIdEmail)},
      {"_unspecified", std::string(saml::kNameIdUnspecified)},
  };
  for (const auto& [id, format] : accepted) {
    INFO(format);
    AuthnRequestOptions options = with_id(id);
    options.name_id_format = format;
    auto request = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options)));
    REQUIRE(request.ok());
    CHECK(request->name_id_format == (format == saml::kNameIdUnspecified ? "" : format));
  }

  AuthnRequestOptions kerberos = with_id("_kerberos");
  kerberos.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos";
  auto error = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(kerberos)));
  REQUIRE(!error.ok());
  CHECK(error.error().sub_status_code == saml::kStatusInvalidNameIdPolicy);
  CHECK(error.error().acs_url == kSpAcsUrl);
}

TEST_CASE("requested authn context comparisons", "[federation][saml]") {
  IdpFixture fixture;
  const std::tuple<const char*, std::string, bool> cases[] = {
      {"exact default", requested_context("", class_ref("SmartcardPKI")), true},
      {"exact among others", requested_context("exact", class_ref("Password") + class_ref("SmartcardPKI")), true},
      {"exact password", requested_context("exact", class_ref("PasswordProtectedTransport")), false},
      {"minimum password", requested_context("minimum", class_ref("PasswordProtectedTransport")), true},
      {"minimum smartcard", requested_context("minimum", class_ref("SmartcardPKI")), true},
      {"minimum unknown", requested_context("minimum", class_ref("MobileTwoFactorContract")), false},
      {"better smartcard", requested_context("better", class_ref("SmartcardPKI")), false},
      {"better password", requested_context("better", class_ref("Password")), true},
      {"maximum smartcard", requested_context("maximum", class_ref("SmartcardPKI")), true},
      {"maximum password", requested_context("maximum", class_ref("Password")), false},
      {"bad comparison", requested_context("most", class_ref("SmartcardPKI")), false},
      {"declaration", requested_context("exact", "<saml:AuthnContextDeclRef>urn:x</saml:AuthnContextDeclRef>"), false},
      {"empty", requested_context("exact", ""), false},
  };
  int number = 0;
  for (const auto& [name, element, accepted] : cases) {
    INFO(name);
    std::string query = redirect_query(request_with("_context" + std::to_string(++number), element));
    auto request = fixture.idp->decode_redirect_request(query);
    CHECK(request.ok() == accepted);
    if (!request.ok()) {
      CHECK(request.error().status_code == saml::kStatusResponder);
      CHECK(request.error().sub_status_code == saml::kStatusNoAuthnContext);
      CHECK(request.error().acs_url == kSpAcsUrl);
    }
  }
}

// Only requests that the smartcard meets are accepted, so these cases list SmartcardPKI or
// a class the card outranks, and check whether a password login may satisfy them too.
TEST_CASE("password login allowed by context", "[federation][saml]") {
  IdpFixture fixture;
  const std::tuple<const char*, std::string, bool> cases[] = {
      {"no context", "", true},
      {"smartcard exact", requested_context("", class_ref("SmartcardPKI")), false},
      {"smartcard minimum", requested_context("minimum", class_ref("SmartcardPKI")), false},
      {"smartcard maximum", requested_context("maximum", class_ref("SmartcardPKI")), true},
      {"password minimum", requested_context("minimum", class_ref("PasswordProtectedTransport")), true},
      {"weaker minimum", requested_context("minimum", class_ref("Password")), true},
      {"weaker better", requested_context("better", class_ref("Password")), true},
      {"x509 minimum", requested_context("minimum", class_ref("X509")), false},
      {"either exact", requested_context("exact", class_ref("SmartcardPKI") + class_ref("PasswordProtectedTransport")), true},
  };
  int number = 0;
  for (const auto& [name, element, password_allowed] : cases) {
    INFO(name);
    std::string query = redirect_query(request_with("_password" + std::to_string(++number), element));
    auto request = fixture.idp->decode_redirect_request(query);
    REQUIRE(request.ok());
    CHECK(request->password_login_allowed == password_allowed);
  }
}

TEST_CASE("ForceAuthn and IsPassive read", "[federation][saml]") {
  IdpFixture fixture;
  auto plain = fixture.idp->decode_redirect_request(redirect_query(request_with("_plain", "")));
  REQUIRE(plain.ok());
  CHECK(!plain->force_authn);
  CHECK(!plain->is_passive);

  auto flags = fixture.idp->decode_redirect_request(
      redirect_query(request_with("_flags", "", " ForceAuthn=\"true\" IsPassive=\"1\"")));
  REQUIRE(flags.ok());
  CHECK(flags->force_authn);
  CHECK(flags->is_passive);

  auto invalid = fixture.idp->decode_redirect_request(
      redirect_query(request_with("_invalid", "", " ForceAuthn=\"yes\"")));
  REQUIRE(!invalid.ok());
  CHECK(invalid.error().acs_url == kSpAcsUrl);
}
