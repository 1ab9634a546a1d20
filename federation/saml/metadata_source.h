// SP metadata from a federation's URL, as Shibboleth's MetadataProvider and SimpleSAMLphp's
// metarefresh load it. careid fetches a signed md:EntitiesDescriptor (or md:EntityDescriptor)
// and checks its enveloped signature against the federation's metadata signing
// certificates. The verified copy is kept on disk, so a restart works while the URL is down.
//
// Fail closed: a fetch error, a bad or missing signature, or an expired validUntil keeps
// the last good set. That set is used for at most max_cache_age after it was fetched, and
// then the source contributes no SPs until a good copy arrives.
//
// Thread safety: one thread (the refresher) calls load_cache() and refresh(). The accessors
// marked thread-safe may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "federation/saml/service_provider.h"
#include "xml/signature.h"

namespace careid::federation::saml {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// The SPs of one verified metadata document.
struct VerifiedMetadata {
  std::vector<ServiceProvider> service_providers;
  // The root's validUntil (SAML Metadata 2.3.1), when present.
  std::optional<std::chrono::system_clock::time_point> valid_until;
  // EntityDescriptors left out: without an SPSSODescriptor for SAML 2.0 (IdPs and AAs),
  // with a passed validUntil of their own, invalid, or repeating an earlier entityID.
  std::size_t skipped_entities = 0;
};

// Checks `text` and returns its service providers. `label` names the source in messages.
// The parser of xml/document.h reads it (no DOCTYPE, at most `max_bytes`). The root must be
// md:EntitiesDescriptor or md:EntityDescriptor with one enveloped signature in the profile
// of xml/signature.h, whose single Reference names the root's ID. One of `keys` must verify
// it (several during a key rollover), and the root's validUntil, when present, must be
// after `now`. Data is read only from the verified root, in the same document.
// Errors:
//   kNotFound           the root is not signed
//   kPermissionDenied   the signature does not verify with any of `keys`
//   kInvalidArgument    not metadata, several signatures, a wrong Reference or algorithm,
//                       or an unreadable validUntil
//   kFailedPrecondition validUntil has passed
//   kResourceExhausted  larger than `max_bytes` or nested too deeply
Result<VerifiedMetadata> verify_metadata(std::string_view text,
                                         const std::vector<xml::VerificationKey>& keys,
                                         std::chrono::system_clock::time_point now,
                                         std::string_view label, std::size_t max_bytes);

// Returns the body at `url`, or an error that names the URL. Tests pass a fake.
using MetadataFetcher = std::function<Result<std::string>(const std::string& url)>;

struct MetadataSourceSettings {
  // Names the cache file, log lines and metric labels; letters, digits, '-' and '_'.
  std::string name;
  std::string url;
  // The federation's metadata signing certificates; a signature by any of them counts.
  std::vector<xml::VerificationKey> signing_keys;
  std::chrono::seconds refresh_interval{3600};
  // How long after its fetch a verified copy may still be used when refreshes fail.
  std::chrono::seconds max_cache_age{7 * 24 * 3600};
  std::size_t max_bytes = 64 * 1024 * 1024;
  // The verified copy; written with mode 0644 by a rename, so a crash leaves the old one.
  std::filesystem::path cache_file;
};

// The result of one refresh, also the `outcome` label of its metric.
enum class RefreshOutcome { kUpdated, kUnchanged, kFetchFailed, kRejected };
std::string_view refresh_outcome_name(RefreshOutcome outcome);

class MetadataSource {
 public:
  MetadataSource(MetadataSourceSettings settings, MetadataFetcher fetcher, Clock clock);

  // Reads the cache file, verifies it again as a fetched copy would be, and takes its
  // modification time as the fetch time. kNotFound when there is no cache file.
  Status load_cache();

  // Fetches the URL, verifies the document and, when it is good, makes it the current set
  // and writes the cache file. On any failure the last good set stays and the error is
  // logged on the `federation` logger.
  RefreshOutcome refresh();

  // The SPs of the last good copy, or none once it is older than max_cache_age or past its
  // validUntil. Thread-safe.
  std::vector<ServiceProvider> service_providers() const;

  // Seconds since the last good copy was fetched; nullopt when there is none. Thread-safe.
  std::optional<std::int64_t> age_seconds() const;

  const MetadataSourceSettings& settings() const { return settings_; }

  // Refreshes by outcome, in RefreshOutcome order; read by the metrics collector.
  std::uint64_t refresh_count(RefreshOutcome outcome) const;

 private:
  Status accept(const std::string& text, std::chrono::system_clock::time_point fetched_at);
  Status write_cache(const std::string& text) const;

  MetadataSourceSettings settings_;
  MetadataFetcher fetcher_;
  Clock clock_;

  mutable std::mutex mutex_;
  std::string current_text_;
  VerifiedMetadata current_;
  std::optional<std::chrono::system_clock::time_point> fetched_at_;

  std::atomic<std::uint64_t> outcomes_[4] = {};
};

}  // namespace careid::federation::saml
