/* bench-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void bench_row (const char *figure, double *values, guint n, int decimals, const char *how);
double bench_cpu_seconds (GPid pid);
guint bench_threads (GPid pid);
guint64 bench_context_switches (GPid pid);

G_END_DECLS
