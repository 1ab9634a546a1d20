#include "base/toml_text.h"

#include <exception>
#include <sstream>
#include <string>

#include "base/utf8.h"

namespace careid {

Result<toml::value> parse_toml(std::string_view text, std::string_view source) {
  if (!is_valid_utf8(text)) {
    return Status::invalid_argument("not valid UTF-8, which TOML requires");
  }

  try {
    std::istringstream stream{std::string(text)};
    return toml::parse(stream, std::string(source));
  } catch (const std::exception& error) {
    return Status::invalid_argument(error.what());
  }
}

}  // namespace careid
