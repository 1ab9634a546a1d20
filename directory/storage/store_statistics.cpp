#include "directory/storage/entry_store.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

Result<StoreStatistics> EntryStore::statistics() const {
  MDB_envinfo info;
  int rc = mdb_env_info(state_->env.get(), &info);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "read the environment info", state_->folder);
  }
  MDB_stat stat;
  rc = mdb_env_stat(state_->env.get(), &stat);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "read the environment statistics", state_->folder);
  }

  StoreStatistics statistics;
  statistics.map_size_bytes = info.me_mapsize;
  statistics.page_size = stat.ms_psize;
  // Pages are numbered from 0, so the last page number written plus one are in use.
  statistics.used_pages = static_cast<std::uint64_t>(info.me_last_pgno) + 1;
  statistics.readers = info.me_numreaders;
  statistics.max_readers = info.me_maxreaders;
  return statistics;
}

}  // namespace careid::directory::storage
