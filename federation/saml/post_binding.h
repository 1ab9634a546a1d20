// The HTTP-POST binding page (SAML Bindings 3.5.4): an HTML form that the browser submits
// to the SP's ACS URL, carrying the base64 Response and the RelayState in hidden fields.
#pragma once

#include <string>
#include <string_view>

namespace careid::federation::saml {

// The only script in the page. It is a constant so that its hash can be allowed by the
// Content-Security-Policy header instead of 'unsafe-inline'.
inline constexpr std::string_view kPostPageScript =
    "document.getElementById(\"saml-post\").submit();";

// Returns the page. `acs_url`, the base64 of `response_xml` and `relay_state` are HTML-
// escaped into attribute values; the RelayState field is left out when it is empty. A
// <noscript> button submits the form where scripts are disabled.
// `action` names the step in the page's title and noscript text, e.g. "signing in".
// `field` is SAMLResponse, or SAMLRequest for a request that careid sends.
std::string build_post_page(std::string_view acs_url, std::string_view response_xml,
                            std::string_view relay_state, std::string_view action = "signing in",
                            std::string_view field = "SAMLResponse");

// Returns the same page carrying the base64 `artifact` in a SAMLart field in place of a
// message: the HTTP-Artifact binding's form variant (SAML Bindings 3.6).
std::string build_artifact_page(std::string_view acs_url, std::string_view artifact,
                                std::string_view relay_state);

// "default-src 'none'; script-src 'sha256-<hash of kPostPageScript>'; ..." for the page.
std::string post_page_content_security_policy();

// Escapes &, <, >, " and ' for HTML text and quoted attribute values.
std::string html_escape(std::string_view text);

}  // namespace careid::federation::saml
