#include "federation/http/tls_context.h"

#include <algorithm>
#include <filesystem>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pki/files.h"

namespace careid::federation::http {
namespace {

namespace ssl = boost::asio::ssl;

// Maximum length of the subject text kept for the log and the 403 page, in characters.
constexpr std::size_t kMaxSubjectChars = 256;

// TLS 1.2 suites with forward secrecy and AEAD only. All TLS 1.3 suites are acceptable.
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";

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

  // TODO: check card revocation (CRL or OCSP). Until then a revoked card that has not
  // expired still signs in.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_for_later_check);
  SSL_CTX_set_verify_depth(native, 2);
  return Status::ok_status();
}

void set_protocol_options(SSL_CTX* native) {
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);

  // No resumption: every connection presents and verifies its card afresh, and the
  // verification result never comes from a cached session.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  static const unsigned char kSessionContext[] = "careid-https";
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
    // An undecodable CN still counts, as an empty name, so a subject with one good and
    // one bad CN is not mistaken for a single-CN subject.
    names.emplace_back(length >= 0 ? std::string(reinterpret_cast<char*>(utf8), length) : "");
    OPENSSL_free(utf8);
  }
  return names;
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_tls_context(const HttpsConfig& config) {
  ERR_clear_error();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();

  set_protocol_options(native);
  CAREID_RETURN_IF_ERROR(load_identity(*context, config));
  CAREID_RETURN_IF_ERROR(load_card_ca(native, config));
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
  card.subject = subject_text(cert);
  card.common_names = common_names(cert);
  card.sha256_fingerprint = fingerprint(cert);
  return card;
}

}  // namespace careid::federation::http
