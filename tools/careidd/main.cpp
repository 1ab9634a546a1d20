// careidd: the careid server. One process serves LDAP (the directory) and HTTPS (smartcard
// login and the SAML identity provider) from one data folder; see README.md.
#include <malloc.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <CLI/CLI.hpp>

#include "audit/audit_log.h"
#include "audit/metrics_sink.h"
#include "base/config.h"
#include "base/log.h"
#include "base/shipped_files.h"
#include "directory/engine/open_directory.h"
#include "directory/server/ldap_server.h"
#include "federation/http/https_server.h"
#include "federation/http/metadata_setup.h"
#include "federation/identity/directory_identity_source.h"
#include "federation/oidc/setup.h"
#include "federation/saml/identity_provider.h"
#include "pki/revocation_services.h"
#include "sus/api/http/service.h"
#include "tools/careidd/daemon_metrics.h"
#include "tools/careidd/reload.h"

namespace {

namespace fs = std::filesystem;
using namespace careid;

// Returns "1 client" or "3 clients".
std::string counted(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

int fail(const Status& status) {
  std::cerr << "careidd: " << status.message() << "\n";
  return 1;
}

federation::saml::IdpSettings idp_settings(const Config& config) {
  federation::saml::IdpSettings settings;
  settings.entity_id = config.saml.entity_id.empty() ? config.public_url() + "/saml/metadata" : config.saml.entity_id;
  settings.sso_url = config.public_url() + "/saml/sso";
  settings.slo_url = config.public_url() + "/saml/slo";
  settings.signing_key = config.saml.signing_key;
  settings.signing_certificate = config.saml.signing_certificate;
  settings.additional_signing_certificates = config.saml.additional_signing_certificates;
  settings.sp_metadata_dir = config.saml.sp_metadata_dir;
  settings.assertion_lifetime = std::chrono::seconds(config.saml.assertion_lifetime_seconds);
  settings.require_signed_requests = config.saml.require_signed_requests;
  settings.artifact_resolution_url = config.public_url() + "/saml/artifact";
  settings.artifact_limits.lifetime = std::chrono::seconds(config.saml.artifact_lifetime_seconds);
  settings.artifact_limits.max_entries = config.saml.artifact_max_outstanding;
  settings.artifact_limits.max_bytes = config.saml.artifact_max_bytes;
  settings.artifact_tls_client_auth.insert(config.saml.artifact_tls_client_auth_for.begin(),
                                           config.saml.artifact_tls_client_auth_for.end());
  for (const std::string& entity_id : config.saml.encrypt_assertions_for) {
    settings.assertion_encryption[entity_id] = federation::saml::AssertionEncryption::kRequired;
  }
  for (const std::string& entity_id : config.saml.never_encrypt_assertions_for) {
    settings.assertion_encryption[entity_id] = federation::saml::AssertionEncryption::kNever;
  }
  return settings;
}

// Opens the audit trail of config.audit. Returns a null pointer when audit.file is empty.
Result<std::unique_ptr<audit::AuditLog>> open_audit(const Config& config) {
  if (config.audit.file.empty()) {
    log::get("careidd")->warn("audit.file is empty: no audit trail is kept");
    return std::unique_ptr<audit::AuditLog>();
  }
  return audit::open_audit_log(config.audit);
}

// Runs until SIGINT or SIGTERM. Returns the exit code.
int serve(const Config& config, const fs::path& config_path) {
  // Declared first so that it outlives every server that records into it.
  auto audit_log = open_audit(config);
  if (!audit_log.ok()) {
    return fail(audit_log.status().with_context("opening the audit trail"));
  }
  audit::Sink& audit_trail = *audit_log ? static_cast<audit::Sink&>(**audit_log) : audit::null_sink();
  // Counts logins, assertions and tokens for the metrics, then passes each event on.
  audit::MetricsSink audit_sink(audit_trail);

  auto directory = directory::engine::open_directory(config, careid::shipped_schema_folder());
  if (!directory.ok()) {
    return fail(directory.status());
  }
  std::error_code ignored;
  fs::create_directories(config.saml.sp_metadata_dir, ignored);
  auto idp = federation::saml::IdentityProvider::create(idp_settings(config));
  if (!idp.ok()) {
    return fail(idp.status().with_context("starting the SAML identity provider"));
  }
  // Loads the cached copies and fetches each metadata source once before serving.
  auto metadata_refresher = federation::http::create_metadata_refresher(config, **idp);
  if (!metadata_refresher.ok()) {
    return fail(metadata_refresher.status().with_context("starting the SP metadata sources"));
  }
  if (*metadata_refresher) {
    (*metadata_refresher)->start();
  }
  federation::DirectoryIdentitySource people(**directory, config.ldap.suffix);
  auto openid = federation::oidc::create_provider(config, people, audit_sink);
  if (!openid.ok()) {
    return fail(openid.status().with_context("starting the OpenID provider"));
  }
  auto revocation = pki::start_revocation_services(config);
  if (!revocation.ok()) {
    return fail(revocation.status().with_context("starting card revocation"));
  }
  // The SUS API under /sus/v1/ when sus.store is set; it takes the OpenID provider's tokens.
  auto sus_api = sus::api::http::start_sus_service(config, openid->get(), people);
  if (!sus_api.ok()) {
    return fail(sus_api.status().with_context("starting the SUS API"));
  }
  federation::http::ServerOptions https_options;
  if (*sus_api) {
    https_options.mounts.push_back((*sus_api)->mount);
  }
  https_options.oidc = openid->get();
  https_options.pki = {revocation->cache.get(), revocation->crl.get(), revocation->ocsp.get()};
  https_options.audit = &audit_sink;
  https_options.stop_timeout = std::chrono::seconds(config.shutdown_timeout_seconds);
  auto https = federation::http::HttpsServer::create(config, people, **idp, https_options);
  if (!https.ok()) {
    return fail(https.status().with_context("starting HTTPS"));
  }

  boost::asio::io_context io;
  directory::server::LdapServer ldap(io, **directory, config.ldap, audit_sink);
  ldap.set_revocation_cache(revocation->cache.get());
  auto ldap_port = ldap.start();
  if (!ldap_port.ok()) {
    return fail(ldap_port.status());
  }
  auto https_port = (*https)->start();
  if (!https_port.ok()) {
    return fail(https_port.status());
  }
  auto daemon_metrics = daemon::start_metrics(config, **directory);
  if (!daemon_metrics.ok()) {
    return fail(daemon_metrics.status());
  }

  // SIGINT and SIGTERM stop careidd gracefully: both servers stop accepting and reading
  // requests, and the operations in progress send their responses. The io_context stops
  // once the LDAP connections have closed, or shutdown_timeout_seconds after the signal,
  // when the connections left are closed and their operations abandoned. The handlers are
  // installed before the "listening" lines, which supervisors and tests wait for, so a
  // signal sent after them never meets the default action.
  const auto shutdown_timeout = std::chrono::seconds(config.shutdown_timeout_seconds);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer poll(io);
  std::chrono::steady_clock::time_point deadline;
  bool forced = false;
  std::thread https_stopper;
  std::function<void()> stop_when_idle = [&] {
    const bool late = std::chrono::steady_clock::now() >= deadline;
    if (ldap.connection_count() == 0 || (late && forced)) {
      log::get("directory")->info("ldap stopped");
      io.stop();
      return;
    }
    if (late) {
      log::get("careidd")->warn("shutdown_timeout_seconds ({}) passed with {} LDAP connections open; closing them",
                                config.shutdown_timeout_seconds, ldap.connection_count());
      ldap.stop();
      forced = true;
      // Closed sessions unregister once their workers let go; this bounds the wait for them.
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    poll.expires_after(std::chrono::milliseconds(50));
    poll.async_wait([&](const boost::system::error_code& error) {
      if (!error) {
        stop_when_idle();
      }
    });
  };
  signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) {
      return;
    }
    log::get("careidd")->info("{} received, stopping: operations in progress get up to {} s to finish",
                              signal_number == SIGINT ? "SIGINT" : "SIGTERM", config.shutdown_timeout_seconds);
    ldap.drain();
    // HttpsServer::stop() blocks until its connections finish, so it runs beside the
    // LDAP drain instead of holding this I/O thread.
    https_stopper = std::thread([&https] { (*https)->stop(); });
    deadline = std::chrono::steady_clock::now() + shutdown_timeout;
    stop_when_idle();
  });

  // SIGHUP reloads what can change while serving (reload.h), as daemons conventionally do.
  // Without a handler it would end the process. The reload reads files on this I/O thread,
  // which delays that thread's connections meanwhile.
  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& error, int) {
      if (error) {
        return;
      }
      daemon::reload(config_path, config, **idp, openid->get(), metadata_refresher->get());
      await_hangup();
    });
  };
  await_hangup();

  std::cout << "ldap listening on ldap://" << config.ldap.listen_address << ":" << *ldap_port
            << (ldap.starttls_available() ? " (StartTLS available)" : "") << "\n";
  if (ldap.ldaps_port() != 0) {
    std::cout << "ldaps listening on ldaps://" << config.ldap.listen_address << ":" << ldap.ldaps_port() << "\n";
  }
  std::cout
            << "https listening on https://" << config.https.listen_address << ":" << *https_port << "\n"
            << "saml metadata at " << config.public_url() << "/saml/metadata\n"
            << "sso at " << config.public_url() << "/saml/sso (client certificate from the card CA required)\n"
            << counted((*idp)->service_provider_count(), "service provider") << " from "
            << config.saml.sp_metadata_dir.string()
            << (config.saml.metadata_sources.empty() ? "" : " and the metadata sources")
            << std::endl;
  if (*openid) {
    std::cout << "openid configuration at " << (*openid)->endpoint("/.well-known/openid-configuration")
              << " (" << counted((*openid)->clients().size(), "client") << " from " << config.oidc.clients_dir.string()
              << (std::filesystem::is_directory(config.oidc.clients_dir) ? "" : ", a folder that does not exist yet")
              << ")" << std::endl;
  } else {
    std::cout << "openid provider off: no signing key at " << config.oidc.signing_keys.front().string()
              << std::endl;
  }

  if (*sus_api) {
    std::cout << "sus api at " << config.public_url() << "/sus/v1/ (store " << (*sus_api)->store->location() << ")"
              << std::endl;
  }
  if (*daemon_metrics) {
    std::cout << "metrics at http://" << config.metrics.listen.substr(0, config.metrics.listen.rfind(':')) << ":"
              << (*daemon_metrics)->port << "/metrics" << std::endl;
  }

  io.run();
  if (https_stopper.joinable()) {
    https_stopper.join();
  }
  ldap.join();
  log::get("careidd")->info("stopped");
  return 0;
}

// Fixes glibc's thresholds for returning memory. Left dynamic, glibc raises the mmap
// threshold after the first large free. Each nested LMDB write transaction's 2 MiB dirty
// page list then comes from a per-thread arena that keeps it: 262 MiB of heap after the
// benchmark's write cases at 16 connections (docs/benchmarks.md).
void bound_heap_retention() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

}  // namespace

int main(int argc, char** argv) {
  bound_heap_retention();
  CLI::App app{"careidd: careid's LDAP directory and HTTPS identity provider"};
  app.set_version_flag("--version", "careidd " CAREID_VERSION);
  fs::path config_path = "careid.toml";
  bool check_only = false;
  app.add_option("--config", config_path, "Configuration file (TOML)")->capture_default_str();
  app.add_flag("--check-config", check_only, "Check the configuration file and exit");
  CLI11_PARSE(app, argc, argv);

  auto config = load_config(config_path);
  if (!config.ok()) {
    return fail(config.status());
  }
  if (!log::set_level(config->log_level)) {
    return fail(Status::invalid_argument("log_level '" + config->log_level + "' is not one of trace, debug, info, warn, error, off"));
  }
  if (check_only) {
    std::cout << config_path.string() << ": OK\n";
    return 0;
  }
  return serve(*config, config_path);
}
