#!/usr/bin/env bash
# Times card issuance on a SoftHSM 2 token by running `careidctl card issue` for CARDS uids
# on one token. Each run is a new process: it loads the module, logs in, generates an ECDSA
# P-256 key pair on the token, and has the card CA sign the certificate. It then writes the
# certificate to the token, reads it back and records it in the card registry
# (pki/registry). Prints wall-clock and user+system milliseconds per card.
# Target: well under 50 ms of user+system time per card.
#
# Usage: tools/bench/card_issue.sh [BUILD_DIR] [CARDS] [KEY_TYPE]
#   BUILD_DIR  build folder containing tools/careidctl/careidctl (default: build)
#   CARDS      number of cards (default: 100)
#   KEY_TYPE   ecdsa or rsa (default: ecdsa)
# Needs softhsm2 (scripts/install-deps.sh). The data folder has no careid.toml, so no
# audit trail is written.
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${1:-$source_dir/build}"
cards="${2:-100}"
key_type="${3:-ecdsa}"
careidctl="$build_dir/tools/careidctl/careidctl"
if [ ! -x "$careidctl" ]; then
  echo "card_issue: careidctl not built at $careidctl" >&2
  exit 1
fi

work="$(mktemp -d /tmp/careid-card-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT
umask 077
echo 123456 > "$work/pin"
echo 87654321 > "$work/so-pin"

"$careidctl" pki init --data "$work/data" > /dev/null
"$careidctl" card init-token --data "$work/data" --label bench --so-pin-file "$work/so-pin" \
  --pin-file "$work/pin" > /dev/null

issue_all() {
  for ((i = 0; i < cards; i++)); do
    "$careidctl" card issue --data "$work/data" --uid "$((555100000000 + i))" \
      --token-label bench --pin-file "$work/pin" --key-type "$key_type" > /dev/null
  done
}

# `times` prints the shell's and then its children's user and system time. It must run in
# this shell: in a pipeline or a substitution it would report a subshell.
start_ns=$(date +%s%N)
issue_all
end_ns=$(date +%s%N)
times > "$work/times"
read -r child_user child_system < <(tail -1 "$work/times")

/usr/bin/python3 - "$cards" "$start_ns" "$end_ns" "$child_user" "$child_system" "$key_type" <<'PY'
import re, sys
cards, start, end = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def seconds(text):  # bash `times` format: 0m1.234s
    minutes, secs = re.fullmatch(r"(\d+)m([\d.]+)s", text).groups()
    return int(minutes) * 60 + float(secs)
cpu = seconds(sys.argv[4]) + seconds(sys.argv[5])
print(f"card_issue: {cards} {sys.argv[6]} cards on SoftHSM 2")
print(f"  wall-clock:  {(end - start) / 1e6 / cards:.1f} ms per card")
print(f"  user+system: {cpu * 1000 / cards:.1f} ms per card "
      f"(user {seconds(sys.argv[4]) * 1000 / cards:.1f}, system {seconds(sys.argv[5]) * 1000 / cards:.1f})")
PY
