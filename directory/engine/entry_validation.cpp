#include "directory/engine/entry_validation.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <random>

#include "directory/engine/csn.h"
#include "directory/schema/entry_check.h"
#include "directory/schema/matching.h"

namespace careid::directory::engine {
namespace {

using protocol::LdapResult;

LdapResult to_result(const LdapError& error) {
  return ldap_result(error.code, error.diagnostic, error.matched_dn);
}

// GeneralizedTime in UTC, e.g. 20261204201500Z (RFC 4517 3.3.13).
std::string generalized_time(std::chrono::system_clock::time_point now) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y%m%d%H%M%SZ", &utc);
  return text.data();
}

// A random (version 4) UUID in RFC 4122 text form.
std::string random_uuid() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t word = generator();
    for (std::size_t j = 0; j < 8; ++j) {
      bytes[i + j] = static_cast<unsigned char>(word >> (8 * j));
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      text += '-';
    }
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0f];
  }
  return text;
}

void set_value(const schema::Schema& schema, Entry& entry, std::string_view name, std::string value) {
  if (schema.find_attribute_type(name) == nullptr) {
    return;
  }
  std::erase_if(entry.attributes, [&](const Attribute& a) { return equals_ignore_case(a.description, name); });
  entry.attributes.push_back(Attribute{std::string(name), {std::move(value)}});
}

}  // namespace

Result<Entry, LdapResult> entry_from_request(const schema::Schema& schema, const protocol::AddRequest& request) {
  Entry entry{request.entry, {}};
  for (const protocol::PartialAttribute& attribute : request.attributes) {
    entry.attributes.push_back(Attribute{attribute.type, attribute.values});
  }

  auto canonical = schema::canonicalise_entry(schema, std::move(entry));
  if (!canonical.ok()) {
    return to_result(canonical.error());
  }
  for (const Attribute& attribute : canonical->attributes) {
    const schema::AttributeType* type =
        schema.find_attribute_type(std::string_view(attribute.description).substr(0, attribute.description.find(';')));
    if (type != nullptr && type->no_user_modification()) {
      return ldap_result(ResultCode::kConstraintViolation,
                         "attribute '" + type->name() + "' is maintained by the server; leave it out");
    }
  }
  return std::move(*canonical);
}

std::optional<LdapResult> check_entry(const schema::Schema& schema, const Entry& entry, const dn::Dn& name) {
  auto checked = schema::check_entry(schema, entry);
  if (!checked.ok()) {
    return to_result(checked.error());
  }
  return std::nullopt;
}

bool has_rdn_values(const schema::Schema& schema, const Entry& entry, const dn::Dn& name) {
  if (name.is_root()) {
    return true;
  }
  for (const dn::Ava& ava : name.rdn().avas) {
    const schema::AttributeType* type = schema.find_attribute_type(ava.type);
    const Attribute* attribute = type == nullptr ? nullptr : entry.find(type->name());
    if (attribute == nullptr) {
      return false;
    }
    bool present = std::any_of(attribute->values.begin(), attribute->values.end(), [&](const std::string& value) {
      auto equal = schema::values_equal(schema, *type, value, ava.value);
      return equal.ok() && *equal;
    });
    if (!present) {
      return false;
    }
  }
  return true;
}

void stamp_operational(const schema::Schema& schema, Entry& entry, std::string_view actor, bool created,
                       std::chrono::system_clock::time_point now) {
  std::string time = generalized_time(now);
  if (created) {
    set_value(schema, entry, "createTimestamp", time);
    set_value(schema, entry, "creatorsName", std::string(actor));
    set_value(schema, entry, "entryUUID", random_uuid());
  }
  set_value(schema, entry, "modifyTimestamp", time);
  set_value(schema, entry, "modifiersName", std::string(actor));
  set_value(schema, entry, "entryCSN", make_csn(now));
}

}  // namespace careid::directory::engine
