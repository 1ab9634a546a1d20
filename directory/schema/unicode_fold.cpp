#include "directory/schema/unicode_fold.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>

namespace careid::directory::schema {
namespace {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// ICU replaces invalid UTF-8 with U+FFFD; comparing that result would make different
// invalid byte strings equal, so such input is detected and left alone.
bool is_valid_utf8(const icu::UnicodeString& decoded, std::string_view original) {
  std::string round_trip;
  decoded.toUTF8String(round_trip);
  return round_trip == original;
}

}  // namespace

std::string prepare_unicode(std::string_view utf8, bool fold_case) {
  if (is_ascii(utf8)) {
    return fold_case ? lower_ascii(utf8) : std::string(utf8);
  }

  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* normaliser =
      fold_case ? icu::Normalizer2::getNFKCCasefoldInstance(error) : icu::Normalizer2::getNFKCInstance(error);
  if (U_FAILURE(error) || normaliser == nullptr) {
    return std::string(utf8);
  }

  const icu::UnicodeString decoded =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  if (!is_valid_utf8(decoded, utf8)) {
    return std::string(utf8);
  }
  const icu::UnicodeString normalised = normaliser->normalize(decoded, error);
  if (U_FAILURE(error)) {
    return std::string(utf8);
  }
  std::string out;
  normalised.toUTF8String(out);
  return out;
}

}  // namespace careid::directory::schema
