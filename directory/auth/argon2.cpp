// {ARGON2}: the PHC string format that libargon2's encoder and OpenLDAP's argon2 module write,
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
// with unpadded base64 salt and hash. The value is parsed here rather than passed to
// argon2_verify so that the cost limits are enforced before any memory is allocated.
#include <argon2.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "directory/auth/schemes.h"
#include "pki/encoding.h"

namespace careid::directory::auth::detail {

namespace {

// Fixed in the PHC string format of libargon2 (its ARGON2_VERSION_NUMBER and ARGON2_VERSION_10).
constexpr uint32_t kVersion13 = 0x13;
constexpr uint32_t kVersion10 = 0x10;

struct Argon2Value {
  argon2_type type = Argon2_id;
  uint32_t version = kVersion13;
  Argon2Params params;
  pki::Bytes salt;
  pki::Bytes hash;
};

Status malformed(std::string_view reason) {
  return Status::corruption("malformed {ARGON2} value: " + std::string(reason));
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(at + 1);
  }
}

// Parses "<key>=<decimal>", digits only, into a uint32.
Result<uint32_t> parse_number(std::string_view field, std::string_view key) {
  if (!field.starts_with(key) || field.size() <= key.size() || field[key.size()] != '=') {
    return malformed("expected " + std::string(key) + "=<number>");
  }
  std::string_view digits = field.substr(key.size() + 1);
  uint32_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return malformed("invalid number in " + std::string(key) + "=");
  }
  return value;
}

Result<argon2_type> parse_type(std::string_view name) {
  if (name == "argon2id") {
    return Argon2_id;
  }
  if (name == "argon2i") {
    return Argon2_i;
  }
  if (name == "argon2d") {
    return Argon2_d;
  }
  return malformed("unknown variant '" + std::string(name) + "'");
}

Status parse_costs(std::string_view text, Argon2Params& params) {
  auto fields = split(text, ',');
  if (fields.size() != 3) {
    return malformed("expected m=,t=,p=");
  }
  auto memory = parse_number(fields[0], "m");
  auto iterations = parse_number(fields[1], "t");
  auto parallelism = parse_number(fields[2], "p");
  for (const auto* field : {&memory, &iterations, &parallelism}) {
    if (!field->ok()) {
      return field->status();
    }
  }
  params.memory_kib = *memory;
  params.iterations = *iterations;
  params.parallelism = *parallelism;
  return Status::ok_status();
}

Result<pki::Bytes> decode_field(std::string_view text, std::string_view name) {
  auto bytes = pki::base64_decode(text, pki::Base64Padding::kNone);
  if (!bytes.ok()) {
    return malformed(std::string(name) + ": " + bytes.status().message());
  }
  return bytes;
}

// Fills `value` from "$type[$v=N]$m=..,t=..,p=..$salt$hash"; the version field is optional in
// the PHC format and means version 0x10 when absent.
Status parse_value(std::string_view encoded, Argon2Value& value) {
  auto parts = split(encoded, '$');
  if (parts.size() != 5 && parts.size() != 6) {
    return malformed("expected $<variant>$v=<version>$m=,t=,p=$<salt>$<hash>");
  }
  if (!parts[0].empty()) {
    return malformed("value must start with '$'");
  }

  auto type = parse_type(parts[1]);
  if (!type.ok()) {
    return type.status();
  }
  value.type = *type;

  std::size_t next = 2;
  value.version = kVersion10;
  if (parts.size() == 6) {
    auto version = parse_number(parts[next++], "v");
    if (!version.ok()) {
      return version.status();
    }
    if (*version != kVersion10 && *version != kVersion13) {
      return malformed("unsupported version " + std::to_string(*version));
    }
    value.version = *version;
  }
  CAREID_RETURN_IF_ERROR(parse_costs(parts[next++], value.params));

  auto salt = decode_field(parts[next++], "salt");
  if (!salt.ok()) {
    return salt.status();
  }
  auto hash = decode_field(parts[next], "hash");
  if (!hash.ok()) {
    return hash.status();
  }
  value.salt = std::move(*salt);
  value.hash = std::move(*hash);
  value.params.salt_bytes = static_cast<uint32_t>(value.salt.size());
  value.params.hash_bytes = static_cast<uint32_t>(value.hash.size());
  return Status::ok_status();
}

// Limits Argon2 hashes to one per hardware thread. Each hash uses memory_kib (19 MiB by
// default) until it ends, and more hashes at once finish no sooner, so the rest wait here.
class HashSlots {
 public:
  HashSlots() : free_(std::max(1u, std::thread::hardware_concurrency())) {}

  void acquire() {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }

  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    released_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  unsigned free_;
};

HashSlots& hash_slots() {
  static HashSlots slots;
  return slots;
}

Result<pki::Bytes> compute(const Argon2Value& value, std::string_view password) {
  if (password.size() > ARGON2_MAX_PWD_LENGTH) {
    return Status::invalid_argument("password is longer than Argon2 allows");
  }

  hash_slots().acquire();
  struct SlotRelease {
    ~SlotRelease() { hash_slots().release(); }
  } release_on_return;
  pki::Bytes out(value.hash.size());
  int code = argon2_hash(value.params.iterations, value.params.memory_kib, value.params.parallelism,
                         password.data(), password.size(), value.salt.data(), value.salt.size(),
                         out.data(), out.size(), nullptr, 0, value.type, value.version);
  if (code != ARGON2_OK) {
    return Status::internal(std::string("Argon2 hashing failed: ") + argon2_error_message(code));
  }
  return out;
}

}  // namespace

Result<std::string> hash_argon2(const Argon2Params& params, std::string_view password) {
  CAREID_RETURN_IF_ERROR(validate_argon2_params(params));
  auto salt = pki::random_bytes(params.salt_bytes);
  if (!salt.ok()) {
    return salt.status();
  }

  Argon2Value value{Argon2_id, kVersion13, params, std::move(*salt), pki::Bytes(params.hash_bytes)};
  auto hash = compute(value, password);
  if (!hash.ok()) {
    return hash.status();
  }

  return "$argon2id$v=" + std::to_string(kVersion13) + "$m=" + std::to_string(params.memory_kib) +
         ",t=" + std::to_string(params.iterations) + ",p=" + std::to_string(params.parallelism) +
         "$" + pki::base64_encode(value.salt, pki::Base64Padding::kNone) + "$" +
         pki::base64_encode(*hash, pki::Base64Padding::kNone);
}

Result<bool> verify_argon2(std::string_view encoded, std::string_view password) {
  Argon2Value value;
  CAREID_RETURN_IF_ERROR(parse_value(encoded, value));

  // The limits keep a planted value from costing more than careid would ever write.
  Status limits = validate_argon2_params(value.params);
  if (!limits.ok()) {
    return malformed(limits.message());
  }

  auto hash = compute(value, password);
  if (!hash.ok()) {
    return hash.status();
  }
  return pki::constant_time_equal(*hash, value.hash);
}

}  // namespace careid::directory::auth::detail
