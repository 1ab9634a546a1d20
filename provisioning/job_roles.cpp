#include "provisioning/job_roles.h"

#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "xml/document.h"

namespace careid::provisioning {
namespace {

constexpr std::string_view kFhirNs = "http://hl7.org/fhir";
constexpr std::size_t kMaxFileBytes = 4 * 1024 * 1024;

struct KnownHierarchy {
  std::string_view role_code;
  std::string_view staff_group_code;
  std::string_view staff_group_name;
  std::string_view job_group_code;
  std::string_view job_group_name;
};

// Staff group and job group of the roles for which an NHS CIS2 user-info response (the
// nhsid_nrbac_roles claim, whose role_name repeats SDS's nhsJobRole) shows both levels.
// TODO: load the full hierarchy from the national RBAC database release; until then every
// other role carries the "Unmapped" placeholder groups.
constexpr std::array<KnownHierarchy, 4> kKnownHierarchies = {{
    {"R8000", "S8000", "Clinical", "G8000", "Clinical Provision"},
    {"R8001", "S8000", "Clinical", "G8000", "Clinical Provision"},
    {"R8003", "S8000", "Clinical", "G8000", "Clinical Provision"},
    {"R8008", "S8001", "Support", "G8002", "Support"},
}};

bool is_role_code(std::string_view code) {
  if (code.size() != 5 || code[0] != 'R') {
    return false;
  }
  for (char c : code.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

void assign_hierarchy(JobRole& role) {
  for (const KnownHierarchy& known : kKnownHierarchies) {
    if (known.role_code == role.code) {
      role.staff_group_code = known.staff_group_code;
      role.staff_group_name = known.staff_group_name;
      role.job_group_code = known.job_group_code;
      role.job_group_name = known.job_group_name;
      role.hierarchy_known = true;
      return;
    }
  }
  role.staff_group_code = kUnmappedStaffGroupCode;
  role.staff_group_name = kUnmappedGroupName;
  role.job_group_code = kUnmappedJobGroupCode;
  role.job_group_name = kUnmappedGroupName;
  role.hierarchy_known = false;
}

// FHIR dateTime "2021-09-10" (possibly followed by a time) becomes "20210910".
Result<std::string> compact_date(std::string_view fhir_date) {
  bool shaped = fhir_date.size() >= 10 && fhir_date[4] == '-' && fhir_date[7] == '-';
  std::string compact;
  if (shaped) {
    compact = std::string(fhir_date.substr(0, 4)) + std::string(fhir_date.substr(5, 2)) +
              std::string(fhir_date.substr(8, 2));
  }
  for (char c : compact) {
    shaped = shaped && std::isdigit(static_cast<unsigned char>(c));
  }
  if (!shaped) {
    return Status::invalid_argument("invalid CodeSystem date '" + std::string(fhir_date) +
                                    "': expected YYYY-MM-DD");
  }
  return compact;
}

Result<JobRole> parse_concept(const xml::Element& concept_element, std::size_t index) {
  std::string where = "concept " + std::to_string(index);
  auto code = concept_element.first_child(kFhirNs, "code").attribute("value");
  auto display = concept_element.first_child(kFhirNs, "display").attribute("value");
  if (!code || !is_role_code(*code)) {
    return Status::invalid_argument(where + ": missing or invalid code '" +
                                    code.value_or("") + "': expected R and four digits");
  }
  if (!display || display->empty()) {
    return Status::invalid_argument(where + " (" + *code + "): missing display name");
  }

  JobRole role;
  role.code = *code;
  role.name = *display;
  role.closed = role.name.ends_with("(Closed)");
  assign_hierarchy(role);
  return role;
}

}  // namespace

std::string JobRole::full_code() const {
  return staff_group_code + ":" + job_group_code + ":" + code;
}

std::string JobRole::full_name() const {
  return "\"" + staff_group_name + "\":\"" + job_group_name + "\":\"" + name + "\"";
}

const JobRole* JobRoleCatalogue::find(std::string_view code) const {
  for (const JobRole& role : roles) {
    if (role.code == code) {
      return &role;
    }
  }
  return nullptr;
}

Result<JobRoleCatalogue> parse_job_roles(std::string_view xml_text, std::string_view source_name) {
  std::string prefix = std::string(source_name) + ": ";
  auto document = xml::Document::parse(xml_text, {.max_bytes = kMaxFileBytes, .max_depth = 16});
  if (!document.ok()) {
    return document.status().with_context(source_name);
  }
  xml::Element root = document->root();
  if (!root.is(kFhirNs, "CodeSystem")) {
    return Status::invalid_argument(prefix + "root element is not a FHIR CodeSystem");
  }

  JobRoleCatalogue catalogue;
  auto date = compact_date(root.first_child(kFhirNs, "date").attribute("value").value_or(""));
  if (!date.ok()) {
    return date.status().with_context(source_name);
  }
  catalogue.date = std::move(date).value();

  std::unordered_set<std::string> seen;
  std::vector<xml::Element> concepts = root.children(kFhirNs, "concept");
  for (std::size_t i = 0; i < concepts.size(); ++i) {
    auto role = parse_concept(concepts[i], i + 1);
    if (!role.ok()) {
      return role.status().with_context(source_name);
    }
    if (!seen.insert(role->code).second) {
      return Status::invalid_argument(prefix + "job role code " + role->code + " repeats");
    }
    catalogue.roles.push_back(std::move(role).value());
  }

  if (catalogue.roles.empty()) {
    return Status::invalid_argument(prefix + "no concept elements");
  }
  return catalogue;
}

Result<JobRoleCatalogue> load_job_roles(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return Status::io_error("cannot open " + path.string() + " for reading");
  }
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      return Status::resource_exhausted(path.string() + " is larger than " +
                                        std::to_string(kMaxFileBytes) + " bytes");
    }
  }
  if (in.bad()) {
    return Status::io_error("read failed on " + path.string());
  }
  return parse_job_roles(text, path.filename().string());
}

}  // namespace careid::provisioning
