#!/usr/bin/env bash
# Prepares a private Wine prefix that runs Go windows/amd64 test binaries,
# and prints the environment to run them with (eval "$(scripts/wine-setup.sh)").
#
# Go 1.26 binaries import bcryptprimitives.dll!ProcessPrng, which Wine 8
# lacks: this builds a tiny bcryptprimitives.dll (ProcessPrng on top of
# advapi32!SystemFunction036, i.e. RtlGenRandom) with mingw-w64 and puts it
# in the prefix's system32.
#
# Usage: scripts/wine-setup.sh [PREFIX]
#   PREFIX defaults to $WINEPREFIX, else ~/.cache/walkme-session-agent/wine.
# Needs: wine (Debian: wine, wine64) and x86_64-w64-mingw32-gcc
# (Debian: gcc-mingw-w64-x86-64). Idempotent; safe to run concurrently
# (it takes a lock on the prefix).
set -euo pipefail

prefix=${1:-${WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/walkme-session-agent/wine}}
export WINEPREFIX=$prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES='winemenubuilder.exe=d;bcryptprimitives=n,b'

for tool in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || { echo "wine-setup: $tool not installed (Debian: wine wine64 gcc-mingw-w64-x86-64)" >&2; exit 2; }
done

mkdir -p "$(dirname "$prefix")"
exec 9>"$prefix.lock"
flock 9

if [ ! -f "$prefix/system.reg" ]; then
  echo "wine-setup: creating the prefix $prefix" >&2
  wineboot --init >/dev/null 2>&1
  wineserver --wait
fi

dll=$prefix/drive_c/windows/system32/bcryptprimitives.dll
if [ ! -f "$dll" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/prng.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
/* ProcessPrng fills data with len random bytes; it never fails on Windows. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
C
  printf 'LIBRARY bcryptprimitives\nEXPORTS\n  ProcessPrng\n' >"$tmp/prng.def"
  x86_64-w64-mingw32-gcc -O2 -shared -s -o "$tmp/bcryptprimitives.dll" "$tmp/prng.c" "$tmp/prng.def" -ladvapi32
  cp "$tmp/bcryptprimitives.dll" "$dll"
  echo "wine-setup: installed $dll" >&2
fi

printf 'export WINEPREFIX=%q WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES=%q\n' "$prefix" "$WINEDLLOVERRIDES"
