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

Result<directory::Entry> entry_of_record(const std::vector<directory::ldif::LogicalLine>& lines,
                                         const fs::path& ldif_file) {
  auto record = directory::ldif::parse_record_lines(lines);
  if (!record.ok()) {
    return record.status().with_context(ldif_file.string());
  }
  if (!std::holds_alternative<directory::Entry>(*record)) {
    return Status::unimplemented(ldif_file.string() + ": change records are not supported by load; "
                                 "apply them with ldapmodify");
  }
  return std::get<directory::Entry>(std::move(*record));
}

}  // namespace

Result<DemoDirectorySummary> load_demo_directory(const fs::path& config_file, const fs::path& reference_dir,
                                                 std::uint64_t people) {
  auto directory = open_for(config_file);
  if (!directory.ok()) {
    return directory.status();
  }
  auto importer = (*directory)->begin_import({.threads = 0});
  if (!importer.ok()) {
    return importer.status();
  }

  DemoDirectoryOptions options{ReferenceFiles::in_directory(reference_dir), WorkforceOptions{}};
  options.workforce.people = people;
  auto summary = generate_demo_directory(options, [&](const directory::Entry& entry) {
    return (*importer)->add(entry);
  });
  if (!summary.ok()) {
    // An entry rejected before the generator failed is the first error, as in a serial load.
    CAREID_RETURN_IF_ERROR((*importer)->flush());
    return summary.status();
  }
  auto finished = (*importer)->finish();
  if (!finished.ok()) {
    return finished.status();
  }
  return summary;
}

Result<directory::engine::ImportSummary> load_ldif(const fs::path& config_file, const fs::path& ldif_file,
                                                   unsigned threads) {
  std::ifstream input(ldif_file, std::ios::binary);
  if (!input) {
    return Status::not_found("cannot open LDIF file " + ldif_file.string());
  }
  auto directory = open_for(config_file);
  if (!directory.ok()) {
    return directory.status();
  }
  auto importer = (*directory)->begin_import({.threads = threads});
  if (!importer.ok()) {
    return importer.status();
  }

  // Errors of the input itself are reported after flush(), so that an entry rejected
  // earlier in the file is reported first, as in a serial load.
  directory::ldif::Reader reader(input);
  while (true) {
    auto lines = reader.next_lines();
    if (!lines.ok()) {
      CAREID_RETURN_IF_ERROR((*importer)->flush());
      return lines.status().with_context(ldif_file.string());
    }
    if (!lines->has_value()) {
      break;
    }
    // Records are parsed on the prepare threads, and a syntax error stops the load at
    // its place in the file.
    auto parse = [lines = std::move(**lines), &ldif_file]() -> Result<directory::Entry> {
      return entry_of_record(lines, ldif_file);
    };
    CAREID_RETURN_IF_ERROR((*importer)->add(directory::engine::EntrySource(std::move(parse))));
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
