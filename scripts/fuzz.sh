#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14 and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target defaults to 10 (the CI run). TARGET names such as dn or ldap_request
# select targets; the default is all of them. Builds in build-fuzz, or $CAREID_FUZZ_BUILD_DIR.
# New interesting inputs go to BUILD/fuzz-corpus/TARGET, so the seed corpus in
# tests/fuzz/corpus stays small. A crash, leak or timeout leaves its input in
# BUILD/fuzz-artifacts and makes the script exit 1 after the remaining targets have run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
build_dir=${CAREID_FUZZ_BUILD_DIR:-build-fuzz}

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCAREID_FUZZ=ON -DCAREID_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" --target careid_fuzz_targets

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=()
  for dir in tests/fuzz/corpus/*/; do
    targets+=("$(basename "$dir")")
  done
fi

mkdir -p "$build_dir/fuzz-artifacts"
failed=()
for target in "${targets[@]}"; do
  binary="$build_dir/tests/fuzz/careid_fuzz_$target"
  corpus="$build_dir/fuzz-corpus/$target"
  mkdir -p "$corpus"
  started=$(date +%s)

  # -timeout: one input running longer than 10 s counts as a hang. -rss_limit_mb bounds
  # memory on a shared CI runner. The first folder receives new inputs, the second seeds.
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="$build_dir/fuzz-artifacts/$target-" "$corpus" "tests/fuzz/corpus/$target" \
       >"$build_dir/fuzz-artifacts/$target.log" 2>&1; then
    echo "fuzz: $target passed ($(($(date +%s) - started)) s)"
  else
    echo "fuzz: $target FAILED ($(($(date +%s) - started)) s); log $build_dir/fuzz-artifacts/$target.log:"
    grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$build_dir/fuzz-artifacts/$target.log" | head -20
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed targets: ${failed[*]}"
  exit 1
fi
