// Directory::search and the special entries it serves: the root DSE (RFC 4512 5.1) and
// the subschema subentry (RFC 4512 4.2).
#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "directory/engine/access_checks.h"
#include "directory/engine/attribute_description.h"
#include "directory/engine/attribute_selection.h"
#include "directory/engine/directory.h"
#include "directory/engine/filter_evaluator.h"
#include "directory/engine/naming.h"
#include "directory/engine/search_plan.h"
#include "directory/engine/special_entries.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;
using protocol::SearchRequest;
using protocol::SearchScope;

// Counts returned entries against the effective size limit: the smaller of the client's
// and the server's, where 0 means none (RFC 4511 4.5.1.4).
class SizeLimit {
 public:
  SizeLimit(std::int32_t client, std::uint32_t server) {
    limit_ = client > 0 ? static_cast<std::uint64_t>(client) : 0;
    if (server > 0 && (limit_ == 0 || server < limit_)) {
      limit_ = server;
    }
  }
  bool reached() const { return limit_ != 0 && returned_ >= limit_; }
  std::uint64_t limit() const { return limit_; }
  void count() { ++returned_; }

 private:
  std::uint64_t limit_ = 0;
  std::uint64_t returned_ = 0;
};

// Scopes of at most this many entries are read whole, without the index lists. A person
// with their organisation persons and role profiles (the lookup of every card login) fits,
// and an index list such as objectClass=nhsOrgPersonRole grows with the whole directory.
// NOTE: a person with more than seven role profiles, each below its own organisation
// person, does not fit and takes the index plan, whose cost grows with the directory.
constexpr std::size_t kSmallScopeEntries = 16;

// Returns the sorted ids of the one-level or subtree scope below `base` when it contains at
// most `max_entries` entries, else std::nullopt. A subtree walk stops after max_entries + 1
// entries, so a large scope costs at most that many reads here.
std::optional<std::vector<storage::EntryId>> list_small_scope(const storage::Transaction& txn, storage::EntryId base,
                                                              SearchScope scope, std::size_t max_entries) {
  if (scope == SearchScope::kBaseObject) {
    return std::nullopt;
  }
  // A subtree contains at least the base's children, so a count over the limit rules out
  // both scopes without a walk.
  auto children = txn.child_count(base);
  if (!children.ok() || *children > max_entries) {
    return std::nullopt;
  }

  std::vector<storage::EntryId> ids;
  bool complete = true;
  auto collect = [&](storage::EntryId id) {
    if (ids.size() >= max_entries) {
      complete = false;
      return false;
    }
    ids.push_back(id);
    return true;
  };
  Status walked = scope == SearchScope::kSingleLevel ? txn.for_each_child(base, collect)
                                                     : txn.for_each_in_subtree(base, collect);
  if (!walked.ok() || !complete) {
    return std::nullopt;
  }
  // Id order, which is also the order of plan_candidates' lists.
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Returns whether the subtree of `base` contains every entry, because `base` is the only
// suffix entry.
bool is_whole_store(const storage::Transaction& txn, storage::EntryId base) {
  auto parent = txn.parent_id(base);
  auto suffixes = txn.child_count(storage::kNoParent);
  return parent.ok() && *parent == storage::kNoParent && suffixes.ok() && *suffixes == 1;
}

// Calls `visit` with an entry id and, when the walk has read it, the entry reduced to the
// attributes `filter_reads` selects (else null), until it returns false.
using ScopeVisitor = std::function<bool(storage::EntryId, const Entry*)>;

bool is_child(const storage::Transaction& txn, storage::EntryId id, storage::EntryId base) {
  auto parent = txn.parent_id(id);
  return parent.ok() && *parent == base;
}

// Returns whether `id` or an ancestor is in `inside` (the subtree's base and ancestors found
// earlier). On a match, adds the entries walked through to `inside`.
bool is_in_subtree(const storage::Transaction& txn, storage::EntryId id,
                   std::unordered_set<storage::EntryId>& inside) {
  std::vector<storage::EntryId> walked;
  for (storage::EntryId up = id; up != storage::kNoParent;) {
    if (inside.contains(up)) {
      inside.insert(walked.begin(), walked.end());
      return true;
    }
    walked.push_back(up);
    auto next = txn.parent_id(up);
    up = next.ok() ? *next : storage::kNoParent;
  }
  return false;
}

// Walks the scope below `base`, or the planned candidates filtered to the scope, and calls
// `visit` for each id until it returns false. A subtree that contains every entry is
// walked in id order, reading each record once, which costs less than the child lists.
Status for_each_in_scope(const storage::Transaction& txn, storage::EntryId base, SearchScope scope,
                         const std::optional<std::vector<storage::EntryId>>& candidates,
                         const storage::AttributeSelector& filter_reads, const ScopeVisitor& visit_read) {
  auto visit = [&](storage::EntryId id) { return visit_read(id, nullptr); };
  if (scope == SearchScope::kBaseObject) {
    visit(base);
    return Status::ok_status();
  }
  if (!candidates.has_value()) {
    if (scope == SearchScope::kSingleLevel) {
      return txn.for_each_child(base, visit);
    }
    if (is_whole_store(txn, base)) {
      return txn.for_each_entry(filter_reads, [&](storage::EntryId id, const Result<Entry>& filtered) {
        return !filtered.ok() || visit_read(id, &*filtered);
      });
    }
    return txn.for_each_in_subtree(base, visit);
  }

  // When the index gives more candidates than the base has children, walking the children
  // reads fewer records than looking up each candidate's parent.
  if (scope == SearchScope::kSingleLevel) {
    auto children = txn.child_count(base);
    if (children.ok() && *children < candidates->size()) {
      return txn.for_each_child(base, [&](storage::EntryId id) {
        return !std::binary_search(candidates->begin(), candidates->end(), id) || visit(id);
      });
    }
  }

  // Every stored entry is below the only suffix, so the candidates need no scope check.
  if (scope == SearchScope::kWholeSubtree && is_whole_store(txn, base)) {
    for (storage::EntryId id : *candidates) {
      if (!visit(id)) {
        break;
      }
    }
    return Status::ok_status();
  }

  // Candidates often share parents (ou=People), so the walk up stops at the first ancestor
  // already found inside the subtree.
  std::unordered_set<storage::EntryId> inside = {base};
  for (storage::EntryId id : *candidates) {
    if (scope == SearchScope::kWholeSubtree ? is_in_subtree(txn, id, inside) : is_child(txn, id, base)) {
      if (!visit(id)) {
        break;
      }
    }
  }
  return Status::ok_status();
}

// The time limit of one search (RFC 4511 4.5.1.5): the smaller of the client's timeLimit
// and the server's, where 0 means none.
class TimeLimit {
 public:
  TimeLimit(std::int32_t client, std::uint32_t server) {
    std::uint64_t seconds = client > 0 ? static_cast<std::uint64_t>(client) : 0;
    if (server > 0 && (seconds == 0 || server < seconds)) {
      seconds = server;
    }
    if (seconds > 0) {
      deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    }
  }
  bool expired() const { return deadline_.has_value() && std::chrono::steady_clock::now() >= *deadline_; }

 private:
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

// Counts how many of the entries read so far matched the filter. Reading only the filter's
// attributes first saves decoding the entries that fail, but costs a second decode for each
// entry that matches. The candidates of an index plan mostly match, so once more than half
// of at least kMinimum have, each entry is read whole at once.
class MatchRate {
 public:
  void count(bool matched) {
    ++read_;
    matched_ += matched ? 1 : 0;
  }
  bool mostly_matching() const { return read_ >= kMinimum && 2 * matched_ > read_; }

 private:
  static constexpr std::uint64_t kMinimum = 16;
  std::uint64_t read_ = 0;
  std::uint64_t matched_ = 0;
};

// A search reads few entries when its scope is the base, fits in a small scope, or its
// index plan names at most `max_candidates` ids.
bool is_cheap_plan(SearchScope scope, const std::optional<std::vector<storage::EntryId>>& scope_ids,
                   const std::optional<std::vector<storage::EntryId>>& candidates, std::size_t max_candidates) {
  if (scope == SearchScope::kBaseObject || scope_ids.has_value()) {
    return true;
  }
  return candidates.has_value() && candidates->size() <= max_candidates;
}

}  // namespace

LdapResult Directory::search(const SearchRequest& request, const Identity& identity,
                             const EntrySink& sink) const {
  return *search_bounded(request, identity, sink, std::nullopt);
}

std::optional<LdapResult> Directory::search_if_cheap(const SearchRequest& request, const Identity& identity,
                                                     const EntrySink& sink, std::size_t max_candidates) const {
  return search_bounded(request, identity, sink, max_candidates);
}

std::optional<LdapResult> Directory::search_bounded(const SearchRequest& request, const Identity& identity,
                                                    const EntrySink& sink,
                                                    std::optional<std::size_t> max_candidates) const {
  const Selection selection = parse_selection(request.attributes);
  FilterEvaluator evaluator(*schema_);

  if (auto special = special_entry(*schema_, options_, request.base_object, request.scope)) {
    if (evaluator.evaluate(request.filter, *special) == Truth::kTrue) {
      sink(select_attributes(*schema_, *special, {}, selection, request.types_only, false));
    }
    return ldap_result(ResultCode::kSuccess);
  }

  auto base = name_dn(*schema_, request.base_object);
  if (!base.ok()) {
    return base.error();
  }
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return storage_failure(txn.status());
  }
  auto base_id = txn->find_id(base->normalised);
  if (!base_id.ok()) {
    return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + request.base_object + "'",
                       matched_dn(*schema_, *txn, base->dn));
  }
  const AccessGuard guard(*schema_, options_.access_policy.get(), identity, *txn);
  if (guard.active()) {
    // A base the caller may not know of looks missing, with no matchedDN to probe with.
    auto base_entry = txn->get(*base_id);
    if (!base_entry.ok() ||
        !guard.allows(guard.target(*txn, *base_id, *base_entry, base->normalised), access::kEntryAttribute,
                      access::kDisclose)) {
      return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + request.base_object + "'");
    }
  }

  // The index estimate counts lists without reading them. A subtree walk reads up to 17
  // entries before it can tell whether the scope is small, so a filter that the index narrows
  // to as few entries (uid=...) skips the walk.
  std::optional<std::optional<std::uint64_t>> estimated;
  auto estimate = [&] {
    if (!estimated.has_value()) {
      estimated = estimate_candidates(request.filter, *schema_, *store_, *txn);
    }
    return *estimated;
  };
  const bool narrow_filter = request.scope == SearchScope::kWholeSubtree && estimate().has_value() &&
                             *estimate() <= kSmallScopeEntries;
  std::optional<std::vector<storage::EntryId>> scope_ids;
  if (!narrow_filter) {
    scope_ids = list_small_scope(*txn, *base_id, request.scope, kSmallScopeEntries);
  }
  std::optional<std::vector<storage::EntryId>> candidates;
  if (!scope_ids.has_value()) {
    if (max_candidates.has_value() && request.scope != SearchScope::kBaseObject &&
        (!estimate().has_value() || *estimate() > *max_candidates)) {
      return std::nullopt;
    }
    candidates = plan_candidates(request.filter, *schema_, *store_, *txn);
  }
  if (max_candidates.has_value() && !is_cheap_plan(request.scope, scope_ids, candidates, *max_candidates)) {
    return std::nullopt;
  }
  SizeLimit size_limit(request.size_limit, identity.is_root ? 0 : options_.size_limit);
  TimeLimit time_limit(request.time_limit, identity.is_root ? 0 : options_.time_limit_seconds);
  LdapResult result = ldap_result(ResultCode::kSuccess);
  bool stopped = false;
  const FilterAttributes filter_attributes(*schema_, request.filter);
  const storage::AttributeSelector read_by_filter = [&](std::string_view description) {
    return filter_attributes.reads(description);
  };

  const auto matches = [&](const Entry& read) { return evaluator.evaluate(request.filter, read) == Truth::kTrue; };
  MatchRate match_rate;
  // Reads entry `id` and its stored normalised DN when the unrestricted filter matches it.
  // `filtered`, when set, contains the attributes the filter reads.
  auto read_matching = [&](storage::EntryId id, const Entry* filtered,
                           std::string& normalised_dn) -> std::optional<Entry> {
    if (filtered != nullptr && !matches(*filtered)) {
      return std::nullopt;
    }
    const bool by_filter_first = filtered == nullptr && !scope_ids.has_value();
    if (by_filter_first && !match_rate.mostly_matching()) {
      auto read = txn->get_if(id, read_by_filter, matches, &normalised_dn);
      std::optional<Entry> entry = read.ok() ? std::move(*read) : std::nullopt;
      match_rate.count(entry.has_value());
      return entry;
    }
    auto read = txn->get(id, &normalised_dn);
    const bool matched = read.ok() && (filtered != nullptr || matches(*read));
    if (by_filter_first) {
      match_rate.count(matched);
    }
    return matched ? std::optional<Entry>(std::move(*read)) : std::nullopt;
  };

  auto visit = [&](storage::EntryId id, const Entry* filtered) {
    if (time_limit.expired()) {
      result = ldap_result(ResultCode::kTimeLimitExceeded, "the search ran past its time limit");
      return false;
    }
    // The access policy can only turn filter items Undefined, and an Undefined operand
    // never makes AND, OR or NOT TRUE where it was not (RFC 4511 4.5.1.7). So an entry
    // that the unrestricted filter does not match is skipped before its access target is
    // built. Outside a small scope, the filter is first evaluated on the attributes it
    // reads, and only a match is decoded whole, from the same record read, until most
    // entries have matched (MatchRate).
    std::string normalised_dn;
    std::optional<Entry> entry = read_matching(id, filtered, normalised_dn);
    if (!entry.has_value()) {
      return true;
    }
    std::optional<access::Target> target;
    if (guard.active()) {
      target = guard.target(*txn, id, *entry, std::move(normalised_dn));
      if (!guard.allows(*target, access::kEntryAttribute, access::kSearch)) {
        return true;
      }
      // The unrestricted filter is TRUE here, so the restricted one differs only when an
      // item's attribute may not be searched.
      FilterEvaluator restricted(*schema_);
      guard.restrict_filter(*target, restricted);
      if (!restricted.searches_every_item(request.filter) && restricted.evaluate(request.filter, *entry) != Truth::kTrue) {
        return true;
      }
    }
    if (size_limit.reached()) {
      result = ldap_result(ResultCode::kSizeLimitExceeded,
                           "size limit of " + std::to_string(size_limit.limit()) +
                               " entries reached; narrow the filter or use the paged results control");
      return false;
    }
    // Without "+" or a named attribute no computed attribute is returned, so none is built.
    std::vector<Attribute> operational;
    if (selection.all_operational || !selection.named.empty()) {
      operational = computed_operational_attributes(*schema_, *entry, *txn, id, selection);
    }
    size_limit.count();
    auto readable = [&](std::string_view description) {
      return !target.has_value() || guard.allows(*target, description, access::kRead);
    };
    protocol::SearchResultEntry selected = take_selected_attributes(
        *schema_, *entry, operational, selection, request.types_only, identity.is_root, readable);
    if (!sink(std::move(selected))) {
      stopped = true;
      return false;
    }
    return true;
  };
  Status walked = Status::ok_status();
  if (scope_ids.has_value()) {
    for (storage::EntryId id : *scope_ids) {
      if (!visit(id, nullptr)) {
        break;
      }
    }
  } else {
    walked = for_each_in_scope(*txn, *base_id, request.scope, candidates, read_by_filter, visit);
  }

  if (!walked.ok()) {
    return storage_failure(walked);
  }
  if (stopped) {
    result.result_code = ResultCode::kCanceled;
  }
  return result;
}

LdapResult Directory::compare(const protocol::CompareRequest& request, const Identity& identity,
                              const protocol::Filter* assertion) const {
  auto wanted = parse_description(*schema_, request.assertion.attribute_desc);
  if (!wanted.ok()) {
    return ldap_result(ResultCode::kUndefinedAttributeType,
                       "attribute type '" + request.assertion.attribute_desc + "' is not defined in the schema");
  }
  if (wanted->type->equality == nullptr ||
      (!identity.is_root && equals_ignore_case(wanted->type->name(), "userPassword"))) {
    return ldap_result(ResultCode::kInappropriateMatching,
                       "attribute '" + wanted->type->name() + "' cannot be compared");
  }
  auto named = name_dn(*schema_, request.entry);
  if (!named.ok()) {
    return named.error();
  }

  // One read transaction for the assertion, the access checks and the comparison.
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return storage_failure(txn.status());
  }
  auto id = txn->find_id(named->normalised);
  auto entry = id.ok() ? txn->get(*id) : Result<Entry>(id.status());
  if (!entry.ok()) {
    return entry.status().code() == StatusCode::kNotFound
               ? ldap_result(ResultCode::kNoSuchObject, "no entry named '" + request.entry + "'",
                             matched_dn(*schema_, *txn, named->dn))
               : storage_failure(entry.status());
  }
  if (assertion != nullptr) {
    if (auto failed = assertion_result(test_assertion(*txn, *assertion, *entry, *id, identity), request.entry)) {
      return *failed;
    }
  }
  if (options_.access_policy != nullptr) {
    const AccessGuard guard(*schema_, options_.access_policy.get(), identity, *txn);
    const access::Target target = guard.target(*txn, *id, *entry);
    if (!guard.allows(target, access::kEntryAttribute, access::kDisclose)) {
      return ldap_result(ResultCode::kNoSuchObject, "no entry named '" + request.entry + "'");
    }
    if (!guard.allows(target, request.assertion.attribute_desc, access::kCompare)) {
      return guard.denied("compare", request.entry, request.assertion.attribute_desc);
    }
  }

  protocol::Filter present = protocol::Filter::make_present(request.assertion.attribute_desc);
  FilterEvaluator evaluator(*schema_);
  if (evaluator.evaluate(present, *entry) != Truth::kTrue) {
    return ldap_result(ResultCode::kNoSuchAttribute,
                       "the entry has no attribute '" + request.assertion.attribute_desc + "'");
  }
  protocol::Filter equality = protocol::Filter::make_assertion(
      protocol::FilterType::kEqualityMatch, request.assertion.attribute_desc, request.assertion.assertion_value);
  bool matched = evaluator.evaluate(equality, *entry) == Truth::kTrue;
  return ldap_result(matched ? ResultCode::kCompareTrue : ResultCode::kCompareFalse);
}

Result<std::optional<Entry>> Directory::read_entry(std::string_view dn) const {
  auto name = name_dn(*schema_, dn);
  if (!name.ok()) {
    return Status::invalid_argument(name.error().diagnostic_message);
  }
  auto txn = store_->begin_read();
  if (!txn.ok()) {
    return txn.status();
  }
  auto id = txn->find_id(name->normalised);
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kNotFound) {
      return std::optional<Entry>();
    }
    return id.status();
  }
  auto entry = txn->get(*id);
  if (!entry.ok()) {
    return entry.status();
  }
  return std::optional<Entry>(std::move(*entry));
}

Result<std::vector<Entry>> Directory::find(std::string_view base, bool one_level, std::string_view filter) const {
  auto parsed = protocol::parse_filter(filter);
  if (!parsed.ok()) {
    return parsed.status();
  }

  SearchRequest request;
  request.base_object = std::string(base);
  request.scope = one_level ? SearchScope::kSingleLevel : SearchScope::kWholeSubtree;
  request.filter = std::move(*parsed);

  std::vector<Entry> found;
  Identity system{options_.root_dn, {}, true};
  LdapResult result = search(request, system, [&](protocol::SearchResultEntry&& item) {
    Entry entry{std::move(item.object_name), {}};
    for (auto& attribute : item.attributes) {
      entry.attributes.push_back(Attribute{std::move(attribute.type), std::move(attribute.values)});
    }
    found.push_back(std::move(entry));
    return true;
  });
  if (result.result_code != ResultCode::kSuccess) {
    return Status::internal("search of '" + std::string(base) + "' failed: " +
                            std::string(result_code_name(result.result_code)) + " " + result.diagnostic_message);
  }
  return found;
}

}  // namespace careid::directory::engine
