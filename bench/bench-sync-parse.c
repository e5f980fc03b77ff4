/* bench-sync-parse.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How fast the account layer turns a large /sync response into a batch,
 * and how much memory that takes. The response is generated: 100 rooms,
 * 100 000 call events, over 50 MB of JSON, shaped like what Synapse sends.
 */

#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "handset-json.h"
#include "handset-sync-batch.h"

#define N_ROOMS  100
#define N_EVENTS 100000
#define MIN_SIZE (50 * 1000 * 1000)

static GBytes *
generate (void)
{
  GString *s = g_string_sized_new (MIN_SIZE + MIN_SIZE / 4);
  guint per_room = N_EVENTS / N_ROOMS;
  g_autofree char *padding = g_strnfill (170, 'x');

  g_string_append (s, "{\"next_batch\":\"s123456_789_0_1_2_3_4_5_6\",\"rooms\":{\"join\":{");
  for (guint r = 0; r < N_ROOMS; r++)
    {
      g_string_append_printf (
          s,
          "%s\"!room%u:example.org\":{\"state\":{\"events\":["
          "{\"type\":\"m.room.member\",\"state_key\":\"@user%u:example.org\","
          "\"sender\":\"@user%u:example.org\",\"event_id\":\"$m%u\","
          "\"origin_server_ts\":1700000000000,"
          "\"content\":{\"membership\":\"join\",\"displayname\":\"User %u\"}}]},"
          "\"timeline\":{\"limited\":false,\"prev_batch\":\"t1\",\"events\":[",
          r ? "," : "", r, r, r, r, r);
      for (guint e = 0; e < per_room; e++)
        g_string_append_printf (
            s,
            "%s{\"type\":\"m.call.candidates\",\"sender\":\"@user%u:example.org\","
            "\"event_id\":\"$e%u_%u_abcdefghijklmnopqrstuvwxyz\",\"origin_server_ts\":17000000%05u,"
            "\"unsigned\":{\"age\":%u},\"content\":{\"call_id\":\"1700000000000abcdefghijklmnop\","
            "\"party_id\":\"PARTY%u\",\"version\":\"1\",\"candidates\":[{\"candidate\":"
            "\"candidate:842163049 1 udp 1677729535 203.0.113.%u %u typ srflx raddr 0.0.0.0 rport "
            "0 "
            "generation 0 ufrag sK4d network-cost 999 "
            "%s\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}]}}",
            e ? "," : "", r, r, e, e, e, r, e % 255, 40000 + e, padding);
      g_string_append (s, "]}}");
    }
  g_string_append (s, "}},\"account_data\":{\"events\":[]},\"to_device\":{\"events\":[]}}");

  return g_string_free_to_bytes (s);
}

/* Resident memory high-water mark of this process, in kB. */
static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

static long
current_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

/* Lets the high-water mark start again from the current size. */
static gboolean
reset_peak (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  gboolean ok;

  if (f == NULL)
    return FALSE;
  ok = fputs ("5", f) >= 0;

  return fclose (f) == 0 && ok;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The previous reader, the baseline: the nesting checked in a pass of its
 * own, then json-glib's JsonParser builds the whole tree. */
static gboolean
parse_before (GBytes *bytes)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return handset_json_depth_ok (data, size, HANDSET_JSON_MAX_DEPTH) &&
         json_parser_load_from_data (parser, data, (gssize) size, NULL) &&
         json_parser_steal_root (parser) != NULL;
}

/* Each run parses in a fresh child process, so memory that the allocator
 * kept from an earlier run cannot hide this run's peak. */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One run in a fresh child process, so memory that the allocator kept
 * from an earlier run cannot hide this run's peak: result[0] events,
 * [1] events per second of wall time, [2] peak growth in MB, [3] events
 * per second of the process's CPU time (the machine may be shared). */
static gboolean
run_once (GBytes *bytes, gboolean before, guint n_events, double result[4])
{
  int fds[2];
  pid_t pid;

  if (pipe (fds) != 0 || (pid = fork ()) < 0)
    {
      perror ("bench-sync-parse");
      return FALSE;
    }

  if (pid == 0)
    {
      g_autoptr (GError) error = NULL;
      HandsetSyncBatch *batch = NULL;
      gboolean can_reset;
      long before_kb;
      gint64 start, end;
      double cpu;

      close (fds[0]);
      can_reset = reset_peak ();
      before_kb = current_rss_kb ();
      cpu = cpu_seconds ();
      start = g_get_monotonic_time ();
      if (before)
        {
          if (!parse_before (bytes))
            _exit (1);
        }
      else
        {
          batch = handset_sync_batch_new_from_bytes (bytes, "s1", start, &error);
        }
      end = g_get_monotonic_time ();
      cpu = cpu_seconds () - cpu;
      if (!before && batch == NULL)
        {
          g_printerr ("bench-sync-parse: %s\n", error->message);
          _exit (1);
        }
      result[0] = before ? n_events : handset_sync_batch_get_n_events (batch);
      result[1] = result[0] / ((end - start) / (double) G_USEC_PER_SEC);
      result[2] = can_reset ? (peak_rss_kb () - before_kb) / 1024.0 : -1;
      result[3] = result[0] / cpu;
      if (write (fds[1], result, 4 * sizeof (double)) != 4 * sizeof (double))
        _exit (1);
      _exit (0);
    }

  close (fds[1]);
  if (read (fds[0], result, 4 * sizeof (double)) != 4 * sizeof (double))
    {
      g_printerr ("bench-sync-parse: a run failed\n");
      return FALSE;
    }
  close (fds[0]);
  waitpid (pid, NULL, 0);

  return TRUE;
}

static void
row (const char *figure, double *values, guint runs, int decimals, const char *how)
{
  qsort (values, runs, sizeof (double), compare_doubles);
  printf ("| %s | %.*f | %.*f | %.*f | %u | %s |\n", figure, decimals, values[runs / 2], decimals,
          values[0], decimals, values[runs - 1], runs, how);
}

int
main (int argc, char *argv[])
{
  guint runs = argc > 1 ? (guint) atoi (argv[1]) : 5;
  g_autoptr (GBytes) bytes = NULL;
  /* [new, before][wall rate, CPU rate, peak] per run */
  g_autofree double *figures[2][3] = { { NULL } };
  guint n_events = 0;
  double size_mb;
  g_autofree char *how = NULL;

  runs = MAX (runs, 5);
  for (guint k = 0; k < 2; k++)
    for (guint f = 0; f < 3; f++)
      figures[k][f] = g_new0 (double, runs);
  bytes = generate ();
  size_mb = g_bytes_get_size (bytes) / 1e6;

  /* The two readers take turns, so that a change in the machine's load
   * falls on both. */
  for (guint i = 0; i < runs; i++)
    for (guint k = 0; k < 2; k++)
      {
        double result[4];

        if (!run_once (bytes, k == 1, n_events, result))
          return 1;
        if (k == 0)
          n_events = (guint) result[0];
        figures[k][0][i] = result[1];
        figures[k][1][i] = result[3];
        figures[k][2][i] = result[2];
      }

  if (argc <= 2)
    {
      printf ("| figure | median | min | max | runs | how it was measured |\n");
      printf ("|---|---|---|---|---|---|\n");
    }
  how = g_strdup_printf ("handset_sync_batch_new_from_bytes() on a generated response of %.1f MB "
                         "with %u events in %u rooms; events over the process's CPU time during "
                         "the call (CLOCK_PROCESS_CPUTIME_ID), each run in a new process",
                         size_mb, n_events, N_ROOMS);
  row ("/sync parse rate, CPU time (events/s)", figures[0][1], runs, 0, how);
  row ("/sync parse rate before, CPU time (events/s)", figures[1][1], runs, 0,
       "baseline, runs taking turns with the above: the previous reader (nesting checked in a "
       "pass of its own, then json-glib's JsonParser builds the whole tree)");
  row ("/sync parse rate, wall time (events/s)", figures[0][0], runs, 0,
       "as above, over the call's wall time (g_get_monotonic_time())");
  row ("/sync parse rate before, wall time (events/s)", figures[1][0], runs, 0,
       "baseline, over the call's wall time");
  if (figures[0][2][0] >= 0)
    {
      g_free (how);
      how = g_strdup_printf ("growth of the resident high-water mark (VmHWM, reset through "
                             "/proc/self/clear_refs) over the resident size before the call, the "
                             "input (%.1f MB) already in memory",
                             size_mb);
      row ("/sync parse peak memory (MB)", figures[0][2], runs, 1, how);
      row ("/sync parse peak memory before (MB)", figures[1][2], runs, 1,
           "baseline, measured as above");
    }
  else
    {
      printf ("| /sync parse peak memory (MB) | n/a | n/a | n/a | %u | /proc/self/clear_refs "
              "cannot be written here |\n",
              runs);
    }

  return 0;
}
