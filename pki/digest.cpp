#include "pki/digest.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pki/openssl_error.h"

namespace careid::pki {

namespace {

Result<Bytes> digest(const EVP_MD* type, ByteView data, std::string_view name) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, type, nullptr) != 1) {
    return openssl_status(StatusCode::kInternal, std::string(name) + " digest failed");
  }
  out.resize(length);
  return out;
}

}  // namespace

Result<Bytes> sha1(ByteView data) { return digest(EVP_sha1(), data, "SHA-1"); }

Result<Bytes> sha256(ByteView data) { return digest(EVP_sha256(), data, "SHA-256"); }

Result<Bytes> sha256_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const std::string message = "cannot open " + path.string() + ": " + std::strerror(errno);
    return errno == ENOENT ? Status::not_found(message) : Status::io_error(message);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return openssl_status(StatusCode::kInternal, "SHA-256 digest failed");
  }

  std::vector<char> block(1024 * 1024);
  while (file) {
    file.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto count = static_cast<std::size_t>(file.gcount());
    if (count > 0 && EVP_DigestUpdate(context.get(), block.data(), count) != 1) {
      return openssl_status(StatusCode::kInternal, "SHA-256 digest failed");
    }
  }
  if (!file.eof()) {
    return Status::io_error("cannot read " + path.string());
  }

  Bytes out(kSha256Bytes);
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context.get(), out.data(), &length) != 1 || length != kSha256Bytes) {
    return openssl_status(StatusCode::kInternal, "SHA-256 digest failed");
  }
  return out;
}

namespace {

// HMAC (RFC 2104) with the OpenSSL digest `digest_name`, whose output has `size` bytes.
Result<Bytes> hmac(const char* digest_name, std::size_t size, ByteView key, ByteView data) {
  Bytes out(size);
  std::size_t length = 0;
  const unsigned char* result =
      EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name, nullptr, key.data(), key.size(), data.data(),
                data.size(), out.data(), out.size(), &length);
  if (result == nullptr || length != size) {
    return openssl_status(StatusCode::kInternal, std::string("HMAC-") + digest_name + " failed");
  }
  return out;
}

}  // namespace

Result<Bytes> hmac_sha256(ByteView key, ByteView data) { return hmac("SHA256", kSha256Bytes, key, data); }

Result<Bytes> hmac_sha1(ByteView key, ByteView data) { return hmac("SHA1", kSha1Bytes, key, data); }

Result<Bytes> random_bytes(std::size_t count) {
  if (count > kMaxRandomBytes) {
    return Status::invalid_argument("random_bytes: " + std::to_string(count) +
                                    " bytes requested, the maximum is " +
                                    std::to_string(kMaxRandomBytes));
  }

  Bytes out(count);
  if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    return openssl_status(StatusCode::kInternal, "random number generator failed");
  }
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace careid::pki
