#include "pki/card_registry.h"

#include <lmdb.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <mutex>

#include "base/log.h"
#include "pki/ca.h"

namespace careid::pki {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

// Version of the record encoding below; open() rejects any other.
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kMaxSerialHexDigits = 40;

constexpr std::string_view kGenerationKey = "generation";
constexpr std::string_view kCrlNumberKey = "crl_number";
constexpr std::string_view kFormatKey = "format";

struct ReasonName {
  RevocationReason reason;
  std::string_view name;
};

constexpr std::array<ReasonName, 10> kReasonNames{{
    {RevocationReason::kUnspecified, "unspecified"},
    {RevocationReason::kKeyCompromise, "keyCompromise"},
    {RevocationReason::kCaCompromise, "cACompromise"},
    {RevocationReason::kAffiliationChanged, "affiliationChanged"},
    {RevocationReason::kSuperseded, "superseded"},
    {RevocationReason::kCessationOfOperation, "cessationOfOperation"},
    {RevocationReason::kCertificateHold, "certificateHold"},
    {RevocationReason::kRemoveFromCrl, "removeFromCRL"},
    {RevocationReason::kPrivilegeWithdrawn, "privilegeWithdrawn"},
    {RevocationReason::kAaCompromise, "aACompromise"},
}};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// --- LMDB helpers -------------------------------------------------------------------------

Status lmdb_status(int rc, std::string_view operation, const fs::path& folder) {
  std::string message = "card registry " + folder.string() + ": " + std::string(operation) +
                        " failed: " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) {
    return Status::resource_exhausted(message + "; raise the registry map size");
  }
  if (rc == MDB_CORRUPTED || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
    return Status::corruption(message);
  }
  return Status::io_error(message);
}

MDB_val as_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view as_view(const MDB_val& value) {
  return {static_cast<const char*>(value.mv_data), value.mv_size};
}

struct TxnAborter {
  void operator()(MDB_txn* txn) const { mdb_txn_abort(txn); }
};
using TxnHandle = std::unique_ptr<MDB_txn, TxnAborter>;

struct CursorCloser {
  void operator()(MDB_cursor* cursor) const { mdb_cursor_close(cursor); }
};
using CursorHandle = std::unique_ptr<MDB_cursor, CursorCloser>;

// --- record encoding ----------------------------------------------------------------------
//
// A record is a sequence of fields: 8-byte big-endian integers and strings prefixed by a
// 4-byte big-endian length. Decoding checks every length against what remains.

void put_u64(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void put_string(std::string& out, std::string_view value) {
  auto size = static_cast<std::uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out.append(value);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool u64(std::uint64_t& value) {
    if (data_.size() < 8) {
      return false;
    }
    value = 0;
    for (int i = 0; i < 8; ++i) {
      value = (value << 8) | static_cast<unsigned char>(data_[i]);
    }
    data_.remove_prefix(8);
    return true;
  }

  bool string(std::string& value) {
    if (data_.size() < 4) {
      return false;
    }
    std::uint32_t size = 0;
    for (int i = 0; i < 4; ++i) {
      size = (size << 8) | static_cast<unsigned char>(data_[i]);
    }
    data_.remove_prefix(4);
    if (data_.size() < size) {
      return false;
    }
    value.assign(data_.substr(0, size));
    data_.remove_prefix(size);
    return true;
  }

  bool at_end() const { return data_.empty(); }

 private:
  std::string_view data_;
};

std::int64_t to_seconds(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Clock::time_point from_seconds(std::uint64_t seconds) {
  return Clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(seconds)));
}

std::string encode_record(const CardRecord& record) {
  std::string out;
  put_string(out, record.uid);
  put_string(out, record.token_serial);
  put_string(out, record.subject);
  put_string(out, to_string(record.certificate_der));
  put_u64(out, static_cast<std::uint64_t>(to_seconds(record.not_before)));
  put_u64(out, static_cast<std::uint64_t>(to_seconds(record.not_after)));
  put_u64(out, static_cast<std::uint64_t>(to_seconds(record.recorded_at)));
  put_u64(out, static_cast<std::uint64_t>(record.status.state));
  put_u64(out, static_cast<std::uint64_t>(record.status.reason));
  put_u64(out, record.status.revoked_at ? static_cast<std::uint64_t>(to_seconds(*record.status.revoked_at)) : 0);
  return out;
}

Result<CardRecord> decode_record(std::string_view serial_hex, std::string_view data) {
  CardRecord record;
  record.serial_hex = std::string(serial_hex);
  std::string der;
  std::uint64_t not_before = 0, not_after = 0, recorded_at = 0, state = 0, reason = 0, revoked_at = 0;
  Reader reader(data);
  bool ok = reader.string(record.uid) && reader.string(record.token_serial) &&
            reader.string(record.subject) && reader.string(der) && reader.u64(not_before) &&
            reader.u64(not_after) && reader.u64(recorded_at) && reader.u64(state) &&
            reader.u64(reason) && reader.u64(revoked_at) && reader.at_end();
  if (!ok || state > static_cast<std::uint64_t>(CardState::kOnHold) || reason > 10) {
    return Status::corruption("card registry record for serial " + std::string(serial_hex) +
                              " does not decode");
  }

  record.certificate_der.assign(der.begin(), der.end());
  record.not_before = from_seconds(not_before);
  record.not_after = from_seconds(not_after);
  record.recorded_at = from_seconds(recorded_at);
  record.status.state = static_cast<CardState>(state);
  record.status.reason = static_cast<RevocationReason>(reason);
  if (record.status.state == CardState::kRevoked || record.status.state == CardState::kOnHold) {
    record.status.revoked_at = from_seconds(revoked_at);
  }
  return record;
}

std::string uid_key(std::string_view uid, std::string_view serial_hex) {
  // The NUL keeps "uid" a prefix of exactly its own keys, because uids are 12 digits.
  std::string key(uid);
  key.push_back('\0');
  key.append(serial_hex);
  return key;
}

}  // namespace

// --- free functions -----------------------------------------------------------------------

std::string_view revocation_reason_name(RevocationReason reason) {
  for (const auto& entry : kReasonNames) {
    if (entry.reason == reason) {
      return entry.name;
    }
  }
  return "unspecified";
}

Result<RevocationReason> parse_revocation_reason(std::string_view name) {
  for (const auto& entry : kReasonNames) {
    if (equals_ignore_case(entry.name, name)) {
      return entry.reason;
    }
  }
  std::string accepted;
  for (const auto& entry : kReasonNames) {
    accepted += accepted.empty() ? "" : ", ";
    accepted += entry.name;
  }
  return Status::invalid_argument("invalid revocation reason '" + std::string(name) +
                                  "': expected one of " + accepted);
}

std::string serial_hex_octets(std::string_view serial_hex) {
  std::string octets = serial_hex.size() % 2 == 1 ? "0" : "";
  octets += serial_hex;
  return octets;
}

Result<std::string> normalize_serial_hex(std::string_view serial) {
  std::string digits;
  for (char c : serial) {
    if (c == ':') {
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Status::invalid_argument("invalid serial number '" + std::string(serial) +
                                      "': expected hex digits, optionally separated by ':'");
    }
    if (digits.empty() && c == '0') {
      continue;
    }
    digits.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (digits.empty()) {
    // An all-zero serial is still a value; RFC 5280 forbids it but it must not look empty.
    if (serial.find('0') == std::string_view::npos) {
      return Status::invalid_argument("invalid serial number '" + std::string(serial) +
                                      "': expected hex digits");
    }
    digits = "0";
  }
  if (digits.size() > kMaxSerialHexDigits) {
    return Status::invalid_argument("invalid serial number '" + std::string(serial) +
                                    "': longer than 20 octets (RFC 5280 4.1.2.2)");
  }
  return digits;
}

std::string_view card_state_name(CardState state) {
  switch (state) {
    case CardState::kGood:
      return "good";
    case CardState::kRevoked:
      return "revoked";
    case CardState::kOnHold:
      return "on hold";
    case CardState::kUnknown:
      break;
  }
  return "unknown";
}

// --- CardRegistry -------------------------------------------------------------------------

struct CardRegistry::Impl {
  fs::path folder;
  MDB_env* env = nullptr;
  MDB_dbi cards = 0;    // serial_hex -> record
  MDB_dbi by_uid = 0;   // uid NUL serial_hex -> empty
  MDB_dbi revoked = 0;  // serial_hex -> empty, for cards revoked or on hold
  MDB_dbi meta = 0;     // generation, crl_number, format

  Status open_databases();
  Result<std::vector<CardRecord>> collect(MDB_txn* txn, MDB_dbi index, std::string_view prefix) const;

  ~Impl() {
    if (env != nullptr) {
      mdb_env_close(env);
    }
  }

  Result<TxnHandle> begin(bool write) const {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn);
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, write ? "begin write transaction" : "begin read transaction", folder);
    }
    return TxnHandle(txn);
  }

  Status commit(TxnHandle txn) const {
    int rc = mdb_txn_commit(txn.release());
    return rc == MDB_SUCCESS ? Status::ok_status() : lmdb_status(rc, "commit", folder);
  }

  Result<std::optional<std::uint64_t>> read_counter(MDB_txn* txn, std::string_view key) const {
    MDB_val k = as_val(key);
    MDB_val value;
    int rc = mdb_get(txn, meta, &k, &value);
    if (rc == MDB_NOTFOUND) {
      return std::optional<std::uint64_t>();
    }
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, "read " + std::string(key), folder);
    }
    std::uint64_t counter = 0;
    Reader reader(as_view(value));
    if (!reader.u64(counter) || !reader.at_end()) {
      return Status::corruption("card registry " + folder.string() + ": " + std::string(key) +
                                " does not decode");
    }
    return std::optional<std::uint64_t>(counter);
  }

  Status write_counter(MDB_txn* txn, std::string_view key, std::uint64_t counter) const {
    std::string bytes;
    put_u64(bytes, counter);
    MDB_val k = as_val(key);
    MDB_val value = as_val(bytes);
    int rc = mdb_put(txn, meta, &k, &value, 0);
    return rc == MDB_SUCCESS ? Status::ok_status() : lmdb_status(rc, "write " + std::string(key), folder);
  }

  // Raises the counter `key` by one and returns the new value.
  Result<std::uint64_t> raise_counter(MDB_txn* txn, std::string_view key) const {
    auto current = read_counter(txn, key);
    if (!current.ok()) {
      return current.status();
    }
    std::uint64_t next = current->value_or(0) + 1;
    CAREID_RETURN_IF_ERROR(write_counter(txn, key, next));
    return next;
  }

  Result<std::optional<CardRecord>> get_card(MDB_txn* txn, std::string_view serial_hex) const {
    MDB_val key = as_val(serial_hex);
    MDB_val value;
    int rc = mdb_get(txn, cards, &key, &value);
    if (rc == MDB_NOTFOUND) {
      return std::optional<CardRecord>();
    }
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, "read card " + std::string(serial_hex), folder);
    }
    auto record = decode_record(serial_hex, as_view(value));
    if (!record.ok()) {
      return record.status();
    }
    return std::optional<CardRecord>(std::move(*record));
  }

  Status put(MDB_txn* txn, MDB_dbi dbi, std::string_view key_bytes, std::string_view value_bytes,
             unsigned flags, std::string_view operation) const {
    MDB_val key = as_val(key_bytes);
    MDB_val value = as_val(value_bytes);
    int rc = mdb_put(txn, dbi, &key, &value, flags);
    if (rc == MDB_KEYEXIST) {
      return Status::already_exists("card registry: " + std::string(operation) + ": already recorded");
    }
    return rc == MDB_SUCCESS ? Status::ok_status() : lmdb_status(rc, operation, folder);
  }

  Status erase(MDB_txn* txn, MDB_dbi dbi, std::string_view key_bytes, std::string_view operation) const {
    MDB_val key = as_val(key_bytes);
    int rc = mdb_del(txn, dbi, &key, nullptr);
    return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? Status::ok_status() : lmdb_status(rc, operation, folder);
  }

  // Runs `change` on the stored record of `serial` in one write transaction, then stores the
  // record, keeps the revoked index in step and raises the generation.
  template <class Change>
  Status update_card(std::string_view serial, std::string_view operation, Change change) {
    auto serial_hex = normalize_serial_hex(serial);
    if (!serial_hex.ok()) {
      return serial_hex.status();
    }
    auto txn = begin(true);
    if (!txn.ok()) {
      return txn.status();
    }
    auto found = get_card(txn->get(), *serial_hex);
    if (!found.ok()) {
      return found.status();
    }
    if (!found->has_value()) {
      return Status::not_found("no card with serial " + *serial_hex +
                               " in the card registry; check the serial with `careidctl card status --uid`");
    }

    CardRecord record = std::move(**found);
    CAREID_RETURN_IF_ERROR(change(record));
    CAREID_RETURN_IF_ERROR(put(txn->get(), cards, *serial_hex, encode_record(record), 0, operation));
    if (record.status.state == CardState::kGood) {
      CAREID_RETURN_IF_ERROR(erase(txn->get(), revoked, *serial_hex, operation));
    } else {
      CAREID_RETURN_IF_ERROR(put(txn->get(), revoked, *serial_hex, "", 0, operation));
    }
    auto generation = raise_counter(txn->get(), kGenerationKey);
    if (!generation.ok()) {
      return generation.status();
    }
    return commit(std::move(*txn));
  }
};

namespace {

Status create_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    return Status::io_error("cannot create card registry folder " + folder.string() + ": " +
                            error.message());
  }
  // Only careid's own user may read the registry; create_directories uses the umask.
  fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, error);
  return Status::ok_status();
}

}  // namespace

Status CardRegistry::Impl::open_databases() {
  Impl& impl = *this;
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(impl.env, nullptr, 0, &raw);
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "begin set-up transaction", impl.folder);
  }
  TxnHandle txn(raw);
  const std::array<std::pair<const char*, MDB_dbi*>, 4> databases{
      {{"cards", &impl.cards}, {"by_uid", &impl.by_uid}, {"revoked", &impl.revoked}, {"meta", &impl.meta}}};
  for (const auto& [name, dbi] : databases) {
    rc = mdb_dbi_open(txn.get(), name, MDB_CREATE, dbi);
    if (rc != MDB_SUCCESS) {
      return lmdb_status(rc, std::string("open database ") + name, impl.folder);
    }
  }

  auto format = impl.read_counter(txn.get(), kFormatKey);
  if (!format.ok()) {
    return format.status();
  }
  if (!format->has_value()) {
    CAREID_RETURN_IF_ERROR(impl.write_counter(txn.get(), kFormatKey, kFormatVersion));
  } else if (**format != kFormatVersion) {
    return Status::corruption("card registry " + impl.folder.string() + " has format version " +
                              std::to_string(**format) + "; this careid reads version " +
                              std::to_string(kFormatVersion));
  }
  return impl.commit(std::move(txn));
}


CardRegistry::CardRegistry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CardRegistry::~CardRegistry() = default;

Result<std::unique_ptr<CardRegistry>> CardRegistry::open(const fs::path& folder,
                                                         const CardRegistryOptions& options) {
  CAREID_RETURN_IF_ERROR(create_folder(folder));
  auto impl = std::make_unique<Impl>();
  impl->folder = folder;

  int rc = mdb_env_create(&impl->env);
  if (rc != MDB_SUCCESS) {
    impl->env = nullptr;
    return lmdb_status(rc, "create environment", folder);
  }
  mdb_env_set_maxdbs(impl->env, 4);
  mdb_env_set_mapsize(impl->env, options.map_size_bytes);
  // MDB_NOTLS: read transactions are not tied to a thread, because callers run on pools.
  rc = mdb_env_open(impl->env, folder.c_str(), MDB_NOTLS, 0600);
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "open", folder);
  }
  CAREID_RETURN_IF_ERROR(impl->open_databases());
  return std::unique_ptr<CardRegistry>(new CardRegistry(std::move(impl)));
}

const fs::path& CardRegistry::folder() const { return impl_->folder; }

Status CardRegistry::record_issued(const Certificate& card, std::string_view uid,
                                   std::string_view token_serial) {
  if (!is_valid_card_uid(uid)) {
    return Status::invalid_argument("invalid card uid '" + std::string(uid) +
                                    "': expected exactly 12 digits");
  }
  auto info = card.info();
  if (!info.ok()) {
    return info.status();
  }
  auto der = card.to_der();
  if (!der.ok()) {
    return der.status();
  }

  // BN_bn2hex prints whole octets, so a serial can start with a 0 that lookups drop.
  auto serial_hex = normalize_serial_hex(info->serial_hex);
  if (!serial_hex.ok()) {
    return serial_hex.status();
  }

  CardRecord record;
  record.serial_hex = std::move(*serial_hex);
  record.uid = std::string(uid);
  record.token_serial = std::string(token_serial);
  record.subject = info->subject;
  record.not_before = info->not_before;
  record.not_after = info->not_after;
  record.recorded_at = Clock::now();
  record.status.state = CardState::kGood;
  record.certificate_der = std::move(*der);

  auto txn = impl_->begin(true);
  if (!txn.ok()) {
    return txn.status();
  }
  std::string operation = "record card " + record.serial_hex;
  CAREID_RETURN_IF_ERROR(impl_->put(txn->get(), impl_->cards, record.serial_hex,
                                    encode_record(record), MDB_NOOVERWRITE, operation));
  CAREID_RETURN_IF_ERROR(impl_->put(txn->get(), impl_->by_uid, uid_key(uid, record.serial_hex), "",
                                    0, operation));
  auto generation = impl_->raise_counter(txn->get(), kGenerationKey);
  if (!generation.ok()) {
    return generation.status();
  }
  return impl_->commit(std::move(*txn));
}

Status CardRegistry::revoke(std::string_view serial_hex, RevocationReason reason,
                            Clock::time_point at) {
  if (reason == RevocationReason::kCertificateHold) {
    return Status::invalid_argument("reason certificateHold is a suspension: use suspend instead of revoke");
  }
  if (reason == RevocationReason::kRemoveFromCrl) {
    return Status::invalid_argument("reason removeFromCRL ends a suspension: use resume instead of revoke");
  }
  return impl_->update_card(serial_hex, "revoke card", [&](CardRecord& record) {
    if (record.status.state == CardState::kRevoked) {
      return Status::failed_precondition("card " + record.serial_hex + " is already revoked (" +
                                         std::string(revocation_reason_name(record.status.reason)) + ")");
    }
    record.status = CardStatus{CardState::kRevoked, reason, at};
    return Status::ok_status();
  });
}

Status CardRegistry::suspend(std::string_view serial_hex, Clock::time_point at) {
  return impl_->update_card(serial_hex, "suspend card", [&](CardRecord& record) {
    if (record.status.state != CardState::kGood) {
      return Status::failed_precondition("card " + record.serial_hex + " is " +
                                         std::string(card_state_name(record.status.state)) +
                                         "; only a good card can be suspended");
    }
    record.status = CardStatus{CardState::kOnHold, RevocationReason::kCertificateHold, at};
    return Status::ok_status();
  });
}

Status CardRegistry::resume(std::string_view serial_hex) {
  return impl_->update_card(serial_hex, "resume card", [&](CardRecord& record) {
    if (record.status.state != CardState::kOnHold) {
      return Status::failed_precondition("card " + record.serial_hex + " is " +
                                         std::string(card_state_name(record.status.state)) +
                                         "; only a card on hold can be resumed");
    }
    record.status = CardStatus{};
    record.status.state = CardState::kGood;
    return Status::ok_status();
  });
}

Result<CardStatus> CardRegistry::status(std::string_view serial_hex) const {
  auto record = find(serial_hex);
  if (record.ok()) {
    return record->status;
  }
  if (record.status().code() == StatusCode::kNotFound) {
    return CardStatus{};
  }
  return record.status();
}

Result<CardRecord> CardRegistry::find(std::string_view serial) const {
  auto serial_hex = normalize_serial_hex(serial);
  if (!serial_hex.ok()) {
    return serial_hex.status();
  }
  auto txn = impl_->begin(false);
  if (!txn.ok()) {
    return txn.status();
  }
  auto found = impl_->get_card(txn->get(), *serial_hex);
  if (!found.ok()) {
    return found.status();
  }
  if (!found->has_value()) {
    return Status::not_found("no card with serial " + *serial_hex + " in the card registry");
  }
  return std::move(**found);
}

// Collects the cards named by the keys of `index` that start with `prefix`; the serial is the
// part of the key after the prefix.
Result<std::vector<CardRecord>> CardRegistry::Impl::collect(MDB_txn* txn, MDB_dbi index,
                                                            std::string_view prefix) const {
  const Impl& impl = *this;
  MDB_cursor* raw = nullptr;
  int rc = mdb_cursor_open(txn, index, &raw);
  if (rc != MDB_SUCCESS) {
    return lmdb_status(rc, "open cursor", impl.folder);
  }
  CursorHandle cursor(raw);

  std::vector<CardRecord> records;
  MDB_val key = as_val(prefix);
  MDB_val value;
  rc = prefix.empty() ? mdb_cursor_get(raw, &key, &value, MDB_FIRST)
                      : mdb_cursor_get(raw, &key, &value, MDB_SET_RANGE);
  for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(raw, &key, &value, MDB_NEXT)) {
    std::string_view key_view = as_view(key);
    if (!key_view.starts_with(prefix)) {
      break;
    }
    std::string serial(key_view.substr(prefix.size()));
    auto record = impl.get_card(txn, serial);
    if (!record.ok()) {
      return record.status();
    }
    if (record->has_value()) {
      records.push_back(std::move(**record));
    }
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return lmdb_status(rc, "read index", impl.folder);
  }
  return records;
}

Result<std::vector<CardRecord>> CardRegistry::cards_of(std::string_view uid) const {
  if (!is_valid_card_uid(uid)) {
    return Status::invalid_argument("invalid card uid '" + std::string(uid) +
                                    "': expected exactly 12 digits");
  }
  auto txn = impl_->begin(false);
  if (!txn.ok()) {
    return txn.status();
  }
  return impl_->collect(txn->get(), impl_->by_uid, uid_key(uid, ""));
}

Result<std::vector<CardRecord>> CardRegistry::revoked_cards() const {
  auto txn = impl_->begin(false);
  if (!txn.ok()) {
    return txn.status();
  }
  return impl_->collect(txn->get(), impl_->revoked, "");
}

Result<std::uint64_t> CardRegistry::generation() const {
  auto txn = impl_->begin(false);
  if (!txn.ok()) {
    return txn.status();
  }
  auto counter = impl_->read_counter(txn->get(), kGenerationKey);
  if (!counter.ok()) {
    return counter.status();
  }
  return counter->value_or(0);
}

Result<std::uint64_t> CardRegistry::next_crl_number() {
  auto txn = impl_->begin(true);
  if (!txn.ok()) {
    return txn.status();
  }
  auto number = impl_->raise_counter(txn->get(), kCrlNumberKey);
  if (!number.ok()) {
    return number.status();
  }
  CAREID_RETURN_IF_ERROR(impl_->commit(std::move(*txn)));
  return *number;
}

}  // namespace careid::pki
