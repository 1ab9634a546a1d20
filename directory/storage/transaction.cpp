// Read operations shared by read and write transactions.
#include <algorithm>
#include <utility>

#include "directory/storage/entry_codec.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage {

using detail::as_val;
using detail::as_view;

namespace {

std::string id_text(EntryId id) { return "entry id " + std::to_string(id); }

// Copies every id stored under `key` in a MDB_DUPFIXED database, a page at a time.
Result<std::vector<EntryId>> read_id_list(const detail::StoreState& state, MDB_txn* txn,
                                          MDB_dbi dbi, std::string_view key) {
  auto cursor = detail::open_cursor(txn, dbi, state.folder);
  if (!cursor.ok()) {
    return cursor.status();
  }

  std::vector<EntryId> ids;
  MDB_val k = as_val(key);
  MDB_val data{};
  int rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_SET);
  std::size_t count = 0;
  if (rc == MDB_SUCCESS && mdb_cursor_count(cursor->get(), &count) == MDB_SUCCESS) {
    ids.reserve(count);
  }
  if (rc == MDB_SUCCESS) {
    rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_GET_MULTIPLE);
  }
  while (rc == MDB_SUCCESS) {
    std::string_view page = as_view(data);
    for (std::size_t offset = 0; offset + 8 <= page.size(); offset += 8) {
      EntryId id = 0;
      detail::decode_id(page.substr(offset, 8), id);
      ids.push_back(id);
    }
    rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_NEXT_MULTIPLE);
  }
  if (rc != MDB_NOTFOUND) {
    return detail::lmdb_status(rc, "read index", state.folder);
  }
  return ids;
}

// The ids of a page of a MDB_DUPFIXED list of 8-byte ids, in ascending order.
class IdPage {
 public:
  explicit IdPage(std::string_view bytes) : bytes_(bytes) {}
  std::size_t size() const { return bytes_.size() / 8; }
  EntryId at(std::size_t index) const {
    EntryId id = 0;
    detail::decode_id(bytes_.substr(index * 8, 8), id);
    return id;
  }

  // The first index at or after `from` whose id is not below `sought`, or size(). Gallops
  // from `from` and then bisects, so a nearby id costs few compares.
  std::size_t lower_bound_from(std::size_t from, EntryId sought) const {
    std::size_t low = from;
    std::size_t bound = from;
    for (std::size_t step = 1; bound < size() && at(bound) < sought; step *= 2) {
      low = bound + 1;
      bound += step;
    }
    std::size_t high = std::min(bound, size());
    while (low < high) {
      std::size_t middle = low + (high - low) / 2;
      if (at(middle) < sought) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

 private:
  std::string_view bytes_;
};

// Appends to `found` the candidates from `next` on that `page` holds, and moves `next` past
// every candidate not above the page's last id.
void intersect_page(const IdPage& page, const std::vector<EntryId>& candidates, std::size_t& next,
                    std::vector<EntryId>& found) {
  if (page.size() == 0) {
    return;
  }
  const EntryId last = page.at(page.size() - 1);
  std::size_t position = 0;
  while (next < candidates.size() && candidates[next] <= last) {
    const EntryId sought = candidates[next++];
    position = page.lower_bound_from(position, sought);
    if (position < page.size() && page.at(position) == sought) {
      found.push_back(sought);
    }
  }
}

// Returns the index database of `attribute`, or kFailedPrecondition when it has no index.
Result<MDB_dbi> index_dbi(const detail::StoreState& state, std::string_view attribute) {
  auto dbi = state.find_index(attribute);
  if (!dbi) {
    return Status::failed_precondition("attribute '" + std::string(attribute) + "' is not indexed");
  }
  return *dbi;
}

// Opens a cursor on the index database of `attribute`.
Result<detail::CursorHandle> open_index_cursor(const detail::StoreState& state, MDB_txn* txn,
                                               std::string_view attribute) {
  auto dbi = index_dbi(state, attribute);
  if (!dbi.ok()) {
    return dbi.status();
  }
  return detail::open_cursor(txn, *dbi, state.folder);
}

// Returns the key of a list in an index database (see store_state.h). Values are cut to
// kMaxIndexedValueBytes, as they were when stored.
std::string index_record_key(IndexKeyKind kind, std::string_view key) {
  switch (kind) {
    case IndexKeyKind::kPresence:
      return std::string(1, detail::kIndexPresenceKey);
    case IndexKeyKind::kEquality:
      return detail::kIndexValuePrefix + std::string(key.substr(0, kMaxIndexedValueBytes));
    case IndexKeyKind::kSubstring:
      break;
  }
  return detail::kIndexSubstringPrefix + std::string(key.substr(0, kMaxIndexedValueBytes));
}

// Positions `cursor` on the first child of `parent` whose id is at least `from`.
// Returns kNoParent when there is none.
Result<EntryId> child_at_or_after(const detail::StoreState& state, MDB_cursor* cursor,
                                  EntryId parent, EntryId from) {
  auto parent_key = detail::encode_id(parent);
  auto from_bytes = detail::encode_id(from);
  MDB_val key{parent_key.size(), parent_key.data()};
  MDB_val data{from_bytes.size(), from_bytes.data()};
  int rc = mdb_cursor_get(cursor, &key, &data, MDB_GET_BOTH_RANGE);
  if (rc == MDB_NOTFOUND) {
    return kNoParent;
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "read children of " + id_text(parent), state.folder);
  }

  EntryId child = kNoParent;
  if (!detail::decode_id(as_view(data), child)) {
    return Status::corruption("child list of " + id_text(parent) + " holds a malformed id");
  }
  return child;
}

}  // namespace

Result<std::string_view> detail::read_record_bytes(const StoreState& state, MDB_txn* txn, EntryId id) {
  auto key_bytes = encode_id(id);
  MDB_val key{key_bytes.size(), key_bytes.data()};
  MDB_val data{};
  int rc = mdb_get(txn, state.entries, &key, &data);
  if (rc == MDB_NOTFOUND) {
    return Status::not_found("no " + id_text(id));
  }
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "read " + id_text(id), state.folder);
  }
  return as_view(data);
}

Transaction::Transaction(const detail::StoreState* state, MDB_txn* txn, detail::IdleReadTransactions* idle)
    : state_(state), txn_(txn, detail::TxnAborter{idle}) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

Result<EntryId> Transaction::find_id(std::string_view normalised_dn) const {
  if (normalised_dn.empty() || normalised_dn.size() > kMaxNormalisedDnBytes) {
    return Status::not_found("no entry with DN '" + std::string(normalised_dn) + "'");
  }

  MDB_val key = as_val(normalised_dn);
  MDB_val data{};
  int rc = mdb_get(txn(), state().dn2id, &key, &data);
  if (rc == MDB_NOTFOUND) {
    return Status::not_found("no entry with DN '" + std::string(normalised_dn) + "'");
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "look up DN", state().folder);
  }

  EntryId id = 0;
  if (!detail::decode_id(as_view(data), id)) {
    return Status::corruption("DN '" + std::string(normalised_dn) + "' maps to a malformed id");
  }
  return id;
}

Result<Entry> Transaction::get(EntryId id, std::string* normalised_dn) const {
  auto record = detail::read_record_bytes(state(), txn(), id);
  if (!record.ok()) {
    return record.status();
  }
  return detail::decode_entry(*record, id, normalised_dn);
}

Result<Entry> Transaction::get_selected(EntryId id, const AttributeSelector& selector) const {
  auto record = detail::read_record_bytes(state(), txn(), id);
  if (!record.ok()) {
    return record.status();
  }
  return detail::decode_entry_selected(*record, id, selector);
}

Result<std::optional<Entry>> Transaction::get_if(EntryId id, const AttributeSelector& selector,
                                                 const std::function<bool(const Entry&)>& predicate,
                                                 std::string* normalised_dn) const {
  auto record = detail::read_record_bytes(state(), txn(), id);
  if (!record.ok()) {
    return record.status();
  }
  auto selected = detail::decode_entry_selected(*record, id, selector);
  if (!selected.ok()) {
    return selected.status();
  }
  if (!predicate(*selected)) {
    return std::optional<Entry>();
  }
  auto entry = detail::decode_entry(*record, id, normalised_dn);
  if (!entry.ok()) {
    return entry.status();
  }
  return std::optional<Entry>(std::move(*entry));
}

Result<EntryId> Transaction::parent_id(EntryId id) const {
  auto record = detail::read_record_bytes(state(), txn(), id);
  if (!record.ok()) {
    return record.status();
  }
  return detail::decode_parent(*record, id);
}

Status Transaction::for_each_child(EntryId id, const std::function<bool(EntryId)>& visit) const {
  auto cursor = detail::open_cursor(txn(), state().children, state().folder);
  if (!cursor.ok()) {
    return cursor.status();
  }

  auto child = child_at_or_after(state(), cursor->get(), id, 1);
  while (child.ok() && *child != kNoParent) {
    if (!visit(*child)) {
      return Status::ok_status();
    }

    MDB_val key{};
    MDB_val data{};
    int rc = mdb_cursor_get(cursor->get(), &key, &data, MDB_NEXT_DUP);
    if (rc == MDB_NOTFOUND) {
      return Status::ok_status();
    }
    if (rc != MDB_SUCCESS) {
      return detail::lmdb_status(rc, "read children of " + id_text(id), state().folder);
    }
    EntryId next = kNoParent;
    if (!detail::decode_id(as_view(data), next)) {
      return Status::corruption("child list of " + id_text(id) + " holds a malformed id");
    }
    child = next;
  }
  return child.ok() ? Status::ok_status() : child.status();
}

Status Transaction::for_each_in_subtree(EntryId id,
                                        const std::function<bool(EntryId)>& visit) const {
  if (id != kNoParent) {
    auto exists = parent_id(id);
    if (!exists.ok()) {
      return exists.status();
    }
    if (!visit(id)) {
      return Status::ok_status();
    }
  }

  auto cursor = detail::open_cursor(txn(), state().children, state().folder);
  if (!cursor.ok()) {
    return cursor.status();
  }

  // Each level keeps its parent and the last child visited there, and resumes with the
  // next larger child id, so memory grows with depth and no recursion is needed.
  struct Level {
    EntryId parent;
    EntryId last_child;
  };
  std::vector<Level> stack{{id, kNoParent}};
  while (!stack.empty()) {
    Level& level = stack.back();
    auto child = child_at_or_after(state(), cursor->get(), level.parent, level.last_child + 1);
    if (!child.ok()) {
      return child.status();
    }
    if (*child == kNoParent) {
      stack.pop_back();
      continue;
    }

    level.last_child = *child;
    if (!visit(*child)) {
      return Status::ok_status();
    }
    stack.push_back({*child, kNoParent});
  }
  return Status::ok_status();
}

Status Transaction::for_each_entry(const AttributeSelector& selector,
                                   const std::function<bool(EntryId, const Result<Entry>&)>& visit) const {
  auto cursor = detail::open_cursor(txn(), state().entries, state().folder);
  if (!cursor.ok()) {
    return cursor.status();
  }

  MDB_val key{};
  MDB_val data{};
  int rc = mdb_cursor_get(cursor->get(), &key, &data, MDB_FIRST);
  while (rc == MDB_SUCCESS) {
    EntryId id = kNoParent;
    if (!detail::decode_id(as_view(key), id)) {
      return Status::corruption("entries database in " + state().folder.string() + " holds a malformed id");
    }
    if (!visit(id, detail::decode_entry_selected(as_view(data), id, selector))) {
      return Status::ok_status();
    }
    rc = mdb_cursor_get(cursor->get(), &key, &data, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) {
    return detail::lmdb_status(rc, "read entries", state().folder);
  }
  return Status::ok_status();
}

Result<bool> Transaction::has_children(EntryId id) const {
  auto key_bytes = detail::encode_id(id);
  MDB_val key{key_bytes.size(), key_bytes.data()};
  MDB_val data{};
  int rc = mdb_get(txn(), state().children, &key, &data);
  if (rc == MDB_NOTFOUND) {
    return false;
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "read children of " + id_text(id), state().folder);
  }
  return true;
}

Result<std::uint64_t> Transaction::child_count(EntryId id) const {
  auto cursor = detail::open_cursor(txn(), state().children, state().folder);
  if (!cursor.ok()) {
    return cursor.status();
  }

  auto first = child_at_or_after(state(), cursor->get(), id, 1);
  if (!first.ok()) {
    return first.status();
  }
  if (*first == kNoParent) {
    return std::uint64_t{0};
  }

  std::size_t count = 0;
  int rc = mdb_cursor_count(cursor->get(), &count);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "count children of " + id_text(id), state().folder);
  }
  return static_cast<std::uint64_t>(count);
}

Result<std::vector<EntryId>> Transaction::ids_equal(std::string_view attribute,
                                                    std::string_view normalised_value) const {
  return ids_with_key(attribute, IndexKeyKind::kEquality, normalised_value);
}

Result<std::vector<EntryId>> Transaction::ids_present(std::string_view attribute) const {
  return ids_with_key(attribute, IndexKeyKind::kPresence, {});
}

Result<std::vector<EntryId>> Transaction::ids_substring(std::string_view attribute,
                                                        std::string_view key) const {
  return ids_with_key(attribute, IndexKeyKind::kSubstring, key);
}

Result<std::vector<EntryId>> Transaction::ids_with_key(std::string_view attribute, IndexKeyKind kind,
                                                       std::string_view key) const {
  auto dbi = index_dbi(state(), attribute);
  if (!dbi.ok()) {
    return dbi.status();
  }
  return read_id_list(state(), txn(), *dbi, index_record_key(kind, key));
}

Result<std::uint64_t> Transaction::id_count(std::string_view attribute, IndexKeyKind kind,
                                            std::string_view key) const {
  auto cursor = open_index_cursor(state(), txn(), attribute);
  if (!cursor.ok()) {
    return cursor.status();
  }

  const std::string record_key = index_record_key(kind, key);
  MDB_val k = as_val(record_key);
  MDB_val data{};
  int rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_SET);
  if (rc == MDB_NOTFOUND) {
    return std::uint64_t{0};
  }
  std::size_t count = 0;
  if (rc == MDB_SUCCESS) {
    rc = mdb_cursor_count(cursor->get(), &count);
  }
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "count index ids", state().folder);
  }
  return static_cast<std::uint64_t>(count);
}

Result<std::vector<EntryId>> Transaction::ids_among(std::string_view attribute, IndexKeyKind kind,
                                                    std::string_view key,
                                                    const std::vector<EntryId>& candidates) const {
  auto cursor = open_index_cursor(state(), txn(), attribute);
  if (!cursor.ok()) {
    return cursor.status();
  }

  const std::string record_key = index_record_key(kind, key);
  std::vector<EntryId> found;
  for (EntryId id : candidates) {
    auto id_bytes = detail::encode_id(id);
    MDB_val k = as_val(record_key);
    MDB_val data{id_bytes.size(), id_bytes.data()};
    int rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_GET_BOTH);
    if (rc == MDB_SUCCESS) {
      found.push_back(id);
    } else if (rc != MDB_NOTFOUND) {
      return detail::lmdb_status(rc, "read index", state().folder);
    }
  }
  return found;
}

Result<std::vector<EntryId>> Transaction::ids_in_list(std::string_view attribute, IndexKeyKind kind,
                                                      std::string_view key,
                                                      const std::vector<EntryId>& candidates) const {
  auto cursor = open_index_cursor(state(), txn(), attribute);
  if (!cursor.ok()) {
    return cursor.status();
  }

  const std::string record_key = index_record_key(kind, key);
  MDB_val k = as_val(record_key);
  MDB_val data{};
  int rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_SET);
  if (rc == MDB_SUCCESS) {
    rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_GET_MULTIPLE);
  }

  std::vector<EntryId> found;
  std::size_t next = 0;
  while (rc == MDB_SUCCESS && next < candidates.size()) {
    intersect_page(IdPage(as_view(data)), candidates, next, found);
    rc = mdb_cursor_get(cursor->get(), &k, &data, MDB_NEXT_MULTIPLE);
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return detail::lmdb_status(rc, "read index", state().folder);
  }
  return found;
}

Result<std::vector<EntryId>> Transaction::ids_in_range(std::string_view attribute,
                                                       std::optional<std::string_view> lower,
                                                       std::optional<std::string_view> upper) const {
  auto cursor = open_index_cursor(state(), txn(), attribute);
  if (!cursor.ok()) {
    return cursor.status();
  }

  // Equality keys sort after the presence key and before substring keys, so the walk
  // starts at the lower bound (or the first equality key) and stops at the first key
  // past the upper bound or outside the equality prefix.
  std::string start(1, detail::kIndexValuePrefix);
  if (lower.has_value()) {
    start.append(lower->substr(0, kMaxIndexedValueBytes));
  }
  std::optional<std::string> stop;
  if (upper.has_value()) {
    stop = std::string(1, detail::kIndexValuePrefix) + std::string(upper->substr(0, kMaxIndexedValueBytes));
  }

  std::vector<EntryId> ids;
  MDB_val key = as_val(start);
  MDB_val data{};
  int rc = mdb_cursor_get(cursor->get(), &key, &data, MDB_SET_RANGE);
  while (rc == MDB_SUCCESS) {
    std::string_view current = as_view(key);
    if (current.empty() || current.front() != detail::kIndexValuePrefix ||
        (stop.has_value() && current > *stop)) {
      break;
    }
    EntryId id = 0;
    if (!detail::decode_id(as_view(data), id)) {
      return Status::corruption("index of " + std::string(attribute) + " in " +
                                state().folder.string() + " holds a malformed id");
    }
    ids.push_back(id);
    rc = mdb_cursor_get(cursor->get(), &key, &data, MDB_NEXT);
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return detail::lmdb_status(rc, "read index", state().folder);
  }

  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Result<std::uint64_t> Transaction::index_record_count(std::string_view attribute) const {
  auto dbi = index_dbi(state(), attribute);
  if (!dbi.ok()) {
    return dbi.status();
  }
  MDB_stat stat{};
  int rc = mdb_stat(txn(), *dbi, &stat);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "count index records", state().folder);
  }
  return static_cast<std::uint64_t>(stat.ms_entries);
}

Result<std::uint64_t> Transaction::entry_count() const {
  MDB_stat stat{};
  int rc = mdb_stat(txn(), state().entries, &stat);
  if (rc != MDB_SUCCESS) {
    return detail::lmdb_status(rc, "count entries", state().folder);
  }
  return static_cast<std::uint64_t>(stat.ms_entries);
}

}  // namespace careid::directory::storage
