// Lookup of careid's shipped folders (LDAP schemas, reference data) at run time.
#pragma once

#include <filesystem>

namespace careid {

// Returns `in_checkout` while that folder exists, as it does for programs run from their
// build tree. Otherwise returns `installed`, where `cmake --install` put the same files.
std::filesystem::path shipped_folder(const std::filesystem::path& in_checkout, const std::filesystem::path& installed);

// Returns the LDAP schema folder: schemas/ of the checkout, else share/careid/schemas.
std::filesystem::path shipped_schema_folder();

// Returns the reference data folder: data/reference of the checkout, else
// share/careid/data/reference.
std::filesystem::path shipped_reference_folder();

}  // namespace careid
