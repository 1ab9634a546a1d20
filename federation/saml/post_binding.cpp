#include "federation/saml/post_binding.h"

#include <cctype>

#include "federation/saml/identity_provider.h"
#include "pki/digest.h"
#include "pki/encoding.h"

namespace careid::federation::saml {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// The auto-submitting form with `field` = `value` and the RelayState.
std::string build_form_page(std::string_view acs_url, std::string_view field,
                            std::string_view value, std::string_view relay_state,
                            std::string_view action) {
  std::string title(action);
  if (!title.empty()) {
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  }

  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
      "<title>" + html_escape(title) + "</title></head>\n<body>\n"
      "<form id=\"saml-post\" method=\"post\" action=\"" + html_escape(acs_url) + "\">\n"
      "<input type=\"hidden\" name=\"" + html_escape(field) + "\" value=\"" + html_escape(value) + "\">\n";
  if (!relay_state.empty()) {
    page += "<input type=\"hidden\" name=\"RelayState\" value=\"" + html_escape(relay_state) +
            "\">\n";
  }
  page +=
      "<noscript><p>Scripts are disabled in this browser. Press Continue to finish " +
      html_escape(action) + ".</p><button type=\"submit\">Continue</button></noscript>\n"
      "</form>\n<script>";
  page += kPostPageScript;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace

std::string build_post_page(std::string_view acs_url, std::string_view response_xml,
                            std::string_view relay_state, std::string_view action,
                            std::string_view field) {
  std::string saml_response = pki::base64_encode(pki::as_bytes(response_xml));
  return build_form_page(acs_url, field, saml_response, relay_state, action);
}

std::string build_artifact_page(std::string_view acs_url, std::string_view artifact,
                                std::string_view relay_state) {
  return build_form_page(acs_url, "SAMLart", artifact, relay_state, "signing in");
}

std::string post_page_content_security_policy() {
  auto digest = pki::sha256(pki::as_bytes(kPostPageScript));
  // SHA-256 fails only when OpenSSL itself is broken. The policy then allows no script,
  // and the user submits the form with the noscript button.
  std::string script_source =
      digest.ok() ? "'sha256-" + pki::base64_encode(*digest) + "'" : std::string("'none'");
  return "default-src 'none'; script-src " + script_source +
         "; base-uri 'none'; frame-ancestors 'none'";
}

std::string IdentityProvider::post_page_content_security_policy() {
  return saml::post_page_content_security_policy();
}

}  // namespace careid::federation::saml
