#include "directory/engine/open_directory.h"

#include "directory/schema/schema_file.h"

namespace careid::directory::engine {

Result<std::unique_ptr<Directory>> open_directory(const Config& config,
                                                  const std::filesystem::path& default_schema_dir) {
  const std::filesystem::path schema_dir = config.schema_dir.empty() ? default_schema_dir : config.schema_dir;
  auto schema = schema::load_schema_directory(schema_dir);
  if (!schema.ok()) {
    return schema.status().with_context("loading the schema from " + schema_dir.string());
  }

  DirectoryOptions options;
  options.store_folder = config.data_dir / "store";
  options.suffixes = {config.ldap.suffix};
  options.root_dn = config.ldap.root_dn;
  options.root_password_hash = config.ldap.root_password_hash;
  options.size_limit = config.ldap.size_limit;
  options.indexed_attributes = config.ldap.indexed_attributes;
  options.map_size_bytes = static_cast<std::uint64_t>(config.map_size_mib) << 20;
  return Directory::open(std::move(*schema), std::move(options));
}

}  // namespace careid::directory::engine
