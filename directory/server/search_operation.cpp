#include "directory/server/search_operation.h"

#include "directory/engine/naming.h"
#include "pki/digest.h"

namespace careid::directory::server {
namespace {

using engine::ldap_result;
using protocol::Control;
using protocol::LdapResult;

constexpr std::size_t kCookieBytes = 16;

Control paged_response(std::int32_t size, std::string cookie) {
  return Control{std::string(protocol::kPagedResultsOid), false,
                 protocol::encode_paged_results({size, std::move(cookie)})};
}

Control sort_response(ResultCode code, const std::string& attribute) {
  return Control{std::string(protocol::kSortResponseOid), false, protocol::encode_sort_response(code, attribute)};
}

std::vector<Control> without_paged(const std::vector<Control>& controls) {
  std::vector<Control> kept;
  for (const Control& control : controls) {
    if (control.type != protocol::kPagedResultsOid) {
      kept.push_back(control);
    }
  }
  return kept;
}

// RFC 4528 3: a search with an assertion runs only when the base entry matches it, under
// the access rules of a search by `identity`. A missing or invalid base, or one the
// identity may not see, is left to the search, which reports it as missing.
std::optional<LdapResult> check_assertion(const engine::Directory& directory, const protocol::SearchRequest& search,
                                          const protocol::Filter& assertion, const engine::Identity& identity) {
  auto base = directory.read_entry(search.base_object);
  if (!base.ok() || !base->has_value()) {
    return std::nullopt;
  }
  if (directory.check_assertion(assertion, **base, identity) == engine::Directory::AssertionOutcome::kFails) {
    return ldap_result(ResultCode::kAssertionFailed, "the base entry does not match the assertion control");
  }
  return std::nullopt;
}

// Runs the whole search into memory (sorted when asked) and returns what paging or
// sorting serves from, or the outcome to send at once.
Result<PagedSearches::Pending, SearchOutcome> collect(engine::Directory& directory, const protocol::Request& request,
                                                      const RequestControls& controls,
                                                      const engine::Identity& identity, std::size_t max_entries) {
  const auto& search = std::get<protocol::SearchRequest>(request.op);
  const std::vector<protocol::SortKey> keys = controls.sort.value_or(std::vector<protocol::SortKey>{});
  engine::CollectedSearch collected = directory.search_collected(search, identity, keys, max_entries);

  PagedSearches::Pending pending;
  if (collected.sort_result.has_value()) {
    pending.sort_response = sort_response(*collected.sort_result, collected.sort_attribute);
    if (controls.sort_critical && *collected.sort_result != ResultCode::kSuccess) {
      LdapResult rejected = ldap_result(ResultCode::kUnavailableCriticalExtension,
                                        "cannot sort by '" + collected.sort_attribute + "': " +
                                            std::string(result_code_name(*collected.sort_result)));
      return SearchOutcome{std::move(rejected), {*pending.sort_response}};
    }
  }
  const ResultCode code = collected.result.result_code;
  if (code != ResultCode::kSuccess && code != ResultCode::kSizeLimitExceeded && code != ResultCode::kTimeLimitExceeded) {
    SearchOutcome failed{std::move(collected.result), {}};
    if (pending.sort_response.has_value()) {
      failed.controls.push_back(*pending.sort_response);
    }
    return failed;
  }
  pending.request = search;
  pending.request_controls = without_paged(request.controls);
  pending.entries = std::move(collected.entries);
  pending.final_result = std::move(collected.result);
  return pending;
}

// Sends up to `page_size` entries (all when 0) and either stores the rest under a new
// cookie or ends the search.
SearchOutcome serve_page(PagedSearches::Pending pending, std::size_t page_size, bool paged,
                         const engine::EntrySink& sink, PagedSearches& searches) {
  const std::size_t total = pending.entries.size();
  const std::size_t end = page_size == 0 ? total : std::min(total, pending.next + page_size);
  for (; pending.next < end; ++pending.next) {
    if (!sink(std::move(pending.entries[pending.next]))) {
      return SearchOutcome{ldap_result(ResultCode::kCanceled), {}};
    }
  }

  SearchOutcome outcome;
  if (pending.sort_response.has_value()) {
    outcome.controls.push_back(*pending.sort_response);
  }
  if (pending.next < total) {
    outcome.result = ldap_result(ResultCode::kSuccess);
    const auto estimate = static_cast<std::int32_t>(std::min<std::size_t>(total, protocol::kMaxInt));
    outcome.controls.push_back(paged_response(estimate, searches.put(std::move(pending))));
    return outcome;
  }
  outcome.result = std::move(pending.final_result);
  if (paged) {
    outcome.controls.push_back(paged_response(0, {}));
  }
  return outcome;
}

SearchOutcome continue_paged(const protocol::Request& request, const protocol::PagedResults& paged,
                             const engine::EntrySink& sink, PagedSearches& searches) {
  auto pending = searches.take(paged.cookie);
  if (!pending.has_value()) {
    return SearchOutcome{ldap_result(ResultCode::kUnwillingToPerform,
                                     "unknown or expired paged results cookie; start the search again"),
                         {}};
  }
  // RFC 2696 3: a size of 0 abandons the paged search.
  if (paged.size == 0) {
    return SearchOutcome{ldap_result(ResultCode::kSuccess), {paged_response(0, {})}};
  }
  const auto& search = std::get<protocol::SearchRequest>(request.op);
  if (!(pending->request == search) || pending->request_controls != without_paged(request.controls)) {
    return SearchOutcome{ldap_result(ResultCode::kUnwillingToPerform,
                                     "a paged results cookie must come with the same search request and controls"),
                         {}};
  }
  return serve_page(std::move(*pending), static_cast<std::size_t>(paged.size), true, sink, searches);
}

}  // namespace

std::string PagedSearches::put(Pending pending) {
  auto random = pki::random_bytes(kCookieBytes);
  std::lock_guard lock(mutex_);
  std::string cookie = "seq-" + std::to_string(sequence_);  // unique per connection if the generator fails
  if (random.ok()) {
    cookie.assign(random->begin(), random->end());
  }
  while (searches_.size() >= limits_.max_searches) {
    auto oldest = std::min_element(searches_.begin(), searches_.end(),
                                   [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
    searches_.erase(oldest);
  }
  searches_.emplace(cookie, std::make_pair(sequence_++, std::move(pending)));
  return cookie;
}

std::optional<PagedSearches::Pending> PagedSearches::take(const std::string& cookie) {
  std::lock_guard lock(mutex_);
  auto found = searches_.find(cookie);
  if (found == searches_.end()) {
    return std::nullopt;
  }
  Pending pending = std::move(found->second.second);
  searches_.erase(found);
  return pending;
}

std::size_t PagedSearches::size() const {
  std::lock_guard lock(mutex_);
  return searches_.size();
}

SearchOutcome run_search(engine::Directory& directory, const protocol::Request& request,
                         const engine::Identity& identity, const engine::EntrySink& sink, PagedSearches& paged) {
  auto controls = decode_request_controls(request);
  if (!controls.ok()) {
    return SearchOutcome{controls.error(), {}};
  }
  const auto& search = std::get<protocol::SearchRequest>(request.op);
  if (controls->assertion.has_value()) {
    if (auto failed = check_assertion(directory, search, *controls->assertion, identity)) {
      return SearchOutcome{std::move(*failed), {}};
    }
  }
  if (!controls->paged.has_value() && !controls->sort.has_value()) {
    return SearchOutcome{directory.search(search, identity, sink), {}};
  }
  if (controls->paged.has_value() && !controls->paged->cookie.empty()) {
    return continue_paged(request, *controls->paged, sink, paged);
  }
  if (controls->paged.has_value() && controls->paged->size == 0) {
    return SearchOutcome{ldap_result(ResultCode::kSuccess), {paged_response(0, {})}};
  }

  auto pending = collect(directory, request, *controls, identity, paged.limits().max_entries);
  if (!pending.ok()) {
    return std::move(pending.error());
  }
  const std::size_t page_size = controls->paged.has_value() ? static_cast<std::size_t>(controls->paged->size) : 0;
  return serve_page(std::move(*pending), page_size, controls->paged.has_value(), sink, paged);
}

}  // namespace careid::directory::server
