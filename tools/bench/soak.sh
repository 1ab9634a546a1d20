#!/usr/bin/env bash
# Soak test: mixed LDAP and login load on one careidd for a bounded time. Targets: no
# errors, and resident memory (RSS) that stays flat once the caches have filled.
#
# The script sets up a demo data folder with software cards, starts careidd and runs these
# at the same time for --minutes minutes:
#   ldap_load search-uid  --ldap-connections connections: indexed searches by uid, as cn=admin
#   ldap_load modify      one connection: description replaced on person entries, as cn=admin
#   login_load            SAML and OpenID Connect logins, open loop at --login-rate logins/s each
# Every --sample-seconds it reads careidd's VmRSS, RssAnon and RssFile from /proc. At the
# end it prints each generator's result line, the errors of all of them, and the series.
#
# Usage: tools/bench/soak.sh [options]
#   --minutes N          minutes of load (default 10)
#   --build-dir DIR      build folder (default build-soak in the source tree, Release)
#   --no-build           use the binaries in the build folder as they are
#   --people N           generated people in the demo directory (default 2000)
#   --cards N            software cards issued for the logins (default 100)
#   --ldap-connections N search connections (default 4)
#   --login-rate R       logins started per second, per flow (default 5)
#   --sample-seconds S   seconds between RSS samples (default 10)
#
# Exit status: 0 when every generator reported no errors, 1 otherwise. Only 127.0.0.1 is
# used, on ports the kernel reports free. careidd is stopped and the temporary folder
# removed on exit.
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="$source_dir/build-soak"
build=1
minutes=10
people=2000
cards=100
ldap_connections=4
login_rate=5
sample_seconds=10

while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --people) people="$2"; shift 2 ;;
    --cards) cards="$2"; shift 2 ;;
    --ldap-connections) ldap_connections="$2"; shift 2 ;;
    --login-rate) login_rate="$2"; shift 2 ;;
    --sample-seconds) sample_seconds="$2"; shift 2 ;;
    *) echo "soak: unknown option '$1'; see the usage at the top of $0" >&2; exit 2 ;;
  esac
done
seconds=$((minutes * 60))

if [ "$build" = 1 ]; then
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  fi
  cmake --build "$build_dir" --parallel 2 --target careidd careidctl login_load ldap_load
fi
careidd="$build_dir/tools/careidd/careidd"
careidctl="$build_dir/tools/careidctl/careidctl"
login_load="$build_dir/tools/loadgen/login_load"
ldap_load="$build_dir/tools/loadgen/ldap_load"
for binary in "$careidd" "$careidctl" "$login_load" "$ldap_load"; do
  if [ ! -x "$binary" ]; then
    echo "soak: $binary is not built; run without --no-build" >&2
    exit 1
  fi
done

work="$(mktemp -d /tmp/careid-soak-XXXXXX)"
careidd_pid=""
load_pids=()
clean_up() {
  for pid in "${load_pids[@]}" $careidd_pid; do
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  rm -rf "$work"
}
trap clean_up EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The data folder: demo directory, the load generator's SP and OpenID client, and cards.
source "$source_dir/tools/bench/loadgen_peer.sh"
data="$work/data"
ldap_port="$(free_port)"
https_port="$(free_port)"
write_loadgen_sp_metadata "$work/loadgen-sp.xml"
write_loadgen_oidc_client "$data"
echo "soak: setting up $people people and $cards cards in $data"
"$careidctl" demo setup --data "$data" --people "$people" --ldap-port "$ldap_port" \
  --https-port "$https_port" --sp-metadata "$work/loadgen-sp.xml" > "$work/setup.log"
"$careidctl" pki issue-cards --config "$data/careid.toml" --count "$cards" --out "$data/loadgen-cards" \
  > "$work/cards.log"

"$careidd" --config "$data/careid.toml" > "$work/careidd.log" 2>&1 &
careidd_pid=$!
started=0
for _ in $(seq 1 600); do
  grep -q "https listening" "$work/careidd.log" && { started=1; break; }
  kill -0 "$careidd_pid" 2> /dev/null || break
  sleep 0.1
done
if [ "$started" = 0 ]; then
  echo "soak: careidd did not start; the end of its log:" >&2
  tail -n 30 "$work/careidd.log" >&2
  exit 1
fi

# The values the LDAP generators draw from: the people's uids and DNs.
ldapsearch -x -LLL -H "ldap://127.0.0.1:$ldap_port" -D cn=admin,o=nhs -y "$data/admin-password" \
  -b ou=People,o=nhs -s one "(objectClass=nhsPerson)" uid > "$work/people.ldif"
sed -n 's/^uid: //p' "$work/people.ldif" > "$work/uids.txt"
sed -n 's/^dn: //p' "$work/people.ldif" > "$work/person_dns.txt"

admin_options=(--url "ldap://127.0.0.1:$ldap_port" --bind-dn cn=admin,o=nhs
               --password-file "$data/admin-password" --duration "$seconds")
"$ldap_load" "${admin_options[@]}" --operation search-uid --values "$work/uids.txt" \
  --connections "$ldap_connections" > "$work/search.out" 2> "$work/search.err" &
load_pids+=($!)
"$ldap_load" "${admin_options[@]}" --operation modify --values "$work/person_dns.txt" \
  --connections 1 > "$work/modify.out" 2> "$work/modify.err" &
load_pids+=($!)
for flow in saml oidc; do
  mapfile -t flow_options < <(loadgen_flow_options "$flow" "$data")
  "$login_load" --port "$https_port" --server-ca "$data/pki/card-ca.pem" --cards "$data/loadgen-cards" \
    --rate "$login_rate" --duration "$seconds" "${flow_options[@]}" > "$work/login-$flow.out" 2>&1 &
  load_pids+=($!)
done
echo "soak: load running for $minutes min; careidd RSS every $sample_seconds s"

# Samples RSS until the generators finish, so a slow drain is measured too. RssAnon is
# heap and stacks; RssFile is mostly LMDB's memory map, which grows as searches touch the
# store and is returned to the kernel under memory pressure.
rss_series=()
load_started=$SECONDS
while true; do
  elapsed=$((SECONDS - load_started))
  rss="$(awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s%s", sep, $2; sep = "/" }' \
    "/proc/$careidd_pid/status" 2> /dev/null || true)"
  rss="${rss:-gone}"
  rss_series+=("${elapsed}s=${rss}")
  echo "t=${elapsed}s rss/anon/file_kib=$rss"
  running=0
  for pid in "${load_pids[@]}"; do
    kill -0 "$pid" 2> /dev/null && running=1
  done
  if [ "$running" = 0 ] || [ "$rss" = gone ]; then
    break
  fi
  sleep "$sample_seconds"
done
for pid in "${load_pids[@]}"; do
  wait "$pid" || true
done
load_pids=()

# ldap_load prints errors=N, and login_load failed=N, on their result lines.
errors=0
echo
for name in search modify login-saml login-oidc; do
  line="$(grep -E '^(operation=|result )' "$work/$name.out" || echo "no result line")"
  echo "$name: $line"
  count="$(echo "$line" | grep -oE '(^| )(errors|failed)=[0-9]+' | head -1 | cut -d= -f2)"
  errors=$((errors + ${count:-1}))
  if [ -s "$work/$name.err" ]; then
    sed "s/^/  $name: /" "$work/$name.err"
  fi
done
if ! kill -0 "$careidd_pid" 2> /dev/null; then
  echo "soak: careidd exited during the run; the end of its log:"
  tail -n 30 "$work/careidd.log"
  errors=$((errors + 1))
fi

echo
echo "errors: $errors"
echo "careidd rss/anon/file KiB: ${rss_series[*]}"
echo "first ${rss_series[0]#*=} KiB, last ${rss_series[-1]#*=} KiB, after $minutes min"
[ "$errors" = 0 ]
