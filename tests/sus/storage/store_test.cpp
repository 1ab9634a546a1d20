#include "sus/storage/store.h"

#include <catch2/catch.hpp>

#include <string>

#include "sus/storage/codec.h"
#include "tests/sus/storage/store_fixtures.h"

namespace careid::sus::storage {
namespace {

using testing::make_price;
using testing::make_spell;
using testing::TemporaryFolder;

TEST_CASE("Store codec round trips", "[sus][storage]") {
  const tariff::HrgPrice price = make_price("DZ11N", 184000);
  tariff::HrgPrice decoded_price;
  REQUIRE(detail::decode_price(detail::encode_price(price), decoded_price));
  CHECK(decoded_price == price);

  const spells::Spell spell = make_spell("RGR", "S1");
  spells::Spell decoded_spell;
  const std::string bytes = detail::encode_spell(spell);
  REQUIRE(detail::decode_spell(bytes, decoded_spell));
  CHECK(decoded_spell == spell);

  // Every truncation and an extra byte fail to decode.
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    CHECK_FALSE(detail::decode_spell(bytes.substr(0, size), decoded_spell));
  }
  CHECK_FALSE(detail::decode_spell(bytes + "x", decoded_spell));
}

TEST_CASE("Store map full reported", "[sus][storage]") {
  TemporaryFolder folder;
  StoreOptions options;
  options.map_size_bytes = 256 * 1024;
  auto store = SusStore::open(folder.path(), options);
  REQUIRE(store.ok());
  auto writer = (*store)->begin_spells();
  REQUIRE(writer.ok());
  for (int i = 0; i < 100000; ++i) {
    REQUIRE(writer->put(make_spell("RGR", "S" + std::to_string(i))).ok());
  }
  // The LMDB writer keeps spells in memory and writes them at commit.
  const Status status = writer->commit();
  CHECK(status.code() == StatusCode::kResourceExhausted);
  CHECK(status.message().find("larger map size") != std::string::npos);
  CHECK((*store)->find_spell("RGR", "S0").status().code() == StatusCode::kNotFound);
}

TEST_CASE("Store import interleaves stored keys", "[sus][storage]") {
  TemporaryFolder folder;
  auto store = SusStore::open(folder.path());
  REQUIRE(store.ok());
  // The first import appends to an empty database; the second puts between its keys.
  for (const char* numbers : {"ACEGI", "BDFHJA"}) {
    auto writer = (*store)->begin_spells();
    REQUIRE(writer.ok());
    for (const char* n = numbers; *n != '\0'; ++n) {
      REQUIRE(writer->put(make_spell("RGR", std::string("S") + *n)).ok());
    }
    REQUIRE(writer->commit().ok());
  }
  std::string order;
  Status status = (*store)->for_each_spell([&](const spells::Spell& spell) {
    order += spell.spell_number.substr(1);
    return Status::ok_status();
  });
  REQUIRE(status.ok());
  CHECK(order == "ABCDEFGHIJ");
}

}  // namespace
}  // namespace careid::sus::storage
