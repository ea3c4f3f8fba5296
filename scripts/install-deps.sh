#!/usr/bin/env bash
# Installs the system components the tests use (real keychain, D-Bus, Redis, ...).
# Runs only as root with apt; elsewhere it says what is missing and the tests skip
# (or fail under CI=true).
set -euo pipefail
pkgs=(
  # keychain, D-Bus (logind stand-in, tray, notifications), sign-in browser, network namespaces
  gnome-keyring libsecret-tools dbus dbus-user-session curl iproute2
  # the reference service's Redis store
  redis-server
  # Windows code under wine (with the ProcessPrng shim built by mingw)
  wine wine64 gcc-mingw-w64-x86-64
  # the Windows tray under wine's desktop: a virtual X server, real clicks
  xvfb xdotool
  # the Admin Center page in headless Chromium; the browser extension in
  # headless Chromium and Firefox (ESR, driven over WebDriver BiDi)
  chromium firefox-esr
  # packages: lintian, rpm, msitools/wixl, systemd unit checks, signing
  lintian rpm msitools wixl systemd osslsigncode openssl cpio init-system-helpers
)
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
