// BER identifier octets (X.690 8.1.2): class, primitive/constructed bit and tag number.
#pragma once

#include <cstdint>
#include <string>

namespace careid::directory::ber {

enum class TagClass : std::uint8_t {
  kUniversal = 0,
  kApplication = 1,
  kContext = 2,
  kPrivate = 3,
};

struct Tag {
  TagClass tag_class = TagClass::kUniversal;
  bool constructed = false;
  std::uint32_t number = 0;

  bool operator==(const Tag&) const = default;
};

// The largest tag number the reader accepts. LDAP uses numbers below 31; the bound keeps a
// multi-byte tag number within four continuation octets.
inline constexpr std::uint32_t kMaxTagNumber = (1u << 28) - 1;

constexpr Tag universal_tag(std::uint32_t number, bool constructed = false) {
  return Tag{TagClass::kUniversal, constructed, number};
}
constexpr Tag application_tag(std::uint32_t number, bool constructed = false) {
  return Tag{TagClass::kApplication, constructed, number};
}
constexpr Tag context_tag(std::uint32_t number, bool constructed = false) {
  return Tag{TagClass::kContext, constructed, number};
}

// Universal tags that LDAP uses (X.680 8.4).
inline constexpr Tag kBooleanTag = universal_tag(1);
inline constexpr Tag kIntegerTag = universal_tag(2);
inline constexpr Tag kOctetStringTag = universal_tag(4);
inline constexpr Tag kNullTag = universal_tag(5);
inline constexpr Tag kEnumeratedTag = universal_tag(10);
inline constexpr Tag kSequenceTag = universal_tag(16, true);
inline constexpr Tag kSetTag = universal_tag(17, true);

// Formats `tag` for error messages, e.g. "[APPLICATION 3] constructed" or "UNIVERSAL 4".
std::string describe_tag(const Tag& tag);

}  // namespace careid::directory::ber
