// Readers for the structured value forms of RFC 4517 3.3 that both the syntax validators
// and the matching rules need. Internal to the schema library.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::directory::schema {

// RFC 4512 1.4 numericoid: number 1*( "." number ), no leading zeros.
bool is_numeric_oid(std::string_view text);

// RFC 4512 1.4 descr: ALPHA *( ALPHA / DIGIT / "-" ).
bool is_descriptor(std::string_view text);

// RFC 4517 3.3.16 Integer: "0" or an optional "-" and digits without a leading zero.
Status check_integer(std::string_view text);

// RFC 4517 3.3.13 Generalized Time. Returns the instant in UTC as the fixed-width string
// "YYYYMMDDHHMMSS.nnnnnnnnnZ" (fractions of the hour or minute converted to seconds,
// truncated to nanoseconds), which sorts in time order. A leap second ("60") is read as
// the first second of the next minute.
Result<std::string> normalise_generalized_time(std::string_view text);

// RFC 4122 3 string form: 36 characters, hex digits with '-' after 8, 12, 16 and 20.
bool is_uuid(std::string_view text);

// RFC 4517 3.3.28 Postal Address: splits on '$' and decodes "\24" and "\5C" in each line.
// InvalidArgument for an empty line, any other use of '\', or invalid UTF-8.
Result<std::vector<std::string>> split_postal_address(std::string_view text);

// RFC 4517 3.2 PrintableCharacter.
bool is_printable_character(char c);

}  // namespace careid::directory::schema
