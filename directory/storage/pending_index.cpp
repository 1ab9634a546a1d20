// Index records of a bulk load: kept in per-index arenas, sorted, then written in key order.
#include "directory/storage/pending_index.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "directory/storage/store_state.h"

namespace careid::directory::storage::detail {

namespace {

std::uint64_t big_endian_prefix(std::string_view key) {
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const unsigned char byte = i < key.size() ? static_cast<unsigned char>(key[i]) : 0;
    prefix = (prefix << 8) | byte;
  }
  return prefix;
}

}  // namespace

void PendingIndexRecords::add(const StoreState& state, const std::vector<IndexKey>& keys,
                              EntryId id) {
  if (buffers_.size() < state.index_dbis.size()) {
    buffers_.resize(state.index_dbis.size());
  }
  for (const IndexKey& key : keys) {
    const std::optional<std::size_t> position = state.index_position(key.attribute);
    if (!position.has_value()) {
      continue;  // prepare_keys has already dropped these
    }
    if (key.kind == IndexKeyKind::kPresence) {
      append(*position, kIndexPresenceKey, {}, id);
    } else {
      append(*position, static_cast<char>(key.kind), key.value, id);
    }
  }
}

void PendingIndexRecords::append(std::size_t position, char kind, std::string_view value,
                                 EntryId id) {
  IndexBuffer& buffer = buffers_[position];
  Item item;
  item.offset = buffer.arena.size();
  item.length = 1 + value.size();
  item.id = id;

  buffer.arena.push_back(kind);
  buffer.arena.append(value);
  item.prefix = big_endian_prefix(key_of(buffer, item));
  buffer.items.push_back(item);
  ++records_;
}

void PendingIndexRecords::drop_from(EntryId first_dropped) {
  for (IndexBuffer& buffer : buffers_) {
    // Ids were added in ascending order, so the dropped records are the tail.
    while (!buffer.items.empty() && buffer.items.back().id >= first_dropped) {
      buffer.arena.resize(buffer.items.back().offset);
      buffer.items.pop_back();
      --records_;
    }
  }
}

std::uint64_t PendingIndexRecords::memory_bytes() const {
  std::uint64_t bytes = 0;
  for (const IndexBuffer& buffer : buffers_) {
    bytes += buffer.items.capacity() * sizeof(Item) + buffer.arena.capacity();
  }
  return bytes;
}

std::string_view PendingIndexRecords::key_of(const IndexBuffer& buffer, const Item& item) {
  return std::string_view(buffer.arena).substr(item.offset, item.length);
}

bool PendingIndexRecords::item_before(const IndexBuffer& buffer, const Item& left,
                                      const Item& right) {
  if (left.prefix != right.prefix) {
    return left.prefix < right.prefix;
  }
  // Equal prefixes of keys of at most 8 bytes differ only in the zero padding, so the
  // shorter key is the smaller one. This spares a compare for the many presence keys.
  if (left.length <= 8 && right.length <= 8) {
    if (left.length != right.length) {
      return left.length < right.length;
    }
    return left.id < right.id;
  }
  // char_traits<char>::compare orders bytes as unsigned, as LMDB's default comparison does.
  const int order = key_of(buffer, left).compare(key_of(buffer, right));
  if (order != 0) {
    return order < 0;
  }
  return left.id < right.id;
}

Status PendingIndexRecords::write(const StoreState& state, const TransactionSource& begin,
                                  const std::function<Status()>& commit,
                                  std::uint64_t records_per_commit) {
  SortedBuffers sorted(*this);
  std::uint64_t in_transaction = 0;
  for (std::size_t position = 0; position < buffers_.size(); ++position) {
    IndexBuffer& buffer = buffers_[position];
    if (buffer.items.empty()) {
      continue;
    }
    sorted.wait_for(position);
    IndexWrite write{state, state.index_dbis[position], begin, commit, records_per_commit};
    CAREID_RETURN_IF_ERROR(write_sorted(buffer, write, in_transaction));
    buffer = IndexBuffer();
  }
  records_ = 0;
  return Status::ok_status();
}

void PendingIndexRecords::sort_buffer(IndexBuffer& buffer) {
  std::sort(buffer.items.begin(), buffer.items.end(),
            [&buffer](const Item& left, const Item& right) { return item_before(buffer, left, right); });
}

PendingIndexRecords::SortedBuffers::SortedBuffers(PendingIndexRecords& records) : records_(records) {
  const std::size_t buffers = records.buffers_.size();
  sorted_.assign(buffers, false);
  const unsigned threads = std::min<std::size_t>(std::thread::hardware_concurrency(), buffers);
  if (records.records_ < kParallelSortRecords || threads < 2) {
    for (IndexBuffer& buffer : records.buffers_) {
      sort_buffer(buffer);
    }
    sorted_.assign(buffers, true);
    return;
  }
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { sort_next_buffers(); });
  }
}

PendingIndexRecords::SortedBuffers::~SortedBuffers() {
  stopping_ = true;
  for (std::thread& thread : threads_) {
    thread.join();
  }
}

// Buffers are taken in position order, so the one write() needs next is sorted first.
void PendingIndexRecords::SortedBuffers::sort_next_buffers() {
  for (std::size_t position = next_++; position < sorted_.size() && !stopping_; position = next_++) {
    sort_buffer(records_.buffers_[position]);
    {
      std::lock_guard lock(mutex_);
      sorted_[position] = true;
    }
    buffer_sorted_.notify_all();
  }
}

void PendingIndexRecords::SortedBuffers::wait_for(std::size_t position) {
  std::unique_lock lock(mutex_);
  buffer_sorted_.wait(lock, [&] { return static_cast<bool>(sorted_[position]); });
}

Status PendingIndexRecords::write_sorted(const IndexBuffer& buffer, const IndexWrite& write,
                                         std::uint64_t& in_transaction) {
  auto cursor = open_write_cursor(write);
  if (!cursor.ok()) {
    return cursor.status();
  }

  // Keys above the last stored key sort after everything in the database, so each new
  // one can be appended. A database without keys takes every key that way.
  MDB_val last_key{};
  MDB_val last_data{};
  int rc = mdb_cursor_get(cursor->get(), &last_key, &last_data, MDB_LAST);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return lmdb_status(rc, "read the last key of an index", write.state.folder);
  }
  const std::string last_stored = rc == MDB_SUCCESS ? std::string(as_view(last_key)) : "";
  bool appending = rc == MDB_NOTFOUND;

  std::string_view previous;
  EntryId previous_id = 0;
  for (std::size_t i = 0; i < buffer.items.size(); ++i) {
    const Item& item = buffer.items[i];
    const std::string_view key = key_of(buffer, item);
    const bool new_key = i == 0 || key != previous;
    // The same key twice for one entry (two spellings of a type) is one index record.
    if (!new_key && item.id == previous_id) {
      continue;
    }
    previous = key;
    previous_id = item.id;
    if (new_key && !appending && key > std::string_view(last_stored)) {
      appending = true;
    }

    // MDB_APPEND rejects a key equal to the last one, so the further ids of a key are
    // put with MDB_APPENDDUP alone.
    auto id_bytes = encode_id(item.id);
    MDB_val key_val = as_val(key);
    MDB_val data{id_bytes.size(), id_bytes.data()};
    rc = mdb_cursor_put(cursor->get(), &key_val, &data,
                        appending && new_key ? MDB_APPEND : MDB_APPENDDUP);
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, "write index record of entry id " + std::to_string(item.id),
                         write.state.folder);
    }

    if (write.records_per_commit != 0 && ++in_transaction >= write.records_per_commit) {
      cursor->reset();
      CAREID_RETURN_IF_ERROR(write.commit());
      in_transaction = 0;
      cursor = open_write_cursor(write);
      if (!cursor.ok()) {
        return cursor.status();
      }
    }
  }
  return Status::ok_status();
}

Result<CursorHandle> PendingIndexRecords::open_write_cursor(const IndexWrite& write) {
  auto txn = write.begin();
  if (!txn.ok()) {
    return txn.status();
  }
  return open_cursor(*txn, write.dbi, write.state.folder);
}

}  // namespace careid::directory::storage::detail
