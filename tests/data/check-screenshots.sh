#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every screenshot the metainfo names is in data/screenshots/, a PNG.
set -eu
top="$1"
status=0
names=$(sed -n 's|.*<image>.*/data/screenshots/\([^<]*\)</image>.*|\1|p' \
  "$top/data/io.github.handset.Handset.metainfo.xml.in")
[ -n "$names" ] || { echo "the metainfo names no screenshots"; exit 1; }
for n in $names; do
  f="$top/data/screenshots/$n"
  if [ -f "$f" ] && head -c 8 "$f" | od -An -c | grep -q 'P   N   G'; then
    echo "present: $n"
  else
    echo "missing or not a PNG: $n"; status=1
  fi
done
exit $status
