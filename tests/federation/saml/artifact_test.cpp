// The HTTP-Artifact binding: artifact encoding, the artifact store, and the
// ArtifactResolutionService with signed, unsigned, wrapped, replayed and TLS-authenticated
// ArtifactResolve requests, and the SOAP faults for malformed envelopes.
#include "federation/saml/artifact.h"

#include <catch2/catch.hpp>

#include "federation/saml/artifact_store.h"
#include "federation/saml/saml_names.h"
#include "tests/federation/saml/saml_test_support.h"
#include "xml/document.h"
#include "xml/signature.h"

namespace saml = careid::federation::saml;
namespace xml = careid::xml;
namespace pki = careid::pki;
using careid::StatusCode;
using namespace careid::testing;

namespace {

constexpr const char* kArtifactUrl = "https://127.0.0.1:8443/saml/artifact";
constexpr const char* kArtifactAcsUrl = "https://127.0.0.1:8444/mellon/artifactResponse";
constexpr const char* kSecondSpEntityId = "https://127.0.0.1:8445/second/metadata";
constexpr const char* kArtifactBindingAttribute =
    " ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\"";

// An IdP with the artifact binding on and two SPs: the usual one, whose key is other_rsa,
// and a second one whose key is ec. Assertions stay unencrypted so tests can read them.
struct ArtifactFixture {
  TempDir dir;
  std::chrono::system_clock::time_point now = fixed_now();
  saml::IdpSettings settings;
  std::unique_ptr<saml::IdentityProvider> idp;

  explicit ArtifactFixture(std::set<std::string, std::less<>> tls_client_auth = {},
                           saml::ArtifactStoreLimits limits = {}) {
    std::filesystem::create_directory(dir / "sp");
    write_text(dir / "sp" / "mellon.xml",
               sp_metadata_xml(kSpEntityId, certificate_body(test_keys().other_rsa.certificate)));
    write_text(dir / "sp" / "second.xml",
               sp_metadata_xml(kSecondSpEntityId, certificate_body(test_keys().ec.certificate)));
    settings.entity_id = kIdpEntityId;
    settings.sso_url = kIdpSsoUrl;
    settings.signing_key = test_keys().rsa.key;
    settings.signing_certificate = test_keys().rsa.certificate;
    settings.sp_metadata_dir = dir / "sp";
    settings.artifact_resolution_url = kArtifactUrl;
    settings.artifact_limits = limits;
    settings.artifact_tls_client_auth = std::move(tls_client_auth);
    settings.assertion_encryption[kSpEntityId] = saml::AssertionEncryption::kNever;
    settings.assertion_encryption[kSecondSpEntityId] = saml::AssertionEncryption::kNever;
    settings.clock = [this] { return now; };
    auto created = saml::IdentityProvider::create(settings);
    if (!created.ok()) {
      throw std::runtime_error(created.status().to_string());
    }
    idp = std::move(created).value();
  }
};

saml::Subject test_subject() {
  saml::Subject subject;
  subject.name_id = "pseudonym-123";
  subject.authn_instant = fixed_now() - std::chrono::seconds(5);
  subject.attributes["uid"] = {"555000000001"};
  return subject;
}

// The value of the hidden form field `name` in a page of post_binding.h.
std::string form_field(const std::string& page, const std::string& name) {
  std::string marker = "name=\"" + name + "\" value=\"";
  std::size_t begin = page.find(marker);
  REQUIRE(begin != std::string::npos);
  begin += marker.size();
  return page.substr(begin, page.find('"', begin) - begin);
}

// Decodes an AuthnRequest that requests the HTTP-Artifact binding.
saml::AuthnRequest artifact_request(ArtifactFixture& fixture, const std::string& request_id) {
  AuthnRequestOptions options;
  options.id = request_id;
  options.acs_attributes = kArtifactBindingAttribute;
  auto request =
      fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options), "relay-1"));
  REQUIRE(request.ok());
  return *request;
}

// Runs a login for the usual SP and returns the SAMLart of careid's form.
std::string issue_artifact(ArtifactFixture& fixture, const std::string& request_id) {
  saml::AuthnRequest request = artifact_request(fixture, request_id);
  auto page = fixture.idp->build_post_response_page(request, test_subject());
  REQUIRE(page.ok());
  CHECK(page->find("action=\"" + std::string(kArtifactAcsUrl) + "\"") != std::string::npos);
  CHECK(form_field(*page, "RelayState") == "relay-1");
  CHECK(page->find("SAMLResponse") == std::string::npos);
  return form_field(*page, "SAMLart");
}

std::string resolve_xml(const std::string& id, const std::string& artifact,
                        const std::string& issuer = kSpEntityId,
                        const std::string& version = "2.0") {
  return "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + id + "\" Version=\"" +
         version + "\" IssueInstant=\"2026-03-01T11:59:50Z\" Destination=\"" + kArtifactUrl +
         "\"><saml:Issuer>" + issuer + "</saml:Issuer><samlp:Artifact>" + artifact +
         "</samlp:Artifact></samlp:ArtifactResolve>";
}

std::string soap(const std::string& body_content, const std::string& header = "") {
  return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">" + header +
         "<soap:Body>" + body_content + "</soap:Body></soap:Envelope>";
}

std::string signed_resolve(const std::string& id, const std::string& artifact,
                           const std::string& issuer = kSpEntityId,
                           const TestKey& key = test_keys().other_rsa) {
  return soap(signed_request_xml(resolve_xml(id, artifact, issuer), key));
}

// A 200 reply with its ArtifactResponse, whose careid signature has been verified.
struct ResolvedReply {
  xml::Document doc;
  xml::Element response;

  std::string status() const { return status_code(0); }
  std::string sub_status() const { return status_code(1); }
  xml::Element message() const { return response.first_child(saml::kProtocolNs, "Response"); }

  std::string status_code(int level) const {
    xml::Element code = response.first_child(saml::kProtocolNs, "Status")
                            .first_child(saml::kProtocolNs, "StatusCode");
    for (int i = 0; i < level; ++i) {
      code = code.first_child(saml::kProtocolNs, "StatusCode");
    }
    return code.attribute("Value").value_or("");
  }
};

ResolvedReply resolved(const saml::SoapReply& reply) {
  REQUIRE(reply.http_status == 200);
  auto doc = xml::Document::parse(reply.body);
  REQUIRE(doc.ok());
  xml::Element response = doc->root()
                              .first_child(saml::kSoapEnvelopeNs, "Body")
                              .first_child(saml::kProtocolNs, "ArtifactResponse");
  REQUIRE(!response.is_null());
  auto key = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(key.ok());
  REQUIRE(xml::verify_enveloped(*doc, response, *key).ok());
  return ResolvedReply{std::move(doc).value(), response};
}

std::string fault_code(const saml::SoapReply& reply) {
  CHECK(reply.http_status == 500);
  CHECK(reply.outcome == saml::ArtifactResolveOutcome::kFault);
  auto doc = xml::Document::parse(reply.body);
  REQUIRE(doc.ok());
  return doc->root()
      .first_child(saml::kSoapEnvelopeNs, "Body")
      .first_child(saml::kSoapEnvelopeNs, "Fault")
      .first_child("", "faultcode")
      .text();
}

std::string certificate_der(const TestKey& key) {
  auto der = pki::base64_decode(certificate_body(key.certificate));
  REQUIRE(der.ok());
  return pki::to_string(*der);
}

// The ds:Signature element of serialised XML, as text.
std::string signature_text(const std::string& signed_xml) {
  std::size_t begin = signed_xml.find("<ds:Signature");
  std::size_t end = signed_xml.find("</ds:Signature>");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  return signed_xml.substr(begin, end + 15 - begin);
}

}  // namespace

TEST_CASE("artifact encoding round trip", "[federation][saml][artifact]") {
  auto artifact = saml::new_artifact(kIdpEntityId, 3);
  REQUIRE(artifact.ok());
  std::string text = saml::encode_artifact(*artifact);
  CHECK(text.size() == 60);

  auto bytes = pki::base64_decode(text);
  REQUIRE(bytes.ok());
  REQUIRE(bytes->size() == saml::kArtifactBytes);
  CHECK((*bytes)[0] == 0x00);
  CHECK((*bytes)[1] == 0x04);
  CHECK((*bytes)[2] == 0x00);
  CHECK((*bytes)[3] == 0x03);

  auto decoded = saml::decode_artifact(text);
  REQUIRE(decoded.ok());
  CHECK(decoded->endpoint_index == 3);
  CHECK(decoded->source_id == *saml::artifact_source_id(kIdpEntityId));
  CHECK(decoded->message_handle == artifact->message_handle);

  auto second = saml::new_artifact(kIdpEntityId, 3);
  REQUIRE(second.ok());
  CHECK(second->message_handle != artifact->message_handle);
}

TEST_CASE("artifact source id is SHA-1 of entityID", "[federation][saml][artifact]") {
  // SHA-1("abc") from FIPS 180-2 appendix A.1.
  auto source = saml::artifact_source_id("abc");
  REQUIRE(source.ok());
  CHECK(pki::hex_encode(*source) == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("artifact decoding rejects bad input", "[federation][saml][artifact]") {
  auto valid = pki::base64_decode(saml::encode_artifact(*saml::new_artifact(kIdpEntityId, 0)));
  REQUIRE(valid.ok());
  pki::Bytes type_one = *valid;
  type_one[1] = 0x01;
  pki::Bytes short_bytes(valid->begin(), valid->end() - 1);
  pki::Bytes long_bytes = *valid;
  long_bytes.push_back(0);

  CHECK(saml::decode_artifact("not base64!").status().code() == StatusCode::kInvalidArgument);
  CHECK(saml::decode_artifact("").status().code() == StatusCode::kInvalidArgument);
  CHECK(saml::decode_artifact(pki::base64_encode(type_one)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(saml::decode_artifact(pki::base64_encode(short_bytes)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(saml::decode_artifact(pki::base64_encode(long_bytes)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(saml::decode_artifact(std::string(100000, 'A')).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("artifact store hands out once", "[federation][saml][artifact]") {
  saml::ArtifactStore store;
  pki::Bytes handle(20, 7);
  REQUIRE(store.put(handle, kSpEntityId, "<Response/>", fixed_now()).ok());
  CHECK(store.size() == 1);
  CHECK(store.bytes() == 11);
  CHECK(store.put(handle, kSpEntityId, "<Other/>", fixed_now()).code() ==
        StatusCode::kAlreadyExists);

  auto first = store.take(handle, kSpEntityId, fixed_now());
  CHECK(first.outcome == saml::ArtifactStore::Outcome::kFound);
  CHECK(first.message == "<Response/>");
  CHECK(store.size() == 0);
  CHECK(store.bytes() == 0);

  auto second = store.take(handle, kSpEntityId, fixed_now());
  CHECK(second.outcome == saml::ArtifactStore::Outcome::kUnknown);
  CHECK(second.message.empty());
}

TEST_CASE("artifact store expires entries", "[federation][saml][artifact]") {
  saml::ArtifactStoreLimits limits;
  limits.lifetime = std::chrono::seconds(60);
  saml::ArtifactStore store(limits);
  pki::Bytes handle(20, 1);
  pki::Bytes other(20, 2);
  REQUIRE(store.put(handle, kSpEntityId, "<a/>", fixed_now()).ok());
  REQUIRE(store.put(other, kSpEntityId, "<b/>", fixed_now()).ok());

  auto late = store.take(handle, kSpEntityId, fixed_now() + std::chrono::seconds(60));
  CHECK(late.outcome == saml::ArtifactStore::Outcome::kExpired);
  CHECK(late.message.empty());
  // The take dropped the other expired entry too.
  CHECK(store.size() == 0);
  CHECK(store.bytes() == 0);

  REQUIRE(store.put(handle, kSpEntityId, "<a/>", fixed_now()).ok());
  auto in_time = store.take(handle, kSpEntityId, fixed_now() + std::chrono::seconds(59));
  CHECK(in_time.outcome == saml::ArtifactStore::Outcome::kFound);
}

TEST_CASE("artifact store binds the SP", "[federation][saml][artifact]") {
  saml::ArtifactStore store;
  pki::Bytes handle(20, 9);
  REQUIRE(store.put(handle, kSpEntityId, "<Response/>", fixed_now()).ok());

  auto foreign = store.take(handle, kSecondSpEntityId, fixed_now());
  CHECK(foreign.outcome == saml::ArtifactStore::Outcome::kWrongRequester);
  CHECK(foreign.issued_to == kSpEntityId);
  CHECK(foreign.message.empty());

  // One attempt spends the artifact, so the SP it was issued to gets nothing either.
  CHECK(store.take(handle, kSpEntityId, fixed_now()).outcome ==
        saml::ArtifactStore::Outcome::kUnknown);
}

TEST_CASE("artifact store limits count and bytes", "[federation][saml][artifact]") {
  saml::ArtifactStoreLimits limits;
  limits.max_entries = 2;
  limits.max_bytes = 10;
  saml::ArtifactStore store(limits);
  REQUIRE(store.put(pki::Bytes(20, 1), kSpEntityId, "12345", fixed_now()).ok());
  CHECK(store.put(pki::Bytes(20, 2), kSpEntityId, "123456", fixed_now()).code() ==
        StatusCode::kResourceExhausted);
  CHECK(store.put(pki::Bytes(20, 3), kSpEntityId, std::string(11, 'x'), fixed_now()).code() ==
        StatusCode::kResourceExhausted);
  REQUIRE(store.put(pki::Bytes(20, 4), kSpEntityId, "12345", fixed_now()).ok());
  CHECK(store.put(pki::Bytes(20, 5), kSpEntityId, "", fixed_now()).code() ==
        StatusCode::kResourceExhausted);

  // Expired entries make room again.
  auto later = fixed_now() + std::chrono::seconds(61);
  CHECK(store.put(pki::Bytes(20, 6), kSpEntityId, "1234567890", later).ok());
  CHECK(store.size() == 1);
}

TEST_CASE("artifact binding chosen by request", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  saml::AuthnRequest artifact = artifact_request(fixture, "_artifact1");
  CHECK(artifact.acs_binding == saml::kHttpArtifactBinding);
  CHECK(artifact.acs_url == kArtifactAcsUrl);

  // Without ProtocolBinding the HTTP-POST default wins; index 0 is the artifact endpoint.
  auto post = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml()));
  REQUIRE(post.ok());
  CHECK(post->acs_binding == saml::kHttpPostBinding);
  AuthnRequestOptions by_index;
  by_index.id = "_byindex";
  by_index.acs_attributes = " AssertionConsumerServiceIndex=\"0\"";
  auto indexed = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(by_index)));
  REQUIRE(indexed.ok());
  CHECK(indexed->acs_binding == saml::kHttpArtifactBinding);

  // An artifact binding with a POST endpoint's URL is not in the metadata.
  AuthnRequestOptions mismatch;
  mismatch.id = "_mismatch";
  mismatch.acs_attributes = std::string(kArtifactBindingAttribute) +
                            " AssertionConsumerServiceURL=\"" + kSpAcsUrl + "\"";
  auto rejected = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(mismatch)));
  REQUIRE(!rejected.ok());
  CHECK(rejected.error().acs_url.empty());
}

TEST_CASE("artifact binding off without resolution URL", "[federation][saml][artifact]") {
  IdpFixture fixture;
  AuthnRequestOptions options;
  options.acs_attributes = kArtifactBindingAttribute;
  auto request = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options)));
  REQUIRE(!request.ok());
  CHECK(request.error().message.find("use HTTP-POST") != std::string::npos);
  CHECK(fixture.idp->metadata_xml().find("ArtifactResolutionService") == std::string::npos);
  CHECK(fixture.idp->resolve_artifact(soap(""), "", "test").http_status == 500);
}

TEST_CASE("IdP metadata lists ArtifactResolutionService", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  auto doc = xml::Document::parse(fixture.idp->metadata_xml());
  REQUIRE(doc.ok());
  xml::Element service = doc->root()
                             .first_child(saml::kMetadataNs, "IDPSSODescriptor")
                             .first_child(saml::kMetadataNs, "ArtifactResolutionService");
  REQUIRE(!service.is_null());
  CHECK(service.attribute("Binding") == std::string(saml::kSoapBinding));
  CHECK(service.attribute("Location") == std::string(kArtifactUrl));
  CHECK(service.attribute("index") == std::string("0"));
}

TEST_CASE("signed ArtifactResolve returns Response once", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");

  saml::SoapReply reply = fixture.idp->resolve_artifact(signed_resolve("_resolve1", artifact), "",
                                                        "test");
  CHECK(reply.outcome == saml::ArtifactResolveOutcome::kResolved);
  ResolvedReply first = resolved(reply);
  CHECK(first.status() == saml::kStatusSuccess);
  CHECK(first.response.attribute("InResponseTo") == std::string("_resolve1"));
  xml::Element message = first.message();
  REQUIRE(!message.is_null());
  CHECK(message.attribute("InResponseTo") == std::string("_login1"));
  CHECK(message.attribute("Destination") == std::string(kArtifactAcsUrl));

  // The embedded Assertion keeps careid's signature.
  xml::Element assertion = message.first_child(saml::kAssertionNs, "Assertion");
  REQUIRE(!assertion.is_null());
  auto key = xml::VerificationKey::load_certificate_file(test_keys().rsa.certificate);
  REQUIRE(key.ok());
  CHECK(xml::verify_enveloped(first.doc, assertion, *key).ok());

  saml::SoapReply again = fixture.idp->resolve_artifact(signed_resolve("_resolve2", artifact), "",
                                                        "test");
  CHECK(again.outcome == saml::ArtifactResolveOutcome::kNoMessage);
  ResolvedReply second = resolved(again);
  CHECK(second.status() == saml::kStatusSuccess);
  CHECK(second.message().is_null());
}

TEST_CASE("expired artifact returns no message", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  fixture.now += std::chrono::seconds(61);
  ResolvedReply reply = resolved(fixture.idp->resolve_artifact(
      signed_resolve("_resolve1", artifact), "", "test"));
  CHECK(reply.status() == saml::kStatusSuccess);
  CHECK(reply.message().is_null());
}

TEST_CASE("artifact of another SP returns no message", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  ResolvedReply foreign = resolved(fixture.idp->resolve_artifact(
      signed_resolve("_resolve1", artifact, kSecondSpEntityId, test_keys().ec), "", "test"));
  CHECK(foreign.status() == saml::kStatusSuccess);
  CHECK(foreign.message().is_null());

  ResolvedReply owner = resolved(fixture.idp->resolve_artifact(
      signed_resolve("_resolve2", artifact), "", "test"));
  CHECK(owner.message().is_null());
}

TEST_CASE("malformed or foreign artifacts return no message", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  auto foreign_source = saml::new_artifact("https://other.example/idp", 0);
  auto other_index = saml::new_artifact(kIdpEntityId, 5);
  REQUIRE(foreign_source.ok());
  REQUIRE(other_index.ok());
  const std::vector<std::string> artifacts = {"", "AAAA", "not base64",
                                              saml::encode_artifact(*foreign_source),
                                              saml::encode_artifact(*other_index)};
  int n = 0;
  for (const std::string& artifact : artifacts) {
    std::string id = "_bad" + std::to_string(n++);
    saml::SoapReply reply = fixture.idp->resolve_artifact(signed_resolve(id, artifact), "", "test");
    CHECK(reply.outcome == saml::ArtifactResolveOutcome::kNoMessage);
    ResolvedReply parsed = resolved(reply);
    CHECK(parsed.status() == saml::kStatusSuccess);
    CHECK(parsed.message().is_null());
  }
}

TEST_CASE("unsigned ArtifactResolve is denied", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  saml::SoapReply reply = fixture.idp->resolve_artifact(soap(resolve_xml("_r1", artifact)), "",
                                                        "test");
  CHECK(reply.outcome == saml::ArtifactResolveOutcome::kRejected);
  ResolvedReply parsed = resolved(reply);
  CHECK(parsed.status() == saml::kStatusRequester);
  CHECK(parsed.sub_status() == saml::kStatusRequestDenied);
  CHECK(parsed.message().is_null());

  // A rejected request leaves the artifact for its SP.
  ResolvedReply owner = resolved(fixture.idp->resolve_artifact(signed_resolve("_r2", artifact),
                                                               "", "test"));
  CHECK(!owner.message().is_null());
}

TEST_CASE("ArtifactResolve with wrong key is denied", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  ResolvedReply wrong_key = resolved(fixture.idp->resolve_artifact(
      signed_resolve("_r1", artifact, kSpEntityId, test_keys().rsa), "", "test"));
  CHECK(wrong_key.sub_status() == saml::kStatusRequestDenied);
  CHECK(wrong_key.message().is_null());

  ResolvedReply unknown_sp = resolved(fixture.idp->resolve_artifact(
      signed_resolve("_r2", artifact, "https://unknown.example/sp"), "", "test"));
  CHECK(unknown_sp.sub_status() == saml::kStatusRequestDenied);
  CHECK(unknown_sp.message().is_null());
}

TEST_CASE("ArtifactResolve wrapping layouts are denied", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  std::string other_artifact = issue_artifact(fixture, "_login2");
  std::string signed_xml = signed_request_xml(resolve_xml("_orig", other_artifact),
                                              test_keys().other_rsa);
  std::string open_outer =
      "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"_evil\" Version=\"2.0\" "
      "IssueInstant=\"2026-03-01T11:59:50Z\"><saml:Issuer>" + std::string(kSpEntityId) +
      "</saml:Issuer>";
  std::string artifact_element = "<samlp:Artifact>" + artifact + "</samlp:Artifact>";

  // 1. The signed Artifact is swapped for another one after signing.
  std::string swapped = signed_xml;
  swapped.replace(swapped.find(other_artifact), other_artifact.size(), artifact);
  // 2. An unsigned outer request wraps the signed one in Extensions.
  std::string wrapped = open_outer + "<samlp:Extensions>" + signed_xml + "</samlp:Extensions>" +
                        artifact_element + "</samlp:ArtifactResolve>";
  // 3. The signature moves onto the outer request, whose ID it does not reference.
  std::string moved = open_outer + signature_text(signed_xml) + "<samlp:Extensions>" +
                      resolve_xml("_orig", other_artifact) + "</samlp:Extensions>" +
                      artifact_element + "</samlp:ArtifactResolve>";
  // 4. The outer request takes the signed one's ID, which is then used twice.
  std::string duplicate_id = moved;
  duplicate_id.replace(duplicate_id.find("_evil"), 5, "_orig");

  for (const std::string& body : {swapped, wrapped, moved, duplicate_id}) {
    saml::SoapReply reply = fixture.idp->resolve_artifact(soap(body), "", "test");
    CHECK(reply.outcome == saml::ArtifactResolveOutcome::kRejected);
    ResolvedReply parsed = resolved(reply);
    CHECK(parsed.sub_status() == saml::kStatusRequestDenied);
    CHECK(parsed.message().is_null());
  }

  // Both artifacts are still there for a correct request.
  CHECK(!resolved(fixture.idp->resolve_artifact(signed_resolve("_ok1", artifact), "", "test"))
             .message()
             .is_null());
  CHECK(!resolved(fixture.idp->resolve_artifact(signed_resolve("_ok2", other_artifact), "",
                                                "test"))
             .message()
             .is_null());
}

TEST_CASE("replayed ArtifactResolve is denied", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  std::string request = signed_resolve("_r1", artifact);
  CHECK(fixture.idp->resolve_artifact(request, "", "test").outcome ==
        saml::ArtifactResolveOutcome::kResolved);
  ResolvedReply replay = resolved(fixture.idp->resolve_artifact(request, "", "test"));
  CHECK(replay.status() == saml::kStatusRequester);
  CHECK(replay.sub_status() == saml::kStatusRequestDenied);
}

TEST_CASE("ArtifactResolve field checks", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  std::string version = soap(signed_request_xml(
      resolve_xml("_v1", artifact, kSpEntityId, "1.1"), test_keys().other_rsa));
  CHECK(resolved(fixture.idp->resolve_artifact(version, "", "test")).status() ==
        saml::kStatusVersionMismatch);

  std::string destination = resolve_xml("_d1", artifact);
  destination.replace(destination.find(kArtifactUrl), std::string(kArtifactUrl).size(),
                      "https://elsewhere.example/artifact");
  ResolvedReply wrong_destination = resolved(fixture.idp->resolve_artifact(
      soap(signed_request_xml(destination, test_keys().other_rsa)), "", "test"));
  CHECK(wrong_destination.status() == saml::kStatusRequester);

  fixture.now += std::chrono::hours(1);
  ResolvedReply stale = resolved(fixture.idp->resolve_artifact(signed_resolve("_s1", artifact),
                                                               "", "test"));
  CHECK(stale.status() == saml::kStatusRequester);
  CHECK(stale.message().is_null());
}

TEST_CASE("TLS client certificate authenticates SP", "[federation][saml][artifact]") {
  ArtifactFixture fixture({kSpEntityId});
  std::string artifact = issue_artifact(fixture, "_login1");
  std::string unsigned_request = soap(resolve_xml("_t1", artifact));

  ResolvedReply wrong = resolved(fixture.idp->resolve_artifact(
      unsigned_request, certificate_der(test_keys().ec), "test"));
  CHECK(wrong.sub_status() == saml::kStatusRequestDenied);

  ResolvedReply none = resolved(fixture.idp->resolve_artifact(soap(resolve_xml("_t2", artifact)),
                                                              "", "test"));
  CHECK(none.sub_status() == saml::kStatusRequestDenied);

  ResolvedReply right = resolved(fixture.idp->resolve_artifact(
      soap(resolve_xml("_t3", artifact)), certificate_der(test_keys().other_rsa), "test"));
  CHECK(right.status() == saml::kStatusSuccess);
  CHECK(!right.message().is_null());
}

TEST_CASE("TLS client auth needs configuration", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string artifact = issue_artifact(fixture, "_login1");
  ResolvedReply reply = resolved(fixture.idp->resolve_artifact(
      soap(resolve_xml("_t1", artifact)), certificate_der(test_keys().other_rsa), "test"));
  CHECK(reply.sub_status() == saml::kStatusRequestDenied);
  CHECK(reply.message().is_null());
}

TEST_CASE("malformed SOAP gets faults", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  std::string resolve = resolve_xml("_f1", "AAAA");
  auto fault = [&](const std::string& body) {
    return fault_code(fixture.idp->resolve_artifact(body, "", "test"));
  };

  CHECK(fault("not xml") == "soap:Client");
  CHECK(fault("") == "soap:Client");
  CHECK(fault("<!DOCTYPE x [<!ENTITY a \"b\">]>" + soap(resolve)) == "soap:Client");
  CHECK(fault(resolve) == "soap:Client");
  CHECK(fault(soap(resolve + resolve)) == "soap:Client");
  CHECK(fault(soap("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>")) ==
        "soap:Client");
  CHECK(fault(soap(resolve, "<soap:Header><x:Tx xmlns:x=\"urn:x\" soap:mustUnderstand=\"1\"/>"
                            "</soap:Header>")) == "soap:MustUnderstand");
  CHECK(fault(soap(resolve + std::string(70 * 1024, ' '))) == "soap:Client");
  std::string deep;
  for (int i = 0; i < 40; ++i) {
    deep += "<a>";
  }
  CHECK(fault(soap(deep)) == "soap:Client");

  // A header entry that need not be understood is ignored.
  saml::SoapReply optional_header = fixture.idp->resolve_artifact(
      soap(resolve, "<soap:Header><x:Tx xmlns:x=\"urn:x\"/></soap:Header>"), "", "test");
  CHECK(optional_header.http_status == 200);
}

TEST_CASE("error Response goes by artifact", "[federation][saml][artifact]") {
  ArtifactFixture fixture;
  AuthnRequestOptions options;
  options.id = "_badpolicy";
  options.acs_attributes = kArtifactBindingAttribute;
  options.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos";
  auto request = fixture.idp->decode_redirect_request(redirect_query(authn_request_xml(options)));
  REQUIRE(!request.ok());
  CHECK(request.error().acs_binding == saml::kHttpArtifactBinding);

  auto page = fixture.idp->build_error_page(request.error());
  REQUIRE(page.ok());
  std::string artifact = form_field(*page, "SAMLart");
  ResolvedReply reply = resolved(fixture.idp->resolve_artifact(
      signed_resolve("_r1", artifact), "", "test"));
  xml::Element message = reply.message();
  REQUIRE(!message.is_null());
  CHECK(message.first_child(saml::kProtocolNs, "Status")
            .first_child(saml::kProtocolNs, "StatusCode")
            .first_child(saml::kProtocolNs, "StatusCode")
            .attribute("Value") == std::string(saml::kStatusInvalidNameIdPolicy));
}

TEST_CASE("full artifact store fails the login", "[federation][saml][artifact]") {
  saml::ArtifactStoreLimits limits;
  limits.max_entries = 1;
  ArtifactFixture fixture({}, limits);
  issue_artifact(fixture, "_login1");
  saml::AuthnRequest request = artifact_request(fixture, "_login2");
  auto page = fixture.idp->build_post_response_page(request, test_subject());
  CHECK(page.status().code() == StatusCode::kResourceExhausted);
}
