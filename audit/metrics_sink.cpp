#include "audit/metrics_sink.h"

#include <string_view>

namespace careid::audit {

MetricsSink::MetricsSink(Sink& next)
    : next_(next), registration_(metrics::registry().add([this](metrics::Exposition& out) { collect(out); })) {}

void MetricsSink::record(Event event) {
  if (event.type == "sso.login") {
    count_login(event);
  } else if (event.type == "ldap.bind") {
    (event.outcome == kSuccess ? bind_success_ : bind_failure_).increment();
  } else if (event.type == "saml.assertion") {
    assertions_.increment();
  } else if (event.type == "oidc.token") {
    tokens_.increment();
  }
  next_.record(std::move(event));
}

void MetricsSink::count_login(const Event& event) {
  std::string_view result = kSuccess;
  if (event.outcome != kSuccess) {
    // An if, not a conditional expression: mixing std::string and "" in one would make a
    // temporary string that `result` outlives.
    result = "";
    const auto reason = event.details.find("reason");
    if (reason != event.details.end() && reason->is_string()) {
      result = reason->get_ref<const std::string&>();
    }
  }

  std::size_t slot = 0;
  while (slot < kLoginResults.size() && result != kLoginResults[slot]) {
    ++slot;
  }
  logins_[slot].increment();
}

void MetricsSink::collect(metrics::Exposition& out) const {
  out.family("careid_logins_total", "Smartcard logins to the SAML identity provider, by result.",
             metrics::MetricType::kCounter);
  for (std::size_t slot = 0; slot < logins_.size(); ++slot) {
    const char* result = slot < kLoginResults.size() ? kLoginResults[slot] : "other";
    out.sample("careid_logins_total", {{"method", "smartcard"}, {"result", result}},
               static_cast<double>(logins_[slot].value()));
  }

  out.family("careid_ldap_binds_total", "LDAP bind operations, by outcome.", metrics::MetricType::kCounter);
  out.sample("careid_ldap_binds_total", {{"result", kSuccess}}, static_cast<double>(bind_success_.value()));
  out.sample("careid_ldap_binds_total", {{"result", kFailure}}, static_cast<double>(bind_failure_.value()));

  out.family("careid_saml_assertions_total", "SAML Responses with an assertion issued.",
             metrics::MetricType::kCounter);
  out.sample("careid_saml_assertions_total", {}, static_cast<double>(assertions_.value()));

  out.family("careid_oidc_tokens_total", "OpenID Connect token responses issued.", metrics::MetricType::kCounter);
  out.sample("careid_oidc_tokens_total", {}, static_cast<double>(tokens_.value()));
}

}  // namespace careid::audit
