#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# install.sh CACHE_DIR
#
# Installs the npm packages of the interop tests (matrix-js-sdk, a
# playwright-core to drive Debian's Chromium, esbuild to bundle the page;
# js-sdk brings the Rust crypto, @matrix-org/matrix-sdk-crypto-wasm, which
# the page loads for encrypted rooms)
# into CACHE_DIR, outside the checkout: the suite runs without a network,
# so this runs before it. Installs again only when the lock file changed.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
cache=$1

command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is not installed" >&2; exit 1; }

mkdir -p "$cache"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
have=$(cat "$cache/lock.sha256" 2>/dev/null || true)
if [ "$want" = "$have" ] && [ -d "$cache/node_modules/matrix-js-sdk" ]; then
  exit 0
fi

# Two installs at once would share node_modules.
exec 9>"$cache/.install-lock"
flock 9
have=$(cat "$cache/lock.sha256" 2>/dev/null || true)
if [ "$want" = "$have" ] && [ -d "$cache/node_modules/matrix-js-sdk" ]; then
  exit 0
fi

echo "install.sh: installing the interop test packages into $cache" >&2
rm -f "$cache/lock.sha256"
cp "$here/package.json" "$here/package-lock.json" "$cache/"
# js-sdk asks for a newer Node than Debian's in "engines", but only its
# browser bundle runs, in Chromium.
(cd "$cache" && npm ci --no-audit --no-fund --loglevel=error)
printf '%s\n' "$want" >"$cache/lock.sha256"
