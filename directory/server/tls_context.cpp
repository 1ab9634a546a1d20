#include "directory/server/tls_context.h"

#include <algorithm>
#include <filesystem>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pki/files.h"
#include "pki/tls_server.h"

namespace careid::directory::server {
namespace {

namespace ssl = boost::asio::ssl;

// Drains the OpenSSL error queue into one message, so that no stale error is left for the
// next call on this thread.
std::string drain_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) {
      text += "; ";
    }
    text += buffer;
  }
  return text.empty() ? "no OpenSSL error reported" : text;
}

Status tls_error(std::string_view what, const std::filesystem::path& file) {
  return Status::invalid_argument(std::string(what) + " " + file.string() + ": " + drain_openssl_errors());
}

// Lets the handshake continue past any chain error. OpenSSL keeps the error in the
// connection, where read_client_certificate() reads it with SSL_get_verify_result.
int accept_for_later_check(int /*preverified*/, X509_STORE_CTX* /*store*/) { return 1; }

Status load_identity(ssl::context& context, const LdapConfig& config) {
  SSL_CTX* native = context.native_handle();
  if (SSL_CTX_use_certificate_chain_file(native, config.tls_certificate.c_str()) != 1) {
    return tls_error("cannot load ldap.tls_certificate", config.tls_certificate);
  }

  // pki checks the mode on the opened file (no group or other access) before reading.
  Result<std::string> key = pki::read_private_file(config.tls_private_key);
  if (!key.ok()) {
    return key.status().with_context("ldap.tls_private_key");
  }
  boost::system::error_code ec;
  context.use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
  OPENSSL_cleanse(key->data(), key->size());
  if (ec) {
    ERR_clear_error();
    return Status::invalid_argument("cannot load ldap.tls_private_key " + config.tls_private_key.string() + ": " +
                                    ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return tls_error("ldap.tls_private_key does not match ldap.tls_certificate; key", config.tls_private_key);
  }
  return Status::ok_status();
}

Status load_client_ca(SSL_CTX* native, const LdapConfig& config) {
  // tls_ca is the only trust anchor: no system CAs, so a certificate from any other
  // authority fails verification and SASL EXTERNAL rejects it.
  if (SSL_CTX_load_verify_locations(native, config.tls_ca.c_str(), nullptr) != 1) {
    return tls_error("cannot load ldap.tls_ca", config.tls_ca);
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.tls_ca.c_str());
  if (names == nullptr) {
    return tls_error("cannot read a CA name from ldap.tls_ca", config.tls_ca);
  }
  SSL_CTX_set_client_CA_list(native, names);

  // The handshake does not check revocation: a client certificate grants nothing until a
  // SASL EXTERNAL bind, which looks the serial up in the card revocation cache
  // (sasl_external.cpp), as a federation card login does.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_for_later_check);
  SSL_CTX_set_verify_depth(native, 2);
  return Status::ok_status();
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_ldap_tls_context(const LdapConfig& config) {
  ERR_clear_error();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();

  pki::apply_tls_server_policy(native, "careid-ldap");
  CAREID_RETURN_IF_ERROR(load_identity(*context, config));
  CAREID_RETURN_IF_ERROR(load_client_ca(native, config));
  return context;
}

ClientCertificate read_client_certificate(SSL* ssl) {
  ClientCertificate client;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) {
    return client;
  }

  client.present = true;
  long result = SSL_get_verify_result(ssl);
  client.verified = result == X509_V_OK;
  if (!client.verified) {
    client.verify_error = X509_verify_cert_error_string(result);
  }
  client.subject = pki::certificate_subject_text(cert);
  client.common_names = pki::certificate_common_names(cert);
  client.serial_hex = pki::certificate_serial_hex(cert);
  return client;
}

}  // namespace careid::directory::server
