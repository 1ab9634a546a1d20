// Consistent copies of LMDB environments, for `careidctl backup`. The function works on any
// careid store folder (the directory store, the card registry, the SUS store), because it
// copies LMDB's pages without interpreting the records.
#pragma once

#include <filesystem>

#include "base/status.h"

namespace careid::directory::storage {

// Writes a compacted copy (mdb_env_copy2 with MDB_CP_COMPACT) of the LMDB environment in
// `source` to `destination`/data.mdb, with mode 0600, and fsyncs it. The copy comes from
// one read transaction, so other processes may keep writing to the source meanwhile, and
// it contains every write committed before that transaction began. Free pages are left out,
// so the copy may be much smaller than the source's data.mdb.
//
// The source is opened read-only. This process must not have it open already (LMDB
// allows one open per environment and process). `destination` must be an existing folder
// without a data.mdb. Fails with kNotFound when `source` has no data.mdb, kAlreadyExists
// when the destination file exists, and otherwise as lmdb_status translates LMDB's code.
Status copy_environment(const std::filesystem::path& source,
                        const std::filesystem::path& destination);

}  // namespace careid::directory::storage
