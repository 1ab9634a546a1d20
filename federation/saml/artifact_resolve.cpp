#include "federation/saml/artifact_resolve.h"

#include <algorithm>

#include "base/log.h"
#include "base/rate_limited_log.h"
#include "federation/saml/artifact.h"
#include "federation/saml/authn_request.h"
#include "federation/saml/request_signature.h"
#include "federation/saml/response_builder.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/saml_time.h"
#include "pki/encoding.h"
#include "xml/document.h"

namespace careid::federation::saml {
namespace {

// An ArtifactResolve is Envelope/Body/ArtifactResolve/Signature/SignedInfo/Reference/
// Transforms/Transform: 8 levels. Anything much deeper is not a real request.
constexpr int kMaxSoapDepth = 16;

// Bound on the stored Response when it is parsed again to be embedded. It was built by
// careid and stored within ArtifactStoreLimits::max_bytes, so this only guards the parser.
constexpr std::size_t kMaxEmbeddedResponseBytes = 64 * 1024 * 1024;

// A SOAP 1.1 fault, whose `code` is Client, Server or MustUnderstand.
struct SoapFault {
  std::string code;
  std::string reason;
};

// A SAML-level rejection, returned as an ArtifactResponse with these status codes.
struct Rejection {
  std::string status = std::string(kStatusRequester);
  std::string sub_status = std::string(kStatusRequestDenied);
  std::string message;
};

log::RateLimitedLog& rejection_log() {
  static log::RateLimitedLog log(log::get("federation"));
  return log;
}

SoapReply soap_fault(const SoapFault& fault, const ArtifactResolveContext& context) {
  rejection_log().log(spdlog::level::warn, "artifact_resolve_fault",
                    "saml artifact_resolve outcome=fault faultcode={} {} error=\"{}\"",
                    fault.code, context.client, fault.reason);
  auto doc = xml::Document::create(kSoapEnvelopeNs, "soap", "Envelope");
  xml::Element body = doc.root().append_child(kSoapEnvelopeNs, "soap", "Body");
  xml::Element element = body.append_child(kSoapEnvelopeNs, "soap", "Fault");
  // SOAP 1.1 defines faultcode and faultstring without a namespace.
  element.append_text_child("", "", "faultcode", "soap:" + fault.code);
  element.append_text_child("", "", "faultstring", fault.reason);
  return SoapReply{500, doc.to_string(), ArtifactResolveOutcome::kFault};
}

// Returns the one element of the SOAP Body after checking the envelope. A Header entry
// with mustUnderstand="1" is not understood, because careid defines no header entries.
Result<xml::Element, SoapFault> find_body_request(const xml::Document& doc) {
  xml::Element envelope = doc.root();
  if (!envelope.is(kSoapEnvelopeNs, "Envelope")) {
    return SoapFault{"Client", "the request is not a SOAP 1.1 Envelope"};
  }
  for (xml::Element header : envelope.children(kSoapEnvelopeNs, "Header")) {
    for (xml::Element entry : header.children()) {
      std::string must = entry.attribute(kSoapEnvelopeNs, "mustUnderstand").value_or("0");
      if (must == "1" || must == "true") {
        return SoapFault{"MustUnderstand",
                         "SOAP header " + std::string(entry.local_name()) + " is not understood"};
      }
    }
  }
  std::vector<xml::Element> bodies = envelope.children(kSoapEnvelopeNs, "Body");
  if (bodies.size() != 1) {
    return SoapFault{"Client", "the SOAP Envelope must have exactly one Body"};
  }
  std::vector<xml::Element> requests = bodies.front().children();
  if (requests.size() != 1 || !requests.front().is(kProtocolNs, "ArtifactResolve")) {
    return SoapFault{"Client", "the SOAP Body must hold exactly one samlp:ArtifactResolve"};
  }
  return requests.front();
}

// True when `der` is one of the SP's metadata signing certificates.
bool is_metadata_certificate(std::string_view der, const ServiceProvider& sp) {
  if (der.empty()) {
    return false;
  }
  std::string presented = pki::base64_encode(pki::as_bytes(der));
  return std::find(sp.signing_certificates.begin(), sp.signing_certificates.end(), presented) !=
         sp.signing_certificates.end();
}

// Authenticates the request as coming from `sp`. A signature that is present is always
// verified. Without one, a TLS client certificate counts for SPs configured for it.
Status authenticate(xml::Document& doc, xml::Element request, const ServiceProvider& sp,
                    const ArtifactResolveContext& context) {
  Status signature = verify_post_signature(doc, request, sp);
  if (signature.code() != StatusCode::kNotFound) {
    return signature;
  }
  bool tls_allowed = context.tls_client_auth_sps != nullptr &&
                     context.tls_client_auth_sps->contains(sp.entity_id);
  if (!tls_allowed) {
    return Status::permission_denied("ArtifactResolve from " + sp.entity_id + " must be signed");
  }
  if (!is_metadata_certificate(context.client_certificate_der, sp)) {
    return Status::permission_denied("ArtifactResolve from " + sp.entity_id +
                                     " is unsigned and the TLS client certificate is missing or "
                                     "not a signing certificate in its metadata");
  }
  return Status::ok_status();
}

// Checks Version, ID, IssueInstant and Destination (SAML Core 3.2.1) and records the ID.
std::optional<Rejection> check_fields(xml::Element request, const std::string& issuer,
                                      const ArtifactResolveContext& context) {
  if (request.attribute("Version").value_or("") != "2.0") {
    return Rejection{std::string(kStatusVersionMismatch), "", "ArtifactResolve Version is not 2.0"};
  }
  std::string id = request.attribute("ID").value_or("");
  if (!is_valid_id(id)) {
    return Rejection{std::string(kStatusRequester), "", "ArtifactResolve ID is missing or not a valid xs:ID"};
  }
  auto instant = parse_instant(request.attribute("IssueInstant").value_or(""));
  if (!instant.has_value() || *instant < context.now - kMaxRequestAge ||
      *instant > context.now + kMaxClockSkew) {
    return Rejection{std::string(kStatusRequester), "",
                     "ArtifactResolve IssueInstant is missing, invalid or too far from " +
                         format_instant(context.now)};
  }
  auto destination = request.attribute("Destination");
  if (destination.has_value() && *destination != context.resolution_url) {
    return Rejection{std::string(kStatusRequester), "",
                     "ArtifactResolve Destination " + destination->substr(0, 256) +
                         " is not this IdP's ArtifactResolutionService " +
                         std::string(context.resolution_url)};
  }
  if (context.replay_cache != nullptr &&
      !context.replay_cache->insert_once(issuer, id, *instant + kMaxRequestAge, context.now)) {
    return Rejection{std::string(kStatusRequester), std::string(kStatusRequestDenied),
                     "ArtifactResolve " + id + " was already received"};
  }
  return std::nullopt;
}

// Takes the stored Response of the request's artifact, or returns empty and names the
// reason in `outcome` (for the log only: the SP gets Success without a message).
std::string take_message(xml::Element request, const std::string& issuer,
                         const ArtifactResolveContext& context, std::string& outcome) {
  xml::Element element = request.first_child(kProtocolNs, "Artifact");
  if (element.is_null()) {
    outcome = "invalid_artifact";
    return {};
  }

  auto artifact = decode_artifact(trim_xml_whitespace(element.text()));
  auto own_source = artifact_source_id(context.idp_entity_id);
  if (!artifact.ok() || !own_source.ok() || artifact->source_id != *own_source ||
      artifact->endpoint_index != kArtifactResolutionIndex) {
    outcome = "invalid_artifact";
    return {};
  }

  ArtifactStore::Resolution resolution = context.store->take(artifact->message_handle, issuer, context.now);
  switch (resolution.outcome) {
    case ArtifactStore::Outcome::kFound:
      outcome = "resolved";
      return std::move(resolution.message);
    case ArtifactStore::Outcome::kExpired:
      outcome = "expired";
      break;
    case ArtifactStore::Outcome::kWrongRequester:
      outcome = "wrong_sp issued_to=" + resolution.issued_to;
      break;
    case ArtifactStore::Outcome::kUnknown:
      outcome = "unknown_or_used";
      break;
  }
  return {};
}

// Builds the SOAP envelope around a signed ArtifactResponse (SAML Core 3.5) with
// `rejection`'s status, or with Success and `message_xml` (no message when it is empty).
Result<std::string> build_artifact_response(const ArtifactResolveContext& context,
                                            const std::string& in_response_to,
                                            const std::optional<Rejection>& rejection,
                                            const std::string& message_xml) {
  auto id = random_id();
  if (!id.ok()) {
    return id.status();
  }
  auto doc = xml::Document::create(kSoapEnvelopeNs, "soap", "Envelope");
  xml::Element body = doc.root().append_child(kSoapEnvelopeNs, "soap", "Body");
  xml::Element response = body.append_child(kProtocolNs, "samlp", "ArtifactResponse");
  response.declare_namespace(kAssertionNs, "saml");
  response.set_attribute("ID", *id);
  if (!in_response_to.empty()) {
    response.set_attribute("InResponseTo", in_response_to);
  }
  response.set_attribute("Version", "2.0");
  response.set_attribute("IssueInstant", format_instant(context.now));
  xml::Element issuer =
      response.append_text_child(kAssertionNs, "saml", "Issuer", context.idp_entity_id);
  if (rejection.has_value()) {
    append_status(response, rejection->status, rejection->sub_status, rejection->message);
  } else {
    append_status(response, kStatusSuccess, "", "");
  }

  if (!message_xml.empty()) {
    xml::ParseLimits limits;
    limits.max_bytes = kMaxEmbeddedResponseBytes;
    auto message = xml::Document::parse(message_xml, limits);
    if (!message.ok()) {
      return message.status().with_context("stored Response of the artifact");
    }
    response.append_copy(message->root());
  }
  // Signed last, so that the signature covers the embedded Response (SAML Core 5.4.1 puts
  // it after the Issuer).
  CAREID_RETURN_IF_ERROR(xml::sign_enveloped(doc, response, issuer, *context.key));
  return doc.to_string();
}

SoapReply make_reply(const ArtifactResolveContext& context, const std::string& in_response_to,
                     const std::optional<Rejection>& rejection, const std::string& message_xml,
                     ArtifactResolveOutcome outcome) {
  auto body = build_artifact_response(context, in_response_to, rejection, message_xml);
  if (!body.ok()) {
    log::get("federation")
        ->error("saml artifact_resolve outcome=internal_error {} error=\"{}\"",
                context.client, body.status().to_string());
    return soap_fault(SoapFault{"Server", "building the ArtifactResponse failed"}, context);
  }
  return SoapReply{200, std::move(body).value(), outcome};
}

SoapReply reject(const ArtifactResolveContext& context, const std::string& in_response_to,
                 std::string_view sp, Rejection rejection) {
  rejection_log().log(spdlog::level::warn, "artifact_resolve_rejected",
                    "saml artifact_resolve outcome=rejected sp={} request_id={} {} "
                    "status={} error=\"{}\"",
                    sp, in_response_to.empty() ? "-" : in_response_to, context.client,
                    rejection.sub_status.empty() ? rejection.status : rejection.sub_status,
                    rejection.message);
  return make_reply(context, in_response_to, rejection, "", ArtifactResolveOutcome::kRejected);
}

// The registered SP named by the request's Issuer, or nullptr.
const ServiceProvider* find_issuer(xml::Element request, const ArtifactResolveContext& context,
                                   std::string& entity_id) {
  xml::Element issuer = request.first_child(kAssertionNs, "Issuer");
  auto format = issuer.attribute("Format");
  if (issuer.is_null() || (format.has_value() && *format != kNameIdEntity)) {
    return nullptr;
  }
  entity_id = trim_xml_whitespace(issuer.text());
  return context.service_providers.find(entity_id);
}

}  // namespace

SoapReply resolve_artifact(std::string_view soap_body, const ArtifactResolveContext& context) {
  if (soap_body.size() > kMaxSoapRequestBytes) {
    return soap_fault(SoapFault{"Client", "the request body exceeds the limit of " +
                                              std::to_string(kMaxSoapRequestBytes) + " bytes"},
                      context);
  }
  xml::ParseLimits limits;
  limits.max_bytes = kMaxSoapRequestBytes;
  limits.max_depth = kMaxSoapDepth;
  auto doc = xml::Document::parse(soap_body, limits);
  if (!doc.ok()) {
    return soap_fault(SoapFault{"Client", "the request is not acceptable XML: " +
                                              doc.status().message()},
                      context);
  }
  auto request = find_body_request(*doc);
  if (!request.ok()) {
    return soap_fault(request.error(), context);
  }

  // The ID is echoed only when it is a valid xs:ID, so that no input reaches the reply raw.
  std::string id = request->attribute("ID").value_or("");
  std::string in_response_to = is_valid_id(id) ? id : "";
  std::string issuer;
  const ServiceProvider* sp = find_issuer(*request, context, issuer);
  if (sp == nullptr) {
    return reject(context, in_response_to, "-",
                  Rejection{std::string(kStatusRequester), std::string(kStatusRequestDenied),
                            "the Issuer " + issuer.substr(0, 256) + " is not a registered SP"});
  }
  Status authenticated = authenticate(*doc, *request, *sp, context);
  if (!authenticated.ok()) {
    return reject(context, in_response_to, sp->entity_id,
                  Rejection{std::string(kStatusRequester), std::string(kStatusRequestDenied),
                            authenticated.message()});
  }
  if (std::optional<Rejection> rejection = check_fields(*request, sp->entity_id, context)) {
    return reject(context, in_response_to, sp->entity_id, std::move(*rejection));
  }

  std::string outcome;
  std::string message = take_message(*request, sp->entity_id, context, outcome);
  if (message.empty()) {
    rejection_log().log(spdlog::level::warn, "artifact_resolve_no_message",
                      "saml artifact_resolve outcome=no_message reason={} sp={} request_id={} "
                      "{}",
                      outcome, sp->entity_id, in_response_to, context.client);
    return make_reply(context, in_response_to, std::nullopt, "", ArtifactResolveOutcome::kNoMessage);
  }
  log::get("federation")
      ->info("saml artifact_resolve outcome=resolved sp={} request_id={} {}",
             sp->entity_id, in_response_to, context.client);
  return make_reply(context, in_response_to, std::nullopt, message, ArtifactResolveOutcome::kResolved);
}

}  // namespace careid::federation::saml
