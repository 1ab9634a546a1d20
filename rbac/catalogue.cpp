#include "rbac/catalogue.h"

#include <algorithm>

namespace careid::rbac {
namespace {

enum class Mark { kUnvisited, kOnPath, kDone };

// Depth-first search for a cycle through "includes". On finding one, returns the codes of
// the cycle, first code repeated at the end.
std::optional<std::vector<std::string>> find_cycle_from(const Catalogue& catalogue, const std::string& code,
                                                        std::map<std::string, Mark>& marks,
                                                        std::vector<std::string>& path) {
  marks[code] = Mark::kOnPath;
  path.push_back(code);

  const Activity* activity = catalogue.find_activity(code);
  for (const std::string& next : activity ? activity->includes : std::vector<std::string>{}) {
    if (marks[next] == Mark::kOnPath) {
      auto start = std::find(path.begin(), path.end(), next);
      std::vector<std::string> cycle(start, path.end());
      cycle.push_back(next);
      return cycle;
    }
    if (marks[next] == Mark::kUnvisited) {
      auto cycle = find_cycle_from(catalogue, next, marks, path);
      if (cycle) {
        return cycle;
      }
    }
  }

  path.pop_back();
  marks[code] = Mark::kDone;
  return std::nullopt;
}

std::string join_chain(const std::vector<std::string>& codes) {
  std::string text;
  for (const std::string& code : codes) {
    text += (text.empty() ? "" : " -> ") + code;
  }
  return text;
}

}  // namespace

bool is_activity_code(std::string_view code) {
  return code.size() == 5 && code[0] == 'B' &&
         std::all_of(code.begin() + 1, code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void Catalogue::add_activity(Activity activity) {
  std::string code = activity.code;
  activities_.insert_or_assign(std::move(code), std::move(activity));
}

void Catalogue::add_area_of_work(AreaOfWork area) {
  std::string code = area.code;
  areas_.insert_or_assign(std::move(code), std::move(area));
}

void Catalogue::add_baseline_rule(BaselineRule rule) { baseline_.push_back(std::move(rule)); }

const Activity* Catalogue::find_activity(std::string_view code) const {
  auto found = activities_.find(code);
  return found == activities_.end() ? nullptr : &found->second;
}

const AreaOfWork* Catalogue::find_area_of_work(std::string_view code) const {
  auto found = areas_.find(code);
  return found == areas_.end() ? nullptr : &found->second;
}

Status Catalogue::validate() const {
  for (const auto& [code, activity] : activities_) {
    for (const std::string& included : activity.includes) {
      if (!find_activity(included)) {
        return Status::invalid_argument("activity " + code + " includes unknown activity " + included +
                                        "; add " + included + " to the activity file or remove it");
      }
    }
  }

  std::map<std::string, Mark> marks;
  for (const auto& [code, activity] : activities_) {
    if (marks[code] != Mark::kUnvisited) {
      continue;
    }
    std::vector<std::string> path;
    auto cycle = find_cycle_from(*this, code, marks, path);
    if (cycle) {
      return Status::invalid_argument("included activities form a cycle: " + join_chain(*cycle) +
                                      "; remove one of these includes");
    }
  }

  for (const BaselineRule& rule : baseline_) {
    for (const std::string& activity : rule.activities) {
      if (!find_activity(activity)) {
        return Status::invalid_argument("baseline of job role " + rule.job_role + " names unknown activity " +
                                        activity + "; add it to the activity file");
      }
    }
    if (!rule.area_of_work.empty() && !find_area_of_work(rule.area_of_work)) {
      return Status::invalid_argument("baseline of job role " + rule.job_role + " names unknown area of work " +
                                      rule.area_of_work + "; add it to the area of work file");
    }
  }
  return Status::ok_status();
}

std::set<std::string> Catalogue::closure(std::string_view code) const {
  std::set<std::string> reached;
  std::vector<std::string> pending{std::string(code)};
  while (!pending.empty()) {
    std::string next = std::move(pending.back());
    pending.pop_back();
    if (!reached.insert(next).second) {
      continue;
    }
    if (const Activity* activity = find_activity(next)) {
      pending.insert(pending.end(), activity->includes.begin(), activity->includes.end());
    }
  }
  return reached;
}

std::optional<std::vector<std::string>> Catalogue::include_chain(std::string_view from,
                                                                 std::string_view to) const {
  // Breadth-first, so the chain printed is a shortest one.
  std::map<std::string, std::string, std::less<>> parent{{std::string(from), ""}};
  std::vector<std::string> frontier{std::string(from)};
  while (!frontier.empty() && !parent.contains(to)) {
    std::vector<std::string> next_frontier;
    for (const std::string& code : frontier) {
      const Activity* activity = find_activity(code);
      for (const std::string& included : activity ? activity->includes : std::vector<std::string>{}) {
        if (parent.emplace(included, code).second) {
          next_frontier.push_back(included);
        }
      }
    }
    frontier = std::move(next_frontier);
  }
  if (!parent.contains(to)) {
    return std::nullopt;
  }

  std::vector<std::string> chain{std::string(to)};
  while (chain.back() != from) {
    chain.push_back(parent.find(chain.back())->second);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::set<std::string> Catalogue::baseline_activities(std::string_view job_role,
                                                     const std::vector<std::string>& areas_of_work) const {
  std::set<std::string> granted;
  for (const BaselineRule& rule : baseline_) {
    bool area_matches = rule.area_of_work.empty() ||
                        std::find(areas_of_work.begin(), areas_of_work.end(), rule.area_of_work) != areas_of_work.end();
    if (rule.job_role == job_role && area_matches) {
      granted.insert(rule.activities.begin(), rule.activities.end());
    }
  }
  return granted;
}

}  // namespace careid::rbac
