#include <catch2/catch.hpp>

#include "directory/server/operation_metrics.h"

namespace {

using careid::directory::ResultCode;
using careid::directory::protocol::OpTag;
using careid::directory::server::OperationMetrics;

bool contains(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

}  // namespace

TEST_CASE("operation metrics count by type and code", "[directory][server][metrics]") {
  OperationMetrics metrics([] { return std::size_t{3}; });
  metrics.record(OpTag::kSearchRequest, ResultCode::kSuccess, std::chrono::milliseconds(2));
  metrics.record(OpTag::kSearchRequest, ResultCode::kSuccess, std::chrono::milliseconds(20));
  metrics.record(OpTag::kBindRequest, ResultCode::kInvalidCredentials, std::chrono::milliseconds(1));
  metrics.record(OpTag::kUnbindRequest, ResultCode::kSuccess, std::chrono::milliseconds(1));
  metrics.record(OpTag::kModifyRequest, static_cast<ResultCode>(4096), std::chrono::milliseconds(1));

  const std::string text = careid::metrics::registry().scrape();
  CHECK(contains(text, "careid_ldap_operations_total{operation=\"search\",code=\"0\",result=\"success\"} 2\n"));
  CHECK(contains(text, "careid_ldap_operations_total{operation=\"bind\",code=\"49\",result=\"invalidCredentials\"} 1\n"));
  CHECK(contains(text, "careid_ldap_operations_total{operation=\"modify\",code=\"other\",result=\"other\"} 1\n"));
  CHECK_FALSE(contains(text, "operation=\"unbind\""));
  CHECK(contains(text, "careid_ldap_operation_duration_seconds_bucket{operation=\"search\",le=\"0.0025\"} 1\n"));
  CHECK(contains(text, "careid_ldap_operation_duration_seconds_bucket{operation=\"search\",le=\"0.025\"} 2\n"));
  CHECK(contains(text, "careid_ldap_operation_duration_seconds_count{operation=\"search\"} 2\n"));
  CHECK(contains(text, "careid_ldap_connections 3\n"));
}

TEST_CASE("operation metrics read result codes", "[directory][server][metrics]") {
  careid::directory::protocol::ResponseOp done = careid::directory::protocol::SearchResultDone{};
  std::get<careid::directory::protocol::SearchResultDone>(done).result.result_code = ResultCode::kNoSuchObject;
  CHECK(OperationMetrics::result_code_of(done) == ResultCode::kNoSuchObject);

  careid::directory::protocol::ResponseOp entry = careid::directory::protocol::SearchResultEntry{};
  CHECK(OperationMetrics::result_code_of(entry) == ResultCode::kSuccess);
}
