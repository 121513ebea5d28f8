#!/usr/bin/env bash
# Makes sure Debian's chromium is installed and prints its path on stdout, for the picture
# crate's browser test. Exits non-zero, with the reason on stderr, when it cannot install it.
# Everything but the path goes to stderr so that callers can read stdout as the path alone.
set -uo pipefail

browser=/usr/bin/chromium
if [ -x "$browser" ]; then
  echo "$browser"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and there is no apt-get to install it" >&2
  exit 1
fi

# Root runs apt-get as is; anyone else needs sudo (non-interactive, so a password prompt fails
# instead of hanging a test run).
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  echo "chromium is missing, and installing it needs root or sudo" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Tests may run this script concurrently: the lock serialises this user's installs, and the
# one that waited finds chromium already there (apt's own lock, waited for below, covers
# other users).
lock="${TMPDIR:-/tmp}/picture-chromium-install-$(id -u).lock"
if command -v flock >/dev/null 2>&1 && exec 9>"$lock"; then
  flock -w 600 9 || { echo "timed out waiting for another chromium install" >&2; exit 1; }
fi
if [ -x "$browser" ]; then
  echo "$browser"
  exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
install() {
  "${as_root[@]}" apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 chromium >"$log" 2>&1
}
# A fresh machine has no package lists, so the first install fails: update once, then retry.
if ! install; then
  if ! "${as_root[@]}" apt-get update -o DPkg::Lock::Timeout=300 >>"$log" 2>&1 || ! install; then
    echo "could not install chromium with apt-get:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
fi

if [ ! -x "$browser" ]; then
  echo "apt-get installed chromium but $browser is missing" >&2
  exit 1
fi
echo "$browser"
