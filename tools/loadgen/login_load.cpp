// login_load: drives careidd with full smartcard logins, as browsers and service providers
// at a national morning peak would, and reports logins per second and latency percentiles.
//
// Each login opens a new TCP connection and makes a full TLS handshake with the user's card
// certificate (no session resumption unless --resume), then runs one SAML or OpenID
// Connect login on that connection. `--rate R` starts R logins per second on a fixed
// schedule (open loop) and measures each latency from its scheduled start, so that a
// stalled server is not hidden by a stalled client (coordinated omission).
// `--connections N` keeps N logins in flight back to back (closed loop, the maximum rate).
//
// Example, against a demo data folder DIR whose careidd listens on port 8443:
//   login_load --port 8443 --server-ca DIR/pki/card-ca.pem --cards CARDS
//       --sp-entity-id https://sp.example/metadata --acs-url https://sp.example/acs --rate 556
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "tools/loadgen/load_options.h"
#include "tools/loadgen/load_result.h"
#include "tools/loadgen/login_worker.h"
#include "xml/document.h"
#include "xml/signature.h"

namespace {

namespace fs = std::filesystem;
using namespace careid;
using namespace careid::loadgen;

constexpr std::string_view kAssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion";

// Loads every <uid>.pem in `folder` that has a <uid>.key beside it, in uid order.
Result<std::vector<Card>> load_cards(const fs::path& folder, std::size_t max_cards) {
  std::vector<fs::path> certificates;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(folder, error)) {
    fs::path key = fs::path(item.path()).replace_extension(".key");
    if (item.path().extension() == ".pem" && fs::exists(key)) {
      certificates.push_back(item.path());
    }
  }
  if (error) {
    return Status::io_error("cannot list the cards folder " + folder.string() + ": " + error.message());
  }
  std::sort(certificates.begin(), certificates.end());
  if (max_cards > 0 && certificates.size() > max_cards) {
    certificates.resize(max_cards);
  }

  std::vector<Card> cards;
  for (const fs::path& path : certificates) {
    auto certificate = pki::Certificate::load_file(path);
    auto key = pki::PrivateKey::load_pem_file(fs::path(path).replace_extension(".key"));
    if (!certificate.ok() || !key.ok()) {
      return (certificate.ok() ? key.status() : certificate.status()).with_context(path.string());
    }
    cards.push_back(Card{path.stem().string(), std::move(*certificate), std::move(*key)});
  }
  if (cards.empty()) {
    return Status::not_found("no <uid>.pem with a <uid>.key in " + folder.string() +
                             "; issue cards with `careidctl pki issue-cards`");
  }
  return cards;
}

Status check_options(const LoadOptions& options) {
  if ((options.rate > 0) == (options.connections > 0)) {
    return Status::invalid_argument("set exactly one of --rate (open loop) and --connections (closed loop)");
  }
  if (options.flow == Flow::kSaml && (options.sp_entity_id.empty() || options.acs_url.empty())) {
    return Status::invalid_argument("the saml flow needs --sp-entity-id and --acs-url from the SP's metadata");
  }
  if (options.flow == Flow::kOidc && (options.client_id.empty() || options.redirect_uri.empty())) {
    return Status::invalid_argument("the oidc flow needs --client-id and --redirect-uri of a public client");
  }
  if (options.verify_sample > 0 && options.idp_certificate.empty()) {
    return Status::invalid_argument("--verify-sample needs --idp-certificate (pki/saml-signing.pem)");
  }
  return Status::ok_status();
}

// Verifies the Assertion signature of each sampled Response with xml/. Returns the number
// that failed, after printing each reason.
std::size_t verify_samples(const std::vector<std::string>& samples, const fs::path& idp_certificate) {
  auto key = xml::VerificationKey::load_certificate_file(idp_certificate);
  if (!key.ok()) {
    std::cerr << "login_load: " << key.status().message() << "\n";
    return samples.size();
  }
  std::size_t failed = 0;
  for (const std::string& sample : samples) {
    auto document = xml::Document::parse(sample);
    Status status = document.ok() ? Status::ok_status() : document.status();
    if (status.ok()) {
      xml::Element assertion = document->root().first_child(kAssertionNs, "Assertion");
      status = xml::verify_enveloped(*document, assertion, *key);
    }
    if (!status.ok()) {
      std::cerr << "login_load: sampled SAML Response failed verification: " << status.message() << "\n";
      ++failed;
    }
  }
  return failed;
}

LoadResult run_workers(const LoadOptions& options, const std::vector<Card>& cards, Status& status) {
  std::vector<std::unique_ptr<LoginWorker>> workers;
  for (unsigned i = 0; i < options.threads; ++i) {
    auto worker = LoginWorker::create(options, cards, i, options.threads);
    if (!worker.ok()) {
      status = worker.status();
      return {};
    }
    workers.push_back(std::move(*worker));
  }

  // A common start a little ahead, so that every thread is running when the schedule begins.
  auto start = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back(&LoginWorker::run, worker.get(), start);
  }
  for (auto& thread : threads) {
    thread.join();
  }

  LoadResult total;
  for (auto& worker : workers) {
    total.merge(worker->take_result());
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"login_load: full smartcard SAML or OpenID Connect logins against careidd"};
  LoadOptions options;
  const std::map<std::string, Flow> flows = {{"saml", Flow::kSaml}, {"oidc", Flow::kOidc}};
  app.add_option("--host", options.host, "careidd's HTTPS address (an IP address)")->capture_default_str();
  app.add_option("--port", options.port, "careidd's HTTPS port")->capture_default_str();
  app.add_option("--server-ca", options.server_ca, "CA file for careidd's certificate")
      ->required()->check(CLI::ExistingFile);
  app.add_option("--cards", options.cards_dir, "Folder of <uid>.pem and <uid>.key card files")
      ->required()->check(CLI::ExistingDirectory);
  app.add_option("--max-cards", options.max_cards, "Use only the first N cards in uid order; 0 for all")
      ->capture_default_str();
  app.add_option("--flow", options.flow, "saml or oidc")->transform(CLI::CheckedTransformer(flows, CLI::ignore_case));
  app.add_option("--sp-entity-id", options.sp_entity_id, "SAML: the SP's entityID");
  app.add_option("--acs-url", options.acs_url, "SAML: the SP's HTTP-POST AssertionConsumerService URL");
  app.add_option("--client-id", options.client_id, "OIDC: a public client (no client secret)");
  app.add_option("--redirect-uri", options.redirect_uri, "OIDC: a registered redirect URI of that client");
  app.add_option("--rate", options.rate, "Open loop: logins started per second")->check(CLI::PositiveNumber);
  app.add_option("--connections", options.connections, "Closed loop: logins in flight at once")
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", options.duration_seconds, "Seconds of load")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--threads", options.threads, "Client threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--max-in-flight", options.max_in_flight, "Open loop: logins in flight per thread at most")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--timeout", options.timeout_seconds, "Seconds one login may take before it counts as timed out")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--resume", options.resume, "Offer each card's previous TLS session for resumption");
  app.add_option("--verify-sample", options.verify_sample,
                 "SAML: verify the signatures of the first N Responses after the run")->capture_default_str();
  app.add_option("--idp-certificate", options.idp_certificate, "SAML: the IdP signing certificate (PEM)")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  careid::log::set_level("warn");
  Status status = check_options(options);
  auto cards = status.ok() ? load_cards(options.cards_dir, options.max_cards) : Result<std::vector<Card>>(status);
  if (!cards.ok()) {
    std::cerr << "login_load: " << cards.status().message() << "\n";
    return 2;
  }
  std::cout << "loaded " << cards->size() << " cards from " << options.cards_dir.string() << "\n";

  LoadResult result = run_workers(options, *cards, status);
  if (!status.ok()) {
    std::cerr << "login_load: " << status.message() << "\n";
    return 2;
  }
  print_report(result, options, std::cout);

  // Only a SAML run with --verify-sample collects samples, and only it needs
  // --idp-certificate.
  std::size_t bad_signatures = 0;
  if (!result.saml_samples.empty()) {
    bad_signatures = verify_samples(result.saml_samples, options.idp_certificate);
    std::cout << "verified " << result.saml_samples.size() - bad_signatures << " of "
              << result.saml_samples.size() << " sampled SAML Response signatures\n";
  }
  return result.successes > 0 && bad_signatures == 0 ? 0 : 1;
}
