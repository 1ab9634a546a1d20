// PostgreSQL-only behaviour of the SUS store: URI redaction, connection errors, schema
// versions and partitions. The shared contract is in store_contract_test.cpp.
#include <catch2/catch.hpp>

#include <string>

#include "sus/storage/pg_connection.h"
#include "sus/storage/pg_schema.h"
#include "sus/storage/store.h"
#include "tests/sus/storage/store_fixtures.h"

namespace careid::sus::storage {
namespace {

TEST_CASE("PostgreSQL URI password redacted", "[sus][storage][postgresql]") {
  CHECK(pg::redact_uri("postgresql://careid:s3cret@db.example:5432/sus?sslmode=require") ==
        "postgresql://careid@db.example:5432/sus?sslmode=require");
  CHECK(pg::redact_uri("postgresql://db/sus?password=s3cret&port=5433") == "postgresql://db/sus?port=5433");
  CHECK(pg::redact_uri("postgresql://db/sus?port=5433&password=s3cret") == "postgresql://db/sus?port=5433");
  CHECK(pg::redact_uri("postgres://a:b@c@host/db") == "postgres://a@host/db");
  CHECK(pg::redact_uri("postgresql:///sus?host=/tmp/pg&user=careid") == "postgresql:///sus?host=/tmp/pg&user=careid");
  CHECK(pg::redact_uri("host=db password=s3cret") == "(a PostgreSQL connection string)");
}

TEST_CASE("PostgreSQL location chooses the store", "[sus][storage][postgresql]") {
  CHECK(is_postgresql_location("postgresql://db/sus"));
  CHECK(is_postgresql_location("postgres://db/sus"));
  CHECK_FALSE(is_postgresql_location("/var/lib/careid/sus"));
  CHECK_FALSE(is_postgresql_location("postgresql.d"));
  CHECK(open_store("").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("PostgreSQL unreachable server reported", "[sus][storage][postgresql]") {
  // Port 1 on loopback refuses connections; the error must not repeat the password.
  auto store = open_store("postgresql://careid:hunter2@127.0.0.1:1/careid?password=hunter2&connect_timeout=5");
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kUnavailable);
  CHECK(store.status().message().find("127.0.0.1:1") != std::string::npos);
  CHECK(store.status().message().find("hunter2") == std::string::npos);
}

TEST_CASE("PostgreSQL schema created once", "[sus][storage][postgresql]") {
  testing::PostgresServer* server = testing::postgres_server_or_skip();
  if (server == nullptr) {
    return;
  }
  const std::string uri = server->create_database();
  REQUIRE(open_store(uri).ok());
  REQUIRE(open_store(uri).ok());

  auto connection = pg::Connection::connect(uri);
  REQUIRE(connection.ok());
  auto version = (*connection)->exec("SELECT value FROM careid_sus.meta WHERE key = 'schema_version'");
  REQUIRE(version.ok());
  REQUIRE(version->rows() == 1);
  CHECK(version->text(0, 0) == std::to_string(pg::kSchemaVersion));

  // A schema from a newer careid is refused, not changed.
  REQUIRE((*connection)->exec_script("UPDATE careid_sus.meta SET value = '99' WHERE key = 'schema_version'").ok());
  auto newer = open_store(uri);
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().code() == StatusCode::kFailedPrecondition);
  CHECK(newer.status().message().find("schema version 99") != std::string::npos);
}

TEST_CASE("PostgreSQL spells partitioned by year and provider", "[sus][storage][postgresql]") {
  testing::PostgresServer* server = testing::postgres_server_or_skip();
  if (server == nullptr) {
    return;
  }
  const std::string uri = server->create_database();
  auto store = open_store(uri);
  REQUIRE(store.ok());
  auto writer = (*store)->begin_spells();
  REQUIRE(writer.ok());
  spells::Spell march = testing::make_spell("RGR", "S1");
  march.discharge_date = *spells::parse_date("2016-03-31");
  spells::Spell april = testing::make_spell("RGR", "S2");
  april.discharge_date = *spells::parse_date("2016-04-01");
  REQUIRE(writer->put(march).ok());
  REQUIRE(writer->put(april).ok());
  REQUIRE(writer->commit().ok());

  auto connection = pg::Connection::connect(uri);
  REQUIRE(connection.ok());
  auto years = (*connection)->exec(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      "WHERE i.inhparent = 'careid_sus.spells'::regclass ORDER BY c.relname");
  REQUIRE(years.ok());
  REQUIRE(years->rows() == 2);
  CHECK(years->text(0, 0) == "spells_fy2015");
  CHECK(years->text(1, 0) == "spells_fy2016");
  auto providers = (*connection)->exec(
      "SELECT count(*) FROM pg_inherits WHERE inhparent = 'careid_sus.spells_fy2015'::regclass");
  REQUIRE(providers.ok());
  CHECK(providers->text(0, 0) == std::to_string(pg::kProviderPartitions));
  auto placed = (*connection)->exec("SELECT count(*) FROM careid_sus.spells_fy2016 WHERE spell_number = 'S2'");
  REQUIRE(placed.ok());
  CHECK(placed->text(0, 0) == "1");
}

TEST_CASE("PostgreSQL failed import stores nothing", "[sus][storage][postgresql]") {
  testing::PostgresServer* server = testing::postgres_server_or_skip();
  if (server == nullptr) {
    return;
  }
  auto store = open_store(server->create_database());
  REQUIRE(store.ok());
  {
    auto writer = (*store)->begin_spells();
    REQUIRE(writer.ok());
    REQUIRE(writer->put(testing::make_spell("RGR", "S1")).ok());
    spells::Spell bad = testing::make_spell("RGR", std::string("S\0X", 3));
    CHECK(writer->put(bad).code() == StatusCode::kInvalidArgument);
    spells::Spell far = testing::make_spell("RGR", "S3");
    far.discharge_date = *spells::parse_date("2199-12-31") + 1;
    CHECK(writer->put(far).code() == StatusCode::kInvalidArgument);
    // The table's CHECK constraint rejects this only at commit, which fails the whole import.
    spells::Spell unknown = testing::make_spell("RGR", "S4");
    unknown.classification = static_cast<spells::PatientClassification>(9);
    REQUIRE(writer->put(unknown).ok());
    const Status status = writer->commit();
    CHECK(status.code() == StatusCode::kInvalidArgument);
    CHECK(status.message().find("patient_classification") != std::string::npos);
  }
  CHECK((*store)->find_spell("RGR", "S1").status().code() == StatusCode::kNotFound);

  // The connection is usable after the failed transaction.
  auto writer = (*store)->begin_spells();
  REQUIRE(writer.ok());
  REQUIRE(writer->put(testing::make_spell("RGR", "S1")).ok());
  REQUIRE(writer->commit().ok());
  CHECK((*store)->find_spell("RGR", "S1").ok());
}

}  // namespace
}  // namespace careid::sus::storage
