#include "directory/auth/password.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "directory/auth/schemes.h"

namespace careid::directory::auth {

namespace {

constexpr std::array<PasswordScheme, 3> kSchemes = {PasswordScheme::kSsha, PasswordScheme::kSsha256,
                                                    PasswordScheme::kArgon2};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

Status check_range(std::string_view field, uint32_t value, uint32_t low, uint32_t high) {
  if (value < low || value > high) {
    return Status::invalid_argument("invalid Argon2 " + std::string(field) + " " +
                                    std::to_string(value) + ": expected " + std::to_string(low) +
                                    "-" + std::to_string(high));
  }
  return Status::ok_status();
}

// Splits "{SCHEME}rest" into the scheme and the rest.
Result<std::pair<PasswordScheme, std::string_view>> split_scheme(std::string_view stored) {
  std::size_t close = stored.find('}');
  if (!stored.starts_with('{') || close == std::string_view::npos) {
    return Status::unimplemented(
        "userPassword value has no {scheme} prefix; cleartext passwords are not accepted, "
        "store a hash such as {ARGON2} or {SSHA} instead");
  }

  std::string_view name = stored.substr(1, close - 1);
  auto scheme = parse_scheme(name);
  if (!scheme) {
    return Status::unimplemented("unsupported userPassword scheme {" + std::string(name) +
                                 "}: careid checks {SSHA}, {SSHA256} and {ARGON2}");
  }
  return std::pair{*scheme, stored.substr(close + 1)};
}

Result<bool> check(PasswordScheme scheme, std::string_view encoded, std::string_view password) {
  switch (scheme) {
    case PasswordScheme::kSsha:
      return detail::verify_salted_sha(detail::ShaDigest::kSha1, encoded, password);
    case PasswordScheme::kSsha256:
      return detail::verify_salted_sha(detail::ShaDigest::kSha256, encoded, password);
    case PasswordScheme::kArgon2:
      return detail::verify_argon2(encoded, password);
  }
  return Status::internal("unhandled password scheme");
}

}  // namespace

std::string_view scheme_name(PasswordScheme scheme) {
  switch (scheme) {
    case PasswordScheme::kSsha:
      return "SSHA";
    case PasswordScheme::kSsha256:
      return "SSHA256";
    case PasswordScheme::kArgon2:
      return "ARGON2";
  }
  return "UNKNOWN";
}

std::optional<PasswordScheme> parse_scheme(std::string_view name) {
  for (PasswordScheme scheme : kSchemes) {
    if (equal_ignoring_case(name, scheme_name(scheme))) {
      return scheme;
    }
  }
  return std::nullopt;
}

Status validate_argon2_params(const Argon2Params& params) {
  // RFC 9106 3.1: memory must be at least 8 KiB per lane.
  CAREID_RETURN_IF_ERROR(check_range("parallelism", params.parallelism, 1, kMaxArgon2Parallelism));
  CAREID_RETURN_IF_ERROR(
      check_range("memory_kib", params.memory_kib, 8 * params.parallelism, kMaxArgon2MemoryKib));
  CAREID_RETURN_IF_ERROR(check_range("iterations", params.iterations, 1, kMaxArgon2Iterations));
  CAREID_RETURN_IF_ERROR(
      check_range("salt_bytes", params.salt_bytes, kMinArgon2SaltBytes, kMaxArgon2SaltBytes));
  return check_range("hash_bytes", params.hash_bytes, kMinArgon2HashBytes, kMaxArgon2HashBytes);
}

Result<std::string> hash_password(PasswordScheme scheme, std::string_view password,
                                  const Argon2Params& argon2) {
  if (password.empty()) {
    return Status::invalid_argument("cannot hash an empty password: it would never match");
  }

  Result<std::string> encoded = Status::internal("unhandled password scheme");
  switch (scheme) {
    case PasswordScheme::kSsha:
      encoded = detail::hash_salted_sha(detail::ShaDigest::kSha1, password);
      break;
    case PasswordScheme::kSsha256:
      encoded = detail::hash_salted_sha(detail::ShaDigest::kSha256, password);
      break;
    case PasswordScheme::kArgon2:
      encoded = detail::hash_argon2(argon2, password);
      break;
  }
  if (!encoded.ok()) {
    return encoded.status();
  }
  return "{" + std::string(scheme_name(scheme)) + "}" + *encoded;
}

bool verify_password(std::string_view stored, std::string_view password, Status* error) {
  Status outcome;
  bool match = false;

  auto parts = split_scheme(stored);
  if (!parts.ok()) {
    outcome = parts.status();
  } else {
    auto checked = check(parts->first, parts->second, password);
    if (checked.ok() && password.empty()) {
      match = false;
    } else if (checked.ok()) {
      match = *checked;
    } else {
      outcome = checked.status();
    }
  }

  if (error != nullptr) {
    *error = outcome;
  }
  return match && outcome.ok();
}

}  // namespace careid::directory::auth
