// MetricsSink: an audit::Sink that counts the events it forwards, so that the metrics count
// logins, SAML assertions and OpenID tokens exactly as the audit trail records them.
//
// Metrics (base/metrics.h), present while the sink exists:
//   careid_logins_total{method, result}   "sso.login" events by method ("smartcard" for SAML
//                                         card logins) and result ("success" or the
//                                         refusal reason the event names)
//   careid_ldap_binds_total{result}       "ldap.bind" events by outcome
//   careid_saml_assertions_total          "saml.assertion" events
//   careid_oidc_tokens_total              "oidc.token" events (token responses issued)
#pragma once

#include <array>

#include "audit/event.h"
#include "base/metrics.h"

namespace careid::audit {

class MetricsSink : public Sink {
 public:
  // `next` receives every event after it is counted and must outlive this sink.
  explicit MetricsSink(Sink& next);

  // Counts `event` with a few string comparisons and relaxed atomic additions, then
  // forwards it. Thread-safe.
  void record(Event event) override;

  // Refusal reasons of "sso.login" that get their own label value; others count as "other".
  static constexpr std::array<const char*, 9> kLoginResults = {
      "success",        "no_certificate", "certificate_invalid", "subject_invalid", "card_revoked",
      "card_suspended", "unknown_person", "store_error",         "bad_request"};

 private:
  void count_login(const Event& event);
  void collect(metrics::Exposition& out) const;

  Sink& next_;
  // One slot per kLoginResults entry, then "other".
  std::array<metrics::Counter, kLoginResults.size() + 1> logins_;
  metrics::Counter bind_success_;
  metrics::Counter bind_failure_;
  metrics::Counter assertions_;
  metrics::Counter tokens_;
  metrics::Registry::Registration registration_;
};

}  // namespace careid::audit
