#include "federation/sso/card_login.h"

#include <algorithm>

namespace careid::federation::sso {

std::string_view login_outcome_name(LoginOutcome outcome) {
  switch (outcome) {
    case LoginOutcome::kSuccess:
      return "success";
    case LoginOutcome::kNoCertificate:
      return "no_certificate";
    case LoginOutcome::kCertificateInvalid:
      return "certificate_invalid";
    case LoginOutcome::kSubjectInvalid:
      return "subject_invalid";
    case LoginOutcome::kCardRevoked:
      return "card_revoked";
    case LoginOutcome::kCardSuspended:
      return "card_suspended";
    case LoginOutcome::kUnknownPerson:
      return "unknown_person";
    case LoginOutcome::kStoreError:
      return "store_error";
  }
  return "unknown";
}

bool is_nhs_uid(std::string_view uid) {
  if (uid.size() != 12) {
    return false;
  }
  return std::all_of(uid.begin(), uid.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<CardMapping> card_mapping_from_config(const CardLoginConfig& config) {
  const std::string& mapping = config.mapping;
  const std::string& san_type = config.san_type;
  const std::string& certificate_match = config.certificate_match;
  CardMapping result;
  if (mapping == "san") {
    result.mode = CardMappingMode::kSan;
  } else if (mapping == "directory_certificate") {
    result.mode = CardMappingMode::kDirectoryCertificate;
  } else if (mapping != "subject_cn") {
    return Status::invalid_argument("card_login.mapping: unknown mapping '" + mapping + "'");
  }
  if (san_type != "email" && san_type != "upn") {
    return Status::invalid_argument("card_login.san_type: unknown type '" + san_type + "'");
  }
  result.san_type = san_type == "upn" ? SanType::kUpn : SanType::kEmail;
  result.directory_attribute = config.directory_attribute;
  if (certificate_match != "sha256" && certificate_match != "issuer_serial") {
    return Status::invalid_argument("card_login.certificate_match: unknown match '" +
                                    certificate_match + "'");
  }
  result.certificate_match =
      certificate_match == "sha256" ? CertificateMatch::kSha256 : CertificateMatch::kIssuerSerial;
  return result;
}

namespace {

// The value the mapping searches for, or the failure when the certificate lacks it.
Result<std::string, LoginFailure> mapping_key(const PeerCertificate& card, const CardMapping& mapping) {
  switch (mapping.mode) {
    case CardMappingMode::kSubjectCn:
      if (card.common_names.size() != 1 || !is_nhs_uid(card.common_names.front())) {
        return LoginFailure{LoginOutcome::kSubjectInvalid,
                            "The certificate " + card.subject +
                                " does not name a user: its subject needs one CN of 12 digits.",
                            "", ""};
      }
      return card.common_names.front();
    case CardMappingMode::kSan: {
      bool upn = mapping.san_type == SanType::kUpn;
      const auto& values = upn ? card.user_principal_names : card.email_addresses;
      std::string_view kind = upn ? "user principal name (otherName UPN)" : "email address (rfc822Name)";
      if (values.size() != 1 || values.front().empty()) {
        return LoginFailure{LoginOutcome::kSubjectInvalid,
                            "The certificate " + card.subject + " does not name a user: it needs exactly one " +
                                std::string(kind) + " in its subject alternative names.",
                            "san_values=" + std::to_string(values.size()), ""};
      }
      return values.front();
    }
    case CardMappingMode::kDirectoryCertificate:
      if (card.der.empty() || card.sha256_fingerprint.empty()) {
        return LoginFailure{LoginOutcome::kSubjectInvalid,
                            "The certificate " + card.subject + " could not be read.", "", ""};
      }
      return card.sha256_fingerprint;
  }
  return LoginFailure{LoginOutcome::kSubjectInvalid, "Unknown certificate mapping.", "", ""};
}

// The revoked and suspended states come from the card registry, which the HTTPS layer read.
std::optional<LoginFailure> revocation_failure(const PeerCertificate& card) {
  // The certificate still verifies until it expires, so the registry's word comes first.
  if (card.revocation.state == pki::CardState::kRevoked) {
    std::string reason(pki::revocation_reason_name(card.revocation.reason));
    return LoginFailure{LoginOutcome::kCardRevoked,
                        "This smartcard (certificate serial " + card.serial_hex +
                            ") has been revoked and can no longer be used to sign in. Ask your "
                            "Registration Authority for a new card.",
                        "serial=" + card.serial_hex + " reason=" + reason, ""};
  }
  if (card.revocation.state == pki::CardState::kOnHold) {
    return LoginFailure{LoginOutcome::kCardSuspended,
                        "This smartcard (certificate serial " + card.serial_hex +
                            ") is suspended. Ask your Registration Authority to resume it, then "
                            "sign in again.",
                        "serial=" + card.serial_hex + " reason=certificateHold", ""};
  }
  return std::nullopt;
}

Result<std::vector<Person>> look_up(const PeerCertificate& card, const CardMapping& mapping,
                                    const std::string& key, IdentitySource& source) {
  switch (mapping.mode) {
    case CardMappingMode::kSubjectCn: {
      Result<std::optional<Person>> found = source.find_person(key);
      if (!found.ok()) {
        return found.status();
      }
      std::vector<Person> people;
      if (found->has_value()) {
        people.push_back(std::move(**found));
      }
      return people;
    }
    case CardMappingMode::kSan:
      return source.find_people_by_attribute(mapping.directory_attribute, key);
    case CardMappingMode::kDirectoryCertificate:
      return source.find_people_by_certificate(card.der, mapping.certificate_match);
  }
  return Status::internal("unknown certificate mapping");
}

}  // namespace

Result<std::string, LoginFailure> check_card_certificate(const PeerCertificate& card,
                                                         const CardMapping& mapping) {
  if (!card.present) {
    return LoginFailure{LoginOutcome::kNoCertificate,
                        "No smartcard certificate was presented. Insert your NHS smartcard, "
                        "then reload the page and choose the card's certificate.",
                        "", ""};
  }

  // Fail closed. The handshake lets every certificate through so that the 403 page can
  // explain the refusal, so an unverified chain must stop here.
  if (!card.verified) {
    std::string why = card.verify_error.empty() ? "verification failed" : card.verify_error;
    return LoginFailure{LoginOutcome::kCertificateInvalid,
                        "The certificate " + card.subject +
                            " is not a valid careid smartcard certificate: " + why + ".",
                        why, ""};
  }

  Result<std::string, LoginFailure> key = mapping_key(card, mapping);
  if (!key.ok()) {
    return key.error();
  }
  if (std::optional<LoginFailure> revoked = revocation_failure(card)) {
    revoked->mapped_by = *key;
    return *revoked;
  }
  return key;
}

Result<Person, LoginFailure> identify_card_holder(const PeerCertificate& card,
                                                  IdentitySource& source,
                                                  const CardMapping& mapping) {
  Result<std::string, LoginFailure> key = check_card_certificate(card, mapping);
  if (!key.ok()) {
    return key.error();
  }

  Result<std::vector<Person>> people = look_up(card, mapping, *key, source);
  if (!people.ok()) {
    return LoginFailure{LoginOutcome::kStoreError,
                        "The directory is unavailable. Try again in a few minutes.",
                        people.status().to_string(), *key};
  }
  if (people->size() != 1) {
    // Two people with one certificate or address is a registration error; neither may sign in.
    return LoginFailure{LoginOutcome::kUnknownPerson,
                        people->empty() ? "The card holder " + *key + " is not registered in the directory."
                                        : "The card holder " + *key +
                                              " matches more than one person in the directory. Ask your "
                                              "Registration Authority to correct the registration.",
                        "matches=" + std::to_string(people->size()), *key};
  }
  return std::move(people->front());
}

}  // namespace careid::federation::sso
