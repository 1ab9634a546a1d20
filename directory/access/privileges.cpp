#include "directory/access/privileges.h"

#include <array>
#include <utility>

namespace careid::directory::access {
namespace {

constexpr std::array<std::pair<std::string_view, Privileges>, 9> kLevels = {{
    {"none", 0},
    {"disclose", kDisclose},
    {"auth", kDisclose | kAuth},
    {"compare", kDisclose | kAuth | kCompare},
    {"search", kDisclose | kAuth | kCompare | kSearch},
    {"read", kReadLevel},
    {"add", kReadLevel | kAdd},
    {"delete", kReadLevel | kDelete},
    {"write", kAllPrivileges},
}};

}  // namespace

std::optional<Privileges> parse_level(std::string_view level) {
  for (const auto& [name, privileges] : kLevels) {
    if (name == level) {
      return privileges;
    }
  }
  return std::nullopt;
}

std::string describe_privileges(Privileges privileges) {
  for (const auto& [name, granted] : kLevels) {
    if (granted == privileges) {
      return std::string(name);
    }
  }
  std::string letters;
  constexpr std::array<std::pair<Privilege, char>, 7> kLetters = {{
      {kDisclose, 'd'}, {kAuth, 'x'}, {kCompare, 'c'}, {kSearch, 's'}, {kRead, 'r'}, {kAdd, 'a'}, {kDelete, 'z'},
  }};
  for (const auto& [privilege, letter] : kLetters) {
    if ((privileges & privilege) != 0) {
      letters += letter;
    }
  }
  return letters;
}

}  // namespace careid::directory::access
