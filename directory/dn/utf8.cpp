#include "directory/dn/utf8.h"

#include "base/utf8.h"

namespace careid::directory::dn {

bool is_valid_utf8(std::string_view text) { return careid::is_valid_utf8(text); }

}  // namespace careid::directory::dn
