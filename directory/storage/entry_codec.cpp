#include "directory/storage/entry_codec.h"

#include <algorithm>

#include "directory/storage/record_names.h"
#include "directory/storage/store_state.h"

namespace careid::directory::storage::detail {

namespace {

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

// Writes a zero length and the table code for a well-known name, or the name's bytes.
// An empty name cannot be confused with a code because attribute names are never empty.
void put_name(std::string& out, std::string_view name) {
  if (auto code = record_name_code(name)) {
    out.push_back(0);
    put_varint(out, *code);
    return;
  }
  put_bytes(out, name);
}

constexpr std::uint8_t kDnIsLowerCase = 1;

bool is_ascii_lower_case_of(std::string_view lower, std::string_view original) {
  if (lower.size() != original.size()) {
    return false;
  }
  for (std::size_t i = 0; i < original.size(); ++i) {
    char c = original[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != lower[i]) {
      return false;
    }
  }
  return true;
}

// Bounds-checked reader over a record. The first failure sticks, so that callers can
// check once after several reads.
class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : rest_(bytes) {}

  bool failed() const { return failed_; }
  bool at_end() const { return rest_.empty(); }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && !rest_.empty(); shift += 7) {
      auto byte = static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        return value;
      }
    }
    failed_ = true;
    return 0;
  }

  std::string bytes() { return std::string(view()); }

  // Reads a name written by put_name. An unknown table code fails the reader.
  std::string_view name() {
    std::string_view bytes = view();
    if (failed_ || !bytes.empty()) {
      return bytes;
    }
    auto name = record_name(varint());
    if (!name) {
      failed_ = true;
      return {};
    }
    return *name;
  }

  // Returns the next length-prefixed bytes as a view into the record.
  std::string_view view() {
    std::uint64_t size = varint();
    if (failed_ || size > rest_.size()) {
      failed_ = true;
      return {};
    }
    std::string_view value = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return value;
  }

  // Reads a count of items that each take at least one byte, so a count larger than
  // the remaining bytes is corruption rather than a reason to reserve memory.
  std::size_t count() {
    std::uint64_t value = varint();
    if (value > rest_.size()) {
      failed_ = true;
      return 0;
    }
    return static_cast<std::size_t>(value);
  }

  void fail() { failed_ = true; }

  // Reads an attribute name: a plain length-prefixed string before version 3. An empty
  // name fails the reader in every version, because version 3 could not write it again.
  std::string_view name(std::uint8_t version) {
    if (version >= 3) {
      return name();
    }
    std::string_view bytes = view();
    if (bytes.empty()) {
      failed_ = true;
    }
    return bytes;
  }

  std::uint8_t byte() {
    if (rest_.empty()) {
      failed_ = true;
      return 0;
    }
    auto value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }

 private:
  std::string_view rest_;
  bool failed_ = false;
};

Status corrupt(EntryId id, std::string_view what) {
  return Status::corruption("stored entry " + std::to_string(id) +
                            " does not decode: " + std::string(what));
}

// Reads the version 3 DN fields: flags, the DN as given, and the normalised DN unless
// kDnIsLowerCase marks it as the given DN in ASCII lower case.
void read_dns(RecordReader& reader, StoredRecord& record, bool with_dns) {
  const std::uint8_t flags = reader.byte();
  if (flags & ~kDnIsLowerCase) {
    reader.fail();
    return;
  }
  std::string_view dn = reader.view();
  std::string_view normalised_dn;
  if ((flags & kDnIsLowerCase) == 0) {
    normalised_dn = reader.view();
  }
  if (!with_dns || reader.failed()) {
    return;
  }
  record.entry.dn = std::string(dn);
  record.normalised_dn =
      (flags & kDnIsLowerCase) ? lower_ascii(dn) : std::string(normalised_dn);
}

// Reads the header into `record`, leaving both DNs empty unless `with_dns` is set.
Status read_header(RecordReader& reader, StoredRecord& record, EntryId id,
                   std::uint8_t& version, bool with_dns = true) {
  version = reader.byte();
  if (!reader.failed() &&
      (version < kOldestRecordFormatVersion || version > kRecordFormatVersion)) {
    return corrupt(id, "unknown record format version " + std::to_string(version));
  }
  record.parent = reader.varint();

  if (version >= 3) {
    read_dns(reader, record, with_dns);
  } else {
    std::string_view normalised_dn = reader.view();
    std::string_view dn = reader.view();
    if (with_dns) {
      record.normalised_dn = std::string(normalised_dn);
      record.entry.dn = std::string(dn);
    }
  }
  if (reader.failed()) {
    return corrupt(id, "truncated header");
  }
  return Status::ok_status();
}

// Version 1 records wrote a presence record for every attribute with an equality key.
void add_presence_keys(std::vector<IndexKey>& keys) {
  std::vector<IndexKey> presence;
  for (const IndexKey& key : keys) {
    presence.push_back({key.attribute, {}, IndexKeyKind::kPresence});
  }
  keys.insert(keys.end(), presence.begin(), presence.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

void read_attributes(RecordReader& reader, std::uint8_t version, Entry& entry) {
  std::size_t attribute_count = reader.count();
  entry.attributes.resize(attribute_count);
  for (Attribute& attribute : entry.attributes) {
    attribute.description = std::string(reader.name(version));
    std::size_t value_count = reader.count();
    attribute.values.reserve(value_count);
    for (std::size_t i = 0; i < value_count && !reader.failed(); ++i) {
      attribute.values.push_back(reader.bytes());
    }
  }
}

Status read_kind(RecordReader& reader, EntryId id, IndexKeyKind& kind) {
  std::uint8_t byte = reader.byte();
  if (byte > static_cast<std::uint8_t>(IndexKeyKind::kSubstring)) {
    return corrupt(id, "unknown index key kind " + std::to_string(byte));
  }
  kind = static_cast<IndexKeyKind>(byte);
  return Status::ok_status();
}

// Reads version 1 and 2 keys, which each repeat their kind and attribute.
Status read_single_keys(RecordReader& reader, std::uint8_t version, EntryId id,
                        std::vector<IndexKey>* keys) {
  std::size_t key_count = reader.count();
  if (keys != nullptr) {
    keys->reserve(key_count);
  }
  for (std::size_t i = 0; i < key_count && !reader.failed(); ++i) {
    IndexKeyKind kind = IndexKeyKind::kEquality;
    if (version >= 2) {
      CAREID_RETURN_IF_ERROR(read_kind(reader, id, kind));
    }
    std::string_view attribute = reader.name(version);
    std::string_view value = reader.view();
    if (keys != nullptr) {
      keys->push_back({std::string(attribute), std::string(value), kind});
    }
  }
  return Status::ok_status();
}

// Reads version 3 keys, grouped by kind and attribute.
Status read_key_groups(RecordReader& reader, EntryId id, std::vector<IndexKey>* keys) {
  std::size_t group_count = reader.count();
  for (std::size_t i = 0; i < group_count && !reader.failed(); ++i) {
    IndexKeyKind kind = IndexKeyKind::kEquality;
    CAREID_RETURN_IF_ERROR(read_kind(reader, id, kind));
    std::string_view attribute = reader.name();
    std::size_t key_count = reader.count();
    for (std::size_t j = 0; j < key_count && !reader.failed(); ++j) {
      std::string_view value = reader.view();
      if (keys != nullptr) {
        keys->push_back({std::string(attribute), std::string(value), kind});
      }
    }
  }
  return Status::ok_status();
}

// Reads the index keys into `keys`, or only checks their layout when `keys` is null.
Status read_index_keys(RecordReader& reader, std::uint8_t version, EntryId id,
                       std::vector<IndexKey>* keys) {
  if (version >= 3) {
    CAREID_RETURN_IF_ERROR(read_key_groups(reader, id, keys));
  } else {
    CAREID_RETURN_IF_ERROR(read_single_keys(reader, version, id, keys));
  }

  if (reader.failed()) {
    return corrupt(id, "truncated attributes or index keys");
  }
  if (!reader.at_end()) {
    return corrupt(id, "unexpected bytes after the index keys");
  }
  return Status::ok_status();
}

std::size_t encoded_size_estimate(std::string_view normalised_dn, const Entry& entry,
                                  const std::vector<IndexKey>& index_keys) {
  // Each length or count takes one varint byte below 128; longer ones grow the string.
  std::size_t size = 16 + 2 * (normalised_dn.size() + entry.dn.size());
  for (const Attribute& attribute : entry.attributes) {
    size += 2 + attribute.description.size();
    for (const std::string& value : attribute.values) {
      size += 1 + value.size();
    }
  }
  for (const IndexKey& key : index_keys) {
    size += 3 + key.attribute.size() + key.value.size();
  }
  return size;
}

void put_dns(std::string& out, std::string_view normalised_dn, std::string_view dn) {
  const bool lower_case = is_ascii_lower_case_of(normalised_dn, dn);
  out.push_back(static_cast<char>(lower_case ? kDnIsLowerCase : 0));
  put_bytes(out, dn);
  if (!lower_case) {
    put_bytes(out, normalised_dn);
  }
}

// Writes the keys as groups of neighbours with the same kind and attribute, keeping their
// order, so that a record spends one header on an attribute's substring keys.
void put_key_groups(std::string& out, const std::vector<IndexKey>& index_keys) {
  auto same_group = [](const IndexKey& a, const IndexKey& b) {
    return a.kind == b.kind && a.attribute == b.attribute;
  };
  std::size_t group_count = 0;
  for (std::size_t i = 0; i < index_keys.size(); ++i) {
    if (i == 0 || !same_group(index_keys[i - 1], index_keys[i])) {
      ++group_count;
    }
  }
  put_varint(out, group_count);

  std::size_t start = 0;
  while (start < index_keys.size()) {
    std::size_t end = start + 1;
    while (end < index_keys.size() && same_group(index_keys[start], index_keys[end])) {
      ++end;
    }
    out.push_back(static_cast<char>(index_keys[start].kind));
    put_name(out, index_keys[start].attribute);
    put_varint(out, end - start);
    for (std::size_t i = start; i < end; ++i) {
      put_bytes(out, index_keys[i].value);
    }
    start = end;
  }
}

}  // namespace

std::string encode_record(const StoredRecord& record) {
  return encode_record(record.parent, record.normalised_dn, record.entry, record.index_keys);
}

std::string encode_record(EntryId parent, std::string_view normalised_dn, const Entry& entry,
                          const std::vector<IndexKey>& index_keys) {
  std::string out;
  out.reserve(encoded_size_estimate(normalised_dn, entry, index_keys));
  out.push_back(static_cast<char>(kRecordFormatVersion));
  put_varint(out, parent);
  put_dns(out, normalised_dn, entry.dn);

  put_varint(out, entry.attributes.size());
  for (const Attribute& attribute : entry.attributes) {
    put_name(out, attribute.description);
    put_varint(out, attribute.values.size());
    for (const std::string& value : attribute.values) {
      put_bytes(out, value);
    }
  }

  put_key_groups(out, index_keys);
  return out;
}

Result<StoredRecord> decode_record_header(std::string_view bytes, EntryId id) {
  RecordReader reader(bytes);
  StoredRecord record;
  std::uint8_t version = 0;
  CAREID_RETURN_IF_ERROR(read_header(reader, record, id, version));
  return record;
}

Result<EntryId> decode_parent(std::string_view bytes, EntryId id) {
  RecordReader reader(bytes);
  const std::uint8_t version = reader.byte();
  if (!reader.failed() &&
      (version < kOldestRecordFormatVersion || version > kRecordFormatVersion)) {
    return corrupt(id, "unknown record format version " + std::to_string(version));
  }
  const EntryId parent = reader.varint();
  if (reader.failed()) {
    return corrupt(id, "truncated header");
  }
  return parent;
}

namespace {

// Decodes a record, with its index keys when `with_keys` is set. Without them the decode
// stops after the attributes, so the keys' layout is not checked.
Result<StoredRecord> decode(std::string_view bytes, EntryId id, bool with_keys) {
  RecordReader reader(bytes);
  StoredRecord record;
  std::uint8_t version = 0;
  CAREID_RETURN_IF_ERROR(read_header(reader, record, id, version));
  read_attributes(reader, version, record.entry);
  if (!with_keys) {
    if (reader.failed()) {
      return corrupt(id, "truncated attributes");
    }
    return record;
  }

  CAREID_RETURN_IF_ERROR(read_index_keys(reader, version, id, &record.index_keys));
  if (version == 1) {
    add_presence_keys(record.index_keys);
  }
  return record;
}

}  // namespace

Result<StoredRecord> decode_record(std::string_view bytes, EntryId id) {
  return decode(bytes, id, true);
}

Result<Entry> decode_entry_selected(std::string_view bytes, EntryId id,
                                    const AttributeSelector& selector) {
  RecordReader reader(bytes);
  StoredRecord record;
  std::uint8_t version = 0;
  CAREID_RETURN_IF_ERROR(read_header(reader, record, id, version, false));

  std::size_t attribute_count = reader.count();
  for (std::size_t i = 0; i < attribute_count && !reader.failed(); ++i) {
    std::string_view description = reader.name(version);
    std::size_t value_count = reader.count();
    const bool keep = !reader.failed() && selector(description);
    Attribute* attribute = nullptr;
    if (keep) {
      attribute = &record.entry.attributes.emplace_back();
      attribute->description = std::string(description);
      attribute->values.reserve(value_count);
    }
    for (std::size_t j = 0; j < value_count && !reader.failed(); ++j) {
      std::string_view value = reader.view();
      if (keep) {
        attribute->values.emplace_back(value);
      }
    }
  }
  if (reader.failed()) {
    return corrupt(id, "truncated attributes");
  }
  return std::move(record.entry);
}

Result<Entry> decode_entry(std::string_view bytes, EntryId id, std::string* normalised_dn) {
  auto record = decode(bytes, id, false);
  if (!record.ok()) {
    return record.status();
  }
  if (normalised_dn != nullptr) {
    *normalised_dn = std::move(record->normalised_dn);
  }
  return std::move(record->entry);
}

}  // namespace careid::directory::storage::detail
