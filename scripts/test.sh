#!/usr/bin/env bash
# Installs what is missing, builds, and runs every unit and end-to-end test with ctest.
# With CAREID_SANITIZE_IN_CI=1 it then runs them again under ASan and UBSan
# (scripts/test-sanitizers.sh), and with CAREID_FUZZ_IN_CI=1 it runs each libFuzzer target
# for 10 seconds (scripts/fuzz.sh).
# TODO: both are off by default until their time on a 2-core CI machine is measured.
# A Debug ASan build alone took more than 20 minutes on a loaded 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${CAREID_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 600

if [ "${CAREID_SANITIZE_IN_CI:-0}" != "0" ]; then
  scripts/test-sanitizers.sh
fi
if [ "${CAREID_FUZZ_IN_CI:-0}" != "0" ]; then
  scripts/fuzz.sh 10
fi
