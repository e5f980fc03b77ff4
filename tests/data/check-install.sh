#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# meson install into a temporary destination places every file a desktop
# needs: program, desktop file, metainfo, icons, schema, D-Bus service.
set -eu
build="$1"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null
prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root="$dest$prefix"
status=0
for f in \
  bin/handset \
  share/applications/io.github.handset.Handset.desktop \
  share/metainfo/io.github.handset.Handset.metainfo.xml \
  share/dbus-1/services/io.github.handset.Handset.service \
  share/glib-2.0/schemas/io.github.handset.Handset.gschema.xml \
  share/icons/hicolor/scalable/apps/io.github.handset.Handset.svg \
  share/icons/hicolor/symbolic/apps/io.github.handset.Handset-symbolic.svg \
  share/man/man1/handset.1 \
  share/doc/handset/calls-row.schema.json
do
  if [ -e "$root/$f" ]; then echo "installed: $f"; else echo "missing: $f"; status=1; fi
done
[ -x "$root/bin/handset" ] || { echo "bin/handset is not executable"; status=1; }
# The D-Bus service starts the installed program as a service.
grep -qx "Exec=$prefix/bin/handset --gapplication-service" \
  "$root/share/dbus-1/services/io.github.handset.Handset.service" ||
  { echo "the D-Bus service does not start $prefix/bin/handset"; status=1; }
grep -q '^MimeType=x-scheme-handler/matrix;$' "$root/share/applications/io.github.handset.Handset.desktop" ||
  { echo "the desktop file does not handle matrix: links"; status=1; }
exit $status
