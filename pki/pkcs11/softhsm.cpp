#include "pki/pkcs11/softhsm.h"

#include <cstdlib>

#include "pki/files.h"

namespace careid::pki::pkcs11 {

namespace fs = std::filesystem;

fs::path softhsm_config_path(const fs::path& data_dir) {
  return data_dir / "tokens" / "softhsm2.conf";
}

Status use_softhsm_tokens_of(const fs::path& data_dir) {
  fs::path tokens = fs::absolute(data_dir) / "tokens";
  fs::path token_dir = tokens / "softhsm";
  std::error_code error;
  for (const fs::path& folder : {tokens, token_dir}) {
    if (!fs::exists(folder, error)) {
      fs::create_directories(folder, error);
      fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, error);
    }
    if (error) {
      return Status::io_error("cannot create token folder " + folder.string() + ": " +
                              error.message());
    }
  }

  fs::path config = tokens / "softhsm2.conf";
  if (!fs::exists(config, error)) {
    std::string text = "# SoftHSM 2 tokens of this careid data folder (softhsm2.conf(5)).\n"
                       "directories.tokendir = " + token_dir.string() + "\n"
                       "objectstore.backend = file\n"
                       "log.level = ERROR\n"
                       "slots.removable = false\n";
    CAREID_RETURN_IF_ERROR(write_private_file(config, text));
  }
  if (setenv(kSoftHsmConfigVariable, config.c_str(), 1) != 0) {
    return Status::io_error(std::string("cannot set ") + kSoftHsmConfigVariable);
  }
  return Status::ok_status();
}

}  // namespace careid::pki::pkcs11
