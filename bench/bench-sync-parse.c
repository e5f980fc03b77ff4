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
#include <sys/wait.h>
#include <unistd.h>

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

int
main (int argc, char *argv[])
{
  guint runs = argc > 1 ? (guint) atoi (argv[1]) : 5;
  g_autoptr (GBytes) bytes = NULL;
  double *rates, *peaks;
  gboolean can_reset = FALSE;
  guint n_events = 0;

  runs = MAX (runs, 5);
  rates = g_new0 (double, runs);
  peaks = g_new0 (double, runs);
  bytes = generate ();

  /* Each run parses in a fresh child process, so memory that the
   * allocator kept from an earlier run cannot hide this run's peak. */
  for (guint i = 0; i < runs; i++)
    {
      int fds[2];
      pid_t pid;
      double result[3];

      if (pipe (fds) != 0 || (pid = fork ()) < 0)
        {
          perror ("bench-sync-parse");
          return 1;
        }

      if (pid == 0)
        {
          g_autoptr (GError) error = NULL;
          HandsetSyncBatch *batch;
          long before;
          gint64 start, end;

          close (fds[0]);
          can_reset = reset_peak ();
          before = current_rss_kb ();
          start = g_get_monotonic_time ();
          batch = handset_sync_batch_new_from_bytes (bytes, "s1", start, &error);
          end = g_get_monotonic_time ();
          if (batch == NULL)
            {
              g_printerr ("bench-sync-parse: %s\n", error->message);
              _exit (1);
            }
          result[0] = handset_sync_batch_get_n_events (batch);
          result[1] = result[0] / ((end - start) / (double) G_USEC_PER_SEC);
          result[2] = can_reset ? (peak_rss_kb () - before) / 1024.0 : -1;
          if (write (fds[1], result, sizeof result) != sizeof result)
            _exit (1);
          _exit (0);
        }

      close (fds[1]);
      if (read (fds[0], result, sizeof result) != sizeof result)
        {
          g_printerr ("bench-sync-parse: run %u failed\n", i);
          return 1;
        }
      close (fds[0]);
      waitpid (pid, NULL, 0);
      n_events = (guint) result[0];
      rates[i] = result[1];
      peaks[i] = result[2];
    }

  qsort (rates, runs, sizeof (double), compare_doubles);
  qsort (peaks, runs, sizeof (double), compare_doubles);

  if (argc <= 2)
    {
      printf ("| figure | median | min | max | runs | how it was measured |\n");
      printf ("|---|---|---|---|---|---|\n");
    }
  printf ("| /sync parse rate (events/s) | %.0f | %.0f | %.0f | %u | "
          "handset_sync_batch_new_from_bytes() on a generated response of %.1f MB with %u events "
          "in %u rooms; wall time of the call, g_get_monotonic_time() |\n",
          rates[runs / 2], rates[0], rates[runs - 1], runs, g_bytes_get_size (bytes) / 1e6,
          n_events, N_ROOMS);
  if (peaks[0] >= 0)
    printf ("| /sync parse peak memory (MB) | %.1f | %.1f | %.1f | %u | growth of the resident "
            "high-water mark (VmHWM, reset through /proc/self/clear_refs) over the resident size "
            "before the call, the input already in memory |\n",
            peaks[runs / 2], peaks[0], peaks[runs - 1], runs);
  else
    printf ("| /sync parse peak memory (MB) | n/a | n/a | n/a | %u | /proc/self/clear_refs "
            "cannot be written here |\n",
            runs);

  g_free (rates);
  g_free (peaks);

  return 0;
}
