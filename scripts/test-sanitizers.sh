#!/usr/bin/env bash
# Builds careid with AddressSanitizer and UndefinedBehaviorSanitizer (Debug, in build-asan
# or $CAREID_ASAN_BUILD_DIR) and runs every unit and end-to-end test under them. The first
# report stops the process that made it, so the test that ran it fails and ctest shows the
# report (e2e tests show the tail of careidd's log). Leak suppressions, each with its
# reason, are in scripts/sanitizers/lsan.supp.
#
# CAREID_SANITIZE_E2E is a ctest regular expression that selects the end-to-end tests to
# run, for example 'test_(ldap3|hostile_ldap)$'. It defaults to every one, and "none" runs
# only the unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CAREID_ASAN_BUILD_DIR:-build-asan}
sanitizers_dir="$PWD/scripts/sanitizers"

# -g1 keeps the line tables that the reports' stack traces need and leaves out the type
# and variable information, an estimated tenth of this build's compiler time (6 to 16% per
# file in samples).
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCAREID_SANITIZE=address,undefined \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1
cmake --build "$build_dir" --parallel "$(nproc)"

# halt_on_error makes UBSan reports fatal too, so none is lost in a passing test's output.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_init_order=1:check_initialization_order=1
export LSAN_OPTIONS="suppressions=$sanitizers_dir/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 900 -LE e2e
e2e=${CAREID_SANITIZE_E2E:-.}
if [ "$e2e" != none ]; then
  ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 900 -L e2e -R "$e2e"
fi
