// Printing, navigation and normalisation of DNs.
#include "directory/dn/dn.h"

#include <algorithm>
#include <cassert>

namespace careid::directory::dn {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// caseIgnoreMatch in ASCII: trim, collapse runs of spaces, lower-case (RFC 4518 2.6.1).
std::string fold_spaces_and_case(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

std::string hex_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0x0F]);
  }
  return out;
}

void append_ava(std::string& out, std::string_view type, std::string_view value, bool ber) {
  out.append(type);
  out.push_back('=');
  if (ber) {
    out.push_back('#');
    out.append(hex_encode(value));
  } else {
    out.append(escape_value(value));
  }
}

}  // namespace

const Normaliser& default_normaliser() {
  static const Normaliser normaliser{
      [](std::string_view type) -> Result<std::string> { return to_lower_ascii(type); },
      [](std::string_view, std::string_view value) -> Result<std::string> {
        return fold_spaces_and_case(value);
      },
  };
  return normaliser;
}

std::string escape_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool first = i == 0;
    const bool last = i + 1 == value.size();
    switch (c) {
      case '"':
      case '+':
      case ',':
      case ';':
      case '<':
      case '>':
      case '\\':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\0':
        out.append("\\00");
        break;
      case '#':
        if (first) {
          out.push_back('\\');
        }
        out.push_back(c);
        break;
      case ' ':
        if (first || last) {
          out.push_back('\\');
        }
        out.push_back(c);
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

const Rdn& Dn::rdn() const {
  assert(!rdns_.empty());
  return rdns_.front();
}

Dn Dn::parent() const {
  if (rdns_.size() <= 1) {
    return Dn();
  }
  return Dn(std::vector<Rdn>(rdns_.begin() + 1, rdns_.end()));
}

Dn Dn::child(Rdn rdn) const {
  std::vector<Rdn> rdns;
  rdns.reserve(rdns_.size() + 1);
  rdns.push_back(std::move(rdn));
  rdns.insert(rdns.end(), rdns_.begin(), rdns_.end());
  return Dn(std::move(rdns));
}

bool Dn::is_within(const Dn& base, const Normaliser& normaliser) const {
  if (base.depth() > depth()) {
    return false;
  }

  // Compare the last base.depth() RDNs of this DN with base, RDN by RDN, so that a
  // value containing an escaped ',' cannot fake a boundary.
  const std::size_t offset = depth() - base.depth();
  for (std::size_t i = 0; i < base.depth(); ++i) {
    Result<std::string> mine = normalise_rdn(rdns_[offset + i], normaliser);
    Result<std::string> theirs = normalise_rdn(base.rdns_[i], normaliser);
    if (!mine.ok() || !theirs.ok() || *mine != *theirs) {
      return false;
    }
  }
  return true;
}

bool Dn::is_descendant_of(const Dn& ancestor, const Normaliser& normaliser) const {
  return depth() > ancestor.depth() && is_within(ancestor, normaliser);
}

std::string Dn::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < rdns_.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    const Rdn& rdn = rdns_[i];
    for (std::size_t k = 0; k < rdn.avas.size(); ++k) {
      if (k > 0) {
        out.push_back('+');
      }
      append_ava(out, rdn.avas[k].type, rdn.avas[k].value, rdn.avas[k].ber_encoded);
    }
  }
  return out;
}

Result<std::string> normalise_rdn(const Rdn& rdn, const Normaliser& normaliser) {
  std::vector<std::string> parts;
  parts.reserve(rdn.avas.size());
  for (const Ava& ava : rdn.avas) {
    Result<std::string> type = normaliser.type(ava.type);
    if (!type.ok()) {
      return type.status();
    }

    // A BER value cannot go through a string rule without decoding, so it stays as bytes.
    // A schema normaliser could decode it once the syntax is known.
    std::string part;
    if (ava.ber_encoded) {
      append_ava(part, *type, ava.value, true);
    } else {
      Result<std::string> value = normaliser.value(*type, ava.value);
      if (!value.ok()) {
        return value.status();
      }
      append_ava(part, *type, *value, false);
    }
    parts.push_back(std::move(part));
  }

  // RFC 4512 2.3.1: the AVAs of an RDN form a set, so their order carries no meaning.
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out.push_back('+');
    }
    out.append(parts[i]);
  }
  return out;
}

Result<std::string> Dn::normalise(const Normaliser& normaliser) const {
  std::string out;
  for (std::size_t i = 0; i < rdns_.size(); ++i) {
    Result<std::string> rdn = normalise_rdn(rdns_[i], normaliser);
    if (!rdn.ok()) {
      return rdn.status();
    }
    if (i > 0) {
      out.push_back(',');
    }
    out.append(*rdn);
  }
  return out;
}

}  // namespace careid::directory::dn
