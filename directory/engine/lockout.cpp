#include "directory/engine/lockout.h"

#include <ctime>

#include "base/log.h"
#include "directory/engine/naming.h"

namespace careid::directory::engine {
namespace {

constexpr std::string_view kFailureTime = "pwdFailureTime";
constexpr std::string_view kLockedTime = "pwdAccountLockedTime";

// Parses the GeneralizedTime values this file writes (YYYYMMDDHHMMSSZ); others are ignored.
std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text) {
  if (text.size() != 15 || text.back() != 'Z') {
    return std::nullopt;
  }
  std::tm parts{};
  try {
    parts.tm_year = std::stoi(std::string(text.substr(0, 4))) - 1900;
    parts.tm_mon = std::stoi(std::string(text.substr(4, 2))) - 1;
    parts.tm_mday = std::stoi(std::string(text.substr(6, 2)));
    parts.tm_hour = std::stoi(std::string(text.substr(8, 2)));
    parts.tm_min = std::stoi(std::string(text.substr(10, 2)));
    parts.tm_sec = std::stoi(std::string(text.substr(12, 2)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

void remove_attribute(Entry& entry, std::string_view name) {
  std::erase_if(entry.attributes, [&](const Attribute& attribute) { return equals_ignore_case(attribute.description, name); });
}

Status replace_entry(const schema::Schema& schema, storage::EntryStore& store, storage::WriteTransaction& txn,
                     storage::EntryId id, const Entry& entry) {
  Status replaced = txn.replace(id, entry, index_keys(schema, store, entry));
  return replaced.ok() ? txn.commit() : replaced;
}

}  // namespace

std::string generalized_time_utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%d%H%M%SZ", &parts);
  return text;
}

std::optional<std::chrono::system_clock::time_point> locked_until(const Entry& entry, const DirectoryOptions& options,
                                                                  std::chrono::system_clock::time_point now) {
  if (options.lockout_failures == 0) {
    return std::nullopt;
  }
  auto locked = parse_time(entry.first_value(kLockedTime));
  if (!locked.has_value()) {
    return std::nullopt;
  }
  const auto until = *locked + std::chrono::seconds(options.lockout_seconds);
  return until > now ? std::optional(until) : std::nullopt;
}

std::optional<std::chrono::system_clock::time_point> record_bind_failure(
    const schema::Schema& schema, storage::EntryStore& store, const DirectoryOptions& options,
    std::string_view normalised_dn, std::chrono::system_clock::time_point now) {
  if (options.lockout_failures == 0) {
    return std::nullopt;
  }
  auto txn = store.begin_write();
  auto id = txn.ok() ? txn->find_id(normalised_dn) : Result<storage::EntryId>(txn.status());
  auto entry = id.ok() ? txn->get(*id) : Result<Entry>(id.status());
  if (!entry.ok()) {
    log::get("directory")->warn("bind failure not recorded dn={}: {}", normalised_dn, entry.status().to_string());
    return std::nullopt;
  }

  // Keep the failures inside the window, then add this one.
  const auto window_start = now - std::chrono::seconds(options.lockout_seconds);
  std::vector<std::string> recent;
  if (const Attribute* failures = entry->find(kFailureTime)) {
    for (const std::string& value : failures->values) {
      auto time = parse_time(value);
      if (time.has_value() && *time > window_start) {
        recent.push_back(value);
      }
    }
  }
  std::string stamp = generalized_time_utc(now);
  // GeneralizedTime has whole seconds here, so failures within one second share a value;
  // a suffix keeps them distinct for the count.
  // TODO: use fractional seconds (RFC 4517 3.3.13) instead of counting duplicates this way.
  while (std::find(recent.begin(), recent.end(), stamp) != recent.end()) {
    now += std::chrono::seconds(1);
    stamp = generalized_time_utc(now);
  }
  recent.push_back(stamp);

  remove_attribute(*entry, kFailureTime);
  entry->attributes.push_back(Attribute{std::string(kFailureTime), recent});
  std::optional<std::chrono::system_clock::time_point> locked;
  if (recent.size() >= options.lockout_failures && !locked_until(*entry, options, now).has_value()) {
    remove_attribute(*entry, kLockedTime);
    entry->add_value(kLockedTime, stamp);
    locked = now + std::chrono::seconds(options.lockout_seconds);
  }
  Status stored = replace_entry(schema, store, *txn, *id, *entry);
  if (!stored.ok()) {
    log::get("directory")->warn("bind failure not recorded dn={}: {}", normalised_dn, stored.to_string());
    return std::nullopt;
  }
  return locked;
}

bool has_bind_failures(const Entry& entry) {
  return entry.find(kFailureTime) != nullptr || entry.find(kLockedTime) != nullptr;
}

void clear_bind_failures(const schema::Schema& schema, storage::EntryStore& store, const Entry& entry,
                         std::string_view normalised_dn) {
  if (!has_bind_failures(entry)) {
    return;
  }
  auto txn = store.begin_write();
  auto id = txn.ok() ? txn->find_id(normalised_dn) : Result<storage::EntryId>(txn.status());
  auto stored = id.ok() ? txn->get(*id) : Result<Entry>(id.status());
  if (!stored.ok()) {
    return;
  }
  remove_attribute(*stored, kFailureTime);
  remove_attribute(*stored, kLockedTime);  // an expired lock
  Status replaced = replace_entry(schema, store, *txn, *id, *stored);
  if (!replaced.ok()) {
    log::get("directory")->warn("clearing bind failures failed dn={}: {}", normalised_dn, replaced.to_string());
  }
}

}  // namespace careid::directory::engine
