// Checks on character data before it goes into an XML tree.
//
// XML 1.0 (section 2.2) allows only some Unicode code points in documents: tab, line
// feed, carriage return, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF. A value
// outside that set cannot be serialised so that another parser accepts it.
#pragma once

#include <string>
#include <string_view>

namespace careid::xml {

// True if `text` is valid UTF-8 and every code point is allowed by XML 1.0.
bool is_valid_xml_text(std::string_view text);

// Returns `text` with each invalid UTF-8 sequence and each code point that XML 1.0 does not
// allow replaced by U+FFFD. Element's mutators call this, so a bad value never produces an
// unparsable document; callers that must not alter data check is_valid_xml_text first.
std::string to_xml_text(std::string_view text);

}  // namespace careid::xml
