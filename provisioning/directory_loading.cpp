#include "provisioning/directory_loading.h"

#include <fstream>

#include "base/config.h"
#include "base/shipped_files.h"
#include "directory/engine/open_directory.h"
#include "directory/ldif/reader.h"
#include "directory/ldif/writer.h"

namespace careid::provisioning {
namespace {

namespace fs = std::filesystem;
using directory::engine::Directory;
using directory::engine::Importer;

Result<std::unique_ptr<Directory>> open_for(const fs::path& config_file) {
  auto config = load_config(config_file);
  if (!config.ok()) {
    return config.status();
  }
  return directory::engine::open_directory(*config, careid::shipped_schema_folder());
}

}  // namespace

Result<DemoDirectorySummary> load_demo_directory(const fs::path& config_file, const fs::path& reference_dir,
                                                 std::uint64_t people) {
  auto directory = open_for(config_file);
  if (!directory.ok()) {
    return directory.status();
  }
  auto importer = (*directory)->begin_import();
  if (!importer.ok()) {
    return importer.status();
  }

  DemoDirectoryOptions options{ReferenceFiles::in_directory(reference_dir), WorkforceOptions{}};
  options.workforce.people = people;
  auto summary = generate_demo_directory(options, [&](const directory::Entry& entry) {
    return (*importer)->add(entry);
  });
  if (!summary.ok()) {
    return summary.status();
  }
  auto finished = (*importer)->finish();
  if (!finished.ok()) {
    return finished.status();
  }
  return summary;
}

Result<directory::engine::ImportSummary> load_ldif(const fs::path& config_file, const fs::path& ldif_file) {
  std::ifstream input(ldif_file, std::ios::binary);
  if (!input) {
    return Status::not_found("cannot open LDIF file " + ldif_file.string());
  }
  auto directory = open_for(config_file);
  if (!directory.ok()) {
    return directory.status();
  }
  auto importer = (*directory)->begin_import();
  if (!importer.ok()) {
    return importer.status();
  }

  directory::ldif::Reader reader(input);
  while (true) {
    auto record = reader.next();
    if (!record.ok()) {
      return record.status().with_context(ldif_file.string());
    }
    if (!record->has_value()) {
      break;
    }
    if (!std::holds_alternative<directory::Entry>(**record)) {
      return Status::unimplemented(ldif_file.string() + ": change records are not supported by load; "
                                   "apply them with ldapmodify");
    }
    CAREID_RETURN_IF_ERROR((*importer)->add(std::get<directory::Entry>(std::move(**record))));
  }
  return (*importer)->finish();
}

Result<DemoDirectorySummary> write_demo_ldif(std::ostream& output, const fs::path& reference_dir,
                                             std::uint64_t people) {
  directory::ldif::Writer writer(output);
  DemoDirectoryOptions options{ReferenceFiles::in_directory(reference_dir), WorkforceOptions{}};
  options.workforce.people = people;
  return generate_demo_directory(options, [&](const directory::Entry& entry) { return writer.write(entry); });
}

}  // namespace careid::provisioning
