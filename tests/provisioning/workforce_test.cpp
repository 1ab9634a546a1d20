#include "provisioning/workforce.h"

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

#include <catch2/catch.hpp>

#include "provisioning/demo_directory.h"
#include "test_files.h"

namespace careid::provisioning {
namespace {

const ReferenceData& reference_data() {
  static const ReferenceData data = [] {
    auto loaded = load_reference_data(ReferenceFiles::in_directory(testing::reference_directory()));
    REQUIRE(loaded.ok());
    return std::move(loaded).value();
  }();
  return data;
}

std::vector<directory::Entry> generate(std::uint64_t people, std::uint64_t seed) {
  std::vector<directory::Entry> entries;
  WorkforceOptions options;
  options.people = people;
  options.seed = seed;
  const ReferenceData& data = reference_data();
  auto counts = generate_workforce(data.job_roles, data.trusts, data.gp_practices, options,
                                   [&](const directory::Entry& entry) {
                                     entries.push_back(entry);
                                     return Status::ok_status();
                                   });
  REQUIRE(counts.ok());
  return entries;
}

std::string parent_dn(const std::string& dn) {
  std::size_t comma = dn.find(',');
  return comma == std::string::npos ? std::string() : dn.substr(comma + 1);
}

bool is_twelve_digits(std::string_view id) {
  return id.size() == 12 && id.find_first_not_of("0123456789") == std::string_view::npos;
}

bool has_object_class(const directory::Entry& entry, std::string_view object_class) {
  const directory::Attribute* classes = entry.find("objectClass");
  if (classes == nullptr) {
    return false;
  }
  for (const std::string& value : classes->values) {
    if (directory::equals_ignore_case(value, object_class)) {
      return true;
    }
  }
  return false;
}

TEST_CASE("workforce demo person comes first", "[provisioning][workforce]") {
  std::vector<directory::Entry> entries = generate(10, 1);
  REQUIRE(entries.size() >= 5);

  CHECK(entries[0].dn == "uid=555000000001,ou=People,o=nhs");
  CHECK(entries[0].first_value("cn") == "Demo Doctor");
  CHECK(entries[1].dn == "uniqueIdentifier=555000000002,uid=555000000001,ou=People,o=nhs");
  CHECK(entries[1].first_value("nhsIDCode") == "R0A");
  CHECK(entries[1].first_value("o") == "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST");
  CHECK(entries[2].dn ==
        "uniqueIdentifier=555000000003,uniqueIdentifier=555000000002,uid=555000000001,ou=People,o=nhs");
  CHECK(entries[2].first_value("nhsJobRoleCode") == "S8000:G8000:R8000");
  CHECK(entries[2].first_value("nhsJobRole") ==
        "\"Clinical\":\"Clinical Provision\":\"Clinical Practitioner Access Role\"");
  CHECK(entries[2].first_value("nhsIDCode") == "R0A");
  CHECK(entries[3].first_value("nhsIDCode") == "A81001");
  CHECK(entries[4].dn ==
        "uniqueIdentifier=555000000005,uniqueIdentifier=555000000004,uid=555000000001,ou=People,o=nhs");
  CHECK(entries[4].first_value("nhsJobRoleCode") == "S8000:G8000:R8000");
  CHECK(entries[4].first_value("nhsIDCode") == "A81001");
}

TEST_CASE("workforce same seed same entries", "[provisioning][workforce]") {
  std::vector<directory::Entry> first = generate(500, 42);
  std::vector<directory::Entry> second = generate(500, 42);
  REQUIRE(first.size() == second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    REQUIRE(first[i].dn == second[i].dn);
    REQUIRE(first[i].attributes.size() == second[i].attributes.size());
    for (std::size_t a = 0; a < first[i].attributes.size(); ++a) {
      CHECK(first[i].attributes[a].values == second[i].attributes[a].values);
    }
  }

  std::vector<directory::Entry> other = generate(500, 43);
  CHECK(other[5].dn != first[5].dn);
}

TEST_CASE("workforce first uid fixed for seed", "[provisioning][workforce]") {
  // 10^11 + (SplitMix64(1).next() mod 9 * 10^11), computed independently. A change here means
  // the same seed no longer rebuilds the same directory.
  std::vector<directory::Entry> entries = generate(1, 1);
  REQUIRE(entries.size() > 5);
  CHECK(entries[5].dn == "uid=679200822465,ou=People,o=nhs");
}

TEST_CASE("workforce DNs unique and ordered", "[provisioning][workforce]") {
  std::vector<directory::Entry> entries = generate(2000, 7);
  std::unordered_set<std::string> seen{std::string(kPeopleDn)};
  for (const directory::Entry& entry : entries) {
    INFO(entry.dn);
    CHECK(seen.count(parent_dn(entry.dn)) == 1);  // parent came earlier
    CHECK(seen.insert(entry.dn).second);
  }
}

TEST_CASE("workforce ids are twelve digits", "[provisioning][workforce]") {
  std::vector<directory::Entry> entries = generate(2000, 7);
  std::set<std::string> ids;
  for (const directory::Entry& entry : entries) {
    INFO(entry.dn);
    if (has_object_class(entry, "nhsPerson")) {
      CHECK(is_twelve_digits(entry.first_value("uid")));
      CHECK(ids.insert(std::string(entry.first_value("uid"))).second);
    } else {
      CHECK(is_twelve_digits(entry.first_value("uniqueIdentifier")));
      CHECK(ids.insert(std::string(entry.first_value("uniqueIdentifier"))).second);
    }
  }
}

TEST_CASE("workforce uses only reference codes", "[provisioning][workforce]") {
  const ReferenceData& data = reference_data();
  std::set<std::string> open_orgs;
  for (const auto* list : {&data.trusts, &data.gp_practices}) {
    for (const Organisation& org : *list) {
      if (org.is_open()) {
        open_orgs.insert(org.ods_code);
      }
    }
  }
  std::set<std::string> role_codes;
  for (const JobRole& role : data.job_roles.roles) {
    role_codes.insert(role.full_code());
  }

  std::map<std::size_t, std::size_t> orgs_per_person;
  std::size_t current_orgs = 0;
  for (const directory::Entry& entry : generate(3000, 9)) {
    INFO(entry.dn);
    if (has_object_class(entry, "nhsPerson")) {
      if (current_orgs > 0) {
        ++orgs_per_person[current_orgs];
      }
      current_orgs = 0;
    } else if (has_object_class(entry, "nhsOrgPerson")) {
      ++current_orgs;
      CHECK(open_orgs.count(std::string(entry.first_value("nhsIDCode"))) == 1);
    } else {
      CHECK(role_codes.count(std::string(entry.first_value("nhsJobRoleCode"))) == 1);
      CHECK(open_orgs.count(std::string(entry.first_value("nhsIDCode"))) == 1);
    }
  }
  ++orgs_per_person[current_orgs];

  CHECK(orgs_per_person[1] > 2 * (orgs_per_person[2] + orgs_per_person[3]));
  CHECK(orgs_per_person[2] > 0);
  CHECK(orgs_per_person[3] > 0);
}

TEST_CASE("workforce sink error stops generation", "[provisioning][workforce]") {
  const ReferenceData& data = reference_data();
  int calls = 0;
  auto counts = generate_workforce(data.job_roles, data.trusts, data.gp_practices, {},
                                   [&](const directory::Entry&) {
                                     return ++calls == 7 ? Status::io_error("disk full")
                                                         : Status::ok_status();
                                   });
  REQUIRE_FALSE(counts.ok());
  CHECK(counts.status().message() == "disk full");
  CHECK(calls == 7);
}

TEST_CASE("workforce rejects excessive size", "[provisioning][workforce]") {
  const ReferenceData& data = reference_data();
  WorkforceOptions options;
  options.people = kMaxWorkforcePeople + 1;
  auto counts = generate_workforce(data.job_roles, data.trusts, data.gp_practices, options,
                                   [](const directory::Entry&) { return Status::ok_status(); });
  REQUIRE_FALSE(counts.ok());
  CHECK(counts.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("workforce demo organisation missing", "[provisioning][workforce]") {
  const ReferenceData& data = reference_data();
  std::vector<Organisation> trusts;
  for (const Organisation& trust : data.trusts) {
    if (trust.ods_code != kDemoTrustCode) {
      trusts.push_back(trust);
    }
  }
  auto counts = generate_workforce(data.job_roles, trusts, data.gp_practices, {},
                                   [](const directory::Entry&) { return Status::ok_status(); });
  REQUIRE_FALSE(counts.ok());
  CHECK(counts.status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("workforce 100000 people timing", "[provisioning][workforce][slow]") {
  const ReferenceData& data = reference_data();
  WorkforceOptions options;
  options.people = 100'000;
  std::uint64_t entries = 0;
  auto start = std::chrono::steady_clock::now();
  auto counts = generate_workforce(data.job_roles, data.trusts, data.gp_practices, options,
                                   [&](const directory::Entry&) {
                                     ++entries;
                                     return Status::ok_status();
                                   });
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(counts.ok());
  CHECK(counts->people == 100'001);
  CHECK(entries == counts->people + counts->org_persons + counts->role_profiles);
  WARN("100000 people, " << entries << " entries in " << seconds << " s");
  CHECK(seconds < 60.0);  // a Debug build on a shared 2-core machine
}

TEST_CASE("demo directory summary counts", "[provisioning][workforce]") {
  DemoDirectoryOptions options;
  options.files = ReferenceFiles::in_directory(testing::reference_directory());
  options.workforce.people = 100;
  std::uint64_t entries = 0;
  std::vector<std::string> first_dns;
  auto summary = generate_demo_directory(options, [&](const directory::Entry& entry) {
    if (first_dns.size() < 7) {
      first_dns.push_back(entry.dn);
    }
    ++entries;
    return Status::ok_status();
  });
  REQUIRE(summary.ok());
  CHECK(summary->skeleton_entries == 6);
  CHECK(summary->job_roles == 392);
  CHECK(summary->job_roles_with_known_hierarchy == 4);
  CHECK(summary->trusts == 218);
  CHECK(summary->gp_practices == 6527);
  CHECK(summary->workforce.people == 101);
  CHECK(summary->total_entries == entries);
  CHECK(first_dns[0] == "o=nhs");
  CHECK(first_dns[6] == "uniqueIdentifier=R0010,ou=Job Roles,ou=Roles,o=nhs");
}

}  // namespace
}  // namespace careid::provisioning
