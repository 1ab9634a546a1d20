// Operations that run on the reader coroutine, on the connection thread, because they cost less
// than the hand-off to a worker thread and back: searches that read few entries. Binds
// take the same path in Session::bind.
#include "directory/server/ldap_server.h"
#include "directory/server/session.h"
#include "directory/server/session_encoding.h"

namespace careid::directory::server {

// Runs a search without controls when engine::Directory::search_if_cheap accepts it, and
// returns its encoded entries and SearchResultDone. Returns std::nullopt, having sent and
// recorded nothing, when the search must run on a worker: it has controls (paging, sorting
// and assertions need the worker path), ldap.inline_max_candidates is 0, or the search
// reads more entries than that.
std::optional<std::string> Session::search_inline(const protocol::Request& request) {
  const std::uint32_t max_candidates = server_.config_.inline_max_candidates;
  if (max_candidates == 0 || !request.controls.empty()) {
    return std::nullopt;
  }

  const auto started = std::chrono::steady_clock::now();
  const auto& search = std::get<protocol::SearchRequest>(request.op);
  std::string bytes;
  auto sink = [&bytes, message_id = request.message_id](protocol::SearchResultEntry&& entry) {
    bytes += encode(message_id, std::move(entry));
    return true;
  };
  std::optional<protocol::LdapResult> result =
      server_.directory_.search_if_cheap(search, identity_, sink, max_candidates);
  if (!result.has_value()) {
    return std::nullopt;
  }

  server_.metrics_.record(protocol::OpTag::kSearchRequest, result->result_code,
                          std::chrono::steady_clock::now() - started);
  bytes += encode(request.message_id, protocol::SearchResultDone{std::move(*result)});
  return bytes;
}

}  // namespace careid::directory::server
