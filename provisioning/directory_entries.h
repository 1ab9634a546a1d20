// The directory tree careid's demo data uses, and the entries built from reference data.
//
// Layout, following the SDS DNs seen in real data (people under ou=People, services under
// ou=Services); SDS data shipped with careid shows no organisation or role entries, so those
// two branches are careid's choice:
//
//   o=nhs                                         organization
//   ou=People,o=nhs                               nhsPerson entries, see workforce.h
//   ou=Organisations,o=nhs                        uniqueIdentifier=<ODS code>: nhsOrg
//   ou=Services,o=nhs                             empty; SDS keeps nhsAS and nhsMhs here
//   ou=Roles,o=nhs
//   ou=Job Roles,ou=Roles,o=nhs                   uniqueIdentifier=<R-code>: nhsRBACJR
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"
#include "provisioning/job_roles.h"
#include "provisioning/organisations.h"

namespace careid::provisioning {

// Receives generated entries one at a time, parents before children. A non-OK Status stops
// the generator, which returns that Status unchanged. The entry is valid only during the call.
using EntrySink = std::function<Status(const directory::Entry&)>;

inline constexpr std::string_view kBaseDn = "o=nhs";
inline constexpr std::string_view kPeopleDn = "ou=People,o=nhs";
inline constexpr std::string_view kOrganisationsDn = "ou=Organisations,o=nhs";
inline constexpr std::string_view kServicesDn = "ou=Services,o=nhs";
inline constexpr std::string_view kRolesDn = "ou=Roles,o=nhs";
inline constexpr std::string_view kJobRolesDn = "ou=Job Roles,ou=Roles,o=nhs";

// nhsOrgType and nhsOrgTypeCode values. The codes are ODS organisation role codes (as the
// ODS ORD API lists them) because SDS's own type code list is not published with careid.
inline constexpr std::string_view kTrustOrgType = "NHS TRUST";
inline constexpr std::string_view kTrustOrgTypeCode = "RO197";
inline constexpr std::string_view kGpPracticeOrgType = "GP PRACTICE";
inline constexpr std::string_view kGpPracticeOrgTypeCode = "RO76";

// The tree's container entries, parents first.
std::vector<directory::Entry> skeleton_entries();

// An nhsRBACJR entry: uniqueIdentifier and nhsList3Code are the R-code, cn and nhsList3Name
// its name, nhsList1 and nhsList2 the staff and job group. nhsStatus is "Closed" for roles
// whose name says so and "Active" otherwise; nhsCreateDate is `create_date` (YYYYMMDD).
directory::Entry job_role_entry(const JobRole& role, std::string_view create_date);

// An nhsOrg entry with every MUST attribute of nhsOrg, plus the open and close dates, parent
// code, CCG code (nhsPCTCode), telephone number and country where the source gives them.
// postalAddress contains the address lines and then the postcode.
directory::Entry organisation_entry(const Organisation& org);

// The DNs of the entries above.
std::string job_role_dn(std::string_view role_code);
std::string organisation_dn(std::string_view ods_code);

// Encodes `lines` in the Postal Address syntax of RFC 4517 3.3.28: lines joined by "$", with
// "\" written as "\5C" and "$" as "\24" inside a line.
std::string encode_postal_address(const std::vector<std::string>& lines);

}  // namespace careid::provisioning
