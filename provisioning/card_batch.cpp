#include "provisioning/card_batch.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/shipped_files.h"
#include "directory/engine/open_directory.h"
#include "pki/ca.h"
#include "pki/files.h"
#include "pki/layout.h"
#include "provisioning/directory_entries.h"

namespace careid::provisioning {
namespace {

namespace fs = std::filesystem;

// Returns the uids of the people directly below ou=People, sorted, so that two batches of
// the same size name the same people.
Result<std::vector<std::string>> list_person_uids(const Config& config) {
  auto directory = directory::engine::open_directory(config, careid::shipped_schema_folder());
  if (!directory.ok()) {
    return directory.status();
  }
  auto people = (*directory)->find(kPeopleDn, true, "(objectClass=nhsPerson)");
  if (!people.ok()) {
    return people.status();
  }

  std::vector<std::string> uids;
  uids.reserve(people->size());
  for (const directory::Entry& person : *people) {
    std::string_view uid = person.first_value("uid");
    if (pki::is_valid_card_uid(uid)) {
      uids.emplace_back(uid);
    }
  }
  std::sort(uids.begin(), uids.end());
  return uids;
}

Status create_out_dir(const fs::path& out_dir) {
  std::error_code error;
  if (fs::create_directories(out_dir, error)) {
    fs::permissions(out_dir, fs::perms::owner_all, fs::perm_options::replace, error);
  }
  if (error) {
    return Status::io_error("cannot create " + out_dir.string() + ": " + error.message());
  }
  return Status::ok_status();
}

Status write_card(const pki::CertifiedKey& card, const fs::path& out_dir, const std::string& uid) {
  // The key first: write_private_file refuses an existing file, so a rerun into the same
  // folder stops before it replaces any certificate.
  CAREID_RETURN_IF_ERROR(card.key.write_pem_file(out_dir / (uid + ".key")));
  auto pem = card.certificate.to_pem();
  if (!pem.ok()) {
    return pem.status();
  }
  return pki::write_public_file(out_dir / (uid + ".pem"), *pem);
}

}  // namespace

Result<CardBatchSummary> issue_card_batch(const CardBatchOptions& options) {
  if (options.count == 0 || options.count > kMaxCardBatch) {
    return Status::invalid_argument("invalid card count " + std::to_string(options.count) +
                                    ": use 1 to " + std::to_string(kMaxCardBatch));
  }
  auto started = std::chrono::steady_clock::now();
  auto config = load_config(options.config_file);
  if (!config.ok()) {
    return config.status();
  }
  auto uids = list_person_uids(*config);
  if (!uids.ok()) {
    return uids.status();
  }
  if (uids->size() < options.count) {
    return Status::not_found("the directory holds " + std::to_string(uids->size()) +
                             " people, fewer than the " + std::to_string(options.count) +
                             " cards requested; lower --count or set up more people");
  }

  pki::PkiLayout layout(config->data_dir);
  auto ca = pki::CertificateAuthority::load(layout.card_ca_certificate(), layout.card_ca_key());
  if (!ca.ok()) {
    return ca.status();
  }
  CAREID_RETURN_IF_ERROR(create_out_dir(options.out_dir));

  pki::CardCertificateOptions card_options;
  card_options.key_type = options.key_type;
  CardBatchSummary summary;
  for (std::uint64_t i = 0; i < options.count; ++i) {
    const std::string& uid = (*uids)[i];
    auto card = ca->issue_card_certificate(uid, card_options);
    if (!card.ok()) {
      return card.status();
    }
    CAREID_RETURN_IF_ERROR(write_card(*card, options.out_dir, uid));
    ++summary.issued;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace careid::provisioning
