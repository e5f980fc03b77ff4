/* bench-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the benchmarks share: a row of the table, and a process's CPU time.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @values in place. */
void
bench_row (const char *figure, double *values, guint n, int decimals, const char *how)
{
  qsort (values, n, sizeof (double), compare_doubles);
  printf ("| %s | %.*f | %.*f | %.*f | %u | %s |\n", figure, decimals, values[n / 2], decimals,
          values[0], decimals, values[n - 1], n, how);
  fflush (stdout);
}

/* utime + stime of @pid, in seconds; -1 when it cannot be read */
double
bench_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after = strrchr (stat, ')')) == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", -1);
  /* fields[0] is the state (field 3): utime is field 14, stime 15 */
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) /
         (double) sysconf (_SC_CLK_TCK);
}
