// SusApi: the SUS HTTPS JSON API without HTTP. The HTTPS mount (http/mount.h) turns a
// request into an ApiRequest, authenticates the caller into a Principal and sends the
// ApiReply back. Every path is under /sus/v1/; sus/api/openapi.yaml documents them.
//
//   GET  /sus/v1/tariffs/{year}/hrgs/{hrg}       one HRG's prices (read activity)
//   POST /sus/v1/tariffs/{year}/price            prices one spell given as JSON (read)
//   POST /sus/v1/spells                          stores a batch: a JSON array or a CDS CSV
//                                                body (submit activity, own provider only)
//   GET  /sus/v1/spells/{provider}/{number}      one stored spell priced (read; provider or
//                                                commissioner of the spell only)
//   GET  /sus/v1/extracts/providers/{code}       payment extract of a provider (read; own)
//   GET  /sus/v1/extracts/commissioners/{code}   payment extract of a commissioner (read; own)
//   GET  /sus/v1/extracts                        ad-hoc extract with filters (read; own)
//
// {year} is a financial year written "2015-16" (or "2015/16" percent-encoded). Extracts
// take the query parameters year (required), from, to, hrg, admission_method,
// classification and format (json, the default, or csv). The ad-hoc extract also takes
// provider and commissioner, and at least one of them must be the caller's organisation.
//
// Errors are JSON {"error": code, "message": text} whose message names the bad value.
//
// Thread safety: handle() may run on several threads at once. A mutex serialises every use
// of the store, because a SusStore may be used from one thread at a time. Tariff and MFF
// years are cached in memory for ApiSettings::cache_ttl, so tariff lookups and pricing do
// not take the store lock while the cache is fresh. An extract holds the lock while it
// reads the store.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "sus/api/access.h"
#include "sus/api/spell_json.h"
#include "sus/api/year_cache.h"
#include "sus/storage/store.h"

namespace careid::sus::api {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query, e.g. "/sus/v1/tariffs/2015-16/hrgs/DZ11N"
  // Decoded query parameters; the mount rejects a repeated parameter before this point.
  std::map<std::string, std::string, std::less<>> parameters;
  std::string content_type;  // of the body, as sent
  std::string body;
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string www_authenticate;  // for 401 and 403 (RFC 6750 3)
  std::string allow;             // for 405
};

// Builds {"error": error, "message": message} with `status`.
ApiReply error_reply(int status, std::string_view error, std::string_view message);

// Bounds on what one request may ask of the server. Defaults are the `[sus]` keys'.
struct ApiLimits {
  // Maximum request body in bytes; larger is 413. The HTTPS server's own https.max_body_bytes
  // applies first, so this cannot raise it.
  std::size_t max_body_bytes = 1024 * 1024;
  // Maximum number of spells in one batch (JSON elements or CSV data lines). More is 413,
  // and nothing is stored.
  std::size_t max_batch_spells = 10000;
  // Maximum number of spells in one extract. More is 413, and the caller narrows the filters.
  std::size_t max_extract_spells = 100000;
};

struct ApiSettings {
  AccessPolicy access;
  ApiLimits limits;
  // How long a tariff or MFF year read from the store is reused. An import by `careidctl
  // sus` reaches the API within this time.
  std::chrono::seconds cache_ttl{60};
};

class SusApi {
 public:
  static constexpr std::string_view kPrefix = "/sus/v1/";

  // `store` must outlive the API.
  SusApi(storage::SusStore& store, ApiSettings settings,
         YearCache::Clock clock = std::chrono::steady_clock::now);

  // Serves one request of an authenticated caller. Bad input becomes a 4xx reply.
  ApiReply handle(const ApiRequest& request, const Principal& caller) const;

  const ApiSettings& settings() const { return settings_; }

 private:
  struct YearPrices {
    std::shared_ptr<const tariff::TariffYear> tariff;
    std::shared_ptr<const tariff::MffTable> mff;
  };

  // Checks that the caller may read and parses `year_text`. Returns the year, or the 403 or
  // 400 reply.
  Result<std::string, ApiReply> readable_year(std::string_view year_text,
                                              const Principal& caller) const;
  // The tariff and factors of `year`, from the cache or the store (kNotFound when missing).
  Result<YearPrices> year_prices(const std::string& year) const;
  // Prices `spell` with the tariff of `year` and returns {year, spell, payment}.
  ApiReply priced_spell(const std::string& year, const spells::Spell& spell) const;
  ApiReply tariff_lookup(std::string_view year, std::string_view hrg, const Principal& caller) const;
  ApiReply price(const ApiRequest& request, std::string_view year, const Principal& caller) const;
  ApiReply submit(const ApiRequest& request, const Principal& caller) const;
  // Stores the valid spells of `batch` whose provider is the caller's organisation, in one
  // transaction, and lists every rejected one.
  ApiReply store_batch(const CsvBatch& batch, bool json_body, const Principal& caller) const;
  ApiReply stored_spell(const ApiRequest& request, std::string_view provider,
                        std::string_view number, const Principal& caller) const;
  ApiReply extract(const ApiRequest& request, std::string_view provider,
                   std::string_view commissioner, const Principal& caller) const;

  storage::SusStore& store_;
  ApiSettings settings_;
  // Guards store_; see the thread safety note above.
  mutable std::mutex store_mutex_;
  mutable YearCache cache_;
};

}  // namespace careid::sus::api
