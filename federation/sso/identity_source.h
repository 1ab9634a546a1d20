// IdentitySource: how the federation layer reads people from the directory.
//
// careidd implements it over the directory store; tests may implement it over a
// fixed list. Implementations must be safe to call from several threads at once and
// must not block for long: they read from a memory-mapped store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::federation {

// One RBAC activity a role grants, e.g. {"B0825", "Amend Patient Demographics"}.
struct RoleActivity {
  std::string code;  // B-code
  std::string name;  // empty when the activity is not in the directory's activity list
};

// One role profile (an nhsOrgPersonRole entry) of a person.
struct RoleProfile {
  std::string id;             // uniqueIdentifier of the role profile entry
  std::string org_code;       // ODS code of the organisation (nhsIDCode)
  std::string job_role_code;  // nhsJobRoleCode in S:G:R form, e.g. "S8000:G8000:R8000"
  std::string job_role_name;  // nhsJobRole, e.g. "Clinical Practitioner Access Role"
  std::string org_name;       // the organisation's name (`o`); may be empty
  // The effective activities: the job role's baseline and the position's extras, with every
  // activity they include, sorted by code.
  std::vector<RoleActivity> activities;
  std::vector<std::string> workgroups;  // the position's workgroups; empty for a bare job role
  std::string dn = {};  // DN of the role profile entry; empty from sources that do not read one
};

struct Person {
  std::string dn;   // e.g. uid=555000000001,ou=People,o=nhs
  std::string uid;  // 12-digit user id (UUID in Spine terms)
  std::string cn;
  std::string given_name;  // givenName; may be empty
  std::string surname;     // sn; may be empty
  std::string mail;
  std::vector<RoleProfile> roles;
};

// The comparison of a card certificate with the certificates stored in the directory.
enum class CertificateMatch {
  kSha256,        // the same DER bytes, checked by their SHA-256
  kIssuerSerial,  // the same issuer name and serial number (RFC 5280 4.1.2.2)
};

// The entry data that the password + TOTP login reads for one person (federation/sso/password_login.h).
struct PasswordLoginAccount {
  std::string dn;
  bool allowed = false;     // careidPasswordLoginAllowed is TRUE
  std::string totp_secret;  // the raw careidTotpSecret bytes, empty when not enrolled; a secret
};

class IdentitySource {
 public:
  virtual ~IdentitySource() = default;

  // Returns the person with this uid, std::nullopt when there is none, or an error
  // Status when the store cannot be read.
  virtual Result<std::optional<Person>> find_person(std::string_view uid) = 0;

  // Reads `person` again, as find_person would return it, but with at most the one role
  // profile `role_id` of `person.roles`, and only while that role profile is still active.
  // Returns std::nullopt when the person is no longer in the directory, and the person
  // without roles when the role profile ended or is not one of `person.roles`. Lets the
  // role choice check a role without a new search. The default calls find_person.
  virtual Result<std::optional<Person>> find_person_role(const Person& person,
                                                         std::string_view role_id);

  // Returns the people whose `attribute` has a value equal to `value` under the attribute's
  // equality rule; the caller treats more than one as a failure. The default returns
  // kUnimplemented.
  virtual Result<std::vector<Person>> find_people_by_attribute(std::string_view attribute,
                                                               std::string_view value) {
    return Status::unimplemented("this identity source cannot search by attribute");
  }

  // Returns the people whose userCertificate;binary contains the DER certificate `der`,
  // compared by `match`. The default returns kUnimplemented.
  virtual Result<std::vector<Person>> find_people_by_certificate(std::string_view der,
                                                                 CertificateMatch match) {
    return Status::unimplemented("this identity source cannot search by certificate");
  }

  // Returns the password login facts of the person `uid`, std::nullopt when there is no
  // such person. The default returns kUnimplemented.
  virtual Result<std::optional<PasswordLoginAccount>> find_password_login(std::string_view uid) {
    return Status::unimplemented("this identity source has no password logins");
  }

  // Checks `password` for the entry `dn` as a simple bind does, counting a failure toward
  // the entry's lockout. Returns false for a wrong password and for a locked entry. The
  // default returns kUnimplemented.
  virtual Result<bool> check_password(std::string_view dn, std::string_view password) {
    return Status::unimplemented("this identity source cannot check passwords");
  }

  // Counts a failed second factor for the entry `dn` toward the same lockout as a failed
  // password. The default does nothing.
  virtual void record_login_failure(std::string_view dn) {}
};

}  // namespace careid::federation
