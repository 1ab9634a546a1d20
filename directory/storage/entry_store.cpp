// Opening the store: folder checks, the LMDB environment, the databases and the meta
// records that detect a changed index list.
#include "directory/storage/entry_store.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "base/log.h"
#include "directory/storage/entry_codec.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

namespace detail {

namespace {

// Folders open in this process. LMDB forbids opening one environment twice in a process:
// the second close would release the first one's file locks.
std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::set<std::string>& open_folders() {
  static std::set<std::string> folders;
  return folders;
}

}  // namespace

bool folder_open_in_process(const std::filesystem::path& folder) {
  std::error_code error;
  auto canonical = std::filesystem::canonical(folder, error);
  if (error) {
    return false;
  }
  std::lock_guard lock(registry_mutex());
  return open_folders().count(canonical.string()) != 0;
}

StoreState::~StoreState() {
  idle_reads.clear();
  env.reset();
  if (!registry_key.empty()) {
    std::lock_guard lock(registry_mutex());
    open_folders().erase(registry_key);
  }
}

std::string lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c + ('a' - 'A'));
    }
  }
  return lower;
}

namespace {

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Orders a lower-case name before `attribute` read as lower case. It copies nothing, because
// the index lookups run for every key of every write.
bool name_before(const std::string& name, std::string_view attribute) {
  const std::size_t common = std::min(name.size(), attribute.size());
  for (std::size_t i = 0; i < common; ++i) {
    const char other = lower_char(attribute[i]);
    if (name[i] != other) {
      return static_cast<unsigned char>(name[i]) < static_cast<unsigned char>(other);
    }
  }
  return name.size() < attribute.size();
}

}  // namespace

std::optional<std::size_t> StoreState::index_position(std::string_view attribute) const {
  auto it = std::lower_bound(indexed_names.begin(), indexed_names.end(), attribute, name_before);
  if (it == indexed_names.end() || it->size() != attribute.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < attribute.size(); ++i) {
    if ((*it)[i] != lower_char(attribute[i])) {
      return std::nullopt;
    }
  }
  return static_cast<std::size_t>(it - indexed_names.begin());
}

std::optional<MDB_dbi> StoreState::find_index(std::string_view attribute) const {
  auto position = index_position(attribute);
  if (!position.has_value()) {
    return std::nullopt;
  }
  return index_dbis[*position];
}

unsigned StoreState::kinds_of(std::string_view attribute) const {
  auto position = index_position(attribute);
  return position.has_value() ? index_kinds[*position] : 0;
}

namespace {

// Whether an attribute indexed with `kinds` keeps records of `kind`.
bool kind_wanted(unsigned kinds, IndexKeyKind kind) {
  switch (kind) {
    case IndexKeyKind::kPresence:
      return (kinds & kIndexPresence) != 0;
    case IndexKeyKind::kEquality:
      return (kinds & (kIndexEquality | kIndexOrdering)) != 0;
    case IndexKeyKind::kSubstring:
      return (kinds & kIndexSubstring) != 0;
  }
  return false;
}

}  // namespace

std::vector<IndexKey> StoreState::prepare_keys(std::vector<IndexKey> keys) const {
  std::vector<IndexKey> prepared;
  prepared.reserve(keys.size());
  for (IndexKey& key : keys) {
    for (char& c : key.attribute) {
      c = lower_char(c);
    }
    const unsigned kinds = kinds_of(key.attribute);
    if ((kinds & kIndexPresence) != 0 && key.kind != IndexKeyKind::kPresence) {
      prepared.push_back({key.attribute, {}, IndexKeyKind::kPresence});
    }
    if (!kind_wanted(kinds, key.kind)) {
      continue;
    }
    if (key.kind == IndexKeyKind::kPresence) {
      key.value.clear();
    }
    if (key.value.size() > kMaxIndexedValueBytes) {
      key.value.resize(kMaxIndexedValueBytes);
    }
    prepared.push_back(std::move(key));
  }
  std::sort(prepared.begin(), prepared.end());
  prepared.erase(std::unique(prepared.begin(), prepared.end()), prepared.end());
  return prepared;
}

Result<std::uint64_t> read_next_id(const StoreState& state, MDB_txn* txn) {
  MDB_val key = as_val("next_id");
  MDB_val data{};
  int rc = mdb_get(txn, state.meta, &key, &data);
  if (rc == MDB_NOTFOUND) {
    return std::uint64_t{1};
  }
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "read next id", state.folder);
  }
  std::uint64_t id = 0;
  if (!decode_id(as_view(data), id)) {
    return Status::corruption("meta record next_id in " + state.folder.string() +
                              " is not 8 bytes");
  }
  return id;
}

}  // namespace detail

namespace {

using detail::as_val;
using detail::as_view;
using detail::index_database_name;
using detail::kIdListFlags;
using detail::StoreState;

std::string join_names(const std::vector<std::string>& names, std::string_view separator) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) {
      joined += separator;
    }
    joined += name;
  }
  return joined;
}

// Merges indexed_attributes (equality and presence) and indexes into sorted lower-case
// names with their kinds.
Status validate_options(const StoreOptions& options, std::vector<std::string>& names,
                        std::vector<unsigned>& kinds) {
  if (options.map_size_bytes == 0) {
    return Status::invalid_argument("map size must be greater than zero");
  }
  if (options.max_readers == 0) {
    return Status::invalid_argument("max_readers must be greater than zero");
  }

  std::vector<AttributeIndex> all = options.indexes;
  for (const std::string& attribute : options.indexed_attributes) {
    all.push_back({attribute, kIndexEquality | kIndexPresence});
  }
  std::map<std::string, unsigned> merged;
  for (const AttributeIndex& index : all) {
    const std::string& attribute = index.attribute;
    bool valid = !attribute.empty() && std::all_of(attribute.begin(), attribute.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
    if (!valid) {
      return Status::invalid_argument("invalid indexed attribute name '" + attribute + "'");
    }
    if (index.kinds == 0 || index.kinds > 15) {
      return Status::invalid_argument("indexed attribute '" + attribute +
                                      "' needs at least one index kind (eq, pres, sub, ord)");
    }
    merged[detail::lower_ascii(attribute)] |= index.kinds;
  }

  if (merged.size() > kMaxIndexedAttributes) {
    return Status::invalid_argument("at most " + std::to_string(kMaxIndexedAttributes) +
                                    " indexed attributes are supported, got " +
                                    std::to_string(merged.size()));
  }
  for (const auto& [name, kind_set] : merged) {
    names.push_back(name);
    kinds.push_back(kind_set);
  }
  return Status::ok_status();
}

// The meta record's lines: the bare name for equality and presence, which is also what
// stores written before index kinds existed hold, else "name:kinds".
std::vector<std::string> index_lines(const StoreState& state) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < state.indexed_names.size(); ++i) {
    if (state.index_kinds[i] == (kIndexEquality | kIndexPresence)) {
      lines.push_back(state.indexed_names[i]);
    } else {
      lines.push_back(state.indexed_names[i] + ":" + index_kinds_text(state.index_kinds[i]));
    }
  }
  return lines;
}

// The attribute names of meta record lines.
std::vector<std::string> names_of_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> names;
  for (const std::string& line : lines) {
    names.push_back(line.substr(0, line.find(':')));
  }
  return names;
}

Status prepare_folder(const std::filesystem::path& folder, bool create) {
  std::error_code error;
  auto status = std::filesystem::status(folder, error);
  if (!std::filesystem::exists(status)) {
    if (!create) {
      return Status::not_found("storage folder " + folder.string() +
                               " does not exist; create it or fix the data_dir setting");
    }
    if (!std::filesystem::create_directories(folder, error) && error) {
      return Status::io_error("cannot create storage folder " + folder.string() + ": " +
                              error.message());
    }
  } else if (!std::filesystem::is_directory(status)) {
    return Status::invalid_argument("storage path " + folder.string() + " is not a folder");
  }

  // access() reports EROFS for a read-only mount and EACCES for missing permissions,
  // which reads better than the failure LMDB would give later.
  if (::access(folder.c_str(), R_OK | W_OK | X_OK) != 0) {
    return detail::lmdb_status(errno, "open storage folder", folder);
  }
  return Status::ok_status();
}

Status claim_folder(StoreState& state) {
  std::error_code error;
  auto canonical = std::filesystem::canonical(state.folder, error);
  if (error) {
    return Status::io_error("cannot resolve storage folder " + state.folder.string() + ": " +
                            error.message());
  }

  std::lock_guard lock(detail::registry_mutex());
  if (!detail::open_folders().insert(canonical.string()).second) {
    return Status::failed_precondition("storage folder " + canonical.string() +
                                       " is already open in this process");
  }
  state.registry_key = canonical.string();
  return Status::ok_status();
}

Status open_env(StoreState& state) {
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "create LMDB environment", state.folder);
  }
  state.env.reset(raw);

  rc = mdb_env_set_mapsize(raw, state.options.map_size_bytes);
  if (rc == MDB_SUCCESS) {
    rc = mdb_env_set_maxreaders(raw, state.options.max_readers);
  }
  if (rc == MDB_SUCCESS) {
    // Room for the four fixed databases, the indexes, and the indexes of an older list
    // that a rebuild drops.
    rc = mdb_env_set_maxdbs(raw, static_cast<MDB_dbi>(4 + 2 * kMaxIndexedAttributes));
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "configure LMDB environment", state.folder);
  }

  // The key limits in entry_store.h assume LMDB's default build (MDB_MAXKEYSIZE 511).
  if (mdb_env_get_maxkeysize(raw) < static_cast<int>(kMaxNormalisedDnBytes)) {
    return Status::failed_precondition("this LMDB build allows keys of only " +
                                       std::to_string(mdb_env_get_maxkeysize(raw)) +
                                       " bytes; careid needs 511");
  }

  unsigned flags = MDB_NOTLS | (state.options.sync ? 0 : MDB_NOSYNC);
  rc = mdb_env_open(raw, state.folder.c_str(), flags, 0640);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "open store", state.folder);
  }
  return Status::ok_status();
}

Status open_database(StoreState& state, MDB_txn* txn, const std::string& name, unsigned flags,
                     MDB_dbi& dbi) {
  int rc = mdb_dbi_open(txn, name.c_str(), flags, &dbi);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "open database " + name, state.folder);
  }
  return Status::ok_status();
}

Status put_meta(StoreState& state, MDB_txn* txn, std::string_view name, std::string_view value) {
  MDB_val key = as_val(name);
  MDB_val data = as_val(value);
  int rc = mdb_put(txn, state.meta, &key, &data, 0);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "write meta record " + std::string(name), state.folder);
  }
  return Status::ok_status();
}

// Returns the meta record `name`, or nullopt when it is absent.
Result<std::optional<std::string>> get_meta(StoreState& state, MDB_txn* txn,
                                            std::string_view name) {
  MDB_val key = as_val(name);
  MDB_val data{};
  int rc = mdb_get(txn, state.meta, &key, &data);
  if (rc == MDB_NOTFOUND) {
    return std::optional<std::string>();
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "read meta record " + std::string(name), state.folder);
  }
  return std::optional<std::string>(std::string(as_view(data)));
}

Status open_indexes(StoreState& state, MDB_txn* txn) {
  state.index_dbis.resize(state.indexed_names.size());
  for (std::size_t i = 0; i < state.indexed_names.size(); ++i) {
    CAREID_RETURN_IF_ERROR(open_database(state, txn, index_database_name(state.indexed_names[i]),
                                         kIdListFlags, state.index_dbis[i]));
  }
  return Status::ok_status();
}

std::vector<std::string> split_names(const std::string& joined) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t end = joined.find('\n', start);
    if (end == std::string::npos) {
      end = joined.size();
    }
    names.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

Status initialise_meta(StoreState& state, MDB_txn* txn) {
  auto version = detail::encode_id(detail::kStoreFormatVersion);
  auto next_id = detail::encode_id(1);
  CAREID_RETURN_IF_ERROR(
      put_meta(state, txn, "format_version", std::string_view(version.data(), version.size())));
  CAREID_RETURN_IF_ERROR(
      put_meta(state, txn, "next_id", std::string_view(next_id.data(), next_id.size())));
  CAREID_RETURN_IF_ERROR(
      put_meta(state, txn, "indexed_attributes", join_names(index_lines(state), "\n")));
  return open_indexes(state, txn);
}

Status check_meta(StoreState& state, MDB_txn* txn, const std::string& stored_version) {
  std::uint64_t version = 0;
  if (!detail::decode_id(stored_version, version) || version != detail::kStoreFormatVersion) {
    return Status::failed_precondition("store in " + state.folder.string() +
                                       " has an unknown format version; this build reads "
                                       "version " +
                                       std::to_string(detail::kStoreFormatVersion));
  }

  // BulkLoader writes this marker while index records of committed entries are still
  // in its memory, so a store that has it lacks index records.
  auto incomplete = get_meta(state, txn, "bulk_load_incomplete");
  if (!incomplete.ok()) {
    return incomplete.status();
  }
  if (incomplete->has_value()) {
    return Status::failed_precondition("store in " + state.folder.string() +
                                       " was left by a bulk load that did not finish, so its "
                                       "indexes are incomplete; delete the folder and load "
                                       "the data again");
  }

  auto stored_names = get_meta(state, txn, "indexed_attributes");
  if (!stored_names.ok()) {
    return stored_names.status();
  }
  std::vector<std::string> old_lines = split_names(stored_names->value_or(""));
  const std::vector<std::string> new_lines = index_lines(state);
  if (old_lines == new_lines) {
    return open_indexes(state, txn);
  }

  if (!state.options.rebuild_index_keys) {
    return Status::failed_precondition(
        "store in " + state.folder.string() + " is indexed on [" + join_names(old_lines, ", ") +
        "] but the configuration lists [" + join_names(new_lines, ", ") +
        "]; restore the old list or open the store with index rebuilding enabled");
  }
  auto rebuilt = detail::rebuild_indexes(state, txn, names_of_lines(old_lines));
  if (!rebuilt.ok()) {
    return rebuilt.status();
  }
  return put_meta(state, txn, "indexed_attributes", join_names(new_lines, "\n"));
}

Status open_databases(StoreState& state) {
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(state.env.get(), nullptr, 0, &raw);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "begin write transaction", state.folder);
  }
  detail::TxnHandle txn(raw);

  CAREID_RETURN_IF_ERROR(open_database(state, raw, "meta", MDB_CREATE, state.meta));
  CAREID_RETURN_IF_ERROR(open_database(state, raw, "entries", MDB_CREATE, state.entries));
  CAREID_RETURN_IF_ERROR(open_database(state, raw, "dn2id", MDB_CREATE, state.dn2id));
  CAREID_RETURN_IF_ERROR(open_database(state, raw, "children", kIdListFlags, state.children));

  auto version = get_meta(state, raw, "format_version");
  if (!version.ok()) {
    return version.status();
  }
  if (!version->has_value()) {
    CAREID_RETURN_IF_ERROR(initialise_meta(state, raw));
  } else {
    CAREID_RETURN_IF_ERROR(check_meta(state, raw, **version));
  }

  rc = mdb_txn_commit(txn.release());
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "commit store set-up", state.folder);
  }
  return Status::ok_status();
}

}  // namespace

Result<std::unique_ptr<EntryStore>> EntryStore::open(const std::filesystem::path& folder,
                                                     StoreOptions options) {
  auto state = std::make_unique<StoreState>();
  CAREID_RETURN_IF_ERROR(validate_options(options, state->indexed_names, state->index_kinds));
  for (std::size_t i = 0; i < state->indexed_names.size(); ++i) {
    state->indexes.push_back({state->indexed_names[i], state->index_kinds[i]});
  }
  CAREID_RETURN_IF_ERROR(prepare_folder(folder, options.create_folder));
  state->folder = folder;
  state->options = std::move(options);

  CAREID_RETURN_IF_ERROR(claim_folder(*state));
  CAREID_RETURN_IF_ERROR(open_env(*state));
  CAREID_RETURN_IF_ERROR(open_databases(*state));

  log::get("directory")
      ->info("entry store opened folder={} indexed_attributes={}", state->folder.string(),
             state->indexed_names.size());
  return std::unique_ptr<EntryStore>(new EntryStore(std::move(state)));
}

EntryStore::EntryStore(std::unique_ptr<detail::StoreState> state) : state_(std::move(state)) {}
EntryStore::~EntryStore() = default;

ReadTransaction::ReadTransaction(const detail::StoreState* state, MDB_txn* txn)
    : Transaction(state, txn, &state->idle_reads) {}

Result<ReadTransaction> ReadTransaction::begin(const detail::StoreState* state) {
  if (MDB_txn* idle = state->idle_reads.take()) {
    if (mdb_txn_renew(idle) == MDB_SUCCESS) {
      return ReadTransaction(state, idle);
    }
    mdb_txn_abort(idle);
  }

  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(state->env.get(), nullptr, MDB_RDONLY, &raw);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "begin read transaction", state->folder);
  }
  return ReadTransaction(state, raw);
}

Result<ReadTransaction> EntryStore::begin_read() const {
  return ReadTransaction::begin(state_.get());
}

Result<WriteTransaction> EntryStore::begin_write() { return WriteTransaction::begin(state_.get()); }

const std::vector<std::string>& EntryStore::indexed_attributes() const {
  return state_->indexed_names;
}

const std::vector<AttributeIndex>& EntryStore::indexes() const { return state_->indexes; }

bool EntryStore::is_indexed(std::string_view attribute) const {
  return state_->find_index(attribute).has_value();
}

unsigned EntryStore::index_kinds(std::string_view attribute) const {
  return state_->kinds_of(attribute);
}

Result<std::uint64_t> EntryStore::rebuild_indexes() {
  if (!state_->options.rebuild_index_keys) {
    return Status::failed_precondition("store in " + state_->folder.string() +
                                       " was opened without an index key function");
  }
  auto txn = begin_write();
  if (!txn.ok()) {
    return txn.status();
  }
  auto count = detail::rebuild_indexes(*state_, txn->txn(), state_->indexed_names);
  if (!count.ok()) {
    return count.status();
  }
  CAREID_RETURN_IF_ERROR(txn->commit());
  return count;
}

std::string index_kinds_text(unsigned kinds) {
  static constexpr std::pair<unsigned, const char*> kNames[] = {
      {kIndexEquality, "eq"}, {kIndexPresence, "pres"}, {kIndexSubstring, "sub"}, {kIndexOrdering, "ord"}};
  std::string text;
  for (const auto& [bit, name] : kNames) {
    if ((kinds & bit) != 0) {
      text += text.empty() ? "" : ",";
      text += name;
    }
  }
  return text;
}

const std::filesystem::path& EntryStore::folder() const { return state_->folder; }

}  // namespace careid::directory::storage
