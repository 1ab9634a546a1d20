// Temporary trail folders and file edits for the audit tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit_log.h"

namespace careid::audit::testing {

// A fresh folder under the temporary directory, removed by the destructor.
class TempFolder {
 public:
  TempFolder() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() / ("careid-audit-test-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Event numbered_event(int i) {
  Event event;
  event.type = i % 2 == 0 ? "ldap.bind" : "ldap.modify";
  event.actor = "uid=55500000000" + std::to_string(i % 10) + ",ou=People,o=nhs";
  event.subject = "uid=555000000001,ou=People,o=nhs";
  event.client = "127.0.0.1:4000" + std::to_string(i % 10);
  event.details = {{"n", i}};
  return event;
}

// Writes `count` numbered events through an AuditLog and closes it.
inline void write_events(const AuditLogOptions& options, int count) {
  auto log = AuditLog::open(options);
  if (!log.ok()) {
    throw std::runtime_error(log.status().to_string());
  }
  for (int i = 0; i < count; ++i) {
    (*log)->record(numbered_event(i));
  }
  Status closed = (*log)->close();
  if (!closed.ok()) {
    throw std::runtime_error(closed.to_string());
  }
}

inline std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

inline void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines) {
  std::ofstream out(file, std::ios::trunc);
  for (const std::string& line : lines) {
    out << line << '\n';
  }
}

}  // namespace careid::audit::testing
