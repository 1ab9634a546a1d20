// LDAP controls careid implements (RFC 4511 4.1.11) and the BER codecs of their
// controlValue fields, plus the Password Modify extended operation values (RFC 3062).
//
// Decoders treat every value as untrusted client input. A malformed or truncated value
// returns InvalidArgument naming the control, and the caller sends protocolError. Limits: a sort key list or attribute selection contains at most
// kMaxControlListElements entries (InvalidArgument beyond that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "directory/protocol/filter.h"
#include "directory/protocol/messages.h"

namespace careid::directory::protocol {

inline constexpr std::string_view kPagedResultsOid = "1.2.840.113556.1.4.319";     // RFC 2696
inline constexpr std::string_view kSortRequestOid = "1.2.840.113556.1.4.473";      // RFC 2891
inline constexpr std::string_view kSortResponseOid = "1.2.840.113556.1.4.474";     // RFC 2891
inline constexpr std::string_view kManageDsaItControlOid = "2.16.840.1.113730.3.4.2";  // RFC 3296
inline constexpr std::string_view kAssertionOid = "1.3.6.1.1.12";                   // RFC 4528
inline constexpr std::string_view kPreReadOid = "1.3.6.1.1.13.1";                   // RFC 4527
inline constexpr std::string_view kPostReadOid = "1.3.6.1.1.13.2";                  // RFC 4527
inline constexpr std::string_view kSubtreeDeleteOid = "1.2.840.113556.1.4.805";
inline constexpr std::string_view kPermissiveModifyOid = "1.2.840.113556.1.4.1413";
inline constexpr std::string_view kPasswordModifyOid = "1.3.6.1.4.1.4203.1.11.1";  // RFC 3062

inline constexpr std::size_t kMaxControlListElements = 64;

// The controls careid implements, in the order the root DSE lists them.
const std::vector<std::string_view>& supported_control_oids();

// Returns the first control of type `oid` in `controls`, or null.
const Control* find_control(const std::vector<Control>& controls, std::string_view oid);

// RFC 2696 realSearchControlValue, used in both directions.
struct PagedResults {
  std::int32_t size = 0;  // page size requested, or the result size estimate (0 = unknown)
  std::string cookie;     // empty on the first request and on the last page

  bool operator==(const PagedResults&) const = default;
};

Result<PagedResults> decode_paged_results(std::string_view value);
std::string encode_paged_results(const PagedResults& paged);

// One SortKeyList element (RFC 2891 1.1).
struct SortKey {
  std::string attribute_type;
  std::optional<std::string> ordering_rule;
  bool reverse_order = false;

  bool operator==(const SortKey&) const = default;
};

// Decodes a SortKeyList; an empty list is InvalidArgument.
Result<std::vector<SortKey>> decode_sort_request(std::string_view value);
std::string encode_sort_request(const std::vector<SortKey>& keys);

// SortResult (RFC 2891 1.2): a result code and the attribute type that caused a failure.
std::string encode_sort_response(ResultCode code, std::string_view attribute_type = {});
Result<std::pair<ResultCode, std::string>> decode_sort_response(std::string_view value);

// The assertion control's value is a Filter (RFC 4528 3).
Result<Filter> decode_assertion(std::string_view value);

// Pre-read and post-read requests carry an AttributeSelection, a SEQUENCE OF LDAPString
// (RFC 4527 3.1); their responses carry a whole SearchResultEntry (RFC 4527 3.2).
Result<std::vector<std::string>> decode_attribute_selection(std::string_view value);
std::string encode_attribute_selection(const std::vector<std::string>& attributes);
std::string encode_read_entry(const SearchResultEntry& entry);
Result<SearchResultEntry> decode_read_entry(std::string_view value);

// PasswdModifyRequestValue (RFC 3062 2); an absent requestValue decodes as all empty.
struct PasswordModifyRequest {
  std::optional<std::string> user_identity;
  std::optional<std::string> old_password;
  std::optional<std::string> new_password;

  bool operator==(const PasswordModifyRequest&) const = default;
};

Result<PasswordModifyRequest> decode_password_modify(std::string_view value);
std::string encode_password_modify(const PasswordModifyRequest& request);

// PasswdModifyResponseValue (RFC 3062 2): genPasswd when the server generated one.
std::string encode_password_modify_response(const std::optional<std::string>& generated);
Result<std::optional<std::string>> decode_password_modify_response(std::string_view value);

}  // namespace careid::directory::protocol
