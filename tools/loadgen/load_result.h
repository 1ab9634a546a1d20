// Figures of one load generator run, per client thread and merged.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "tools/loadgen/load_options.h"

namespace careid::loadgen {

struct LoadResult {
  // Latency of each successful login in microseconds. Open loop: from the scheduled start
  // to the last response, so time spent queued behind a slow server counts (no coordinated
  // omission). Closed loop: from the actual start.
  std::vector<std::uint32_t> latencies_us;
  // Failed logins by kind, e.g. "handshake: <reason>", "sso_http_403", "timeout", "no_saml_response".
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t attempts = 0;
  std::uint64_t successes = 0;
  std::uint64_t role_pages = 0;        // logins that went through the role page
  std::uint64_t resumed_sessions = 0;  // TLS handshakes that resumed a session
  std::uint64_t queued_starts = 0;     // open loop: starts that waited for a free slot
  // Seconds from the first scheduled start to the end of the last login.
  double elapsed_seconds = 0;
  // Base64-decoded SAML Responses kept for signature verification after the run.
  std::vector<std::string> saml_samples;

  void add_error(const std::string& kind) { ++errors[kind]; }
  // Adds `other`'s counts, latencies and samples; the elapsed time becomes the longer one.
  void merge(LoadResult&& other);
};

// Value at quantile `q` (0 to 1) of `sorted_us`, in milliseconds; 0 when empty. Nearest-rank
// method: the smallest value with at least q of the values at or below it.
double quantile_ms(const std::vector<std::uint32_t>& sorted_us, double q);

// Prints the human-readable report, then one line starting with "result " that contains
// the same figures as key=value pairs for scripts. Sorts result.latencies_us.
void print_report(LoadResult& result, const LoadOptions& options, std::ostream& out);

}  // namespace careid::loadgen
