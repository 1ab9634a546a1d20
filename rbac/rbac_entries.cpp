#include "rbac/rbac_entries.h"

#include <charconv>
#include <cstdio>
#include <map>

#include "directory/dn/dn.h"

namespace careid::rbac {
namespace {

directory::Entry container(std::string_view dn, std::string_view ou) {
  directory::Entry entry;
  entry.dn = std::string(dn);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "organizationalUnit");
  entry.add_value("ou", std::string(ou));
  return entry;
}

void add_hierarchy(directory::Entry& entry, std::string_view code, std::string_view name) {
  entry.add_value("nhsList1Code", std::string(kUnmappedGroupCode));
  entry.add_value("nhsList1Name", "Unmapped");
  entry.add_value("nhsList2Code", std::string(kUnmappedGroupCode));
  entry.add_value("nhsList2Name", "Unmapped");
  entry.add_value("nhsList3Code", std::string(code));
  entry.add_value("nhsList3Name", std::string(name));
}

directory::Entry activity_entry(const Activity& activity, std::string_view create_date) {
  directory::Entry entry;
  entry.dn = "uniqueIdentifier=" + activity.code + "," + std::string(kActivitiesDn);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "nhsRBACBF");
  entry.add_value("objectClass", "careidActivity");
  entry.add_value("uniqueIdentifier", activity.code);
  entry.add_value("cn", activity.name);
  entry.add_value("nhsStatus", "Active");
  entry.add_value("nhsCreateDate", std::string(create_date));
  add_hierarchy(entry, activity.code, activity.name);
  for (const std::string& included : activity.includes) {
    entry.add_value("careidIncludedActivityCode", included);
  }
  return entry;
}

directory::Entry area_entry(const AreaOfWork& area, std::string_view create_date) {
  directory::Entry entry;
  entry.dn = "uniqueIdentifier=" + directory::dn::escape_value(area.code) + "," + std::string(kAreasOfWorkDn);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "nhsRBACAoW");
  entry.add_value("uniqueIdentifier", area.code);
  entry.add_value("cn", area.name);
  entry.add_value("nhsStatus", "Active");
  entry.add_value("nhsCreateDate", std::string(create_date));
  add_hierarchy(entry, area.code, area.name);
  return entry;
}

std::vector<std::string> values_of(const directory::Entry& entry, std::string_view description) {
  const directory::Attribute* attribute = entry.find(description);
  return attribute ? attribute->values : std::vector<std::string>{};
}

bool has_class(const directory::Entry& entry, std::string_view name) {
  for (const std::string& value : values_of(entry, "objectClass")) {
    if (directory::equals_ignore_case(value, name)) {
      return true;
    }
  }
  return false;
}

Result<int> parse_digits(std::string_view text, std::string_view whole) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::invalid_argument("invalid date '" + std::string(whole) + "'; expected YYYY-MM-DD");
  }
  return value;
}

Result<Date> make_date(std::string_view year, std::string_view month, std::string_view day, std::string_view whole) {
  auto y = parse_digits(year, whole);
  auto m = parse_digits(month, whole);
  auto d = parse_digits(day, whole);
  if (!y.ok() || !m.ok() || !d.ok()) {
    return Status::invalid_argument("invalid date '" + std::string(whole) + "'; expected YYYY-MM-DD");
  }
  Date date{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*m)),
            std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok()) {
    return Status::invalid_argument("invalid date '" + std::string(whole) + "': no such day");
  }
  return date;
}

}  // namespace

std::vector<directory::Entry> rbac_container_entries() {
  return {container(kActivitiesDn, "Activities"), container(kAreasOfWorkDn, "Areas of Work"),
          container(kBaselineDn, "Baseline")};
}

std::vector<directory::Entry> catalogue_entries(const Catalogue& catalogue, std::string_view create_date) {
  std::vector<directory::Entry> entries;
  for (const auto& [code, activity] : catalogue.activities()) {
    entries.push_back(activity_entry(activity, create_date));
  }
  for (const auto& [code, area] : catalogue.areas_of_work()) {
    entries.push_back(area_entry(area, create_date));
  }

  // One entry per (job role, area of work), so that a rule split over rows stays one entry.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> merged;
  for (const BaselineRule& rule : catalogue.baseline()) {
    merged[{rule.job_role, rule.area_of_work}].insert(rule.activities.begin(), rule.activities.end());
  }
  for (const auto& [key, activities] : merged) {
    const auto& [job_role, area] = key;
    std::string id = area.empty() ? job_role : job_role + "-" + area;
    directory::Entry entry;
    entry.dn = "uniqueIdentifier=" + directory::dn::escape_value(id) + "," + std::string(kBaselineDn);
    entry.add_value("objectClass", "top");
    entry.add_value("objectClass", "nhsRBACBL");
    entry.add_value("uniqueIdentifier", id);
    entry.add_value("nhsRA", std::string(kNationalRa));
    entry.add_value("nhsCreateDate", std::string(create_date));
    entry.add_value("nhsJobRoleCode", job_role);
    entry.add_value("nhsJobRole", job_role);
    if (!area.empty()) {
      entry.add_value("nhsAreaOfWorkCodes", area);
    }
    for (const std::string& activity : activities) {
      entry.add_value("nhsBusinessFunctionsCodes", activity);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Catalogue catalogue_from_entries(const std::vector<directory::Entry>& entries) {
  Catalogue catalogue;
  for (const directory::Entry& entry : entries) {
    std::string code(entry.first_value("uniqueIdentifier"));
    if (has_class(entry, "nhsRBACBF")) {
      catalogue.add_activity(Activity{code, std::string(entry.first_value("cn")),
                                      values_of(entry, "careidIncludedActivityCode")});
    } else if (has_class(entry, "nhsRBACAoW")) {
      catalogue.add_area_of_work(AreaOfWork{code, std::string(entry.first_value("cn"))});
    } else if (has_class(entry, "nhsRBACBL")) {
      catalogue.add_baseline_rule(BaselineRule{std::string(entry.first_value("nhsJobRoleCode")),
                                               std::string(entry.first_value("nhsAreaOfWorkCodes")),
                                               values_of(entry, "nhsBusinessFunctionsCodes")});
    }
  }
  return catalogue;
}

std::string position_dn(std::string_view org_code, std::string_view name) {
  return "cn=" + directory::dn::escape_value(name) + ",uniqueIdentifier=" + directory::dn::escape_value(org_code) +
         ",ou=Organisations,o=nhs";
}

directory::Entry position_entry(const Position& position) {
  directory::Entry entry;
  entry.dn = position_dn(position.org_code, position.name);
  entry.add_value("objectClass", "top");
  entry.add_value("objectClass", "careidPosition");
  entry.add_value("cn", position.name);
  entry.add_value("careidOrgCode", position.org_code);
  entry.add_value("careidBaseJobRoleCode", position.base_job_role);
  for (const std::string& code : position.activities) {
    entry.add_value("careidActivityCode", code);
  }
  for (const std::string& code : position.workgroups) {
    entry.add_value("careidWorkgroupCode", code);
  }
  for (const std::string& application : position.applications) {
    entry.add_value("careidApplication", application);
  }
  return entry;
}

Position position_from_entry(const directory::Entry& entry) {
  return Position{entry.dn,
                  std::string(entry.first_value("cn")),
                  std::string(entry.first_value("careidOrgCode")),
                  std::string(entry.first_value("careidBaseJobRoleCode")),
                  values_of(entry, "careidActivityCode"),
                  values_of(entry, "careidWorkgroupCode"),
                  values_of(entry, "careidApplication")};
}

std::vector<RoleProfile> role_profiles_from_entries(const std::vector<directory::Entry>& entries) {
  std::vector<RoleProfile> profiles;
  for (const directory::Entry& entry : entries) {
    profiles.push_back(role_profile_from_entry(entry));
  }
  return profiles;
}

RoleProfile role_profile_from_entry(const directory::Entry& entry) {
  RoleProfile profile;
  profile.dn = entry.dn;
  profile.id = std::string(entry.first_value("uniqueIdentifier"));
  profile.org_code = std::string(entry.first_value("nhsIDCode"));

  // nhsJobRoleCode is "S8000:G8000:R8000"; access checks use the R-code.
  std::string_view full_code = entry.first_value("nhsJobRoleCode");
  std::size_t colon = full_code.rfind(':');
  profile.job_role = std::string(colon == std::string_view::npos ? full_code : full_code.substr(colon + 1));
  profile.job_role_name = std::string(entry.first_value("nhsJobRole"));
  profile.position_dn = std::string(entry.first_value("careidRolePosition"));
  profile.areas_of_work = values_of(entry, "nhsAreaOfWorkCodes");

  // A stored date that does not parse counts as "starts in the year 9999" or "ended in
  // 1970", so that bad data never widens access.
  std::string_view start_text = entry.first_value("careidRoleStartDate");
  if (!start_text.empty()) {
    auto start = parse_generalized_date(start_text);
    profile.start = start.ok() ? *start : Date{std::chrono::year(9999), std::chrono::January, std::chrono::day(1)};
  }
  std::string_view end_text = entry.first_value("careidRoleEndDate");
  if (!end_text.empty()) {
    auto end = parse_generalized_date(end_text);
    profile.end = end.ok() ? *end : Date{std::chrono::year(1970), std::chrono::January, std::chrono::day(1)};
  }
  return profile;
}

Result<Date> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Status::invalid_argument("invalid date '" + std::string(text) + "'; expected YYYY-MM-DD");
  }
  return make_date(text.substr(0, 4), text.substr(5, 2), text.substr(8, 2), text);
}

Result<Date> parse_generalized_date(std::string_view text) {
  if (text.size() < 8) {
    return Status::invalid_argument("invalid Generalized Time '" + std::string(text) + "'");
  }
  return make_date(text.substr(0, 4), text.substr(4, 2), text.substr(6, 2), text);
}

std::string format_iso_date(Date date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string format_generalized_date(Date date) {
  char text[24];
  std::snprintf(text, sizeof text, "%04d%02u%02u000000Z", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

Date today_utc() {
  return Date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
}

}  // namespace careid::rbac
