#!/usr/bin/env bash
# Generates about 1.4 million admitted patient care spells (a national month), imports them
# into an LMDB store and a PostgreSQL store and prices them with `careidctl sus price`,
# then prints a table of wall clock and CPU time (user + system of careidctl only) for each
# step. Targets: import and pricing each under 10 s on 2 cores. Record results in
# docs/benchmarks.md.
#
# PostgreSQL runs on a throwaway server from scripts/pg-test-server.sh (as the user
# `postgres` when run as root). The server's own CPU time is not in the CPU column.
#
# Usage: tools/bench/sus_price.sh [BUILD_DIR] [SPELLS] [STORES]
#   BUILD_DIR  build folder containing tools/careidctl/careidctl (default: build); use a
#              Release build for figures worth recording
#   SPELLS     number of spells to generate (default: 1400000)
#   STORES     "lmdb postgresql" (default), or one of them
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${1:-$source_dir/build}"
spells="${2:-1400000}"
stores="${3:-lmdb postgresql}"
careidctl="$build_dir/tools/careidctl/careidctl"
if [ ! -x "$careidctl" ]; then
  echo "sus_price: careidctl not built at $careidctl" >&2
  exit 1
fi

work="$(mktemp -d /tmp/careid-sus-bench-XXXXXX)"
pg_dir="$work/pg"
cleanup() {
  if [ -d "$pg_dir" ]; then
    "$source_dir/scripts/pg-test-server.sh" stop "$pg_dir" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"  # the PostgreSQL server may run as another user

# Spells spread over the 237 providers of the real 2015/16 MFF file and the HRGs of the
# synthetic tariff, with every admission method group and lengths of stay of 0-30 days.
/usr/bin/python3 - "$source_dir" "$work/spells.csv" "$spells" <<'PY'
import csv, datetime, random, sys
source_dir, out_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(f"{source_dir}/data/reference/nhsrefcost-2015-16-national-schedule.csv", newline="") as f:
    providers = [row["Org.Code"] for row in csv.DictReader(f)]
hrgs = ["AA22C", "DZ11N", "EB10Z", "FZ24E", "HN12C", "LA08E", "BZ24C", "PA14C"]
commissioners = [f"{n:02d}{c}" for n in range(1, 100) for c in "ACHKMNPQTVWXY"][:209]
methods = ["11", "12", "13", "21", "22", "23", "24", "25", "28", "2A", "2B", "2D", "31", "81", "82"]
random.seed(1)
month_start = datetime.date(2015, 6, 1)
header = ("HOSPITAL PROVIDER SPELL NUMBER,ORGANISATION CODE (CODE OF PROVIDER),"
          "ORGANISATION CODE (CODE OF COMMISSIONER),ADMISSION METHOD (HOSPITAL PROVIDER SPELL),"
          "PATIENT CLASSIFICATION,START DATE (HOSPITAL PROVIDER SPELL),"
          "DISCHARGE DATE (HOSPITAL PROVIDER SPELL),AGE ON ADMISSION,HEALTHCARE RESOURCE GROUP CODE\n")
rand = random.random
with open(out_path, "w") as out:
    out.write(header)
    lines = []
    for i in range(count):
        method = methods[int(rand() * len(methods))]
        stay = 0 if rand() < 0.3 else int(rand() * 30)
        day = int(rand() * 30)
        end = month_start + datetime.timedelta(days=day)
        start = end - datetime.timedelta(days=stay)
        classification = "2" if method[0] == "1" and stay == 0 else "1"
        lines.append(f"B{i:09d},{providers[i % len(providers)]},{commissioners[int(rand() * 209)]},{method},"
                     f"{classification},{start.isoformat()},{end.isoformat()},{int(rand() * 100)},"
                     f"{hrgs[int(rand() * len(hrgs))]}\n")
        if len(lines) == 100000:
            out.writelines(lines)
            lines = []
    out.writelines(lines)
PY
echo "generated $spells spells ($(du -h "$work/spells.csv" | cut -f1))"

# Runs a command, printing its output, and appends "wall cpu" in seconds to $work/times.
timed() {
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@"
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time" >>"$work/times"
}

rows=()
for kind in $stores; do
  case "$kind" in
    lmdb) store="$work/lmdb" ;;
    postgresql) store="$("$source_dir/scripts/pg-test-server.sh" start "$pg_dir")" ;;
    *) echo "sus_price: unknown store '$kind'; expected lmdb or postgresql" >&2; exit 1 ;;
  esac
  "$careidctl" sus import-tariff --store "$store" --year 2015/16 "$source_dir/data/sus/tariff-synthetic-2015-16.csv"
  "$careidctl" sus import-mff --store "$store" --year 2015/16 \
    "$source_dir/data/reference/nhsrefcost-2015-16-national-schedule.csv"
  : >"$work/times"
  timed "$careidctl" sus import-spells --store "$store" "$work/spells.csv"
  timed "$careidctl" sus import-spells --store "$store" "$work/spells.csv"
  timed "$careidctl" sus price --store "$store" --year 2015/16
  mapfile -t times <"$work/times"
  rows+=("| $kind | import-spells into an empty store | ${times[0]/ / s wall, } s CPU |"
         "| $kind | import-spells again (every spell replaced) | ${times[1]/ / s wall, } s CPU |"
         "| $kind | price (open, load tariff and MFF, read and price every spell) | ${times[2]/ / s wall, } s CPU |")
done

echo
echo "$spells spells, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
echo "| store | step | time |"
echo "| --- | --- | --- |"
printf '%s\n' "${rows[@]}"
