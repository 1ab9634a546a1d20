#!/usr/bin/env bash
# Installs the Debian 12 packages that careid builds, runs and tests with.
# Installs only what is missing, so a second run takes a second. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config libicu-dev
  libssl-dev liblmdb-dev lmdb-utils libpq-dev postgresql libxml2-dev libxmlsec1-dev xmlsec1 zlib1g-dev
  libboost1.81-dev libspdlog-dev nlohmann-json3-dev libcli11-dev libtoml11-dev libargon2-dev
  catch2
  ldap-utils libldap2-dev python3-ldap3 python3-requests python3-authlib python3-pysaml2 curl openssl
  apache2 libapache2-mod-auth-mellon libapache2-mod-auth-openidc
  libapache2-mod-shib shibboleth-sp-utils python3-onelogin-saml2 simplesamlphp libapache2-mod-php php-xml
  clang-14 libclang-rt-14-dev
  slapd 389-ds-base
  softhsm2 opensc libengine-pkcs11-openssl libp11-kit-dev
  wrk
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

# slapd and apache2 start system daemons from their install scripts unless policy-rc.d
# forbids it (exit 101). The tests run their own instances on free loopback ports, so
# forbid it for this install when the system has no policy of its own.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  added_policy=1
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
if [ "$added_policy" -eq 1 ]; then
  "${sudo_cmd[@]}" rm -f "$policy"
fi
