#include "sus/storage/pg_schema.h"

#include <charconv>
#include <chrono>
#include <string>

#include "base/log.h"

namespace careid::sus::storage::pg {
namespace {

// pg_advisory_xact_lock keys of schema changes; the spell writer uses (5461331, 2).
constexpr std::string_view kSchemaLock = "SELECT pg_advisory_xact_lock(5461331, 1)";

constexpr std::string_view kCreateMeta =
    "CREATE SCHEMA IF NOT EXISTS careid_sus;"
    "CREATE TABLE IF NOT EXISTS careid_sus.meta (key text COLLATE \"C\" PRIMARY KEY, value text NOT NULL);";

// kMigrations[n] upgrades a schema of version n to version n + 1.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE careid_sus.tariff (
  year text COLLATE "C" NOT NULL,
  hrg_code text COLLATE "C" NOT NULL,
  hrg_name text NOT NULL,
  combined_elective bigint,
  day_case bigint,
  ordinary_elective bigint,
  elective_trim_days integer,
  non_elective bigint,
  non_elective_trim_days integer,
  per_day_long_stay bigint,
  short_stay_emergency_applies boolean NOT NULL,
  short_stay_emergency_percent integer,
  short_stay_emergency bigint,
  PRIMARY KEY (year, hrg_code));
CREATE TABLE careid_sus.mff (
  year text COLLATE "C" NOT NULL,
  provider text COLLATE "C" NOT NULL,
  billionths bigint NOT NULL,
  PRIMARY KEY (year, provider));
CREATE TABLE careid_sus.spells (
  provider text COLLATE "C" NOT NULL,
  spell_number text COLLATE "C" NOT NULL,
  commissioner text COLLATE "C" NOT NULL,
  admission_method text NOT NULL,
  patient_classification smallint NOT NULL CHECK (patient_classification BETWEEN 1 AND 5),
  start_date date NOT NULL,
  discharge_date date NOT NULL,
  age_on_admission integer NOT NULL,
  hrg_code text NOT NULL,
  PRIMARY KEY (provider, spell_number, discharge_date)
) PARTITION BY RANGE (discharge_date);
)sql",
};

Result<int> stored_version(Connection& connection) {
  auto result = connection.exec("SELECT value FROM careid_sus.meta WHERE key = 'schema_version'");
  if (!result.ok()) {
    return result.status();
  }
  if (result->rows() == 0) {
    return 0;
  }
  const std::string_view text = result->text(0, 0);
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc{} || end != text.data() + text.size() || version < 1) {
    return Status::corruption("SUS store " + connection.location() + " has an invalid schema_version '" +
                              std::string(text) + "'");
  }
  return version;
}

std::string date_text(int year, const char* month_day) { return std::to_string(year) + month_day; }

}  // namespace

Status ensure_schema(Connection& connection) {
  Transaction transaction(connection);
  CAREID_RETURN_IF_ERROR(transaction.begin());
  CAREID_RETURN_IF_ERROR(connection.exec_script(kSchemaLock));
  CAREID_RETURN_IF_ERROR(connection.exec_script(kCreateMeta));
  auto version = stored_version(connection);
  if (!version.ok()) {
    return version.status();
  }
  if (*version > kSchemaVersion) {
    return Status::failed_precondition("SUS store " + connection.location() + " has schema version " +
                                       std::to_string(*version) + "; this build reads up to version " +
                                       std::to_string(kSchemaVersion) + ", so upgrade careid");
  }
  if (*version == kSchemaVersion) {
    return transaction.commit();
  }

  for (int next = *version; next < kSchemaVersion; ++next) {
    CAREID_RETURN_IF_ERROR(connection.exec_script(kMigrations[next]));
  }
  auto written = connection.exec(
      "INSERT INTO careid_sus.meta (key, value) VALUES ('schema_version', $1) "
      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      {std::to_string(kSchemaVersion)});
  if (!written.ok()) {
    return written.status();
  }
  CAREID_RETURN_IF_ERROR(transaction.commit());
  log::get("sus")->info("SUS schema created store={} from_version={} version={}", connection.location(), *version,
                        kSchemaVersion);
  return Status::ok_status();
}

int financial_year_of(spells::Date date) {
  const std::chrono::year_month_day day{std::chrono::sys_days{std::chrono::days{date}}};
  const int year = static_cast<int>(day.year());
  return static_cast<unsigned>(day.month()) >= 4 ? year : year - 1;
}

Status ensure_spell_partitions(Connection& connection, const std::set<int>& years) {
  // DDL takes no bound parameters. The names and bounds below are built from integers
  // only, so no outside text reaches the SQL.
  for (const int year : years) {
    const std::string name = "careid_sus.spells_fy" + std::to_string(year);
    std::string sql = "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF careid_sus.spells FOR VALUES FROM ('" +
                      date_text(year, "-04-01") + "') TO ('" + date_text(year + 1, "-04-01") +
                      "') PARTITION BY HASH (provider);";
    for (int remainder = 0; remainder < kProviderPartitions; ++remainder) {
      sql += "CREATE TABLE IF NOT EXISTS " + name + "_p" + std::to_string(remainder) + " PARTITION OF " + name +
             " FOR VALUES WITH (MODULUS " + std::to_string(kProviderPartitions) + ", REMAINDER " +
             std::to_string(remainder) + ");";
    }
    CAREID_RETURN_IF_ERROR(connection.exec_script(sql));
  }
  return Status::ok_status();
}

}  // namespace careid::sus::storage::pg
