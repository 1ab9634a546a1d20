#include "directory/server/tls_context.h"

#include <algorithm>
#include <filesystem>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pki/files.h"

namespace careid::directory::server {
namespace {

namespace ssl = boost::asio::ssl;

// Maximum length of the subject text kept for the log, in characters.
constexpr std::size_t kMaxSubjectChars = 256;

// TLS 1.2 suites with forward secrecy and AEAD only. All TLS 1.3 suites are acceptable.
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";

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

  // TODO: check card revocation (CRL or OCSP). Until then a revoked card that has not
  // expired still binds with SASL EXTERNAL.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_for_later_check);
  SSL_CTX_set_verify_depth(native, 2);
  return Status::ok_status();
}

void set_protocol_options(SSL_CTX* native) {
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_TICKET);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);

  // No resumption: the verification result of a client certificate never comes from a
  // cached session.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  static const unsigned char kSessionContext[] = "careid-ldap";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
}

std::string subject_text(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) {
    return "(subject unavailable)";
  }
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(std::max(size, 0L)));
  BIO_free(bio);
  if (text.size() > kMaxSubjectChars) {
    text.resize(kMaxSubjectChars);
    text += "...";
  }
  return text;
}

std::vector<std::string> common_names(X509* cert) {
  std::vector<std::string> names;
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    int length = ASN1_STRING_to_UTF8(&utf8, value);
    // An undecodable CN still counts, as an empty name, so that a subject with one good
    // and one bad CN is not taken for a single-CN subject.
    names.emplace_back(length >= 0 ? std::string(reinterpret_cast<char*>(utf8), length) : "");
    OPENSSL_free(utf8);
  }
  return names;
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_ldap_tls_context(const LdapConfig& config) {
  ERR_clear_error();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();

  set_protocol_options(native);
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
  client.subject = subject_text(cert);
  client.common_names = common_names(cert);
  return client;
}

}  // namespace careid::directory::server
