#include "directory/storage/record_names.h"

#include <iterator>
#include <string>
#include <unordered_map>

namespace careid::directory::storage::detail {

namespace {

// Attribute descriptions as entries spell them, then the lower-case forms that index keys
// use. Append only: records on disk refer to these by position.
constexpr std::string_view kNames[] = {
    // Operational attributes on every entry.
    "objectClass", "entryUUID", "entryCSN", "createTimestamp", "modifyTimestamp",
    "creatorsName", "modifiersName",
    // Core and inetOrgPerson attributes.
    "cn", "sn", "givenName", "uid", "mail", "o", "ou", "l", "description", "postalAddress",
    "postalCode", "userPassword", "telephoneNumber", "title", "displayName", "member",
    "uniqueMember", "seeAlso", "userCertificate;binary", "userCertificate", "initials",
    "street", "st", "c", "manager", "employeeNumber", "pwdAccountLockedTime",
    "pwdFailureTime", "pwdChangedTime", "pwdPolicySubentry",
    // NHS Spine Directory attributes.
    "uniqueIdentifier", "nhsIDCode", "nhsJobRole", "nhsJobRoleCode", "nhsPersonStatus",
    "nhsOrgType", "nhsOrgTypeCode", "nhsParentOrgCode", "nhsCountry", "nhsPCTCode",
    "nhsStatus", "nhsCreateDate", "nhsOrgOpenDate", "nhsOrgCloseDate", "nhsList1Code",
    "nhsList1Name", "nhsList2Code", "nhsList2Name", "nhsList3Code", "nhsList3Name", "nhsRA",
    "nhsAreaOfWorkCodes", "nhsBusinessFunctionsCodes", "nhsOCSPRCode", "nhsSexCode",
    // careid's own attributes.
    "careidOrgCode", "careidBaseJobRoleCode", "careidRolePosition", "careidRoleStartDate",
    "careidRoleEndDate", "careidWorkgroupCode", "careidApplication", "careidActivityCode",
    "careidIncludedActivityCode", "careidIdentityCheckLevel",
    // Index key attributes, which are lower case.
    "objectclass", "entryuuid", "entrycsn", "createtimestamp", "modifytimestamp",
    "givenname", "telephonenumber", "displayname", "uniquemember", "uniqueidentifier",
    "nhsidcode", "nhsjobrole", "nhsjobrolecode", "nhspersonstatus", "nhsorgtype",
    "nhsorgtypecode", "nhsparentorgcode", "careidorgcode", "careidbasejobrolecode",
    "careidroleposition", "careidworkgroupcode", "careidapplication",
    "careidactivitycode"};

const std::unordered_map<std::string_view, std::uint32_t>& codes_by_name() {
  static const auto* const codes = [] {
    auto* map = new std::unordered_map<std::string_view, std::uint32_t>();
    for (std::uint32_t code = 0; code < std::size(kNames); ++code) {
      map->emplace(kNames[code], code);
    }
    return map;
  }();
  return *codes;
}

}  // namespace

std::optional<std::uint32_t> record_name_code(std::string_view name) {
  const auto& codes = codes_by_name();
  auto found = codes.find(name);
  if (found == codes.end()) {
    return std::nullopt;
  }
  return found->second;
}

std::optional<std::string_view> record_name(std::uint64_t code) {
  if (code >= std::size(kNames)) {
    return std::nullopt;
  }
  return kNames[code];
}

}  // namespace careid::directory::storage::detail
