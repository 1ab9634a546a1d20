// LDAPv3 messages (RFC 4511 4): the requests a server decodes and the responses it encodes.
//
// Every string is an owned copy, so a decoded Request stays valid after the read buffer
// it came from is reused. Strings hold the octets as sent: DNs, attribute descriptions
// and values are not normalised or checked against a schema here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "directory/entry.h"
#include "directory/protocol/filter.h"
#include "directory/result_code.h"

namespace careid::directory::protocol {

// Application tag numbers of protocolOp (RFC 4511 4.2-4.14 and Appendix B).
enum class OpTag : std::uint32_t {
  kBindRequest = 0,
  kBindResponse = 1,
  kUnbindRequest = 2,
  kSearchRequest = 3,
  kSearchResultEntry = 4,
  kSearchResultDone = 5,
  kModifyRequest = 6,
  kModifyResponse = 7,
  kAddRequest = 8,
  kAddResponse = 9,
  kDelRequest = 10,
  kDelResponse = 11,
  kModifyDnRequest = 12,
  kModifyDnResponse = 13,
  kCompareRequest = 14,
  kCompareResponse = 15,
  kAbandonRequest = 16,
  kSearchResultReference = 19,
  kExtendedRequest = 23,
  kExtendedResponse = 24,
  kIntermediateResponse = 25,
};

// MessageID ::= INTEGER (0 .. maxInt), maxInt = 2^31 - 1 (RFC 4511 4.1.1.1).
inline constexpr std::int64_t kMaxInt = 2147483647;

// responseName of the Notice of Disconnection (RFC 4511 4.4.1).
inline constexpr std::string_view kNoticeOfDisconnectionOid = "1.3.6.1.4.1.1466.20036";

struct Control {
  std::string type;  // controlType, an LDAPOID
  bool criticality = false;
  std::optional<std::string> value;

  bool operator==(const Control&) const = default;
};

// PartialAttribute (RFC 4511 4.1.7): a description and a possibly empty set of values.
struct PartialAttribute {
  std::string type;
  std::vector<std::string> values;

  bool operator==(const PartialAttribute&) const = default;
};

// ---- Requests ----

struct SimpleCredentials {
  std::string password;  // empty with a non-empty name is an unauthenticated bind (RFC 4513 5.1.2)

  bool operator==(const SimpleCredentials&) const = default;
};

struct SaslCredentials {
  std::string mechanism;
  std::optional<std::string> credentials;

  bool operator==(const SaslCredentials&) const = default;
};

// RFC 4511 4.2. The decoder accepts any version in 1..127; rejecting versions other than
// 3 with protocolError is the server's job.
struct BindRequest {
  int version = 3;
  std::string name;
  std::variant<SimpleCredentials, SaslCredentials> authentication;

  bool operator==(const BindRequest&) const = default;
};

struct UnbindRequest {
  bool operator==(const UnbindRequest&) const = default;
};

enum class SearchScope : int { kBaseObject = 0, kSingleLevel = 1, kWholeSubtree = 2 };

enum class DerefAliases : int {
  kNeverDerefAliases = 0,
  kDerefInSearching = 1,
  kDerefFindingBaseObj = 2,
  kDerefAlways = 3,
};

// RFC 4511 4.5.1. Limits of 0 mean "no client-requested limit".
struct SearchRequest {
  std::string base_object;
  SearchScope scope = SearchScope::kBaseObject;
  DerefAliases deref_aliases = DerefAliases::kNeverDerefAliases;
  std::int32_t size_limit = 0;
  std::int32_t time_limit = 0;  // seconds
  bool types_only = false;
  Filter filter;
  std::vector<std::string> attributes;  // selectors as sent, including "*", "+" and "1.1"

  bool operator==(const SearchRequest&) const = default;
};

// RFC 4511 4.6, plus increment from RFC 4525.
enum class ModifyOperation : int { kAdd = 0, kDelete = 1, kReplace = 2, kIncrement = 3 };

struct Modification {
  ModifyOperation operation = ModifyOperation::kAdd;
  PartialAttribute modification;

  bool operator==(const Modification&) const = default;
};

struct ModifyRequest {
  std::string object;
  std::vector<Modification> changes;

  bool operator==(const ModifyRequest&) const = default;
};

// RFC 4511 4.7. Each attribute has at least one value; the decoder enforces it.
struct AddRequest {
  std::string entry;
  std::vector<PartialAttribute> attributes;

  bool operator==(const AddRequest&) const = default;
};

struct DelRequest {
  std::string entry;

  bool operator==(const DelRequest&) const = default;
};

struct ModifyDnRequest {
  std::string entry;
  std::string new_rdn;
  bool delete_old_rdn = false;
  std::optional<std::string> new_superior;

  bool operator==(const ModifyDnRequest&) const = default;
};

struct CompareRequest {
  std::string entry;
  AttributeValueAssertion assertion;

  bool operator==(const CompareRequest&) const = default;
};

struct AbandonRequest {
  std::int32_t message_id = 0;  // the operation to abandon

  bool operator==(const AbandonRequest&) const = default;
};

struct ExtendedRequest {
  std::string request_name;  // an LDAPOID
  std::optional<std::string> request_value;

  bool operator==(const ExtendedRequest&) const = default;
};

using RequestOp =
    std::variant<BindRequest, UnbindRequest, SearchRequest, ModifyRequest, AddRequest, DelRequest,
                 ModifyDnRequest, CompareRequest, AbandonRequest, ExtendedRequest>;

struct Request {
  std::int32_t message_id = 0;
  RequestOp op;
  std::vector<Control> controls;

  bool operator==(const Request&) const = default;
};

// ---- Responses ----

// LDAPResult (RFC 4511 4.1.9). `referral` is sent only when non-empty.
struct LdapResult {
  ResultCode result_code = ResultCode::kSuccess;
  std::string matched_dn;
  std::string diagnostic_message;
  std::vector<std::string> referral;  // LDAP URIs

  bool operator==(const LdapResult&) const = default;
};

struct BindResponse {
  LdapResult result;
  std::optional<std::string> server_sasl_creds;

  bool operator==(const BindResponse&) const = default;
};

// RFC 4511 4.5.2. For typesOnly searches, send each attribute with no values.
struct SearchResultEntry {
  std::string object_name;
  std::vector<PartialAttribute> attributes;

  bool operator==(const SearchResultEntry&) const = default;
};

// RFC 4511 4.5.3: one or more URIs.
struct SearchResultReference {
  std::vector<std::string> uris;

  bool operator==(const SearchResultReference&) const = default;
};

struct SearchResultDone {
  LdapResult result;
  bool operator==(const SearchResultDone&) const = default;
};
struct ModifyResponse {
  LdapResult result;
  bool operator==(const ModifyResponse&) const = default;
};
struct AddResponse {
  LdapResult result;
  bool operator==(const AddResponse&) const = default;
};
struct DelResponse {
  LdapResult result;
  bool operator==(const DelResponse&) const = default;
};
struct ModifyDnResponse {
  LdapResult result;
  bool operator==(const ModifyDnResponse&) const = default;
};
// resultCode compareTrue or compareFalse on success (RFC 4511 4.10).
struct CompareResponse {
  LdapResult result;
  bool operator==(const CompareResponse&) const = default;
};

struct ExtendedResponse {
  LdapResult result;
  std::optional<std::string> response_name;
  std::optional<std::string> response_value;

  bool operator==(const ExtendedResponse&) const = default;
};

struct IntermediateResponse {
  std::optional<std::string> response_name;
  std::optional<std::string> response_value;

  bool operator==(const IntermediateResponse&) const = default;
};

using ResponseOp =
    std::variant<BindResponse, SearchResultEntry, SearchResultReference, SearchResultDone,
                 ModifyResponse, AddResponse, DelResponse, ModifyDnResponse, CompareResponse,
                 ExtendedResponse, IntermediateResponse>;

struct Response {
  std::int32_t message_id = 0;
  ResponseOp op;
  std::vector<Control> controls;

  bool operator==(const Response&) const = default;
};

// Returns the application tag of `op`.
OpTag op_tag(const RequestOp& op);
OpTag op_tag(const ResponseOp& op);

// Builds the SearchResultEntry for `entry`, copying every attribute in order. With
// `types_only` (the request's typesOnly), the attributes are sent without values.
SearchResultEntry make_search_result_entry(const Entry& entry, bool types_only);

// Returns the response tag for a request tag, or nothing for requests without a response
// (Unbind, Abandon) and for tags that are not requests. A server that cannot decode an
// operation sends protocolError in this response type, or disconnects when there is none.
std::optional<OpTag> response_tag_for(OpTag request);

}  // namespace careid::directory::protocol
