#!/usr/bin/env bash
# Installs what is missing, builds, and runs every unit and end-to-end test with ctest.
# Then it runs the robustness checks, which fit CI's budget of 40 minutes on 2 cores:
#   - every libFuzzer target of tests/fuzz for CAREID_FUZZ_SECONDS seconds each (default
#     10), built with clang-14 in build-fuzz (scripts/fuzz.sh). CAREID_SKIP_FUZZ=1 skips it.
#   - the whole test suite again under ASan and UBSan, built in build-asan
#     (scripts/test-sanitizers.sh). CAREID_SANITIZE_E2E narrows the end-to-end tests to a
#     ctest regular expression ("none" for none); CAREID_SKIP_SANITIZE=1 skips it.
#
# Measured on 5 December 2026 on a 2-core machine shared with other builds (load average 6
# to 18), so the wall times are upper bounds:
#   scripts/fuzz.sh 10       14 targets of 10 s each, after rebuilding the changed libraries:
#                            7 min 48 s of wall time, 222 s of CPU, of which the targets ran
#                            about 160 s. A clean fuzz build takes 181 s of CPU.
#   test-sanitizers.sh       the Debug ASan and UBSan build took 1,232 s of CPU; the unit
#                            tests then ran in 2 min 36 s and the 26 end-to-end scripts in
#                            4 min 17 s of wall time.
# On an idle 2-core machine that is an estimated 20 minutes on top of the first build and
# test run (about 8 minutes). CI's run of this script for 1,124 tests, 37 of them end-to-end
# scripts, took 2,353 s on 5 December 2026.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
build_dir=${CAREID_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 600

if [ "${CAREID_SKIP_FUZZ:-0}" = "0" ]; then
  scripts/fuzz.sh "${CAREID_FUZZ_SECONDS:-10}"
fi
if [ "${CAREID_SKIP_SANITIZE:-0}" = "0" ]; then
  scripts/test-sanitizers.sh
fi
