#include <sys/stat.h>

#include <thread>

#include <catch2/catch.hpp>

#include "audit/record.h"
#include "audit/trail_file.h"
#include "audit/verify.h"
#include "trail_support.h"

using namespace careid::audit;
using namespace careid::audit::testing;

namespace {

VerifyReport verify_all(const std::filesystem::path& file, std::string key = "") {
  VerifyOptions options;
  options.hmac_key = std::move(key);
  return verify_trail(trail_files(file), options);
}

}  // namespace

TEST_CASE("audit log reopen continues chain", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "sub" / "audit.log";
  write_events(options, 5);
  write_events(options, 5);

  VerifyReport report = verify_all(options.file);
  INFO(report.reason);
  CHECK(report.ok);
  CHECK(report.records == 10);
  CHECK(report.last_seq == 10);
}

TEST_CASE("audit log file mode 0600", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  write_events(options, 1);
  struct stat info{};
  REQUIRE(::stat(options.file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("audit log per record fsync", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  options.fsync = FsyncPolicy::kRecord;
  write_events(options, 25);
  CHECK(read_lines(options.file).size() == 25);
  CHECK(verify_all(options.file).ok);
}

TEST_CASE("audit log rotation keeps chain", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  options.max_file_bytes = 2000;
  write_events(options, 60);

  auto files = trail_files(options.file);
  REQUIRE(files.size() >= 3);
  CHECK(files.front().filename() == "audit.log.000001");
  CHECK(files.back() == options.file);
  VerifyReport report = verify_all(options.file);
  INFO(report.reason);
  CHECK(report.ok);

  // The first record of every later file names the previous file's last hash.
  for (std::size_t i = 1; i < files.size(); ++i) {
    auto previous = read_lines(files[i - 1]);
    auto first = nlohmann::json::parse(read_lines(files[i]).front());
    auto last = nlohmann::json::parse(previous.back());
    CHECK(first["event"] == "audit.rotate");
    CHECK(first["prev"] == last["hash"]);
    CHECK(first["details"]["previous_last_hash"] == last["hash"]);
    CHECK(first["details"]["previous_file"] == files[i - 1].filename().string());
  }

  std::size_t events = 0;
  for (const auto& file : files) {
    for (const auto& line : read_lines(file)) {
      events += nlohmann::json::parse(line)["event"] != "audit.rotate";
    }
  }
  CHECK(events == 60);
}

TEST_CASE("audit log removed rotated file detected", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  options.max_file_bytes = 2000;
  write_events(options, 60);
  std::filesystem::remove(folder.path() / "audit.log.000002");

  VerifyReport report = verify_all(options.file);
  CHECK_FALSE(report.ok);
  CHECK(report.bad_file.filename() == "audit.log.000003");
  CHECK(report.bad_line == 1);
}

TEST_CASE("audit log group commit survives reopen", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  options.group_commit_interval = std::chrono::milliseconds(10000);
  auto first = AuditLog::open(options);
  REQUIRE(first.ok());
  for (int i = 0; i < 100; ++i) {
    (*first)->record(numbered_event(i));
  }
  REQUIRE((*first)->flush().ok());
  CHECK(read_lines(options.file).size() == 100);

  // A second writer on the same trail (careidctl beside careidd) continues the chain from
  // the flushed records, and the first writer then resumes after it.
  write_events(options, 1);
  (*first)->record(numbered_event(200));
  REQUIRE((*first)->close().ok());

  VerifyReport report = verify_all(options.file);
  INFO(report.reason);
  CHECK(report.ok);
  CHECK(report.last_seq == 102);
}

TEST_CASE("audit log full queue blocks not drops", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  options.queue_records = 1;
  auto log = AuditLog::open(options);
  REQUIRE(log.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 50; ++i) {
        (*log)->record(numbered_event(t * 100 + i));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  REQUIRE((*log)->close().ok());
  VerifyReport report = verify_all(options.file);
  CHECK(report.ok);
  CHECK(report.records == 200);
}

TEST_CASE("audit log cuts torn tail", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  write_events(options, 3);
  {
    std::ofstream out(options.file, std::ios::app);
    out << "{\"actor\":\"anon";
  }
  write_events(options, 1);

  auto lines = read_lines(options.file);
  REQUIRE(lines.size() == 5);
  auto recovered = nlohmann::json::parse(lines[3]);
  CHECK(recovered["event"] == "audit.recovered");
  CHECK(recovered["details"]["dropped_bytes"] == 14);
  CHECK(verify_all(options.file).ok);
}

TEST_CASE("audit log rejects corrupt last record", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  write_events(options, 3);
  {
    std::ofstream out(options.file, std::ios::app);
    out << "garbage\n";
  }
  auto log = AuditLog::open(options);
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().code() == careid::StatusCode::kCorruption);
  CHECK(log.status().message().find("careidctl audit verify") != std::string::npos);
}

TEST_CASE("audit log rejects key change", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  write_events(options, 2);
  options.hmac_key = std::string(64, 'k');
  auto log = AuditLog::open(options);
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().code() == careid::StatusCode::kFailedPrecondition);
  CHECK(log.status().message().find("hmac-sha256") != std::string::npos);
}

TEST_CASE("audit log hmac trail verifies with key", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  options.hmac_key = std::string(64, 'k');
  write_events(options, 4);
  CHECK(verify_all(options.file, options.hmac_key).ok);
  CHECK_FALSE(verify_all(options.file).ok);
}

TEST_CASE("hmac key file created private", "[audit]") {
  TempFolder folder;
  auto path = folder.path() / "keys" / "audit.key";
  auto created = read_or_create_hmac_key(path);
  REQUIRE(created.ok());
  CHECK(created->size() == 64);
  struct stat info{};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto again = read_or_create_hmac_key(path);
  REQUIRE(again.ok());
  CHECK(*again == *created);
}

TEST_CASE("hmac key file rejects bad files", "[audit]") {
  TempFolder folder;
  auto readable = folder.path() / "readable.key";
  std::ofstream(readable) << std::string(64, 'a');
  std::filesystem::permissions(readable, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                             std::filesystem::perms::group_read);
  auto shared = read_or_create_hmac_key(readable);
  REQUIRE_FALSE(shared.ok());
  CHECK(shared.status().message().find("chmod 600") != std::string::npos);

  auto short_key = folder.path() / "short.key";
  std::ofstream(short_key) << "abc\n";
  std::filesystem::permissions(short_key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto too_short = read_or_create_hmac_key(short_key);
  REQUIRE_FALSE(too_short.ok());
  CHECK(too_short.status().message().find("at least 32") != std::string::npos);
}

TEST_CASE("options from config", "[audit]") {
  careid::AuditConfig config;
  config.file = "/tmp/x/audit.log";
  config.fsync = "record";
  config.max_file_mib = 2;
  auto options = options_from_config(config);
  REQUIRE(options.ok());
  CHECK(options->fsync == FsyncPolicy::kRecord);
  CHECK(options->max_file_bytes == 2 * 1024 * 1024);
  CHECK(options->hmac_key.empty());

  config.fsync = "sometimes";
  auto bad = options_from_config(config);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("'sometimes'") != std::string::npos);
}

TEST_CASE("card event record", "[audit]") {
  TempFolder folder;
  AuditLogOptions options;
  options.file = folder.path() / "audit.log";
  {
    auto log = AuditLog::open(options);
    REQUIRE(log.ok());
    CardEvent card;
    card.action = "revoke";
    card.actor = "cn=admin,o=nhs";
    card.uid = "555000000001";
    card.serial = "1a2b";
    card.reason = "keyCompromise";
    record_card_event(**log, card);
  }
  auto record = nlohmann::json::parse(read_lines(options.file).at(0));
  CHECK(record["event"] == "card.revoke");
  CHECK(record["subject"] == "555000000001");
  CHECK(record["details"]["serial"] == "1a2b");
  CHECK(record["details"]["reason"] == "keyCompromise");
  CHECK(record["client"] == "local");
}

// Appends per second with each fsync policy; run with `audit_tests "[.bench]"`.
TEST_CASE("audit log append rate", "[.bench]") {
  for (FsyncPolicy policy : {FsyncPolicy::kGroup, FsyncPolicy::kRecord}) {
    TempFolder folder;
    AuditLogOptions options;
    options.file = folder.path() / "audit.log";
    options.fsync = policy;
    const int count = policy == FsyncPolicy::kGroup ? 100000 : 2000;
    auto start = std::chrono::steady_clock::now();
    write_events(options, count);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    WARN((policy == FsyncPolicy::kGroup ? "group commit (10 ms): " : "per-record fdatasync: ")
         << count << " records in " << seconds << " s = " << static_cast<long>(count / seconds) << " records/s");
  }
}
