// Storing the RBAC reference data in a data folder's directory, for `careidctl rbac import`.
// careidd may run on the same folder; LMDB lets several processes write in turn.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "base/status.h"
#include "directory/engine/directory.h"
#include "provisioning/job_roles.h"
#include "rbac/catalogue.h"

namespace careid::provisioning::rbac {

// The RBAC model lives in rbac/ because federation uses it too. The import code uses its
// names unqualified.
using namespace careid::rbac;

struct ImportCounts {
  std::uint64_t added = 0;
  std::uint64_t replaced = 0;    // existing entries whose content changed
  std::uint64_t unchanged = 0;
  std::uint64_t removed = 0;     // entries absent from the new files
};

// Makes the activity, area of work and baseline entries under ou=Roles,o=nhs match
// `catalogue`, and adds or replaces the nhsRBACJR entries of `job_roles`: missing entries are
// added, changed ones replaced, and activity, area and baseline entries absent from the
// catalogue removed, because the files are the complete list. Writes as the root DN, one
// entry at a time, so a failure part-way leaves the entries before it changed; a rerun
// finishes the job. Errors name the entry and the directory's reason.
Result<ImportCounts> import_catalogue(directory::engine::Directory& directory, const Catalogue& catalogue,
                                      const std::vector<JobRole>& job_roles);

// Opens the directory of the data folder that `config_file` describes and imports into it.
Result<ImportCounts> import_catalogue(const std::filesystem::path& config_file, const Catalogue& catalogue,
                                      const std::vector<JobRole>& job_roles);

}  // namespace careid::provisioning::rbac
