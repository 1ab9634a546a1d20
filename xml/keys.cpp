// Loading of SigningKey and VerificationKey from PEM files and text.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "xml/pem.h"
#include "xml/signature.h"
#include "xml/xmlsec_support.h"

namespace careid::xml {
namespace {

using detail::KeyPtr;

// Reads a private key file after checking, on the open descriptor, that it is a regular
// file that neither group nor others may access: a key readable by other local users lets
// them forge assertions.
Result<std::string> read_private_key_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::io_error("cannot open key file " + path.string() + ": " + std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::io_error("key file " + path.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::permission_denied("key file " + path.string() + " has mode " + mode +
                                     "; it must not be accessible to group or others (chmod 600)");
  }

  std::string content;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
    content.append(buffer, static_cast<std::size_t>(n));
  }
  if (n < 0) {
    return Status::io_error("cannot read key file " + path.string() + ": " + std::strerror(errno));
  }
  return content;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::io_error("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::string content;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    content.append(buffer, n);
  }
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    return Status::io_error("cannot read " + path.string());
  }
  return content;
}

Result<KeyType> key_type_of(xmlSecKeyPtr key) {
  xmlSecKeyDataPtr value = xmlSecKeyGetValue(key);
  if (xmlSecKeyDataCheckId(value, xmlSecKeyDataRsaId)) {
    return KeyType::kRsa;
  }
  if (xmlSecKeyDataCheckId(value, xmlSecKeyDataEcdsaId)) {
    return KeyType::kEcdsa;
  }
  return Status::invalid_argument("unsupported key type; expected RSA or EC");
}

KeyPtr load_key_from_memory(std::string_view data, xmlSecKeyDataFormat format) {
  detail::clear_xmlsec_error();
  KeyPtr key(xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte*>(data.data()),
                                          static_cast<xmlSecSize>(data.size()), format, nullptr,
                                          nullptr, nullptr));
  detail::clear_xmlsec_error();
  return key;
}

// Signs and verifies a throw-away document, which proves that the key matches the
// certificate before any SP receives a signature that cannot verify.
Status check_key_matches_certificate(const SigningKey& key, const std::string& certificate_pem) {
  auto verification_key = VerificationKey::from_certificate(certificate_pem);
  if (!verification_key.ok()) {
    return verification_key.status();
  }
  Document probe = Document::create("urn:careid:key-check", "k", "Probe");
  probe.root().set_attribute("ID", "_key_check");
  CAREID_RETURN_IF_ERROR(sign_enveloped(probe, probe.root(), Element(), key));
  if (!verify_enveloped(probe, probe.root(), *verification_key).ok()) {
    return Status::invalid_argument("the private key does not match the certificate");
  }
  return Status::ok_status();
}

}  // namespace

Result<SigningKey> SigningKey::load(const std::filesystem::path& key_file,
                                    const std::filesystem::path& certificate_file) {
  CAREID_RETURN_IF_ERROR(ensure_xmlsec_initialised());
  auto key_pem = read_private_key_file(key_file);
  if (!key_pem.ok()) {
    return key_pem.status();
  }
  auto certificate = read_file(certificate_file);
  if (!certificate.ok()) {
    return certificate.status();
  }

  KeyPtr key = load_key_from_memory(*key_pem, xmlSecKeyDataFormatPem);
  if (key == nullptr) {
    return Status::invalid_argument("key file " + key_file.string() +
                                    " does not contain an unencrypted PEM private key");
  }
  auto type = key_type_of(key.get());
  if (!type.ok()) {
    return type.status().with_context("key file " + key_file.string());
  }

  auto base64 = certificate_base64_of(*certificate);
  detail::clear_xmlsec_error();
  if (!base64.ok() ||
      xmlSecCryptoAppKeyCertLoadMemory(key.get(),
                                       reinterpret_cast<const xmlSecByte*>(certificate->data()),
                                       static_cast<xmlSecSize>(certificate->size()),
                                       xmlSecKeyDataFormatPem) < 0) {
    detail::clear_xmlsec_error();
    return Status::invalid_argument("certificate file " + certificate_file.string() +
                                    " does not contain a PEM certificate");
  }

  KeyPtr private_key = load_key_from_memory(*key_pem, xmlSecKeyDataFormatPem);
  if (private_key == nullptr) {
    return Status::invalid_argument("key file " + key_file.string() +
                                    " does not contain an unencrypted PEM private key");
  }
  auto impl = std::make_shared<Impl>(std::move(key), std::move(private_key));
  impl->type = *type;
  impl->certificate_base64 = *base64;
  SigningKey signing_key(std::move(impl));
  Status matches = check_key_matches_certificate(signing_key, *certificate);
  if (!matches.ok()) {
    return matches.with_context(key_file.string() + " and " + certificate_file.string());
  }
  return signing_key;
}

KeyType SigningKey::type() const { return impl_->type; }

const std::string& SigningKey::certificate_base64() const { return impl_->certificate_base64; }

Result<VerificationKey> VerificationKey::from_certificate(std::string_view certificate) {
  CAREID_RETURN_IF_ERROR(ensure_xmlsec_initialised());
  auto pem = certificate_to_pem(certificate);
  if (!pem.ok()) {
    return pem.status();
  }
  KeyPtr key = load_key_from_memory(*pem, xmlSecKeyDataFormatCertPem);
  if (key == nullptr) {
    return Status::invalid_argument("invalid certificate: it does not decode as X.509");
  }
  return VerificationKey(std::make_shared<Impl>(std::move(key)));
}

Result<VerificationKey> VerificationKey::load_certificate_file(const std::filesystem::path& file) {
  auto content = read_file(file);
  if (!content.ok()) {
    return content.status();
  }
  auto key = from_certificate(*content);
  if (!key.ok()) {
    return key.status().with_context(file.string());
  }
  return key;
}

}  // namespace careid::xml
