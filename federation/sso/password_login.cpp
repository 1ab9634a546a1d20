#include "federation/sso/password_login.h"

#include "federation/saml/post_binding.h"
#include "federation/saml/redirect_binding.h"

namespace careid::federation::sso {
namespace {

constexpr std::size_t kMaxLoginFormBytes = 4096;

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:30em;margin:2em auto;padding:0 1em}"
    "label{display:block;margin-top:1em}input{width:100%;padding:.4em}"
    "button{margin-top:1em;padding:.5em 1.5em}.error{color:#a00}";

std::string field(std::string_view label, std::string_view name, std::string_view type,
                  std::string_view extra) {
  return "<label>" + std::string(label) + "<input name=\"" + std::string(name) + "\" type=\"" +
         std::string(type) + "\" required " + std::string(extra) + "></label>\n";
}

}  // namespace

std::string build_password_login_page(std::string_view csrf_token, std::string_view error,
                                      std::string_view action) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Sign in</title><style>" + std::string(kStyle) + "</style></head><body>\n"
      "<h1>Sign in without a smartcard</h1>\n<p>Insert your smartcard and reload this page, "
      "or sign in with your password and the code from your authenticator app. Some services "
      "need the smartcard.</p>\n";
  if (!error.empty()) {
    page += "<p class=\"error\" role=\"alert\">" + saml::html_escape(error) + "</p>\n";
  }
  page += "<form method=\"post\" action=\"" + saml::html_escape(action) + "\">\n"
          "<input type=\"hidden\" name=\"csrf_token\" value=\"" + saml::html_escape(csrf_token) +
          "\">\n";
  page += field("User ID", "uid", "text", "autocomplete=\"username\"");
  page += field("Password", "password", "password", "autocomplete=\"current-password\"");
  page += field("Code", "code", "text",
                "inputmode=\"numeric\" pattern=\"[0-9]{6}\" autocomplete=\"one-time-code\"");
  return page + "<button type=\"submit\">Sign in</button>\n</form>\n</body></html>\n";
}

PasswordLoginForm parse_password_login_form(std::string_view body) {
  if (body.size() > kMaxLoginFormBytes) {
    return {};
  }
  PasswordLoginForm parsed;
  int token_count = 0;
  int uid_count = 0;
  int password_count = 0;
  int code_count = 0;
  Status visited = saml::for_each_form_parameter(body, [&](std::string_view name,
                                                           std::string_view raw) -> Status {
    Result<std::string> value = saml::url_decode(raw);
    if (!value.ok()) {
      return value.status();
    }
    if (name == "csrf_token") {
      parsed.csrf_token = std::move(*value);
      ++token_count;
    } else if (name == "uid") {
      parsed.uid = std::move(*value);
      ++uid_count;
    } else if (name == "password") {
      parsed.password = std::move(*value);
      ++password_count;
    } else if (name == "code") {
      parsed.code = std::move(*value);
      ++code_count;
    }
    return Status::ok_status();
  });
  if (!visited.ok() || token_count > 1 || uid_count > 1 || password_count > 1 || code_count > 1) {
    return {};
  }
  return parsed;
}

}  // namespace careid::federation::sso
