// Card login: who is behind a smartcard TLS client certificate.
//
// The HTTPS layer verifies the certificate chain during the TLS handshake against the card
// CA and hands the outcome over as a PeerCertificate. identify_card_holder() turns that into
// a directory Person or into a LoginFailure whose reason is safe to show on the 403 page.
// Nothing here touches OpenSSL or HTTP.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/status.h"
#include "federation/sso/identity_source.h"
#include "pki/card_registry.h"

namespace careid::federation::sso {

// The client certificate of one TLS connection, as the handshake left it.
struct PeerCertificate {
  bool present = false;
  // True only when the chain verified against the card CA with X509_V_OK: signature,
  // validity period and the clientAuth purpose.
  bool verified = false;
  // OpenSSL's reason when `verified` is false, e.g. "certificate has expired".
  std::string verify_error;
  // Subject in RFC 2253 form, for logs and the 403 page.
  std::string subject;
  // Every commonName value of the subject, in certificate order, as UTF-8.
  std::vector<std::string> common_names;
  // The subjectAltName rfc822Name and otherName userPrincipalName values, in order.
  std::vector<std::string> email_addresses;
  std::vector<std::string> user_principal_names;
  // The DER certificate, for the directory_certificate mapping.
  std::string der;
  // SHA-256 of the DER certificate in lower-case hex; binds SSO sessions to the card.
  std::string sha256_fingerprint;
  // Serial number in lower-case hex without leading zeros (pki::normalize_serial_hex).
  std::string serial_hex;
  // The card's revocation state from pki::RevocationCache, set per request by the HTTPS
  // layer. kGood when no cache is configured.
  pki::CardStatus revocation{pki::CardState::kGood, pki::RevocationReason::kUnspecified, std::nullopt};
};

enum class LoginOutcome {
  kSuccess,
  kNoCertificate,       // the client sent no certificate
  kCertificateInvalid,  // not issued by the card CA, expired, wrong purpose, ...
  kSubjectInvalid,      // the certificate lacks the single name the mapping reads
  kCardRevoked,         // the card registry lists the certificate as revoked
  kCardSuspended,       // the card is on hold (certificateHold)
  kUnknownPerson,       // no person, or more than one, matches the certificate
  kStoreError,          // the directory could not be read
};

// Short stable name for logs: "success", "no_certificate", "certificate_invalid",
// "subject_invalid", "card_revoked", "card_suspended", "unknown_person", "store_error".
std::string_view login_outcome_name(LoginOutcome outcome);

struct LoginFailure {
  LoginOutcome outcome;
  // One or two sentences for the person at the browser. Contains no secrets, only the
  // certificate subject and the OpenSSL reason.
  std::string reason;
  // Detail for the log only, e.g. the store's error Status text.
  std::string log_detail;
  // The value the certificate was mapped by (uid, SAN value or SHA-256 fingerprint), for logs
  // and audit records. It is set once the certificate passed the mapping's name check.
  std::string mapped_by;
};

// The part of the certificate that names the person (the [card_login] configuration).
enum class CardMappingMode {
  kSubjectCn,             // the subject's single CN is the 12-digit uid (NHS profile)
  kSan,                   // one subjectAltName value equals an attribute of one person
  kDirectoryCertificate,  // the certificate is stored in one person's userCertificate;binary
};

enum class SanType { kEmail, kUpn };

struct CardMapping {
  CardMappingMode mode = CardMappingMode::kSubjectCn;
  SanType san_type = SanType::kEmail;
  std::string directory_attribute = "mail";  // with kSan
  CertificateMatch certificate_match = CertificateMatch::kSha256;  // with kDirectoryCertificate
};

// Converts the [card_login] section; kInvalidArgument names an unknown value.
Result<CardMapping> card_mapping_from_config(const CardLoginConfig& config);

// Returns true when `uid` is exactly 12 ASCII digits, the NHS user id form.
bool is_nhs_uid(std::string_view uid);

// Runs every check of identify_card_holder that needs no directory: the certificate is
// present, verified, not revoked, not suspended and carries the name that `mapping` reads.
// Returns that name (the uid with kSubjectCn).
Result<std::string, LoginFailure> check_card_certificate(const PeerCertificate& card,
                                                         const CardMapping& mapping = {});

// Finds the directory person for the card certificate by `mapping`. With the default
// (NHS profile: O=nhs, OU=people, CN=<12-digit uid>) the subject's one CN must be 12 digits.
// With kSan the certificate must carry exactly one SAN value of the configured type, and
// with kDirectoryCertificate the certificate itself is searched for. Fails closed: anything
// but a present, verified, not revoked and not suspended certificate that maps to exactly
// one person is a failure. Searches the source at most once.
Result<Person, LoginFailure> identify_card_holder(const PeerCertificate& card,
                                                  IdentitySource& source,
                                                  const CardMapping& mapping = {});

}  // namespace careid::federation::sso
