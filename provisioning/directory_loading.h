// Loading entries into a data folder's directory store, for careidctl: the generated demo
// directory and LDIF files. careidd may be running on the same folder (LMDB allows several
// processes); its readers see the new entries once each batch commits.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/status.h"
#include "directory/engine/directory.h"
#include "provisioning/demo_directory.h"

namespace careid::provisioning {

// Generates the demo directory from the reference files and imports it into the store of
// the data folder that `config_file` describes.
Result<DemoDirectorySummary> load_demo_directory(const std::filesystem::path& config_file,
                                                 const std::filesystem::path& reference_dir,
                                                 std::uint64_t people);

// Imports the content records of an LDIF file (RFC 2849), parents before children. Change
// records are rejected with their line. Stops at the first entry the schema rejects.
// `threads` is ImportOptions::threads: 0 for one per hardware thread, 1 for a serial load.
// NOTE: on a 2-core machine busy with other builds, 0 took more wall and CPU time than 1
// for 458,777 entries, and it has not been timed on an idle machine yet.
Result<directory::engine::ImportSummary> load_ldif(const std::filesystem::path& config_file,
                                                   const std::filesystem::path& ldif_file,
                                                   unsigned threads = 0);

// Writes the demo directory as LDIF to `output`.
Result<DemoDirectorySummary> write_demo_ldif(std::ostream& output, const std::filesystem::path& reference_dir,
                                             std::uint64_t people);

}  // namespace careid::provisioning
