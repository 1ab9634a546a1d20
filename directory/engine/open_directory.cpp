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
  options.time_limit_seconds = config.ldap.time_limit_seconds;
  auto scheme = auth::parse_scheme(config.ldap.password_hash);
  if (!scheme.has_value()) {
    return Status::invalid_argument("ldap.password_hash: unknown scheme '" + config.ldap.password_hash + "'");
  }
  options.password_scheme = *scheme;
  options.argon2.memory_kib = config.ldap.password_argon2_memory_kib;
  options.argon2.iterations = config.ldap.password_argon2_iterations;
  CAREID_RETURN_IF_ERROR(auth::validate_argon2_params(options.argon2));
  options.indexed_attributes = config.ldap.indexed_attributes;
  options.tls_enabled = !config.ldap.tls_certificate.empty();
  options.map_size_bytes = static_cast<std::uint64_t>(config.map_size_mib) << 20;
  return Directory::open(std::move(*schema), std::move(options));
}

}  // namespace careid::directory::engine
