#include "directory/protocol/encoder.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "directory/ber/framing.h"
#include "directory/protocol/decoder.h"

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

LdapResult result_of(ResultCode code, std::string diagnostic = {}) {
  LdapResult result;
  result.result_code = code;
  result.diagnostic_message = std::move(diagnostic);
  return result;
}

std::vector<Response> sample_responses() {
  LdapResult referral = result_of(ResultCode::kReferral);
  referral.referral = {"ldap://a.nhs.uk/o=nhs", "ldap://b.nhs.uk/o=nhs"};
  LdapResult no_such = result_of(ResultCode::kNoSuchObject, "entry not found");
  no_such.matched_dn = "ou=People,o=nhs";

  std::vector<Response> responses;
  responses.push_back({1, BindResponse{result_of(ResultCode::kSuccess), std::nullopt}, {}});
  responses.push_back({2,
                       BindResponse{result_of(ResultCode::kSaslBindInProgress),
                                    std::string("r=abc,s=c2FsdA==,i=4096")},
                       {}});
  responses.push_back(
      {3,
       SearchResultEntry{"uid=jdoe,ou=People,o=nhs",
                         {{"cn", {"John Doe", "Johnny"}},
                          {"userCertificate;binary", {std::string("\x30\x82\x00", 3)}}}},
       {}});
  responses.push_back(
      {3, SearchResultEntry{"uid=jdoe,ou=People,o=nhs", {{"cn", {}}, {"mail", {}}}}, {}});
  responses.push_back({3, SearchResultEntry{"o=nhs", {}}, {}});
  responses.push_back({3, SearchResultReference{{"ldap://c.nhs.uk/ou=Staff,o=nhs??sub"}}, {}});
  responses.push_back(
      {3,
       SearchResultDone{result_of(ResultCode::kSizeLimitExceeded)},
       {Control{"1.2.840.113556.1.4.319", false, std::string("\x30\x05\x02\x01\x00\x04\x00", 7)}}});
  responses.push_back({4, ModifyResponse{referral}, {}});
  responses.push_back({5, AddResponse{result_of(ResultCode::kEntryAlreadyExists, "exists")}, {}});
  responses.push_back({6, DelResponse{no_such}, {}});
  responses.push_back({7, ModifyDnResponse{result_of(ResultCode::kNotAllowedOnNonLeaf)}, {}});
  responses.push_back({8, CompareResponse{result_of(ResultCode::kCompareTrue)}, {}});
  responses.push_back(
      {9,
       ExtendedResponse{result_of(ResultCode::kSuccess), "1.3.6.1.4.1.1466.20037", std::nullopt},
       {}});
  responses.push_back(
      {10,
       ExtendedResponse{result_of(ResultCode::kSuccess), std::nullopt, std::string("u:jdoe")},
       {}});
  responses.push_back(
      {11, IntermediateResponse{"1.3.6.1.4.1.4203.1.9.1.4", std::string("\x04\x00", 2)}, {}});
  responses.push_back({12, IntermediateResponse{}, {Control{"1.2.3", true, std::nullopt}}});
  return responses;
}

}  // namespace

TEST_CASE("encoder round trips every response", "[directory][protocol]") {
  for (const Response& response : sample_responses()) {
    INFO("messageID " << response.message_id);
    std::string pdu = encode_response(response);
    ber::Frame frame = ber::frame_pdu(pdu, 1 << 20);
    CHECK(frame.status == ber::FrameStatus::kComplete);
    CHECK(frame.size == pdu.size());

    auto decoded = decode_response(pdu);
    REQUIRE(decoded.ok());
    CHECK(*decoded == response);
    CHECK(op_tag(decoded->op) == op_tag(response.op));
  }
}

TEST_CASE("response decoder rejects every truncation", "[directory][protocol]") {
  for (const Response& response : sample_responses()) {
    std::string pdu = encode_response(response);
    for (std::size_t size = 0; size < pdu.size(); ++size) {
      INFO("messageID " << response.message_id << ", prefix of " << size << " octets");
      CHECK_FALSE(decode_response(std::string_view(pdu).substr(0, size)).ok());
    }
  }
}

TEST_CASE("encoder matches known response bytes", "[directory][protocol]") {
  // The same bytes that OpenLDAP's ldapsearch accepted as "bind success" and
  // "search done" when capturing the PDUs in decoder_test.cpp.
  CHECK(encode_response({1, BindResponse{result_of(ResultCode::kSuccess), std::nullopt}, {}}) ==
        from_hex("300c02010161070a010004000400"));
  CHECK(encode_response({2, SearchResultDone{result_of(ResultCode::kSuccess)}, {}}) ==
        from_hex("300c02010265070a010004000400"));

  CHECK(encode_response({2, SearchResultEntry{"o=x", {{"cn", {"a"}}}}, {}}) ==
        from_hex("3017020102641204036f3d78300b3009"
                 "0402636e"
                 "3103"
                 "0401"
                 "61"));
  CHECK(encode_response({5, CompareResponse{result_of(ResultCode::kCompareFalse)}, {}}) ==
        from_hex("300c020105"
                 "6f07"
                 "0a0105"
                 "0400"
                 "0400"));
  CHECK(encode_response(
            {6, BindResponse{result_of(ResultCode::kSaslBindInProgress), std::string("c")}, {}}) ==
        from_hex("300f020106"
                 "610a"
                 "0a010e"
                 "0400"
                 "0400"
                 "870163"));
}

TEST_CASE("encoder writes notice of disconnection", "[directory][protocol]") {
  std::string pdu = encode_notice_of_disconnection(ResultCode::kProtocolError, "bad PDU");
  // SEQUENCE { 0, [APPLICATION 24] { protocolError, "", "bad PDU", [10] OID } }
  CHECK(pdu == from_hex("302b020100"
                        "7826"
                        "0a0102"
                        "0400"
                        "0407"
                        "626164205044"
                        "55"
                        "8a16"
                        "312e332e362e312e342e312e313436362e3230303336"));

  auto decoded = decode_response(pdu);
  REQUIRE(decoded.ok());
  CHECK(decoded->message_id == 0);
  const auto& notice = std::get<ExtendedResponse>(decoded->op);
  CHECK(notice.result.result_code == ResultCode::kProtocolError);
  CHECK(notice.response_name == std::string(kNoticeOfDisconnectionOid));
  CHECK_FALSE(notice.response_value.has_value());
}

TEST_CASE("encoder handles long values", "[directory][protocol]") {
  std::string big(70000, 'v');
  Response response{42, SearchResultEntry{"cn=big", {{"jpegPhoto", {big}}}}, {}};
  std::string pdu = encode_response(response);
  CHECK(pdu.substr(0, 2) == from_hex("3083"));
  auto decoded = decode_response(pdu);
  REQUIRE(decoded.ok());
  CHECK(*decoded == response);
}

TEST_CASE("response tag mapping", "[directory][protocol]") {
  CHECK(response_tag_for(OpTag::kBindRequest) == OpTag::kBindResponse);
  CHECK(response_tag_for(OpTag::kSearchRequest) == OpTag::kSearchResultDone);
  CHECK(response_tag_for(OpTag::kModifyRequest) == OpTag::kModifyResponse);
  CHECK(response_tag_for(OpTag::kAddRequest) == OpTag::kAddResponse);
  CHECK(response_tag_for(OpTag::kDelRequest) == OpTag::kDelResponse);
  CHECK(response_tag_for(OpTag::kModifyDnRequest) == OpTag::kModifyDnResponse);
  CHECK(response_tag_for(OpTag::kCompareRequest) == OpTag::kCompareResponse);
  CHECK(response_tag_for(OpTag::kExtendedRequest) == OpTag::kExtendedResponse);
  CHECK_FALSE(response_tag_for(OpTag::kUnbindRequest).has_value());
  CHECK_FALSE(response_tag_for(OpTag::kAbandonRequest).has_value());
  CHECK_FALSE(response_tag_for(OpTag::kBindResponse).has_value());
}

TEST_CASE("search entry built from Entry", "[directory][protocol]") {
  careid::directory::Entry entry;
  entry.dn = "uid=jdoe,ou=People,o=nhs";
  entry.add_value("cn", "John Doe");
  entry.add_value("mail", "jdoe@nhs.net");
  entry.add_value("cn", "Johnny");

  SearchResultEntry full = make_search_result_entry(entry, false);
  CHECK(full.object_name == entry.dn);
  REQUIRE(full.attributes.size() == 2);
  CHECK(full.attributes[0] == PartialAttribute{"cn", {"John Doe", "Johnny"}});
  CHECK(full.attributes[1] == PartialAttribute{"mail", {"jdoe@nhs.net"}});

  SearchResultEntry types = make_search_result_entry(entry, true);
  REQUIRE(types.attributes.size() == 2);
  CHECK(types.attributes[0] == PartialAttribute{"cn", {}});
  CHECK(types.attributes[1] == PartialAttribute{"mail", {}});
}
