#include "federation/identity/directory_identity_source.h"

#include <algorithm>
#include <cctype>

#include "directory/dn/dn.h"
#include "pki/certificate_names.h"
#include "pki/digest.h"

namespace careid::federation {
namespace {

bool is_user_id(std::string_view uid) {
  return uid.size() == 12 && std::all_of(uid.begin(), uid.end(), [](char c) { return c >= '0' && c <= '9'; });
}

RoleProfile to_role_profile(const directory::Entry& entry) {
  RoleProfile role;
  role.id = std::string(entry.first_value("uniqueIdentifier"));
  role.dn = entry.dn;
  role.org_code = std::string(entry.first_value("nhsIDCode"));
  role.job_role_code = std::string(entry.first_value("nhsJobRoleCode"));
  role.job_role_name = std::string(entry.first_value("nhsJobRole"));
  return role;
}

// Escapes an RFC 4515 assertion value: every byte outside printable ASCII and the special
// characters '*', '(', ')' and '\' become \XX, so binary values such as DER certificates
// pass unchanged.
std::string escape_filter_value(std::string_view value) {
  static const char* hex = "0123456789abcdef";
  std::string escaped;
  for (unsigned char c : value) {
    bool special = c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c >= 0x7f;
    if (special) {
      escaped += '\\';
      escaped += hex[c >> 4];
      escaped += hex[c & 15];
    } else {
      escaped += static_cast<char>(c);
    }
  }
  return escaped;
}

// True when one of the entry's certificates is `der` as `match` compares them. Both
// comparisons repeat the equality search's result explicitly, so that a change of matching
// rule cannot let another certificate through.
Result<bool> contains_certificate(const directory::Entry& entry, std::string_view der, CertificateMatch match) {
  auto card_digest = pki::sha256(pki::as_bytes(der));
  if (!card_digest.ok()) {
    return card_digest.status();
  }
  for (std::string_view description : {"userCertificate;binary", "userCertificate"}) {
    const directory::Attribute* attribute = entry.find(description);
    for (std::size_t i = 0; attribute != nullptr && i < attribute->values.size(); ++i) {
      const std::string& stored = attribute->values[i];
      if (match == CertificateMatch::kSha256) {
        auto digest = pki::sha256(pki::as_bytes(stored));
        if (digest.ok() && *digest == *card_digest) {
          return true;
        }
        continue;
      }
      // A stored value that is not a certificate matches nothing.
      auto same = pki::same_issuer_and_serial(stored, der);
      if (same.ok() && *same) {
        return true;
      }
    }
  }
  return false;
}

// The person's own attributes, without role profiles.
Person person_fields(const directory::Entry& entry) {
  Person person;
  person.dn = entry.dn;
  person.uid = std::string(entry.first_value("uid"));
  person.cn = std::string(entry.first_value("cn"));
  person.given_name = std::string(entry.first_value("givenName"));
  person.surname = std::string(entry.first_value("sn"));
  person.mail = std::string(entry.first_value("mail"));
  return person;
}

bool has_object_class(const directory::Entry& entry, std::string_view object_class) {
  const directory::Attribute* classes = entry.find("objectClass");
  if (classes == nullptr) {
    return false;
  }
  return std::any_of(classes->values.begin(), classes->values.end(), [&](const std::string& value) {
    return value.size() == object_class.size() &&
           std::equal(value.begin(), value.end(), object_class.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  });
}

}  // namespace

DirectoryIdentitySource::DirectoryIdentitySource(const directory::engine::Directory& directory, std::string suffix,
                                                 std::chrono::seconds grant_ttl)
    : directory_(directory),
      people_base_("ou=People," + suffix),
      access_source_(directory, suffix),
      grant_cache_(access_source_, grant_ttl, kMaxCachedGrants) {}

Result<std::optional<Person>> DirectoryIdentitySource::find_person(std::string_view uid) {
  if (!is_user_id(uid)) {
    return std::optional<Person>();
  }

  // The uid is 12 digits, so it needs no RFC 4515 escaping.
  auto people = find_people("(&(objectClass=nhsPerson)(uid=" + std::string(uid) + "))");
  if (!people.ok()) {
    return people.status();
  }
  if (people->empty()) {
    return std::optional<Person>();
  }
  return std::optional<Person>(std::move(people->front()));
}

Result<std::optional<Person>> DirectoryIdentitySource::find_person_role(const Person& person,
                                                                        std::string_view role_id) {
  auto entry = directory_.read_entry(person.dn);
  if (!entry.ok()) {
    return entry.status();
  }
  if (!entry->has_value() || !has_object_class(**entry, "nhsPerson") ||
      (*entry)->first_value("uid") != person.uid) {
    return std::optional<Person>();
  }
  Person fresh = person_fields(**entry);

  auto offered = std::find_if(person.roles.begin(), person.roles.end(),
                              [&](const RoleProfile& role) { return role.id == role_id; });
  if (offered == person.roles.end() || offered->dn.empty()) {
    return std::optional<Person>(std::move(fresh));
  }
  auto role = read_active_role(*offered);
  if (!role.ok()) {
    return role.status();
  }
  if (role->has_value()) {
    fresh.roles.push_back(std::move(**role));
  }
  return std::optional<Person>(std::move(fresh));
}

// Reads the role profile entry at role.dn as add_role() does. Returns std::nullopt when the
// entry is gone, is no longer the same role profile, or is not active today.
Result<std::optional<RoleProfile>> DirectoryIdentitySource::read_active_role(const RoleProfile& role) {
  auto entry = directory_.read_entry(role.dn);
  if (!entry.ok()) {
    return entry.status();
  }
  if (!entry->has_value() || !has_object_class(**entry, "nhsOrgPersonRole") ||
      (*entry)->first_value("uniqueIdentifier") != role.id) {
    return std::optional<RoleProfile>();
  }
  rbac::RoleProfile dated = rbac::role_profile_from_entry(**entry);
  if (!rbac::inactive_reason(dated, rbac::today_utc()).empty()) {
    return std::optional<RoleProfile>();
  }
  RoleProfile fresh = to_role_profile(**entry);

  // The organisation name sits on the parent nhsOrgPerson entry.
  auto dn = directory::dn::Dn::parse(role.dn);
  if (!dn.ok()) {
    return dn.status();
  }
  auto org_person = directory_.read_entry(dn->parent().to_string());
  if (!org_person.ok()) {
    return org_person.status();
  }
  if (org_person->has_value() && has_object_class(**org_person, "nhsOrgPerson")) {
    fresh.org_name = std::string((*org_person)->first_value("o"));
  }

  auto grants = grant_cache_.grants(dated);
  if (!grants.ok()) {
    return grants.status();
  }
  fresh.activities = std::move(grants->activities);
  fresh.workgroups = std::move(grants->workgroups);
  return std::optional<RoleProfile>(std::move(fresh));
}

Result<std::optional<PasswordLoginAccount>> DirectoryIdentitySource::find_password_login(
    std::string_view uid) {
  if (!is_user_id(uid)) {
    return std::optional<PasswordLoginAccount>();
  }
  // The uid is 12 digits, so it needs no RFC 4515 escaping.
  auto entries = directory_.find(people_base_, true, "(&(objectClass=nhsPerson)(uid=" + std::string(uid) + "))");
  if (!entries.ok()) {
    return entries.status();
  }
  if (entries->size() != 1) {
    return std::optional<PasswordLoginAccount>();
  }

  // find() searches as the root DN, which the access policy denies careidTotpSecret, so the
  // entry is read again from the store itself.
  auto stored = directory_.read_entry(entries->front().dn);
  if (!stored.ok()) {
    return stored.status();
  }
  if (!stored->has_value()) {
    return std::optional<PasswordLoginAccount>();
  }
  const directory::Entry& entry = **stored;
  PasswordLoginAccount account;
  account.dn = entry.dn;
  const directory::Attribute* allowed = entry.find("careidPasswordLoginAllowed");
  account.allowed = allowed != nullptr && allowed->values.size() == 1 && allowed->values.front() == "TRUE";
  const directory::Attribute* secret = entry.find("careidTotpSecret");
  if (secret != nullptr && secret->values.size() == 1) {
    account.totp_secret = secret->values.front();
  }
  return std::optional<PasswordLoginAccount>(std::move(account));
}

Result<bool> DirectoryIdentitySource::check_password(std::string_view dn, std::string_view password) {
  directory::engine::Identity identity;
  directory::protocol::LdapResult result = directory_.bind_simple(dn, password, identity);
  return result.result_code == directory::ResultCode::kSuccess;
}

void DirectoryIdentitySource::record_login_failure(std::string_view dn) {
  directory_.record_authentication_failure(dn);
}

Result<std::vector<Person>> DirectoryIdentitySource::find_people_by_attribute(std::string_view attribute,
                                                                              std::string_view value) {
  bool plain_name = !attribute.empty() && std::all_of(attribute.begin(), attribute.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
  if (!plain_name) {
    return Status::invalid_argument("'" + std::string(attribute) + "' is not an attribute type name");
  }
  return find_people("(&(objectClass=nhsPerson)(" + std::string(attribute) + "=" + escape_filter_value(value) +
                     "))");
}

Result<std::vector<Person>> DirectoryIdentitySource::find_people_by_certificate(std::string_view der,
                                                                                CertificateMatch match) {
  // certificateExactMatch compares serial number and issuer (RFC 4523 2.5), so one
  // equality search finds the candidates of both modes, and contains_certificate then
  // applies the mode's own comparison. The filter leaves out ";binary": userCertificate
  // still selects the stored userCertificate;binary values (RFC 4512 2.5), and the search
  // planner uses an index only for descriptions without options.
  std::string filter = "(&(objectClass=nhsPerson)(userCertificate=" + escape_filter_value(der) + "))";
  auto entries = directory_.find(people_base_, true, filter);
  if (!entries.ok()) {
    return entries.status();
  }

  std::vector<Person> people;
  for (const directory::Entry& entry : *entries) {
    auto contains = contains_certificate(entry, der, match);
    if (!contains.ok()) {
      return contains.status();
    }
    if (*contains) {
      auto person = person_from_entry(entry);
      if (!person.ok()) {
        return person.status();
      }
      people.push_back(std::move(person).value());
    }
  }
  return people;
}

Result<std::vector<Person>> DirectoryIdentitySource::find_people(const std::string& filter) {
  auto entries = directory_.find(people_base_, true, filter);
  if (!entries.ok()) {
    return entries.status();
  }
  std::vector<Person> people;
  for (const directory::Entry& entry : *entries) {
    auto person = person_from_entry(entry);
    if (!person.ok()) {
      return person.status();
    }
    people.push_back(std::move(person).value());
  }
  return people;
}

Result<Person> DirectoryIdentitySource::person_from_entry(const directory::Entry& entry) {
  Person person = person_fields(entry);

  auto roles = directory_.find(entry.dn, false, "(objectClass=nhsOrgPersonRole)");
  if (!roles.ok()) {
    return roles.status();
  }
  // Role profiles sit below an nhsOrgPerson entry that carries the organisation name (`o`).
  auto org_people = directory_.find(entry.dn, false, "(objectClass=nhsOrgPerson)");
  if (!org_people.ok()) {
    return org_people.status();
  }
  for (const directory::Entry& role : *roles) {
    CAREID_RETURN_IF_ERROR(add_role(role, *org_people, person));
  }
  return person;
}

Status DirectoryIdentitySource::add_role(const directory::Entry& entry,
                                         const std::vector<directory::Entry>& org_people, Person& person) {
  rbac::RoleProfile dated = rbac::role_profile_from_entry(entry);
  if (!rbac::inactive_reason(dated, rbac::today_utc()).empty()) {
    return Status::ok_status();
  }

  RoleProfile profile = to_role_profile(entry);
  for (const directory::Entry& org_person : org_people) {
    bool is_parent = entry.dn.size() > org_person.dn.size() &&
                     entry.dn.compare(entry.dn.size() - org_person.dn.size(), std::string::npos, org_person.dn) == 0;
    if (is_parent) {
      profile.org_name = std::string(org_person.first_value("o"));
    }
  }

  auto grants = grant_cache_.grants(dated);
  if (!grants.ok()) {
    return grants.status();
  }
  profile.activities = std::move(grants->activities);
  profile.workgroups = std::move(grants->workgroups);
  person.roles.push_back(std::move(profile));
  return Status::ok_status();
}

}  // namespace careid::federation
