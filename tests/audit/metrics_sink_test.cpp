#include <catch2/catch.hpp>

#include <vector>

#include "audit/metrics_sink.h"

namespace {

class RecordingSink : public careid::audit::Sink {
 public:
  void record(careid::audit::Event event) override { events.push_back(std::move(event)); }
  std::vector<careid::audit::Event> events;
};

careid::audit::Event event(std::string type, std::string outcome = careid::audit::kSuccess,
                           nlohmann::json details = nlohmann::json::object()) {
  careid::audit::Event result;
  result.type = std::move(type);
  result.outcome = std::move(outcome);
  result.details = std::move(details);
  return result;
}

bool contains(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

}  // namespace

TEST_CASE("metrics sink counts and forwards", "[audit][metrics]") {
  RecordingSink next;
  careid::audit::MetricsSink sink(next);
  sink.record(event("sso.login"));
  sink.record(event("sso.login", careid::audit::kFailure, {{"reason", "card_revoked"}}));
  sink.record(event("sso.login", careid::audit::kFailure, {{"reason", "something_new"}}));
  sink.record(event("sso.login", careid::audit::kFailure));
  sink.record(event("saml.assertion"));
  sink.record(event("oidc.token"));
  sink.record(event("oidc.token"));
  sink.record(event("ldap.bind", careid::audit::kFailure));
  sink.record(event("ldap.modify"));

  CHECK(next.events.size() == 9);
  const std::string text = careid::metrics::registry().scrape();
  CHECK(contains(text, "careid_logins_total{method=\"smartcard\",result=\"success\"} 1\n"));
  CHECK(contains(text, "careid_logins_total{method=\"smartcard\",result=\"card_revoked\"} 1\n"));
  CHECK(contains(text, "careid_logins_total{method=\"smartcard\",result=\"other\"} 2\n"));
  CHECK(contains(text, "careid_saml_assertions_total 1\n"));
  CHECK(contains(text, "careid_oidc_tokens_total 2\n"));
  CHECK(contains(text, "careid_ldap_binds_total{result=\"failure\"} 1\n"));
  CHECK(contains(text, "careid_ldap_binds_total{result=\"success\"} 0\n"));
}
