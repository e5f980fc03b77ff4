/* bench-table.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row of the benchmark table: | figure | median | min | max | runs | how |
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench-table.h"

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
