#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "pki/layout.h"
#include "pki_test_util.h"

using careid::pki::PkiLayout;
using careid::pki::testing::TempDir;

TEST_CASE("layout paths match config defaults", "[pki][layout]") {
  PkiLayout layout("/srv/careid/data");
  CHECK(layout.dir() == "/srv/careid/data/pki");
  CHECK(layout.card_ca_certificate() == "/srv/careid/data/pki/card-ca.pem");
  CHECK(layout.card_ca_key() == "/srv/careid/data/pki/card-ca.key");
  CHECK(layout.server_certificate() == "/srv/careid/data/pki/server.pem");
  CHECK(layout.server_key() == "/srv/careid/data/pki/server.key");
  CHECK(layout.saml_signing_certificate() == "/srv/careid/data/pki/saml-signing.pem");
  CHECK(layout.saml_signing_key() == "/srv/careid/data/pki/saml-signing.key");
  CHECK(layout.persistent_id_secret() == "/srv/careid/data/pki/persistent-id.secret");
  CHECK(layout.card_certificate("123456789012").value() ==
        "/srv/careid/data/pki/cards/123456789012.pem");
  CHECK(layout.card_key("123456789012").value() == "/srv/careid/data/pki/cards/123456789012.key");
  CHECK(layout.card_pkcs12("123456789012").value() ==
        "/srv/careid/data/pki/cards/123456789012.p12");
}

TEST_CASE("layout rejects unsafe card uids", "[pki][layout]") {
  PkiLayout layout("/srv/careid/data");
  for (const char* uid : {"../../etc/pwd", "12345678901", "", "123456789012/x"}) {
    INFO(uid);
    CHECK_FALSE(layout.card_certificate(uid).ok());
    CHECK_FALSE(layout.card_key(uid).ok());
    CHECK_FALSE(layout.card_pkcs12(uid).ok());
  }
}

TEST_CASE("layout creates private folders", "[pki][layout]") {
  TempDir dir;
  PkiLayout layout(dir / "data");
  REQUIRE(layout.create_directories().ok());
  REQUIRE(layout.create_directories().ok());  // again, with the folders present

  for (const auto& path : {layout.dir(), layout.cards_dir()}) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK(S_ISDIR(info.st_mode));
    CHECK((info.st_mode & 0777) == 0700);
  }

  PkiLayout blocked(dir.path());
  std::filesystem::remove_all(dir / "pki");
  { std::ofstream(dir / "pki") << "file"; }
  CHECK_FALSE(blocked.create_directories().ok());
}
