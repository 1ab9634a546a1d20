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

Result<Person, LoginFailure> identify_card_holder(const PeerCertificate& card,
                                                  IdentitySource& source) {
  if (!card.present) {
    return LoginFailure{LoginOutcome::kNoCertificate,
                        "No smartcard certificate was presented. Insert your NHS smartcard, "
                        "then reload the page and choose the card's certificate.",
                        ""};
  }

  // Fail closed. The handshake lets every certificate through so that the 403 page can
  // explain the refusal, so an unverified chain must stop here.
  if (!card.verified) {
    std::string why = card.verify_error.empty() ? "verification failed" : card.verify_error;
    return LoginFailure{LoginOutcome::kCertificateInvalid,
                        "The certificate " + card.subject +
                            " is not a valid careid smartcard certificate: " + why + ".",
                        why};
  }

  if (card.common_names.size() != 1 || !is_nhs_uid(card.common_names.front())) {
    return LoginFailure{LoginOutcome::kSubjectInvalid,
                        "The certificate " + card.subject +
                            " does not name a user: its subject needs one CN of 12 digits.",
                        ""};
  }
  const std::string& uid = card.common_names.front();

  // The certificate still verifies until it expires, so the registry's word comes first.
  if (card.revocation.state == pki::CardState::kRevoked) {
    std::string reason(pki::revocation_reason_name(card.revocation.reason));
    return LoginFailure{LoginOutcome::kCardRevoked,
                        "This smartcard (certificate serial " + card.serial_hex +
                            ") has been revoked and can no longer be used to sign in. Ask your "
                            "Registration Authority for a new card.",
                        "serial=" + card.serial_hex + " reason=" + reason};
  }
  if (card.revocation.state == pki::CardState::kOnHold) {
    return LoginFailure{LoginOutcome::kCardSuspended,
                        "This smartcard (certificate serial " + card.serial_hex +
                            ") is suspended. Ask your Registration Authority to resume it, then "
                            "sign in again.",
                        "serial=" + card.serial_hex + " reason=certificateHold"};
  }

  Result<std::optional<Person>> found = source.find_person(uid);
  if (!found.ok()) {
    return LoginFailure{LoginOutcome::kStoreError,
                        "The directory is unavailable. Try again in a few minutes.",
                        found.status().to_string()};
  }
  if (!found->has_value()) {
    return LoginFailure{LoginOutcome::kUnknownPerson,
                        "The card holder " + uid + " is not registered in the directory.", ""};
  }
  return std::move(**found);
}

}  // namespace careid::federation::sso
