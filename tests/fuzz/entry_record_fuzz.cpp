// Fuzzes stored entry records (directory/storage/entry_codec.h), as a damaged disk or a bug
// in an older build could leave them. A record must decode or fail with kCorruption, and a
// record that decodes must encode to bytes that decode to the same record. decode_entry
// must accept every record decode_record accepts and return the same entry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "directory/storage/entry_codec.h"

namespace {

using careid::directory::Entry;
using careid::directory::storage::detail::StoredRecord;

bool same_entry(const Entry& a, const Entry& b) {
  if (a.dn != b.dn || a.attributes.size() != b.attributes.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.attributes.size(); ++i) {
    if (a.attributes[i].description != b.attributes[i].description || a.attributes[i].values != b.attributes[i].values) {
      return false;
    }
  }
  return true;
}

bool same_record(const StoredRecord& a, const StoredRecord& b) {
  return a.parent == b.parent && a.normalised_dn == b.normalised_dn && a.index_keys == b.index_keys &&
         same_entry(a.entry, b.entry);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace detail = careid::directory::storage::detail;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto all = [](std::string_view) { return true; };
  (void)detail::decode_entry_selected(bytes, 1, all);
  (void)detail::decode_record_header(bytes, 1);
  (void)detail::decode_parent(bytes, 1);

  auto record = detail::decode_record(bytes, 1);
  auto entry = detail::decode_entry(bytes, 1);
  if (record.ok() && !entry.ok()) {
    std::abort();  // decode_entry checks a part of what decode_record checks
  }
  if (record.ok() && !same_entry(*entry, record->entry)) {
    std::abort();
  }
  if (!entry.ok() && entry.status().code() != careid::StatusCode::kCorruption) {
    std::abort();
  }
  if (!record.ok()) {
    if (record.status().code() != careid::StatusCode::kCorruption) {
      std::abort();
    }
    return 0;
  }

  auto again = detail::decode_record(detail::encode_record(*record), 1);
  if (!again.ok() || !same_record(*again, *record)) {
    std::abort();
  }
  return 0;
}
