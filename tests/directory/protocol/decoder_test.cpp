#include "directory/protocol/decoder.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "directory/ber/writer.h"
#include "directory/protocol/encoder.h"

namespace ber = careid::directory::ber;
using careid::directory::ResultCode;
using namespace careid::directory::protocol;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::vector<Request> sample_requests() {
  std::vector<Request> requests;
  requests.push_back({1, BindRequest{3, "cn=admin,o=nhs", SimpleCredentials{"secret"}}, {}});
  requests.push_back({2, BindRequest{3, "", SaslCredentials{"EXTERNAL", std::nullopt}}, {}});
  requests.push_back({3, BindRequest{3, "", SaslCredentials{"SCRAM-SHA-256", "n,,n=u,r=abc"}}, {}});
  requests.push_back({4, UnbindRequest{}, {}});

  SearchRequest search;
  search.base_object = "ou=People,o=nhs";
  search.scope = SearchScope::kWholeSubtree;
  search.deref_aliases = DerefAliases::kDerefAlways;
  search.size_limit = 2147483647;
  search.time_limit = 30;
  search.types_only = true;
  search.filter = *parse_filter("(&(objectClass=person)(|(uid=j*)(mail=*@nhs.net)))");
  search.attributes = {"cn", "mail", "+"};
  requests.push_back(
      {5,
       search,
       {Control{"1.2.840.113556.1.4.319", true, std::string("\x30\x05\x02\x01\x0A\x04\x00", 7)}}});

  ModifyRequest modify;
  modify.object = "uid=jdoe,ou=People,o=nhs";
  modify.changes = {
      {ModifyOperation::kAdd, {"mail", {"jdoe@nhs.net"}}},
      {ModifyOperation::kDelete, {"telephoneNumber", {}}},
      {ModifyOperation::kReplace, {"cn", {"John Doe", "Johnny"}}},
      {ModifyOperation::kIncrement, {"uidNumber", {"1"}}},
  };
  requests.push_back({6, modify, {}});

  AddRequest add;
  add.entry = "uid=new,ou=People,o=nhs";
  add.attributes = {
      {"objectClass", {"top", "person"}}, {"cn", {"New"}}, {"sn", {std::string("\0\xFF", 2)}}};
  requests.push_back({7, add, {Control{"1.3.6.1.1.13.1", false, std::nullopt}}});

  requests.push_back({8, DelRequest{"uid=old,ou=People,o=nhs"}, {}});
  requests.push_back({9, ModifyDnRequest{"uid=a,o=nhs", "uid=b", true, std::nullopt}, {}});
  requests.push_back({10, ModifyDnRequest{"uid=a,o=nhs", "uid=b", false, "ou=Old,o=nhs"}, {}});
  requests.push_back({11, CompareRequest{"uid=a,o=nhs", {"userPassword", "x"}}, {}});
  requests.push_back({12, AbandonRequest{5}, {}});
  requests.push_back({13, ExtendedRequest{"1.3.6.1.4.1.1466.20037", std::nullopt}, {}});
  requests.push_back(
      {2147483647, ExtendedRequest{"1.3.6.1.4.1.4203.1.11.1", std::string("\x30\x00", 2)}, {}});
  return requests;
}

DecodeError decode_error(const std::string& pdu) {
  auto result = decode_request(pdu);
  REQUIRE_FALSE(result.ok());
  return result.error();
}

// Wraps `op` (an encoded protocolOp) in an LDAPMessage with `message_id`.
std::string message_with(std::int64_t message_id, const std::string& op) {
  ber::Writer writer;
  writer.begin_constructed();
  writer.write_integer(message_id);
  writer.write_raw(op);
  writer.end_constructed();
  return writer.finish();
}

}  // namespace

TEST_CASE("decoder round trips every request", "[directory][protocol]") {
  for (const Request& request : sample_requests()) {
    INFO("messageID " << request.message_id);
    std::string pdu = encode_request(request);
    auto decoded = decode_request(pdu);
    REQUIRE(decoded.ok());
    CHECK(*decoded == request);
    CHECK(op_tag(decoded->op) == op_tag(request.op));
  }
}

TEST_CASE("decoder rejects every truncation", "[directory][protocol]") {
  for (const Request& request : sample_requests()) {
    std::string pdu = encode_request(request);
    for (std::size_t size = 0; size < pdu.size(); ++size) {
      INFO("messageID " << request.message_id << ", prefix of " << size << " octets");
      CHECK_FALSE(decode_request(std::string_view(pdu).substr(0, size)).ok());
    }
  }
}

TEST_CASE("decoder reads ldapsearch PDUs", "[directory][protocol]") {
  // Captured from OpenLDAP 2.5 ldapsearch -x -D cn=admin,dc=nhs,dc=uk -w secret
  // -b ou=People,dc=nhs,dc=uk -s sub -z 10 -l 5 '(&(objectClass=person)(|(cn=J*n\2a)(!(uid=x))))'
  // cn mail
  auto bind = decode_request(from_hex(
      "302702010160220201030415636e3d61646d696e2c64633d6e68732c64633d756b8006736563726574"));
  REQUIRE(bind.ok());
  CHECK(bind->message_id == 1);
  CHECK(std::get<BindRequest>(bind->op) ==
        BindRequest{3, "cn=admin,dc=nhs,dc=uk", SimpleCredentials{"secret"}});

  auto search = decode_request(from_hex(
      "306e020102636904166f753d50656f706c652c64633d6e68732c64633d756b0a01020a010002010a0201"
      "05010100a034a315040b6f626a656374436c6173730406706572736f6ea11ba40d0402636e300780014a"
      "82026e2aa20aa3080403756964040178300a0402636e04046d61696c"));
  REQUIRE(search.ok());
  const auto& request = std::get<SearchRequest>(search->op);
  CHECK(request.base_object == "ou=People,dc=nhs,dc=uk");
  CHECK(request.scope == SearchScope::kWholeSubtree);
  CHECK(request.size_limit == 10);
  CHECK(request.time_limit == 5);
  CHECK_FALSE(request.types_only);
  CHECK(format_filter(request.filter) == "(&(objectClass=person)(|(cn=J*n\\2a)(!(uid=x))))");
  CHECK(request.attributes == std::vector<std::string>{"cn", "mail"});

  auto unbind = decode_request(from_hex("30050201034200"));
  REQUIRE(unbind.ok());
  CHECK(std::holds_alternative<UnbindRequest>(unbind->op));
}

TEST_CASE("decoder rejects broken envelopes", "[directory][protocol]") {
  std::string unbind_op("\x42\x00", 2);
  CHECK(decode_request(message_with(1, unbind_op)).ok());

  // messageID 0 is reserved, negative and above maxInt are out of range.
  for (std::int64_t id : {0LL, -1LL, 2147483648LL, -2147483648LL}) {
    INFO("messageID " << id);
    CHECK(decode_error(message_with(id, unbind_op)).kind == DecodeErrorKind::kInvalidMessage);
  }

  CHECK(decode_error(from_hex("3003020101")).kind == DecodeErrorKind::kInvalidMessage);
  CHECK(decode_error(from_hex("300704010142000000")).kind == DecodeErrorKind::kInvalidMessage);
  CHECK(decode_error(from_hex("3105020101420000")).kind == DecodeErrorKind::kInvalidMessage);
  CHECK(decode_error(from_hex("30800201014200"
                              "0000"))
            .kind == DecodeErrorKind::kInvalidMessage);
  CHECK(decode_error(from_hex("3005020101420000")).kind == DecodeErrorKind::kInvalidMessage);
  CHECK(decode_error(from_hex("30050201018000")).kind == DecodeErrorKind::kInvalidMessage);
  // Something other than controls [0] after the operation, and an element after controls.
  CHECK(decode_error(from_hex("300702010142000500")).kind == DecodeErrorKind::kInvalidMessage);
  CHECK(decode_error(from_hex("30090201014200a0000500")).kind == DecodeErrorKind::kInvalidMessage);
}

TEST_CASE("decoder reports unknown operations", "[directory][protocol]") {
  // [APPLICATION 30] and a response tag sent by a client.
  DecodeError unknown = decode_error(message_with(7, std::string("\x7E\x00", 2)));
  CHECK(unknown.kind == DecodeErrorKind::kInvalidOperation);
  CHECK(unknown.message_id == 7);
  CHECK(unknown.op_tag_number == 30);
  CHECK_FALSE(unknown.response_tag.has_value());

  DecodeError response = decode_error(message_with(8, from_hex("6107"
                                                               "0a0100"
                                                               "0400"
                                                               "0400")));
  CHECK(response.kind == DecodeErrorKind::kInvalidOperation);
  CHECK(response.op_tag_number == 1);
  CHECK_FALSE(response.response_tag.has_value());
}

TEST_CASE("decoder maps malformed operations to responses", "[directory][protocol]") {
  SearchRequest search;
  search.filter = Filter::make_present("objectClass");
  std::string pdu = encode_request({9, search, {}});

  // Set scope, the first ENUMERATED in the PDU, to 3.
  std::string bad_scope = pdu;
  std::size_t scope_at = bad_scope.find(std::string("\x0A\x01\x00", 3));
  REQUIRE(scope_at != std::string::npos);
  bad_scope[scope_at + 2] = 3;
  DecodeError scope = decode_error(bad_scope);
  CHECK(scope.kind == DecodeErrorKind::kInvalidOperation);
  CHECK(scope.message_id == 9);
  CHECK(scope.response_tag == OpTag::kSearchResultDone);
  CHECK(scope.result_code == ResultCode::kProtocolError);

  // sizeLimit -1.
  std::string bad_size = pdu;
  std::size_t size_at = bad_size.find(std::string("\x02\x01\x00\x02\x01\x00", 6));
  REQUIRE(size_at != std::string::npos);
  bad_size[size_at + 2] = static_cast<char>(0xFF);
  CHECK(decode_error(bad_size).response_tag == OpTag::kSearchResultDone);

  // Unbind and Abandon have no response, so the server must disconnect.
  DecodeError unbind = decode_error(message_with(3, std::string("\x42\x01\x00", 3)));
  CHECK(unbind.kind == DecodeErrorKind::kInvalidOperation);
  CHECK_FALSE(unbind.response_tag.has_value());
  DecodeError abandon = decode_error(message_with(3, std::string("\x50\x01\xFF", 3)));
  CHECK_FALSE(abandon.response_tag.has_value());
}

TEST_CASE("decoder checks request field rules", "[directory][protocol]") {
  // Bind versions 0 and 128 are outside 1..127. Version 2 decodes because the server rejects it.
  CHECK(decode_error(message_with(1, from_hex("6007020100040080"
                                              "00")))
            .response_tag == OpTag::kBindResponse);
  CHECK(decode_error(message_with(1, from_hex("600802020080040080"
                                              "00")))
            .result_code == ResultCode::kProtocolError);
  CHECK(decode_request(message_with(1, from_hex("6007020102040080"
                                                "00")))
            .ok());

  // Unknown authentication choice [1].
  DecodeError auth = decode_error(message_with(1, from_hex("6007020103040081"
                                                           "00")));
  CHECK(auth.result_code == ResultCode::kAuthMethodNotSupported);

  // AddRequest attribute with an empty value set.
  AddRequest add{"cn=x", {{"cn", {}}}};
  DecodeError empty_values = decode_error(encode_request({4, add, {}}));
  CHECK(empty_values.response_tag == OpTag::kAddResponse);

  // Modify operation 4 is not defined.
  ModifyRequest modify{"cn=x", {{ModifyOperation::kAdd, {"cn", {"y"}}}}};
  std::string pdu = encode_request({5, modify, {}});
  std::size_t op_at = pdu.find(std::string("\x0A\x01\x00", 3));
  REQUIRE(op_at != std::string::npos);
  pdu[op_at + 2] = 4;
  CHECK(decode_error(pdu).response_tag == OpTag::kModifyResponse);

  // A malformed control is reported against the operation.
  std::string with_bad_control = message_with(6, std::string("\x4A\x01x", 3) + from_hex("a0043002"
                                                                                        "0400"));
  DecodeError control = decode_error(with_bad_control);
  CHECK(control.kind == DecodeErrorKind::kInvalidOperation);
  CHECK(control.response_tag == OpTag::kDelResponse);
}

TEST_CASE("decoder enforces list and filter limits", "[directory][protocol]") {
  DecodeLimits limits;
  limits.max_list_elements = 3;
  SearchRequest search;
  search.filter = Filter::make_present("cn");
  search.attributes = {"a", "b", "c"};
  CHECK(decode_request(encode_request({1, search, {}}), limits).ok());

  search.attributes.push_back("d");
  auto too_many = decode_request(encode_request({1, search, {}}), limits);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().result_code == ResultCode::kAdminLimitExceeded);
  CHECK(too_many.error().response_tag == OpTag::kSearchResultDone);

  // A filter nested 65 deep exceeds the default depth of 64.
  Filter deep = Filter::make_present("cn");
  for (int i = 1; i < 65; ++i) {
    deep = Filter::make_not(std::move(deep));
  }
  search.attributes.clear();
  search.filter = deep;
  DecodeError bomb = decode_error(encode_request({2, search, {}}));
  CHECK(bomb.kind == DecodeErrorKind::kInvalidOperation);
  CHECK(bomb.result_code == ResultCode::kAdminLimitExceeded);
  search.filter = deep.children[0];
  CHECK(decode_request(encode_request({2, search, {}})).ok());
}

TEST_CASE("decoder survives corrupted octets", "[directory][protocol]") {
  // Deterministic mutations of valid PDUs: each must decode or fail cleanly.
  std::uint32_t state = 12345;
  auto next_random = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  std::size_t decoded_count = 0;
  for (const Request& request : sample_requests()) {
    std::string pdu = encode_request(request);
    for (int round = 0; round < 2000; ++round) {
      std::string mutated = pdu;
      int flips = 1 + static_cast<int>(next_random() % 3);
      for (int i = 0; i < flips; ++i) {
        mutated[next_random() % mutated.size()] = static_cast<char>(next_random() & 0xFF);
      }
      auto result = decode_request(mutated);
      if (result.ok()) {
        ++decoded_count;
        CHECK(decode_request(encode_request(*result)).ok());
      }
    }
  }
  CHECK(decoded_count > 0);
}
