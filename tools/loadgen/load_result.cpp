#include "tools/loadgen/load_result.h"

#include <algorithm>
#include <cmath>
#include <iomanip>

namespace careid::loadgen {

void LoadResult::merge(LoadResult&& other) {
  latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.end());
  for (const auto& [kind, count] : other.errors) {
    errors[kind] += count;
  }
  attempts += other.attempts;
  successes += other.successes;
  role_pages += other.role_pages;
  resumed_sessions += other.resumed_sessions;
  queued_starts += other.queued_starts;
  elapsed_seconds = std::max(elapsed_seconds, other.elapsed_seconds);
  for (std::string& sample : other.saml_samples) {
    saml_samples.push_back(std::move(sample));
  }
}

double quantile_ms(const std::vector<std::uint32_t>& sorted_us, double q) {
  if (sorted_us.empty()) {
    return 0;
  }
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted_us.size())));
  std::size_t index = std::min(sorted_us.size() - 1, rank == 0 ? 0 : rank - 1);
  return sorted_us[index] / 1000.0;
}

void print_report(LoadResult& result, const LoadOptions& options, std::ostream& out) {
  std::sort(result.latencies_us.begin(), result.latencies_us.end());
  const auto& sorted = result.latencies_us;
  std::uint64_t failed = result.attempts - result.successes;
  double per_second = result.elapsed_seconds > 0 ? result.successes / result.elapsed_seconds : 0;
  std::string flow = options.flow == Flow::kSaml ? "saml" : "oidc";
  std::string mode = options.rate > 0 ? "open" : "closed";

  out << std::fixed << std::setprecision(1);
  out << flow << " logins, " << mode << " loop";
  if (options.rate > 0) {
    out << " at " << options.rate << " offered/s";
  } else {
    out << " with " << options.connections << " connections";
  }
  out << ", " << result.elapsed_seconds << " s\n"
      << "  attempts " << result.attempts << ", succeeded " << result.successes << ", failed " << failed
      << ", achieved " << per_second << " logins/s\n"
      << std::setprecision(2) << "  latency ms: p50 " << quantile_ms(sorted, 0.50) << "  p90 "
      << quantile_ms(sorted, 0.90) << "  p99 " << quantile_ms(sorted, 0.99) << "  p99.9 "
      << quantile_ms(sorted, 0.999) << "  max " << quantile_ms(sorted, 1.0) << "\n"
      << "  role pages " << result.role_pages << ", resumed TLS sessions " << result.resumed_sessions
      << ", queued starts " << result.queued_starts << "\n";
  for (const auto& [kind, count] : result.errors) {
    out << "  error " << kind << ": " << count << "\n";
  }

  std::string error_list;
  for (const auto& [kind, count] : result.errors) {
    error_list += (error_list.empty() ? "" : ",") + kind + ":" + std::to_string(count);
  }
  out << "result flow=" << flow << " mode=" << mode << " offered=" << options.rate
      << " connections=" << options.connections << " attempts=" << result.attempts
      << " succeeded=" << result.successes << " failed=" << failed << std::setprecision(1)
      << " logins_per_s=" << per_second << std::setprecision(2) << " p50_ms=" << quantile_ms(sorted, 0.50)
      << " p90_ms=" << quantile_ms(sorted, 0.90) << " p99_ms=" << quantile_ms(sorted, 0.99)
      << " p999_ms=" << quantile_ms(sorted, 0.999) << " errors=" << (error_list.empty() ? "none" : error_list)
      << "\n";
}

}  // namespace careid::loadgen
