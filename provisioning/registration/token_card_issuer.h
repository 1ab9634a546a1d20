// TokenCardIssuer: the CardIssuer behind `careidctl intake --issue-cards`. Each person gets a
// card on a PKCS#11 token of their own, labelled with their uid, as `careidctl card init-token
// --label <uid>` followed by `card issue --token-label <uid> --uid <uid>` would make it: the
// token gets the SO PIN and the initial user PIN, the key pair is generated on the token, the
// card CA certifies the token's public key, and the certificate is stored beside the key
// (pki/pkcs11/card_token.h). The card is then recorded in the card registry and a card.issue
// event goes to the data folder's audit trail.
//
// A person is done when the card registry contains a good card on a token for the uid. A token
// left by an interrupted run is reused: an empty one gets the card, and a card already on it
// that the registry lacks is recorded.
//
// Cost: the module's tokens are listed once, when the issuer opens. Creating a token then
// reads the slot list once and calls C_GetTokenInfo only on slots not seen before.
// NOTE: SoftHSM 2.6 reads its whole token folder while it creates a token. With 8,000
// tokens that was about 16,000 stat calls per new token, so system time per card grows with
// the folder (docs/benchmarks.md).
//
// Not thread-safe. Calls block on the token, the registry (an LMDB commit) and the CA key.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "audit/audit_log.h"
#include "base/status.h"
#include "pki/ca.h"
#include "pki/card_registry.h"
#include "pki/pkcs11/card_token.h"
#include "provisioning/registration/intake.h"

namespace careid::provisioning::registration {

struct TokenCardIssuerOptions {
  // Data folder with the card CA (pki/), the card registry, the SoftHSM tokens (tokens/)
  // and, when present, careid.toml for the audit trail and the CRL and OCSP URLs.
  std::filesystem::path data_dir;
  // PKCS#11 module; empty means [pki] pkcs11_module of careid.toml (pkcs11_module_of).
  std::filesystem::path module;
  pki::KeyType key_type = pki::KeyType::kEcdsaP256;
  // Actor of the card.issue audit events.
  std::string actor = "careidctl";
};

class TokenCardIssuer final : public CardIssuer {
 public:
  // Opens the card CA, the card registry and the audit trail, points SoftHSM at the data
  // folder's tokens, loads the module and lists its tokens. Fails before any token changes
  // when one of them is missing or unreadable.
  static Result<std::unique_ptr<TokenCardIssuer>> open(const TokenCardIssuerOptions& options,
                                                       pki::pkcs11::Pin so_pin,
                                                       pki::pkcs11::Pin user_pin);

  // Flushes the audit trail.
  ~TokenCardIssuer() override;

  Result<CardOutcome> ensure_card(const std::string& uid) override;

 private:
  TokenCardIssuer(pki::pkcs11::Module module, pki::CertificateAuthority ca, pki::pkcs11::Pin so_pin,
                  pki::pkcs11::Pin user_pin);

  Result<bool> has_good_token_card(const std::string& uid) const;
  Result<pki::pkcs11::TokenInfo> create_token(const std::string& label);
  Status scan_new_slots();
  Result<CardOutcome> record_card(const std::string& uid, const pki::Certificate& certificate,
                                  const std::string& token_serial);
  Result<CardOutcome> record_card_on_token(const std::string& uid, const pki::pkcs11::TokenInfo& token);
  void record_failure(const std::string& uid);

  pki::pkcs11::Module module_;
  pki::CertificateAuthority ca_;
  pki::pkcs11::Pin so_pin_;
  pki::pkcs11::Pin user_pin_;
  pki::pkcs11::CardKeyOptions key_options_;
  std::unique_ptr<pki::CardRegistry> registry_;
  std::unique_ptr<audit::AuditLog> audit_log_;
  std::string actor_;
  // Initialised tokens by label, every slot id whose token is initialised and known, and an
  // uninitialised token for the next new card.
  std::map<std::string, pki::pkcs11::TokenInfo> tokens_;
  std::set<pki::pkcs11::SlotId> known_slots_;
  std::optional<pki::pkcs11::TokenInfo> free_token_;
};

// Returns [pki] pkcs11_module of <data_dir>/careid.toml, or SoftHSM 2's module path when the
// folder has no careid.toml. InvalidArgument when the file does not parse.
Result<std::filesystem::path> pkcs11_module_of(const std::filesystem::path& data_dir);

// Opens the audit trail that <data_dir>/careid.toml configures. Returns null when the folder
// has no careid.toml or the trail is switched off ([audit] file = "").
Result<std::unique_ptr<audit::AuditLog>> open_audit_log_of(const std::filesystem::path& data_dir);

}  // namespace careid::provisioning::registration
