// Helpers shared by the provisioning tests: paths of the shipped reference files and
// temporary files that delete themselves.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace careid::provisioning::testing {

inline std::filesystem::path reference_directory() {
  return std::filesystem::path(CAREID_SOURCE_DIR) / "data" / "reference";
}

// A file under the system temporary directory, removed when the object goes out of scope.
class TemporaryFile {
 public:
  TemporaryFile(std::string_view name, std::string_view content) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("careid-provisioning-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
    path_ /= std::string(name);
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TemporaryFile() { std::filesystem::remove_all(path_.parent_path()); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace careid::provisioning::testing
