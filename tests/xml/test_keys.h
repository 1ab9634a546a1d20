// Test keys made with the openssl command line in a private temporary folder, once per
// test program, and removed when the program exits.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace careid::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "careid-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline int run_command(const std::string& command) { return std::system(command.c_str()); }

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A self-signed certificate and its private key (mode 0600).
struct TestKey {
  std::filesystem::path key;
  std::filesystem::path certificate;
};

// Creates key and certificate `name`.key / `name`.pem in `dir`. `algorithm` is passed to
// `openssl req -newkey`, e.g. "rsa:2048" or "ec -pkeyopt ec_paramgen_curve:P-256".
inline TestKey make_test_key(const std::filesystem::path& dir, const std::string& name,
                             const std::string& algorithm) {
  TestKey key{dir / (name + ".key"), dir / (name + ".pem")};
  std::string command = "openssl req -x509 -newkey " + algorithm + " -nodes -days 2 -subj /CN=" +
                        name + " -keyout '" + key.key.string() + "' -out '" +
                        key.certificate.string() + "' >/dev/null 2>&1";
  if (run_command(command) != 0) {
    throw std::runtime_error("openssl could not create test key " + name);
  }
  std::filesystem::permissions(key.key, std::filesystem::perms::owner_read |
                                            std::filesystem::perms::owner_write);
  return key;
}

// The keys every test in one program shares: RSA-2048, EC P-256 and a second RSA key.
struct TestKeys {
  TempDir dir;
  TestKey rsa = make_test_key(dir.path(), "rsa", "rsa:2048");
  TestKey ec = make_test_key(dir.path(), "ec", "ec -pkeyopt ec_paramgen_curve:P-256");
  TestKey other_rsa = make_test_key(dir.path(), "other", "rsa:2048");
};

inline const TestKeys& test_keys() {
  static TestKeys keys;
  return keys;
}

}  // namespace careid::testing
