#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The man page formats without a warning, and documents every command
# that `handset --help` lists.
set -eu
program="$1"
page="$2"
status=0
warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || true
if [ -n "$warnings" ]; then
  echo "groff warns about $page:"; echo "$warnings"; status=1
fi
commands=$(GSETTINGS_BACKEND=memory "$program" --help |
  sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\).*/\1/p')
[ -n "$commands" ] || { echo "handset --help lists no commands"; exit 1; }
for c in $commands hold resume mute unmute; do
  if grep -q "^\.B[IR]* *$c\b\|^\.BR .*\b$c\b" "$page"; then
    echo "documented: $c"
  else
    echo "not in the man page: $c"; status=1
  fi
done
exit $status
