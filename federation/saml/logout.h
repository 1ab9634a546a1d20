// SAML 2.0 Single Logout started by an SP (SAML Core 3.7, SAML Profiles 4.4): checks of a
// received LogoutRequest and construction of the signed LogoutResponse, over the
// HTTP-Redirect and HTTP-POST bindings.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"
#include "federation/saml/identity_provider.h"
#include "federation/saml/post_request.h"
#include "federation/saml/redirect_binding.h"
#include "federation/saml/replay_cache.h"
#include "federation/saml/service_provider.h"
#include "pki/key.h"
#include "xml/signature.h"

namespace careid::federation::saml {

struct LogoutCheckContext {
  const ServiceProviderRegistry& service_providers;
  std::string_view slo_url;  // our SingleLogoutService location, for Destination
  std::chrono::system_clock::time_point now;
  // Records each accepted request ID; null turns replay detection off (some tests).
  ReplayCache* replay_cache = nullptr;
};

// Checks the Version, IssueInstant (within kMaxRequestAge and kMaxClockSkew of
// context.now) and Destination (when present, context.slo_url) of a received
// LogoutRequest or LogoutResponse `root`. InvalidArgument names `message_name` and the field.
Status check_message_fields(xml::Element root, std::string_view message_name,
                            const LogoutCheckContext& context);

// Parses and checks a LogoutRequest as IdentityProvider::decode_logout_redirect describes.
// A Redirect message is signed over its query string, a POST message by an enveloped
// ds:Signature (federation/saml/request_signature.h). Every error has an empty acs_url.
Result<LogoutRequest, RequestError> check_logout_request(const RedirectMessage& message,
                                                         const LogoutCheckContext& context);
Result<LogoutRequest, RequestError> check_logout_request(const PostMessage& message,
                                                         const LogoutCheckContext& context);

struct LogoutResponseContext {
  std::string idp_entity_id;
  std::chrono::system_clock::time_point now;
  const xml::SigningKey* xml_key = nullptr;   // enveloped signatures; not owned
  const pki::PrivateKey* query_key = nullptr;  // HTTP-Redirect signatures; not owned
};

// Builds the LogoutResponse to `request` for `sp`, as
// IdentityProvider::build_logout_response describes. kInternal when signing fails.
Result<LogoutReply> build_logout_response(const LogoutResponseContext& context,
                                          const ServiceProvider& sp,
                                          const LogoutRequest& request, bool partial);

// Returns `destination` with the signed HTTP-Redirect query of the message `xml`. The
// signature covers "<parameter>=...&RelayState=...&SigAlg=..." exactly as sent (SAML
// Bindings 3.4.4.1); `parameter` is SAMLRequest or SAMLResponse. kInternal when DEFLATE or
// signing fails.
Result<std::string> signed_redirect_url(std::string_view destination, std::string_view parameter,
                                        const std::string& xml, std::string_view relay_state,
                                        const pki::PrivateKey& key);

}  // namespace careid::federation::saml
