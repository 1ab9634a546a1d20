// The stored record layout: version 3 round trips, short name codes, grouped index keys,
// version 2 records written by older builds, and damaged records at every length.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/storage/entry_codec.h"
#include "directory/storage/record_names.h"

namespace {

using namespace careid::directory::storage;
using careid::StatusCode;
using careid::directory::Entry;

detail::StoredRecord person_record() {
  detail::StoredRecord record;
  record.parent = 42;
  record.entry.dn = "uid=100001,ou=People,o=nhs";
  record.normalised_dn = "uid=100001,ou=people,o=nhs";
  record.entry.add_value("objectClass", "top");
  record.entry.add_value("objectClass", "nhsPerson");
  record.entry.add_value("cn", "Aisha Ahmed");
  record.entry.add_value("uid", "100001");
  record.entry.add_value("x-localNote", "not in the name table");
  record.index_keys = {{"cn", "", IndexKeyKind::kPresence},
                       {"cn", "aisha ahmed", IndexKeyKind::kEquality},
                       {"cn", "ais", IndexKeyKind::kSubstring},
                       {"cn", "ish", IndexKeyKind::kSubstring},
                       {"objectclass", "nhsperson", IndexKeyKind::kEquality},
                       {"cn", "she", IndexKeyKind::kSubstring},
                       {"x-localnote", "n", IndexKeyKind::kEquality}};
  return record;
}

// Encodes `record` in the version 2 layout, as builds before version 3 wrote it.
std::string encode_version_2(const detail::StoredRecord& record) {
  auto put_bytes = [](std::string& out, const std::string& bytes) {
    out.push_back(static_cast<char>(bytes.size()));
    out += bytes;
  };
  std::string out;
  out.push_back(2);
  out.push_back(static_cast<char>(record.parent));
  put_bytes(out, record.normalised_dn);
  put_bytes(out, record.entry.dn);
  out.push_back(static_cast<char>(record.entry.attributes.size()));
  for (const auto& attribute : record.entry.attributes) {
    put_bytes(out, attribute.description);
    out.push_back(static_cast<char>(attribute.values.size()));
    for (const auto& value : attribute.values) {
      put_bytes(out, value);
    }
  }
  out.push_back(static_cast<char>(record.index_keys.size()));
  for (const auto& key : record.index_keys) {
    out.push_back(static_cast<char>(key.kind));
    put_bytes(out, key.attribute);
    put_bytes(out, key.value);
  }
  return out;
}

void check_same_entry(const Entry& got, const Entry& want) {
  CHECK(got.dn == want.dn);
  REQUIRE(got.attributes.size() == want.attributes.size());
  for (std::size_t i = 0; i < want.attributes.size(); ++i) {
    CHECK(got.attributes[i].description == want.attributes[i].description);
    CHECK(got.attributes[i].values == want.attributes[i].values);
  }
}

void check_same_record(const detail::StoredRecord& got, const detail::StoredRecord& want) {
  CHECK(got.parent == want.parent);
  CHECK(got.normalised_dn == want.normalised_dn);
  check_same_entry(got.entry, want.entry);
  CHECK(got.index_keys == want.index_keys);
}

TEST_CASE("version 3 record round trip", "[directory][storage][codec]") {
  const detail::StoredRecord record = person_record();
  const std::string bytes = detail::encode_record(record);
  CHECK(bytes.front() == 3);

  auto decoded = detail::decode_record(bytes, 1);
  REQUIRE(decoded.ok());
  check_same_record(*decoded, record);

  auto entry = detail::decode_entry(bytes, 1);
  REQUIRE(entry.ok());
  check_same_entry(*entry, record.entry);

  auto header = detail::decode_record_header(bytes, 1);
  REQUIRE(header.ok());
  CHECK(header->normalised_dn == record.normalised_dn);
  CHECK(header->entry.dn == record.entry.dn);

  auto parent = detail::decode_parent(bytes, 1);
  REQUIRE(parent.ok());
  CHECK(*parent == 42);
}

TEST_CASE("version 3 record is smaller", "[directory][storage][codec]") {
  const detail::StoredRecord record = person_record();
  const std::string version_3 = detail::encode_record(record);
  const std::string version_2 = encode_version_2(record);
  // Version 3 drops the second DN, and the names and key headers shrink on top of that.
  CHECK(version_3.size() + record.normalised_dn.size() < version_2.size());
}

TEST_CASE("normalised DN kept when not lower case", "[directory][storage][codec]") {
  detail::StoredRecord record = person_record();
  record.entry.dn = "uniqueIdentifier=AbC,o=nhs";
  record.normalised_dn = "uniqueidentifier=AbC,o=nhs";
  const std::string bytes = detail::encode_record(record);

  auto decoded = detail::decode_record(bytes, 1);
  REQUIRE(decoded.ok());
  CHECK(decoded->normalised_dn == "uniqueidentifier=AbC,o=nhs");
  CHECK(decoded->entry.dn == "uniqueIdentifier=AbC,o=nhs");

  auto header = detail::decode_record_header(bytes, 1);
  REQUIRE(header.ok());
  CHECK(header->normalised_dn == "uniqueidentifier=AbC,o=nhs");
}

TEST_CASE("non-ASCII DN keeps its normalised form", "[directory][storage][codec]") {
  detail::StoredRecord record = person_record();
  record.entry.dn = "cn=\xC3\x89mile,o=nhs";
  record.normalised_dn = "cn=\xC3\xA9mile,o=nhs";
  auto decoded = detail::decode_record(detail::encode_record(record), 1);
  REQUIRE(decoded.ok());
  CHECK(decoded->normalised_dn == record.normalised_dn);
}

TEST_CASE("version 2 record still decodes", "[directory][storage][codec]") {
  const detail::StoredRecord record = person_record();
  const std::string bytes = encode_version_2(record);

  auto decoded = detail::decode_record(bytes, 1);
  REQUIRE(decoded.ok());
  check_same_record(*decoded, record);

  auto selected = detail::decode_entry_selected(
      bytes, 1, [](std::string_view description) { return description == "cn"; });
  REQUIRE(selected.ok());
  REQUIRE(selected->attributes.size() == 1);
  CHECK(selected->attributes[0].values == std::vector<std::string>{"Aisha Ahmed"});

  // Written again, the record takes the version 3 layout.
  auto again = detail::decode_record(detail::encode_record(*decoded), 1);
  REQUIRE(again.ok());
  check_same_record(*again, record);
}

TEST_CASE("selected decode reads name codes", "[directory][storage][codec]") {
  const std::string bytes = detail::encode_record(person_record());
  auto selected = detail::decode_entry_selected(bytes, 1, [](std::string_view description) {
    return description == "objectClass" || description == "x-localNote";
  });
  REQUIRE(selected.ok());
  REQUIRE(selected->attributes.size() == 2);
  CHECK(selected->attributes[0].description == "objectClass");
  CHECK(selected->attributes[0].values == std::vector<std::string>{"top", "nhsPerson"});
  CHECK(selected->attributes[1].description == "x-localNote");
  CHECK(selected->dn.empty());
}

TEST_CASE("record name table is stable", "[directory][storage][codec]") {
  // Codes are on disk, so the first and last names must stay where they are.
  CHECK(detail::record_name(0) == "objectClass");
  CHECK(detail::record_name_code("cn") == 7u);
  CHECK(detail::record_name_code("careidactivitycode") == 94u);
  CHECK_FALSE(detail::record_name(95).has_value());
  CHECK_FALSE(detail::record_name_code("CN").has_value());
  CHECK_FALSE(detail::record_name_code("").has_value());

  for (std::uint32_t code = 0; code < 95; ++code) {
    auto name = detail::record_name(code);
    REQUIRE(name.has_value());
    CHECK_FALSE(name->empty());
    CHECK(detail::record_name_code(*name) == code);
  }
}

TEST_CASE("unknown name code is corruption", "[directory][storage][codec]") {
  detail::StoredRecord record;
  record.entry.dn = "o=nhs";
  record.normalised_dn = "o=nhs";
  record.entry.add_value("o", "nhs");
  std::string bytes = detail::encode_record(record);
  // Layout: version, parent, flags, "\x05o=nhs", one attribute, "\x00" code of "o", ...
  const std::size_t code_at = 1 + 1 + 1 + 6 + 1 + 1;
  REQUIRE(bytes[code_at - 1] == 0);
  REQUIRE(bytes[code_at] == 12);
  bytes[code_at] = 120;

  auto decoded = detail::decode_record(bytes, 9);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);
  CHECK(decoded.status().message().find("stored entry 9") != std::string::npos);
}

TEST_CASE("empty attribute name is corruption", "[directory][storage][codec]") {
  detail::StoredRecord record = person_record();
  record.entry.attributes[2].description.clear();
  auto decoded = detail::decode_record(encode_version_2(record), 4);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);

  record = person_record();
  record.index_keys[0].attribute.clear();
  decoded = detail::decode_record(encode_version_2(record), 4);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);
}

TEST_CASE("unknown DN flag is corruption", "[directory][storage][codec]") {
  std::string bytes = detail::encode_record(person_record());
  REQUIRE(bytes[2] == 1);
  bytes[2] = 3;
  auto decoded = detail::decode_record_header(bytes, 5);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);
}

TEST_CASE("truncated record is corruption", "[directory][storage][codec]") {
  const std::string bytes = detail::encode_record(person_record());
  auto all = [](std::string_view) { return true; };

  // The same record without keys ends with a zero key group count, so the attributes end
  // one byte before its end, and decode_entry needs exactly that much.
  detail::StoredRecord keyless = person_record();
  keyless.index_keys.clear();
  const std::size_t attributes_end = detail::encode_record(keyless).size() - 1;
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::string_view prefix(bytes.data(), size);
    auto record = detail::decode_record(prefix, 1);
    INFO("prefix of " << size << " bytes");
    REQUIRE_FALSE(record.ok());
    CHECK(record.status().code() == StatusCode::kCorruption);
    // decode_entry stops before the index keys, so only a cut inside the attributes fails.
    auto entry = detail::decode_entry(prefix, 1);
    if (size < attributes_end) {
      REQUIRE_FALSE(entry.ok());
      CHECK(entry.status().code() == StatusCode::kCorruption);
    } else {
      REQUIRE(entry.ok());
      check_same_entry(*entry, person_record().entry);
    }
    // The selected and header decodes stop early too, so a prefix may hold all they read.
    // Only a clean return is checked for them.
    (void)detail::decode_entry_selected(prefix, 1, all);
    (void)detail::decode_record_header(prefix, 1);
  }
}

}  // namespace
