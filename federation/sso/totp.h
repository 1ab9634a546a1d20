// TOTP second factor (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch,
// the form that common authenticator apps use with an otpauth:// URI.
//
// TotpVerifier accepts the code of the current step or of one step either side (clock
// drift), and each step once per account (RFC 6238 5.2), so a code seen by someone else
// cannot be used again. The steps used are kept in memory only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "pki/bytes.h"

namespace careid::federation::sso {

inline constexpr std::chrono::seconds kTotpStep{30};
inline constexpr int kTotpDigits = 6;
// Secret length for new enrolments: 160 bits, the HMAC-SHA1 output size (RFC 4226 4 R6).
inline constexpr std::size_t kTotpSecretBytes = 20;

// Encodes `bytes` in the RFC 4648 section 6 Base32 alphabet without padding, as otpauth://
// URIs carry secrets.
std::string base32_encode(pki::ByteView bytes);

// Decodes Base32 (RFC 4648 6), upper or lower case, with or without '=' padding.
// kInvalidArgument for any other character or a length no encoder produces.
Result<pki::Bytes> base32_decode(std::string_view text);

// Returns the step number of `time`: seconds since the Unix epoch divided by kTotpStep.
std::int64_t totp_step(std::chrono::system_clock::time_point time);

// Computes the HOTP value (RFC 4226 5.3) of `step` under `secret` as `digits` decimal digits
// with leading zeros. `digits` is 6 to 8. Fails only when OpenSSL fails.
Result<std::string> totp_code(pki::ByteView secret, std::int64_t step, int digits = kTotpDigits);

// Builds the otpauth:// URI (Key URI Format of Google Authenticator) that authenticator apps
// read from a QR code: otpauth://totp/<issuer>:<account>?secret=...&issuer=...
std::string totp_uri(std::string_view issuer, std::string_view account, pki::ByteView secret);

enum class TotpResult {
  kAccepted,
  kWrongCode,  // not the code of any step in the window, or not 6 digits
  kReplayed,   // the code of a step that this account already used, or an earlier step
  kBusy,       // max_accounts accounts used a step within the window; try again shortly
  kError,      // OpenSSL failed
};

class TotpVerifier {
 public:
  // `window_steps` steps either side of the current one are accepted (0 or 1). At most
  // `max_accounts` accounts are remembered; entries older than the window are dropped first.
  explicit TotpVerifier(int window_steps = 1, std::size_t max_accounts = 100000);

  // Checks `code` for `account` at `now` and, when it is accepted, records its step so that
  // this step and every earlier one are rejected as kReplayed for the account. Thread-safe.
  TotpResult verify(std::string_view account, pki::ByteView secret, std::string_view code,
                    std::chrono::system_clock::time_point now);

 private:
  void drop_expired(std::int64_t current_step);

  int window_steps_;
  std::size_t max_accounts_;
  std::mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> last_used_step_;
};

}  // namespace careid::federation::sso
