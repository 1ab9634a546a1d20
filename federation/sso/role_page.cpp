#include "federation/sso/role_page.h"

#include "federation/saml/post_binding.h"
#include "federation/saml/redirect_binding.h"

namespace careid::federation::sso {
namespace {

using saml::html_escape;

constexpr std::size_t kMaxRoleFormBytes = 4096;

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
    "ul{list-style:none;padding:0}li{margin:.5em 0}input[type=search]{width:100%;padding:.4em}"
    "button{margin-top:1em;padding:.5em 1.5em}";

// Hides the list items that do not contain the search text. Static, so that its hash in the
// Content-Security-Policy never changes.
constexpr const char* kFilterScript =
    "document.getElementById('role-search').addEventListener('input',function(e){"
    "var q=e.target.value.toLowerCase();"
    "document.querySelectorAll('#roles li').forEach(function(li){"
    "li.hidden=li.textContent.toLowerCase().indexOf(q)<0;});});";

std::string role_item(const RoleProfile& role) {
  std::string organisation = role.org_name.empty() ? role.org_code
                                                   : role.org_name + " (" + role.org_code + ")";
  return "<li><label><input type=\"radio\" name=\"role\" value=\"" + html_escape(role.id) +
         "\" required> " + html_escape(role.job_role_name) + " at " + html_escape(organisation) +
         "</label></li>\n";
}

}  // namespace

std::string build_role_page(std::string_view person_name, const std::vector<RoleProfile>& roles,
                            std::string_view csrf_token, std::string_view action) {
  bool searchable = roles.size() > kRoleSearchThreshold;
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Choose your role</title><style>" + std::string(kStyle) + "</style></head><body>\n"
      "<h1>Choose your role</h1>\n<p>Signed in as " + html_escape(person_name) +
      ". You work in the role you choose until you sign out; to change role, sign in again.</p>\n";
  if (searchable) {
    page += "<input type=\"search\" id=\"role-search\" placeholder=\"Search roles\" "
            "aria-label=\"Search roles\">\n";
  }

  page += "<form method=\"post\" action=\"" + html_escape(action) + "\">\n"
          "<input type=\"hidden\" name=\"csrf_token\" value=\"" + html_escape(csrf_token) +
          "\">\n<ul id=\"roles\">\n";
  for (const RoleProfile& role : roles) {
    page += role_item(role);
  }
  page += "</ul>\n<button type=\"submit\">Continue</button>\n</form>\n";

  if (searchable) {
    page += "<script>" + std::string(kFilterScript) + "</script>\n";
  }
  return page + "</body></html>\n";
}

RoleChoiceForm parse_role_form(std::string_view body) {
  RoleChoiceForm form;
  if (body.size() > kMaxRoleFormBytes) {
    return form;
  }
  RoleChoiceForm parsed;
  int token_count = 0;
  int role_count = 0;
  while (!body.empty()) {
    std::size_t end = body.find('&');
    std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    std::size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    Result<std::string> value =
        saml::url_decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    if (!value.ok()) {
      return form;
    }
    if (name == "csrf_token") {
      parsed.csrf_token = std::move(*value);
      ++token_count;
    } else if (name == "role") {
      parsed.role_profile_id = std::move(*value);
      ++role_count;
    }
  }
  if (token_count > 1 || role_count > 1) {
    return form;
  }
  return parsed;
}

}  // namespace careid::federation::sso
