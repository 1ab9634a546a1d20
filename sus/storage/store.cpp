#include "sus/storage/store.h"

#include "sus/storage/lmdb_store.h"
#include "sus/storage/pg_store.h"

namespace careid::sus::storage {

SusStore::~SusStore() = default;

Result<std::unique_ptr<SusStore>> SusStore::open(const std::filesystem::path& folder, const StoreOptions& options) {
  return LmdbSusStore::open(folder, options);
}

SpellWriter SusStore::make_writer(std::unique_ptr<SpellBatch> batch) { return SpellWriter(std::move(batch)); }

bool is_postgresql_location(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<std::unique_ptr<SusStore>> open_store(std::string_view location, const StoreOptions& options) {
  if (is_postgresql_location(location)) {
    return PgSusStore::open(location);
  }
  if (location.empty()) {
    return Status::invalid_argument("empty SUS store location; give a folder or a postgresql:// URI");
  }
  return LmdbSusStore::open(std::filesystem::path(location), options);
}

SpellWriter::SpellWriter(std::unique_ptr<SpellBatch> batch) : batch_(std::move(batch)) {}
SpellWriter::SpellWriter(SpellWriter&& other) noexcept = default;
SpellWriter::~SpellWriter() = default;

Status SpellWriter::put(const spells::Spell& spell) {
  if (!batch_) {
    return Status::failed_precondition("spell writer already committed");
  }
  return batch_->put(spell);
}

Status SpellWriter::commit() {
  if (!batch_) {
    return Status::failed_precondition("spell writer already committed");
  }
  const Status status = batch_->commit();
  batch_.reset();
  return status;
}

}  // namespace careid::sus::storage
