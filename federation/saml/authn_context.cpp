#include "federation/saml/authn_context.h"

#include <algorithm>
#include <array>
#include <span>
#include <string>

#include "federation/saml/saml_names.h"

namespace careid::federation::saml {
namespace {

constexpr std::string_view kClassPrefix = "urn:oasis:names:tc:SAML:2.0:ac:classes:";

// Classes that careid ranks below SmartcardPKI: each proves less than possession of a
// card-held private key plus the card PIN.
constexpr std::array<std::string_view, 11> kWeakerClasses = {
    "unspecified",
    "InternetProtocol",
    "InternetProtocolPassword",
    "Password",
    "PasswordProtectedTransport",
    "PreviousSession",
    "TLSClient",
    "X509",
    "SoftwarePKI",
    "MobileOneFactorUnregistered",
    "MobileOneFactorContract",
};

// Classes that careid ranks below PasswordProtectedTransport: none of them needs TLS plus a
// second factor.
constexpr std::array<std::string_view, 5> kWeakerThanPasswordClasses = {
    "unspecified", "InternetProtocol", "InternetProtocolPassword", "Password", "PreviousSession",
};

bool is_in(std::string_view reference, std::span<const std::string_view> names) {
  if (reference.substr(0, kClassPrefix.size()) != kClassPrefix) {
    return false;
  }
  std::string_view name = reference.substr(kClassPrefix.size());
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_weaker_class(std::string_view reference) {
  if (reference.substr(0, kClassPrefix.size()) != kClassPrefix) {
    return false;
  }
  std::string_view name = reference.substr(kClassPrefix.size());
  for (std::string_view weaker : kWeakerClasses) {
    if (name == weaker) {
      return true;
    }
  }
  return false;
}

std::string trimmed(std::string text) {
  const char* space = " \t\r\n";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) {
    return {};
  }
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

bool matches(std::string_view comparison, std::string_view reference) {
  bool same = reference == kClassSmartcardPki;
  bool weaker = is_weaker_class(reference);
  if (comparison == "exact" || comparison == "maximum") {
    return same;
  }
  if (comparison == "minimum") {
    return same || weaker;
  }
  return weaker;  // "better"
}

bool password_matches(std::string_view comparison, std::string_view reference) {
  bool same = reference == kClassPasswordProtectedTransport;
  bool weaker = is_in(reference, kWeakerThanPasswordClasses);
  if (comparison == "exact") {
    return same;
  }
  if (comparison == "minimum") {
    return same || weaker;
  }
  if (comparison == "maximum") {
    return same || reference == kClassSmartcardPki;
  }
  return weaker;  // "better"
}

}  // namespace

bool password_meets_requested_authn_context(xml::Element requested) {
  if (requested.is_null()) {
    return true;
  }
  std::string comparison = requested.attribute("Comparison").value_or("exact");
  if (comparison != "exact" && comparison != "minimum" && comparison != "better" &&
      comparison != "maximum") {
    return false;
  }
  if (!requested.first_child(kAssertionNs, "AuthnContextDeclRef").is_null()) {
    return false;
  }
  for (xml::Element reference : requested.children(kAssertionNs, "AuthnContextClassRef")) {
    if (password_matches(comparison, trimmed(reference.text()))) {
      return true;
    }
  }
  return false;
}

Status check_requested_authn_context(xml::Element requested) {
  if (requested.is_null()) {
    return Status::ok_status();
  }
  std::string comparison = requested.attribute("Comparison").value_or("exact");
  if (comparison != "exact" && comparison != "minimum" && comparison != "better" &&
      comparison != "maximum") {
    return Status::failed_precondition("RequestedAuthnContext Comparison " +
                                       comparison.substr(0, 64) + " is not valid");
  }
  if (!requested.first_child(kAssertionNs, "AuthnContextDeclRef").is_null()) {
    return Status::failed_precondition(
        "RequestedAuthnContext with AuthnContextDeclRef is not supported; request "
        "AuthnContextClassRef SmartcardPKI");
  }

  for (xml::Element reference : requested.children(kAssertionNs, "AuthnContextClassRef")) {
    if (matches(comparison, trimmed(reference.text()))) {
      return Status::ok_status();
    }
  }
  return Status::failed_precondition("no requested authentication context (Comparison " +
                                     comparison + ") is met by " + std::string(kClassSmartcardPki));
}

}  // namespace careid::federation::saml
