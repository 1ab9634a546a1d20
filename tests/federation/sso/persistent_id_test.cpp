#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "federation/sso/persistent_id.h"

namespace careid::federation::sso {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "careid-sso-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const std::string kSecret(32, 'k');

}  // namespace

TEST_CASE("persistent id is stable per sp", "[federation][sso]") {
  PersistentIdGenerator ids(kSecret);

  Result<std::string> first = ids.name_id("https://sp-a.example/metadata", "555000000001");
  Result<std::string> again = ids.name_id("https://sp-a.example/metadata", "555000000001");
  Result<std::string> other_sp = ids.name_id("https://sp-b.example/metadata", "555000000001");
  Result<std::string> other_user = ids.name_id("https://sp-a.example/metadata", "555000000002");

  REQUIRE(first.ok());
  REQUIRE(again.ok());
  REQUIRE(other_sp.ok());
  REQUIRE(other_user.ok());
  CHECK(*first == *again);
  CHECK(*first != *other_sp);
  CHECK(*first != *other_user);
}

TEST_CASE("persistent id is base64url hmac", "[federation][sso]") {
  PersistentIdGenerator ids(kSecret);

  Result<std::string> id = ids.name_id("sp", "555000000001");

  REQUIRE(id.ok());
  CHECK(id->size() == 43);
  CHECK(id->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
}

TEST_CASE("persistent id separates sp and uid", "[federation][sso]") {
  PersistentIdGenerator ids(kSecret);

  // Without the NUL separator both would MAC the same bytes.
  Result<std::string> a = ids.name_id("sp1", "23");
  Result<std::string> b = ids.name_id("sp12", "3");

  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
}

TEST_CASE("persistent id secret created once", "[federation][sso]") {
  TempDir dir;
  fs::path path = dir.path() / "pki" / "persistent-id.secret";

  Result<PersistentIdGenerator> created = PersistentIdGenerator::load_or_create(path);
  REQUIRE(created.ok());
  REQUIRE(fs::exists(path));
  CHECK(fs::file_size(path) == PersistentIdGenerator::kSecretBytes);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  Result<PersistentIdGenerator> loaded = PersistentIdGenerator::load_or_create(path);
  REQUIRE(loaded.ok());
  Result<std::string> a = created->name_id("sp", "555000000001");
  Result<std::string> b = loaded->name_id("sp", "555000000001");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
}

TEST_CASE("persistent id secret readable by others", "[federation][sso]") {
  TempDir dir;
  fs::path path = dir.path() / "persistent-id.secret";
  std::ofstream(path) << std::string(32, 's');
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);

  Result<PersistentIdGenerator> loaded = PersistentIdGenerator::load_or_create(path);

  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.status().message(), Catch::Contains("chmod 600"));
}

TEST_CASE("persistent id secret too short", "[federation][sso]") {
  TempDir dir;
  fs::path path = dir.path() / "persistent-id.secret";
  std::ofstream(path) << std::string(31, 's');
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);

  Result<PersistentIdGenerator> loaded = PersistentIdGenerator::load_or_create(path);

  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.status().message(), Catch::Contains("31 bytes"));
}

}  // namespace careid::federation::sso
