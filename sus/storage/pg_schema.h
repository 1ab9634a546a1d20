// The PostgreSQL schema of the SUS store, created and upgraded by careid.
//
// Everything lives in the schema `careid_sus`:
//   meta    (key, value): "schema_version" is the version below
//   tariff  one row per (year, hrg_code), the columns of tariff::HrgPrice
//   mff     one row per (year, provider), the factor in billionths
//   spells  one row per spell, primary key (provider, spell_number, discharge_date)
//
// spells is partitioned twice, so that a month's import and a year's extract touch few
// partitions. The same tables could later be spread over a distributed PostgreSQL (such
// as Citus, with provider as the distribution column). The two levels are:
//   by RANGE of discharge_date, one partition per financial year (1 April to 31 March),
//     named spells_fy2015 for 2015/16, created by the import that first needs it;
//   then by HASH of provider into kProviderPartitions partitions, spells_fy2015_p0 ... p7.
// PostgreSQL requires a partitioned table's primary key to contain the partition columns,
// so the key includes discharge_date; the spell writer keeps (provider, spell_number)
// unique by deleting the stored row of every spell it writes, whatever its discharge date.
// Text keys use the "C" collation, so that ORDER BY is bytewise, as LMDB's key order is.
#pragma once

#include <set>

#include "base/status.h"
#include "sus/spells/spell.h"
#include "sus/storage/pg_connection.h"

namespace careid::sus::storage::pg {

inline constexpr int kSchemaVersion = 1;
inline constexpr int kProviderPartitions = 8;

// Creates the schema when the database has none, and checks its version otherwise, in one
// transaction under an advisory lock, so that two processes opening an empty database at
// once do not race. Returns kFailedPrecondition for a schema newer than this build reads.
Status ensure_schema(Connection& connection);

// Returns the first calendar year of the financial year that contains `date`: 2015 for
// any day from 2015-04-01 to 2016-03-31.
int financial_year_of(spells::Date date);

// Creates the spells partitions of each financial year in `years` that does not have them.
// Runs inside the caller's transaction.
Status ensure_spell_partitions(Connection& connection, const std::set<int>& years);

}  // namespace careid::sus::storage::pg
