// Unicode string preparation for the string matching rules (RFC 4518 2.2-2.4) through ICU:
// mapping (characters "mapped to nothing" are removed), case folding and NFKC
// normalisation. Internal to directory/schema; matching_rules.cpp uses it.
#pragma once

#include <string>
#include <string_view>

namespace careid::directory::schema {

// Returns `utf8` in NFKC form with ICU's NFKC_Casefold mapping when `fold_case` is true
// (case folding per Unicode CaseFolding.txt, default ignorable characters removed), and
// in plain NFKC form when it is false. Pure ASCII input comes back unchanged except for
// A-Z becoming a-z when folding. Bytes that are not valid UTF-8 come back unchanged, so
// they still compare byte for byte. Thread-safe: ICU's normaliser instances are shared
// and immutable.
std::string prepare_unicode(std::string_view utf8, bool fold_case);

}  // namespace careid::directory::schema
