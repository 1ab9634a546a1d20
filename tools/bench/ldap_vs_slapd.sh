#!/usr/bin/env bash
# Benchmarks careidd against OpenLDAP slapd (Debian 12's slapd 2.5, back-mdb) on the same
# generated directory, the same indexes and the same load, in one run on loopback.
#
# It builds careidd, careidctl and ldap_load (Release) and writes the demo directory with
# `careidctl demo ldif` plus benchmark entries. It loads that into careid (`careidctl load`)
# and slapd (`slapadd -q`) and starts both. The cases are indexed equality search by uid,
# substring search on cn, one-level search of role profiles, simple bind, modify, add and
# delete. Each runs against each server in turn, with ldclt (Debian 389-ds-base) at each
# thread count and with careid's ldap_load (tools/loadgen) at as many connections. It prints one table (ops/s,
# ratio, p99, server CPU per operation) and the load times and resident memory.
# tools/bench/ldap_bench.py does the work; record results in docs/benchmarks.md.
#
# Usage: tools/bench/ldap_vs_slapd.sh [--tiny] [--build-dir DIR] [--people N] [--seconds S]
#                                     [--threads 1,4,16] [--operations LIST] [--load-only] [--keep]
#   --tiny       1,000 people, 3 s per ldap_load case, ldclt at 1 thread for one 10-s sample
#                (ldclt's shortest); about 4 minutes, to keep the script working in CI
#   --build-dir  build folder to use (default: build-bench in the source folder); it is
#                configured as Release if it has no CMakeCache.txt
#   --people     generated people (default 100000; 1800000 is the national workforce)
#   --seconds    seconds per case (default 10; ldclt rounds up to whole 10-s samples)
#   --threads    ldclt threads and ldap_load connections (default 1,4,16)
#   --operations comma-separated cases to run (default all: search-uid, search-cn, one-level,
#                bind, modify, add, delete)
#   --load-only  only load both servers, start them and report load time, file size and
#                resident memory after start (for --people 1800000, where the cases take long)
#   --keep       keep the work folder under /tmp (LDIF, stores, logs)
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="$source_dir/build-bench"
bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny)
      bench_args+=(--people 1000 --seconds 3 --bench-people 100 --delete-pool 6000 --ldclt-threads 1)
      shift ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --people|--seconds|--threads|--operations) bench_args+=("$1" "$2"); shift 2 ;;
    --keep|--load-only) bench_args+=("$1"); shift ;;
    *) echo "ldap_vs_slapd: unknown argument '$1'; see the usage at the top of $0" >&2; exit 2 ;;
  esac
done

for tool in /usr/bin/ldclt /usr/sbin/slapd /usr/sbin/slapadd /usr/bin/ldapsearch; do
  if [ ! -x "$tool" ]; then
    echo "ldap_vs_slapd: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build_dir" --parallel "$(nproc)" --target careidd careidctl ldap_load

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
exec /usr/bin/python3 "$source_dir/tools/bench/ldap_bench.py" --build-dir "$build_dir" "${bench_args[@]}"
