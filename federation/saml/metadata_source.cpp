#include "federation/saml/metadata_source.h"

#include <fstream>
#include <iterator>
#include <set>

#include "base/log.h"
#include "federation/saml/saml_names.h"
#include "federation/saml/saml_time.h"

namespace careid::federation::saml {
namespace {

namespace fs = std::filesystem;
using TimePoint = std::chrono::system_clock::time_point;

// Nested md:EntitiesDescriptor levels read below the root; the parser's depth limit of 64
// bounds them as well.
constexpr int kMaxNesting = 8;

// Returns the element's validUntil; an absent one is nullopt, an unreadable one an error.
Result<std::optional<TimePoint>> read_valid_until(xml::Element element) {
  std::optional<std::string> text = element.attribute("validUntil");
  if (!text.has_value()) {
    return std::optional<TimePoint>();
  }
  std::optional<TimePoint> time = parse_instant(*text);
  if (!time.has_value()) {
    return Status::invalid_argument("validUntil '" + text->substr(0, 64) +
                                    "' is not an xs:dateTime in UTC");
  }
  return time;
}

// Tries each key in turn; one success is enough. A key of another type (RSA against an
// ECDSA signature) fails as kInvalidArgument, so every key is tried whatever the error, and a
// digest or signature mismatch is reported in preference to that.
Status verify_with_any(xml::Document& doc, xml::Element root,
                       const std::vector<xml::VerificationKey>& keys) {
  if (keys.empty()) {
    return Status::permission_denied("no metadata signing certificate is configured");
  }
  std::optional<Status> reported;
  for (const xml::VerificationKey& key : keys) {
    Status status = xml::verify_enveloped(doc, root, key);
    if (status.ok() || status.code() == StatusCode::kNotFound) {
      return status;
    }
    if (!reported.has_value() || status.code() == StatusCode::kPermissionDenied) {
      reported = status;
    }
  }
  return Status(reported->code(), reported->message() + " (tried " + std::to_string(keys.size()) +
                                      " signing certificates)");
}

struct EntityWalk {
  TimePoint now;
  std::string_view label;
  VerifiedMetadata* out;
  std::set<std::string, std::less<>> seen;
};

void add_entity(xml::Element entity, EntityWalk& walk) {
  auto valid_until = read_valid_until(entity);
  bool expired = !valid_until.ok() || (valid_until->has_value() && **valid_until <= walk.now);
  auto sp = expired ? Result<ServiceProvider>(Status::failed_precondition("expired"))
                    : ServiceProviderRegistry::parse_entity(entity, std::string(walk.label));
  if (!sp.ok() || !walk.seen.insert(sp->entity_id).second) {
    ++walk.out->skipped_entities;
    return;
  }
  walk.out->service_providers.push_back(std::move(sp).value());
}

void walk_entities(xml::Element group, EntityWalk& walk, int depth) {
  for (xml::Element child : group.children()) {
    if (child.is(kMetadataNs, "EntityDescriptor")) {
      add_entity(child, walk);
    } else if (child.is(kMetadataNs, "EntitiesDescriptor") && depth < kMaxNesting) {
      auto valid_until = read_valid_until(child);
      if (valid_until.ok() && (!valid_until->has_value() || **valid_until > walk.now)) {
        walk_entities(child, walk, depth + 1);
      }
    }
  }
}

}  // namespace

Result<VerifiedMetadata> verify_metadata(std::string_view text,
                                         const std::vector<xml::VerificationKey>& keys,
                                         TimePoint now, std::string_view label,
                                         std::size_t max_bytes) {
  std::string context = "SP metadata source " + std::string(label);
  xml::ParseLimits limits;
  limits.max_bytes = max_bytes;
  auto doc = xml::Document::parse(text, limits);
  if (!doc.ok()) {
    return doc.status().with_context(context);
  }
  xml::Element root = doc->root();
  bool group = root.is(kMetadataNs, "EntitiesDescriptor");
  if (!group && !root.is(kMetadataNs, "EntityDescriptor")) {
    return Status::invalid_argument(context +
                                    ": the root is not md:EntitiesDescriptor or md:EntityDescriptor");
  }

  // The signature is checked before anything else is read, and everything below is read
  // from this same verified root, so no unsigned element can be substituted.
  Status verified = verify_with_any(*doc, root, keys);
  if (!verified.ok()) {
    return verified.with_context(context);
  }

  VerifiedMetadata result;
  auto valid_until = read_valid_until(root);
  if (!valid_until.ok()) {
    return valid_until.status().with_context(context);
  }
  result.valid_until = *valid_until;
  if (result.valid_until.has_value() && *result.valid_until <= now) {
    return Status::failed_precondition(context + ": validUntil " +
                                       format_instant(*result.valid_until) + " has passed");
  }

  EntityWalk walk{now, label, &result, {}};
  if (group) {
    walk_entities(root, walk, 0);
  } else {
    add_entity(root, walk);
  }
  return result;
}

std::string_view refresh_outcome_name(RefreshOutcome outcome) {
  switch (outcome) {
    case RefreshOutcome::kUpdated:
      return "updated";
    case RefreshOutcome::kUnchanged:
      return "unchanged";
    case RefreshOutcome::kFetchFailed:
      return "fetch_failed";
    case RefreshOutcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

MetadataSource::MetadataSource(MetadataSourceSettings settings, MetadataFetcher fetcher,
                               Clock clock)
    : settings_(std::move(settings)), fetcher_(std::move(fetcher)), clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] { return std::chrono::system_clock::now(); };
  }
}

Status MetadataSource::load_cache() {
  std::error_code ec;
  auto modified = fs::last_write_time(settings_.cache_file, ec);
  if (ec) {
    return Status::not_found("no cached copy at " + settings_.cache_file.string());
  }
  std::ifstream in(settings_.cache_file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof()) {
    return Status::io_error("cannot read " + settings_.cache_file.string());
  }

  auto fetched_at = std::chrono::file_clock::to_sys(modified);
  return accept(text, std::chrono::time_point_cast<TimePoint::duration>(fetched_at))
      .with_context("cached copy " + settings_.cache_file.string());
}

RefreshOutcome MetadataSource::refresh() {
  auto logger = log::get("federation");
  auto record = [this](RefreshOutcome outcome) {
    outcomes_[static_cast<int>(outcome)].fetch_add(1, std::memory_order_relaxed);
    return outcome;
  };

  Result<std::string> text = fetcher_(settings_.url);
  if (!text.ok()) {
    logger->warn("saml metadata source={} outcome=fetch_failed keeping={} error=\"{}\"",
                 settings_.name, service_providers().size(), text.status().to_string());
    return record(RefreshOutcome::kFetchFailed);
  }
  bool changed = true;
  {
    std::lock_guard lock(mutex_);
    changed = !fetched_at_.has_value() || *text != current_text_;
  }

  // Unchanged bytes are verified again too, because their validUntil may have passed.
  Status accepted = accept(*text, clock_());
  if (!accepted.ok()) {
    logger->error("saml metadata source={} outcome=rejected keeping={} error=\"{}\"",
                  settings_.name, service_providers().size(), accepted.to_string());
    return record(RefreshOutcome::kRejected);
  }
  if (!changed) {
    // The file's modification time is the fetch time that the next start-up reads.
    std::error_code ignored;
    fs::last_write_time(settings_.cache_file, std::chrono::file_clock::from_sys(clock_()), ignored);
    return record(RefreshOutcome::kUnchanged);
  }
  Status written = write_cache(*text);
  if (!written.ok()) {
    logger->error("saml metadata source={} cannot write its cache: {}", settings_.name,
                  written.to_string());
  }
  logger->info("saml metadata source={} outcome=updated service_providers={} skipped={}",
               settings_.name, service_providers().size(), current_.skipped_entities);
  return record(RefreshOutcome::kUpdated);
}

Status MetadataSource::accept(const std::string& text, TimePoint fetched_at) {
  auto verified =
      verify_metadata(text, settings_.signing_keys, clock_(), settings_.name, settings_.max_bytes);
  if (!verified.ok()) {
    return verified.status();
  }
  std::lock_guard lock(mutex_);
  current_text_ = text;
  current_ = std::move(verified).value();
  fetched_at_ = fetched_at;
  return Status::ok_status();
}

Status MetadataSource::write_cache(const std::string& text) const {
  std::error_code ec;
  fs::create_directories(settings_.cache_file.parent_path(), ec);
  fs::path temporary = settings_.cache_file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      return Status::io_error("cannot write " + temporary.string());
    }
  }
  fs::last_write_time(temporary, std::chrono::file_clock::from_sys(clock_()), ec);
  fs::rename(temporary, settings_.cache_file, ec);
  if (ec) {
    return Status::io_error("cannot rename " + temporary.string() + ": " + ec.message());
  }
  return Status::ok_status();
}

std::vector<ServiceProvider> MetadataSource::service_providers() const {
  TimePoint now = clock_();
  std::lock_guard lock(mutex_);
  if (!fetched_at_.has_value() || now - *fetched_at_ > settings_.max_cache_age) {
    return {};
  }
  if (current_.valid_until.has_value() && *current_.valid_until <= now) {
    return {};
  }
  return current_.service_providers;
}

std::optional<std::int64_t> MetadataSource::age_seconds() const {
  TimePoint now = clock_();
  std::lock_guard lock(mutex_);
  if (!fetched_at_.has_value()) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(now - *fetched_at_).count();
}

std::uint64_t MetadataSource::refresh_count(RefreshOutcome outcome) const {
  return outcomes_[static_cast<int>(outcome)].load(std::memory_order_relaxed);
}

}  // namespace careid::federation::saml
