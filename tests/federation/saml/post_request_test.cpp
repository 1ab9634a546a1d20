// AuthnRequests over the HTTP-POST binding: form decoding and its limits, enveloped
// signatures (careid's and xmlsec1's), and the signature wrapping layouts that must fail.
#include <catch2/catch.hpp>

#include "federation/saml/identity_provider.h"
#include "federation/saml/post_request.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/saml_names.h"
#include "tests/federation/saml/saml_test_support.h"
#include "xml/document.h"
#include "xml/signature.h"

namespace saml = careid::federation::saml;
namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

std::string post_body(const std::string& xml, const std::string& relay_state = "") {
  std::string body = "SAMLRequest=" + url_encode(base64(xml));
  if (!relay_state.empty()) {
    body += "&RelayState=" + url_encode(relay_state);
  }
  return body;
}

// Signs the AuthnRequest `options` describe with the xmlsec1 command line tool, with the
// given SignatureMethod and DigestMethod URIs, as an SP library other than careid would.
std::string xmlsec1_signed_request(AuthnRequestOptions options, const std::string& method,
                                   const std::string& digest, const TestKey& key) {
  options.name_id_format = "";
  std::string xml = authn_request_xml(options);
  std::string signature =
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<ds:SignatureMethod Algorithm=\"" + method + "\"/>"
      "<ds:Reference URI=\"#" + options.id + "\"><ds:Transforms>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"" + digest + "\"/>"
      "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>";
  xml.insert(xml.find("</saml:Issuer>") + 14, signature);

  TempDir dir;
  write_text(dir / "template.xml", xml);
  std::string command =
      "xmlsec1 --sign --id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest "
      "--privkey-pem '" + key.key.string() + "' --output '" + (dir / "signed.xml").string() +
      "' '" + (dir / "template.xml").string() + "' >/dev/null 2>&1";
  REQUIRE(run_command(command) == 0);
  return read_text(dir / "signed.xml");
}

constexpr const char* kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr const char* kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";

SignedSpOptions signature_optional() {
  SignedSpOptions options;
  options.metadata_requires_signature = false;
  return options;
}

}  // namespace

TEST_CASE("POST form decodes fields", "[federation][saml][post]") {
  std::string xml = authn_request_xml();
  std::string encoded = base64(xml);
  // Base64 wrapped at 76 characters with CR LF, as some SP libraries send it.
  std::string wrapped;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    wrapped += encoded.substr(i, 76) + "\r\n";
  }
  auto message = saml::decode_post_form("submit=Continue&SAMLRequest=" + url_encode(wrapped) +
                                        "&RelayState=" + url_encode("a b&c"));
  REQUIRE(message.ok());
  CHECK(message->saml_request == xml);
  REQUIRE(message->relay_state.has_value());
  CHECK(*message->relay_state == "a b&c");

  auto without_relay_state = saml::decode_post_form(post_body(xml));
  REQUIRE(without_relay_state.ok());
  CHECK(!without_relay_state->relay_state.has_value());
}

TEST_CASE("POST form errors and limits", "[federation][saml][post]") {
  std::string good = post_body(authn_request_xml(), "relay");
  const std::pair<const char*, std::string> invalid[] = {
      {"empty body", ""},
      {"SAMLRequest missing", "RelayState=abc"},
      {"SAMLRequest empty", "SAMLRequest=&RelayState=abc"},
      {"SAMLRequest repeated", good + "&SAMLRequest=AAAA"},
      {"RelayState repeated", good + "&RelayState=x"},
      {"bad percent-encoding", "SAMLRequest=%4"},
      {"bad base64", "SAMLRequest=%40%40%40%40"},
      {"base64 without padding", "SAMLRequest=PGE"},
  };
  for (const auto& [name, body] : invalid) {
    INFO(name);
    CHECK(saml::decode_post_form(body).status().code() == StatusCode::kInvalidArgument);
  }

  std::string long_relay_state = post_body(authn_request_xml(), std::string(81, 'r'));
  CHECK(saml::decode_post_form(long_relay_state).status().code() ==
        StatusCode::kResourceExhausted);
  CHECK(saml::decode_post_form(post_body(authn_request_xml(), std::string(80, 'r'))).ok());

  std::string big_xml(saml::kMaxInflatedBytes + 1, ' ');
  CHECK(saml::decode_post_form(post_body(big_xml)).status().code() ==
        StatusCode::kResourceExhausted);
  std::string big_body = good + "&padding=" + std::string(saml::kMaxPostBodyBytes, 'x');
  CHECK(saml::decode_post_form(big_body).status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("unsigned POST request decodes", "[federation][saml][post]") {
  IdpFixture fixture;
  auto request = fixture.idp->decode_post_request(post_body(authn_request_xml(), "relay"));
  REQUIRE(request.ok());
  CHECK(request->id == "_a1b2c3d4e5f6");
  CHECK(request->issuer == kSpEntityId);
  CHECK(request->acs_url == kSpAcsUrl);
  CHECK(request->relay_state == "relay");
  CHECK(!request->signed_request);

  // The POST binding carries no DEFLATE, so a Redirect-style compressed request is not XML.
  AuthnRequestOptions options;
  options.id = "_deflated";
  auto deflated = fixture.idp->decode_post_request(
      "SAMLRequest=" + url_encode(base64(deflate_raw(authn_request_xml(options)))));
  REQUIRE(!deflated.ok());
  CHECK(deflated.error().acs_url.empty());
}

TEST_CASE("signed POST request verifies", "[federation][saml][post][signature]") {
  SignedSpFixture rsa;
  std::string xml = signed_request_xml(authn_request_xml(), test_keys().other_rsa);
  auto request = rsa.idp->decode_post_request(post_body(xml, "relay"));
  REQUIRE(request.ok());
  CHECK(request->signed_request);
  CHECK(request->relay_state == "relay");

  SignedSpOptions options;
  options.sp_key = &test_keys().ec;
  SignedSpFixture ecdsa(options);
  auto ec_request = ecdsa.idp->decode_post_request(
      post_body(signed_request_xml(authn_request_xml(), test_keys().ec)));
  REQUIRE(ec_request.ok());
  CHECK(ec_request->signed_request);
}

TEST_CASE("xmlsec1 signed POST request verifies", "[federation][saml][post][signature]") {
  SignedSpFixture fixture;
  AuthnRequestOptions options;
  options.id = "_xmlsec1";
  std::string xml = xmlsec1_signed_request(options, kRsaSha256, kSha256, test_keys().other_rsa);
  auto request = fixture.idp->decode_post_request(post_body(xml));
  REQUIRE(request.ok());
  CHECK(request->signed_request);
}

TEST_CASE("unsigned POST rejected when required", "[federation][saml][post][signature]") {
  SignedSpFixture by_metadata;
  auto error = by_metadata.idp->decode_post_request(post_body(authn_request_xml()));
  REQUIRE(!error.ok());
  CHECK(error.error().acs_url.empty());
  CHECK(error.error().message.find("must be signed") != std::string::npos);

  SignedSpOptions options = signature_optional();
  options.config_requires_signature = true;
  SignedSpFixture by_config(options);
  CHECK(!by_config.idp->decode_post_request(post_body(authn_request_xml())).ok());
}

TEST_CASE("bad POST signatures rejected", "[federation][saml][post][signature]") {
  SignedSpFixture fixture(signature_optional());
  std::string good = signed_request_xml(authn_request_xml(), test_keys().other_rsa);

  // The second ACS is registered too, so only the signature can catch this change.
  std::string acs_changed = good;
  acs_changed.replace(acs_changed.find(kSpAcsUrl), std::string(kSpAcsUrl).size(), kSpSecondAcsUrl);
  AuthnRequestOptions no_destination_options;
  no_destination_options.destination = "";
  AuthnRequestOptions sha1_options;
  sha1_options.id = "_sha1";

  const std::pair<const char*, std::string> cases[] = {
      {"wrong key", signed_request_xml(authn_request_xml(), test_keys().rsa)},
      {"ACS URL changed after signing", acs_changed},
      {"signed without Destination",
       signed_request_xml(authn_request_xml(no_destination_options), test_keys().other_rsa)},
      {"RSA-SHA1 by xmlsec1",
       xmlsec1_signed_request(sha1_options, "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                              "http://www.w3.org/2000/09/xmldsig#sha1", test_keys().other_rsa)},
  };
  for (const auto& [name, xml] : cases) {
    INFO(name);
    auto request = fixture.idp->decode_post_request(post_body(xml));
    REQUIRE(!request.ok());
    CHECK(request.error().acs_url.empty());
    CHECK(request.error().status_code == saml::kStatusRequester);
  }
  // The untouched request still verifies, so each case failed for its own change only.
  CHECK(fixture.idp->decode_post_request(post_body(good)).ok());
}

TEST_CASE("POST signature wrapping rejected", "[federation][saml][post][signature]") {
  SignedSpFixture fixture;
  AuthnRequestOptions original_options;
  original_options.id = "_original";
  std::string original = signed_request_xml(authn_request_xml(original_options),
                                            test_keys().other_rsa);
  std::size_t signature_start = original.find("<ds:Signature");
  std::size_t signature_end = original.find("</ds:Signature>") + 15;
  REQUIRE(signature_start != std::string::npos);
  std::string signature = original.substr(signature_start, signature_end - signature_start);
  std::string original_unsigned = original;
  original_unsigned.erase(signature_start, signature_end - signature_start);

  // Each layout is an attacker's AuthnRequest (another ID, the second ACS) with the
  // signed original hidden in samlp:Extensions.
  auto attacker = [&](const std::string& id, const std::string& root_signature,
                      const std::string& hidden) {
    AuthnRequestOptions options;
    options.id = id;
    options.acs_attributes =
        std::string(" AssertionConsumerServiceURL=\"") + kSpSecondAcsUrl + "\"";
    options.name_id_format = "";
    std::string xml = authn_request_xml(options);
    xml.insert(xml.find("</saml:Issuer>") + 14,
               root_signature + "<samlp:Extensions>" + hidden + "</samlp:Extensions>");
    return xml;
  };
  const std::pair<const char*, std::string> layouts[] = {
      {"signature moved to the root", attacker("_evil", signature, original_unsigned)},
      {"signed original only in Extensions", attacker("_evil", "", original)},
      {"root reuses the signed ID", attacker("_original", signature, original_unsigned)},
      {"both carry the signature", attacker("_original", signature, original)},
  };
  for (const auto& [name, xml] : layouts) {
    INFO(name);
    auto request = fixture.idp->decode_post_request(post_body(xml));
    REQUIRE(!request.ok());
    CHECK(request.error().acs_url.empty());
  }
  CHECK(fixture.idp->decode_post_request(post_body(original)).ok());
}

TEST_CASE("redirect ignores XML signature", "[federation][saml][post][signature]") {
  // SAML Bindings 3.4.4.1: a Redirect message is signed over its query string only, so an
  // enveloped signature inside its XML does not count.
  SignedSpFixture fixture;
  std::string xml = signed_request_xml(authn_request_xml(), test_keys().other_rsa);
  auto request = fixture.idp->decode_redirect_request(redirect_query(xml));
  REQUIRE(!request.ok());
  CHECK(request.error().message.find("must be signed") != std::string::npos);
}

TEST_CASE("request ID replay across bindings", "[federation][saml][post]") {
  IdpFixture fixture;
  REQUIRE(fixture.idp->decode_redirect_request(redirect_query(authn_request_xml())).ok());
  auto replay = fixture.idp->decode_post_request(post_body(authn_request_xml()));
  REQUIRE(!replay.ok());
  CHECK(replay.error().sub_status_code == saml::kStatusRequestDenied);
}
