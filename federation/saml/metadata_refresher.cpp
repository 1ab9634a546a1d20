#include "federation/saml/metadata_refresher.h"

#include <algorithm>
#include <set>

#include "base/log.h"

namespace careid::federation::saml {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::chrono::seconds kMaxRetryDelay{300};
// The thread wakes at least this often to notice a copy passing max_cache_age or validUntil.
constexpr std::chrono::seconds kExpiryCheck{60};

std::chrono::seconds delay_after(RefreshOutcome outcome, const MetadataSourceSettings& settings) {
  bool failed = outcome == RefreshOutcome::kFetchFailed || outcome == RefreshOutcome::kRejected;
  return failed ? std::min(settings.refresh_interval, kMaxRetryDelay) : settings.refresh_interval;
}

}  // namespace

MetadataRefresher::MetadataRefresher(std::vector<std::unique_ptr<MetadataSource>> sources,
                                     IdentityProvider& idp)
    : sources_(std::move(sources)), next_refresh_(sources_.size()), idp_(idp) {}

MetadataRefresher::~MetadataRefresher() { stop(); }

void MetadataRefresher::start() {
  auto logger = log::get("federation");
  for (const auto& source : sources_) {
    Status cached = source->load_cache();
    if (!cached.ok() && cached.code() != StatusCode::kNotFound) {
      logger->error("saml metadata source={} ignoring its cached copy: {}",
                    source->settings().name, cached.to_string());
    }
  }
  refresh_all();

  collector_ = metrics::registry().add([this](metrics::Exposition& out) { collect(out); });
  thread_ = std::thread([this] { run(); });
}

void MetadataRefresher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  collector_ = {};
}

void MetadataRefresher::refresh_all() {
  std::lock_guard pass(refresh_mutex_);
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    RefreshOutcome outcome = sources_[i]->refresh();
    next_refresh_[i] = std::chrono::steady_clock::now() + delay_after(outcome, sources_[i]->settings());
  }
  publish();
}

void MetadataRefresher::request_refresh_all() {
  {
    std::lock_guard lock(mutex_);
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

std::uint64_t MetadataRefresher::requested_refreshes_done() const {
  std::lock_guard lock(mutex_);
  return requested_refreshes_done_;
}

void MetadataRefresher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    SteadyTime wake_at = std::chrono::steady_clock::now() + kExpiryCheck;
    for (SteadyTime next : next_refresh_) {
      wake_at = std::min(wake_at, next);
    }
    wake_.wait_until(lock, wake_at, [this] { return stopping_ || refresh_requested_; });
    if (stopping_) {
      return;
    }
    bool requested = refresh_requested_;
    refresh_requested_ = false;

    // Fetching may take up to its timeout, so stop() must not wait for the lock meanwhile.
    lock.unlock();
    refresh_due(requested);
    lock.lock();
    if (requested) {
      ++requested_refreshes_done_;
    }
  }
}

void MetadataRefresher::refresh_due(bool all) {
  std::lock_guard pass(refresh_mutex_);
  if (all) {
    log::get("federation")->info("saml metadata refreshing all {} sources on request", sources_.size());
  }
  SteadyTime now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (all || next_refresh_[i] <= now) {
      RefreshOutcome outcome = sources_[i]->refresh();
      next_refresh_[i] = std::chrono::steady_clock::now() + delay_after(outcome, sources_[i]->settings());
    }
  }
  publish();
}

// Hands the SPs to the identity provider when the set differs from the last one handed
// over. A registry replacement stays allocated (base/reloadable.h), so an unchanged set is
// not published again.
void MetadataRefresher::publish() {
  std::vector<ServiceProvider> combined;
  std::set<std::string, std::less<>> seen;
  std::string fingerprint;
  for (const auto& source : sources_) {
    for (ServiceProvider& sp : source->service_providers()) {
      if (seen.insert(sp.entity_id).second) {
        fingerprint += sp.entity_id + '\n';
        combined.push_back(std::move(sp));
      }
    }
    fingerprint += source->settings().name + ':' +
                   std::to_string(source->refresh_count(RefreshOutcome::kUpdated)) + '\n';
  }

  std::size_t hash = std::hash<std::string>{}(fingerprint);
  if (published_hash_ == hash) {
    return;
  }
  published_hash_ = hash;
  std::size_t count = combined.size();
  auto registered = idp_.set_source_service_providers(std::move(combined));
  if (!registered.ok()) {
    log::get("federation")->error("saml metadata sources not applied: {}", registered.status().to_string());
    return;
  }
  log::get("federation")->info("saml metadata sources applied service_providers={} of {}", *registered, count);
}

void MetadataRefresher::collect(metrics::Exposition& out) const {
  out.family("careid_saml_metadata_refreshes_total", "SP metadata source refreshes by outcome.",
             metrics::MetricType::kCounter);
  for (const auto& source : sources_) {
    for (RefreshOutcome outcome : {RefreshOutcome::kUpdated, RefreshOutcome::kUnchanged,
                                   RefreshOutcome::kFetchFailed, RefreshOutcome::kRejected}) {
      out.sample("careid_saml_metadata_refreshes_total",
                 {{"source", source->settings().name}, {"outcome", std::string(refresh_outcome_name(outcome))}},
                 static_cast<double>(source->refresh_count(outcome)));
    }
  }
  out.family("careid_saml_metadata_service_providers",
             "SPs in use from each SP metadata source.", metrics::MetricType::kGauge);
  for (const auto& source : sources_) {
    out.sample("careid_saml_metadata_service_providers", {{"source", source->settings().name}},
               static_cast<double>(source->service_providers().size()));
  }
  out.family("careid_saml_metadata_age_seconds",
             "Seconds since the copy in use was fetched and verified; absent without one.",
             metrics::MetricType::kGauge);
  for (const auto& source : sources_) {
    if (auto age = source->age_seconds()) {
      out.sample("careid_saml_metadata_age_seconds", {{"source", source->settings().name}},
                 static_cast<double>(*age));
    }
  }
}

}  // namespace careid::federation::saml
