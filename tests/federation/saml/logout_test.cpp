// Single Logout started by an SP: LogoutRequest checks over both bindings, the signed
// LogoutResponse, and SingleLogoutService in the SP's and the IdP's metadata.
#include <catch2/catch.hpp>

#include "federation/saml/identity_provider.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/request_signature.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/service_provider.h"
#include "tests/federation/saml/saml_test_support.h"

namespace saml = careid::federation::saml;
namespace pki = careid::pki;
namespace xml = careid::xml;
using careid::StatusCode;
using namespace careid::testing;

namespace {

constexpr const char* kIdpSloUrl = "https://127.0.0.1:8443/saml/slo";
constexpr const char* kSpSloUrl = "https://127.0.0.1:8444/mellon/logout";

// An IdP with Single Logout whose one SP signs with other_rsa and lists `slo_elements`.
struct LogoutFixture {
  TempDir dir;
  std::unique_ptr<saml::IdentityProvider> idp;

  explicit LogoutFixture(const std::string& slo_elements, const std::string& slo_url = kIdpSloUrl) {
    std::filesystem::create_directory(dir / "sp");
    std::string metadata =
        sp_metadata_xml(kSpEntityId, certificate_body(test_keys().other_rsa.certificate));
    metadata.insert(metadata.find("<md:AssertionConsumerService"), slo_elements);
    write_text(dir / "sp" / "sp.xml", metadata);
    saml::IdpSettings settings;
    settings.entity_id = kIdpEntityId;
    settings.sso_url = kIdpSsoUrl;
    settings.slo_url = slo_url;
    settings.signing_key = test_keys().rsa.key;
    settings.signing_certificate = test_keys().rsa.certificate;
    settings.sp_metadata_dir = dir / "sp";
    settings.clock = fixed_now;
    auto created = saml::IdentityProvider::create(settings);
    REQUIRE(created.ok());
    idp = std::move(created).value();
  }
};

std::string slo_element(std::string_view binding, const std::string& extra = "") {
  return "<md:SingleLogoutService Binding=\"" + std::string(binding) + "\" Location=\"" +
         kSpSloUrl + "\"" + extra + "/>";
}

std::string redirect_slo() { return slo_element(saml::kHttpRedirectBinding); }

struct LogoutOptions {
  std::string id = "_logout1";
  std::string issuer = kSpEntityId;
  std::string issue_instant = "2026-03-01T11:59:30Z";
  std::string destination = kIdpSloUrl;
  std::string version = "2.0";
  std::string extra_attributes;
  std::string name_id = "<saml:NameID>pseudonym</saml:NameID>";
  std::string session_indexes = "<samlp:SessionIndex>index-1</samlp:SessionIndex>";
  std::string root = "LogoutRequest";
};

std::string logout_request_xml(const LogoutOptions& o = {}) {
  std::string xml = "<samlp:" + o.root + " xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + o.id +
                    "\" Version=\"" + o.version + "\" IssueInstant=\"" + o.issue_instant + "\"" +
                    o.extra_attributes;
  if (!o.destination.empty()) {
    xml += " Destination=\"" + o.destination + "\"";
  }
  return xml + "><saml:Issuer>" + o.issuer + "</saml:Issuer>" + o.name_id + o.session_indexes +
         "</samlp:" + o.root + ">";
}

std::string signed_logout_query(const LogoutOptions& options = {}, const std::string& relay = "") {
  return signed_query(logout_request_xml(options), relay, saml::kSigAlgRsaSha256,
                      test_keys().other_rsa);
}

std::string post_body(const std::string& xml) {
  return "SAMLRequest=" + url_encode(base64(xml)) + "&RelayState=relay";
}

// The parameters of a URL's query string, URL-decoded.
std::map<std::string, std::string> query_parameters(const std::string& url, std::string& raw) {
  raw = url.substr(url.find('?') + 1);
  std::map<std::string, std::string> parameters;
  std::string_view rest = raw;
  while (!rest.empty()) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    rest = pair.size() == rest.size() ? std::string_view() : rest.substr(pair.size() + 1);
    std::size_t equals = pair.find('=');
    auto value = saml::url_decode(pair.substr(equals + 1));
    REQUIRE(value.ok());
    parameters[std::string(pair.substr(0, equals))] = *value;
  }
  return parameters;
}

// Verifies the signature of a Redirect message from careid with `parameters` and the `raw`
// query (Bindings 3.4.4.1: it covers the query up to and including SigAlg), and returns the
// inflated XML of `parameter`.
xml::Document verified_redirect_message(const std::map<std::string, std::string>& parameters,
                                        const std::string& raw, const std::string& parameter) {
  std::string octets = raw.substr(0, raw.find("&Signature="));
  auto certificate = pki::Certificate::from_pem(read_text(test_keys().rsa.certificate));
  REQUIRE(certificate.ok());
  auto signature = pki::base64_decode(parameters.at("Signature"));
  REQUIRE(signature.ok());
  CHECK(pki::verify_detached_signature(*certificate, pki::SignatureDigest::kSha256,
                                       pki::as_bytes(octets), *signature)
            .ok());

  auto deflated = pki::base64_decode(parameters.at(parameter));
  REQUIRE(deflated.ok());
  auto xml = saml::inflate_raw(pki::to_string(*deflated), 65536);
  REQUIRE(xml.ok());
  auto doc = xml::Document::parse(*xml);
  REQUIRE(doc.ok());
  return std::move(doc).value();
}

// Reads the message in form field `field` of a POST page from careid, verifies its
// enveloped signature with careid's certificate, and returns it.
xml::Document verified_post_message(const std::string& page, const std::string& field) {
  std::string marker = "name=\"" + field + "\" value=\"";
  std::size_t start = page.find(marker);
  REQUIRE(start != std::string::npos);
  start += marker.size();
  auto xml_bytes = pki::base64_decode(page.substr(start, page.find('"', start) - start));
  REQUIRE(xml_bytes.ok());
  auto doc = xml::Document::parse(pki::to_string(*xml_bytes));
  REQUIRE(doc.ok());
  auto key = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(key.ok());
  CHECK(xml::verify_enveloped(*doc, doc->root(), *key).ok());
  return std::move(doc).value();
}

saml::LogoutRequest decoded_request(const LogoutFixture& fixture) {
  auto request = fixture.idp->decode_logout_redirect(signed_logout_query({}, "relay"));
  REQUIRE(request.ok());
  return *request;
}

}  // namespace

TEST_CASE("signed redirect LogoutRequest decodes", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  LogoutOptions options;
  options.session_indexes = "<samlp:SessionIndex>a</samlp:SessionIndex>"
                            "<samlp:SessionIndex> b </samlp:SessionIndex>";

  auto request = fixture.idp->decode_logout_redirect(signed_logout_query(options, "relay"));

  REQUIRE(request.ok());
  CHECK(request->id == "_logout1");
  CHECK(request->issuer == kSpEntityId);
  CHECK(request->name_id == "pseudonym");
  CHECK(request->session_indexes == std::vector<std::string>{"a", "b"});
  CHECK(request->relay_state == "relay");
}

TEST_CASE("signed POST LogoutRequest decodes", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  std::string xml = signed_request_xml(logout_request_xml(), test_keys().other_rsa);

  auto request = fixture.idp->decode_logout_post(post_body(xml));

  REQUIRE(request.ok());
  CHECK(request->session_indexes == std::vector<std::string>{"index-1"});
  CHECK(request->relay_state == "relay");
}

TEST_CASE("unsigned LogoutRequest rejected", "[federation][saml][logout]") {
  // SAML Profiles 4.4.4.1 requires a signature whatever the SP's metadata sets.
  LogoutFixture fixture(redirect_slo());

  auto redirect = fixture.idp->decode_logout_redirect(redirect_query(logout_request_xml()));
  auto post = fixture.idp->decode_logout_post(post_body(logout_request_xml()));
  auto wrong_key = fixture.idp->decode_logout_post(
      post_body(signed_request_xml(logout_request_xml(), test_keys().rsa)));

  REQUIRE(!redirect.ok());
  CHECK(redirect.error().message.find("must be signed") != std::string::npos);
  REQUIRE(!post.ok());
  CHECK(post.error().message.find("must be signed") != std::string::npos);
  REQUIRE(!wrong_key.ok());
  CHECK(wrong_key.error().message.find("does not match") != std::string::npos);
}

TEST_CASE("LogoutRequest field errors", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  auto with = [](auto change) {
    LogoutOptions options;
    change(options);
    return signed_logout_query(options);
  };
  const std::pair<const char*, std::string> cases[] = {
      {"AuthnRequest root", with([](LogoutOptions& o) { o.root = "AuthnRequest"; })},
      {"unknown issuer", with([](LogoutOptions& o) { o.issuer = "https://unknown.example/sp"; })},
      {"wrong Destination",
       with([](LogoutOptions& o) { o.destination = "https://127.0.0.1:8443/saml/sso"; })},
      {"Version 1.1", with([](LogoutOptions& o) { o.version = "1.1"; })},
      {"stale IssueInstant",
       with([](LogoutOptions& o) { o.issue_instant = "2026-03-01T11:40:00Z"; })},
      {"NotOnOrAfter passed", with([](LogoutOptions& o) {
         o.extra_attributes = " NotOnOrAfter=\"2026-03-01T11:50:00Z\"";
       })},
      {"NameID missing", with([](LogoutOptions& o) { o.name_id = ""; })},
      {"empty SessionIndex",
       with([](LogoutOptions& o) { o.session_indexes = "<samlp:SessionIndex/>"; })},
      {"invalid ID", with([](LogoutOptions& o) { o.id = "1-not-an-ncname"; })},
  };
  for (const auto& [name, query] : cases) {
    INFO(name);
    auto request = fixture.idp->decode_logout_redirect(query);
    REQUIRE(!request.ok());
    CHECK(request.error().acs_url.empty());
  }
  CHECK(fixture.idp->decode_logout_redirect(signed_logout_query()).ok());
}

TEST_CASE("replayed LogoutRequest rejected", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  std::string query = signed_logout_query();

  REQUIRE(fixture.idp->decode_logout_redirect(query).ok());
  auto replay = fixture.idp->decode_logout_redirect(query);

  REQUIRE(!replay.ok());
  CHECK(replay.error().message.find("already used") != std::string::npos);
}

TEST_CASE("logout needs SLO endpoints", "[federation][saml][logout]") {
  LogoutFixture no_sp_endpoint("");
  auto request = no_sp_endpoint.idp->decode_logout_redirect(signed_logout_query());
  REQUIRE(!request.ok());
  CHECK(request.error().message.find("SingleLogoutService") != std::string::npos);
  CHECK(!no_sp_endpoint.idp->supports_single_logout(kSpEntityId));

  LogoutFixture no_idp_endpoint(redirect_slo(), "");
  CHECK(!no_idp_endpoint.idp->decode_logout_redirect(signed_logout_query()).ok());
  CHECK(no_idp_endpoint.idp->metadata_xml().find("SingleLogoutService") == std::string::npos);
}

TEST_CASE("redirect LogoutResponse is signed", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  saml::LogoutRequest request = decoded_request(fixture);

  auto reply = fixture.idp->build_logout_response(request, true);

  REQUIRE(reply.ok());
  CHECK(reply->post_page.empty());
  CHECK(reply->destination == kSpSloUrl);
  REQUIRE(reply->redirect_url.rfind(std::string(kSpSloUrl) + "?SAMLResponse=", 0) == 0);
  std::string raw;
  auto parameters = query_parameters(reply->redirect_url, raw);
  CHECK(parameters.at("RelayState") == "relay");
  CHECK(parameters.at("SigAlg") == saml::kSigAlgRsaSha256);

  xml::Document doc = verified_redirect_message(parameters, raw, "SAMLResponse");
  xml::Element root = doc.root();
  CHECK(root.is(saml::kProtocolNs, "LogoutResponse"));
  CHECK(root.attribute("InResponseTo") == "_logout1");
  CHECK(root.attribute("Destination") == kSpSloUrl);
  CHECK(root.first_child(saml::kAssertionNs, "Issuer").text() == kIdpEntityId);
  xml::Element code = root.first_child(saml::kProtocolNs, "Status")
                          .first_child(saml::kProtocolNs, "StatusCode");
  CHECK(code.attribute("Value") == saml::kStatusSuccess);
  CHECK(code.first_child(saml::kProtocolNs, "StatusCode").attribute("Value") ==
        saml::kStatusPartialLogout);
}

TEST_CASE("POST LogoutResponse is signed", "[federation][saml][logout]") {
  std::string post_slo =
      slo_element(saml::kHttpPostBinding, " ResponseLocation=\"https://127.0.0.1:8444/slo-done\"");
  LogoutFixture fixture(post_slo + slo_element("urn:oasis:names:tc:SAML:2.0:bindings:SOAP"));
  saml::LogoutRequest request = decoded_request(fixture);

  auto reply = fixture.idp->build_logout_response(request, false);

  REQUIRE(reply.ok());
  CHECK(reply->redirect_url.empty());
  CHECK(reply->destination == "https://127.0.0.1:8444/slo-done");
  CHECK_THAT(reply->post_page, Catch::Contains("action=\"https://127.0.0.1:8444/slo-done\""));
  CHECK_THAT(reply->post_page, Catch::Contains("<title>Signing out</title>"));
  xml::Document doc = verified_post_message(reply->post_page, "SAMLResponse");
  xml::Element code = doc.root().first_child(saml::kProtocolNs, "Status")
                          .first_child(saml::kProtocolNs, "StatusCode");
  CHECK(code.first_child(saml::kProtocolNs, "StatusCode").is_null());
}

TEST_CASE("SP metadata reads logout endpoints", "[federation][saml][logout]") {
  std::string slo =
      slo_element("urn:oasis:names:tc:SAML:2.0:bindings:SOAP") +
      slo_element(saml::kHttpPostBinding, " ResponseLocation=\"https://r.example/\"") +
      redirect_slo();
  std::string metadata =
      sp_metadata_xml(kSpEntityId, certificate_body(test_keys().rsa.certificate));
  metadata.insert(metadata.find("<md:AssertionConsumerService"), slo);
  auto doc = xml::Document::parse(metadata);
  REQUIRE(doc.ok());

  auto sp = saml::ServiceProviderRegistry::parse_metadata(*doc, "sp.xml");

  REQUIRE(sp.ok());
  REQUIRE(sp->single_logout_services.size() == 3);
  CHECK(sp->single_logout_services[1].response_location == "https://r.example/");
  REQUIRE(sp->logout_endpoint() != nullptr);
  CHECK(sp->logout_endpoint()->binding == saml::kHttpRedirectBinding);

  std::string no_location = metadata;
  std::string without_location =
      "<md:SingleLogoutService Binding=\"" + std::string(saml::kHttpRedirectBinding) + "\"/>";
  no_location.insert(no_location.find("<md:AssertionConsumerService"), without_location);
  auto bad_doc = xml::Document::parse(no_location);
  REQUIRE(bad_doc.ok());
  CHECK(!saml::ServiceProviderRegistry::parse_metadata(*bad_doc, "sp.xml").ok());

  // A line break in the URL would end the Location header of the redirect.
  std::string line_break = metadata;
  line_break.replace(line_break.find(kSpSloUrl), std::string(kSpSloUrl).size(),
                     std::string(kSpSloUrl) + "&#13;&#10;Set-Cookie: x=y");
  auto line_break_doc = xml::Document::parse(line_break);
  REQUIRE(line_break_doc.ok());
  auto rejected = saml::ServiceProviderRegistry::parse_metadata(*line_break_doc, "sp.xml");
  REQUIRE(!rejected.ok());
  CHECK_THAT(rejected.status().message(), Catch::Contains("control character"));
}

TEST_CASE("IdP metadata lists SLO endpoints", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  auto doc = xml::Document::parse(fixture.idp->metadata_xml());
  REQUIRE(doc.ok());
  xml::Element idp = doc->root().first_child(saml::kMetadataNs, "IDPSSODescriptor");
  auto endpoints = idp.children(saml::kMetadataNs, "SingleLogoutService");
  REQUIRE(endpoints.size() == 2);
  CHECK(endpoints[0].attribute("Binding") == saml::kHttpRedirectBinding);
  CHECK(endpoints[1].attribute("Binding") == saml::kHttpPostBinding);
  CHECK(endpoints[0].attribute("Location") == kIdpSloUrl);
  // SSODescriptorType order: SingleLogoutService before NameIDFormat.
  CHECK(endpoints[1].next_sibling().is(saml::kMetadataNs, "NameIDFormat"));
}

namespace {

constexpr const char* kSessionIndex = "session-index-1";

saml::LogoutTarget logout_target() {
  saml::LogoutTarget target;
  target.sp_entity_id = kSpEntityId;
  target.name_id = "pseudonym";
  target.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
  target.session_index = kSessionIndex;
  target.relay_state = "logout-state";
  return target;
}

struct LogoutResponseOptions {
  std::string id = "_response1";
  std::string in_response_to = "_request1";
  std::string issuer = kSpEntityId;
  std::string destination = kIdpSloUrl;
  std::string issue_instant = "2026-03-01T11:59:30Z";
  std::string status = std::string(saml::kStatusSuccess);
};

std::string logout_response_xml(const LogoutResponseOptions& o = {}) {
  std::string xml =
      "<samlp:LogoutResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + o.id +
      "\" Version=\"2.0\" IssueInstant=\"" + o.issue_instant + "\"";
  if (!o.in_response_to.empty()) {
    xml += " InResponseTo=\"" + o.in_response_to + "\"";
  }
  if (!o.destination.empty()) {
    xml += " Destination=\"" + o.destination + "\"";
  }
  return xml + "><saml:Issuer>" + o.issuer + "</saml:Issuer><samlp:Status><samlp:StatusCode " +
         "Value=\"" + o.status + "\"/></samlp:Status></samlp:LogoutResponse>";
}

std::string signed_response_query(const LogoutResponseOptions& options = {},
                                  const TestKey& key = test_keys().other_rsa) {
  return signed_query(logout_response_xml(options), "logout-state", saml::kSigAlgRsaSha256, key,
                      pki::SignatureDigest::kSha256, "SAMLResponse");
}

}  // namespace

TEST_CASE("redirect LogoutRequest to SP is signed", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());

  auto outgoing = fixture.idp->build_logout_request(logout_target());

  REQUIRE(outgoing.ok());
  CHECK(outgoing->message.post_page.empty());
  REQUIRE(outgoing->message.redirect_url.rfind(std::string(kSpSloUrl) + "?SAMLRequest=", 0) == 0);
  std::string raw;
  auto parameters = query_parameters(outgoing->message.redirect_url, raw);
  CHECK(parameters.at("RelayState") == "logout-state");

  xml::Document doc = verified_redirect_message(parameters, raw, "SAMLRequest");
  xml::Element root = doc.root();
  CHECK(root.is(saml::kProtocolNs, "LogoutRequest"));
  CHECK(root.attribute("ID") == outgoing->id);
  CHECK(root.attribute("Destination") == kSpSloUrl);
  CHECK(root.first_child(saml::kAssertionNs, "Issuer").text() == kIdpEntityId);
  xml::Element name_id = root.first_child(saml::kAssertionNs, "NameID");
  CHECK(name_id.text() == "pseudonym");
  CHECK(name_id.attribute("Format") == logout_target().name_id_format);
  CHECK(name_id.attribute("SPNameQualifier") == kSpEntityId);
  CHECK(root.first_child(saml::kProtocolNs, "SessionIndex").text() == kSessionIndex);
}

TEST_CASE("POST LogoutRequest to SP is signed", "[federation][saml][logout]") {
  LogoutFixture fixture(slo_element(saml::kHttpPostBinding));

  auto outgoing = fixture.idp->build_logout_request(logout_target());

  REQUIRE(outgoing.ok());
  CHECK(outgoing->message.redirect_url.empty());
  CHECK(outgoing->message.destination == kSpSloUrl);
  xml::Document doc = verified_post_message(outgoing->message.post_page, "SAMLRequest");
  CHECK(doc.root().attribute("ID") == outgoing->id);
}

TEST_CASE("LogoutRequest to SP without SLO fails", "[federation][saml][logout]") {
  LogoutFixture fixture("");
  auto outgoing = fixture.idp->build_logout_request(logout_target());
  REQUIRE(!outgoing.ok());
  CHECK(outgoing.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("signed LogoutResponse from SP decodes", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());

  auto result = fixture.idp->decode_logout_response(false, signed_response_query());

  REQUIRE(result.ok());
  CHECK(result->issuer == kSpEntityId);
  CHECK(result->in_response_to == "_request1");
  CHECK(result->relay_state == "logout-state");
  CHECK(result->success());

  LogoutResponseOptions failed;
  failed.id = "_response2";
  failed.status = std::string(saml::kStatusResponder);
  auto failure = fixture.idp->decode_logout_response(false, signed_response_query(failed));
  REQUIRE(failure.ok());
  CHECK(!failure->success());
}

TEST_CASE("POST LogoutResponse from SP decodes", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  std::string xml = signed_request_xml(logout_response_xml(), test_keys().other_rsa);
  std::string body = "SAMLResponse=" + url_encode(base64(xml)) + "&RelayState=logout-state";

  auto result = fixture.idp->decode_logout_response(true, body);

  REQUIRE(result.ok());
  CHECK(result->in_response_to == "_request1");
  CHECK(result->relay_state == "logout-state");
}

TEST_CASE("bad LogoutResponses rejected", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  const saml::IdentityProvider& idp = *fixture.idp;

  // SAML Profiles 4.4.4.2: a LogoutResponse must be signed.
  std::string unsigned_query = redirect_query(logout_response_xml(), "", "SAMLResponse");
  CHECK(!idp.decode_logout_response(false, unsigned_query).ok());

  auto foreign_key = idp.decode_logout_response(false, signed_response_query({}, test_keys().rsa));
  REQUIRE(!foreign_key.ok());
  CHECK(foreign_key.status().code() == StatusCode::kPermissionDenied);

  LogoutResponseOptions unknown_sp;
  unknown_sp.issuer = "https://unknown.example/sp";
  LogoutResponseOptions wrong_destination;
  wrong_destination.destination = "https://127.0.0.1:9999/saml/slo";
  LogoutResponseOptions no_in_response_to;
  no_in_response_to.in_response_to = "";
  LogoutResponseOptions stale;
  stale.issue_instant = "2026-03-01T10:00:00Z";
  for (const auto& [name, options] :
       std::vector<std::pair<std::string, LogoutResponseOptions>>{
           {"unknown SP", unknown_sp},
           {"wrong Destination", wrong_destination},
           {"no InResponseTo", no_in_response_to},
           {"stale IssueInstant", stale}}) {
    INFO(name);
    CHECK(!idp.decode_logout_response(false, signed_response_query(options)).ok());
  }

  // A LogoutRequest in the SAMLRequest parameter is not a response.
  CHECK(!idp.decode_logout_response(false, signed_logout_query()).ok());
}

TEST_CASE("replayed LogoutResponse rejected", "[federation][saml][logout]") {
  LogoutFixture fixture(redirect_slo());
  std::string query = signed_response_query();
  REQUIRE(fixture.idp->decode_logout_response(false, query).ok());
  CHECK(!fixture.idp->decode_logout_response(false, query).ok());
}
