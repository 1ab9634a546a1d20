// SoftHSM 2 token storage inside a careid data folder.
//
// SoftHSM 2 keeps each token as files in the folder that `directories.tokendir` of its
// configuration file names, and reads the file that the environment variable SOFTHSM2_CONF
// points to (softhsm2.conf(5)). careid gives each data folder its own:
//
//   <data_dir>/tokens/softhsm2.conf   mode 0600
//   <data_dir>/tokens/softhsm/        mode 0700, one sub-folder per token
#pragma once

#include <filesystem>

#include "base/status.h"

namespace careid::pki::pkcs11 {

inline constexpr const char* kSoftHsmConfigVariable = "SOFTHSM2_CONF";

std::filesystem::path softhsm_config_path(const std::filesystem::path& data_dir);

// Creates the token folder and configuration file when missing (existing ones are kept)
// and sets SOFTHSM2_CONF for this process, replacing an inherited value so that the data
// folder decides. Call it before Module::load. IoError when a file cannot be written.
Status use_softhsm_tokens_of(const std::filesystem::path& data_dir);

}  // namespace careid::pki::pkcs11
