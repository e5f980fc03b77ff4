#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a libFuzzer target for a fixed time with a fixed seed, on a corpus
# directory of its own that the target fills with its valid inputs.
#   run-libfuzzer.sh TARGET SECONDS ARTIFACT_PREFIX [SEEDS_DIR]
# SEEDS_DIR, committed seeds, is read as a second corpus (never written).
# A finding is kept as ARTIFACT_PREFIX<kind>-<hash>; run the target on it
# (or the mutation-loop build, fuzz-decrypt FILE) to reproduce it.
set -eu
target="$1"
seconds="$2"
artifacts="$3"
# GLib's own slice allocator, not G_SLICE=always-malloc (which the sanitizer
# step sets for the other tests): json-glib 1.6 accepts a text holding more
# than one value ("0{...}"), keeps the first and leaks the rest, a leak of
# the library that always-malloc shows for every such input.
unset G_SLICE
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT INT TERM
# libFuzzer's own exit code for a finding is 77, which meson reads as
# "skipped": a finding must fail the test.
"$target" -seed=1 -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" \
  ${4:+"$4"}
