#include "directory/server/operations.h"
#include "directory/server/search_operation.h"
#include "tests/directory/engine/operations_fixture.h"

namespace {

using careid::directory::ResultCode;
using careid::directory::engine::testing::OperationsFixture;
namespace protocol = careid::directory::protocol;
namespace server = careid::directory::server;

protocol::Request paged_request(std::int32_t size, std::string cookie) {
  protocol::SearchRequest search;
  search.base_object = "o=nhs";
  search.scope = protocol::SearchScope::kWholeSubtree;
  search.filter = *protocol::parse_filter("(objectClass=*)");
  protocol::Request request{7, search, {}};
  request.controls.push_back({std::string(protocol::kPagedResultsOid), true,
                              protocol::encode_paged_results({size, std::move(cookie)})});
  return request;
}

struct Page {
  std::vector<std::string> names;
  server::SearchOutcome outcome;
  std::optional<protocol::PagedResults> paged;
};

Page run_page(OperationsFixture& f, const protocol::Request& request, server::PagedSearches& searches) {
  Page page;
  page.outcome = server::run_search(*f.directory, request, f.root, [&](protocol::SearchResultEntry&& entry) {
    page.names.push_back(entry.object_name);
    return true;
  }, searches);
  const protocol::Control* control = protocol::find_control(page.outcome.controls, protocol::kPagedResultsOid);
  if (control != nullptr) {
    page.paged = *protocol::decode_paged_results(control->value.value_or(""));
  }
  return page;
}

}  // namespace

TEST_CASE("paged search walks every page", "[directory][server][paged]") {
  OperationsFixture f;
  server::PagedSearches searches;
  std::vector<std::string> all;
  std::string cookie;
  int pages = 0;
  do {
    Page page = run_page(f, paged_request(3, cookie), searches);
    REQUIRE(page.outcome.result.result_code == ResultCode::kSuccess);
    REQUIRE(page.paged.has_value());
    CHECK(page.names.size() <= 3);
    all.insert(all.end(), page.names.begin(), page.names.end());
    cookie = page.paged->cookie;
    ++pages;
  } while (!cookie.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(all.size() == 8);
  CHECK(searches.size() == 0);
}

TEST_CASE("paged cookie works once", "[directory][server][paged]") {
  OperationsFixture f;
  server::PagedSearches searches;
  Page first = run_page(f, paged_request(2, ""), searches);
  REQUIRE(first.paged.has_value());
  const std::string cookie = first.paged->cookie;
  REQUIRE_FALSE(cookie.empty());

  Page second = run_page(f, paged_request(2, cookie), searches);
  CHECK(second.outcome.result.result_code == ResultCode::kSuccess);
  Page replay = run_page(f, paged_request(2, cookie), searches);
  CHECK(replay.outcome.result.result_code == ResultCode::kUnwillingToPerform);

  server::PagedSearches other_connection;
  Page foreign = run_page(f, paged_request(2, second.paged->cookie), other_connection);
  CHECK(foreign.outcome.result.result_code == ResultCode::kUnwillingToPerform);
}

TEST_CASE("paged size zero abandons search", "[directory][server][paged]") {
  OperationsFixture f;
  server::PagedSearches searches;
  Page first = run_page(f, paged_request(2, ""), searches);
  REQUIRE(searches.size() == 1);
  Page abandon = run_page(f, paged_request(0, first.paged->cookie), searches);
  CHECK(abandon.outcome.result.result_code == ResultCode::kSuccess);
  CHECK(abandon.names.empty());
  REQUIRE(abandon.paged.has_value());
  CHECK(abandon.paged->cookie.empty());
  CHECK(searches.size() == 0);
}

TEST_CASE("paged search must repeat request", "[directory][server][paged]") {
  OperationsFixture f;
  server::PagedSearches searches;
  Page first = run_page(f, paged_request(2, ""), searches);
  protocol::Request changed = paged_request(2, first.paged->cookie);
  std::get<protocol::SearchRequest>(changed.op).base_object = "ou=People,o=nhs";
  Page page = run_page(f, changed, searches);
  CHECK(page.outcome.result.result_code == ResultCode::kUnwillingToPerform);
}

TEST_CASE("critical sort on bad key rejects", "[directory][server][sort]") {
  OperationsFixture f;
  server::PagedSearches searches;
  protocol::Request request = paged_request(2, "");
  request.controls = {{std::string(protocol::kSortRequestOid), true,
                       protocol::encode_sort_request({{"noSuchType", std::nullopt, false}})}};
  Page page = run_page(f, request, searches);
  CHECK(page.outcome.result.result_code == ResultCode::kUnavailableCriticalExtension);
  CHECK(page.names.empty());
  const protocol::Control* sort = protocol::find_control(page.outcome.controls, protocol::kSortResponseOid);
  REQUIRE(sort != nullptr);
  CHECK(protocol::decode_sort_response(*sort->value)->first == ResultCode::kNoSuchAttribute);

  request.controls.front().criticality = false;
  Page lenient = run_page(f, request, searches);
  CHECK(lenient.outcome.result.result_code == ResultCode::kSuccess);
  CHECK(lenient.names.size() == 8);
}

TEST_CASE("unknown critical control is rejected", "[directory][server][controls]") {
  protocol::Request request{3, protocol::DelRequest{"o=nhs"}, {{"1.2.3.4", true, std::nullopt}}};
  auto rejected = server::check_controls(request);
  REQUIRE(rejected.has_value());
  CHECK(rejected->result_code == ResultCode::kUnavailableCriticalExtension);

  request.controls.front().criticality = false;
  CHECK_FALSE(server::check_controls(request).has_value());

  // A known control on an operation it does not apply to.
  request.controls = {{std::string(protocol::kPagedResultsOid), true, protocol::encode_paged_results({1, ""})}};
  CHECK(server::check_controls(request).has_value());

  request.controls = {{std::string(protocol::kPreReadOid), false, std::string("\x30\x03", 2)}};
  auto malformed = server::check_controls(request);
  REQUIRE(malformed.has_value());
  CHECK(malformed->result_code == ResultCode::kProtocolError);
}

TEST_CASE("update controls read and assert", "[directory][server][controls]") {
  OperationsFixture f;
  protocol::ModifyRequest modify{"uid=555000000001,ou=People,o=nhs",
                                 {{protocol::ModifyOperation::kReplace, {"cn", {"Dr Demo"}}}}};
  protocol::Request request{4, modify, {}};
  request.controls = {{std::string(protocol::kAssertionOid), true, {}}};
  {
    careid::directory::ber::Writer writer;
    protocol::encode_filter(*protocol::parse_filter("(cn=Nobody)"), writer);
    request.controls.front().value = writer.finish();
  }
  auto failed = server::execute(*f.directory, request, f.root);
  CHECK(std::get<protocol::ModifyResponse>(failed.response).result.result_code == ResultCode::kAssertionFailed);

  request.controls = {{std::string(protocol::kPreReadOid), false, protocol::encode_attribute_selection({"cn"})},
                      {std::string(protocol::kPostReadOid), false, protocol::encode_attribute_selection({"cn"})}};
  auto done = server::execute(*f.directory, request, f.root);
  REQUIRE(std::get<protocol::ModifyResponse>(done.response).result.result_code == ResultCode::kSuccess);
  REQUIRE(done.controls.size() == 2);
  auto before = protocol::decode_read_entry(*done.controls[0].value);
  auto after = protocol::decode_read_entry(*done.controls[1].value);
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  CHECK(before->attributes.front().values == std::vector<std::string>{"Demo Doctor"});
  CHECK(after->attributes.front().values == std::vector<std::string>{"Dr Demo"});

  protocol::Request rename{5, protocol::ModifyDnRequest{"uid=555000000001,ou=People,o=nhs", "uid=555000000011", true,
                                                         std::nullopt},
                           {{std::string(protocol::kPostReadOid), false, protocol::encode_attribute_selection({"uid"})}}};
  auto renamed = server::execute(*f.directory, rename, f.root);
  REQUIRE(std::get<protocol::ModifyDnResponse>(renamed.response).result.result_code == ResultCode::kSuccess);
  REQUIRE(renamed.controls.size() == 1);
  CHECK(protocol::decode_read_entry(*renamed.controls[0].value)->object_name == "uid=555000000011,ou=People,o=nhs");
}

TEST_CASE("password modify extended operation", "[directory][server][password]") {
  OperationsFixture f;
  protocol::ExtendedRequest extended{std::string(protocol::kPasswordModifyOid),
                                     protocol::encode_password_modify({"uid=555000000003,ou=People,o=nhs",
                                                                       std::nullopt, std::nullopt})};
  auto outcome = server::execute(*f.directory, protocol::Request{6, extended, {}}, f.root);
  const auto& response = std::get<protocol::ExtendedResponse>(outcome.response);
  REQUIRE(response.result.result_code == ResultCode::kSuccess);
  REQUIRE(response.response_value.has_value());
  auto generated = protocol::decode_password_modify_response(*response.response_value);
  REQUIRE(generated.ok());
  REQUIRE(generated->has_value());
  careid::directory::engine::Identity bound;
  CHECK(f.directory->bind_simple("uid=555000000003,ou=People,o=nhs", **generated, bound).result_code ==
        ResultCode::kSuccess);

  extended.request_value = std::string("\x30\x03\x80\x05x", 5);
  auto malformed = server::execute(*f.directory, protocol::Request{7, extended, {}}, f.root);
  CHECK(std::get<protocol::ExtendedResponse>(malformed.response).result.result_code == ResultCode::kProtocolError);
}
