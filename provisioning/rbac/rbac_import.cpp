#include "provisioning/rbac/rbac_import.h"

#include <algorithm>
#include <set>

#include "base/config.h"
#include "base/shipped_files.h"
#include "directory/engine/open_directory.h"
#include "directory/result_code.h"
#include "provisioning/directory_entries.h"
#include "rbac/rbac_entries.h"

namespace careid::provisioning::rbac {
namespace {

using directory::Entry;
using directory::engine::Directory;
using directory::engine::Identity;

Identity root_identity() {
  Identity identity;
  identity.dn = "cn=admin,o=nhs";
  identity.normalised_dn = "cn=admin,o=nhs";
  identity.is_root = true;
  return identity;
}

Status check(const directory::protocol::LdapResult& result, std::string_view action, const std::string& dn) {
  if (result.result_code == directory::ResultCode::kSuccess) {
    return Status::ok_status();
  }
  return Status::failed_precondition(std::string(action) + " " + dn + " failed: " +
                                     std::string(directory::result_code_name(result.result_code)) + ": " +
                                     result.diagnostic_message);
}

// Compares user attributes, ignoring order of attributes and of values. read_entry also
// returns operational attributes (createTimestamp, entryUUID, ...), which are skipped.
bool same_content(const directory::schema::Schema& schema, const Entry& stored, const Entry& wanted) {
  auto canonical = [&schema](const Entry& entry) {
    std::set<std::pair<std::string, std::string>> pairs;
    for (const auto& attribute : entry.attributes) {
      const auto* type_definition = schema.find_attribute_type(attribute.description);
      if (type_definition && type_definition->is_operational()) {
        continue;
      }
      std::string type = attribute.description;
      std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
      for (const std::string& value : attribute.values) {
        pairs.emplace(type, value);
      }
    }
    return pairs;
  };
  return canonical(stored) == canonical(wanted);
}

Status add(Directory& directory, const Entry& entry) {
  directory::protocol::AddRequest request{entry.dn, {}};
  for (const auto& attribute : entry.attributes) {
    request.attributes.push_back({attribute.description, attribute.values});
  }
  return check(directory.add(request, root_identity()), "adding", entry.dn);
}

Status put(Directory& directory, Entry entry, ImportCounts& counts) {
  auto stored = directory.read_entry(entry.dn);
  if (!stored.ok()) {
    return stored.status();
  }
  if (!*stored) {
    ++counts.added;
    return add(directory, entry);
  }

  // nhsCreateDate is the day of the first import; a rerun keeps it.
  std::string_view old_date = (*stored)->first_value("nhsCreateDate");
  if (directory::Attribute* date = entry.find("nhsCreateDate"); date && !old_date.empty()) {
    date->values = {std::string(old_date)};
  }
  if (same_content(directory.schema(), **stored, entry)) {
    ++counts.unchanged;
    return Status::ok_status();
  }
  ++counts.replaced;
  CAREID_RETURN_IF_ERROR(check(directory.remove({entry.dn}, root_identity()), "removing", entry.dn));
  return add(directory, entry);
}

// Removes the children of `container_dn` whose DN is not in `keep` (normalised to lower case).
// find() returns the container itself too, and it stays.
Status remove_stale(Directory& directory, std::string_view container_dn, const std::set<std::string>& keep,
                    ImportCounts& counts) {
  auto children = directory.find(container_dn, true, "(objectClass=*)");
  if (!children.ok()) {
    return children.status();
  }
  for (const Entry& child : *children) {
    std::string key = child.dn;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!keep.contains(key) && !directory::equals_ignore_case(child.dn, container_dn)) {
      CAREID_RETURN_IF_ERROR(check(directory.remove({child.dn}, root_identity()), "removing", child.dn));
      ++counts.removed;
    }
  }
  return Status::ok_status();
}

std::string today_yyyymmdd() {
  std::string iso = format_iso_date(today_utc());
  iso.erase(std::remove(iso.begin(), iso.end(), '-'), iso.end());
  return iso;
}

}  // namespace

Result<ImportCounts> import_catalogue(Directory& directory, const Catalogue& catalogue,
                                      const std::vector<JobRole>& job_roles) {
  ImportCounts counts;
  ImportCounts containers;
  for (const Entry& entry : rbac_container_entries()) {
    CAREID_RETURN_IF_ERROR(put(directory, entry, containers));
  }

  std::string create_date = today_yyyymmdd();
  std::set<std::string> keep;
  for (const Entry& entry : catalogue_entries(catalogue, create_date)) {
    CAREID_RETURN_IF_ERROR(put(directory, entry, counts));
    std::string key = entry.dn;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    keep.insert(key);
  }
  for (std::string_view container_dn : {kActivitiesDn, kAreasOfWorkDn, kBaselineDn}) {
    CAREID_RETURN_IF_ERROR(remove_stale(directory, container_dn, keep, counts));
  }

  for (const JobRole& role : job_roles) {
    CAREID_RETURN_IF_ERROR(put(directory, job_role_entry(role, create_date), counts));
  }
  return counts;
}

Result<ImportCounts> import_catalogue(const std::filesystem::path& config_file, const Catalogue& catalogue,
                                      const std::vector<JobRole>& job_roles) {
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  auto directory = directory::engine::open_directory(*config, careid::shipped_schema_folder());
  if (!directory.ok()) {
    return directory.status();
  }
  return import_catalogue(**directory, catalogue, job_roles);
}

}  // namespace careid::provisioning::rbac
