// execute_bind_if_cheap: the BindRequest checks that run before the engine decides, and
// the engine's decision passed through.
#include "directory/server/operations.h"
#include "tests/directory/engine/operations_fixture.h"

namespace {

using careid::directory::ResultCode;
using careid::directory::engine::testing::OperationsFixture;
namespace protocol = careid::directory::protocol;
namespace server = careid::directory::server;

const std::string kPersonDn = "uid=555000000002,ou=People,o=nhs";

protocol::Request bind_request(const std::string& dn, const std::string& password) {
  protocol::BindRequest bind;
  bind.version = 3;
  bind.name = dn;
  bind.authentication = protocol::SimpleCredentials{password};
  return protocol::Request{2, bind, {}};
}

}  // namespace

TEST_CASE("cheap bind request outcomes", "[directory][server][inline]") {
  OperationsFixture f;
  auto accepted = server::execute_bind_if_cheap(*f.directory, bind_request(kPersonDn, "pw-555000000002"));
  REQUIRE(accepted.has_value());
  REQUIRE(accepted->new_identity.has_value());
  CHECK(accepted->new_identity->dn == kPersonDn);

  auto failed = server::execute_bind_if_cheap(*f.directory, bind_request(kPersonDn, "wrong"));
  CHECK_FALSE(failed.has_value());

  protocol::Request old_version = bind_request(kPersonDn, "pw-555000000002");
  std::get<protocol::BindRequest>(old_version.op).version = 2;
  auto rejected = server::execute_bind_if_cheap(*f.directory, old_version);
  REQUIRE(rejected.has_value());
  const auto& response = std::get<protocol::BindResponse>(rejected->response);
  CHECK(response.result.result_code == ResultCode::kProtocolError);

  protocol::Request critical = bind_request(kPersonDn, "pw-555000000002");
  critical.controls.push_back({"1.2.3.4.5", true, std::nullopt});
  auto unknown_control = server::execute_bind_if_cheap(*f.directory, critical);
  REQUIRE(unknown_control.has_value());
  const auto& control_response = std::get<protocol::BindResponse>(unknown_control->response);
  CHECK(control_response.result.result_code == ResultCode::kUnavailableCriticalExtension);
}
