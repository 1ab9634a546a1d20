// Certificates for the HTTPS tests, made with the openssl command-line tool in a temporary
// folder: a self-signed server certificate for 127.0.0.1, a card CA with cards in the NHS
// profile (one of them for serverAuth only), and a foreign CA with a card of the same
// subject.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace careid::federation::testing {

class TestPki {
 public:
  TestPki() {
    std::string pattern = (std::filesystem::temp_directory_path() / "careid-https-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;

    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout server.key -out server.pem -days 2 -subj /CN=localhost "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost "
        "-addext extendedKeyUsage=serverAuth");
    make_ca("card-ca", "/O=nhs/CN=careid Test Card CA");
    make_ca("foreign-ca", "/O=elsewhere/CN=Foreign CA");
    write("card.ext", "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
    make_card("card", "card-ca", "/O=nhs/OU=people/CN=555000000001");
    make_card("stranger", "card-ca", "/O=nhs/OU=people/CN=555000000099");
    make_card("alice", "card-ca", "/O=nhs/OU=people/CN=alice");
    make_card("foreign", "foreign-ca", "/O=nhs/OU=people/CN=555000000001");
    write("card.ext", "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
    make_card("server-purpose", "card-ca", "/O=nhs/OU=people/CN=555000000001");
    run("chmod 600 *.key");
  }

  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }

  // Runs `command` in the folder; throws with the command on a non-zero exit.
  void run(const std::string& command) const {
    std::string full = "cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1";
    if (std::system(full.c_str()) != 0) {
      throw std::runtime_error("command failed: " + command);
    }
  }

  void write(const std::string& name, const std::string& contents) const {
    std::ofstream(dir_ / name) << contents;
  }

 private:
  void make_ca(const std::string& name, const std::string& subject) const {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name +
        ".key -out " + name + ".pem -days 2 -subj '" + subject +
        "' -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign");
  }

  void make_card(const std::string& name, const std::string& ca, const std::string& subject) const {
    run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name +
        ".key -out " + name + ".csr -subj '" + subject + "'");
    run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
        ".key -CAcreateserial -days 1 -extfile card.ext -out " + name + ".pem");
  }

  std::filesystem::path dir_;
};

}  // namespace careid::federation::testing
