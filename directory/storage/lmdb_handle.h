// RAII owners for LMDB handles and the translation of LMDB return codes into Status.
//
// Internal to directory/storage: this header and the .cpp files beside it are the only
// code in careid that includes <lmdb.h>. Other layers use entry_store.h.
//
// Lifetimes follow LMDB 0.9 (lmdb.h). A cursor must be closed before its transaction
// ends, and a transaction must end before its environment closes. An MDB_val returned by
// a get points into the memory map and is valid only until the transaction ends or the
// next write in that transaction.
#pragma once

#include <lmdb.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::storage::detail {

// Translates an LMDB or errno return code into a Status. `operation` names what was
// attempted ("write entry id 42"). `folder` is the store's folder, which every message
// names.
Status lmdb_status(int rc, std::string_view operation, const std::filesystem::path& folder);

struct EnvCloser {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
using EnvHandle = std::unique_ptr<MDB_env, EnvCloser>;

// Aborts a transaction that was neither committed nor aborted (TxnAborter is declared in
// entry_store.h). Call release() before mdb_txn_commit, which frees the handle whether or
// not it succeeds.
using TxnHandle = std::unique_ptr<MDB_txn, TxnAborter>;

struct CursorCloser {
  void operator()(MDB_cursor* cursor) const { mdb_cursor_close(cursor); }
};
using CursorHandle = std::unique_ptr<MDB_cursor, CursorCloser>;

// Opens a cursor on `dbi`. The cursor must be destroyed before `txn` ends.
Result<CursorHandle> open_cursor(MDB_txn* txn, MDB_dbi dbi, const std::filesystem::path& folder);

// Views over LMDB values. The view returned by as_view is valid only while the
// transaction that produced `value` is live and has not written since.
inline MDB_val as_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view as_view(const MDB_val& value) {
  return {static_cast<const char*>(value.mv_data), value.mv_size};
}

// Entry ids are stored as 8-byte big-endian keys so that LMDB's byte order is id order.
using IdBytes = std::array<char, 8>;
IdBytes encode_id(std::uint64_t id);
// Decodes an id written by encode_id. Returns false unless `bytes` is 8 bytes long.
// Inline, because index lists decode one id at a time.
inline bool decode_id(std::string_view bytes, std::uint64_t& id) {
  if (bytes.size() != 8) {
    return false;
  }
  std::uint64_t raw = 0;
  std::memcpy(&raw, bytes.data(), sizeof raw);
  if constexpr (std::endian::native == std::endian::little) {
    raw = __builtin_bswap64(raw);
  }
  id = raw;
  return true;
}

}  // namespace careid::directory::storage::detail
