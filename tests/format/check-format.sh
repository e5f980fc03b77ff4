#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a C file of the tree is not formatted per .clang-format.
# Fix with: clang-format -i $(git ls-files '*.c' '*.h')
set -eu
top="$1"
cd "$top"
files=$(find src tests bench -name '*.[ch]' -not -path '*/_build*' | sort)
[ -n "$files" ] || { echo "no C files found under $top" >&2; exit 1; }
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "$(echo "$files" | wc -l) files formatted per .clang-format"
