#include "provisioning/csv_reader.h"

#include <catch2/catch.hpp>

#include "test_files.h"

namespace careid::provisioning {
namespace {

using testing::TemporaryFile;

std::vector<std::string> parse(std::string_view record) {
  std::vector<std::string> fields;
  Status status = parse_csv_record(record, fields);
  REQUIRE(status.ok());
  return fields;
}

TEST_CASE("CSV record plain and quoted fields", "[provisioning][csv]") {
  CHECK(parse("a,b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(parse("\"a,1\",b") == std::vector<std::string>{"a,1", "b"});
  CHECK(parse("\"say \"\"hi\"\"\",x") == std::vector<std::string>{"say \"hi\"", "x"});
  CHECK(parse("") == std::vector<std::string>{""});
  CHECK(parse("a,") == std::vector<std::string>{"a", ""});
  CHECK(parse(",,") == std::vector<std::string>{"", "", ""});
  CHECK(parse("\"\",\"\"") == std::vector<std::string>{"", ""});
}

TEST_CASE("CSV record malformed quoting rejected", "[provisioning][csv]") {
  std::vector<std::string> fields;
  CHECK(parse_csv_record("\"open", fields).code() == StatusCode::kInvalidArgument);
  CHECK(parse_csv_record("\"a\"b,c", fields).code() == StatusCode::kInvalidArgument);
  CHECK(parse_csv_record("x,\"a\" ", fields).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("CSV record field limit enforced", "[provisioning][csv]") {
  std::vector<std::string> fields;
  CsvLimits limits;
  limits.max_fields = 3;
  CHECK(parse_csv_record("a,b,c", fields, limits).ok());
  CHECK(parse_csv_record("a,b,c,d", fields, limits).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("CSV reader multi-line records and CRLF", "[provisioning][csv]") {
  TemporaryFile file("multi.csv", "a,b\r\n\"line one\nline two\",c\r\nlast,row\n");
  auto reader = CsvReader::open(file.path());
  REQUIRE(reader.ok());
  std::vector<std::string> fields;

  REQUIRE(reader->next(fields).value());
  CHECK(fields == std::vector<std::string>{"a", "b"});
  CHECK(reader->record_line() == 1);

  REQUIRE(reader->next(fields).value());
  CHECK(fields == std::vector<std::string>{"line one\nline two", "c"});
  CHECK(reader->record_line() == 2);

  REQUIRE(reader->next(fields).value());
  CHECK(fields == std::vector<std::string>{"last", "row"});
  CHECK(reader->record_line() == 4);

  auto end = reader->next(fields);
  REQUIRE(end.ok());
  CHECK_FALSE(*end);
}

TEST_CASE("CSV reader skips past bad record", "[provisioning][csv]") {
  TemporaryFile file("bad.csv", "ok,1\n\"broken\"x,2\nok,3\n");
  auto reader = CsvReader::open(file.path());
  REQUIRE(reader.ok());
  std::vector<std::string> fields;

  REQUIRE(reader->next(fields).value());
  auto bad = reader->next(fields);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("bad.csv:2") != std::string::npos);

  REQUIRE(reader->next(fields).value());
  CHECK(fields == std::vector<std::string>{"ok", "3"});
}

TEST_CASE("CSV reader record length limit", "[provisioning][csv]") {
  std::string long_quoted = "\"" + std::string(100, 'x') + "\n" + std::string(100, 'y') + "\"\n";
  TemporaryFile file("long.csv", long_quoted + "after,1\n");
  CsvLimits limits;
  limits.max_record_bytes = 150;
  auto reader = CsvReader::open(file.path(), limits);
  REQUIRE(reader.ok());
  std::vector<std::string> fields;

  auto too_long = reader->next(fields);
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().message().find("longer than 150 bytes") != std::string::npos);
  REQUIRE(reader->next(fields).value());
  CHECK(fields == std::vector<std::string>{"after", "1"});
  CHECK(reader->record_line() == 3);
}

TEST_CASE("CSV reader missing file", "[provisioning][csv]") {
  auto reader = CsvReader::open("/nonexistent/careid/file.csv");
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().code() == StatusCode::kIoError);
  CHECK(reader.status().message().find("/nonexistent/careid/file.csv") != std::string::npos);
}

}  // namespace
}  // namespace careid::provisioning
