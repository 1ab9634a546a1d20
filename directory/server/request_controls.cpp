#include "directory/server/request_controls.h"

#include <algorithm>

#include "directory/engine/naming.h"

namespace careid::directory::server {
namespace {

using protocol::OpTag;

// An implemented control and the request types it applies to.
struct ControlUse {
  std::string_view oid;
  std::vector<OpTag> operations;
};

const std::vector<ControlUse>& control_uses() {
  static const std::vector<ControlUse> kUses = {
      {protocol::kPagedResultsOid, {OpTag::kSearchRequest}},
      {protocol::kSortRequestOid, {OpTag::kSearchRequest}},
      // RFC 3296: careid stores no referral objects, so ManageDsaIT changes nothing.
      {protocol::kManageDsaItControlOid,
       {OpTag::kSearchRequest, OpTag::kAddRequest, OpTag::kModifyRequest, OpTag::kDelRequest,
        OpTag::kModifyDnRequest, OpTag::kCompareRequest, OpTag::kExtendedRequest}},
      {protocol::kAssertionOid,
       {OpTag::kSearchRequest, OpTag::kAddRequest, OpTag::kModifyRequest, OpTag::kDelRequest,
        OpTag::kModifyDnRequest, OpTag::kCompareRequest}},
      {protocol::kPreReadOid, {OpTag::kModifyRequest, OpTag::kDelRequest, OpTag::kModifyDnRequest}},
      {protocol::kPostReadOid, {OpTag::kAddRequest, OpTag::kModifyRequest, OpTag::kModifyDnRequest}},
      {protocol::kSubtreeDeleteOid, {OpTag::kDelRequest}},
      {protocol::kPermissiveModifyOid, {OpTag::kModifyRequest}},
  };
  return kUses;
}

bool applies(std::string_view oid, OpTag operation) {
  for (const ControlUse& use : control_uses()) {
    if (use.oid == oid) {
      return std::find(use.operations.begin(), use.operations.end(), operation) != use.operations.end();
    }
  }
  return false;
}

protocol::LdapResult malformed(const Status& status) {
  return engine::ldap_result(ResultCode::kProtocolError, status.message());
}

// Decodes the value of one applicable control into `decoded`.
Status decode_one(const protocol::Control& control, RequestControls& decoded) {
  const std::string value = control.value.value_or(std::string());
  if (control.type == protocol::kAssertionOid) {
    auto filter = protocol::decode_assertion(value);
    if (!filter.ok()) {
      return filter.status();
    }
    decoded.assertion = std::move(*filter);
  } else if (control.type == protocol::kPreReadOid || control.type == protocol::kPostReadOid) {
    auto selection = protocol::decode_attribute_selection(value);
    if (!selection.ok()) {
      return selection.status();
    }
    (control.type == protocol::kPreReadOid ? decoded.pre_read : decoded.post_read) = std::move(*selection);
  } else if (control.type == protocol::kPagedResultsOid) {
    auto paged = protocol::decode_paged_results(value);
    if (!paged.ok()) {
      return paged.status();
    }
    decoded.paged = std::move(*paged);
  } else if (control.type == protocol::kSortRequestOid) {
    auto keys = protocol::decode_sort_request(value);
    if (!keys.ok()) {
      return keys.status();
    }
    decoded.sort = std::move(*keys);
    decoded.sort_critical = control.criticality;
  } else if (control.type == protocol::kSubtreeDeleteOid) {
    decoded.subtree_delete = true;
  } else if (control.type == protocol::kPermissiveModifyOid) {
    decoded.permissive_modify = true;
  }
  return Status::ok_status();
}

}  // namespace

Result<RequestControls, protocol::LdapResult> decode_request_controls(const protocol::Request& request) {
  const OpTag operation = protocol::op_tag(request.op);
  RequestControls decoded;
  for (const protocol::Control& control : request.controls) {
    if (!applies(control.type, operation)) {
      if (control.criticality) {
        return engine::ldap_result(ResultCode::kUnavailableCriticalExtension,
                                   "critical control '" + control.type + "' is not supported for this operation");
      }
      continue;  // RFC 4511 4.1.11: a non-critical control the server cannot use is ignored
    }
    Status status = decode_one(control, decoded);
    if (!status.ok()) {
      return malformed(status);
    }
  }
  return decoded;
}

}  // namespace careid::directory::server
