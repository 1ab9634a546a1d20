// EntryDnNormaliser: normalising the RDN alone and reusing the parent's normal form gives
// exactly what name_dn gives for the whole DN.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/engine/naming.h"
#include "directory/schema/schema_file.h"

namespace {

namespace fs = std::filesystem;
using namespace careid::directory;

std::shared_ptr<const schema::Schema> load_schema() {
  auto schema = schema::load_schema_directory(fs::path(CAREID_SOURCE_DIR) / "schemas");
  REQUIRE(schema.ok());
  return std::move(*schema);
}

// Returns what name_dn gives, or the text itself when it does not parse.
std::string whole(const schema::Schema& schema, const std::string& dn) {
  auto named = engine::name_dn(schema, dn);
  return named.ok() ? named->normalised : dn;
}

TEST_CASE("entry DNs match name_dn", "[directory][engine][naming]") {
  auto schema = load_schema();
  engine::EntryDnNormaliser normaliser(*schema);
  const std::vector<std::string> dns = {
      "o=nhs",
      "ou=People,o=nhs",
      "uid=555000000001,ou=People,o=nhs",
      "UID=555000000002,OU=people,O=NHS",
      "cn=Smith\\, John,ou=People,o=nhs",
      "cn=Smith\\2C Jane,ou=People,o=nhs",
      "cn=\"Jones, Ann\",ou=People,o=nhs",
      "cn=A+uid=7,ou=People,o=nhs",
      "uid=8, ou=People, o=nhs",
      "cn=  Spaced   Name  ,ou=People,o=nhs",
      "cn=x\\\\,ou=People,o=nhs",
      "cn=role,uid=555000000001,ou=People,o=nhs",
      "cn=a,",
      ",o=nhs",
      "not a dn,o=nhs",
      "cn=a,not a dn",
      ""};
  // Twice, so that the second pass reads the remembered parents.
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& dn : dns) {
      INFO(dn << " pass " << pass);
      CHECK(normaliser.normalise(dn) == whole(*schema, dn));
    }
  }
}

TEST_CASE("parent cache stays bounded", "[directory][engine][naming]") {
  auto schema = load_schema();
  engine::EntryDnNormaliser normaliser(*schema);
  for (std::size_t i = 0; i < engine::EntryDnNormaliser::kMaxParents + 10; ++i) {
    const std::string dn = "uid=1,ou=Unit" + std::to_string(i) + ",o=nhs";
    REQUIRE(normaliser.normalise(dn) == whole(*schema, dn));
  }
  CHECK(normaliser.normalise("uid=2,ou=Unit3,o=nhs") == "uid=2,ou=unit3,o=nhs");
}

}  // namespace
