#include "pki/tls_server.h"

#include <openssl/err.h>

#include "pki/card_registry.h"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace careid::pki {
namespace {

// Maximum length of the subject text kept for a log line, in characters.
constexpr std::size_t kMaxSubjectChars = 256;

// TLS 1.2 suites with forward secrecy and AEAD only. All TLS 1.3 suites are acceptable.
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";

}  // namespace

void apply_tls_server_policy(SSL_CTX* native, std::string_view session_context) {
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);

  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_id_context(native, reinterpret_cast<const unsigned char*>(session_context.data()),
                                 static_cast<unsigned int>(session_context.size()));
}

std::string certificate_subject_text(X509* cert) {
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

std::vector<std::string> certificate_common_names(X509* cert) {
  std::vector<std::string> names;
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    int length = ASN1_STRING_to_UTF8(&utf8, value);
    names.emplace_back(length >= 0 ? std::string(reinterpret_cast<char*>(utf8), length) : "");
    OPENSSL_free(utf8);
  }
  return names;
}

std::string certificate_serial_hex(X509* cert) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = number == nullptr ? nullptr : BN_bn2hex(number);
  BN_free(number);
  if (hex == nullptr) {
    ERR_clear_error();
    return {};
  }
  auto normalised = normalize_serial_hex(hex);
  OPENSSL_free(hex);
  return normalised.ok() ? *normalised : std::string();
}

}  // namespace careid::pki
