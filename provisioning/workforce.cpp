#include "provisioning/workforce.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace careid::provisioning {
namespace {

// Common given names and surnames in England, combined at random so that the generated
// names are not meant to identify real people.
constexpr std::array<std::string_view, 40> kGivenNames = {
    "Olivia", "Amelia", "Isla",   "Ava",    "Mia",     "Grace",  "Sophie", "Emily",
    "Lily",   "Freya",  "Aisha",  "Priya",  "Zara",    "Hannah", "Chloe",  "Ruth",
    "Sarah",  "Helen",  "Joanne", "Fatima", "Oliver",  "George", "Noah",   "Arthur",
    "Harry",  "Leo",    "Jack",   "Oscar",  "Charlie", "James",  "Thomas", "David",
    "Daniel", "Mohammed", "Ravi", "Samuel", "Peter",   "Andrew", "Kwame",  "Liam",
};
constexpr std::array<std::string_view, 48> kSurnames = {
    "Smith",   "Jones",    "Williams", "Taylor",  "Brown",   "Davies",  "Evans",  "Wilson",
    "Thomas",  "Johnson",  "Roberts",  "Robinson", "Thompson", "Wright", "Walker", "White",
    "Edwards", "Hughes",   "Green",    "Hall",    "Lewis",   "Harris",  "Clarke", "Patel",
    "Jackson", "Wood",     "Turner",   "Martin",  "Cooper",  "Hill",    "Ward",   "Morris",
    "Moore",   "Clark",    "Lee",      "King",    "Baker",   "Harrison", "Morgan", "Allen",
    "Khan",    "Ahmed",    "Singh",    "Begum",   "Okafor",  "Mensah",  "Nowak",  "Murphy",
};

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): tiny, and its output is fixed by the algorithm on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // A value in [0, bound), by the multiply-high method; the bias is below bound / 2^64.
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

 private:
  std::uint64_t state_;
};

// Hands out distinct 12-digit ids in a scattered order: the k-th id is
// 10^11 + (a * k + b) mod (9 * 10^11), a bijection on k because a shares no factor with the
// modulus. Ids in the demo person's block are skipped.
class IdAllocator {
 public:
  explicit IdAllocator(std::uint64_t seed) : offset_(SplitMix64(seed).next() % kRange) {}

  std::string next() {
    while (true) {
      auto mixed = (static_cast<unsigned __int128>(kMultiplier) * counter_++ + offset_) % kRange;
      std::uint64_t id = kLowest + static_cast<std::uint64_t>(mixed);
      if (id / 1000 != kDemoBlock) {
        return std::to_string(id);
      }
    }
  }

 private:
  static constexpr std::uint64_t kLowest = 100'000'000'000ULL;
  static constexpr std::uint64_t kRange = 900'000'000'000ULL;  // 2^11 * 3^2 * 5^11
  static constexpr std::uint64_t kMultiplier = 7'777'777'777ULL;  // not divisible by 2, 3 or 5
  static constexpr std::uint64_t kDemoBlock = 555'000'000ULL;

  std::uint64_t offset_;
  std::uint64_t counter_ = 0;
};

struct Pools {
  std::vector<const Organisation*> trusts;
  std::vector<const Organisation*> practices;
  std::vector<const JobRole*> access_roles;  // the R80xx "Access Role" codes
  std::vector<const JobRole*> open_roles;
};

Result<Pools> make_pools(const JobRoleCatalogue& roles, const std::vector<Organisation>& trusts,
                         const std::vector<Organisation>& practices) {
  Pools pools;
  for (const Organisation& org : trusts) {
    if (org.is_open()) {
      pools.trusts.push_back(&org);
    }
  }
  for (const Organisation& org : practices) {
    if (org.is_open()) {
      pools.practices.push_back(&org);
    }
  }
  for (const JobRole& role : roles.roles) {
    if (role.closed) {
      continue;
    }
    pools.open_roles.push_back(&role);
    if (role.code.starts_with("R80")) {
      pools.access_roles.push_back(&role);
    }
  }

  if (pools.trusts.empty() || pools.practices.empty() || pools.open_roles.empty()) {
    return Status::failed_precondition(
        "cannot generate a workforce: it needs at least one open trust, one open GP practice "
        "and one open job role");
  }
  if (pools.access_roles.empty()) {
    pools.access_roles = pools.open_roles;
  }
  return pools;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

directory::Entry person_entry(std::string_view uid, std::string_view given_name, std::string_view surname,
                              std::string mail) {
  directory::Entry entry;
  entry.dn = person_dn(uid);
  for (const char* object_class : {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsPerson"}) {
    entry.add_value("objectClass", object_class);
  }
  entry.add_value("uid", std::string(uid));
  entry.add_value("cn", std::string(given_name) + " " + std::string(surname));
  entry.add_value("sn", std::string(surname));
  entry.add_value("givenName", std::string(given_name));
  // NOTE: SDS does not publish the values of nhsPersonStatus; "Active" is assumed.
  entry.add_value("nhsPersonStatus", "Active");
  entry.add_value("mail", std::move(mail));
  return entry;
}

directory::Entry org_person_entry(std::string_view id, std::string_view uid, std::string_view given_name,
                                  std::string_view surname, const Organisation& org) {
  directory::Entry entry;
  entry.dn = org_person_dn(id, uid);
  for (const char* object_class : {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsOrgPerson"}) {
    entry.add_value("objectClass", object_class);
  }
  entry.add_value("uniqueIdentifier", std::string(id));
  entry.add_value("uid", std::string(uid));
  entry.add_value("cn", std::string(given_name) + " " + std::string(surname));
  entry.add_value("sn", std::string(surname));
  entry.add_value("givenName", std::string(given_name));
  entry.add_value("o", org.name);
  entry.add_value("nhsIDCode", org.ods_code);
  return entry;
}

directory::Entry role_profile_entry(std::string_view id, std::string_view org_person_id,
                                    std::string_view uid, const JobRole& role,
                                    const Organisation& org) {
  directory::Entry entry;
  entry.dn = role_profile_dn(id, org_person_id, uid);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "nhsOrgPersonRole");
  entry.add_value("uniqueIdentifier", std::string(id));
  entry.add_value("nhsJobRole", role.full_name());
  entry.add_value("nhsJobRoleCode", role.full_code());
  entry.add_value("nhsIDCode", org.ods_code);
  return entry;
}

Status emit_demo_person(const JobRoleCatalogue& roles, const std::vector<Organisation>& trusts,
                        const std::vector<Organisation>& practices, const EntrySink& sink,
                        WorkforceCounts& counts) {
  const JobRole* role = roles.find(kDemoRoleCode);
  const Organisation* trust = nullptr;
  const Organisation* practice = nullptr;
  for (const Organisation& org : trusts) {
    trust = org.ods_code == kDemoTrustCode ? &org : trust;
  }
  for (const Organisation& org : practices) {
    practice = org.ods_code == kDemoPracticeCode ? &org : practice;
  }
  if (role == nullptr || trust == nullptr || practice == nullptr) {
    return Status::failed_precondition(
        "cannot create the demo person: the reference data lacks job role " +
        std::string(kDemoRoleCode) + ", trust " + std::string(kDemoTrustCode) +
        " or GP practice " + std::string(kDemoPracticeCode));
  }

  CAREID_RETURN_IF_ERROR(sink(person_entry(kDemoPersonUid, kDemoGivenName, kDemoSurname,
                                           "demo.doctor@nhs.net")));
  CAREID_RETURN_IF_ERROR(sink(org_person_entry(kDemoTrustOrgPersonId, kDemoPersonUid,
                                               kDemoGivenName, kDemoSurname, *trust)));
  CAREID_RETURN_IF_ERROR(sink(role_profile_entry(kDemoTrustRoleProfileId, kDemoTrustOrgPersonId,
                                                 kDemoPersonUid, *role, *trust)));
  CAREID_RETURN_IF_ERROR(sink(org_person_entry(kDemoPracticeOrgPersonId, kDemoPersonUid,
                                               kDemoGivenName, kDemoSurname, *practice)));
  CAREID_RETURN_IF_ERROR(sink(role_profile_entry(kDemoPracticeRoleProfileId,
                                                 kDemoPracticeOrgPersonId, kDemoPersonUid, *role,
                                                 *practice)));
  counts.people += 1;
  counts.org_persons += 2;
  counts.role_profiles += 2;
  return Status::ok_status();
}

// 85% of people work at one organisation, 12% at two and 3% at three.
std::size_t draw_organisation_count(SplitMix64& rng) {
  std::uint64_t percent = rng.below(100);
  return percent < 85 ? 1 : (percent < 97 ? 2 : 3);
}

// 60% of role profiles hold one role, 35% two and 5% three.
std::size_t draw_role_count(SplitMix64& rng) {
  std::uint64_t percent = rng.below(100);
  return percent < 60 ? 1 : (percent < 95 ? 2 : 3);
}

// Draws `count` distinct items; when the pool is smaller, returns the whole pool.
template <class T>
std::vector<const T*> draw_distinct(std::size_t count, auto&& draw_one) {
  std::vector<const T*> chosen;
  for (int attempt = 0; chosen.size() < count && attempt < 16; ++attempt) {
    const T* item = draw_one();
    if (std::find(chosen.begin(), chosen.end(), item) == chosen.end()) {
      chosen.push_back(item);
    }
  }
  return chosen;
}

template <class T>
const T* pick(SplitMix64& rng, const std::vector<const T*>& pool) {
  return pool[rng.below(pool.size())];
}

Status emit_generated_person(std::uint64_t index, std::uint64_t seed, const Pools& pools,
                             IdAllocator& ids, const EntrySink& sink, WorkforceCounts& counts) {
  // Each person has a generator of its own, so one person's draws never shift another's.
  SplitMix64 rng(seed ^ SplitMix64(index).next());
  std::string_view given_name = kGivenNames[rng.below(kGivenNames.size())];
  std::string_view surname = kSurnames[rng.below(kSurnames.size())];
  std::string uid = ids.next();
  std::string mail = lower(given_name) + "." + lower(surname) + std::to_string(index + 1) + "@nhs.net";
  CAREID_RETURN_IF_ERROR(sink(person_entry(uid, given_name, surname, std::move(mail))));
  counts.people += 1;

  // Seven in ten placements are at a trust, the rest at a GP practice.
  auto orgs = draw_distinct<Organisation>(draw_organisation_count(rng), [&] {
    return rng.below(10) < 7 ? pick(rng, pools.trusts) : pick(rng, pools.practices);
  });
  for (const Organisation* org : orgs) {
    std::string org_person_id = ids.next();
    CAREID_RETURN_IF_ERROR(sink(org_person_entry(org_person_id, uid, given_name, surname, *org)));
    counts.org_persons += 1;

    // Three in four roles are national access roles (R80xx), as most smartcard holders have.
    auto roles = draw_distinct<JobRole>(draw_role_count(rng), [&] {
      return rng.below(4) < 3 ? pick(rng, pools.access_roles) : pick(rng, pools.open_roles);
    });
    for (const JobRole* role : roles) {
      CAREID_RETURN_IF_ERROR(sink(role_profile_entry(ids.next(), org_person_id, uid, *role, *org)));
      counts.role_profiles += 1;
    }
  }
  return Status::ok_status();
}

}  // namespace

std::string person_dn(std::string_view uid) {
  return "uid=" + std::string(uid) + "," + std::string(kPeopleDn);
}

std::string org_person_dn(std::string_view org_person_id, std::string_view uid) {
  return "uniqueIdentifier=" + std::string(org_person_id) + "," + person_dn(uid);
}

std::string role_profile_dn(std::string_view role_profile_id, std::string_view org_person_id,
                            std::string_view uid) {
  return "uniqueIdentifier=" + std::string(role_profile_id) + "," +
         org_person_dn(org_person_id, uid);
}

Result<WorkforceCounts> generate_workforce(const JobRoleCatalogue& roles,
                                           const std::vector<Organisation>& trusts,
                                           const std::vector<Organisation>& practices,
                                           const WorkforceOptions& options, const EntrySink& sink) {
  if (options.people > kMaxWorkforcePeople) {
    return Status::invalid_argument("workforce size " + std::to_string(options.people) +
                                    " is above the maximum " + std::to_string(kMaxWorkforcePeople));
  }
  auto pools = make_pools(roles, trusts, practices);
  if (!pools.ok()) {
    return pools.status();
  }

  WorkforceCounts counts;
  if (options.include_demo_person) {
    CAREID_RETURN_IF_ERROR(emit_demo_person(roles, trusts, practices, sink, counts));
  }

  IdAllocator ids(options.seed);
  for (std::uint64_t index = 0; index < options.people; ++index) {
    CAREID_RETURN_IF_ERROR(emit_generated_person(index, options.seed, *pools, ids, sink, counts));
  }
  return counts;
}

}  // namespace careid::provisioning
