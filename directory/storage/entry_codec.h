// The binary form of one stored entry, the value of the "entries" database.
//
// Internal to directory/storage. Layout, version 3 (varint is unsigned LEB128, bytes is a
// varint length followed by that many bytes, and name is either bytes or a zero length
// followed by a varint code from record_names.h):
//   u8 format version (3)
//   varint parent id (0 for a suffix entry)
//   u8 DN flags: bit 0 set when the normalised DN is the given DN in ASCII lower case
//   bytes DN as given, then bytes normalised DN unless flag bit 0 is set
//   varint attribute count, then per attribute: name description, varint value count,
//     bytes per value
//   varint index key group count, then per group: u8 IndexKeyKind, name attribute (lower
//     case), varint key count, bytes per key value
// Version 2 records store both DNs in full (normalised first), names as bytes, and each
// index key as u8 kind, bytes attribute, bytes value after a varint key count. Version 1
// records (written before index kinds existed) also lack the kind byte: their keys
// are equality keys, and each indexed attribute also had a presence record, so decoding
// adds one presence key per attribute. Records are always written as version 3, so a
// store written by this build cannot be opened by older builds.
// The index keys are kept so that replace and remove can delete exactly the index records
// that add wrote, without knowing the matching rules that produced them.
// Attribute descriptions and index key attributes are never empty: the engine rejects an
// empty description before it reaches the store, and a record with an empty name does
// not decode in any version.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::storage::detail {

inline constexpr std::uint8_t kRecordFormatVersion = 3;
inline constexpr std::uint8_t kOldestRecordFormatVersion = 1;

struct StoredRecord {
  EntryId parent = kNoParent;
  std::string normalised_dn;
  Entry entry;
  std::vector<IndexKey> index_keys;
};

std::string encode_record(const StoredRecord& record);

// Encodes the same bytes as encode_record without copying the entry into a StoredRecord.
std::string encode_record(EntryId parent, std::string_view normalised_dn, const Entry& entry,
                          const std::vector<IndexKey>& index_keys);

// Decodes a whole record. A malformed one is kCorruption naming `id`.
Result<StoredRecord> decode_record(std::string_view bytes, EntryId id);

// Decodes the header and the attributes and stops before the index keys, which only
// writers need. A malformed header or attribute is kCorruption. A record malformed only in
// its keys decodes here. decode_record reports it, and so do writes of the entry and
// `careidctl directory check`. When `normalised_dn` is not null, it receives the stored
// normalised DN.
Result<Entry> decode_entry(std::string_view bytes, EntryId id,
                           std::string* normalised_dn = nullptr);

// Decodes the attributes for whose description `selector` returns true, and skips the
// others and the DNs without copying them, so the entry's DN is empty. The index keys are
// not read, so a record malformed only there decodes here but fails decode_entry.
Result<Entry> decode_entry_selected(std::string_view bytes, EntryId id,
                                    const AttributeSelector& selector);

// Decodes only the version and the parent id, without allocating.
Result<EntryId> decode_parent(std::string_view bytes, EntryId id);

// Decodes only the version, parent id and normalised DN, for callers that need no more.
Result<StoredRecord> decode_record_header(std::string_view bytes, EntryId id);

}  // namespace careid::directory::storage::detail
