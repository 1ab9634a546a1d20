#include "directory/server/session_encoding.h"

#include "directory/protocol/encoder.h"

namespace careid::directory::server {

std::string encode(std::int32_t message_id, protocol::ResponseOp op, std::vector<protocol::Control> controls) {
  return protocol::encode_response(protocol::Response{message_id, std::move(op), std::move(controls)});
}

std::string encode_error_response(const protocol::DecodeError& error) {
  protocol::LdapResult result;
  result.result_code = error.result_code;
  result.diagnostic_message = error.diagnostic;

  protocol::ResponseOp op;
  switch (*error.response_tag) {
    case protocol::OpTag::kBindResponse: op = protocol::BindResponse{std::move(result), std::nullopt}; break;
    case protocol::OpTag::kSearchResultDone: op = protocol::SearchResultDone{std::move(result)}; break;
    case protocol::OpTag::kModifyResponse: op = protocol::ModifyResponse{std::move(result)}; break;
    case protocol::OpTag::kAddResponse: op = protocol::AddResponse{std::move(result)}; break;
    case protocol::OpTag::kDelResponse: op = protocol::DelResponse{std::move(result)}; break;
    case protocol::OpTag::kModifyDnResponse: op = protocol::ModifyDnResponse{std::move(result)}; break;
    case protocol::OpTag::kCompareResponse: op = protocol::CompareResponse{std::move(result)}; break;
    default: op = protocol::ExtendedResponse{std::move(result), std::nullopt, std::nullopt}; break;
  }
  return encode(error.message_id, std::move(op));
}

}  // namespace careid::directory::server
