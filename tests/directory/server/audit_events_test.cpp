#include "directory/server/audit_events.h"

#include <catch2/catch.hpp>

#include "directory/protocol/controls.h"

namespace server = careid::directory::server;
namespace protocol = careid::directory::protocol;
using careid::directory::ResultCode;

namespace {

constexpr const char* kPersonDn = "uid=555000000001,ou=People,o=nhs";

careid::directory::engine::Identity admin() {
  return {"cn=admin,o=nhs", "cn=admin,o=nhs", true};
}

protocol::Request request_with(protocol::RequestOp op) {
  protocol::Request request;
  request.message_id = 2;
  request.op = std::move(op);
  return request;
}

}  // namespace

TEST_CASE("audit simple bind success", "[directory][server][audit]") {
  protocol::BindRequest bind{3, "cn=admin,o=nhs", protocol::SimpleCredentials{"secret-password"}};
  careid::audit::Event event = server::describe_bind(bind, "127.0.0.1:4000");
  server::complete_event(event, protocol::BindResponse{{ResultCode::kSuccess, "", "", {}}, std::nullopt});

  CHECK(event.type == "ldap.bind");
  CHECK(event.actor == "cn=admin,o=nhs");
  CHECK(event.subject == "cn=admin,o=nhs");
  CHECK(event.outcome == "success");
  CHECK(event.client == "127.0.0.1:4000");
  CHECK(event.details["method"] == "simple");
  CHECK(event.details.dump().find("secret-password") == std::string::npos);
}

TEST_CASE("audit failed bind result code", "[directory][server][audit]") {
  protocol::BindRequest bind{3, "cn=admin,o=nhs", protocol::SimpleCredentials{"wrong"}};
  careid::audit::Event event = server::describe_bind(bind, "127.0.0.1:4000");
  server::complete_event(event, protocol::BindResponse{{ResultCode::kInvalidCredentials, "", "invalid credentials", {}},
                                                       std::nullopt});
  CHECK(event.outcome == "failure");
  CHECK(event.details["result_code"] == 49);
  CHECK(event.details["diagnostic"] == "invalid credentials");
}

TEST_CASE("audit anonymous bind actor", "[directory][server][audit]") {
  protocol::BindRequest bind{3, "", protocol::SimpleCredentials{""}};
  careid::audit::Event event = server::describe_bind(bind, "127.0.0.1:4000");
  CHECK(event.actor == "anonymous");
}

TEST_CASE("audit sasl external bind identity", "[directory][server][audit]") {
  protocol::BindRequest bind{3, "", protocol::SaslCredentials{"EXTERNAL", std::nullopt}};
  careid::audit::Event event = server::describe_bind(bind, "127.0.0.1:4000");
  careid::directory::engine::Identity bound{kPersonDn, kPersonDn, false};
  server::complete_event(event, protocol::BindResponse{{ResultCode::kSuccess, "", "", {}}, std::nullopt}, &bound);
  CHECK(event.details["mechanism"] == "EXTERNAL");
  CHECK(event.actor == kPersonDn);
  CHECK(event.subject == kPersonDn);
}

TEST_CASE("audit failed external bind names card", "[directory][server][audit]") {
  protocol::BindRequest bind{3, "", protocol::SaslCredentials{"EXTERNAL", std::nullopt}};
  careid::audit::Event event = server::describe_bind(bind, "127.0.0.1:4000");
  server::ClientCertificate card;
  card.present = true;
  card.verified = true;
  card.common_names = {"555000000001"};
  card.serial_hex = "1f2e";
  server::describe_client_certificate(event, &card, "o=nhs");
  server::complete_event(event, protocol::BindResponse{{ResultCode::kInvalidCredentials, "", "revoked", {}},
                                                       std::nullopt});

  CHECK(event.outcome == "failure");
  CHECK(event.actor == kPersonDn);
  CHECK(event.subject == kPersonDn);
  CHECK(event.details["uid"] == "555000000001");
  CHECK(event.details["card_serial"] == "1f2e");
  CHECK(event.details["result_code"] == 49);
}

TEST_CASE("audit external bind without uid", "[directory][server][audit]") {
  protocol::BindRequest bind{3, "", protocol::SaslCredentials{"EXTERNAL", std::nullopt}};
  careid::audit::Event event = server::describe_bind(bind, "127.0.0.1:4000");
  server::ClientCertificate card;
  card.present = true;
  card.common_names = {"Not A Uid"};
  card.serial_hex = "1f2e";
  server::describe_client_certificate(event, &card, "o=nhs");
  CHECK(event.actor == careid::audit::kAnonymous);
  CHECK(event.details["card_serial"] == "1f2e");
  CHECK_FALSE(event.details.contains("uid"));

  careid::audit::Event no_card = server::describe_bind(bind, "127.0.0.1:4000");
  server::describe_client_certificate(no_card, nullptr, "o=nhs");
  CHECK(no_card.actor == careid::audit::kAnonymous);
  CHECK_FALSE(no_card.details.contains("card_serial"));
}

TEST_CASE("audit add attribute names only", "[directory][server][audit]") {
  protocol::AddRequest add{kPersonDn, {{"objectClass", {"nhsPerson"}}, {"userPassword", {"{SSHA}abc"}}}};
  auto event = server::describe_update(request_with(add), admin(), "127.0.0.1:4000");
  REQUIRE(event.has_value());
  CHECK(event->type == "ldap.add");
  CHECK(event->actor == "cn=admin,o=nhs");
  CHECK(event->subject == kPersonDn);
  CHECK(event->details["attributes"] == nlohmann::json({"objectClass", "userPassword"}));
  CHECK(event->details.dump().find("{SSHA}abc") == std::string::npos);
}

TEST_CASE("audit modify change names", "[directory][server][audit]") {
  protocol::ModifyRequest modify{kPersonDn,
                                 {{protocol::ModifyOperation::kReplace, {"mail", {"a@nhs.example"}}},
                                  {protocol::ModifyOperation::kDelete, {"telephoneNumber", {}}}}};
  auto event = server::describe_update(request_with(modify), admin(), "127.0.0.1:4000");
  REQUIRE(event.has_value());
  server::complete_event(*event, protocol::ModifyResponse{{ResultCode::kSuccess, "", "", {}}});
  CHECK(event->type == "ldap.modify");
  CHECK(event->outcome == "success");
  CHECK(event->details["changes"][0]["operation"] == "replace");
  CHECK(event->details["changes"][0]["attribute"] == "mail");
  CHECK(event->details["changes"][1]["operation"] == "delete");
  CHECK(event->details.dump().find("a@nhs.example") == std::string::npos);
}

TEST_CASE("audit delete and modify dn", "[directory][server][audit]") {
  auto removed = server::describe_update(request_with(protocol::DelRequest{kPersonDn}), admin(), "p");
  REQUIRE(removed.has_value());
  server::complete_event(*removed, protocol::DelResponse{{ResultCode::kNoSuchObject, "", "no such entry", {}}});
  CHECK(removed->type == "ldap.delete");
  CHECK(removed->outcome == "failure");
  CHECK(removed->details["result_code"] == 32);

  protocol::ModifyDnRequest rename{kPersonDn, "uid=555000000002", true, std::string("ou=Leavers,o=nhs")};
  auto renamed = server::describe_update(request_with(rename), admin(), "p");
  REQUIRE(renamed.has_value());
  CHECK(renamed->type == "ldap.modify_dn");
  CHECK(renamed->details["new_rdn"] == "uid=555000000002");
  CHECK(renamed->details["new_superior"] == "ou=Leavers,o=nhs");
}

TEST_CASE("audit password modify no secret", "[directory][server][audit]") {
  protocol::PasswordModifyRequest change{std::string(kPersonDn), std::string("old-secret"), std::string("new-secret")};
  protocol::ExtendedRequest extended{std::string(protocol::kPasswordModifyOid), protocol::encode_password_modify(change)};
  auto event = server::describe_update(request_with(extended), admin(), "p");
  REQUIRE(event.has_value());
  CHECK(event->type == "ldap.password_modify");
  CHECK(event->subject == kPersonDn);
  CHECK(event->details["generated"] == false);
  CHECK(event->details.dump().find("secret") == std::string::npos);
}

TEST_CASE("audit search and compare ignored", "[directory][server][audit]") {
  protocol::CompareRequest compare;
  compare.entry = kPersonDn;
  CHECK_FALSE(server::describe_update(request_with(compare), admin(), "p").has_value());
  CHECK_FALSE(server::describe_update(request_with(protocol::SearchRequest{}), admin(), "p").has_value());
}
