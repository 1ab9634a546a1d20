// The binary form of one stored entry, the value of the "entries" database.
//
// Internal to directory/storage. Layout, version 2 (varint is unsigned LEB128, bytes is a
// varint length followed by that many bytes):
//   u8 format version (2)
//   varint parent id (0 for a suffix entry)
//   bytes normalised DN, bytes DN as given
//   varint attribute count, then per attribute: bytes description, varint value count,
//     bytes per value
//   varint index key count, then per key: u8 IndexKeyKind, bytes attribute (lower case),
//     bytes value
// Version 1 records (written before index kinds existed) lack the kind byte: their keys
// are equality keys, and each indexed attribute also had a presence record, so decoding
// adds one presence key per attribute. Records are always written as version 2.
// The index keys are kept so that replace and remove can delete exactly the index records
// that add wrote, without knowing the matching rules that produced them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/storage/entry_store.h"

namespace careid::directory::storage::detail {

inline constexpr std::uint8_t kRecordFormatVersion = 2;
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

// Decodes the header and the attributes but skips the index keys, which only writers need.
// Checks the same layout as decode_record, so a malformed record is kCorruption here too.
Result<Entry> decode_entry(std::string_view bytes, EntryId id);

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
