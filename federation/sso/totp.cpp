#include "federation/sso/totp.h"

#include <array>
#include <cctype>

#include "pki/digest.h"

namespace careid::federation::sso {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_value(char c) {
  if (c >= 'a' && c <= 'z') {
    c = static_cast<char>(c - 'a' + 'A');
  }
  std::size_t position = kBase32Alphabet.find(c);
  return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

bool is_six_digits(std::string_view code) {
  return code.size() == static_cast<std::size_t>(kTotpDigits) &&
         code.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string base32_encode(pki::ByteView bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 0x1f];
      bits -= 5;
    }
  }
  if (bits > 0) {
    out += kBase32Alphabet[(buffer << (5 - bits)) & 0x1f];
  }
  return out;
}

Result<pki::Bytes> base32_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  // RFC 4648 6: the last group has 2, 4, 5, 7 or 8 characters, never 1, 3 or 6.
  std::size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) {
    return Status::invalid_argument("Base32 text of " + std::to_string(text.size()) +
                                    " characters is truncated");
  }

  pki::Bytes out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = base32_value(c);
    if (value < 0) {
      return Status::invalid_argument("Base32 text contains a character outside A-Z and 2-7");
    }
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::int64_t totp_step(std::chrono::system_clock::time_point time) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch());
  return seconds.count() / kTotpStep.count();
}

Result<std::string> totp_code(pki::ByteView secret, std::int64_t step, int digits) {
  std::array<std::uint8_t, 8> counter{};
  auto value = static_cast<std::uint64_t>(step);
  for (int i = 7; i >= 0; --i) {
    counter[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value & 0xff);
    value >>= 8;
  }
  Result<pki::Bytes> mac = pki::hmac_sha1(secret, counter);
  if (!mac.ok()) {
    return mac.status();
  }

  // RFC 4226 5.3 dynamic truncation: 31 bits from the offset in the last byte's low nibble.
  const pki::Bytes& h = *mac;
  std::size_t offset = h.back() & 0x0f;
  std::uint32_t binary = (static_cast<std::uint32_t>(h[offset] & 0x7f) << 24) |
                         (static_cast<std::uint32_t>(h[offset + 1]) << 16) |
                         (static_cast<std::uint32_t>(h[offset + 2]) << 8) |
                         static_cast<std::uint32_t>(h[offset + 3]);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) {
    modulus *= 10;
  }
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::string totp_uri(std::string_view issuer, std::string_view account, pki::ByteView secret) {
  return "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) +
         "?secret=" + base32_encode(secret) + "&issuer=" + percent_encode(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

TotpVerifier::TotpVerifier(int window_steps, std::size_t max_accounts)
    : window_steps_(window_steps), max_accounts_(max_accounts) {}

TotpResult TotpVerifier::verify(std::string_view account, pki::ByteView secret,
                                std::string_view code, std::chrono::system_clock::time_point now) {
  if (!is_six_digits(code)) {
    return TotpResult::kWrongCode;
  }

  // Every step of the window is computed, so the time taken does not tell which one matched.
  std::int64_t current = totp_step(now);
  std::int64_t matched = -1;
  for (std::int64_t step = current - window_steps_; step <= current + window_steps_; ++step) {
    Result<std::string> expected = totp_code(secret, step);
    if (!expected.ok()) {
      return TotpResult::kError;
    }
    if (pki::constant_time_equal(pki::as_bytes(*expected), pki::as_bytes(code))) {
      matched = step;
    }
  }
  if (matched < 0) {
    return TotpResult::kWrongCode;
  }

  std::lock_guard lock(mutex_);
  auto used = last_used_step_.find(account);
  if (used != last_used_step_.end() && matched <= used->second) {
    return TotpResult::kReplayed;
  }
  if (used == last_used_step_.end()) {
    drop_expired(current);
    if (last_used_step_.size() >= max_accounts_) {
      return TotpResult::kBusy;
    }
    last_used_step_.emplace(std::string(account), matched);
  } else {
    used->second = matched;
  }
  return TotpResult::kAccepted;
}

// An entry whose step lies before the window can no longer match, so forgetting it cannot
// let a code through twice.
void TotpVerifier::drop_expired(std::int64_t current_step) {
  std::erase_if(last_used_step_, [&](const auto& entry) {
    return entry.second < current_step - window_steps_;
  });
}

}  // namespace careid::federation::sso
