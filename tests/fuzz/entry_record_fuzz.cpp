// Fuzzes stored entry records (directory/storage/entry_codec.h), as a damaged disk or a bug
// in an older build could leave them. A record must decode or fail with kCorruption, and a
// record that decodes must encode to bytes that decode to the same record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "directory/storage/entry_codec.h"

namespace {

using careid::directory::storage::detail::StoredRecord;

bool same_record(const StoredRecord& a, const StoredRecord& b) {
  if (a.parent != b.parent || a.normalised_dn != b.normalised_dn || a.entry.dn != b.entry.dn ||
      a.index_keys != b.index_keys || a.entry.attributes.size() != b.entry.attributes.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.entry.attributes.size(); ++i) {
    if (a.entry.attributes[i].description != b.entry.attributes[i].description ||
        a.entry.attributes[i].values != b.entry.attributes[i].values) {
      return false;
    }
  }
  return true;
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
  if (detail::decode_entry(bytes, 1).ok() != record.ok()) {
    std::abort();  // both check the whole layout
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
