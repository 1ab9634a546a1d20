#include "provisioning/registration/registration.h"

#include <algorithm>
#include <cstdio>

#include "directory/dn/dn.h"
#include "provisioning/directory_entries.h"
#include "provisioning/workforce.h"

namespace careid::provisioning::registration {
namespace {

// Escapes a value for an LDAP filter (RFC 4515 3): '*', '(', ')', '\' and NUL as \XX.
std::string escape_filter_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "\\%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

bool has_class(const directory::Entry& entry, std::string_view name) {
  const directory::Attribute* classes = entry.find("objectClass");
  return classes && std::any_of(classes->values.begin(), classes->values.end(),
                                [&](const std::string& value) { return directory::equals_ignore_case(value, name); });
}

Status check_person_request(const PersonRequest& request) {
  if (request.given_name.empty() || request.surname.empty()) {
    return Status::invalid_argument("a given name and a surname are required");
  }
  if (request.mail.find('@') == std::string::npos) {
    return Status::invalid_argument("invalid mail address '" + request.mail + "'; expected name@domain");
  }
  if (request.identity_check_level < kMinIdentityCheckLevel || request.identity_check_level > kMaxIdentityCheckLevel) {
    return Status::invalid_argument("invalid identity check level " + std::to_string(request.identity_check_level) +
                                    "; use 1, 2 or 3");
  }
  if (!request.uid.empty() && !is_twelve_digit_id(request.uid)) {
    return Status::invalid_argument("invalid uid '" + request.uid + "'; expected 12 digits, or leave it out");
  }
  return Status::ok_status();
}

directory::Entry person_entry(const PersonRequest& request, const std::string& uid) {
  directory::Entry entry;
  entry.dn = person_dn(uid);
  for (const char* object_class :
       {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsPerson", "careidRegisteredPerson"}) {
    entry.add_value("objectClass", object_class);
  }
  entry.add_value("uid", uid);
  entry.add_value("cn", request.given_name + " " + request.surname);
  entry.add_value("sn", request.surname);
  entry.add_value("givenName", request.given_name);
  // NOTE: SDS does not publish the values of nhsPersonStatus; "Active" is assumed.
  entry.add_value("nhsPersonStatus", "Active");
  entry.add_value("mail", request.mail);
  entry.add_value("careidIdentityCheckLevel", std::to_string(request.identity_check_level));
  return entry;
}

// Finds the profile a rerun of `request` would have created; the key is organisation, job
// role, position and start date.
const directory::Entry* find_same_profile(const std::vector<directory::Entry>& entries, const std::string& full_code,
                                          const std::string& position_dn, const std::string& start) {
  for (const directory::Entry& entry : entries) {
    if (has_class(entry, "nhsOrgPersonRole") && entry.first_value("nhsJobRoleCode") == full_code &&
        directory::equals_ignore_case(entry.first_value("careidRolePosition"), position_dn) &&
        entry.first_value("careidRoleStartDate") == start) {
      return &entry;
    }
  }
  return nullptr;
}

}  // namespace

bool is_twelve_digit_id(std::string_view text) {
  return text.size() == 12 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Registrar::Registrar(LdapClient& client) : client_(client), random_(std::random_device{}()) {}

std::string Registrar::random_id() {
  std::uniform_int_distribution<std::uint64_t> digits(100'000'000'000ULL, 999'999'999'999ULL);
  while (true) {
    std::uint64_t value = digits(random_);
    if (value / 1000 != 555'000'000ULL) {  // not in the demo person's block
      return std::to_string(value);
    }
  }
}

Result<std::string> Registrar::allocate_id(std::string_view parent_dn, std::string_view rdn_type) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string id = random_id();
    auto existing = client_.read(std::string(rdn_type) + "=" + id + "," + std::string(parent_dn));
    if (!existing.ok()) {
      return existing.status();
    }
    if (!*existing) {
      return id;
    }
  }
  return Status::internal("could not find a free 12-digit id below " + std::string(parent_dn) + " in 8 tries");
}

// Returns the person entry, from memory for a person this Registrar added.
Result<directory::Entry> Registrar::read_person(const std::string& uid) {
  if (auto added = childless_people_.find(uid); added != childless_people_.end()) {
    return added->second;
  }
  auto person = client_.read(person_dn(uid));
  if (!person.ok()) {
    return person.status();
  }
  if (!*person) {
    return Status::not_found("no person with uid " + uid + "; register them first with careidctl person register");
  }
  return std::move(**person);
}

// Returns the person's org person and role profiles at `org_code`, in one search. A person
// this Registrar added has none.
Result<std::vector<directory::Entry>> Registrar::read_org_entries(const std::string& uid,
                                                                  const std::string& org_code) {
  if (childless_people_.contains(uid)) {
    return std::vector<directory::Entry>();
  }
  // NOTE: careidd plans this search from the objectClass and nhsIDCode indexes and then
  // checks the ancestors of every candidate, so for a person who exists it costs time in
  // proportion to the entries at the organisation, not below the person.
  return client_.search(person_dn(uid), Scope::kSubtree,
                        "(&(|(objectClass=nhsOrgPerson)(objectClass=nhsOrgPersonRole))(nhsIDCode=" +
                            escape_filter_value(org_code) + "))");
}

Result<std::optional<std::string>> Registrar::find_person_by_mail(std::string_view mail) {
  auto found = client_.search(kPeopleDn, Scope::kOneLevel,
                              "(&(objectClass=nhsPerson)(mail=" + escape_filter_value(mail) + "))", {"uid"});
  if (!found.ok()) {
    return found.status();
  }
  if (found->empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::string(found->front().first_value("uid")));
}

Result<std::string> Registrar::register_person(const PersonRequest& request) {
  CAREID_RETURN_IF_ERROR(check_person_request(request));

  auto same_mail = find_person_by_mail(request.mail);
  if (!same_mail.ok()) {
    return same_mail.status();
  }
  if (*same_mail) {
    return Status::already_exists("a person with mail " + request.mail + " is already registered as uid " +
                                  **same_mail + "; assign roles to that uid");
  }
  return add_person(request);
}

Result<PersonRegistration> Registrar::find_or_register_person(const PersonRequest& request) {
  CAREID_RETURN_IF_ERROR(check_person_request(request));

  auto same_mail = find_person_by_mail(request.mail);
  if (!same_mail.ok()) {
    return same_mail.status();
  }
  if (*same_mail) {
    return PersonRegistration{**same_mail, false};
  }
  auto uid = add_person(request);
  if (!uid.ok()) {
    return uid.status();
  }
  return PersonRegistration{*uid, true};
}

// Adds the person entry. The caller has checked the request and the mail.
Result<std::string> Registrar::add_person(const PersonRequest& request) {
  std::string uid = request.uid;
  if (uid.empty()) {
    auto allocated = allocate_id(kPeopleDn, "uid");
    if (!allocated.ok()) {
      return allocated.status();
    }
    uid = *allocated;
  }
  directory::Entry entry = person_entry(request, uid);
  Status added = client_.add(entry);
  if (added.code() == StatusCode::kAlreadyExists) {
    return Status::already_exists("uid " + uid + " is already registered; leave --uid out to allocate a new one");
  }
  CAREID_RETURN_IF_ERROR(added);
  childless_people_.insert_or_assign(uid, std::move(entry));
  return uid;
}

Result<Registrar::OrgInfo> Registrar::lookup_org(const std::string& code) {
  if (auto cached = orgs_.find(code); cached != orgs_.end()) {
    return cached->second;
  }
  auto entry = client_.read(organisation_dn(code));
  if (!entry.ok()) {
    return entry.status();
  }
  if (!*entry || !has_class(**entry, "nhsOrg")) {
    return Status::not_found("unknown organisation code '" + code + "'; use an ODS code listed under " +
                             std::string(kOrganisationsDn) + ", e.g. R0A");
  }
  OrgInfo info{std::string((*entry)->first_value("o"))};
  orgs_.emplace(code, info);
  return info;
}

Result<Registrar::JobRoleInfo> Registrar::lookup_job_role(const std::string& code) {
  if (auto cached = job_roles_.find(code); cached != job_roles_.end()) {
    return cached->second;
  }
  auto entry = client_.read(job_role_dn(code));
  if (!entry.ok()) {
    return entry.status();
  }
  if (!*entry || !has_class(**entry, "nhsRBACJR")) {
    return Status::not_found("unknown job role '" + code + "'; use an R-code listed under " +
                             std::string(kJobRolesDn) + ", e.g. R8000");
  }
  if ((*entry)->first_value("nhsStatus") == "Closed") {
    return Status::invalid_argument("job role " + code + " is closed; choose a current job role");
  }
  const directory::Entry& role = **entry;
  JobRole parts;
  parts.code = code;
  parts.name = std::string(role.first_value("nhsList3Name"));
  parts.staff_group_code = std::string(role.first_value("nhsList1Code"));
  parts.staff_group_name = std::string(role.first_value("nhsList1Name"));
  parts.job_group_code = std::string(role.first_value("nhsList2Code"));
  parts.job_group_name = std::string(role.first_value("nhsList2Name"));
  JobRoleInfo info{parts.full_code(), parts.full_name()};
  job_roles_.emplace(code, info);
  return info;
}

Result<rbac::Position> Registrar::lookup_position(const std::string& dn) {
  if (auto cached = positions_.find(dn); cached != positions_.end()) {
    return cached->second;
  }
  auto entry = client_.read(dn);
  if (!entry.ok()) {
    return entry.status();
  }
  if (!*entry || !has_class(**entry, "careidPosition")) {
    return Status::not_found("unknown position '" + dn + "'; create it with careidctl position create");
  }
  rbac::Position position = rbac::position_from_entry(**entry);
  positions_.emplace(dn, position);
  return position;
}

Result<Registrar::ResolvedRole> Registrar::resolve_role(const RoleRequest& request) {
  if (request.start && request.end && *request.end <= *request.start) {
    return Status::invalid_argument("end date " + rbac::format_iso_date(*request.end) +
                                    " is not after start date " + rbac::format_iso_date(*request.start) +
                                    "; a role profile needs at least one day");
  }
  if (request.job_role.empty() == request.position.empty()) {
    return Status::invalid_argument("give either a job role or a position, not both or neither");
  }

  // Resolve the position, whose organisation and base job role then apply.
  ResolvedRole resolved{request.org_code, {}, {}, ""};
  std::string job_role = request.job_role;
  if (!request.position.empty()) {
    bool is_dn = request.position.find('=') != std::string::npos;
    if (!is_dn && resolved.org_code.empty()) {
      return Status::invalid_argument("position name '" + request.position + "' needs the organisation code");
    }
    resolved.position_dn = is_dn ? request.position : rbac::position_dn(resolved.org_code, request.position);
    auto position = lookup_position(resolved.position_dn);
    if (!position.ok()) {
      return position.status();
    }
    if (!resolved.org_code.empty() && position->org_code != resolved.org_code) {
      return Status::invalid_argument("position " + resolved.position_dn + " belongs to organisation " +
                                      position->org_code + ", not " + resolved.org_code);
    }
    resolved.org_code = position->org_code;
    job_role = position->base_job_role;
  }

  auto org = lookup_org(resolved.org_code);
  if (!org.ok()) {
    return org.status();
  }
  resolved.org = *org;
  auto role = lookup_job_role(job_role);
  if (!role.ok()) {
    return role.status();
  }
  resolved.job_role = *role;
  return resolved;
}

Status Registrar::check_role(const RoleRequest& request) {
  auto resolved = resolve_role(request);
  return resolved.ok() ? Status::ok_status() : resolved.status();
}

Result<Assignment> Registrar::assign_role(const RoleRequest& request) {
  auto resolved = resolve_role(request);
  if (!resolved.ok()) {
    return resolved.status();
  }
  const std::string& org_code = resolved->org_code;
  const std::string& position_dn = resolved->position_dn;
  const OrgInfo* org = &resolved->org;
  const JobRoleInfo* role = &resolved->job_role;

  auto person = read_person(request.uid);
  if (!person.ok()) {
    return person.status();
  }
  auto existing = read_org_entries(request.uid, org_code);
  if (!existing.ok()) {
    return existing.status();
  }
  std::string start_text = request.start ? rbac::format_generalized_date(*request.start) : "";
  if (const directory::Entry* same = find_same_profile(*existing, role->full_code, position_dn, start_text)) {
    return Assignment{std::string(same->first_value("uniqueIdentifier")), same->dn, true};
  }

  // Below a person added by this Registrar nothing exists yet, so any id is free.
  const bool childless = childless_people_.erase(request.uid) > 0;
  std::string org_person_id;
  for (const directory::Entry& entry : *existing) {
    if (has_class(entry, "nhsOrgPerson")) {
      org_person_id = std::string(entry.first_value("uniqueIdentifier"));
    }
  }
  if (org_person_id.empty()) {
    auto id = childless ? Result<std::string>(random_id()) : allocate_id(person_dn(request.uid), "uniqueIdentifier");
    if (!id.ok()) {
      return id.status();
    }
    org_person_id = *id;
    directory::Entry org_person;
    org_person.dn = org_person_dn(org_person_id, request.uid);
    for (const char* object_class : {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsOrgPerson"}) {
      org_person.add_value("objectClass", object_class);
    }
    org_person.add_value("uniqueIdentifier", org_person_id);
    org_person.add_value("uid", request.uid);
    org_person.add_value("cn", std::string(person->first_value("cn")));
    org_person.add_value("sn", std::string(person->first_value("sn")));
    if (std::string_view given = person->first_value("givenName"); !given.empty()) {
      org_person.add_value("givenName", std::string(given));
    }
    org_person.add_value("o", org->name);
    org_person.add_value("nhsIDCode", org_code);
    CAREID_RETURN_IF_ERROR(client_.add(org_person));
  }

  auto profile_id = childless ? Result<std::string>(random_id())
                              : allocate_id(org_person_dn(org_person_id, request.uid), "uniqueIdentifier");
  if (!profile_id.ok()) {
    return profile_id.status();
  }
  directory::Entry profile;
  profile.dn = role_profile_dn(*profile_id, org_person_id, request.uid);
  for (const char* object_class : {"top", "nhsOrgPersonRole", "careidRoleProfile"}) {
    profile.add_value("objectClass", object_class);
  }
  profile.add_value("uniqueIdentifier", *profile_id);
  profile.add_value("nhsJobRole", role->full_name);
  profile.add_value("nhsJobRoleCode", role->full_code);
  profile.add_value("nhsIDCode", org_code);
  if (!position_dn.empty()) {
    profile.add_value("careidRolePosition", position_dn);
  }
  if (request.start) {
    profile.add_value("careidRoleStartDate", start_text);
  }
  if (request.end) {
    profile.add_value("careidRoleEndDate", rbac::format_generalized_date(*request.end));
  }
  CAREID_RETURN_IF_ERROR(client_.add(profile));
  return Assignment{*profile_id, profile.dn, false};
}

Status Registrar::end_role(std::string_view uid, std::string_view role_profile_id, rbac::Date end) {
  auto found = client_.search(person_dn(uid), Scope::kSubtree,
                              "(&(objectClass=nhsOrgPersonRole)(uniqueIdentifier=" +
                                  escape_filter_value(role_profile_id) + "))");
  if (!found.ok()) {
    return found.status();
  }
  if (found->empty()) {
    return Status::not_found("uid " + std::string(uid) + " has no role profile " + std::string(role_profile_id) +
                             "; list them with ldapsearch -b " + person_dn(uid) + " (objectClass=nhsOrgPersonRole)");
  }
  const directory::Entry& profile = found->front();
  rbac::RoleProfile facts = rbac::role_profile_from_entry(profile);
  if (facts.start && end <= *facts.start) {
    return Status::invalid_argument("end date " + rbac::format_iso_date(end) + " is not after the start date " +
                                    rbac::format_iso_date(*facts.start) + " of role profile " +
                                    std::string(role_profile_id));
  }
  std::vector<std::string> classes;
  if (!has_class(profile, "careidRoleProfile")) {
    // Profiles loaded from older data lack the auxiliary class that allows the date.
    const directory::Attribute* current = profile.find("objectClass");
    classes = current ? current->values : std::vector<std::string>{};
    classes.push_back("careidRoleProfile");
    CAREID_RETURN_IF_ERROR(client_.replace(profile.dn, "objectClass", classes));
  }
  return client_.replace(profile.dn, "careidRoleEndDate", {rbac::format_generalized_date(end)});
}

Result<std::string> Registrar::create_position(const rbac::Position& position) {
  if (position.name.empty()) {
    return Status::invalid_argument("a position needs a name");
  }
  auto org = lookup_org(position.org_code);
  if (!org.ok()) {
    return org.status();
  }
  auto role = lookup_job_role(position.base_job_role);
  if (!role.ok()) {
    return role.status();
  }

  // Activity codes must be imported ones, once any are imported.
  auto known = client_.search(rbac::kActivitiesDn, Scope::kOneLevel, "(objectClass=nhsRBACBF)", {"uniqueIdentifier"});
  if (!known.ok()) {
    return known.status();
  }
  for (const std::string& code : position.activities) {
    bool found = std::any_of(known->begin(), known->end(),
                             [&](const directory::Entry& entry) { return entry.first_value("uniqueIdentifier") == code; });
    if (!rbac::is_activity_code(code) || (!known->empty() && !found)) {
      return Status::invalid_argument("unknown activity code '" + code +
                                      "'; import it with careidctl rbac import or check the code");
    }
  }

  directory::Entry entry = rbac::position_entry(position);
  Status added = client_.add(entry);
  if (added.code() == StatusCode::kAlreadyExists) {
    return Status::already_exists("organisation " + position.org_code + " already has a position named \"" +
                                  position.name + "\"; choose another name");
  }
  CAREID_RETURN_IF_ERROR(added);
  return entry.dn;
}

Result<rbac::Catalogue> LdapAccessSource::read_catalogue() {
  // TODO: use the paged results control (RFC 2696). Without it, a non-root bind gets
  // sizeLimitExceeded here once the catalogue is larger than the server's size limit (500).
  auto entries = client_.search(kRolesDn, Scope::kSubtree,
                                "(|(objectClass=nhsRBACBF)(objectClass=nhsRBACAoW)(objectClass=nhsRBACBL))");
  if (!entries.ok()) {
    return entries.status();
  }
  return rbac::catalogue_from_entries(*entries);
}

Result<std::vector<rbac::RoleProfile>> LdapAccessSource::read_role_profiles(std::string_view uid) {
  auto person = client_.read(person_dn(uid));
  if (!person.ok()) {
    return person.status();
  }
  if (!*person) {
    return rbac::person_not_found(uid, kPeopleDn);
  }
  auto entries = client_.search(person_dn(uid), Scope::kSubtree, "(objectClass=nhsOrgPersonRole)");
  if (!entries.ok()) {
    return entries.status();
  }
  return rbac::role_profiles_from_entries(*entries);
}

Result<std::optional<rbac::Position>> LdapAccessSource::read_position(std::string_view dn) {
  auto entry = client_.read(dn);
  if (!entry.ok()) {
    return entry.status();
  }
  if (!*entry) {
    return std::optional<rbac::Position>();
  }
  return std::optional<rbac::Position>(rbac::position_from_entry(**entry));
}

}  // namespace careid::provisioning::registration
