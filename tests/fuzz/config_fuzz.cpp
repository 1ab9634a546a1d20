// Fuzzes careidd's TOML configuration loader. load_config() reads a file, so each input is
// written to one temporary file per process first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/config.h"

namespace {

std::filesystem::path input_path() {
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("careid-fuzz-config-" + std::to_string(getpid()) + ".toml");
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = input_path();
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!file) {
      std::abort();
    }
  }

  (void)careid::load_config(path);
  std::filesystem::remove(path);
  return 0;
}
