#include "directory/protocol/messages.h"

namespace careid::directory::protocol {

OpTag op_tag(const RequestOp& op) {
  static constexpr OpTag kTags[] = {
      OpTag::kBindRequest,     OpTag::kUnbindRequest,  OpTag::kSearchRequest,
      OpTag::kModifyRequest,   OpTag::kAddRequest,     OpTag::kDelRequest,
      OpTag::kModifyDnRequest, OpTag::kCompareRequest, OpTag::kAbandonRequest,
      OpTag::kExtendedRequest,
  };
  static_assert(std::size(kTags) == std::variant_size_v<RequestOp>);
  return kTags[op.index()];
}

OpTag op_tag(const ResponseOp& op) {
  static constexpr OpTag kTags[] = {
      OpTag::kBindResponse,     OpTag::kSearchResultEntry,    OpTag::kSearchResultReference,
      OpTag::kSearchResultDone, OpTag::kModifyResponse,       OpTag::kAddResponse,
      OpTag::kDelResponse,      OpTag::kModifyDnResponse,     OpTag::kCompareResponse,
      OpTag::kExtendedResponse, OpTag::kIntermediateResponse,
  };
  static_assert(std::size(kTags) == std::variant_size_v<ResponseOp>);
  return kTags[op.index()];
}

SearchResultEntry make_search_result_entry(const Entry& entry, bool types_only) {
  SearchResultEntry result;
  result.object_name = entry.dn;
  result.attributes.reserve(entry.attributes.size());
  for (const Attribute& attribute : entry.attributes) {
    PartialAttribute& partial = result.attributes.emplace_back();
    partial.type = attribute.description;
    if (!types_only) {
      partial.values = attribute.values;
    }
  }
  return result;
}

std::optional<OpTag> response_tag_for(OpTag request) {
  switch (request) {
    case OpTag::kBindRequest:
      return OpTag::kBindResponse;
    case OpTag::kSearchRequest:
      return OpTag::kSearchResultDone;
    case OpTag::kModifyRequest:
      return OpTag::kModifyResponse;
    case OpTag::kAddRequest:
      return OpTag::kAddResponse;
    case OpTag::kDelRequest:
      return OpTag::kDelResponse;
    case OpTag::kModifyDnRequest:
      return OpTag::kModifyDnResponse;
    case OpTag::kCompareRequest:
      return OpTag::kCompareResponse;
    case OpTag::kExtendedRequest:
      return OpTag::kExtendedResponse;
    default:
      return std::nullopt;
  }
}

}  // namespace careid::directory::protocol
