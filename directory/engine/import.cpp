// Importer: the bulk path careidctl uses to load LDIF or generated data. With several
// prepare threads, PrepareWorkers (import_pipeline.h) runs prepare() and the calling
// thread runs store() in input order.
#include <algorithm>
#include <thread>

#include "base/log.h"
#include "directory/engine/directory.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/groups.h"
#include "directory/engine/import_pipeline.h"
#include "directory/engine/naming.h"
#include "directory/schema/entry_check.h"

namespace careid::directory::engine {
namespace {

Status rejected(const protocol::LdapResult& result, const std::string& dn) {
  return Status::invalid_argument("entry '" + dn + "' rejected: " + std::string(result_code_name(result.result_code)) +
                                  ": " + result.diagnostic_message);
}

Status set_member_of_group(const schema::Schema& schema, const storage::EntryStore& store,
                           storage::WriteTransaction& txn, const std::string& group_dn) {
  auto name = name_dn(schema, group_dn);
  if (!name.ok()) {
    return Status::ok_status();
  }
  auto id = txn.find_id(name->normalised);
  if (!id.ok()) {
    return id.status();
  }
  auto group = txn.get(*id);
  if (!group.ok()) {
    return group.status();
  }
  return update_member_of(schema, store, txn, group_dn, nullptr, &*group);
}

// Returns the normalised DN of the parent of `normalised`, or "" for a DN of one RDN.
// Normalised DNs print their RDNs with RFC 4514 escapes joined by ',', and a backslash
// always escapes the next character, so the first ',' outside an escape ends the first
// RDN. This saves parsing and normalising the parent's DN again for every entry.
std::string_view normalised_parent(std::string_view normalised) {
  for (std::size_t i = 0; i < normalised.size(); ++i) {
    if (normalised[i] == '\\') {
      ++i;
    } else if (normalised[i] == ',') {
      return normalised.substr(i + 1);
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Importer>> Directory::begin_import(ImportOptions options) {
  auto loader = store_->start_bulk_load();
  if (!loader.ok()) {
    return loader.status();
  }
  unsigned threads = options.threads;
  if (threads == 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  return std::unique_ptr<Importer>(new Importer(*this, std::move(*loader), threads));
}

Importer::Importer(Directory& directory, storage::BulkLoader loader, unsigned threads)
    : directory_(directory), loader_(std::move(loader)), started_(std::chrono::system_clock::now()) {
  // is_suffix would parse every suffix again for each entry.
  for (const std::string& suffix : directory_.options_.suffixes) {
    auto named = name_dn(*directory_.schema_, suffix);
    if (named.ok()) {
      normalised_suffixes_.push_back(std::move(named->normalised));
    }
  }
  // The calling thread counts as one of the threads, because the store work keeps it busy.
  if (threads > 1) {
    const unsigned workers = threads - 1;
    workers_ = std::make_unique<detail::PrepareWorkers>(
        workers, [this](Entry entry) { return prepare(std::move(entry)); });
    max_queued_batches_ = kMaxQueuedBatchesPerThread * workers;
  }
}

// The workers stop before the loader goes, because they read the store's index list.
Importer::~Importer() { workers_.reset(); }

Status Importer::add(Entry entry) {
  if (!workers_) {
    PreparedEntry prepared = prepare(std::move(entry));
    return store(prepared);
  }
  return queue(std::move(entry));
}

Status Importer::add(EntrySource source) {
  if (!workers_) {
    Result<Entry> entry = source();
    if (!entry.ok()) {
      return entry.status();
    }
    return add(std::move(*entry));
  }
  return queue(std::move(source));
}

Status Importer::queue(std::variant<Entry, EntrySource> input) {
  if (!failure_.ok()) {
    return failure_;
  }

  if (!filling_) {
    filling_ = workers_->take_spare();
  }
  if (!filling_) {
    filling_ = std::make_unique<detail::ImportBatch>();
    filling_->input.reserve(kBatchEntries);
  }
  filling_->input.push_back(std::move(input));
  if (filling_->input.size() < kBatchEntries) {
    return Status::ok_status();
  }

  workers_->submit(std::move(filling_));
  return store_ready_batches(workers_->outstanding() >= max_queued_batches_);
}

Status Importer::flush() {
  if (!workers_ || !failure_.ok()) {
    return failure_;
  }
  if (filling_) {
    workers_->submit(std::move(filling_));
  }
  while (workers_->outstanding() > 0) {
    CAREID_RETURN_IF_ERROR(store_ready_batches(true));
  }
  return Status::ok_status();
}

// Stores the prepared batches at the head of the queue, waiting for the first one when
// `wait_for_one` is set.
Status Importer::store_ready_batches(bool wait_for_one) {
  bool wait = wait_for_one;
  while (auto batch = workers_->take_oldest(wait)) {
    wait = false;
    CAREID_RETURN_IF_ERROR(store_batch(*batch));
    workers_->release(std::move(batch));
  }
  return Status::ok_status();
}

Status Importer::store_batch(detail::ImportBatch& batch) {
  for (PreparedEntry& prepared : batch.prepared) {
    Status stored = store(prepared);
    if (!stored.ok()) {
      failure_ = stored;
      return stored;
    }
  }
  return Status::ok_status();
}

PreparedEntry Importer::prepare(Entry entry) const {
  const schema::Schema& schema = *directory_.schema_;
  PreparedEntry prepared;
  auto name = name_dn(schema, entry.dn);
  if (!name.ok()) {
    prepared.rejection = rejected(name.error(), entry.dn);
    return prepared;
  }
  auto canonical = schema::canonicalise_entry(schema, std::move(entry));
  if (!canonical.ok()) {
    prepared.rejection =
        rejected(ldap_result(canonical.error().code, canonical.error().diagnostic), name->dn.to_string());
    return prepared;
  }
  if (auto invalid = check_entry(schema, *canonical, name->dn)) {
    prepared.rejection = rejected(*invalid, canonical->dn);
    return prepared;
  }
  // NOTE: make_csn numbers the entryCSN values in the order entries reach this line, which
  // with several prepare threads is not always the input order.
  stamp_operational(schema, *canonical, directory_.options_.root_dn, true, started_);

  prepared.suffix = std::find(normalised_suffixes_.begin(), normalised_suffixes_.end(), name->normalised) !=
                    normalised_suffixes_.end();
  prepared.group = is_group(schema, *canonical);
  prepared.index_keys = index_keys(schema, *directory_.store_, *canonical);
  prepared.normalised_dn = std::move(name->normalised);
  prepared.entry = std::move(*canonical);
  return prepared;
}

Status Importer::store(PreparedEntry& prepared) {
  if (!prepared.rejection.ok()) {
    if (!prepared.input_error) {
      ++summary_.rejected;
    }
    return prepared.rejection;
  }

  storage::EntryId parent = storage::kNoParent;
  if (!prepared.suffix) {
    auto parent_id = find_parent(normalised_parent(prepared.normalised_dn));
    if (!parent_id.ok()) {
      ++summary_.rejected;
      return Status::invalid_argument("entry '" + prepared.entry.dn +
                                      "' rejected: its parent is missing; add parents before children");
    }
    parent = *parent_id;
  }

  auto added = loader_.add(prepared.normalised_dn, parent, prepared.entry, std::move(prepared.index_keys));
  if (added.ok()) {
    ++summary_.added;
    if (prepared.group) {
      added_groups_.push_back(prepared.entry.dn);
    }
    return Status::ok_status();
  }
  if (added.status().code() == StatusCode::kAlreadyExists) {
    ++summary_.skipped_existing;
    return Status::ok_status();
  }
  return added.status().with_context("importing '" + prepared.entry.dn + "'");
}

// Siblings usually follow each other in LDIF, so the last parent found is kept.
Result<storage::EntryId> Importer::find_parent(std::string_view normalised_dn) {
  if (normalised_dn.empty()) {
    return Status::not_found("an entry of one RDN that is not a suffix has no parent");
  }
  if (last_parent_id_ != storage::kNoParent && normalised_dn == last_parent_dn_) {
    return last_parent_id_;
  }
  auto id = loader_.find_id(normalised_dn);
  if (id.ok()) {
    last_parent_dn_ = normalised_dn;
    last_parent_id_ = *id;
  }
  return id;
}

// Members may follow their group in the input, so memberOf is set once everything is
// loaded. update_member_of skips members that already list the group.
Status Importer::set_member_of() {
  const schema::Schema& schema = *directory_.schema_;
  storage::EntryStore& store = *directory_.store_;
  for (std::size_t first = 0; first < added_groups_.size(); first += kMemberOfGroupsPerCommit) {
    auto txn = store.begin_write();
    if (!txn.ok()) {
      return txn.status();
    }
    const std::size_t last = std::min(added_groups_.size(), first + kMemberOfGroupsPerCommit);
    for (std::size_t i = first; i < last; ++i) {
      CAREID_RETURN_IF_ERROR(set_member_of_group(schema, store, *txn, added_groups_[i]));
    }
    CAREID_RETURN_IF_ERROR(txn->commit());
  }
  return Status::ok_status();
}

Result<ImportSummary> Importer::finish() {
  CAREID_RETURN_IF_ERROR(flush());
  workers_.reset();
  CAREID_RETURN_IF_ERROR(loader_.finish());
  Status member_of = set_member_of();
  if (!member_of.ok()) {
    return member_of.with_context("setting memberOf after the import");
  }
  log::get("directory")->info("import finished added={} skipped_existing={} rejected={}", summary_.added,
                              summary_.skipped_existing, summary_.rejected);
  return summary_;
}

}  // namespace careid::directory::engine
