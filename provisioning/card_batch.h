// Issuing many card certificates at once, for load tests: one card for each of the first
// N people of a data folder's directory, so that logins spread over many users.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/status.h"
#include "pki/key.h"

namespace careid::provisioning {

struct CardBatchOptions {
  std::filesystem::path config_file;  // careid.toml of the data folder
  std::filesystem::path out_dir;      // created with mode 0700 when missing
  std::uint64_t count = 100;          // 1 to kMaxCardBatch
  pki::KeyType key_type = pki::KeyType::kEcdsaP256;
};

// Largest batch; a typing mistake should not fill a disk with keys.
inline constexpr std::uint64_t kMaxCardBatch = 1'000'000;

struct CardBatchSummary {
  std::uint64_t issued = 0;
  double seconds = 0;
};

// Issues a card from the data folder's card CA to each of the first `count` people under
// ou=People,o=nhs (in uid order) and writes <uid>.pem (mode 0644) and <uid>.key (mode
// 0600) to `out_dir`, without PKCS#12 files. Reads the directory store directly, so run
// it while careidd is stopped or idle. Errors:
//   kInvalidArgument    `count` is 0 or over kMaxCardBatch
//   kNotFound           the directory holds fewer than `count` people
//   kAlreadyExists      a key file exists in `out_dir` (files are never overwritten)
//   others              from loading the config, the directory, the CA or writing files
// The cards are not recorded in the card registry (pki/card_registry.h).
Result<CardBatchSummary> issue_card_batch(const CardBatchOptions& options);

}  // namespace careid::provisioning
