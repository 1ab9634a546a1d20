#include "federation/saml/metadata_source.h"

#include <atomic>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "federation/saml/metadata_refresher.h"

#include "tests/federation/saml/saml_test_support.h"

namespace saml = careid::federation::saml;
namespace xml = careid::xml;
using careid::Result;
using careid::Status;
using careid::StatusCode;
using namespace careid::testing;

namespace {

constexpr const char* kMdNs = "urn:oasis:names:tc:SAML:2.0:metadata";
constexpr const char* kFederationSp = "https://sp.federation.example/metadata";
constexpr std::size_t kMaxBytes = 1024 * 1024;

// An idpssodescriptor-only entity, which a metadata source leaves out.
std::string idp_entity() {
  return "<md:EntityDescriptor entityID=\"https://idp.federation.example/\">"
         "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
         "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
         "Location=\"https://idp.federation.example/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
}

std::string sp_entity(const std::string& entity_id, const std::string& acs) {
  return "<md:EntityDescriptor entityID=\"" + entity_id + "\">"
         "<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
         "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
         "Location=\"" + acs + "\" index=\"1\"/></md:SPSSODescriptor></md:EntityDescriptor>";
}

std::string aggregate(const std::string& valid_until = "2026-03-08T00:00:00Z",
                      const std::string& id = "_federation1") {
  return std::string("<md:EntitiesDescriptor xmlns:md=\"") + kMdNs + "\" ID=\"" + id +
         "\" Name=\"test-federation\" validUntil=\"" + valid_until + "\">" + idp_entity() +
         sp_entity(kFederationSp, "https://sp.federation.example/acs") + "</md:EntitiesDescriptor>";
}

std::string sign_root(const std::string& text, const TestKey& key) {
  auto doc = xml::Document::parse(text);
  auto signing_key = xml::SigningKey::load(key.key, key.certificate);
  REQUIRE(doc.ok());
  REQUIRE(signing_key.ok());
  REQUIRE(xml::sign_enveloped(*doc, doc->root(), xml::Element(), *signing_key).ok());
  return doc->to_string();
}

std::vector<xml::VerificationKey> keys_of(std::initializer_list<const TestKey*> test_keys) {
  std::vector<xml::VerificationKey> keys;
  for (const TestKey* key : test_keys) {
    auto loaded = xml::VerificationKey::load_certificate_file(key->certificate);
    REQUIRE(loaded.ok());
    keys.push_back(std::move(loaded).value());
  }
  return keys;
}

Result<saml::VerifiedMetadata> verify(const std::string& text,
                                      std::initializer_list<const TestKey*> keys) {
  return saml::verify_metadata(text, keys_of(keys), fixed_now(), "test", kMaxBytes);
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("signed metadata yields its SPs", "[federation][saml][metadata]") {
  auto verified = verify(sign_root(aggregate(), test_keys().rsa), {&test_keys().rsa});
  REQUIRE(verified.ok());
  REQUIRE(verified->service_providers.size() == 1);
  CHECK(verified->service_providers[0].entity_id == kFederationSp);
  CHECK(verified->skipped_entities == 1);
  CHECK(verified->valid_until.has_value());
}

TEST_CASE("metadata signed by the next key verifies", "[federation][saml][metadata]") {
  std::string signed_text = sign_root(aggregate(), test_keys().ec);
  CHECK(verify(signed_text, {&test_keys().rsa, &test_keys().ec}).ok());
  CHECK(verify(signed_text, {&test_keys().ec, &test_keys().rsa}).ok());
}

TEST_CASE("unsigned metadata is rejected", "[federation][saml][metadata]") {
  auto verified = verify(aggregate(), {&test_keys().rsa});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kNotFound);
}

TEST_CASE("metadata with the wrong key is rejected", "[federation][saml][metadata]") {
  auto verified = verify(sign_root(aggregate(), test_keys().other_rsa), {&test_keys().rsa});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("metadata without any key is rejected", "[federation][saml][metadata]") {
  auto verified = verify(sign_root(aggregate(), test_keys().rsa), {});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("tampered metadata is rejected", "[federation][saml][metadata]") {
  std::string signed_text = sign_root(aggregate(), test_keys().rsa);
  std::string moved_acs = replace(signed_text, "https://sp.federation.example/acs",
                                  "https://evil.example/acs");
  auto verified = verify(moved_acs, {&test_keys().rsa});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kPermissionDenied);

  std::string added_sp = replace(signed_text, "</md:EntitiesDescriptor>",
                                 sp_entity("https://evil.example/", "https://evil.example/acs") +
                                     "</md:EntitiesDescriptor>");
  CHECK(verify(added_sp, {&test_keys().rsa}).status().code() == StatusCode::kPermissionDenied);

  std::string later = replace(signed_text, "2026-03-08T00:00:00Z", "2036-03-08T00:00:00Z");
  CHECK(verify(later, {&test_keys().rsa}).status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("metadata past validUntil is rejected", "[federation][saml][metadata]") {
  auto verified = verify(sign_root(aggregate("2026-03-01T11:59:59Z"), test_keys().rsa),
                         {&test_keys().rsa});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kFailedPrecondition);

  auto unreadable = verify(sign_root(aggregate("next week"), test_keys().rsa), {&test_keys().rsa});
  REQUIRE_FALSE(unreadable.ok());
  CHECK(unreadable.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("entity past its own validUntil is left out", "[federation][saml][metadata]") {
  std::string text = replace(aggregate(), "<md:EntityDescriptor entityID=\"https://sp.",
                             "<md:EntityDescriptor validUntil=\"2026-02-01T00:00:00Z\" "
                             "entityID=\"https://sp.");
  auto verified = verify(sign_root(text, test_keys().rsa), {&test_keys().rsa});
  REQUIRE(verified.ok());
  CHECK(verified->service_providers.empty());
  CHECK(verified->skipped_entities == 2);
}

TEST_CASE("signed aggregate inside an unsigned root is rejected", "[federation][saml][metadata]") {
  std::string signed_text = sign_root(aggregate(), test_keys().rsa);
  std::string inner = signed_text.substr(signed_text.find("<md:EntitiesDescriptor"));
  std::string wrapper = std::string("<md:EntitiesDescriptor xmlns:md=\"") + kMdNs +
                        "\" ID=\"_evil\">" +
                        sp_entity("https://evil.example/", "https://evil.example/acs") + inner +
                        "</md:EntitiesDescriptor>";
  auto verified = verify(wrapper, {&test_keys().rsa});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kNotFound);
}

TEST_CASE("signature moved onto an evil root is rejected", "[federation][saml][metadata]") {
  // The genuine signature references "#_federation1", which now names an inner element;
  // the evil root carries the signature and another ID.
  std::string signed_text = sign_root(aggregate(), test_keys().rsa);
  std::size_t begin = signed_text.find("<ds:Signature");
  std::size_t end = signed_text.find("</ds:Signature>") + std::string("</ds:Signature>").size();
  std::string signature = signed_text.substr(begin, end - begin);
  std::string original = signed_text.substr(signed_text.find("<md:EntitiesDescriptor"));
  original.erase(original.find("<ds:Signature"), end - begin);
  std::string evil = std::string("<md:EntitiesDescriptor xmlns:md=\"") + kMdNs +
                     "\" ID=\"_evil\">" + signature +
                     sp_entity("https://evil.example/", "https://evil.example/acs") + original +
                     "</md:EntitiesDescriptor>";
  CHECK_FALSE(verify(evil, {&test_keys().rsa}).ok());

  // The same with the evil root reusing the signed ID: the ID is then not unique.
  std::string clash = replace(evil, "ID=\"_evil\"", "ID=\"_federation1\"");
  CHECK_FALSE(verify(clash, {&test_keys().rsa}).ok());
}

TEST_CASE("metadata with a DOCTYPE is rejected", "[federation][saml][metadata]") {
  std::string signed_text = sign_root(aggregate(), test_keys().rsa);
  std::string body = signed_text.substr(signed_text.find("<md:EntitiesDescriptor"));
  std::string with_doctype = "<!DOCTYPE md:EntitiesDescriptor [<!ENTITY x \"y\">]>" + body;
  CHECK_FALSE(verify(with_doctype, {&test_keys().rsa}).ok());
}

TEST_CASE("metadata over the size limit is rejected", "[federation][saml][metadata]") {
  std::string signed_text = sign_root(aggregate(), test_keys().rsa);
  auto verified = saml::verify_metadata(signed_text, keys_of({&test_keys().rsa}), fixed_now(),
                                        "test", signed_text.size() - 1);
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("metadata source keeps its last good copy", "[federation][saml][metadata]") {
  TempDir dir;
  std::string served = sign_root(aggregate(), test_keys().rsa);
  bool reachable = true;
  auto now = fixed_now();
  saml::MetadataSourceSettings settings;
  settings.name = "test";
  settings.url = "http://127.0.0.1:1/metadata.xml";
  settings.signing_keys = keys_of({&test_keys().rsa});
  settings.max_cache_age = std::chrono::hours(24);
  settings.cache_file = dir / "cache" / "test.xml";
  auto fetcher = [&](const std::string&) -> Result<std::string> {
    if (!reachable) {
      return Status::unavailable("connection refused");
    }
    return served;
  };
  saml::MetadataSource source(settings, fetcher, [&] { return now; });

  CHECK(source.refresh() == saml::RefreshOutcome::kUpdated);
  REQUIRE(source.service_providers().size() == 1);
  CHECK(std::filesystem::exists(settings.cache_file));
  CHECK(source.refresh() == saml::RefreshOutcome::kUnchanged);

  reachable = false;
  CHECK(source.refresh() == saml::RefreshOutcome::kFetchFailed);
  CHECK(source.service_providers().size() == 1);

  reachable = true;
  served = replace(served, "https://sp.federation.example/acs", "https://evil.example/acs");
  CHECK(source.refresh() == saml::RefreshOutcome::kRejected);
  REQUIRE(source.service_providers().size() == 1);
  CHECK(source.service_providers()[0].default_post_acs()->location ==
        "https://sp.federation.example/acs");
  CHECK(source.refresh_count(saml::RefreshOutcome::kRejected) == 1);

  now += std::chrono::hours(25);
  CHECK(source.service_providers().empty());
}

TEST_CASE("metadata source starts from its cached copy", "[federation][saml][metadata]") {
  TempDir dir;
  auto now = fixed_now();
  saml::MetadataSourceSettings settings;
  settings.name = "test";
  settings.url = "http://127.0.0.1:1/metadata.xml";
  settings.signing_keys = keys_of({&test_keys().rsa});
  settings.cache_file = dir / "test.xml";
  auto down = [](const std::string&) -> Result<std::string> {
    return Status::unavailable("connection refused");
  };

  saml::MetadataSource empty(settings, down, [&] { return now; });
  CHECK(empty.load_cache().code() == StatusCode::kNotFound);

  write_text(settings.cache_file, sign_root(aggregate(), test_keys().rsa));
  std::filesystem::last_write_time(settings.cache_file,
                                   std::chrono::file_clock::from_sys(now - std::chrono::hours(1)));
  saml::MetadataSource restarted(settings, down, [&] { return now; });
  REQUIRE(restarted.load_cache().ok());
  CHECK(restarted.refresh() == saml::RefreshOutcome::kFetchFailed);
  CHECK(restarted.service_providers().size() == 1);
  CHECK(restarted.age_seconds() == 3600);

  write_text(settings.cache_file, aggregate());
  saml::MetadataSource unsigned_copy(settings, down, [&] { return now; });
  CHECK(unsigned_copy.load_cache().code() == StatusCode::kNotFound);
  CHECK(unsigned_copy.service_providers().empty());
}

TEST_CASE("source SPs join the folder SPs", "[federation][saml][metadata]") {
  IdpFixture f;
  auto verified = verify(sign_root(aggregate(), test_keys().rsa), {&test_keys().rsa});
  REQUIRE(verified.ok());
  std::vector<saml::ServiceProvider> sps = verified->service_providers;
  saml::ServiceProvider shadow = sps.front();
  shadow.entity_id = kSpEntityId;
  sps.push_back(shadow);

  auto registered = f.idp->set_source_service_providers(sps);
  REQUIRE(registered.ok());
  CHECK(*registered == 1);
  CHECK(f.idp->service_provider_count() == 2);

  // A reload of the folder keeps the sources' SPs.
  REQUIRE(f.idp->reload_service_providers().ok());
  CHECK(f.idp->service_provider_count() == 2);

  REQUIRE(f.idp->set_source_service_providers({}).ok());
  CHECK(f.idp->service_provider_count() == 1);
}

TEST_CASE("requested refresh fetches every source", "[federation][saml][metadata]") {
  IdpFixture f;
  TempDir dir;
  std::atomic<int> fetches{0};
  std::string served = sign_root(aggregate(), test_keys().rsa);
  std::mutex served_mutex;
  std::vector<std::unique_ptr<saml::MetadataSource>> sources;
  for (std::string name : {"first", "second"}) {
    saml::MetadataSourceSettings settings;
    settings.name = name;
    settings.url = "http://127.0.0.1:1/" + name + ".xml";
    settings.signing_keys = keys_of({&test_keys().rsa});
    // Not due again during the test, so only a request makes the thread fetch.
    settings.refresh_interval = std::chrono::hours(24);
    settings.cache_file = dir / (name + ".xml");
    auto fetcher = [&](const std::string&) -> Result<std::string> {
      ++fetches;
      std::lock_guard lock(served_mutex);
      return served;
    };
    sources.push_back(std::make_unique<saml::MetadataSource>(settings, fetcher, fixed_now));
  }
  saml::MetadataRefresher refresher(std::move(sources), *f.idp);

  refresher.start();
  CHECK(fetches == 2);
  CHECK(f.idp->service_provider_count() == 2);

  {
    std::lock_guard lock(served_mutex);
    std::string second_sp = sp_entity("https://sp2.federation.example/metadata",
                                      "https://sp2.federation.example/acs");
    served = sign_root(replace(aggregate(), "</md:EntitiesDescriptor>", second_sp + "</md:EntitiesDescriptor>"),
                       test_keys().rsa);
  }
  refresher.request_refresh_all();
  // Polls without a tight deadline, because the machine may be loaded.
  for (int i = 0; i < 600 && refresher.requested_refreshes_done() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  REQUIRE(refresher.requested_refreshes_done() >= 1);
  CHECK(fetches >= 4);
  CHECK(f.idp->service_provider_count() == 3);
  refresher.stop();
}
