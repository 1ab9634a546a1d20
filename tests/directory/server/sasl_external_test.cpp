#include "directory/server/sasl_external.h"

#include <catch2/catch.hpp>

namespace server = careid::directory::server;

namespace {

server::ClientCertificate card(std::vector<std::string> common_names) {
  server::ClientCertificate certificate;
  certificate.present = true;
  certificate.verified = true;
  certificate.common_names = std::move(common_names);
  return certificate;
}

}  // namespace

TEST_CASE("external bind maps 12-digit CN", "[directory][server]") {
  CHECK(server::external_bind_dn(card({"555000000001"}), "o=nhs") == "uid=555000000001,ou=People,o=nhs");
}

TEST_CASE("external bind rejects other subjects", "[directory][server]") {
  CHECK(server::external_bind_dn(card({}), "o=nhs").empty());
  CHECK(server::external_bind_dn(card({"55500000000"}), "o=nhs").empty());     // 11 digits
  CHECK(server::external_bind_dn(card({"5550000000012"}), "o=nhs").empty());   // 13 digits
  CHECK(server::external_bind_dn(card({"55500000000a"}), "o=nhs").empty());
  CHECK(server::external_bind_dn(card({"555000000001,o=x"}), "o=nhs").empty());
  CHECK(server::external_bind_dn(card({"555000000001", "555000000002"}), "o=nhs").empty());
  CHECK(server::external_bind_dn(card({"555000000001", ""}), "o=nhs").empty());
}
