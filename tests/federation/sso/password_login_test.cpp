// The password + TOTP login of SsoService, with the fake directory and IdP: form CSRF, the
// credential checks, the AAL rules and the session it starts.
#include <catch2/catch.hpp>

#include "federation/saml/saml_names.h"
#include "federation/sso/password_login.h"
#include "federation/sso/sso_service.h"
#include "federation/sso/totp.h"
#include "tests/federation/sso/fakes.h"

namespace careid::federation::sso {
namespace {

using testing::kGoodQuery;
using testing::kTestSp;
using testing::kTestUid;

const std::string kSecret = "12345678901234567890";
const std::string kPassword = "correct horse";

class PasswordSource : public testing::FakeIdentitySource {
 public:
  bool allowed = true;
  std::string secret = kSecret;
  int failures_recorded = 0;
  int password_checks = 0;

  Result<std::optional<PasswordLoginAccount>> find_password_login(std::string_view uid) override {
    if (uid != kTestUid) {
      return std::optional<PasswordLoginAccount>();
    }
    return std::optional<PasswordLoginAccount>(
        PasswordLoginAccount{"uid=555000000001,ou=People,o=nhs", allowed, secret});
  }

  Result<bool> check_password(std::string_view dn, std::string_view password) override {
    ++password_checks;
    return password == kPassword;
  }

  void record_login_failure(std::string_view dn) override { ++failures_recorded; }
};

// Lets a test set the fields of the decoded AuthnRequest, and keeps the last Subject asserted.
class RecordingIdentityProvider : public testing::FakeIdentityProvider {
 public:
  bool password_login_allowed = true;
  bool is_passive = false;
  bool force_authn = false;
  mutable saml::Subject last_subject;

  Result<saml::AuthnRequest, saml::RequestError> decode_redirect_request(
      std::string_view query) const override {
    auto request = testing::FakeIdentityProvider::decode_redirect_request(query);
    if (request.ok()) {
      request->password_login_allowed = password_login_allowed;
      request->is_passive = is_passive;
      request->force_authn = force_authn;
    }
    return request;
  }

  Result<std::string> build_post_response_page(const saml::AuthnRequest& request,
                                               const saml::Subject& subject) const override {
    last_subject = subject;
    return testing::FakeIdentityProvider::build_post_response_page(request, subject);
  }
};

struct Fixture {
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'800'000'000)};
  PasswordSource source;
  RecordingIdentityProvider idp;
  SsoService service;

  explicit Fixture(PasswordLoginSettings settings = {true, 1, {}})
      : service(source, idp, PersistentIdGenerator(std::string(32, 'k')), [this] { return now; }) {
    testing::FakeIdentitySource& base = source;
    Person person = testing::make_test_person();
    person.roles.resize(1);  // one role, so the login ends with the Response
    base.people.emplace(kTestUid, person);
    service.enable_password_login(std::move(settings));
  }

  std::string code(int step_offset = 0) const {
    return *totp_code(pki::as_bytes(kSecret), totp_step(now) + step_offset);
  }
};

const PeerCertificate kNoCard;

std::string input_value(const std::string& html, const std::string& name) {
  std::size_t at = html.find("name=\"" + name + "\" value=\"");
  REQUIRE(at != std::string::npos);
  at = html.find("value=\"", at) + 7;
  return html.substr(at, html.find('"', at) - at);
}

std::string form(const std::string& token, const std::string& password, const std::string& code) {
  return "csrf_token=" + token + "&uid=" + kTestUid + "&password=" + password + "&code=" + code;
}

std::string cookie_value(const std::string& set_cookie) {
  std::size_t start = set_cookie.find('=') + 1;
  return set_cookie.substr(start, set_cookie.find(';') - start);
}

std::string login_page_token(Fixture& fixture) {
  SsoReply page = fixture.service.handle_sso(kNoCard, kGoodQuery, "", "test");
  REQUIRE(page.kind == SsoReply::Kind::kLoginPage);
  return input_value(page.body, "csrf_token");
}

}  // namespace

TEST_CASE("password login off by default", "[federation][sso][password]") {
  testing::FakeIdentitySource source;
  testing::FakeIdentityProvider idp;
  SsoService service(source, idp, PersistentIdGenerator(std::string(32, 'k')));
  SsoReply reply = service.handle_sso(kNoCard, kGoodQuery, "", "test");
  CHECK(reply.kind == SsoReply::Kind::kDenied);
  CHECK(service.handle_password_login("csrf_token=x", "test").kind == SsoReply::Kind::kDenied);
}

TEST_CASE("password login page without card", "[federation][sso][password]") {
  Fixture fixture;
  SsoReply page = fixture.service.handle_sso(kNoCard, kGoodQuery, "", "test");
  REQUIRE(page.kind == SsoReply::Kind::kLoginPage);
  CHECK_THAT(page.body, Catch::Contains("action=\"/saml/login\""));
  CHECK_THAT(page.body, Catch::Contains("name=\"password\" type=\"password\""));
  CHECK(input_value(page.body, "csrf_token").size() == 43);
}

TEST_CASE("password login succeeds as AAL2", "[federation][sso][password]") {
  Fixture fixture;
  std::string token = login_page_token(fixture);
  SsoReply reply = fixture.service.handle_password_login(form(token, "correct+horse", fixture.code()), "test");

  REQUIRE(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(reply.acs_url == testing::kTestAcs);
  CHECK_FALSE(reply.set_cookie.empty());
  CHECK(fixture.idp.last_subject.authn_context_class == saml::kClassPasswordProtectedTransport);
  CHECK(fixture.idp.last_subject.attributes.at(kAttributeAssuranceLevel) ==
        std::vector<std::string>{"AAL2"});
}

TEST_CASE("password login form token used once", "[federation][sso][password]") {
  Fixture fixture;
  std::string token = login_page_token(fixture);
  REQUIRE(fixture.service.handle_password_login(form(token, "correct+horse", fixture.code()), "test").kind ==
          SsoReply::Kind::kPostForm);
  fixture.now += std::chrono::seconds(30);
  CHECK(fixture.service.handle_password_login(form(token, "correct+horse", fixture.code()), "test").kind ==
        SsoReply::Kind::kDenied);
  CHECK(fixture.service.handle_password_login(form("forged", "correct+horse", fixture.code()), "test").kind ==
        SsoReply::Kind::kDenied);
  CHECK(fixture.service.handle_password_login(form("", "correct+horse", fixture.code()), "test").kind ==
        SsoReply::Kind::kDenied);
}

TEST_CASE("password login wrong password", "[federation][sso][password]") {
  Fixture fixture;
  std::string token = login_page_token(fixture);
  SsoReply reply = fixture.service.handle_password_login(form(token, "wrong", fixture.code()), "test");

  REQUIRE(reply.kind == SsoReply::Kind::kLoginPage);
  CHECK_THAT(reply.body, Catch::Contains("class=\"error\""));
  CHECK(input_value(reply.body, "csrf_token") != token);
  // The directory counts the wrong password itself, inside check_password.
  CHECK(fixture.source.failures_recorded == 0);
}

TEST_CASE("password login wrong code counts failure", "[federation][sso][password]") {
  Fixture fixture;
  std::string token = login_page_token(fixture);
  SsoReply reply = fixture.service.handle_password_login(form(token, "correct+horse", fixture.code(5)), "test");
  CHECK(reply.kind == SsoReply::Kind::kLoginPage);
  CHECK(fixture.source.failures_recorded == 1);
}

TEST_CASE("password login replayed code rejected", "[federation][sso][password]") {
  Fixture fixture;
  std::string code = fixture.code();
  REQUIRE(fixture.service.handle_password_login(form(login_page_token(fixture), "correct+horse", code), "test").kind ==
          SsoReply::Kind::kPostForm);
  SsoReply again = fixture.service.handle_password_login(form(login_page_token(fixture), "correct+horse", code), "test");
  CHECK(again.kind == SsoReply::Kind::kLoginPage);
  CHECK(fixture.source.failures_recorded == 1);
}

TEST_CASE("password login needs allowed account", "[federation][sso][password]") {
  Fixture fixture;
  fixture.source.allowed = false;
  SsoReply reply = fixture.service.handle_password_login(form(login_page_token(fixture), "correct+horse", fixture.code()), "test");
  CHECK(reply.kind == SsoReply::Kind::kLoginPage);
  CHECK(fixture.source.password_checks == 0);

  fixture.source.allowed = true;
  fixture.source.secret.clear();
  reply = fixture.service.handle_password_login(form(login_page_token(fixture), "correct+horse", fixture.code()), "test");
  CHECK(reply.kind == SsoReply::Kind::kLoginPage);
  CHECK(fixture.source.password_checks == 0);
}

TEST_CASE("password login rejected for AAL3 request", "[federation][sso][password]") {
  Fixture fixture;
  fixture.idp.password_login_allowed = false;
  SsoReply reply = fixture.service.handle_sso(kNoCard, kGoodQuery, "", "test");
  CHECK(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(reply.acs_url == testing::kTestAcs);
  CHECK(fixture.idp.last_subject.name_id.empty());
}

TEST_CASE("password login rejected for card-only SP", "[federation][sso][password]") {
  Fixture fixture(PasswordLoginSettings{true, 1, {kTestSp}});
  SsoReply reply = fixture.service.handle_sso(kNoCard, kGoodQuery, "", "test");
  CHECK(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(fixture.idp.last_subject.name_id.empty());
}

TEST_CASE("password session reused without card only", "[federation][sso][password]") {
  Fixture fixture;
  SsoReply login = fixture.service.handle_password_login(form(login_page_token(fixture), "correct+horse", fixture.code()), "test");
  REQUIRE(login.kind == SsoReply::Kind::kPostForm);
  std::string cookie = cookie_value(login.set_cookie);

  fixture.idp.last_subject = {};
  SsoReply reused = fixture.service.handle_sso(kNoCard, kGoodQuery, cookie, "test");
  REQUIRE(reused.kind == SsoReply::Kind::kPostForm);
  CHECK(fixture.idp.last_subject.authn_context_class == saml::kClassPasswordProtectedTransport);

  // A later request that needs AAL3 does not reuse the password session.
  fixture.idp.password_login_allowed = false;
  fixture.idp.last_subject = {};
  SsoReply rejected = fixture.service.handle_sso(kNoCard, kGoodQuery, cookie, "test");
  CHECK(rejected.kind == SsoReply::Kind::kPostForm);
  CHECK(fixture.idp.last_subject.name_id.empty());
}

TEST_CASE("password session ended by ForceAuthn", "[federation][sso][password]") {
  Fixture fixture;
  SsoReply login = fixture.service.handle_password_login(form(login_page_token(fixture), "correct+horse", fixture.code()), "test");
  REQUIRE(login.kind == SsoReply::Kind::kPostForm);
  std::string cookie = cookie_value(login.set_cookie);

  fixture.idp.force_authn = true;
  SsoReply forced = fixture.service.handle_sso(kNoCard, kGoodQuery, cookie, "test");
  CHECK(forced.kind == SsoReply::Kind::kLoginPage);
  CHECK(fixture.service.sessions().session_count() == 0);
}

TEST_CASE("password login passive request", "[federation][sso][password]") {
  Fixture fixture;
  fixture.idp.is_passive = true;
  SsoReply reply = fixture.service.handle_sso(kNoCard, kGoodQuery, "", "test");
  CHECK(reply.kind == SsoReply::Kind::kPostForm);
  CHECK(fixture.idp.last_subject.name_id.empty());
}

TEST_CASE("password login form parse limits", "[federation][sso][password]") {
  PasswordLoginForm parsed = parse_password_login_form("csrf_token=t&uid=1&password=a%2Bb+c&code=123456");
  CHECK(parsed.csrf_token == "t");
  CHECK(parsed.password == "a+b c");
  CHECK(parsed.code == "123456");
  CHECK(parse_password_login_form("csrf_token=t&csrf_token=u").csrf_token.empty());
  CHECK(parse_password_login_form("password=%zz").password.empty());
  CHECK(parse_password_login_form("csrf_token=" + std::string(5000, 'a')).csrf_token.empty());
}

TEST_CASE("password login page escapes error", "[federation][sso][password]") {
  std::string page = build_password_login_page("tok\"en", "<b>");
  CHECK_THAT(page, Catch::Contains("&lt;b&gt;"));
  CHECK_THAT(page, !Catch::Contains("tok\"en"));
}

}  // namespace careid::federation::sso
