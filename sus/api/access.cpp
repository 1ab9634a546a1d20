#include "sus/api/access.h"

#include <algorithm>

namespace careid::sus::api {
namespace {

bool has_any(const std::vector<std::string>& held, const std::vector<std::string>& granting) {
  return std::any_of(granting.begin(), granting.end(), [&](const std::string& code) {
    return std::find(held.begin(), held.end(), code) != held.end();
  });
}

}  // namespace

bool AccessPolicy::can_read(const Principal& caller) const {
  return has_any(caller.activity_codes, read_activities);
}

bool AccessPolicy::can_submit(const Principal& caller) const {
  return has_any(caller.activity_codes, submit_activities);
}

bool may_read_spell(const Principal& caller, const spells::Spell& spell) {
  return !caller.org_code.empty() &&
         (spell.provider == caller.org_code || spell.commissioner == caller.org_code);
}

}  // namespace careid::sus::api
