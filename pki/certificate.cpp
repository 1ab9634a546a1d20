#include "pki/certificate.h"

#include <cctype>
#include <ctime>

#include <openssl/pem.h>

#include "pki/encoding.h"
#include "pki/files.h"
#include "pki/key.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {

namespace {

// RFC 4514 form (most specific RDN first, comma-separated) but with UTF-8 bytes kept as they
// are instead of escaped as \XX.
constexpr unsigned long kNameFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

Result<std::string> name_to_string(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, kNameFlags) < 0) {
    return openssl_status(StatusCode::kInternal, "cannot print distinguished name");
  }
  return memory_bio_contents(bio.get());
}

std::string last_common_name(const X509_NAME* name) {
  int index = -1;
  for (int next = X509_NAME_get_index_by_NID(name, NID_commonName, -1); next >= 0;
       next = X509_NAME_get_index_by_NID(name, NID_commonName, next)) {
    index = next;
  }
  if (index < 0) {
    return "";
  }

  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    clear_openssl_errors();
    return "";
  }
  std::string text(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

Result<std::string> serial_to_hex(const ASN1_INTEGER* serial) {
  BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!number) {
    return openssl_status(StatusCode::kInternal, "cannot decode serial number");
  }
  OpensslCharPtr hex(BN_bn2hex(number.get()));
  if (!hex) {
    return openssl_status(StatusCode::kInternal, "cannot print serial number");
  }

  // BN_bn2hex prints whole octets ("0A1B"); the documented form has no leading zeros.
  std::string text(hex.get());
  std::size_t first = text.find_first_not_of('0');
  text.erase(0, first == std::string::npos ? text.size() - 1 : first);
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

Result<std::chrono::system_clock::time_point> time_to_point(const ASN1_TIME* time) {
  std::tm parts{};
  if (ASN1_TIME_to_tm(time, &parts) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot decode certificate time");
  }
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

std::string public_key_type(const X509* certificate) {
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  if (key == nullptr) {
    clear_openssl_errors();
    return "unknown";
  }

  EVP_PKEY_up_ref(key);
  PrivateKey wrapper(key);  // only for type(); the public half suffices.
  if (auto type = wrapper.type()) {
    return std::string(key_type_name(*type));
  }

  std::string name = EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name + "-" + std::to_string(EVP_PKEY_get_bits(key));
}

}  // namespace

Certificate::Certificate(x509_st* certificate) : certificate_(certificate, X509_free) {}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPkiFileBytes) {
    return Status::invalid_argument("PEM certificate is larger than the maximum of " +
                                    std::to_string(kMaxPkiFileBytes) + " bytes");
  }

  BioPtr bio = make_memory_bio(pem.data(), pem.size());
  if (!bio) {
    return openssl_status(StatusCode::kInternal, "cannot create memory BIO");
  }
  X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (certificate == nullptr) {
    return openssl_status(StatusCode::kInvalidArgument, "invalid PEM certificate");
  }
  return Certificate(certificate);
}

Result<Certificate> Certificate::from_der(ByteView der) {
  if (der.size() > kMaxPkiFileBytes) {
    return Status::invalid_argument("DER certificate is larger than the maximum of " +
                                    std::to_string(kMaxPkiFileBytes) + " bytes");
  }

  const unsigned char* cursor = der.data();
  X509* certificate = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
  if (certificate == nullptr) {
    return openssl_status(StatusCode::kInvalidArgument, "invalid DER certificate");
  }
  Certificate result(certificate);

  std::size_t consumed = static_cast<std::size_t>(cursor - der.data());
  if (consumed != der.size()) {
    return Status::invalid_argument("DER certificate is followed by " +
                                    std::to_string(der.size() - consumed) + " extra bytes");
  }
  return result;
}

Result<Certificate> Certificate::parse(ByteView data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && text.substr(start).starts_with("-----BEGIN")) {
    return from_pem(text);
  }
  return from_der(data);
}

Result<Certificate> Certificate::load_file(const std::filesystem::path& path) {
  auto contents = read_public_file(path);
  if (!contents.ok()) {
    return contents.status();
  }
  auto certificate = parse(as_bytes(*contents));
  if (!certificate.ok()) {
    return certificate.status().with_context(path.string());
  }
  return certificate;
}

Result<std::string> Certificate::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate_.get()) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot encode certificate as PEM");
  }
  return memory_bio_contents(bio.get());
}

Result<Bytes> Certificate::to_der() const {
  int length = i2d_X509(certificate_.get(), nullptr);
  if (length <= 0) {
    return openssl_status(StatusCode::kInternal, "cannot encode certificate as DER");
  }

  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  if (i2d_X509(certificate_.get(), &cursor) != length) {
    return openssl_status(StatusCode::kInternal, "cannot encode certificate as DER");
  }
  return der;
}

Status Certificate::write_pem_file(const std::filesystem::path& path) const {
  auto pem = to_pem();
  if (!pem.ok()) {
    return pem.status();
  }
  return write_public_file(path, *pem);
}

Result<CertificateInfo> Certificate::info() const {
  const X509* x509 = certificate_.get();
  CertificateInfo info;

  auto subject = name_to_string(X509_get_subject_name(x509));
  if (!subject.ok()) {
    return subject.status();
  }
  auto issuer = name_to_string(X509_get_issuer_name(x509));
  if (!issuer.ok()) {
    return issuer.status();
  }
  auto serial = serial_to_hex(X509_get0_serialNumber(x509));
  if (!serial.ok()) {
    return serial.status();
  }
  auto not_before = time_to_point(X509_get0_notBefore(x509));
  if (!not_before.ok()) {
    return not_before.status();
  }
  auto not_after = time_to_point(X509_get0_notAfter(x509));
  if (!not_after.ok()) {
    return not_after.status();
  }

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (X509_digest(x509, EVP_sha256(), digest, &digest_length) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot compute certificate fingerprint");
  }

  info.subject = std::move(*subject);
  info.subject_cn = last_common_name(X509_get_subject_name(x509));
  info.issuer = std::move(*issuer);
  info.serial_hex = std::move(*serial);
  info.not_before = *not_before;
  info.not_after = *not_after;
  info.sha256_fingerprint = hex_encode(ByteView(digest, digest_length));
  info.key_type = public_key_type(x509);
  return info;
}

}  // namespace careid::pki
