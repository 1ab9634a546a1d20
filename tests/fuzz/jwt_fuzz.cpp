// Fuzzes JWT verification (verify_jwt): the compact JWS split, strict base64url, the header
// JSON and key selection, the ES256 signature check and the claims JSON.
//
// The first byte selects what the rest is:
//   even  a compact token, verified as it is. The seeds are tokens signed with kTestKeyPem,
//         so mutations of their header reach key selection and the signature check.
//   odd   claims JSON text. The target signs it with a valid header, because verify_jwt
//         parses the claims only after the signature has verified.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "federation/oidc/jose.h"
#include "pki/bytes.h"
#include "pki/jws_signing.h"
#include "pki/key.h"

namespace oidc = careid::federation::oidc;
namespace pki = careid::pki;

namespace {

// A P-256 test key, used only by this fuzz target and its seed tokens. It protects nothing.
constexpr std::string_view kTestKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAAeDMlYlcvd5xuks\n"
    "s0rM2jF6mg3EwENp9uUsP4lzMOehRANCAASYx7kiTLPLlo2qNz47qj9UNcowFTnK\n"
    "qMTec1efpTXNHzzV4/h6VMbBJpR1YUqco56z2kaYIQa2o1R+Zq09E7VG\n"
    "-----END PRIVATE KEY-----\n";

constexpr std::string_view kType = "at+jwt";

oidc::KeySet make_key_set() {
  auto key = pki::PrivateKey::from_pem(kTestKeyPem);
  if (!key.ok()) {
    std::abort();
  }
  std::vector<pki::PrivateKey> keys;
  keys.push_back(std::move(*key));
  auto key_set = oidc::KeySet::create(std::move(keys));
  if (!key_set.ok()) {
    std::abort();
  }
  return std::move(*key_set);
}

// Builds a compact JWS whose payload is exactly `claims_text`, with the header and signature
// that sign_jwt makes.
std::string sign_claims_text(const oidc::KeySet& keys, std::string_view claims_text) {
  const oidc::SigningKey& key = keys.signing_key();
  oidc::Json header = {{"alg", "ES256"}, {"kid", key.kid}, {"typ", kType}};
  std::string signing_input =
      oidc::base64url_encode(header.dump()) + "." + oidc::base64url_encode(claims_text);
  auto signature = pki::jws_sign(key.key, pki::as_bytes(signing_input));
  if (!signature.ok()) {
    std::abort();
  }
  return signing_input + "." + oidc::base64url_encode(pki::ByteView(*signature));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  static const oidc::KeySet keys = make_key_set();
  static const std::vector<pki::JwsAlgorithm> allowed = keys.algorithms();

  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    (void)oidc::verify_jwt(keys, rest, kType, allowed);
    return 0;
  }

  if (rest.size() > oidc::kMaxTokenBytes / 2) {
    return 0;
  }
  auto verified = oidc::verify_jwt(keys, sign_claims_text(keys, rest), kType, allowed);
  if (verified.ok() && !verified->claims.is_object()) {
    std::abort();
  }
  return 0;
}
