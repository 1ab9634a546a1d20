#include "pki/key.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "pki/files.h"
#include "pki/openssl_error.h"
#include "pki/openssl_handles.h"

namespace careid::pki {

namespace {

// Passphrase callback that supplies no passphrase, so OpenSSL never prompts on a terminal
// for an encrypted key and fails instead.
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

void PrivateKey::Deleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return "ecdsa-p256";
    case KeyType::kRsa2048:
      return "rsa-2048";
    case KeyType::kRsa3072:
      return "rsa-3072";
  }
  return "unknown";
}

std::optional<KeyType> parse_key_type(std::string_view name) {
  for (KeyType type : {KeyType::kEcdsaP256, KeyType::kRsa2048, KeyType::kRsa3072}) {
    if (name == key_type_name(type)) {
      return type;
    }
  }
  return std::nullopt;
}

Result<PrivateKey> PrivateKey::generate(KeyType type) {
  EVP_PKEY* key = nullptr;
  switch (type) {
    case KeyType::kEcdsaP256:
      key = EVP_EC_gen("P-256");
      break;
    case KeyType::kRsa2048:
      key = EVP_RSA_gen(2048);
      break;
    case KeyType::kRsa3072:
      key = EVP_RSA_gen(3072);
      break;
  }
  if (key == nullptr) {
    return openssl_status(StatusCode::kInternal,
                          "cannot generate " + std::string(key_type_name(type)) + " key");
  }
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPkiFileBytes) {
    return Status::invalid_argument("PEM private key is larger than the maximum of " +
                                    std::to_string(kMaxPkiFileBytes) + " bytes");
  }

  BioPtr bio = make_memory_bio(pem.data(), pem.size());
  if (!bio) {
    return openssl_status(StatusCode::kInternal, "cannot create memory BIO");
  }
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (key == nullptr) {
    return openssl_status(StatusCode::kInvalidArgument,
                          "invalid PEM private key (encrypted keys are not supported)");
  }
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::load_pem_file(const std::filesystem::path& path) {
  auto text = read_private_file(path);
  if (!text.ok()) {
    return text.status();
  }

  auto key = from_pem(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!key.ok()) {
    return key.status().with_context(path.string());
  }
  return key;
}

Result<std::string> PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_status(StatusCode::kInternal, "cannot encode private key as PEM");
  }
  return memory_bio_contents(bio.get());
}

Status PrivateKey::write_pem_file(const std::filesystem::path& path) const {
  auto pem = to_pem();
  if (!pem.ok()) {
    return pem.status();
  }
  Status status = write_private_file(path, *pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  return status;
}

std::optional<KeyType> PrivateKey::type() const {
  if (EVP_PKEY_is_a(key_.get(), "RSA")) {
    switch (EVP_PKEY_get_bits(key_.get())) {
      case 2048:
        return KeyType::kRsa2048;
      case 3072:
        return KeyType::kRsa3072;
      default:
        return std::nullopt;
    }
  }

  if (EVP_PKEY_is_a(key_.get(), "EC")) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key_.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) == 1 &&
        std::string_view(group) == "prime256v1") {
      return KeyType::kEcdsaP256;
    }
    clear_openssl_errors();
  }
  return std::nullopt;
}

}  // namespace careid::pki
