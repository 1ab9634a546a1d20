#include <catch2/catch.hpp>

#include "directory/ber/writer.h"
#include "directory/protocol/controls.h"

namespace {

namespace protocol = careid::directory::protocol;
using careid::directory::ResultCode;

// Every proper prefix of a valid value must fail to decode, never crash.
template <class Decode>
void check_truncations(const std::string& encoded, Decode decode) {
  for (std::size_t size = 0; size < encoded.size(); ++size) {
    INFO("truncated to " << size << " of " << encoded.size() << " bytes");
    CHECK_FALSE(decode(encoded.substr(0, size)).ok());
  }
}

}  // namespace

TEST_CASE("paged results value round trip", "[directory][protocol][controls]") {
  protocol::PagedResults paged{25, std::string("\x00\xff cookie", 9)};
  std::string encoded = protocol::encode_paged_results(paged);
  auto decoded = protocol::decode_paged_results(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == paged);
  check_truncations(encoded, protocol::decode_paged_results);
  CHECK_FALSE(protocol::decode_paged_results(encoded + "x").ok());
}

TEST_CASE("paged results rejects bad size", "[directory][protocol][controls]") {
  // SEQUENCE { INTEGER -1, OCTET STRING "" }
  CHECK_FALSE(protocol::decode_paged_results(std::string("\x30\x05\x02\x01\xff\x04\x00", 7)).ok());
  // SEQUENCE { INTEGER 2^31, OCTET STRING "" }
  CHECK_FALSE(protocol::decode_paged_results(std::string("\x30\x09\x02\x05\x00\x80\x00\x00\x00\x04\x00", 11)).ok());
  CHECK_FALSE(protocol::decode_paged_results("").ok());
}

TEST_CASE("sort request value round trip", "[directory][protocol][controls]") {
  std::vector<protocol::SortKey> keys = {{"cn", std::nullopt, false}, {"sn", "caseIgnoreOrderingMatch", true}};
  std::string encoded = protocol::encode_sort_request(keys);
  auto decoded = protocol::decode_sort_request(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == keys);
  check_truncations(encoded, protocol::decode_sort_request);
}

TEST_CASE("sort request limits and empty list", "[directory][protocol][controls]") {
  CHECK_FALSE(protocol::decode_sort_request(std::string("\x30\x00", 2)).ok());
  std::vector<protocol::SortKey> many(protocol::kMaxControlListElements, {"cn", std::nullopt, false});
  CHECK(protocol::decode_sort_request(protocol::encode_sort_request(many)).ok());
  many.push_back({"cn", std::nullopt, false});
  CHECK_FALSE(protocol::decode_sort_request(protocol::encode_sort_request(many)).ok());
}

TEST_CASE("sort response value round trip", "[directory][protocol][controls]") {
  auto decoded = protocol::decode_sort_response(protocol::encode_sort_response(ResultCode::kNoSuchAttribute, "xyz"));
  REQUIRE(decoded.ok());
  CHECK(decoded->first == ResultCode::kNoSuchAttribute);
  CHECK(decoded->second == "xyz");
  auto success = protocol::decode_sort_response(protocol::encode_sort_response(ResultCode::kSuccess));
  REQUIRE(success.ok());
  CHECK(success->second.empty());
}

TEST_CASE("assertion value is a filter", "[directory][protocol][controls]") {
  auto filter = protocol::parse_filter("(&(cn=a*)(uid=1))");
  REQUIRE(filter.ok());
  careid::directory::ber::Writer writer;
  protocol::encode_filter(*filter, writer);
  std::string encoded = writer.finish();
  auto decoded = protocol::decode_assertion(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == *filter);
  check_truncations(encoded, protocol::decode_assertion);
  CHECK_FALSE(protocol::decode_assertion(encoded + std::string("\x00", 1)).ok());
}

TEST_CASE("read entry values round trip", "[directory][protocol][controls]") {
  std::vector<std::string> attributes = {"cn", "+", "entryUUID"};
  std::string selection = protocol::encode_attribute_selection(attributes);
  auto decoded = protocol::decode_attribute_selection(selection);
  REQUIRE(decoded.ok());
  CHECK(*decoded == attributes);
  check_truncations(selection, protocol::decode_attribute_selection);

  protocol::SearchResultEntry entry{"uid=1,o=nhs", {{"cn", {"A", "B"}}, {"uid", {"1"}}}};
  std::string encoded = protocol::encode_read_entry(entry);
  auto read = protocol::decode_read_entry(encoded);
  REQUIRE(read.ok());
  CHECK(*read == entry);
  check_truncations(encoded, protocol::decode_read_entry);
}

TEST_CASE("password modify values round trip", "[directory][protocol][controls]") {
  protocol::PasswordModifyRequest request{"uid=1,o=nhs", "old", "new"};
  std::string encoded = protocol::encode_password_modify(request);
  auto decoded = protocol::decode_password_modify(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == request);
  for (std::size_t size = 1; size < encoded.size(); ++size) {
    CHECK_FALSE(protocol::decode_password_modify(encoded.substr(0, size)).ok());
  }

  auto empty = protocol::decode_password_modify("");
  REQUIRE(empty.ok());
  CHECK(*empty == protocol::PasswordModifyRequest{});
  auto only_new = protocol::decode_password_modify(protocol::encode_password_modify({std::nullopt, std::nullopt, "n"}));
  REQUIRE(only_new.ok());
  CHECK(only_new->new_password == "n");
  CHECK_FALSE(only_new->user_identity.has_value());

  // Fields out of order are rejected: [2] then [0].
  CHECK_FALSE(protocol::decode_password_modify(std::string("\x30\x06\x82\x01n\x80\x01u", 8)).ok());

  auto generated = protocol::decode_password_modify_response(protocol::encode_password_modify_response("abc"));
  REQUIRE(generated.ok());
  CHECK(*generated == std::optional<std::string>("abc"));
}

TEST_CASE("find control and supported list", "[directory][protocol][controls]") {
  std::vector<protocol::Control> controls = {{"1.2.3", false, std::nullopt},
                                             {std::string(protocol::kAssertionOid), true, "x"}};
  const protocol::Control* found = protocol::find_control(controls, protocol::kAssertionOid);
  REQUIRE(found != nullptr);
  CHECK(found->criticality);
  CHECK(protocol::find_control(controls, protocol::kPreReadOid) == nullptr);
  CHECK(protocol::supported_control_oids().size() == 8);
}
