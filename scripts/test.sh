#!/usr/bin/env bash
# Installs what is missing, builds, and runs every unit and end-to-end test with ctest.
# Then it runs the robustness checks that fit CI's budget of 40 minutes on 2 cores, of
# which the steps above take about 8:
#   - every libFuzzer target of tests/fuzz for CAREID_FUZZ_SECONDS seconds each (default
#     10), built with clang-14 in build-fuzz (scripts/fuzz.sh). CAREID_SKIP_FUZZ=1 skips it.
#   - the unit tests and the end-to-end tests that CAREID_SANITIZE_E2E selects (default
#     kSanitizeE2e below) under ASan and UBSan, built in build-asan
#     (scripts/test-sanitizers.sh). CAREID_SKIP_SANITIZE=1 skips it.
#
# Measured on 5 December 2026 from clean build folders. The 2-core machine was shared with
# other builds (load average 6 to 18), so the wall times are upper bounds.
#   scripts/fuzz.sh 10       12 min 6 s wall, 200 s CPU (ccache partly warm); of that, the
#                            8 targets ran 94 s. Built with ccache off: 181 s CPU.
#                            With 14 targets, from a build folder that had to rebuild
#                            the libraries changed since its last build: 7 min 48 s wall,
#                            222 s CPU, of which the targets ran about 160 s.
#   test-sanitizers.sh       34 min 36 s wall, 1,232 s CPU: the Debug ASan and UBSan build
#                            of all 359 steps, then all 723 tests in 2 min 45 s wall.
# On an idle 2-core machine that is an estimated 3.5 min for fuzzing (CPU time / 2 for the
# build, plus the runs) and 11 to 13 min for the sanitizers, about 15 min together.
set -euo pipefail
cd "$(dirname "$0")/.."

# End-to-end tests that also run under the sanitizers: the ones that feed careidd hostile
# or malformed input, race Abandon and Cancel against searches, or take the storage
# failure paths. Under the sanitizers the 21 end-to-end scripts committed on 5 December
# 2026 took 213 s of test time (about 107 s of wall time at --parallel 2), and the four of
# this set among them 71 s.
kSanitizeE2e='test_(ldap3|hostile_ldap|hostile_https|ldap_concurrency|storage_errors|backup_restore)$'

scripts/install-deps.sh
scripts/build.sh
build_dir=${CAREID_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 600

if [ "${CAREID_SKIP_FUZZ:-0}" = "0" ]; then
  scripts/fuzz.sh "${CAREID_FUZZ_SECONDS:-10}"
fi
if [ "${CAREID_SKIP_SANITIZE:-0}" = "0" ]; then
  CAREID_SANITIZE_E2E="${CAREID_SANITIZE_E2E:-$kSanitizeE2e}" scripts/test-sanitizers.sh
fi
