#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every file with translatable strings is listed in po/POTFILES, every
# listed file exists, xgettext extracts them (what the pot target runs),
# and the template kept in po/handset.pot has exactly those strings.
set -eu
top="$1"
cd "$top"
status=0
listed=$(grep -v '^#' po/POTFILES | sed '/^$/d' | sort)
for f in $listed; do
  [ -f "$f" ] || { echo "po/POTFILES lists $f, which does not exist"; status=1; }
done
translatable=$( (grep -rlE '\b(N?_|C_|NC_)\s?\(\s?"' src --include='*.c'; \
                 grep -rl 'translatable="yes"' src --include='*.ui'; \
                 ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml) | sort -u)
for f in $translatable; do
  echo "$listed" | grep -qx "$f" || { echo "$f has translatable strings but is not in po/POTFILES"; status=1; }
done
[ $status -eq 0 ] || exit $status
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --from-code=UTF-8 --files-from=po/POTFILES --directory="$top" \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 \
  --add-comments --output="$tmp/handset.pot"
count=$(grep -c '^msgid "' "$tmp/handset.pot")
[ "$count" -gt 1 ] || { echo "xgettext found no strings"; exit 1; }
echo "$count strings extracted"
# The template in the tree is the one the sources make: regenerated, it
# has the same strings (ninja -C _build handset-pot writes it anew).
[ -f po/handset.pot ] || { echo "po/handset.pot is missing"; exit 1; }
strings() {
  msgcat --sort-output --no-location --no-wrap "$1" | grep -E '^(msgctxt|msgid|msgid_plural) '
}
strings "$tmp/handset.pot" >"$tmp/now"
strings po/handset.pot >"$tmp/kept"
if ! diff -u "$tmp/kept" "$tmp/now" >"$tmp/diff"; then
  echo "po/handset.pot is out of date with the sources; regenerate it with"
  echo "ninja -C _build handset-pot. What changed:"
  cat "$tmp/diff"
  exit 1
fi
echo "po/handset.pot matches the sources"
