// A search request with its controls: assertion (RFC 4528), server-side sort (RFC 2891)
// and simple paged results (RFC 2696), on top of engine::Directory::search.
//
// Paging keeps state per connection in PagedSearches, which the session owns and passes
// to every search. The first page runs the whole search (sorted when asked) and keeps the
// results in memory; later pages hand out the rest. Each page gets a new random cookie, so
// a cookie works once and only on the connection that received it.
// TODO: page by a stored id list instead of whole entries, so that a large export needs
// less memory; today a paged or sorted search over PagedSearchLimits::max_entries results
// gets adminLimitExceeded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "directory/engine/directory.h"
#include "directory/protocol/messages.h"
#include "directory/server/request_controls.h"

namespace careid::directory::server {

struct PagedSearchLimits {
  // Paged searches one connection may keep open; starting one more drops the oldest, whose
  // cookie then gets unwillingToPerform.
  std::size_t max_searches = 4;
  // Results one paged or sorted search may hold in memory.
  std::size_t max_entries = 100000;
};

// The open paged searches of one connection, by cookie. Thread-safe, because operations of
// one connection may run on several worker threads at once.
class PagedSearches {
 public:
  explicit PagedSearches(PagedSearchLimits limits = {}) : limits_(limits) {}

  const PagedSearchLimits& limits() const { return limits_; }

  // The results of one search not yet sent, with the result its last page ends with.
  struct Pending {
    protocol::SearchRequest request;  // to check that later pages repeat the same search
    std::vector<protocol::Control> request_controls;  // all but the paged control
    std::vector<protocol::SearchResultEntry> entries;
    std::size_t next = 0;
    protocol::LdapResult final_result;
    std::optional<protocol::Control> sort_response;
  };

  // Stores `pending` and returns its new cookie.
  std::string put(Pending pending);
  // Removes and returns the search stored under `cookie`, or std::nullopt.
  std::optional<Pending> take(const std::string& cookie);
  // Open searches, for tests and limits.
  std::size_t size() const;

 private:
  PagedSearchLimits limits_;
  mutable std::mutex mutex_;
  std::uint64_t sequence_ = 0;
  // cookie -> (insertion sequence, search)
  std::map<std::string, std::pair<std::uint64_t, Pending>> searches_;
};

struct SearchOutcome {
  protocol::LdapResult result;
  std::vector<protocol::Control> controls;  // response controls of the SearchResultDone
};

// Runs a SearchRequest with its controls and passes each entry to `sink`. Blocking: run it
// on a worker thread. Returns the SearchResultDone's result and response controls: the
// paged results control on every paged response and the sort result control whenever the
// request had a sort control. A critical sort control that cannot be honoured gives
// unavailableCriticalExtension with no entries (RFC 2891 1.2).
SearchOutcome run_search(engine::Directory& directory, const protocol::Request& request,
                         const engine::Identity& identity, const engine::EntrySink& sink, PagedSearches& paged);

}  // namespace careid::directory::server
