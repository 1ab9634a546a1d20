// Smartcard operations on a PKCS#11 token: initialise it, put a card on it (a key pair
// generated on the token and a certificate from the card CA), renew the card, reset the
// user PIN, and list what the token holds.
//
// A card on a token is three objects with the same CKA_ID and CKA_LABEL = the holder's
// 12-digit uid: the private key (sensitive, never extractable, sign only), its public key,
// and the X.509 certificate. TLS clients find the pair by label, for example with the
// PKCS#11 URI "pkcs11:token=<token label>;object=<uid>" (RFC 7512).
//
// The calls block on the token; none of them logs or returns a PIN.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pki/ca.h"
#include "pki/pkcs11/module.h"
#include "pki/pkcs11/pin.h"

namespace careid::pki::pkcs11 {

// Bytes of the random CKA_ID given to each new card's objects.
inline constexpr std::size_t kCardObjectIdBytes = 16;

struct TokenCard {
  Certificate certificate;
  std::string token_label;
  std::string token_serial;
  Bytes object_id;  // CKA_ID of the key pair and the certificate
};

struct RenewedCard {
  TokenCard card;
  Certificate replaced;  // the previous certificate, deleted from the token with its keys
};

struct CardKeyOptions {
  KeyType key_type = KeyType::kEcdsaP256;  // ecdsa-p256 or rsa-2048
  CardCertificateOptions certificate;      // key_type inside it is ignored
};

// Initialises a token labelled `label` with the SO PIN, then logs in as security officer
// and sets the user PIN (C_InitToken, C_Login(CKU_SO), C_InitPIN), as softhsm2-util
// --init-token does. Errors as Module::init_token, and those of the logins.
Result<TokenInfo> initialize_token(Module& module, std::string_view label, const Pin& so_pin,
                                   const Pin& user_pin);

// Logs in with `pin` and issues a card for `uid`: generates the key pair on the token,
// has `ca` certify the token's public key, and stores the certificate beside the key.
// It then reads the certificate back and checks that it matches the key. AlreadyExists
// when the token already contains a certificate labelled `uid` (renew_card replaces it).
// PermissionDenied for a wrong PIN. On a failure after key generation the new objects are
// deleted again.
Result<TokenCard> issue_card(Module& module, const TokenSelector& token, const Pin& pin,
                             const CertificateAuthority& ca, std::string_view uid,
                             const CardKeyOptions& options = {});

// As issue_card, on a token found before, so that no slot is scanned.
Result<TokenCard> issue_card(Module& module, const TokenInfo& token, const Pin& pin,
                             const CertificateAuthority& ca, std::string_view uid,
                             const CardKeyOptions& options = {});

// Logs in to `token` as security officer and sets the user PIN (C_InitPIN), the second
// half of initialize_token for a token that Module::init_token_in_slot initialised.
Status set_user_pin(Module& module, const TokenInfo& token, const Pin& so_pin, const Pin& user_pin);

// Replaces the card for `uid` on the token: a new key pair and certificate as issue_card,
// then the previous certificate and its keys are deleted. NotFound when the token contains
// no card for `uid`. Revoking the previous certificate is the caller's job.
Result<RenewedCard> renew_card(Module& module, const TokenSelector& token, const Pin& pin,
                               const CertificateAuthority& ca, std::string_view uid,
                               const CardKeyOptions& options = {});

// Unlocks a token: logs in as security officer and sets a new user PIN (C_InitPIN), which
// also clears a user PIN lock on tokens that count failures. PermissionDenied for a wrong
// SO PIN.
Status reset_user_pin(Module& module, const TokenSelector& token, const Pin& so_pin,
                      const Pin& new_pin);

struct TokenContents {
  TokenInfo token;
  std::vector<ObjectInfo> objects;
  // Certificates parsed from the certificate objects, in the order of `objects`.
  std::vector<std::pair<ObjectHandle, Certificate>> certificates;
};

// Lists the token's objects; private ones only when `pin` is given (a user login).
Result<TokenContents> read_token(Module& module, const TokenSelector& token,
                                 const std::optional<Pin>& pin);

}  // namespace careid::pki::pkcs11
