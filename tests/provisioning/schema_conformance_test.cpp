// Checks every generated entry against the object class definitions of a real NHS Spine
// Directory schema dump (the cn=Subschema entry of its OpenLDAP server, as JSON). This test
// reads the definitions itself so that it does not depend on careid's schema checker.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "provisioning/demo_directory.h"
#include "test_files.h"

namespace careid::provisioning {
namespace {

struct ObjectClass {
  std::vector<std::string> superiors;
  std::vector<std::string> must;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Splits an RFC 4512 4.1.1 definition into "(", ")", "$", quoted strings (quotes removed)
// and bare words.
std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ') {
      ++i;
    } else if (c == '(' || c == ')' || c == '$') {
      tokens.emplace_back(1, c);
      ++i;
    } else if (c == '\'') {
      std::size_t end = text.find('\'', i + 1);
      tokens.emplace_back(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      std::size_t end = text.find_first_of(" ()$", i);
      end = end == std::string_view::npos ? text.size() : end;
      tokens.emplace_back(text.substr(i, end - i));
      i = end;
    }
  }
  return tokens;
}

// Reads the value list after a keyword: one word, or "( a $ b )".
std::vector<std::string> read_list(const std::vector<std::string>& tokens, std::size_t& i) {
  std::vector<std::string> values;
  if (tokens[i] != "(") {
    values.push_back(tokens[i++]);
    return values;
  }
  for (++i; tokens[i] != ")"; ++i) {
    if (tokens[i] != "$") {
      values.push_back(tokens[i]);
    }
  }
  ++i;
  return values;
}

std::map<std::string, ObjectClass> load_object_classes() {
  std::filesystem::path path = std::filesystem::path(CAREID_SHARED_DATA_DIR) / "my_real_server_schema.json";
  std::ifstream in(path);
  INFO("schema dump " << path);
  REQUIRE(in.is_open());
  nlohmann::json dump = nlohmann::json::parse(in);

  std::map<std::string, ObjectClass> classes;
  for (const auto& definition : dump.at("raw").at("objectClasses")) {
    std::vector<std::string> tokens = tokenize(definition.get<std::string>());
    std::vector<std::string> names;
    ObjectClass object_class;
    for (std::size_t i = 1; i < tokens.size();) {
      std::string keyword = tokens[i++];
      if (keyword == "NAME") {
        names = read_list(tokens, i);
      } else if (keyword == "SUP") {
        object_class.superiors = read_list(tokens, i);
      } else if (keyword == "MUST") {
        object_class.must = read_list(tokens, i);
      }
    }
    for (const std::string& name : names) {
      classes[lower(name)] = object_class;
    }
  }
  return classes;
}

// MUST attributes of `name` and of all its superclasses, lower-cased.
std::set<std::string> required_attributes(const std::map<std::string, ObjectClass>& classes,
                                          const std::string& name) {
  std::set<std::string> required;
  auto found = classes.find(lower(name));
  if (found == classes.end()) {
    return required;
  }
  for (const std::string& attribute : found->second.must) {
    required.insert(lower(attribute));
  }
  for (const std::string& superior : found->second.superiors) {
    std::set<std::string> inherited = required_attributes(classes, superior);
    required.insert(inherited.begin(), inherited.end());
  }
  return required;
}

TEST_CASE("schema dump object classes parsed", "[provisioning][schema]") {
  auto classes = load_object_classes();
  std::set<std::string> org = required_attributes(classes, "nhsOrg");
  CHECK(org == std::set<std::string>{"objectclass", "uniqueidentifier", "o", "nhsidcode", "nhsorgtype",
                                     "nhsorgtypecode", "postaladdress", "postalcode", "l"});
  std::set<std::string> person = required_attributes(classes, "nhsPerson");
  CHECK(person.count("nhspersonstatus") == 1);
  CHECK(person.count("sn") == 1);  // from person, three superclasses up
}

TEST_CASE("generated entries satisfy MUST lists", "[provisioning][schema]") {
  auto classes = load_object_classes();
  DemoDirectoryOptions options;
  options.files = ReferenceFiles::in_directory(testing::reference_directory());
  options.workforce.people = 2000;

  std::map<std::string, std::uint64_t> checked_per_class;
  auto summary = generate_demo_directory(options, [&](const directory::Entry& entry) {
    const directory::Attribute* object_classes = entry.find("objectClass");
    REQUIRE(object_classes != nullptr);
    for (const std::string& object_class : object_classes->values) {
      INFO(entry.dn << " objectClass " << object_class);
      REQUIRE(classes.count(lower(object_class)) == 1);
      for (const std::string& attribute : required_attributes(classes, object_class)) {
        INFO("MUST attribute " << attribute);
        const directory::Attribute* present = entry.find(attribute);
        REQUIRE(present != nullptr);
        REQUIRE_FALSE(present->values.empty());
        REQUIRE_FALSE(present->values.front().empty());
      }
      ++checked_per_class[object_class];
    }
    return Status::ok_status();
  });
  REQUIRE(summary.ok());
  CHECK(checked_per_class["nhsRBACJR"] == 392);
  CHECK(checked_per_class["nhsOrg"] == summary->trusts + summary->gp_practices);
  CHECK(checked_per_class["nhsPerson"] == 2001);
  CHECK(checked_per_class["nhsOrgPerson"] == summary->workforce.org_persons);
  CHECK(checked_per_class["nhsOrgPersonRole"] == summary->workforce.role_profiles);
}

}  // namespace
}  // namespace careid::provisioning
