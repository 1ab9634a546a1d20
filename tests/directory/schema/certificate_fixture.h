// Three DER certificates from one test CA, made with the openssl command line once per test
// program: `stored` (serial 42), `reissued` (the same issuer and serial with another key) and
// `other` (serial 43).
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "tests/xml/test_keys.h"

namespace careid::testing {

struct SameSerialCertificates {
  TempDir dir;
  std::string stored;
  std::string reissued;
  std::string other;

  SameSerialCertificates() {
    std::string folder = "'" + dir.path().string() + "'";
    std::string quiet = " >/dev/null 2>&1";
    REQUIRE(run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                        "-subj /CN=test-ca -keyout " + folder + "/ca.key -out " + folder + "/ca.pem" +
                        quiet) == 0);
    auto issue = [&](const std::string& name, int serial) {
      std::string base = folder + "/" + name;
      REQUIRE(run_command("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name +
                          " -keyout " + base + ".key -out " + base + ".csr" + quiet) == 0);
      REQUIRE(run_command("openssl x509 -req -in " + base + ".csr -CA " + folder + "/ca.pem -CAkey " + folder +
                          "/ca.key -set_serial " + std::to_string(serial) + " -days 2 -outform DER -out " +
                          base + ".der" + quiet) == 0);
      return read_text(dir.path() / (name + ".der"));
    };
    stored = issue("stored", 42);
    reissued = issue("reissued", 42);
    other = issue("other", 43);
  }
};

inline const SameSerialCertificates& same_serial_certificates() {
  static SameSerialCertificates shared;
  return shared;
}

}  // namespace careid::testing
