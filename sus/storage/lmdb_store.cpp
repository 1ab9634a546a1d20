#include "sus/storage/lmdb_store.h"

#include <lmdb.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "base/log.h"
#include "sus/storage/codec.h"

namespace careid::sus::storage {
namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormatVersion = "1";

MDB_val as_val(std::string_view bytes) { return MDB_val{bytes.size(), const_cast<char*>(bytes.data())}; }

// The view is valid only until the transaction that produced `value` ends or writes.
std::string_view as_view(const MDB_val& value) { return {static_cast<const char*>(value.mv_data), value.mv_size}; }

Status lmdb_status(int rc, std::string_view operation, const std::filesystem::path& folder) {
  if (rc == MDB_SUCCESS) {
    return Status::ok_status();
  }
  std::string message = std::string(operation) + " in SUS store " + folder.string() + ": " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) {
    return Status::resource_exhausted(message + "; open the store with a larger map size");
  }
  if (rc == MDB_CORRUPTED || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
    return Status::corruption(message);
  }
  return Status::io_error(message);
}

struct TxnAborter {
  void operator()(MDB_txn* txn) const { mdb_txn_abort(txn); }
};
using TxnHandle = std::unique_ptr<MDB_txn, TxnAborter>;

struct CursorCloser {
  void operator()(MDB_cursor* cursor) const { mdb_cursor_close(cursor); }
};
using CursorHandle = std::unique_ptr<MDB_cursor, CursorCloser>;

}  // namespace

struct LmdbSusStore::Handles {
  MDB_env* env = nullptr;
  MDB_dbi tariff = 0;
  MDB_dbi mff = 0;
  MDB_dbi spells = 0;
  MDB_dbi meta = 0;

  ~Handles() {
    if (env != nullptr) {
      mdb_env_close(env);
    }
  }
};

namespace {

Result<TxnHandle> begin_txn(MDB_env* env, unsigned flags, const std::filesystem::path& folder) {
  MDB_txn* txn = nullptr;
  const int rc = mdb_txn_begin(env, nullptr, flags, &txn);
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "begin transaction", folder);
  }
  return TxnHandle(txn);
}

Status commit(TxnHandle txn, std::string_view operation, const std::filesystem::path& folder) {
  // mdb_txn_commit frees the transaction whether or not it succeeds.
  return lmdb_status(mdb_txn_commit(txn.release()), operation, folder);
}

// Deletes every key of `dbi` that starts with `prefix`.
Status delete_prefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, const std::filesystem::path& folder) {
  MDB_cursor* raw = nullptr;
  CAREID_RETURN_IF_ERROR(lmdb_status(mdb_cursor_open(txn, dbi, &raw), "open cursor", folder));
  CursorHandle cursor(raw);

  std::vector<std::string> keys;
  MDB_val key = as_val(prefix);
  MDB_val value{};
  int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_RANGE);
  while (rc == MDB_SUCCESS && as_view(key).substr(0, prefix.size()) == prefix) {
    keys.emplace_back(as_view(key));
    rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT);
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return lmdb_status(rc, "read", folder);
  }
  cursor.reset();

  for (const std::string& old_key : keys) {
    MDB_val k = as_val(old_key);
    CAREID_RETURN_IF_ERROR(lmdb_status(mdb_del(txn, dbi, &k, nullptr), "delete", folder));
  }
  return Status::ok_status();
}

// Calls `visit` with the part of each key after `prefix`, and its value.
Status scan_prefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, const std::filesystem::path& folder,
                   const std::function<Status(std::string_view, std::string_view)>& visit) {
  MDB_cursor* raw = nullptr;
  CAREID_RETURN_IF_ERROR(lmdb_status(mdb_cursor_open(txn, dbi, &raw), "open cursor", folder));
  CursorHandle cursor(raw);

  MDB_val key = as_val(prefix);
  MDB_val value{};
  int rc = prefix.empty() ? mdb_cursor_get(cursor.get(), &key, &value, MDB_FIRST)
                          : mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_RANGE);
  while (rc == MDB_SUCCESS && as_view(key).substr(0, prefix.size()) == prefix) {
    CAREID_RETURN_IF_ERROR(visit(as_view(key).substr(prefix.size()), as_view(value)));
    rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT);
  }
  return rc == MDB_NOTFOUND || rc == MDB_SUCCESS ? Status::ok_status() : lmdb_status(rc, "read", folder);
}

Status check_format(MDB_txn* txn, MDB_dbi meta, const std::filesystem::path& folder) {
  MDB_val key = as_val(kFormatKey);
  MDB_val value{};
  const int rc = mdb_get(txn, meta, &key, &value);
  if (rc == MDB_NOTFOUND) {
    MDB_val version = as_val(kFormatVersion);
    return lmdb_status(mdb_put(txn, meta, &key, &version, 0), "write format", folder);
  }
  CAREID_RETURN_IF_ERROR(lmdb_status(rc, "read format", folder));
  if (as_view(value) != kFormatVersion) {
    return Status::corruption("SUS store " + folder.string() + " has format " + std::string(as_view(value)) +
                              "; this build reads format " + std::string(kFormatVersion));
  }
  return Status::ok_status();
}

}  // namespace

LmdbSusStore::LmdbSusStore(std::filesystem::path folder, std::unique_ptr<Handles> handles)
    : SusStore(std::move(folder)), handles_(std::move(handles)) {}

LmdbSusStore::~LmdbSusStore() = default;

Result<std::unique_ptr<SusStore>> LmdbSusStore::open(const std::filesystem::path& folder, const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    return Status::io_error("cannot create SUS store folder " + folder.string() + ": " + ec.message());
  }

  auto handles = std::make_unique<Handles>();
  CAREID_RETURN_IF_ERROR(lmdb_status(mdb_env_create(&handles->env), "create environment", folder));
  CAREID_RETURN_IF_ERROR(lmdb_status(mdb_env_set_maxdbs(handles->env, 4), "set databases", folder));
  CAREID_RETURN_IF_ERROR(lmdb_status(mdb_env_set_mapsize(handles->env, options.map_size_bytes), "set map size", folder));
  CAREID_RETURN_IF_ERROR(lmdb_status(mdb_env_open(handles->env, folder.c_str(), 0, 0640), "open", folder));

  auto txn = begin_txn(handles->env, 0, folder);
  if (!txn.ok()) {
    return txn.status();
  }
  const std::pair<const char*, MDB_dbi*> databases[] = {
      {"tariff", &handles->tariff}, {"mff", &handles->mff}, {"spells", &handles->spells}, {"meta", &handles->meta}};
  for (const auto& [name, dbi] : databases) {
    CAREID_RETURN_IF_ERROR(lmdb_status(mdb_dbi_open(txn->get(), name, MDB_CREATE, dbi), "open database", folder));
  }
  CAREID_RETURN_IF_ERROR(check_format(txn->get(), handles->meta, folder));
  CAREID_RETURN_IF_ERROR(commit(std::move(*txn), "create databases", folder));
  return std::unique_ptr<SusStore>(new LmdbSusStore(folder, std::move(handles)));
}

Status LmdbSusStore::replace_tariff_year(const tariff::TariffYear& tariff) {
  auto txn = begin_txn(handles_->env, 0, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  const std::string prefix = detail::make_key(tariff.year(), "");
  CAREID_RETURN_IF_ERROR(delete_prefix(txn->get(), handles_->tariff, prefix, folder()));

  for (const auto& [code, price] : tariff.prices()) {
    const std::string key = detail::make_key(tariff.year(), code);
    const std::string value = detail::encode_price(price);
    MDB_val k = as_val(key);
    MDB_val v = as_val(value);
    CAREID_RETURN_IF_ERROR(lmdb_status(mdb_put(txn->get(), handles_->tariff, &k, &v, 0), "write tariff", folder()));
  }
  CAREID_RETURN_IF_ERROR(commit(std::move(*txn), "commit tariff " + tariff.year(), folder()));
  log::get("sus")->info("tariff stored year={} hrgs={}", tariff.year(), tariff.size());
  return Status::ok_status();
}

Result<tariff::TariffYear> LmdbSusStore::load_tariff_year(std::string_view year) const {
  auto txn = begin_txn(handles_->env, MDB_RDONLY, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  tariff::TariffYear result{std::string(year)};
  Status status = scan_prefix(txn->get(), handles_->tariff, detail::make_key(year, ""), folder(),
                              [&](std::string_view code, std::string_view value) {
                                tariff::HrgPrice price;
                                if (!detail::decode_price(value, price)) {
                                  return Status::corruption("tariff " + std::string(year) + " HRG " +
                                                            std::string(code) + " in " + folder().string() +
                                                            " does not decode; import the tariff again");
                                }
                                result.put(std::move(price));
                                return Status::ok_status();
                              });
  CAREID_RETURN_IF_ERROR(status);
  if (result.size() == 0) {
    return Status::not_found("no tariff for " + std::string(year) + " in " + folder().string() +
                             "; run careidctl sus import-tariff first");
  }
  return result;
}

Status LmdbSusStore::replace_mff_year(const tariff::MffTable& table) {
  auto txn = begin_txn(handles_->env, 0, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  CAREID_RETURN_IF_ERROR(delete_prefix(txn->get(), handles_->mff, detail::make_key(table.year, ""), folder()));
  for (const auto& [provider, factor] : table.by_provider) {
    const std::string key = detail::make_key(table.year, provider);
    const std::string value = std::to_string(factor.billionths);
    MDB_val k = as_val(key);
    MDB_val v = as_val(value);
    CAREID_RETURN_IF_ERROR(lmdb_status(mdb_put(txn->get(), handles_->mff, &k, &v, 0), "write MFF", folder()));
  }
  CAREID_RETURN_IF_ERROR(commit(std::move(*txn), "commit MFF " + table.year, folder()));
  log::get("sus")->info("market forces factors stored year={} providers={}", table.year, table.by_provider.size());
  return Status::ok_status();
}

Result<tariff::MffTable> LmdbSusStore::load_mff_year(std::string_view year) const {
  auto txn = begin_txn(handles_->env, MDB_RDONLY, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  tariff::MffTable table;
  table.year = std::string(year);
  Status status = scan_prefix(txn->get(), handles_->mff, detail::make_key(year, ""), folder(),
                              [&](std::string_view provider, std::string_view value) {
                                std::int64_t billionths = 0;
                                for (char c : value) {
                                  if (c < '0' || c > '9' || value.size() > 18) {
                                    return Status::corruption("MFF " + std::string(year) + " of " + std::string(provider) +
                                                              " does not decode; import the MFF again");
                                  }
                                  billionths = billionths * 10 + (c - '0');
                                }
                                table.by_provider.emplace(std::string(provider), tariff::MffFactor{billionths});
                                return Status::ok_status();
                              });
  CAREID_RETURN_IF_ERROR(status);
  if (table.by_provider.empty()) {
    return Status::not_found("no market forces factors for " + std::string(year) + " in " + folder().string() +
                             "; run careidctl sus import-mff first");
  }
  return table;
}

// Spells put since begin_spells(), encoded into one buffer, written sorted at commit().
class LmdbSusStore::Batch final : public SpellBatch {
 public:
  Batch(LmdbSusStore& store, TxnHandle txn) : store_(store), txn_(std::move(txn)) {}

  Status put(const spells::Spell& spell) override {
    Entry entry{0, 0, bytes_.size(), 0, 0};
    bytes_.append(spell.provider).push_back('\0');
    bytes_.append(spell.spell_number);
    entry.key_size = bytes_.size() - entry.offset;
    entry.head = big_endian_word(key(entry), 0);
    entry.next = big_endian_word(key(entry), 8);
    detail::append_spell(spell, bytes_);
    entry.value_size = bytes_.size() - entry.offset - entry.key_size;
    entries_.push_back(entry);
    return Status::ok_status();
  }

  Status commit() override {
    sort_keeping_last_put();
    const std::filesystem::path& folder = store_.folder();
    MDB_dbi dbi = store_.handles_->spells;
    MDB_stat stat{};
    CAREID_RETURN_IF_ERROR(lmdb_status(mdb_stat(txn_.get(), dbi, &stat), "read spells statistics", folder));

    // MDB_APPEND skips the search for each key and fills pages completely, but needs every
    // key to sort after the last one stored, which holds only for an empty database.
    const unsigned flags = stat.ms_entries == 0 ? MDB_APPEND : 0;
    MDB_cursor* raw = nullptr;
    CAREID_RETURN_IF_ERROR(lmdb_status(mdb_cursor_open(txn_.get(), dbi, &raw), "open cursor", folder));
    CursorHandle cursor(raw);
    for (const Entry& entry : entries_) {
      MDB_val key{entry.key_size, bytes_.data() + entry.offset};
      MDB_val value{entry.value_size, bytes_.data() + entry.offset + entry.key_size};
      CAREID_RETURN_IF_ERROR(lmdb_status(mdb_cursor_put(cursor.get(), &key, &value, flags), "write spell", folder));
    }
    cursor.reset();
    return storage::commit(std::move(txn_), "commit spells", folder);
  }

 private:
  struct Entry {
    // Bytes 0-7 and 8-15 of the key, big-endian and padded with zeros, so that most
    // comparisons of the sort are two integer comparisons instead of a memcmp call.
    std::uint64_t head;
    std::uint64_t next;
    std::size_t offset;  // of the key in bytes_; the value follows it
    std::size_t key_size;
    std::size_t value_size;
  };

  static std::uint64_t big_endian_word(std::string_view key, std::size_t from) {
    std::uint64_t word = 0;
    for (std::size_t i = from; i < from + 8; ++i) {
      word = (word << 8) | (i < key.size() ? static_cast<std::uint8_t>(key[i]) : 0);
    }
    return word;
  }

  std::string_view key(const Entry& entry) const { return {bytes_.data() + entry.offset, entry.key_size}; }

  // Bytewise key order, as LMDB's default comparison; equal keys in put order.
  bool before(const Entry& a, const Entry& b) const {
    if (a.head != b.head) {
      return a.head < b.head;
    }
    if (a.next != b.next) {
      return a.next < b.next;
    }
    const int order = key(a).compare(key(b));
    return order != 0 ? order < 0 : a.offset < b.offset;
  }

  // Sorts by key and, where a key was put more than once, keeps only its last put.
  void sort_keeping_last_put() {
    std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) { return before(a, b); });
    std::vector<Entry> unique;
    unique.reserve(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (i + 1 < entries_.size() && key(entries_[i]) == key(entries_[i + 1])) {
        continue;
      }
      unique.push_back(entries_[i]);
    }
    entries_ = std::move(unique);
  }

  LmdbSusStore& store_;
  TxnHandle txn_;
  std::string bytes_;
  std::vector<Entry> entries_;
};

Result<SpellWriter> LmdbSusStore::begin_spells() {
  auto txn = begin_txn(handles_->env, 0, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  return make_writer(std::make_unique<Batch>(*this, std::move(*txn)));
}

Status LmdbSusStore::for_each_spell(const std::function<Status(const spells::Spell&)>& visit) const {
  auto txn = begin_txn(handles_->env, MDB_RDONLY, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  spells::Spell spell;
  return scan_prefix(txn->get(), handles_->spells, "", folder(), [&](std::string_view key, std::string_view value) {
    if (!detail::decode_spell(value, spell)) {
      // The key is the provider code and the spell number, separated by a NUL byte.
      std::string name(key.substr(0, 64));
      std::replace(name.begin(), name.end(), '\0', '/');
      return Status::corruption("stored spell " + name + " in " + folder().string() +
                                " does not decode; submit the spell again");
    }
    return visit(spell);
  });
}

Result<spells::Spell> LmdbSusStore::find_spell(std::string_view provider, std::string_view spell_number) const {
  auto txn = begin_txn(handles_->env, MDB_RDONLY, folder());
  if (!txn.ok()) {
    return txn.status();
  }
  const std::string key = detail::make_key(provider, spell_number);
  MDB_val k = as_val(key);
  MDB_val value{};
  const int rc = mdb_get(txn->get(), handles_->spells, &k, &value);
  if (rc == MDB_NOTFOUND) {
    return Status::not_found("no spell " + std::string(spell_number) + " for provider " + std::string(provider));
  }
  CAREID_RETURN_IF_ERROR(lmdb_status(rc, "read spell", folder()));
  spells::Spell spell;
  if (!detail::decode_spell(as_view(value), spell)) {
    return Status::corruption("stored spell " + std::string(provider) + "/" + std::string(spell_number) +
                              " in " + folder().string() + " does not decode; submit the spell again");
  }
  return spell;
}

}  // namespace careid::sus::storage
