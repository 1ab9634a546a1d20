#include "directory/server/operation_metrics.h"

#include <optional>
#include <string>
#include <type_traits>

namespace careid::directory::server {
namespace {

constexpr std::array<const char*, 8> kOperationNames = {"bind",      "search",  "modify",  "add",
                                                        "delete",    "modify_dn", "compare", "extended"};

std::optional<std::size_t> operation_index(protocol::OpTag request) {
  switch (request) {
    case protocol::OpTag::kBindRequest: return 0;
    case protocol::OpTag::kSearchRequest: return 1;
    case protocol::OpTag::kModifyRequest: return 2;
    case protocol::OpTag::kAddRequest: return 3;
    case protocol::OpTag::kDelRequest: return 4;
    case protocol::OpTag::kModifyDnRequest: return 5;
    case protocol::OpTag::kCompareRequest: return 6;
    case protocol::OpTag::kExtendedRequest: return 7;
    default: return std::nullopt;
  }
}

}  // namespace

OperationMetrics::OperationMetrics(std::function<std::size_t()> connection_count)
    : connection_count_(std::move(connection_count)),
      registration_(metrics::registry().add([this](metrics::Exposition& out) { collect(out); })) {}

void OperationMetrics::record(protocol::OpTag request, ResultCode code, std::chrono::steady_clock::duration elapsed) {
  std::optional<std::size_t> type = operation_index(request);
  if (!type.has_value()) {
    return;
  }
  const auto value = static_cast<unsigned>(code);
  const std::size_t slot = value < kResultSlots - 1 ? value : kResultSlots - 1;
  operations_[*type][slot].increment();
  latency_[*type].observe(std::chrono::duration<double>(elapsed).count());
}

ResultCode OperationMetrics::result_code_of(const protocol::ResponseOp& response) {
  return std::visit(
      [](const auto& op) {
        if constexpr (requires { op.result.result_code; }) {
          return op.result.result_code;
        } else {
          return ResultCode::kSuccess;
        }
      },
      response);
}

void OperationMetrics::collect(metrics::Exposition& out) const {
  out.family("careid_ldap_operations_total", "LDAP operations completed, by operation type and resultCode (number and RFC 4511 name).",
             metrics::MetricType::kCounter);
  for (std::size_t type = 0; type < kOperationTypes; ++type) {
    for (std::size_t slot = 0; slot < kResultSlots; ++slot) {
      const std::uint64_t count = operations_[type][slot].value();
      if (count == 0) {
        continue;
      }
      // The number keeps series apart when two codes share the name "unknown".
      const bool other = slot == kResultSlots - 1;
      std::string code = other ? "other" : std::to_string(slot);
      std::string name = other ? "other" : std::string(result_code_name(static_cast<ResultCode>(slot)));
      out.sample("careid_ldap_operations_total",
                 {{"operation", kOperationNames[type]}, {"code", code}, {"result", name}},
                 static_cast<double>(count));
    }
  }

  out.family("careid_ldap_operation_duration_seconds",
             "Time from reading an LDAP request to queueing its final response, by operation type.",
             metrics::MetricType::kHistogram);
  for (std::size_t type = 0; type < kOperationTypes; ++type) {
    out.histogram("careid_ldap_operation_duration_seconds", {{"operation", kOperationNames[type]}},
                  latency_[type].snapshot());
  }

  out.family("careid_ldap_connections", "Open LDAP and LDAPS connections.", metrics::MetricType::kGauge);
  out.sample("careid_ldap_connections", {}, static_cast<double>(connection_count_()));

  out.family("careid_ldap_connections_rejected_total", "LDAP and LDAPS connections rejected at ldap.max_connections.",
             metrics::MetricType::kCounter);
  out.sample("careid_ldap_connections_rejected_total", {}, static_cast<double>(rejected_connections_.value()));
}

}  // namespace careid::directory::server
