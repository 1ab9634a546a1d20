#include "provisioning/directory_entries.h"

namespace careid::provisioning {
namespace {

directory::Entry container(std::string dn, std::string_view ou) {
  directory::Entry entry;
  entry.dn = std::move(dn);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "organizationalUnit");
  entry.add_value("ou", std::string(ou));
  return entry;
}

void add_if_present(directory::Entry& entry, std::string_view description, const std::string& value) {
  if (!value.empty()) {
    entry.add_value(description, value);
  }
}

}  // namespace

std::vector<directory::Entry> skeleton_entries() {
  std::vector<directory::Entry> entries;
  directory::Entry base;
  base.dn = std::string(kBaseDn);
  base.add_value("objectClass", "top");
  base.add_value("objectClass", "organization");
  base.add_value("o", "nhs");
  entries.push_back(std::move(base));

  entries.push_back(container(std::string(kPeopleDn), "People"));
  entries.push_back(container(std::string(kOrganisationsDn), "Organisations"));
  entries.push_back(container(std::string(kServicesDn), "Services"));
  entries.push_back(container(std::string(kRolesDn), "Roles"));
  entries.push_back(container(std::string(kJobRolesDn), "Job Roles"));
  return entries;
}

std::string job_role_dn(std::string_view role_code) {
  return "uniqueIdentifier=" + std::string(role_code) + "," + std::string(kJobRolesDn);
}

std::string organisation_dn(std::string_view ods_code) {
  return "uniqueIdentifier=" + std::string(ods_code) + "," + std::string(kOrganisationsDn);
}

directory::Entry job_role_entry(const JobRole& role, std::string_view create_date) {
  directory::Entry entry;
  entry.dn = job_role_dn(role.code);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "nhsRBACJR");
  entry.add_value("uniqueIdentifier", role.code);
  entry.add_value("cn", role.name);
  // NOTE: SDS does not publish the values of nhsStatus; "Active" and "Closed" are assumed.
  entry.add_value("nhsStatus", role.closed ? "Closed" : "Active");
  entry.add_value("nhsCreateDate", std::string(create_date));
  entry.add_value("nhsList1Code", role.staff_group_code);
  entry.add_value("nhsList1Name", role.staff_group_name);
  entry.add_value("nhsList2Code", role.job_group_code);
  entry.add_value("nhsList2Name", role.job_group_name);
  entry.add_value("nhsList3Code", role.code);
  entry.add_value("nhsList3Name", role.name);
  if (!role.hierarchy_known) {
    entry.add_value("description", "Staff group and job group are not in the source code list");
  }
  return entry;
}

directory::Entry organisation_entry(const Organisation& org) {
  directory::Entry entry;
  entry.dn = organisation_dn(org.ods_code);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "organization");
  entry.add_value("objectClass", "nhsOrg");
  entry.add_value("uniqueIdentifier", org.ods_code);
  entry.add_value("nhsIDCode", org.ods_code);
  entry.add_value("o", org.name);

  bool trust = org.kind == OrganisationKind::kTrust;
  entry.add_value("nhsOrgType", std::string(trust ? kTrustOrgType : kGpPracticeOrgType));
  entry.add_value("nhsOrgTypeCode", std::string(trust ? kTrustOrgTypeCode : kGpPracticeOrgTypeCode));

  std::vector<std::string> lines = org.address_lines;
  lines.push_back(org.postcode);
  entry.add_value("postalAddress", encode_postal_address(lines));
  entry.add_value("postalCode", org.postcode);
  entry.add_value("l", org.locality);

  add_if_present(entry, "nhsOrgOpenDate", org.open_date);
  add_if_present(entry, "nhsOrgCloseDate", org.close_date);
  add_if_present(entry, "nhsParentOrgCode", org.parent_code);
  add_if_present(entry, "nhsPCTCode", org.ccg_code);
  add_if_present(entry, "telephoneNumber", org.telephone);
  add_if_present(entry, "nhsCountry", org.country);
  return entry;
}

std::string encode_postal_address(const std::vector<std::string>& lines) {
  std::string encoded;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      encoded += '$';
    }
    for (char c : lines[i]) {
      if (c == '\\') {
        encoded += "\\5C";
      } else if (c == '$') {
        encoded += "\\24";
      } else {
        encoded += c;
      }
    }
  }
  return encoded;
}

}  // namespace careid::provisioning
