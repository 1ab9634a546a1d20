#include "federation/http/tls_context.h"

#include <algorithm>
#include <filesystem>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pki/files.h"
#include "pki/certificate_names.h"
#include "pki/tls_server.h"

namespace careid::federation::http {
namespace {

namespace ssl = boost::asio::ssl;

// Drains the OpenSSL error queue into one message so that no stale error is left behind
// for the next call on this thread.
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
  return Status::invalid_argument(std::string(what) + " " + file.string() + ": " +
                                  drain_openssl_errors());
}

// Lets the handshake continue past any chain error. OpenSSL still stores the error in the
// connection, where read_peer_certificate() reads it with SSL_get_verify_result.
int accept_for_later_check(int /*preverified*/, X509_STORE_CTX* /*store*/) { return 1; }

Status load_identity(ssl::context& context, const HttpsConfig& config) {
  SSL_CTX* native = context.native_handle();
  if (SSL_CTX_use_certificate_chain_file(native, config.certificate.c_str()) != 1) {
    return tls_error("cannot load https.certificate", config.certificate);
  }

  // pki checks the mode on the opened file (no group or other access) before reading.
  Result<std::string> key = pki::read_private_file(config.private_key);
  if (!key.ok()) {
    return key.status().with_context("https.private_key");
  }
  boost::system::error_code ec;
  context.use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
  OPENSSL_cleanse(key->data(), key->size());
  if (ec) {
    ERR_clear_error();
    return Status::invalid_argument("cannot load https.private_key " + config.private_key.string() +
                                    ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return tls_error("https.private_key does not match https.certificate; key", config.private_key);
  }
  return Status::ok_status();
}

Status load_card_ca(SSL_CTX* native, const HttpsConfig& config) {
  // The card CA is the only trust anchor: no system CAs, so a card from any other
  // authority fails verification.
  if (SSL_CTX_load_verify_locations(native, config.card_ca.c_str(), nullptr) != 1) {
    return tls_error("cannot load https.card_ca", config.card_ca);
  }

  // The CertificateRequest lists the card CA, so browsers offer only matching cards
  // (RFC 8446 4.2.4, RFC 5246 7.4.4).
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.card_ca.c_str());
  if (names == nullptr) {
    return tls_error("cannot read a CA name from https.card_ca", config.card_ca);
  }
  SSL_CTX_set_client_CA_list(native, names);

  // Revocation is checked per request, against pki::RevocationCache, in the router.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_for_later_check);
  SSL_CTX_set_verify_depth(native, 2);
  return Status::ok_status();
}

// When https.certificate holds only the server certificate, OpenSSL would build its chain
// from the card CA store in every handshake, verifying the certificate's signature each
// time. Builds it once instead. The root is left out because clients must already trust it
// (RFC 8446 4.4.2 lets a trust anchor be omitted). A chain listed in the file is sent as
// it is.
void build_certificate_chain_once(SSL_CTX* native) {
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(native, &chain);
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    // A certificate from a CA outside the store gets an empty chain, as auto-chaining gave it.
    SSL_CTX_build_cert_chain(native, SSL_BUILD_CHAIN_FLAG_NO_ROOT | SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR);
    ERR_clear_error();
  }
  SSL_CTX_set_mode(native, SSL_MODE_NO_AUTO_CHAIN);
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_tls_context(const HttpsConfig& config) {
  ERR_clear_error();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();

  pki::apply_tls_server_policy(native, "careid-https");
  CAREID_RETURN_IF_ERROR(load_identity(*context, config));
  CAREID_RETURN_IF_ERROR(load_card_ca(native, config));
  build_certificate_chain_once(native);
  return context;
}

namespace {

// SHA-256 of the DER certificate in lower-case hex; empty if OpenSSL fails, which makes
// the SSO session store refuse to bind a session to this card.
std::string fingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) {
    ERR_clear_error();
    return {};
  }
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  return text;
}

}  // namespace

sso::PeerCertificate read_peer_certificate(SSL* ssl) {
  sso::PeerCertificate card;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) {
    return card;
  }

  card.present = true;
  long result = SSL_get_verify_result(ssl);
  card.verified = result == X509_V_OK;
  if (!card.verified) {
    card.verify_error = X509_verify_cert_error_string(result);
  }
  card.subject = pki::certificate_subject_text(cert);
  card.common_names = pki::certificate_common_names(cert);
  card.sha256_fingerprint = fingerprint(cert);
  card.serial_hex = pki::certificate_serial_hex(cert);
  card.email_addresses = pki::certificate_san_emails(cert);
  card.user_principal_names = pki::certificate_san_upns(cert);
  card.der = pki::certificate_der(cert);
  return card;
}

}  // namespace careid::federation::http
