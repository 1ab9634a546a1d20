#include <unistd.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "directory/storage/entry_store.h"

using careid::Status;

TEST_CASE("store move keeps ids and rejects cycles", "[directory][storage][modify-dn]") {
  namespace storage = careid::directory::storage;
  auto folder = std::filesystem::temp_directory_path() / ("careid-move-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  storage::StoreOptions options;
  options.create_folder = true;
  options.map_size_bytes = 16 << 20;
  options.sync = false;
  {
    auto store = storage::EntryStore::open(folder, options);
    REQUIRE(store.ok());
    auto txn = (*store)->begin_write();
    REQUIRE(txn.ok());
    auto a = txn->add("o=a", storage::kNoParent, careid::directory::Entry{"o=a", {}}, {});
    auto b = txn->add("ou=b,o=a", *a, careid::directory::Entry{"ou=b,o=a", {}}, {});
    auto c = txn->add("cn=c,ou=b,o=a", *b, careid::directory::Entry{"cn=c,ou=b,o=a", {}}, {});
    auto d = txn->add("ou=d,o=a", *a, careid::directory::Entry{"ou=d,o=a", {}}, {});
    REQUIRE(d.ok());
    auto same_text = [](std::string_view text) { return std::string(text) + "!"; };

    Status cycle = txn->move(*b, *c, "ou=b,cn=c,ou=b,o=a", careid::directory::Entry{}, {}, same_text);
    CHECK(cycle.code() == careid::StatusCode::kInvalidArgument);
    Status duplicate = txn->move(*b, *a, "ou=d,o=a", careid::directory::Entry{}, {}, same_text);
    CHECK(duplicate.code() == careid::StatusCode::kAlreadyExists);
    Status missing = txn->move(*b, 999, "ou=b,o=x", careid::directory::Entry{}, {}, same_text);
    CHECK(missing.code() == careid::StatusCode::kNotFound);

    Status moved = txn->move(*b, *d, "ou=b,ou=d,o=a", careid::directory::Entry{"ou=b,ou=d,o=a", {}}, {}, same_text);
    REQUIRE(moved.ok());
    REQUIRE(txn->commit().ok());

    auto read = (*store)->begin_read();
    REQUIRE(read.ok());
    CHECK(read->find_id("ou=b,ou=d,o=a").value() == *b);
    CHECK(read->find_id("cn=c,ou=b,ou=d,o=a").value() == *c);
    CHECK(read->find_id("cn=c,ou=b,o=a").status().code() == careid::StatusCode::kNotFound);
    CHECK(read->parent_id(*b).value() == *d);
    CHECK(read->get(*c)->dn == "cn=c,ou=b,o=a!");
    CHECK(read->has_children(*d).value());
  }
  std::filesystem::remove_all(folder);
}
