// Opens the directory a careidd configuration describes: the schema from schema_dir and the
// store in <data_dir>/store, with the configured suffix, root DN, size limit, indexes,
// access policy and lockout settings.
#pragma once

#include <filesystem>
#include <memory>

#include "base/config.h"
#include "directory/engine/directory.h"

namespace careid::directory::engine {

// `default_schema_dir` is used when config.schema_dir is empty. Errors name the schema
// file or the store folder.
// Compiles the access policy at `path`, or the default policy when `path` is empty, with
// DNs normalised and attribute names checked against `schema`.
Result<std::shared_ptr<const access::Policy>> load_access_policy(const schema::Schema& schema,
                                                                  const std::filesystem::path& path);

Result<std::unique_ptr<Directory>> open_directory(const Config& config,
                                                  const std::filesystem::path& default_schema_dir);

}  // namespace careid::directory::engine
