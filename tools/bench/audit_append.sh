#!/usr/bin/env bash
# Measures audit records appended per second, with group commit (fdatasync at most every
# 10 ms) and with fdatasync after every record, by running the hidden Catch2 case
# "audit log append rate" (tests/audit/audit_log_test.cpp). The trail is written under
# TMPDIR (default /tmp), so the figures describe that file system.
#
# Usage: tools/bench/audit_append.sh [BUILD_DIR]
#   BUILD_DIR  build folder containing tests/audit_tests (default: build); use a Release
#              build for figures worth recording
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${1:-$source_dir/build}"
tests="$build_dir/tests/audit_tests"
if [ ! -x "$tests" ]; then
  echo "audit_append: audit_tests not built at $tests; build with: cmake --build $build_dir --target audit_tests" >&2
  exit 1
fi

"$tests" "audit log append rate" 2>&1 | grep -E "records/s"
