// The national RBAC reference data: activities (B-codes) and the activities each includes,
// areas of work, and the baseline policy that gives each job role its default activities.
// Job roles themselves are imported by careidctl (provisioning/job_roles.h).
//
// Access checks use the transitive closure of "includes": a user with B0825 also has every
// activity B0825 includes, and every activity those include. validate() rejects a cycle,
// so the closure is always finite and well defined.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace careid::rbac {

struct Activity {
  std::string code;                   // "B0825"
  std::string name;                   // "Amend Patient Demographics"
  std::vector<std::string> includes;  // activity codes this one includes directly
};

struct AreaOfWork {
  std::string code;
  std::string name;
};

// One baseline policy row: holders of `job_role` get `activities`. With a non-empty
// `area_of_work` the row applies only to role profiles carrying that area of work.
struct BaselineRule {
  std::string job_role;  // R-code
  std::string area_of_work;
  std::vector<std::string> activities;
};

class Catalogue {
 public:
  // Adds or replaces the activity with the same code.
  void add_activity(Activity activity);
  void add_area_of_work(AreaOfWork area);
  void add_baseline_rule(BaselineRule rule);

  // Checks that every included and baseline activity and every baseline area of work exists,
  // and that "includes" has no cycle. Returns kInvalidArgument naming the first problem; a
  // cycle is named in full, e.g. "B0001 -> B0002 -> B0001".
  Status validate() const;

  const Activity* find_activity(std::string_view code) const;
  const AreaOfWork* find_area_of_work(std::string_view code) const;
  const std::map<std::string, Activity, std::less<>>& activities() const { return activities_; }
  const std::map<std::string, AreaOfWork, std::less<>>& areas_of_work() const { return areas_; }
  const std::vector<BaselineRule>& baseline() const { return baseline_; }

  // Returns `code` and every activity it includes, directly or through others. Unknown codes
  // are returned as they are. Requires validate() to have passed (no cycles).
  std::set<std::string> closure(std::string_view code) const;

  // Returns the chain of includes from `from` to `to`, both ends included ("B0825", "B0824"),
  // or std::nullopt when `from` does not include `to`. A code reaches itself in a chain of one.
  std::optional<std::vector<std::string>> include_chain(std::string_view from, std::string_view to) const;

  // Returns the baseline activities of `job_role` for a role profile with `areas_of_work`:
  // the rows without an area of work plus the rows whose area is in the list.
  std::set<std::string> baseline_activities(std::string_view job_role,
                                            const std::vector<std::string>& areas_of_work) const;

 private:
  std::map<std::string, Activity, std::less<>> activities_;
  std::map<std::string, AreaOfWork, std::less<>> areas_;
  std::vector<BaselineRule> baseline_;
};

// Returns true when `code` is "B" followed by four digits, the national activity code form.
bool is_activity_code(std::string_view code);

}  // namespace careid::rbac
