// A directory in a fresh temporary folder with the real schema and a small tree, for the
// modify DN, sort, password and control tests:
//   o=nhs
//     ou=People: uid=555000000001 (Demo Doctor), uid=555000000002 (Anne Smith-Jones),
//                uid=555000000003 (Bob Brown), each with userPassword "pw-<uid>"
//     ou=Groups: ou=Leeds, with cn=Ward 1 below it
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "directory/auth/password.h"
#include "directory/engine/directory.h"
#include "directory/schema/schema_file.h"

namespace careid::directory::engine::testing {

namespace protocol = careid::directory::protocol;

struct OperationsFixture {
  std::filesystem::path folder;
  std::unique_ptr<Directory> directory;
  Identity root{"cn=admin,o=nhs", "cn=admin,o=nhs", true};

  OperationsFixture() {
    static int counter = 0;
    folder = std::filesystem::temp_directory_path() /
             ("careid-ops-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(folder);
    auto schema = schema::load_schema_directory(std::filesystem::path(CAREID_SOURCE_DIR) / "schemas");
    REQUIRE(schema.ok());
    DirectoryOptions options;
    options.store_folder = folder;
    options.map_size_bytes = 64 << 20;
    options.sync = false;
    options.password_scheme = auth::PasswordScheme::kSsha256;  // fast; Argon2 has its own tests
    auto opened = Directory::open(std::move(*schema), options);
    REQUIRE(opened.ok());
    directory = std::move(*opened);

    require_add("o=nhs", {{"objectClass", {"top", "organization"}}, {"o", {"nhs"}}});
    require_add("ou=People,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"People"}}});
    require_add("uid=555000000001,ou=People,o=nhs", person("555000000001", "Demo Doctor"));
    require_add("uid=555000000002,ou=People,o=nhs", person("555000000002", "Anne Smith-Jones"));
    require_add("uid=555000000003,ou=People,o=nhs", person("555000000003", "Bob Brown"));
    require_add("ou=Groups,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"Groups"}}});
    require_add("ou=Leeds,ou=Groups,o=nhs", {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"Leeds"}}});
    require_add("cn=Ward 1,ou=Leeds,ou=Groups,o=nhs",
                {{"objectClass", {"top", "groupOfNames"}}, {"cn", {"Ward 1"}},
                 {"member", {"uid=555000000001,ou=People,o=nhs"}}});
  }

  ~OperationsFixture() {
    directory.reset();
    std::filesystem::remove_all(folder);
  }

  static std::vector<protocol::PartialAttribute> person(const std::string& uid, const std::string& cn) {
    auto hashed = auth::hash_password(auth::PasswordScheme::kSsha, "pw-" + uid);
    return {{"objectClass", {"top", "person", "organizationalPerson", "inetOrgPerson", "nhsPerson"}},
            {"uid", {uid}},
            {"cn", {cn}},
            {"sn", {cn.substr(cn.find(' ') + 1)}},
            {"nhsPersonStatus", {"Active"}},
            {"userPassword", {*hashed}}};
  }

  void require_add(const std::string& dn, std::vector<protocol::PartialAttribute> attributes) {
    protocol::LdapResult result = directory->add(protocol::AddRequest{dn, std::move(attributes)}, root);
    INFO(dn << ": " << result.diagnostic_message);
    REQUIRE(result.result_code == ResultCode::kSuccess);
  }

  bool exists(const std::string& dn) const {
    auto entry = directory->read_entry(dn);
    return entry.ok() && entry->has_value();
  }

  // Returns the DN of every entry below (and including) `base`, as stored.
  std::vector<std::string> subtree(const std::string& base) const {
    auto found = directory->find(base, false, "(objectClass=*)");
    std::vector<std::string> names;
    if (found.ok()) {
      for (const Entry& entry : *found) {
        names.push_back(entry.dn);
      }
    }
    return names;
  }
};

}  // namespace careid::directory::engine::testing
