#!/usr/bin/env bash
# Installs the Debian 12 packages that careid builds, runs and tests with.
# Installs only what is missing, so a second run takes a second. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev liblmdb-dev lmdb-utils libxml2-dev libxmlsec1-dev xmlsec1 zlib1g-dev
  libboost1.81-dev libspdlog-dev nlohmann-json3-dev libcli11-dev libtoml11-dev libargon2-dev
  catch2
  ldap-utils libldap2-dev python3-ldap3 python3-requests curl openssl
  apache2 libapache2-mod-auth-mellon
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
