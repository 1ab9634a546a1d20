#include "directory/server/sasl_external.h"

#include <algorithm>
#include <cctype>

#include "base/log.h"
#include "directory/engine/naming.h"

namespace careid::directory::server {
namespace {

using engine::ldap_result;

constexpr std::size_t kUidDigits = 12;

bool is_nhs_uid(std::string_view text) {
  return text.size() == kUidDigits && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_person(const Entry& entry) {
  const Attribute* classes = entry.find("objectClass");
  if (classes == nullptr) {
    return false;
  }
  return std::any_of(classes->values.begin(), classes->values.end(),
                     [](const std::string& value) { return equals_ignore_case(value, "nhsPerson"); });
}

// Checks the certificate and maps it to a DN; the failure is the bind's result.
Result<std::string, protocol::LdapResult> mapped_dn(const ClientCertificate* certificate, std::string_view suffix,
                                                    const pki::RevocationCache* revocations) {
  if (certificate == nullptr || !certificate->present) {
    return ldap_result(ResultCode::kInappropriateAuthentication,
                       "SASL EXTERNAL needs a TLS client certificate; connect with ldaps:// or StartTLS and present one");
  }
  if (!certificate->verified) {
    return ldap_result(ResultCode::kInvalidCredentials,
                       "client certificate was not issued by the card CA or is not valid: " + certificate->verify_error);
  }
  if (revocations != nullptr) {
    // The chain still verifies until the card expires, so the registry decides.
    pki::CardStatus status = revocations->lookup(certificate->serial_hex);
    if (status.state == pki::CardState::kRevoked || status.state == pki::CardState::kOnHold) {
      return ldap_result(ResultCode::kInvalidCredentials,
                         "client certificate serial " + certificate->serial_hex + " is " +
                             std::string(pki::card_state_name(status.state)) + " (" +
                             std::string(pki::revocation_reason_name(status.reason)) +
                             "); ask your Registration Authority");
    }
  }
  std::string dn = external_bind_dn(*certificate, suffix);
  if (dn.empty()) {
    return ldap_result(ResultCode::kInvalidCredentials,
                       "client certificate subject must have exactly one 12-digit CN; got " + certificate->subject);
  }
  return dn;
}

}  // namespace

std::string external_bind_dn(const ClientCertificate& certificate, std::string_view suffix) {
  if (certificate.common_names.size() != 1 || !is_nhs_uid(certificate.common_names.front())) {
    return {};
  }
  return "uid=" + certificate.common_names.front() + ",ou=People," + std::string(suffix);
}

OperationOutcome bind_external(engine::Directory& directory, std::string_view suffix,
                               const ClientCertificate* certificate, const protocol::SaslCredentials& credentials,
                               const pki::RevocationCache* revocations) {
  // A failed bind leaves the connection anonymous (RFC 4511 4.2.1).
  OperationOutcome outcome{protocol::BindResponse{}, engine::Identity{}, {}};
  auto& response = std::get<protocol::BindResponse>(outcome.response);

  auto dn = mapped_dn(certificate, suffix, revocations);
  if (!dn.ok()) {
    response.result = dn.error();
    return outcome;
  }
  auto name = engine::name_dn(directory.schema(), *dn);
  if (!name.ok()) {
    response.result = ldap_result(ResultCode::kInvalidCredentials, "client certificate maps to an invalid DN");
    return outcome;
  }

  // RFC 4422 appendix A: an authzId other than the certificate's own identity would be a
  // proxy authorization, which careid does not grant.
  const std::string& authz = credentials.credentials.value_or("");
  if (!authz.empty()) {
    auto requested = engine::name_dn(directory.schema(), authz.starts_with("dn:") ? authz.substr(3) : "");
    if (!requested.ok() || requested->normalised != name->normalised) {
      response.result = ldap_result(ResultCode::kInvalidCredentials,
                                    "authorization identity '" + authz + "' differs from the certificate's " + *dn);
      return outcome;
    }
  }

  auto entry = directory.read_entry(*dn);
  if (!entry.ok()) {
    log::get("directory")->error("SASL EXTERNAL dn={} store read failed: {}", *dn, entry.status().to_string());
    response.result = ldap_result(ResultCode::kOperationsError, "the directory could not be read");
    return outcome;
  }
  if (!entry->has_value() || !is_person(**entry)) {
    response.result = ldap_result(ResultCode::kInvalidCredentials, "no nhsPerson entry " + *dn + " for this certificate");
    return outcome;
  }

  response.result = ldap_result(ResultCode::kSuccess);
  outcome.new_identity = engine::Identity{*dn, name->normalised, false};
  return outcome;
}

}  // namespace careid::directory::server
