#include "base/shipped_files.h"

#include <system_error>

namespace careid {

std::filesystem::path shipped_folder(const std::filesystem::path& in_checkout, const std::filesystem::path& installed) {
  std::error_code error;
  if (std::filesystem::is_directory(in_checkout, error)) {
    return in_checkout;
  }
  return installed;
}

std::filesystem::path shipped_schema_folder() {
  return shipped_folder(CAREID_CHECKOUT_DIR "/schemas", CAREID_INSTALLED_DATA_DIR "/schemas");
}

std::filesystem::path shipped_reference_folder() {
  return shipped_folder(CAREID_CHECKOUT_DIR "/data/reference", CAREID_INSTALLED_DATA_DIR "/data/reference");
}

}  // namespace careid
