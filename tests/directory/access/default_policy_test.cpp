// The shipped access policy as a matrix: identities (anonymous, user, registration authority
// of organisation A, local admin, national admin, service account, root) against entries of
// organisations A and B, for each operation's privileges.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/access/policy.h"

namespace {

namespace access = careid::directory::access;
using careid::Result;
using careid::directory::Attribute;
using careid::directory::Entry;

// Lower-cases the DN: enough for the DNs below, which have no spaces or escapes.
Result<std::string> normalise(std::string_view dn) {
  std::string out(dn);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::shared_ptr<const access::Policy> default_policy() {
  auto policy = access::parse_policy(access::default_policy_text(), "default", normalise,
                                     [](std::string_view) { return true; });
  REQUIRE(policy.ok());
  return *policy;
}

access::Subject person(std::string dn, std::string role, std::string organisation) {
  access::Subject subject;
  subject.normalised_dn = *normalise(dn);
  if (!role.empty()) {
    subject.roles.push_back({std::move(role), std::move(organisation), {}});
  }
  return subject;
}

struct Targets {
  Entry person_a{"uid=100,ou=People,o=nhs", {{"objectClass", {"top", "person", "nhsPerson"}}, {"cn", {"A Person"}}}};
  Entry person_b{"uid=200,ou=People,o=nhs", {{"objectClass", {"top", "person", "nhsPerson"}}, {"cn", {"B Person"}}}};
  Entry new_person{"uid=300,ou=People,o=nhs", {{"objectClass", {"top", "person", "nhsPerson"}}, {"cn", {"New"}}}};
  Entry profile_a{"uniqueIdentifier=11,uniqueIdentifier=10,uid=100,ou=People,o=nhs",
                  {{"objectClass", {"top", "nhsOrgPersonRole"}}, {"nhsIDCode", {"A"}}}};
  Entry position_a{"cn=Ward Clerk,uniqueIdentifier=A,ou=Organisations,o=nhs",
                   {{"objectClass", {"top", "careidPosition"}}, {"careidOrgCode", {"A"}}}};
  Entry position_b{"cn=Ward Clerk,uniqueIdentifier=B,ou=Organisations,o=nhs",
                   {{"objectClass", {"top", "careidPosition"}}, {"careidOrgCode", {"B"}}}};
  Entry job_role{"uniqueIdentifier=R8000,ou=Job Roles,ou=Roles,o=nhs", {{"objectClass", {"top", "nhsRBACJR"}}}};

  access::Target target(const Entry& entry, std::vector<std::string> organisations) const {
    access::Target target;
    target.normalised_dn = *normalise(entry.dn);
    target.entry = &entry;
    target.set_organisations(std::move(organisations));
    return target;
  }
};

// What each operation needs, on the entry or on one attribute, as the engine requests it.
struct Operation {
  const char* name;
  const char* attribute;
  access::Privileges needed;
};

const Operation kRead{"read", "cn", access::kRead};
const Operation kSearch{"search", "entry", access::kSearch};
const Operation kCompare{"compare", "cn", access::kCompare};
const Operation kAdd{"add", "entry", access::kAdd};
const Operation kModify{"modify", "telephoneNumber", access::kAdd | access::kDelete};
const Operation kDelete{"delete", "entry", access::kDelete};
const Operation kRename{"rename", "entry", access::kAdd | access::kDelete};
const std::vector<Operation> kOperations = {kRead, kSearch, kCompare, kAdd, kModify, kDelete, kRename};

struct Identities {
  access::Subject anonymous;
  access::Subject user = person("uid=400,ou=People,o=nhs", "R8000", "A");
  access::Subject ra_a = person("uid=500,ou=People,o=nhs", "R5080", "A");
  access::Subject local_admin = person("uid=600,ou=People,o=nhs", "R5007", "A");
  access::Subject national_admin = [] {
    access::Subject subject = person("uid=700,ou=People,o=nhs", "R8000", "A");
    subject.groups.push_back("cn=national admins,o=nhs");
    return subject;
  }();
  access::Subject service = person("cn=Portal,ou=Services,o=nhs", "", "");
  access::Subject root = [] {
    access::Subject subject;
    subject.normalised_dn = "cn=admin,o=nhs";
    subject.is_root = true;
    return subject;
  }();
};

// Checks every operation: those in `allowed` must pass and all others must fail.
void check_row(const access::Policy& policy, const access::Subject& subject, const access::Target& target,
               const std::vector<std::string>& allowed) {
  for (const Operation& operation : kOperations) {
    const bool expected = std::find(allowed.begin(), allowed.end(), operation.name) != allowed.end();
    INFO(operation.name << " on " << target.normalised_dn << " decided by "
                        << policy.deciding_rule(subject, target, operation.attribute));
    CHECK(policy.allows(subject, target, operation.attribute, operation.needed) == expected);
  }
}

const std::vector<std::string> kReadOnly = {"read", "search", "compare"};
const std::vector<std::string> kEverything = {"read", "search", "compare", "add", "modify", "delete", "rename"};

}  // namespace

TEST_CASE("default policy anonymous row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.anonymous, t.target(t.person_a, {"A"}), {});
  check_row(*policy, subjects.anonymous, t.target(t.position_a, {"A"}), {});
  check_row(*policy, subjects.anonymous, t.target(t.job_role, {}), {});
  CHECK(policy->allows(subjects.anonymous, t.target(t.person_a, {"A"}), "userPassword", access::kAuth));
}

TEST_CASE("default policy user row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.user, t.target(t.person_a, {"A"}), kReadOnly);
  check_row(*policy, subjects.user, t.target(t.person_b, {"B"}), kReadOnly);
  check_row(*policy, subjects.user, t.target(t.position_a, {"A"}), kReadOnly);
  CHECK_FALSE(policy->allows(subjects.user, t.target(t.person_a, {"A"}), "nhsPersonStatus", access::kRead));
}

TEST_CASE("default policy self reads own entry", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  access::Subject self = person("uid=100,ou=People,o=nhs", "R8000", "A");
  CHECK(policy->allows(self, t.target(t.person_a, {"A"}), "nhsPersonStatus", access::kRead));
  CHECK(policy->allows(self, t.target(t.profile_a, {"A"}), "nhsJobRoleCode", access::kRead));
  CHECK_FALSE(policy->allows(self, t.target(t.person_a, {"A"}), "cn", access::kAdd));
  CHECK(policy->allows(self, t.target(t.person_a, {"A"}), "userPassword", access::kAdd | access::kDelete));
}

TEST_CASE("default policy registration authority row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.ra_a, t.target(t.person_a, {"A"}), kEverything);
  check_row(*policy, subjects.ra_a, t.target(t.profile_a, {"A"}), kEverything);
  check_row(*policy, subjects.ra_a, t.target(t.new_person, {}), kEverything);
  check_row(*policy, subjects.ra_a, t.target(t.person_b, {"B"}), kReadOnly);
  check_row(*policy, subjects.ra_a, t.target(t.position_a, {"A"}), kReadOnly);
  CHECK(policy->allows(subjects.ra_a, t.target(t.person_a, {"A"}), "userCertificate;binary", access::kAdd));
  CHECK_FALSE(policy->allows(subjects.ra_a, t.target(t.person_b, {"B"}), "userCertificate;binary", access::kAdd));
  CHECK_FALSE(policy->allows(subjects.ra_a, t.target(t.person_a, {"A"}), "pwdAccountLockedTime", access::kDelete));
}

TEST_CASE("default policy local admin row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.local_admin, t.target(t.position_a, {"A"}), kEverything);
  check_row(*policy, subjects.local_admin, t.target(t.position_b, {"B"}), kReadOnly);
  check_row(*policy, subjects.local_admin, t.target(t.person_a, {"A"}), kReadOnly);
}

TEST_CASE("default policy national admin row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.national_admin, t.target(t.job_role, {}), kEverything);
  check_row(*policy, subjects.national_admin, t.target(t.person_b, {"B"}), kReadOnly);
  check_row(*policy, subjects.user, t.target(t.job_role, {}), kReadOnly);
}

TEST_CASE("default policy service account row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.service, t.target(t.person_a, {"A"}), kReadOnly);
  check_row(*policy, subjects.service, t.target(t.position_a, {"A"}), {});
  check_row(*policy, subjects.service, t.target(t.job_role, {}), {});
  CHECK_FALSE(policy->allows(subjects.service, t.target(t.person_a, {"A"}), "telephoneNumber", access::kRead));
}

TEST_CASE("default policy root row", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  check_row(*policy, subjects.root, t.target(t.person_b, {"B"}), kEverything);
  check_row(*policy, subjects.root, t.target(t.job_role, {}), kEverything);
}

TEST_CASE("userPassword never readable", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  for (const access::Subject* subject : {&subjects.anonymous, &subjects.user, &subjects.ra_a, &subjects.root}) {
    INFO(subject->normalised_dn);
    CHECK(policy->allows(*subject, t.target(t.person_a, {"A"}), "userPassword", access::kAuth));
    CHECK_FALSE(policy->allows(*subject, t.target(t.person_a, {"A"}), "userPassword", access::kRead));
    CHECK_FALSE(policy->allows(*subject, t.target(t.person_a, {"A"}), "userPassword", access::kSearch));
    CHECK_FALSE(policy->allows(*subject, t.target(t.person_a, {"A"}), "userPassword", access::kCompare));
  }
}

TEST_CASE("TOTP secret never readable", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  access::Subject self = person("uid=100,ou=People,o=nhs", "R8000", "A");
  for (const access::Subject* subject : {&subjects.anonymous, &subjects.user, &self, &subjects.ra_a, &subjects.service, &subjects.root}) {
    INFO(subject->normalised_dn);
    access::Target target = t.target(t.person_a, {"A"});
    CHECK_FALSE(policy->allows(*subject, target, "careidTotpSecret", access::kRead));
    CHECK_FALSE(policy->allows(*subject, target, "careidTotpSecret", access::kSearch));
    CHECK_FALSE(policy->allows(*subject, target, "careidTotpSecret", access::kCompare));
    CHECK_FALSE(policy->allows(*subject, target, "careidTotpSecret", access::kAuth));
  }
  // Only root may write it, and a user may not allow their own password login.
  CHECK(policy->allows(subjects.root, t.target(t.person_a, {"A"}), "careidTotpSecret", access::kAdd));
  CHECK_FALSE(policy->allows(self, t.target(t.person_a, {"A"}), "careidTotpSecret", access::kAdd));
  CHECK_FALSE(policy->allows(subjects.ra_a, t.target(t.person_a, {"A"}), "careidTotpSecret", access::kAdd));
  CHECK_FALSE(policy->allows(self, t.target(t.person_a, {"A"}), "careidPasswordLoginAllowed", access::kAdd));
}

TEST_CASE("shared target matches fresh targets", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  const std::vector<const char*> attributes = {"entry", "cn", "userPassword", "telephoneNumber", "pwdFailureTime",
                                               "careidTotpSecret", "nhsIDCode", "description"};
  const std::vector<access::Privileges> levels = {access::kRead, access::kSearch, access::kAdd | access::kDelete,
                                                  access::kAuth};
  // The target remembers rule outcomes per subject, so a shared target must give what a
  // fresh one gives, whichever subject or attribute came before.
  access::Target shared = t.target(t.person_a, {"A"});
  for (int pass = 0; pass < 2; ++pass) {
    for (const access::Subject* subject : {&subjects.user, &subjects.ra_a, &subjects.anonymous, &subjects.service}) {
      for (const char* attribute : attributes) {
        for (access::Privileges needed : levels) {
          INFO(subject->normalised_dn << " " << attribute << " " << needed);
          CHECK(policy->allows(*subject, shared, attribute, needed) ==
                policy->allows(*subject, t.target(t.person_a, {"A"}), attribute, needed));
        }
      }
    }
  }
}

TEST_CASE("organisations looked up once, lazily", "[directory][access]") {
  auto policy = default_policy();
  Targets t;
  Identities subjects;
  int lookups = 0;
  access::Target target;
  target.normalised_dn = *normalise(t.person_a.dn);
  target.entry = &t.person_a;
  target.find_organisations = [&lookups] {
    ++lookups;
    return std::vector<std::string>{"A"};
  };

  // A user with no registration role reads public attributes without the lookup.
  CHECK(policy->allows(subjects.user, target, "cn", access::kRead));
  CHECK(policy->allows(subjects.user, target, "entry", access::kSearch));
  CHECK(lookups == 0);

  // A registration authority at A writes there; the organisations are looked up once.
  CHECK(policy->allows(subjects.ra_a, target, "telephoneNumber", access::kAdd | access::kDelete));
  CHECK(policy->allows(subjects.ra_a, target, "cn", access::kAdd));
  CHECK(lookups == 1);
}

TEST_CASE("policy file errors name rule", "[directory][access]") {
  auto any = [](std::string_view) { return true; };
  auto parse = [&](std::string_view text) { return access::parse_policy(text, "test.toml", normalise, any); };

  auto bad_level = parse("[[rule]]\nname = \"x\"\ngrant = \"everything\"\n");
  REQUIRE_FALSE(bad_level.ok());
  CHECK_THAT(bad_level.status().message(), Catch::Contains("test.toml rule 1 (x): grant is 'everything'"));

  auto unknown_key = parse("[[rule]]\ngrant = \"read\"\nwho_is = \"self\"\n");
  REQUIRE_FALSE(unknown_key.ok());
  CHECK_THAT(unknown_key.status().message(), Catch::Contains("who_is is not a rule key"));

  auto bad_filter = parse("[[rule]]\ngrant = \"read\"\nfilter = \"(cn=\"\n");
  REQUIRE_FALSE(bad_filter.ok());
  CHECK_THAT(bad_filter.status().message(), Catch::Contains("filter is not an RFC 4515 filter"));

  auto lone_organisation = parse("[[rule]]\ngrant = \"read\"\nat_target_organisation = true\n");
  REQUIRE_FALSE(lone_organisation.ok());
  CHECK_THAT(lone_organisation.status().message(), Catch::Contains("needs job_roles or activities"));

  auto not_toml = parse("[[rule]\n");
  REQUIRE_FALSE(not_toml.ok());
  CHECK_THAT(not_toml.status().message(), Catch::Contains("is not valid TOML"));
}

TEST_CASE("first matching rule decides", "[directory][access]") {
  auto policy = access::parse_policy(
      "[[rule]]\nname = \"deny-phone\"\nattributes = [\"telephoneNumber\"]\ngrant = \"none\"\n"
      "[[rule]]\nname = \"all-read\"\nwho = \"authenticated\"\ngrant = \"read\"\n",
      "test.toml", normalise, [](std::string_view) { return true; });
  REQUIRE(policy.ok());
  Targets t;
  access::Subject user = person("uid=400,ou=People,o=nhs", "", "");
  CHECK_FALSE((*policy)->allows(user, t.target(t.person_a, {}), "telephoneNumber", access::kRead));
  CHECK((*policy)->allows(user, t.target(t.person_a, {}), "cn", access::kRead));
  CHECK((*policy)->deciding_rule(user, t.target(t.person_a, {}), "telephoneNumber") == "deny-phone");
}
