#!/usr/bin/env bash
# Measures SUS API tariff lookups under load. The script sets up a demo careid with a SUS
# store in a temporary folder and signs the demo card in through the OpenID code flow. It
# then runs wrk against GET /sus/v1/tariffs/2015-16/hrgs/DZ11N with the access token and
# prints wrk's requests/s and latency distribution. Record results in docs/benchmarks.md.
#
# Usage: tools/bench/sus_api.sh [BUILD_DIR] [DURATION_SECONDS] [CONNECTIONS] [THREADS]
#   BUILD_DIR    build folder with careidd and careidctl (default: build); use a Release
#                build for figures worth recording
#   DURATION     seconds of load (default 20); CONNECTIONS kept-alive TLS connections
#                (default 32); THREADS wrk threads (default 2)
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="$(cd "${1:-$source_dir/build}" && pwd)"
duration="${2:-20}"
connections="${3:-32}"
threads="${4:-2}"
careidctl="$build_dir/tools/careidctl/careidctl"
careidd="$build_dir/tools/careidd/careidd"
for binary in "$careidctl" "$careidd"; do
  if [ ! -x "$binary" ]; then
    echo "sus_api: $(basename "$binary") not built at $binary" >&2
    exit 1
  fi
done
if ! command -v wrk >/dev/null; then
  echo "sus_api: wrk is missing; install it with scripts/install-deps.sh (Debian package wrk)" >&2
  exit 1
fi

work="$(mktemp -d /tmp/careid-sus-api-bench-XXXXXX)"
careidd_pid=""
cleanup() {
  if [ -n "$careidd_pid" ]; then
    kill "$careidd_pid" 2>/dev/null || true
    wait "$careidd_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ldap_port="$(free_port)"
https_port="$(free_port)"
data="$work/careid"
secret="sus-bench-secret-0123456789abcdef0123456789"
redirect="http://127.0.0.1:9/callback"

mkdir -p "$data/oidc-clients"
cat > "$data/oidc-clients/bench.json" <<JSON
{"client_id": "sus-bench", "client_secret_sha256": "$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)",
 "redirect_uris": ["$redirect"], "scopes": ["openid", "profile"]}
JSON
"$careidctl" demo setup --data "$data" --people 50 --ldap-port "$ldap_port" --https-port "$https_port" >/dev/null
"$careidctl" rbac import --config "$data/careid.toml" \
  --activities "$source_dir/data/reference/rbac-activities-sample.csv" \
  --baseline "$source_dir/data/reference/rbac-baseline-sample.csv" \
  --areas-of-work "$source_dir/data/reference/rbac-areas-of-work-sample.csv" >/dev/null
"$careidctl" sus import-tariff --store "$data/sus-store" --year 2015/16 \
  "$source_dir/data/sus/tariff-synthetic-2015-16.csv" >/dev/null
"$careidctl" sus import-mff --store "$data/sus-store" --year 2015/16 \
  "$source_dir/data/reference/nhsrefcost-2015-16-national-schedule.csv" >/dev/null
# Per-request lines at info would measure the log, not the API.
sed -i 's/^log_level = "info"/log_level = "warn"/' "$data/careid.toml"
printf '\n[sus]\nstore = "sus-store"\n' >> "$data/careid.toml"

"$careidd" --config "$data/careid.toml" > "$work/careidd.log" 2>&1 &
careidd_pid=$!
for _ in $(seq 1 100); do
  grep -q "sus api at" "$work/careidd.log" && break
  if ! kill -0 "$careidd_pid" 2>/dev/null; then
    echo "sus_api: careidd exited; log:" >&2
    cat "$work/careidd.log" >&2
    exit 1
  fi
  sleep 0.1
done

# The demo card signs in through the code flow and chooses its R0A role (555000000003) on
# the role page. The token is valid for 600 s.
token="$(/usr/bin/python3 - "$data" "$https_port" "$secret" "$redirect" <<'PY'
import re, sys, urllib.parse, requests
data, port, secret, redirect = sys.argv[1:]
base = f"https://127.0.0.1:{port}"
ca = f"{data}/pki/card-ca.pem"
card = (f"{data}/pki/cards/555000000001.pem", f"{data}/pki/cards/555000000001.key")
query = urllib.parse.urlencode({"response_type": "code", "client_id": "sus-bench",
                                "redirect_uri": redirect, "scope": "openid profile"})
reply = requests.get(f"{base}/oidc/authorize?{query}", cert=card, verify=ca,
                     allow_redirects=False, timeout=10)
csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', reply.text).group(1)
reply = requests.post(f"{base}/oidc/role", data={"csrf_token": csrf_token, "role": "555000000003"},
                      cert=card, verify=ca, allow_redirects=False, timeout=10)
code = urllib.parse.parse_qs(urllib.parse.urlparse(reply.headers["Location"]).query)["code"][0]
tokens = requests.post(f"{base}/oidc/token", auth=("sus-bench", secret), verify=ca, timeout=10,
                       data={"grant_type": "authorization_code", "code": code,
                             "redirect_uri": redirect}).json()
print(tokens["access_token"])
PY
)"
url="https://127.0.0.1:$https_port/sus/v1/tariffs/2015-16/hrgs/DZ11N"
status="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$data/pki/card-ca.pem" \
  -H "Authorization: Bearer $token" -H "NHSD-Session-URID: 555000000003" "$url")"
if [ "$status" != "200" ]; then
  echo "sus_api: a single lookup returned HTTP $status, not 200; log:" >&2
  tail -20 "$work/careidd.log" >&2
  exit 1
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
wrk --latency -t "$threads" -c "$connections" -d "${duration}s" \
  -H "Authorization: Bearer $token" -H "NHSD-Session-URID: 555000000003" "$url"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
