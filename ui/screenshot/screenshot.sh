#!/usr/bin/env bash
# Takes docs/tray.png: the real tray (ui/tray, against a stand-in agent with a
# fixed status) in a real xfce4-panel on Xvfb, with its menu open.
# Needs: xvfb xfce4-panel imagemagick xdotool dbus (make deps does not install
# these: screenshots are a docs task, not a test).
# Usage: screenshot.sh SHOT_BINARY OUT.png [STATE]
set -euo pipefail
shot=$1 out=$2 state=${3:-active}
here=$(cd "$(dirname "$0")" && pwd)
for p in Xvfb xfce4-panel import xdotool dbus-run-session; do
  command -v "$p" >/dev/null || { echo "screenshots: $p missing (apt-get install xvfb xfce4-panel imagemagick xdotool dbus)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
cp "$here/xfce4-panel.xml" "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 640x260x24 -nolisten tcp >/dev/null 2>&1 &
export DISPLAY=$display
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
export SHOT=$shot STATE=$state OUT=$out
dbus-run-session -- bash -euc '
  xfce4-panel >/dev/null 2>&1 &
  for _ in $(seq 100); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.kde.StatusNotifierWatcher 2>/dev/null | grep -q true && break
    sleep 0.1
  done
  "$SHOT" -state "$STATE" 2>/dev/null &
  shot_pid=$!
  sleep 3
  # The systray plugin sits left of the clock at the right end of the panel.
  read -r w _ < <(xdotool getdisplaygeometry)
  icon_x=$(( w - 78 ))
  xdotool mousemove "$icon_x" 16 click 1
  sleep 1.5
  import -window root "$OUT.full.png"
  kill "$shot_pid"
'
# Keep the panel's right end and the menu; paint the bare (black) root
# window a desktop colour.
convert "$out.full.png" -crop 340x250+300+0 +repage -fill '#5b7a99' -opaque black "$out"
rm -f "$out.full.png"
echo "screenshot: $out"
