#include <catch2/catch.hpp>

#include "audit/record.h"
#include "audit/verify.h"
#include "trail_support.h"

using namespace careid::audit;
using namespace careid::audit::testing;

namespace {

struct Trail {
  TempFolder folder;
  AuditLogOptions options;
  std::filesystem::path file;

  explicit Trail(int count, std::string key = "") {
    file = folder.path() / "audit.log";
    options.file = file;
    options.hmac_key = std::move(key);
    write_events(options, count);
  }

  VerifyReport verify(std::string key = "") const {
    VerifyOptions verify_options;
    verify_options.hmac_key = key.empty() ? options.hmac_key : key;
    return verify_trail(trail_files(file), verify_options);
  }
};

}  // namespace

TEST_CASE("verify intact trail passes", "[audit]") {
  Trail trail(20);
  VerifyReport report = trail.verify();
  INFO(report.reason);
  CHECK(report.ok);
  CHECK(report.records == 20);
  CHECK(report.last_seq == 20);
}

TEST_CASE("verify detects changed record", "[audit]") {
  Trail trail(10);
  auto lines = read_lines(trail.file);
  auto pos = lines[4].find("ldap.bind");
  REQUIRE(pos != std::string::npos);
  lines[4].replace(pos, 9, "ldap.xxxx");
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 5);
  CHECK(report.bad_file == trail.file);
  CHECK(report.reason.find("the record was changed") != std::string::npos);
  CHECK_FALSE(report.key_needed);
}

TEST_CASE("verify detects removed record", "[audit]") {
  Trail trail(10);
  auto lines = read_lines(trail.file);
  lines.erase(lines.begin() + 3);
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 4);
  CHECK(report.reason.find("seq 5 follows seq 3") != std::string::npos);
}

TEST_CASE("verify detects removed first record", "[audit]") {
  Trail trail(5);
  auto lines = read_lines(trail.file);
  lines.erase(lines.begin());
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 1);
  CHECK(report.reason.find("earlier records are missing") != std::string::npos);
}

TEST_CASE("verify detects inserted record", "[audit]") {
  Trail trail(10);
  auto lines = read_lines(trail.file);
  // A well-formed record sealed by someone without the chain: its own hash is right, but
  // its prev and seq cannot fit between two existing records.
  auto object = nlohmann::json::parse(lines[2]);
  Event forged = numbered_event(99);
  auto sealed = seal_record(forged, object["seq"].get<std::uint64_t>() + 1, object["time"].get<std::string>(),
                            object["hash"].get<std::string>(), "");
  REQUIRE(sealed.ok());
  std::string forged_line = sealed->line.substr(0, sealed->line.size() - 1);
  lines.insert(lines.begin() + 3, forged_line);
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 5);
  CHECK(report.reason.find("seq 4 comes after seq 4") != std::string::npos);
}

TEST_CASE("verify detects replaced record", "[audit]") {
  Trail trail(10);
  auto lines = read_lines(trail.file);
  auto object = nlohmann::json::parse(lines[3]);
  auto sealed = seal_record(numbered_event(77), object["seq"].get<std::uint64_t>(), object["time"].get<std::string>(),
                            std::string(kGenesisHash), "");
  REQUIRE(sealed.ok());
  lines[3] = sealed->line.substr(0, sealed->line.size() - 1);
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 4);
  CHECK(report.reason.find("prev does not match") != std::string::npos);
}

TEST_CASE("verify detects reordered records", "[audit]") {
  Trail trail(10);
  auto lines = read_lines(trail.file);
  std::swap(lines[5], lines[6]);
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 6);
  CHECK(report.reason.find("seq 7 follows seq 5") != std::string::npos);
}

TEST_CASE("verify detects broken json", "[audit]") {
  Trail trail(4);
  auto lines = read_lines(trail.file);
  lines[1].pop_back();
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 2);
  CHECK(report.reason == "not a JSON object");
}

TEST_CASE("verify detects missing field", "[audit]") {
  Trail trail(4);
  auto lines = read_lines(trail.file);
  auto object = nlohmann::json::parse(lines[2]);
  object.erase("actor");
  lines[2] = object.dump();
  write_lines(trail.file, lines);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 3);
  CHECK(report.reason.find("'actor'") != std::string::npos);
}

TEST_CASE("verify hmac trail needs key", "[audit]") {
  std::string key(64, 'a');
  Trail trail(5, key);
  CHECK(trail.verify().ok);

  VerifyReport wrong_key = trail.verify(std::string(64, 'b'));
  CHECK_FALSE(wrong_key.ok);
  CHECK(wrong_key.bad_line == 1);
  CHECK_FALSE(wrong_key.key_needed);

  VerifyReport no_key = verify_trail(trail_files(trail.file), VerifyOptions{});
  CHECK_FALSE(no_key.ok);
  CHECK(no_key.key_needed);
  CHECK(no_key.reason.find("give the key") != std::string::npos);
}

TEST_CASE("verify hmac trail rejects rechained records", "[audit]") {
  // A writer of the file who lacks the key rebuilds the whole chain with plain SHA-256
  // after a change, so the keyed check must still fail on line 1.
  std::string key(64, 'a');
  Trail trail(5, key);
  TempFolder other;
  AuditLogOptions unkeyed;
  unkeyed.file = other.path() / "audit.log";
  write_events(unkeyed, 5);
  std::filesystem::copy_file(unkeyed.file, trail.file, std::filesystem::copy_options::overwrite_existing);

  VerifyReport report = trail.verify();
  CHECK_FALSE(report.ok);
  CHECK(report.bad_line == 1);
  CHECK(report.reason.find("plain sha256") != std::string::npos);
}

TEST_CASE("export filters user event time", "[audit]") {
  Trail trail(10);
  std::ostringstream by_user;
  ExportFilter user_filter;
  user_filter.user = "555000000003";
  auto summary = export_records(trail_files(trail.file), user_filter, by_user);
  REQUIRE(summary.ok());
  CHECK(summary->written == 1);
  CHECK(by_user.str().find("\"seq\":4") != std::string::npos);

  std::ostringstream by_event;
  ExportFilter event_filter;
  event_filter.event = "ldap.bind";
  summary = export_records(trail_files(trail.file), event_filter, by_event);
  REQUIRE(summary.ok());
  CHECK(summary->written == 5);

  std::ostringstream by_prefix;
  ExportFilter prefix_filter;
  prefix_filter.event = "ldap.*";
  summary = export_records(trail_files(trail.file), prefix_filter, by_prefix);
  REQUIRE(summary.ok());
  CHECK(summary->written == 10);

  std::ostringstream by_time;
  ExportFilter time_filter;
  time_filter.until = *parse_time("2000-01-01T00:00:00Z");
  summary = export_records(trail_files(trail.file), time_filter, by_time);
  REQUIRE(summary.ok());
  CHECK(summary->written == 0);
  time_filter.until.reset();
  time_filter.since = *parse_time("2000-01-01T00:00:00Z");
  summary = export_records(trail_files(trail.file), time_filter, by_time);
  REQUIRE(summary.ok());
  CHECK(summary->written == 10);
}
