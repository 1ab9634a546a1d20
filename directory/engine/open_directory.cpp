#include "directory/engine/open_directory.h"

#include "directory/engine/index_keys.h"
#include "directory/engine/naming.h"
#include "directory/schema/schema_file.h"

namespace careid::directory::engine {

Result<std::shared_ptr<const access::Policy>> load_access_policy(const schema::Schema& schema,
                                                                  const std::filesystem::path& path) {
  access::DnNormaliser normalise = [&schema](std::string_view dn) -> Result<std::string> {
    auto named = name_dn(schema, dn);
    if (!named.ok()) {
      return Status::invalid_argument(named.error().diagnostic_message);
    }
    return named->normalised;
  };
  auto is_attribute = [&schema](std::string_view name) { return schema.find_attribute_type(name) != nullptr; };
  if (path.empty()) {
    return access::parse_policy(access::default_policy_text(), "the default access policy", normalise, is_attribute);
  }
  return access::load_policy(path.string(), normalise, is_attribute);
}

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
  for (const auto& [attribute, kinds] : config.ldap.indexes) {
    auto bits = parse_index_kinds(attribute, kinds);
    if (!bits.ok()) {
      return bits.status().with_context("ldap.indexes");
    }
    options.indexes.push_back({attribute, *bits});
  }
  options.tls_enabled = !config.ldap.tls_certificate.empty();
  options.map_size_bytes = static_cast<std::uint64_t>(config.map_size_mib) << 20;
  options.lockout_failures = config.ldap.lockout_failures;
  options.lockout_seconds = config.ldap.lockout_seconds;
  options.group_commit_max_operations = config.ldap.group_commit_max_operations;
  auto policy = load_access_policy(**schema, config.ldap.access_policy);
  if (!policy.ok()) {
    return policy.status().with_context("ldap.access_policy");
  }
  options.access_policy = std::move(*policy);
  return Directory::open(std::move(*schema), std::move(options));
}

}  // namespace careid::directory::engine
