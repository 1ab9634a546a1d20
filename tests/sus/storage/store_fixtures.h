// Shared by the SUS store tests: temporary folders, sample prices and spells, and a
// throwaway PostgreSQL server (scripts/pg-test-server.sh) for the PostgreSQL store.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "sus/spells/spell.h"
#include "sus/tariff/tariff.h"

namespace careid::sus::storage::testing {

namespace fs = std::filesystem;

// A fresh folder under the system temporary folder, removed when the test ends.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    path_ = fs::temp_directory_path() / ("careid-sus-store-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    fs::remove_all(path_);
  }
  ~TemporaryFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int next_ = 0;
  fs::path path_;
};

inline tariff::HrgPrice make_price(std::string code, tariff::Pence non_elective) {
  tariff::HrgPrice price;
  price.hrg_code = std::move(code);
  price.hrg_name = "SYNTHETIC " + price.hrg_code;
  price.non_elective = non_elective;
  price.non_elective_trim_days = 9;
  price.per_day_long_stay = 23000;
  price.short_stay_emergency_applies = true;
  price.short_stay_emergency_percent = 39;
  price.short_stay_emergency = 71800;
  return price;
}

// Discharged 2015-06-01 (day 16587 + 3), in financial year 2015/16.
inline spells::Spell make_spell(std::string provider, std::string number) {
  spells::Spell spell;
  spell.spell_number = std::move(number);
  spell.provider = std::move(provider);
  spell.commissioner = "06T";
  spell.admission_method = "2A";
  spell.classification = spells::PatientClassification::kDayCase;
  spell.start_date = 16587;
  spell.discharge_date = 16590;
  spell.age_on_admission = 70;
  spell.hrg_code = "DZ11N";
  return spell;
}

// Runs a shell command and returns its standard output without trailing line feeds.
inline std::string run_capture(const std::string& command, int& exit_code) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    exit_code = -1;
    return out;
  }
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
    out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

// One PostgreSQL server per test process, started on first use and stopped at exit.
class PostgresServer {
 public:
  // Returns the server, or nullptr with `start_error` set when it cannot start. Exit code 3 of
  // the script means the PostgreSQL binaries are missing.
  static PostgresServer* get(std::string& start_error, bool& binaries_missing) {
    static std::unique_ptr<PostgresServer> server;
    static std::string error;
    static int code = 0;
    if (!server && error.empty()) {
      char folder[] = "/tmp/careid-sus-pg-XXXXXX";
      if (::mkdtemp(folder) == nullptr) {
        error = "mkdtemp failed";
      } else {
        const std::string command = script() + " start " + folder + " 2>&1";
        std::string out = run_capture(command, code);
        if (code == 0) {
          server.reset(new PostgresServer(folder));
        } else {
          error = "scripts/pg-test-server.sh start failed (exit " + std::to_string(code) + "): " + out;
          fs::remove_all(folder);
        }
      }
    }
    start_error = error;
    binaries_missing = code == 3;
    return server.get();
  }

  ~PostgresServer() {
    int code = 0;
    run_capture(script() + " stop " + folder_ + " 2>&1", code);
    fs::remove_all(folder_);
  }

  // Creates an empty database and returns its URI.
  std::string create_database() {
    int code = 0;
    const std::string name = "test" + std::to_string(next_database_++);
    std::string uri = run_capture(script() + " createdb " + folder_ + " " + name, code);
    INFO("scripts/pg-test-server.sh createdb " << name << " output: " << uri);
    REQUIRE(code == 0);
    return uri;
  }

 private:
  explicit PostgresServer(std::string folder) : folder_(std::move(folder)) {}
  static std::string script() { return std::string(CAREID_SOURCE_DIR) + "/scripts/pg-test-server.sh"; }

  std::string folder_;
  int next_database_ = 0;
};

// Returns the test server, or nullptr after a warning when PostgreSQL is not installed.
// Any other start-up failure fails the test.
inline PostgresServer* postgres_server_or_skip() {
  std::string start_error;
  bool binaries_missing = false;
  PostgresServer* server = PostgresServer::get(start_error, binaries_missing);
  if (server == nullptr && binaries_missing) {
    WARN("SKIPPED: PostgreSQL server binaries are not installed (scripts/install-deps.sh "
         "installs them): " << start_error);
    return nullptr;
  }
  INFO(start_error);
  REQUIRE(server != nullptr);
  return server;
}

}  // namespace careid::sus::storage::testing
