/* bench-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the benchmarks share: a row of the table, and a process's CPU time,
 * threads and context switches.
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

/* The threads of @pid now; 0 when they cannot be read. */
guint
bench_threads (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* The context switches, voluntary and not, of the threads @pid has now,
 * since each started. */
guint64
bench_context_switches (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *task;
  guint64 n = 0;

  while (dir != NULL && (task = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *status_path = g_strdup_printf ("%s/%s/status", path, task);
      g_autofree char *status = NULL;
      g_auto (GStrv) lines = NULL;

      if (!g_file_get_contents (status_path, &status, NULL, NULL))
        continue;
      lines = g_strsplit (status, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "voluntary_ctxt_switches:") ||
            g_str_has_prefix (lines[i], "nonvoluntary_ctxt_switches:"))
          n += g_ascii_strtoull (strchr (lines[i], ':') + 1, NULL, 10);
    }
  return n;
}
