// Importer: the bulk path careidctl uses to load LDIF or generated data.
#include "base/log.h"
#include "directory/engine/directory.h"
#include "directory/engine/entry_validation.h"
#include "directory/engine/naming.h"
#include "directory/schema/entry_check.h"

namespace careid::directory::engine {
namespace {

Status rejected(const protocol::LdapResult& result, const std::string& dn) {
  return Status::invalid_argument("entry '" + dn + "' rejected: " + std::string(result_code_name(result.result_code)) +
                                  ": " + result.diagnostic_message);
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
  // TODO: groups loaded here do not set memberOf on their members (groups.h works on a
  // WriteTransaction, not the bulk loader); add or modify the group over LDAP instead.

  storage::EntryId parent = storage::kNoParent;
  if (!is_suffix(schema, directory_.options_, *name)) {
    auto parent_name = name_dn(schema, name->dn.parent().to_string());
    auto parent_id = parent_name.ok() ? loader_.find_id(parent_name->normalised)
                                      : Result<storage::EntryId>(Status::not_found("invalid parent DN"));
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
    return Status::ok_status();
  }
  if (added.status().code() == StatusCode::kAlreadyExists) {
    ++summary_.skipped_existing;
    return Status::ok_status();
  }
  return added.status().with_context("importing '" + canonical->dn + "'");
}

Result<ImportSummary> Importer::finish() {
  CAREID_RETURN_IF_ERROR(loader_.finish());
  log::get("directory")->info("import finished added={} skipped_existing={} rejected={}", summary_.added,
                              summary_.skipped_existing, summary_.rejected);
  return summary_;
}

}  // namespace careid::directory::engine
