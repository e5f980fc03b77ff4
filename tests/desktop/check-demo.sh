#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `build-aux/dev demo` twice, as a new user runs it, each time checking
# (HANDSET_DEMO_CHECK=1) that both Handset windows came up logged in instead
# of waiting for them: the first run makes the accounts and their direct
# chat; the second keeps both, with new passwords, and prints no traceback.
# The demo's own homeserver (the script's default port) is stopped after.
set -u
dev="${HANDSET_TEST_DEV:-}"
if [ -z "$dev" ] || [ -z "${DISPLAY:-}" ]; then
  echo "1..0 # SKIP needs build-aux/dev test (HANDSET_TEST_DEV) and a display"
  exit 0
fi
out=$(mktemp -d)
status=0
stop() { "$dev" homeserver stop >/dev/null 2>&1 || true; }
# A server of an earlier run of the suite, with its accounts: gone first.
stop
if [ -n "${HANDSET_HOMESERVER_STATE_ROOT:-}" ]; then
  rm -rf "$HANDSET_HOMESERVER_STATE_ROOT/8448"
fi
for run in 1 2; do
  if HANDSET_DEMO_CHECK=1 "$dev" demo >"$out/$run.log" 2>&1; then
    echo "# demo run $run: exit 0"
  else
    echo "# demo run $run failed:"; grep -v '^\[' "$out/$run.log" | tail -n 30 | sed 's/^/#   /'
    status=1
  fi
  for who in alice bob; do
    grep -q "^demo check: $who runs, logged in" "$out/$run.log" ||
      { echo "# run $run: $who's Handset did not come up logged in"; status=1; }
  done
  if grep -q 'Traceback' "$out/$run.log"; then
    echo "# run $run printed a traceback"; status=1
  fi
done
grep -q 'keep their chat and get new passwords' "$out/2.log" ||
  { echo "# the second run did not reuse the accounts"; status=1; }
chat1=$(sed -n 's/^  direct chat: //p' "$out/1.log")
chat2=$(sed -n 's/^  direct chat: //p' "$out/2.log")
if [ -z "$chat1" ] || [ "$chat1" != "$chat2" ]; then
  echo "# the direct chat changed: '$chat1' then '$chat2'"; status=1
fi
stop
rm -rf "$out"
echo "1..1"
[ "$status" -eq 0 ] && echo "ok 1 demo twice" || echo "not ok 1 demo twice"
exit "$status"
