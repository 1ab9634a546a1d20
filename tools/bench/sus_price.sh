#!/usr/bin/env bash
# Generates about 1.4 million admitted patient care spells (a national month), imports them
# into a SUS store and prices them with `careidctl sus price`, printing the time of each
# step. Target: pricing in under 10 s on 2 cores. Record results in docs/benchmarks.md.
#
# Usage: tools/bench/sus_price.sh [BUILD_DIR] [SPELLS]
#   BUILD_DIR  build folder containing tools/careidctl/careidctl (default: build); use a
#              Release build for figures worth recording
#   SPELLS     number of spells to generate (default: 1400000)
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${1:-$source_dir/build}"
spells="${2:-1400000}"
careidctl="$build_dir/tools/careidctl/careidctl"
if [ ! -x "$careidctl" ]; then
  echo "sus_price: careidctl not built at $careidctl" >&2
  exit 1
fi

work="$(mktemp -d /tmp/careid-sus-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

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

store="$work/store"
"$careidctl" sus import-tariff --store "$store" --year 2015/16 "$source_dir/data/sus/tariff-synthetic-2015-16.csv"
"$careidctl" sus import-mff --store "$store" --year 2015/16 \
  "$source_dir/data/reference/nhsrefcost-2015-16-national-schedule.csv"

# Microseconds since the epoch, from bash 5's EPOCHREALTIME.
now_us() { echo "${EPOCHREALTIME/./}"; }
seconds_since() { local us=$(( $(now_us) - $1 )); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }

start=$(now_us)
"$careidctl" sus import-spells --store "$store" "$work/spells.csv"
echo "import-spells: $(seconds_since "$start") s"

start=$(now_us)
"$careidctl" sus price --store "$store" --year 2015/16 | head -1
echo "price: $(seconds_since "$start") s (wall clock, including opening the store and loading the tariff)"
