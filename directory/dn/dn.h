// Distinguished names in their LDAP string form (RFC 4514).
//
// Dn::parse turns "uid=1234,ou=People,o=nhs" into a list of RDNs, most specific first, each
// a set of attribute-type-and-value pairs (AVAs). Values are stored unescaped, as raw bytes:
// "cn=Smith\, John" has the value "Smith, John", and a "#"-prefixed BER value
// ("cn=#04024869") keeps the BER encoding itself, with `ber_encoded` set, because decoding it
// needs the schema. Dn::to_string prints the RFC 4514 form again.
//
// Comparison needs the schema: "CN=Smith" and "cn=smith" name the same entry only because
// cn's equality rule ignores case. normalise() therefore takes a Normaliser that the schema
// layer supplies (Schema::dn_normaliser in schema/schema.h); default_normaliser() serves
// tests and tools that run without a schema by treating every attribute as caseIgnoreMatch.
//
// Limits: kMaxDnLength bytes of input (default 64 KiB) and kMaxRdns RDNs (default 512). A
// parse beyond either fails with InvalidArgument, so that a hostile DN cannot make the
// server allocate without bound.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::directory::dn {

inline constexpr std::size_t kMaxDnLength = 64 * 1024;
inline constexpr std::size_t kMaxRdns = 512;

// One attribute type and value (RFC 4514 2.3). `type` is a descriptor ("cn") or a
// numeric OID ("2.5.4.3") as written, without the "OID." prefix that RFC 1779 allowed.
struct Ava {
  std::string type;
  std::string value;
  bool ber_encoded = false;  // value was written as #hex; `value` contains the BER bytes

  bool operator==(const Ava&) const = default;
};

// A relative distinguished name: one or more AVAs joined by '+' (RFC 4514 2.2), in the
// order written.
struct Rdn {
  std::vector<Ava> avas;

  bool operator==(const Rdn&) const = default;
};

// Maps a DN's parts to canonical form. `type` returns the canonical lower-case name of an
// attribute type (e.g. "commonName" and "2.5.4.3" -> "cn"); `value` returns a value of that
// canonical type in the normal form of the attribute's equality rule. Either may fail (for
// an unknown type or a value that is invalid for its syntax); normalise() passes the Status on.
struct Normaliser {
  std::function<Result<std::string>(std::string_view type)> type;
  std::function<Result<std::string>(std::string_view type, std::string_view value)> value;
};

// A normaliser that needs no schema: types are lower-cased, and values are compared as by
// caseIgnoreMatch in ASCII (trimmed, inner runs of spaces collapsed, lower-cased). BER
// values are kept as bytes. Right for the common naming attributes (cn, uid, ou, o, dc, c).
const Normaliser& default_normaliser();

class Dn {
 public:
  // The empty DN: the root DSE (RFC 4512 5.1).
  Dn() = default;
  explicit Dn(std::vector<Rdn> rdns) : rdns_(std::move(rdns)) {}

  // Parses `text` (RFC 4514 3). RFC 4514 3 lets parsers accept other forms, so this one also
  // accepts spaces around ',', '+' and '=', and leading or trailing spaces of the whole DN. The empty string is the root DN. On error returns InvalidArgument naming the
  // byte offset and the problem, e.g. "invalid DN at offset 7: expected '=' after attribute type".
  static Result<Dn> parse(std::string_view text);

  const std::vector<Rdn>& rdns() const { return rdns_; }
  bool is_root() const { return rdns_.empty(); }
  std::size_t depth() const { return rdns_.size(); }

  // The first (most specific) RDN. Must not be called on the root DN.
  const Rdn& rdn() const;

  // The DN without its first RDN; the root DN for a DN of depth 1 and for the root itself.
  Dn parent() const;

  // Returns this DN with `rdn` put in front: the name of a child entry.
  Dn child(Rdn rdn) const;

  // True when this DN is strictly below `ancestor`; every DN except the root is below the
  // root. Both DNs are compared through `normaliser`; a DN that fails to normalise is below
  // nothing.
  bool is_descendant_of(const Dn& ancestor,
                        const Normaliser& normaliser = default_normaliser()) const;

  // Same as is_descendant_of, but also true when the two DNs are equal.
  bool is_within(const Dn& base, const Normaliser& normaliser = default_normaliser()) const;

  // Prints the DN in RFC 4514 form: "," between RDNs, "+" between AVAs, no spaces, and
  // each value escaped as RFC 4514 2.4 requires. BER values print as "#" and lower-case hex.
  std::string to_string() const;

  // Returns the key used to compare and index DNs: types and values mapped through
  // `normaliser`, the AVAs of each multi-valued RDN sorted, then printed as to_string()
  // does, so "UID=X + CN=a , OU=people" and "cn=A+uid=x,ou=People" give the same key.
  Result<std::string> normalise(const Normaliser& normaliser = default_normaliser()) const;

  bool operator==(const Dn&) const = default;

 private:
  std::vector<Rdn> rdns_;
};

// Escapes an attribute value for a DN string (RFC 4514 2.4): '"', '+', ',', ';', '<', '>'
// and '\' get a backslash, as do a leading '#' or space and a trailing space; NUL becomes
// "\00". Other bytes, including UTF-8, are copied unchanged.
std::string escape_value(std::string_view value);

// Normalises one RDN through `normaliser`: its AVAs mapped and sorted, printed "a=1+b=2".
Result<std::string> normalise_rdn(const Rdn& rdn, const Normaliser& normaliser);

}  // namespace careid::directory::dn
