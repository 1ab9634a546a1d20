#!/usr/bin/env bash
# Installs what is missing, builds careid, creates a demo data folder (card CA, demo card,
# NHS reference data and a generated workforce) and runs careidd in the foreground.
#   scripts/demo.sh [DATA_DIR]   (default: ./demo-data; an existing folder is reused)
# Environment: CAREID_DEMO_PEOPLE (default 10000), CAREID_LDAP_PORT (3389),
# CAREID_HTTPS_PORT (8443).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${CAREID_BUILD_DIR:-build}
data_dir=${1:-demo-data}

if [ ! -f "$data_dir/careid.toml" ]; then
  "$build_dir/tools/careidctl/careidctl" demo setup --data "$data_dir" \
    --people "${CAREID_DEMO_PEOPLE:-10000}" \
    --ldap-port "${CAREID_LDAP_PORT:-3389}" --https-port "${CAREID_HTTPS_PORT:-8443}"
  # The sample activities and baseline give role profiles activity codes in logins. They
  # are made up (docs/rbac-data.md); load the national files the same way.
  "$build_dir/tools/careidctl/careidctl" rbac import --config "$data_dir/careid.toml" \
    --activities data/reference/rbac-activities-sample.csv \
    --baseline data/reference/rbac-baseline-sample.csv \
    --areas-of-work data/reference/rbac-areas-of-work-sample.csv
  # A SUS store with the synthetic tariff, the real 2015/16 MFF and the synthetic spells,
  # served by the SUS API under /sus/v1/ (sus/README.md).
  echo "demo: the synthetic spells include three invalid rows, which import-spells rejects" \
       "on purpose (data/sus/README.md)"
  for step in "import-tariff --year 2015/16 data/sus/tariff-synthetic-2015-16.csv" \
              "import-mff --year 2015/16 data/reference/nhsrefcost-2015-16-national-schedule.csv" \
              "import-spells data/sus/spells-synthetic-2015-16.csv"; do
    # shellcheck disable=SC2086  # each step is a command and its arguments
    "$build_dir/tools/careidctl/careidctl" sus $step --store "$data_dir/sus-store"
  done
  printf '\n[sus]\nstore = "sus-store"\n' >> "$data_dir/careid.toml"
else
  echo "demo: reusing $data_dir (delete it to start again)"
  echo "  admin DN cn=admin,o=nhs, password in $data_dir/admin-password"
  echo "  demo card: $data_dir/pki/cards/555000000001.pem and .key (PKCS#12 .p12, password 'demo')"
  echo "  HTTPS server CA: $data_dir/pki/card-ca.pem"
fi

exec "$build_dir/tools/careidd/careidd" --config "$data_dir/careid.toml"
