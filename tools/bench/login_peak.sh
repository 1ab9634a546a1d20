#!/usr/bin/env bash
# The national login peak: full smartcard logins against careidd on loopback, with ECDSA
# P-256 cards and again with RSA-2048 cards. For each key type the script sets up a demo
# data folder, issues cards to many people and starts careidd. It then runs tools/loadgen's
# login_load for the SAML flow and the OpenID Connect code flow, at the maximum rate (closed
# loop) and at the peak's 556 logins/s (open loop). At the end it prints one table, and
# `openssl speed` on the same machine as the crypto ceiling. Targets: 1,000 SAML logins/s; p99 under 100 ms at
# 556/s. Record results in docs/benchmarks.md.
#
# Usage: tools/bench/login_peak.sh [options]
#   --build-dir DIR    Release build folder (default: build-login in the source tree)
#   --no-build         use the binaries in the build folder as they are
#   --duration S       seconds per run (default 30)
#   --rate R           open-loop offered logins/s (default 556)
#   --connections N    closed-loop logins in flight (default 64)
#   --threads N        login_load client threads (default 1)
#   --people N         generated people in each demo directory (default 2000)
#   --cards N          cards issued, one per person (default 500)
#   --key-types LIST   space-separated, from "ecdsa rsa" (default both)
#   --saml-key-type T  careid's SAML signing key: rsa (RSA-2048, the default) or ecdsa (P-256)
#   --tiny             10 logins per flow and key type at 10/s and no closed loop, for CI
#
# Only 127.0.0.1 is used, on ports the kernel reports free. Every process it starts is
# stopped and the temporary folders are removed on exit.
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="$source_dir/build-login"
build=1
duration=30
rate=556
connections=64
threads=1
people=2000
cards=500
key_types="ecdsa rsa"
saml_key_type=rsa
tiny=0

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --duration) duration="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --cards) cards="$2"; shift 2 ;;
    --key-types) key_types="$2"; shift 2 ;;
    --saml-key-type) saml_key_type="$2"; shift 2 ;;
    --tiny) tiny=1; shift ;;
    *) echo "login_peak: unknown option '$1'; see the usage at the top of $0" >&2; exit 2 ;;
  esac
done
if [ "$tiny" = 1 ]; then
  duration=1
  rate=10
  people=20
  cards=5
fi

if [ "$build" = 1 ]; then
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$build_dir" --parallel 2 --target careidd careidctl login_load
fi
careidd="$build_dir/tools/careidd/careidd"
careidctl="$build_dir/tools/careidctl/careidctl"
login_load="$build_dir/tools/loadgen/login_load"
for binary in "$careidd" "$careidctl" "$login_load"; do
  if [ ! -x "$binary" ]; then
    echo "login_peak: $binary is not built; run without --no-build" >&2
    exit 1
  fi
done

work="$(mktemp -d /tmp/careid-login-bench-XXXXXX)"
careidd_pid=""
stop_careidd() {
  if [ -n "$careidd_pid" ]; then
    kill "$careidd_pid" 2> /dev/null || true
    wait "$careidd_pid" 2> /dev/null || true
    careidd_pid=""
  fi
}
trap 'stop_careidd; rm -rf "$work"' EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The load generator plays the SP and the OpenID client (loadgen_peer.sh).
source "$source_dir/tools/bench/loadgen_peer.sh"
write_loadgen_sp_metadata "$work/loadgen-sp.xml"

# Sets up a data folder with `$1` (ecdsa or rsa) cards and starts careidd on it.
# Sets data, https_port and careidd_pid.
set_up_and_start() {
  local key_type="$1"
  data="$work/data-$key_type"
  write_loadgen_oidc_client "$data"
  https_port="$(free_port)"
  "$careidctl" demo setup --data "$data" --people "$people" --ldap-port "$(free_port)" \
    --https-port "$https_port" --sp-metadata "$work/loadgen-sp.xml" --key-type "$key_type" \
    --oidc-key-type "$key_type" --saml-key-type "$saml_key_type" > "$work/setup-$key_type.log"
  "$careidctl" pki issue-cards --config "$data/careid.toml" --count "$cards" --out "$data/loadgen-cards" \
    --key-type "$key_type"

  "$careidd" --config "$data/careid.toml" > "$work/careidd-$key_type.log" 2>&1 &
  careidd_pid=$!
  for _ in $(seq 1 300); do
    if grep -q "https listening" "$work/careidd-$key_type.log"; then
      return 0
    fi
    if ! kill -0 "$careidd_pid" 2> /dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "login_peak: careidd did not start; its log:" >&2
  tail -n 30 "$work/careidd-$key_type.log" >&2
  exit 1
}

# Prints the CPU time, user plus system, that process $1 has used so far, in clock ticks.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Prints $1 CPU seconds divided by $2 logins, in milliseconds, or "-" without logins.
ms_per_login() {
  awk -v seconds="$1" -v logins="$2" 'BEGIN { if (logins > 0) printf "%.2f", 1000 * seconds / logins; else print "-" }'
}

# Runs login_load with the flow's options and the load options given; prints its output and
# appends "key_type flow mode | result line" to the table file. The line also gets the CPU
# time per successful login of careidd (server_cpu_ms) and of login_load (client_cpu_ms).
run_load() {
  local key_type="$1" flow="$2"
  shift 2
  local flow_options
  mapfile -t flow_options < <(loadgen_flow_options "$flow" "$data")
  if [ "$flow" = saml ]; then
    flow_options+=(--verify-sample 3)
  fi
  local server_ticks_before TIMEFORMAT='%U %S'
  server_ticks_before="$(cpu_ticks "$careidd_pid")"
  { time "$login_load" --port "$https_port" --server-ca "$data/pki/card-ca.pem" \
      --cards "$data/loadgen-cards" --threads "$threads" --duration "$duration" \
      "${flow_options[@]}" "$@" > "$work/load.out" 2> "$work/load.err" || true; } 2> "$work/load.time"
  local server_seconds client_seconds result logins
  server_seconds="$(awk -v ticks="$(( $(cpu_ticks "$careidd_pid") - server_ticks_before ))" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { print ticks / hz }')"
  client_seconds="$(awk '{ print $1 + $2 }' "$work/load.time")"
  cat "$work/load.out" "$work/load.err"
  result="$(grep '^result ' "$work/load.out" || true)"
  logins="$(echo "$result" | tr ' ' '\n' | grep '^succeeded=' | cut -d= -f2)"
  echo "$key_type ${result%% errors=*} server_cpu_ms=$(ms_per_login "$server_seconds" "${logins:-0}")" \
    "client_cpu_ms=$(ms_per_login "$client_seconds" "${logins:-0}") errors=${result##*errors=}" >> "$work/table"
}

for key_type in $key_types; do
  echo "== $key_type cards =="
  set_up_and_start "$key_type"
  for flow in saml oidc; do
    if [ "$tiny" = 0 ]; then
      run_load "$key_type" "$flow" --connections "$connections"
    fi
    run_load "$key_type" "$flow" --rate "$rate"
  done
  stop_careidd
done

echo
saml_key_name="RSA-2048"
if [ "$saml_key_type" = ecdsa ]; then saml_key_name="ECDSA P-256"; fi
echo "careidd: https.threads 2, SSO blocking pool 2; SAML signing key $saml_key_name in every row;"
echo "TLS server key ECDSA P-256 in every row; the card key is the row's key type."
echo "careidd ms and loadgen ms: CPU time (user + system) per successful login of each process."
printf '%-6s %-5s %-7s %-9s %-10s %-8s %-8s %-11s %-11s %s\n' "cards" "flow" "mode" "offered" "logins/s" "p50 ms" \
  "p99 ms" "careidd ms" "loadgen ms" "errors"
# errors= comes last and its messages contain spaces, so it is cut from the line whole.
while read -r key_type line; do
  value() { echo "$line" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2-; }
  offered="$(value offered)"
  if [ "$(value mode)" = closed ]; then
    offered="max/$(value connections)"
  fi
  printf '%-6s %-5s %-7s %-9s %-10s %-8s %-8s %-11s %-11s %s\n' "$key_type" "$(value flow)" "$(value mode)" \
    "$offered" "$(value logins_per_s)" "$(value p50_ms)" "$(value p99_ms)" "$(value server_cpu_ms)" \
    "$(value client_cpu_ms)" "${line##*errors=}"
done < "$work/table"

echo
echo "crypto ceiling on this machine, one core (openssl speed -seconds 2 ecdsap256 rsa2048):"
openssl speed -seconds 2 ecdsap256 rsa2048 2> /dev/null | grep -E '^ *(rsa 2048|256 bits ecdsa)|sign/s' || true
