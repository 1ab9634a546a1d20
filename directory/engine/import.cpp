// Importer: the bulk path careidctl uses to load LDIF or generated data.
#include <algorithm>

#include "base/log.h"
#include "directory/engine/directory.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/groups.h"
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

Result<std::unique_ptr<Importer>> Directory::begin_import() {
  auto loader = store_->start_bulk_load();
  if (!loader.ok()) {
    return loader.status();
  }
  return std::unique_ptr<Importer>(new Importer(*this, std::move(*loader)));
}

Importer::Importer(Directory& directory, storage::BulkLoader loader)
    : directory_(directory), loader_(std::move(loader)), started_(std::chrono::system_clock::now()) {}

Importer::~Importer() = default;

Status Importer::add(Entry entry) {
  const schema::Schema& schema = *directory_.schema_;
  auto name = name_dn(schema, entry.dn);
  if (!name.ok()) {
    ++summary_.rejected;
    return rejected(name.error(), entry.dn);
  }
  auto canonical = schema::canonicalise_entry(schema, std::move(entry));
  if (!canonical.ok()) {
    ++summary_.rejected;
    return rejected(ldap_result(canonical.error().code, canonical.error().diagnostic), name->dn.to_string());
  }
  if (auto invalid = check_entry(schema, *canonical, name->dn)) {
    ++summary_.rejected;
    return rejected(*invalid, canonical->dn);
  }
  stamp_operational(schema, *canonical, directory_.options_.root_dn, true, started_);

  storage::EntryId parent = storage::kNoParent;
  if (!is_suffix(schema, directory_.options_, *name)) {
    auto parent_id = find_parent(normalised_parent(name->normalised));
    if (!parent_id.ok()) {
      ++summary_.rejected;
      return Status::invalid_argument("entry '" + canonical->dn +
                                      "' rejected: its parent is missing; add parents before children");
    }
    parent = *parent_id;
  }

  auto added = loader_.add(name->normalised, parent, *canonical, index_keys(schema, *directory_.store_, *canonical));
  if (added.ok()) {
    ++summary_.added;
    if (is_group(schema, *canonical)) {
      added_groups_.push_back(canonical->dn);
    }
    return Status::ok_status();
  }
  if (added.status().code() == StatusCode::kAlreadyExists) {
    ++summary_.skipped_existing;
    return Status::ok_status();
  }
  return added.status().with_context("importing '" + canonical->dn + "'");
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
