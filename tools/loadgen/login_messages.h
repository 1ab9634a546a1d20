// The protocol messages a browser and a service provider exchange with careidd during a
// login, built and parsed as text: no XML library runs on the timed path.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace careid::loadgen {

// Percent-encodes everything except the RFC 3986 2.3 unreserved characters.
std::string url_encode(std::string_view text);

// Decodes %XX escapes and '+' (as a space, application/x-www-form-urlencoded).
std::string url_decode(std::string_view text);

// An unsigned AuthnRequest (SAML Core 3.4.1) that asks for a persistent NameID and the
// HTTP-POST binding at `acs_url`. `id` must start with a letter or '_' (xs:ID).
std::string build_authn_request(std::string_view id, std::chrono::system_clock::time_point now,
                                std::string_view destination, std::string_view sp_entity_id,
                                std::string_view acs_url);

// Encodes `xml` for the HTTP-Redirect binding (SAML Bindings 3.4.4.1): raw DEFLATE
// (RFC 1951), base64, then URL encoding. Returns "SAMLRequest=<value>". Fails with kInternal
// when zlib fails.
Result<std::string> redirect_query(std::string_view xml);

// Returns the HTML-unescaped value of the first <input> whose `name="<name>"` is followed
// by `value="..."`, as careid's role page and SAML POST form write them; nullopt when absent.
std::optional<std::string> form_field(std::string_view html, std::string_view name);

// Returns the URL-decoded value of query parameter `name` in `url`, or nullopt.
std::optional<std::string> query_parameter(std::string_view url, std::string_view name);

// The S256 code_challenge of `verifier`: base64url(SHA-256(verifier)) without padding
// (RFC 7636 4.2).
Result<std::string> pkce_challenge(std::string_view verifier);

// Random bytes as base64url without padding, for IDs, state, nonce and PKCE verifiers.
Result<std::string> random_token(std::size_t bytes);

}  // namespace careid::loadgen
