// Index kinds in the entry store: substring keys, equality range scans, the kinds that
// each attribute keeps, and records written before index kinds existed.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/storage/entry_codec.h"
#include "directory/storage/entry_store.h"

namespace {

namespace fs = std::filesystem;
using namespace careid::directory::storage;
using careid::StatusCode;
using careid::directory::Entry;

fs::path fresh_folder(const std::string& tag) {
  fs::path folder = fs::temp_directory_path() / ("careid-storage-kinds-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  return folder;
}

StoreOptions kinds_options() {
  StoreOptions options;
  options.map_size_bytes = 64ull << 20;
  options.create_folder = true;
  options.sync = false;
  options.indexes = {{"cn", kIndexEquality | kIndexSubstring}, {"sn", kIndexOrdering}, {"mail", kIndexPresence}};
  return options;
}

Entry person(const std::string& name) {
  Entry entry;
  entry.dn = "cn=" + name;
  entry.add_value("cn", name);
  return entry;
}

// Adds suffix entries named a, b, ... with an equality and substring key of cn, sn keys
// "k<i>" and a presence key of mail.
std::vector<EntryId> add_entries(EntryStore& store, int count) {
  auto txn = store.begin_write();
  REQUIRE(txn.ok());
  std::vector<EntryId> ids;
  for (int i = 0; i < count; ++i) {
    const std::string name(1, static_cast<char>('a' + i));
    std::vector<IndexKey> keys = {{"cn", name, IndexKeyKind::kEquality},
                                  {"cn", "x" + name, IndexKeyKind::kSubstring},
                                  {"sn", "k" + std::to_string(i), IndexKeyKind::kEquality},
                                  {"mail", "", IndexKeyKind::kPresence},
                                  {"mail", "ignored", IndexKeyKind::kSubstring}};
    auto id = txn->add("cn=" + name, kNoParent, person(name), keys);
    REQUIRE(id.ok());
    ids.push_back(*id);
  }
  REQUIRE(txn->commit().ok());
  return ids;
}

TEST_CASE("index lists counted and probed", "[directory][storage][index]") {
  const fs::path folder = fresh_folder("count");
  {
    auto store = EntryStore::open(folder, kinds_options());
    REQUIRE(store.ok());
    auto ids = add_entries(**store, 4);
    auto txn = (*store)->begin_read();
    REQUIRE(txn.ok());
    CHECK(*txn->id_count("mail", IndexKeyKind::kPresence, "") == 4);
    CHECK(*txn->id_count("CN", IndexKeyKind::kSubstring, "xb") == 1);
    CHECK(*txn->id_count("cn", IndexKeyKind::kEquality, "zz") == 0);
    CHECK(txn->id_count("uid", IndexKeyKind::kEquality, "a").status().code() == StatusCode::kFailedPrecondition);

    // Probing keeps the candidates in the list, in order, and drops unknown ids.
    const std::vector<EntryId> candidates = {ids[0], ids[2], ids[3] + 100};
    CHECK(*txn->ids_among("mail", IndexKeyKind::kPresence, "", candidates) == std::vector<EntryId>{ids[0], ids[2]});
    CHECK(*txn->ids_among("cn", IndexKeyKind::kEquality, "c", candidates) == std::vector<EntryId>{ids[2]});
    CHECK(txn->ids_among("cn", IndexKeyKind::kSubstring, "xd", candidates)->empty());
    CHECK(*txn->ids_with_key("cn", IndexKeyKind::kSubstring, "xd") == std::vector<EntryId>{ids[3]});
  }
  fs::remove_all(folder);
}

// Adds `count` entries with a presence key of mail, and the sn key "third" on every third
// one. Returns their ids.
std::vector<EntryId> add_numbered(EntryStore& store, int count) {
  auto txn = store.begin_write();
  REQUIRE(txn.ok());
  std::vector<EntryId> ids;
  for (int i = 0; i < count; ++i) {
    const std::string name = "n" + std::to_string(i);
    std::vector<IndexKey> keys = {{"mail", "", IndexKeyKind::kPresence}};
    if (i % 3 == 0) {
      keys.push_back({"sn", "third", IndexKeyKind::kEquality});
    }
    auto id = txn->add("cn=" + name, kNoParent, person(name), keys);
    REQUIRE(id.ok());
    ids.push_back(*id);
  }
  REQUIRE(txn->commit().ok());
  return ids;
}

TEST_CASE("long index list intersected by page", "[directory][storage][index]") {
  const fs::path folder = fresh_folder("pages");
  {
    auto store = EntryStore::open(folder, kinds_options());
    REQUIRE(store.ok());
    // 3,000 ids of 8 bytes fill several 4 KiB pages of the duplicate list.
    const std::vector<EntryId> ids = add_numbered(**store, 3000);
    auto txn = (*store)->begin_read();
    REQUIRE(txn.ok());
    const std::vector<EntryId> thirds = *txn->ids_with_key("sn", IndexKeyKind::kEquality, "third");
    REQUIRE(thirds.size() == 1000);

    // Candidates: every fifth id, ids past the end, and runs of neighbours, so that pages
    // hold none, one or many of them.
    std::vector<EntryId> candidates;
    for (std::size_t i = 0; i < ids.size(); i += i < 1200 ? 5 : 1) {
      candidates.push_back(ids[i]);
    }
    candidates.push_back(ids.back() + 1);
    candidates.push_back(ids.back() + 1000);

    std::vector<EntryId> expected;
    std::set_intersection(candidates.begin(), candidates.end(), thirds.begin(), thirds.end(),
                          std::back_inserter(expected));
    CHECK(*txn->ids_in_list("sn", IndexKeyKind::kEquality, "third", candidates) == expected);
    CHECK(*txn->ids_among("sn", IndexKeyKind::kEquality, "third", candidates) == expected);

    // Every stored id, a single one, none, and a key that has no list.
    CHECK(*txn->ids_in_list("mail", IndexKeyKind::kPresence, "", ids) == ids);
    CHECK(*txn->ids_in_list("sn", IndexKeyKind::kEquality, "third", {ids[2997]}) == std::vector<EntryId>{ids[2997]});
    CHECK(txn->ids_in_list("sn", IndexKeyKind::kEquality, "third", {ids[1]})->empty());
    CHECK(txn->ids_in_list("sn", IndexKeyKind::kEquality, "third", {})->empty());
    CHECK(txn->ids_in_list("sn", IndexKeyKind::kEquality, "absent", ids)->empty());
    CHECK(txn->ids_in_list("uid", IndexKeyKind::kEquality, "a", ids).status().code() ==
          StatusCode::kFailedPrecondition);
  }
  fs::remove_all(folder);
}

TEST_CASE("substring keys are looked up", "[directory][storage][index]") {
  const fs::path folder = fresh_folder("sub");
  {
    auto store = EntryStore::open(folder, kinds_options());
    REQUIRE(store.ok());
    auto ids = add_entries(**store, 4);
    auto txn = (*store)->begin_read();
    REQUIRE(txn.ok());
    CHECK(*txn->ids_substring("CN", "xc") == std::vector<EntryId>{ids[2]});
    CHECK(txn->ids_substring("cn", "c")->empty());
    CHECK(*txn->ids_equal("cn", "c") == std::vector<EntryId>{ids[2]});
    CHECK(txn->ids_substring("mail", "ignored")->empty());  // mail keeps presence only
    CHECK(txn->ids_present("mail")->size() == 4);
    CHECK(txn->ids_present("cn")->empty());  // cn has no presence index
    CHECK(txn->ids_substring("uid", "x").status().code() == StatusCode::kFailedPrecondition);
  }
  fs::remove_all(folder);
}

TEST_CASE("equality keys scan in byte order", "[directory][storage][index]") {
  const fs::path folder = fresh_folder("range");
  {
    auto store = EntryStore::open(folder, kinds_options());
    REQUIRE(store.ok());
    auto ids = add_entries(**store, 5);
    auto txn = (*store)->begin_read();
    REQUIRE(txn.ok());
    CHECK(*txn->ids_in_range("sn", "k1", "k3") == std::vector<EntryId>{ids[1], ids[2], ids[3]});
    CHECK(*txn->ids_in_range("sn", "k3", std::nullopt) == std::vector<EntryId>{ids[3], ids[4]});
    CHECK(*txn->ids_in_range("sn", std::nullopt, "k0") == std::vector<EntryId>{ids[0]});
    CHECK(txn->ids_in_range("sn", "l", std::nullopt)->empty());
    CHECK(txn->ids_in_range("sn", std::nullopt, std::nullopt)->size() == 5);
    // Substring keys share the database but never join an equality range.
    CHECK(txn->ids_in_range("cn", std::nullopt, std::nullopt)->size() == 5);
    CHECK(*txn->index_record_count("cn") == 10);
  }
  fs::remove_all(folder);
}

TEST_CASE("changed kinds need a rebuild", "[directory][storage][index]") {
  const fs::path folder = fresh_folder("change");
  {
    auto store = EntryStore::open(folder, kinds_options());
    REQUIRE(store.ok());
    add_entries(**store, 2);
  }
  StoreOptions changed = kinds_options();
  changed.indexes[0].kinds = kIndexEquality;
  auto rejected = EntryStore::open(folder, changed);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().code() == StatusCode::kFailedPrecondition);
  CHECK(rejected.status().message().find("cn:eq,sub") != std::string::npos);

  changed.rebuild_index_keys = [](const Entry& entry) {
    return std::vector<IndexKey>{{"cn", entry.attributes[0].values[0], IndexKeyKind::kEquality}};
  };
  {
    auto reopened = EntryStore::open(folder, changed);
    REQUIRE(reopened.ok());
    auto txn = (*reopened)->begin_read();
    CHECK(txn->ids_equal("cn", "b")->size() == 1);
    CHECK(txn->ids_substring("cn", "xb")->empty());
    CHECK((*reopened)->index_kinds("CN") == kIndexEquality);
  }
  fs::remove_all(folder);
}

TEST_CASE("zero index kinds are rejected", "[directory][storage][index]") {
  StoreOptions options = kinds_options();
  options.indexes.push_back({"uid", 0});
  auto store = EntryStore::open(fresh_folder("zero"), options);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == careid::StatusCode::kInvalidArgument);
  CHECK(store.status().message().find("uid") != std::string::npos);
}

TEST_CASE("version 1 records gain presence keys", "[directory][storage][index]") {
  // Hand-built version 1 record: parent 0, DN "cn=a" twice, no attributes, one key cn=a.
  std::string bytes;
  bytes.push_back(1);
  bytes.push_back(0);
  bytes += std::string("\x04") + "cn=a" + "\x04" + "cn=a";
  bytes.push_back(0);
  bytes.push_back(1);
  bytes += std::string("\x02") + "cn" + "\x01" + "a";

  auto record = detail::decode_record(bytes, 7);
  REQUIRE(record.ok());
  REQUIRE(record->index_keys.size() == 2);
  CHECK(record->index_keys[0] == IndexKey{"cn", "", IndexKeyKind::kPresence});
  CHECK(record->index_keys[1] == IndexKey{"cn", "a", IndexKeyKind::kEquality});

  // Written again, the record is version 3 and reads back the same keys.
  auto again = detail::decode_record(detail::encode_record(*record), 7);
  REQUIRE(again.ok());
  CHECK(again->index_keys == record->index_keys);
  CHECK(detail::encode_record(*record).front() == 3);
}

TEST_CASE("unknown index key kind is corruption", "[directory][storage][index]") {
  detail::StoredRecord record;
  record.normalised_dn = "cn=a";
  record.entry.dn = "cn=a";
  record.index_keys = {{"cn", "a", IndexKeyKind::kEquality}};
  std::string bytes = detail::encode_record(record);
  // The record ends with one key group: kind, "\x00\x07" (the code of "cn"), "\x01", "\x01a".
  const std::size_t kind_at = bytes.size() - 2 - 1 - 2 - 1;
  REQUIRE(bytes[kind_at] == 1);
  bytes[kind_at] = 9;
  auto decoded = detail::decode_record(bytes, 3);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);
}

}  // namespace
