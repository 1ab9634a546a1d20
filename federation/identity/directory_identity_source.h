// DirectoryIdentitySource: the IdentitySource careidd uses, reading people and their role
// profiles from the LDAP directory in the Spine Directory layout:
//   uid=<uid>,ou=People,<suffix>                         nhsPerson
//     uniqueIdentifier=<id>,uid=<uid>,...                  nhsOrgPerson (one per organisation)
//       uniqueIdentifier=<id>,uniqueIdentifier=<id>,...      nhsOrgPersonRole (one per role)
// Only the role profiles active today (careidRoleStartDate, careidRoleEndDate) are returned,
// each with its effective RBAC activities and workgroups (RoleGrantCache).
#pragma once

#include <chrono>
#include <string>

#include "directory/engine/directory.h"
#include "federation/identity/directory_access_source.h"
#include "federation/identity/role_grants.h"
#include "federation/sso/identity_source.h"

namespace careid::federation {

class DirectoryIdentitySource : public IdentitySource {
 public:
  // `directory` must outlive this object. `suffix` is the naming context, e.g. "o=nhs".
  // A change to the RBAC catalogue or a position reaches logins within `grant_ttl`.
  DirectoryIdentitySource(const directory::engine::Directory& directory, std::string suffix,
                          std::chrono::seconds grant_ttl = kDefaultGrantTtl);

  static constexpr std::chrono::seconds kDefaultGrantTtl{60};
  // Bound on the (job role, position, areas of work) keys the grant cache keeps.
  static constexpr std::size_t kMaxCachedGrants = 10000;

  // Returns std::nullopt for a uid that is not 12 digits, without searching.
  Result<std::optional<Person>> find_person(std::string_view uid) override;

  // Reads the person's entry and the role profile's entry by their DNs, without searching,
  // and the organisation name from the role profile's parent entry.
  Result<std::optional<Person>> find_person_role(const Person& person,
                                                 std::string_view role_id) override;

  // Searches ou=People for nhsPerson entries with this attribute value. `attribute` must be
  // a plain attribute type name; the value is escaped (RFC 4515 3). Index the attribute
  // (ldap.indexed_attributes) when it is used for card logins.
  Result<std::vector<Person>> find_people_by_attribute(std::string_view attribute,
                                                       std::string_view value) override;

  // Runs one equality search on userCertificate, whose certificateExactMatch rule
  // compares serial number and issuer, so both matches use the userCertificate equality
  // index when ldap.indexed_attributes lists it. kSha256 then keeps only byte-identical
  // certificates, and kIssuerSerial compares issuer names as X509_NAME_cmp does.
  Result<std::vector<Person>> find_people_by_certificate(std::string_view der,
                                                         CertificateMatch match) override;

  // Reads careidPasswordLoginAllowed and careidTotpSecret of the nhsPerson `uid`.
  Result<std::optional<PasswordLoginAccount>> find_password_login(std::string_view uid) override;

  // Runs the directory's simple-bind password check (Argon2id or SSHA, lockout).
  Result<bool> check_password(std::string_view dn, std::string_view password) override;

  void record_login_failure(std::string_view dn) override;

 private:
  Result<std::vector<Person>> find_people(const std::string& filter);
  Result<Person> person_from_entry(const directory::Entry& entry);
  Result<std::optional<RoleProfile>> read_active_role(const RoleProfile& role);
  Status add_role(const directory::Entry& entry, const std::vector<directory::Entry>& org_people, Person& person);

  const directory::engine::Directory& directory_;
  std::string people_base_;
  DirectoryAccessSource access_source_;
  RoleGrantCache grant_cache_;
};

}  // namespace careid::federation
