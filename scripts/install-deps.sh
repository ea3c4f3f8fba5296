#!/usr/bin/env bash
# Installs the system components the tests use (real keychain, D-Bus, Redis, ...).
# Runs only as root with apt; elsewhere it says what is missing and the tests skip
# (or fail under CI=true).
set -euo pipefail
pkgs=(gnome-keyring libsecret-tools dbus dbus-user-session curl iproute2)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-deps: not root or no apt; missing: ${missing[*]} (tests that need them will skip)" >&2
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
