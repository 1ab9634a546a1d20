// Test doubles for the SSO and HTTPS tests: a fixed directory and an IdentityProvider that
// accepts a fixed query string. Neither touches XML or the store.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "audit/event.h"
#include "federation/saml/identity_provider.h"
#include "federation/sso/identity_source.h"

namespace careid::federation::testing {

inline constexpr const char* kTestUid = "555000000001";
inline constexpr const char* kTestSp = "https://sp.example.test/metadata";
inline constexpr const char* kTestAcs = "https://sp.example.test:8444/acs";
// The only query the fake IdP accepts.
inline constexpr const char* kGoodQuery = "SAMLRequest=good&RelayState=abc";
// A query the fake IdP rejects while knowing the SP, so the error goes back to the SP.
inline constexpr const char* kKnownSpBadQuery = "SAMLRequest=badpolicy";
// The only LogoutRequest message the fake IdP accepts, and where it sends the response.
inline constexpr const char* kGoodLogoutQuery = "SAMLRequest=logout&RelayState=relay";
inline constexpr const char* kTestSlo = "https://sp.example.test:8444/slo";
// A second SP with a SingleLogoutService, for partial logout.
inline constexpr const char* kOtherSp = "https://other-sp.example.test/metadata";
inline constexpr const char* kOtherSlo = "https://other-sp.example.test/slo";

inline Person make_test_person() {
  Person person;
  person.dn = "uid=555000000001,ou=People,o=nhs";
  person.uid = kTestUid;
  person.cn = "Ada Lovelace";
  person.mail = "ada.lovelace@nhs.example";
  person.roles = {
      {"100000000001", "RVL", "S8000:G8000:R8000", "Clinical Practitioner Access Role",
       "Royal Victoria Infirmary", {}, {}},
      {"100000000002", "Y12345", "S0080:G0450:R5080", "Admin Access Role", "", {}, {}},
  };
  return person;
}

// Keeps every audit event it receives, for checks; thread-safe.
class CapturingSink final : public audit::Sink {
 public:
  void record(audit::Event event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<audit::Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<audit::Event> events_;
};

class FakeIdentitySource : public IdentitySource {
 public:
  std::map<std::string, Person, std::less<>> people;
  bool fail = false;
  std::atomic<int> calls{0};

  Result<std::optional<Person>> find_person(std::string_view uid) override {
    ++calls;
    if (fail) {
      return Status::io_error("store closed");
    }
    auto found = people.find(uid);
    if (found == people.end()) {
      return std::optional<Person>();
    }
    return std::optional<Person>(found->second);
  }
};

// Accepts kGoodQuery only. The page it builds names the subject's NameID and uid so that
// tests can see what reached the IdP, and carries one inline script like the real form.
class FakeIdentityProvider : public saml::IdentityProvider {
 public:
  Result<saml::AuthnRequest, saml::RequestError> decode_redirect_request(
      std::string_view query) const override {
    saml::RequestError error;
    error.status_code = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    if (query == kKnownSpBadQuery) {
      error.message = "NameIDPolicy Format is not supported";
      error.acs_url = kTestAcs;
      error.sp_entity_id = kTestSp;
      return error;
    }
    if (query != kGoodQuery) {
      error.message = "SAMLRequest is not valid base64";
      return error;
    }
    return saml::AuthnRequest{"_request1", kTestSp, kTestAcs, "", "abc"};
  }

  // Accepts the form body kGoodQuery only.
  Result<saml::AuthnRequest, saml::RequestError> decode_post_request(
      std::string_view form_body) const override {
    if (form_body == kGoodQuery) {
      return saml::AuthnRequest{"_request2", kTestSp, kTestAcs, "", "abc"};
    }
    saml::RequestError error;
    error.status_code = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    error.message = "form field SAMLRequest is missing or empty";
    return error;
  }

  // Accepts the message kGoodLogoutQuery only (either binding): a LogoutRequest from kTestSp
  // for SessionIndex `logout_session_index`.
  Result<saml::LogoutRequest, saml::RequestError> decode_logout_redirect(
      std::string_view query) const override {
    if (query != kGoodLogoutQuery) {
      saml::RequestError error;
      error.status_code = "urn:oasis:names:tc:SAML:2.0:status:Requester";
      error.message = "LogoutRequest signature rejected";
      return error;
    }
    saml::LogoutRequest request{"_logout1", kTestSp, "name", {}, "relay"};
    if (!logout_session_index.empty()) {
      request.session_indexes.push_back(logout_session_index);
    }
    return request;
  }

  Result<saml::LogoutRequest, saml::RequestError> decode_logout_post(
      std::string_view form_body) const override {
    return decode_logout_redirect(form_body);
  }

  // Redirects to kTestSlo for the Redirect binding's test and posts there otherwise; the
  // message names the request and whether logout was partial.
  Result<saml::LogoutReply> build_logout_response(const saml::LogoutRequest& request,
                                                  bool partial) const override {
    saml::LogoutReply reply;
    reply.destination = kTestSlo;
    std::string message = "to=" + request.id + ";partial=" + (partial ? "true" : "false");
    if (logout_by_post) {
      reply.post_page = "<html><body>" + message + "</body></html>";
    } else {
      reply.redirect_url = std::string(kTestSlo) + "?" + message;
    }
    return reply;
  }

  bool supports_single_logout(std::string_view sp_entity_id) const override {
    return sp_entity_id == kTestSp || sp_entity_id == kOtherSp;
  }

  // Redirects to kOtherSlo with the target's SP, NameID and RelayState in the query, and
  // names the request "_out-<n>". Off by default, so that a session's other SPs count as
  // "error" in tests that do not follow the logout chain.
  Result<saml::OutgoingLogoutRequest> build_logout_request(
      const saml::LogoutTarget& target) const override {
    if (!send_logout_requests) {
      return careid::Status::unimplemented("fake: LogoutRequests are off");
    }
    saml::OutgoingLogoutRequest outgoing;
    outgoing.id = "_out-" + std::to_string(++logout_requests_sent);
    outgoing.message.destination = kOtherSlo;
    outgoing.message.redirect_url = std::string(kOtherSlo) + "?sp=" + target.sp_entity_id +
                                    "&name=" + target.name_id + "&relay=" + target.relay_state;
    return outgoing;
  }

  // Returns `logout_result` for any message.
  Result<saml::LogoutResult> decode_logout_response(bool, std::string_view) const override {
    return logout_result;
  }

  std::string logout_session_index;
  bool logout_by_post = false;
  bool send_logout_requests = false;
  mutable int logout_requests_sent = 0;
  saml::LogoutResult logout_result;

  Result<std::string> build_post_response_page(const saml::AuthnRequest& request,
                                               const saml::Subject& subject) const override {
    std::string uid = subject.attributes.at("uid").front();
    auto roles = subject.attributes.find("nhsRoleProfileId");
    std::string role_ids;
    if (roles != subject.attributes.end()) {
      for (const std::string& id : roles->second) {
        role_ids += id + ",";
      }
    }
    return "<html><body><form method=\"post\" action=\"" + request.acs_url +
           "\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"nameid=" + subject.name_id +
           ";uid=" + uid + ";roles=" + role_ids + ";session=" + subject.session_index +
           "\"/></form><script>document.forms[0].submit();</script></body></html>";
  }

  Result<std::string> build_response_xml(const saml::AuthnRequest&,
                                         const saml::Subject&) const override {
    return Status::unimplemented("not used by these tests");
  }

  Result<std::string> build_error_page(const saml::RequestError& error) const override {
    return "<html><body><form method=\"post\" action=\"" + error.acs_url +
           "\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"status=" + error.status_code +
           "\"/></form></body></html>";
  }

  Result<std::string> build_error_response_xml(const saml::RequestError&) const override {
    return Status::unimplemented("not used by these tests");
  }

  std::string metadata_xml() const override {
    return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
           "entityID=\"https://idp.example.test/saml/metadata\"/>";
  }

  std::size_t service_provider_count() const override { return 1; }
};

}  // namespace careid::federation::testing
