#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The licence is in the tree (COPYING, GPL-3.0), and every source file and
# script says which licence it is under.
set -eu
top="$1"
status=0
head -3 "$top/COPYING" | grep -q 'GNU GENERAL PUBLIC LICENSE' &&
  grep -q 'Version 3, 29 June 2007' "$top/COPYING" ||
  { echo "COPYING is not the GPL-3.0 text"; status=1; }
missing=$(find "$top/src" "$top/tests" "$top/bench" "$top/build-aux" "$top/data" \
  \( -path '*/node_modules' -o -path '*/matrix-spec' \) -prune -o -type f \
  \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' -o -name '*.mjs' \
     -o -name '*.js' -o -name '*.1' -o -name dev \) -print |
  while read -r f; do grep -q 'SPDX-License-Identifier' "$f" || echo "$f"; done)
if [ -n "$missing" ]; then
  echo "no SPDX-License-Identifier in:"; echo "$missing"; status=1
fi
exit $status
