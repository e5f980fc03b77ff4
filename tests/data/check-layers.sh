#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The layers of docs/architecture.md: no file includes a header of a layer
# above its own. crypto ← matrix ← call → media; media and crypto stand alone;
# the files in src/ itself (the session, the application, the command line,
# D-Bus) and src/ui are above them all. Only the media layer includes
# GStreamer, and only the libolm wrapper (src/crypto/handset-olm*,
# handset-megolm.c) include libolm's headers or their private header.
set -eu
top="$1"
cd "$top/src"
status=0
header_layer() {
  for layer in crypto matrix call media ui; do
    [ -f "$layer/$1" ] && { echo "$layer"; return; }
  done
  [ -f "$1" ] && { echo app; return; }
  echo none
}
allowed() { # layer, layer of the included header
  case "$1:$2" in
    crypto:crypto | matrix:crypto | matrix:matrix | media:media) return 0 ;;
    call:crypto | call:matrix | call:media | call:call) return 0 ;;
    *:none) return 0 ;;
    *) return 1 ;;
  esac
}
for layer in crypto matrix media call; do
  for f in "$layer"/*.c "$layer"/*.h; do
    for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
      to=$(header_layer "$h")
      if ! allowed "$layer" "$to"; then
        echo "src/$f includes $h, of the layer $to above it"
        status=1
      fi
    done
  done
done
for f in *.c *.h ui/*.c ui/*.h crypto/*.c crypto/*.h matrix/*.c matrix/*.h call/*.c call/*.h; do
  if grep -q '^#include <gst/' "$f"; then
    echo "src/$f includes GStreamer, which only the media layer may"
    status=1
  fi
done
olm_wrappers="crypto/handset-olm.c crypto/handset-olm-account.c crypto/handset-olm-session.c crypto/handset-megolm.c crypto/handset-olm-private.h"
for f in *.c *.h */*.c */*.h; do
  if [ "$f" != crypto/handset-olm-private.h ] && grep -q '^#include <olm/' "$f"; then
    echo "src/$f includes libolm, which only crypto/handset-olm-private.h may"
    status=1
  fi
  case " $olm_wrappers " in *" $f "*) continue ;; esac
  if grep -q '^#include "handset-olm-private.h"' "$f"; then
    echo "src/$f includes the libolm wrapper's private header, which only $olm_wrappers may"
    status=1
  fi
done
# No two files include each other's header (a.c includes b.h, b.c a.h).
cycles=$(python3 - <<'EOF'
import glob, os, re
inc = {}
for f in glob.glob("**/*.c", recursive=True):
    inc[os.path.basename(f)[:-2]] = set(re.findall(r'#include "([^"]+)\.h"', open(f).read()))
for a in sorted(inc):
    for b in sorted(inc[a]):
        if a < b and b in inc and a in inc[b]:
            print(f"{a}.c and {b}.c include each other's header")
EOF
)
if [ -n "$cycles" ]; then
  echo "$cycles"
  status=1
fi
[ $status -ne 0 ] || echo "no include points upward or goes in a circle; only src/media includes GStreamer; only the libolm wrappers include libolm"
exit $status
