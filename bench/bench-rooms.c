/* bench-rooms.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How long a large account takes to be ready: the account layer's /sync
 * loop (HandsetSync) with its rooms (HandsetRooms) and the profile's
 * database, from handset_sync_start() to the first batch handled and
 * saved. Rows: a first sync; a restart, which restores the rooms from the
 * database and resumes from the stored position; and, as the baseline in
 * the same runs, a restart as the previous version did it (no rooms kept:
 * the whole state asked for again, `full_state=true`).
 *
 *   bench-rooms generated [RUNS] [--rows-only]
 *     10 000 direct chats in a /sync response generated in this process
 *     and served by a local HTTP server (libsoup) on 127.0.0.1.
 *   bench-rooms homeserver [RUNS] [--rows-only]
 *     HANDSET_BENCH_ROOMS (default 1000) direct chats made on the real
 *     Synapse at HANDSET_TEST_HOMESERVER, and how long making them took.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "handset-rooms.h"
#include "handset-sync.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define N_GENERATED 10000
#define WAIT_S      600

typedef struct
{
  SoupServer *server;
  GBytes *whole; /* the first sync, and what full_state=true gets */
  GBytes *caught_up;
  guint full_requests;
} Served;

static void
serve (SoupServer *server,
       SoupServerMessage *msg,
       const char *path,
       GHashTable *query,
       gpointer data)
{
  Served *served = data;
  const char *since = query ? g_hash_table_lookup (query, "since") : NULL;
  const char *full = query ? g_hash_table_lookup (query, "full_state") : NULL;
  GBytes *body;

  if (!g_str_has_suffix (path, "/sync"))
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  body = since == NULL || g_strcmp0 (full, "true") == 0 ? served->whole : served->caught_up;
  served->full_requests += body == served->whole;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* 10 000 direct chats as Synapse sends them to a first sync with
 * Handset's filter (lazy members): the creation events in the timeline,
 * the summary, one in four encrypted, one in ten with an old call (SDP
 * included); m.direct names them all. */
static GBytes *
generate (guint n_rooms)
{
  GString *s = g_string_sized_new (n_rooms * 2048);
  g_autofree char *sdp = g_strnfill (900, 'a');

  g_string_append (s, "{\"next_batch\":\"s1_bench\",\"account_data\":{\"events\":[{\"type\":"
                      "\"m.direct\",\"content\":{");
  for (guint r = 0; r < n_rooms; r++)
    g_string_append_printf (s, "%s\"@peer%u:bench\":[\"!room%u:bench\"]", r ? "," : "", r, r);
  g_string_append (s, "}}]},\"rooms\":{\"join\":{");
  for (guint r = 0; r < n_rooms; r++)
    {
      g_string_append_printf (
          s,
          "%s\"!room%u:bench\":{\"summary\":{\"m.heroes\":[\"@peer%u:bench\"],"
          "\"m.joined_member_count\":2,\"m.invited_member_count\":0},"
          "\"state\":{\"events\":[]},\"timeline\":{\"limited\":false,\"prev_batch\":\"p%u\","
          "\"events\":["
          "{\"type\":\"m.room.create\",\"state_key\":\"\",\"sender\":\"@me:bench\","
          "\"event_id\":\"$c%u\",\"origin_server_ts\":1700000000000,\"unsigned\":{\"age\":9000},"
          "\"content\":{\"room_version\":\"10\",\"creator\":\"@me:bench\"}},"
          "{\"type\":\"m.room.member\",\"state_key\":\"@me:bench\",\"sender\":\"@me:bench\","
          "\"event_id\":\"$m%u\",\"origin_server_ts\":1700000000001,\"unsigned\":{\"age\":9000},"
          "\"content\":{\"membership\":\"join\",\"displayname\":\"Me\"}},"
          "{\"type\":\"m.room.join_rules\",\"state_key\":\"\",\"sender\":\"@me:bench\","
          "\"event_id\":\"$j%u\",\"origin_server_ts\":1700000000002,\"unsigned\":{\"age\":9000},"
          "\"content\":{\"join_rule\":\"invite\"}},"
          "{\"type\":\"m.room.history_visibility\",\"state_key\":\"\",\"sender\":\"@me:bench\","
          "\"event_id\":\"$h%u\",\"origin_server_ts\":1700000000003,\"unsigned\":{\"age\":9000},"
          "\"content\":{\"history_visibility\":\"shared\"}},"
          "{\"type\":\"m.room.member\",\"state_key\":\"@peer%u:bench\",\"sender\":\"@me:bench\","
          "\"event_id\":\"$i%u\",\"origin_server_ts\":1700000000004,\"unsigned\":{\"age\":9000},"
          "\"content\":{\"membership\":\"invite\",\"displayname\":\"Peer %u\",\"is_direct\":true}},"
          "{\"type\":\"m.room.member\",\"state_key\":\"@peer%u:bench\",\"sender\":\"@peer%u:"
          "bench\","
          "\"event_id\":\"$p%u\",\"origin_server_ts\":1700000000005,\"unsigned\":{\"age\":9000},"
          "\"content\":{\"membership\":\"join\",\"displayname\":\"Peer %u\"}}",
          r ? "," : "", r, r, r, r, r, r, r, r, r, r, r, r, r, r);
      if (r % 4 == 0)
        g_string_append_printf (
            s,
            ",{\"type\":\"m.room.encryption\",\"state_key\":\"\",\"sender\":\"@me:bench\","
            "\"event_id\":\"$e%u\",\"origin_server_ts\":1700000000006,\"unsigned\":{\"age\":9000},"
            "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\"}}",
            r);
      if (r % 10 == 0)
        g_string_append_printf (
            s,
            ",{\"type\":\"m.call.invite\",\"sender\":\"@peer%u:bench\",\"event_id\":\"$ci%u\","
            "\"origin_server_ts\":1700000001000,\"unsigned\":{\"age\":8000},\"content\":{"
            "\"call_id\":\"c%u\",\"party_id\":\"P\",\"version\":\"1\",\"lifetime\":60000,"
            "\"offer\":{\"type\":\"offer\",\"sdp\":\"%s\"}}},"
            "{\"type\":\"m.call.answer\",\"sender\":\"@me:bench\",\"event_id\":\"$ca%u\","
            "\"origin_server_ts\":1700000002000,\"unsigned\":{\"age\":7000},\"content\":{"
            "\"call_id\":\"c%u\",\"party_id\":\"Q\",\"version\":\"1\","
            "\"answer\":{\"type\":\"answer\",\"sdp\":\"%s\"}}},"
            "{\"type\":\"m.call.hangup\",\"sender\":\"@me:bench\",\"event_id\":\"$ch%u\","
            "\"origin_server_ts\":1700000003000,\"unsigned\":{\"age\":6000},\"content\":{"
            "\"call_id\":\"c%u\",\"party_id\":\"Q\",\"version\":\"1\",\"reason\":\"user_hangup\"}}",
            r, r, r, sdp, r, r, sdp, r, r);
      g_string_append (s, "]},\"ephemeral\":{\"events\":[]},\"account_data\":{\"events\":[]}}");
    }
  g_string_append (s, "}},\"device_one_time_keys_count\":{\"signed_curve25519\":50}}");

  return g_string_free_to_bytes (s);
}

typedef struct
{
  guint batches;
} Ready;

static void
on_batch (HandsetSync *sync, HandsetSyncBatch *batch, Ready *ready)
{
  ready->batches++;
}

static gboolean
is_ready (gpointer data)
{
  return ((Ready *) data)->batches > 0;
}

/* Seconds from the start of the loop to its first batch handled and
 * saved; @keep_rooms FALSE is the previous version: nothing of the rooms
 * kept, the whole state asked for again on a restart. */
static double
time_to_ready (HandsetMatrixClient *client,
               HandsetStore *store,
               gboolean keep_rooms,
               const char *own_user_id,
               guint expected_rooms)
{
  g_autoptr (HandsetRooms) rooms = handset_rooms_new (own_user_id);
  g_autoptr (HandsetSync) sync = handset_sync_new (client, store);
  g_autoptr (GPtrArray) joined = NULL;
  Ready ready = { 0 };
  gint64 start;
  double seconds;

  if (keep_rooms)
    handset_sync_set_rooms (sync, rooms);
  g_signal_connect_swapped (sync, "batch", G_CALLBACK (handset_rooms_handle_batch), rooms);
  g_signal_connect (sync, "batch", G_CALLBACK (on_batch), &ready);

  start = g_get_monotonic_time ();
  handset_sync_start (sync);
  if (!handset_test_wait_until (is_ready, &ready, WAIT_S))
    g_error ("no sync within %d s", WAIT_S);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  handset_sync_stop (sync);

  joined = handset_rooms_get_joined (rooms);
  if (joined->len < expected_rooms)
    g_error ("only %u of %u rooms known", joined->len, expected_rooms);

  return seconds;
}

/* The client a run uses: the generated rooms' server, or the homeserver. */
typedef HandsetMatrixClient *(*ClientFunc) (gpointer data);

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

/* A first sync and a restart on one database, with the rooms kept
 * (@keep_rooms) or as before; results[2] is the peak resident memory. */
static void
first_and_restart (ClientFunc make_client,
                   gpointer data,
                   const char *own_user_id,
                   guint n_rooms,
                   gboolean keep_rooms,
                   double results[3])
{
  g_autoptr (HandsetMatrixClient) client = make_client (data);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("handset-bench-rooms-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "handset.db", NULL);
  g_autoptr (HandsetStore) store = handset_store_new (path, &error);

  g_assert_no_error (error);
  results[0] = time_to_ready (client, store, keep_rooms, own_user_id, n_rooms);
  results[1] = time_to_ready (client, store, keep_rooms, own_user_id, n_rooms);
  results[2] = peak_rss_kb () / 1024.0;
  g_clear_object (&store);
  handset_test_remove_tree (dir);
}

/* Each pair in a fresh child process when @fork_runs, so that neither
 * inherits the other's heap; the old and new pairs alternate. */
static void
measure (ClientFunc make_client,
         gpointer data,
         const char *own_user_id,
         guint n_rooms,
         guint runs,
         gboolean fork_runs,
         const char *source)
{
  g_autofree double *first = g_new0 (double, runs);
  g_autofree double *restart = g_new0 (double, runs);
  g_autofree double *first_old = g_new0 (double, runs);
  g_autofree double *restart_old = g_new0 (double, runs);
  g_autofree double *peak = g_new0 (double, runs);
  g_autofree double *peak_old = g_new0 (double, runs);
  g_autofree char *figure = NULL;
  g_autofree char *how = NULL;

  for (guint i = 0; i < runs * 2; i++)
    {
      gboolean keep_rooms = (i % 2 == 0) == (i / 2 % 2 == 0);
      double results[3] = { 0 };

      if (fork_runs)
        {
          int fds[2];
          pid_t pid;

          if (pipe (fds) != 0 || (pid = fork ()) < 0)
            g_error ("bench-rooms: no child process");
          if (pid == 0)
            {
              close (fds[0]);
              first_and_restart (make_client, data, own_user_id, n_rooms, keep_rooms, results);
              _exit (write (fds[1], results, sizeof results) == sizeof results ? 0 : 1);
            }
          close (fds[1]);
          if (read (fds[0], results, sizeof results) != sizeof results)
            g_error ("bench-rooms: a run failed");
          close (fds[0]);
          waitpid (pid, NULL, 0);
        }
      else
        {
          first_and_restart (make_client, data, own_user_id, n_rooms, keep_rooms, results);
        }

      if (keep_rooms)
        {
          first[i / 2] = results[0];
          restart[i / 2] = results[1];
          peak[i / 2] = results[2];
        }
      else
        {
          first_old[i / 2] = results[0];
          restart_old[i / 2] = results[1];
          peak_old[i / 2] = results[2];
        }
    }

  how = g_strdup_printf ("%s; handset_sync_start() to the first batch handled by HandsetRooms "
                         "and saved with its position in the profile's SQLite database%s",
                         source, fork_runs ? "; each run in a new process" : "");
  figure = g_strdup_printf ("%u rooms: first sync to ready (s)", n_rooms);
  bench_row (figure, first, runs, 3, how);
  g_free (figure);
  figure = g_strdup_printf ("%u rooms: restart to ready (s)", n_rooms);
  bench_row (figure, restart, runs, 3,
             "the same database: the rooms read back, then /sync from the stored position "
             "(timeout=0), no state asked for");
  g_free (figure);
  figure = g_strdup_printf ("%u rooms, as before: first sync to ready (s)", n_rooms);
  bench_row (figure, first_old, runs, 3, "baseline: the same loop, no rooms kept in the database");
  g_free (figure);
  figure = g_strdup_printf ("%u rooms, as before: restart to ready (s)", n_rooms);
  bench_row (figure, restart_old, runs, 3,
             "baseline: the previous version's restart, the whole state asked for again "
             "(full_state=true, members not lazy)");
  if (fork_runs)
    {
      g_free (figure);
      figure = g_strdup_printf ("%u rooms: peak resident memory, kept / as before (MB)", n_rooms);
      bench_row (figure, peak, runs, 0, "VmHWM of the run's process (rooms kept)");
      bench_row (figure, peak_old, runs, 0, "VmHWM of the run's process (as before)");
    }
}

static HandsetMatrixClient *
generated_client (gpointer data)
{
  Served *served = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSList) uris = NULL;
  g_autofree char *base = NULL;
  HandsetMatrixClient *client;

  /* the server lives as long as the process: one run */
  served->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (served->server, "/_matrix/client/v3/sync", serve, served, NULL);
  if (!soup_server_listen_local (served->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("bench-rooms: %s", error->message);
  uris = soup_server_get_uris (served->server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  client = handset_matrix_client_new (base);
  handset_matrix_client_set_session (client, "@me:bench", "BENCHDEV", "bench-token");
  return client;
}

static int
run_generated (guint runs)
{
  g_autofree char *source = NULL;
  Served served = { 0 };

  served.whole = generate (N_GENERATED);
  served.caught_up = g_bytes_new_static ("{\"next_batch\":\"s2_bench\"}", 25);
  source = g_strdup_printf ("a generated /sync response of %.1f MB (%u direct chats, creation "
                            "events in the timeline, one in ten with an old call) served by a "
                            "libsoup server in the same process",
                            g_bytes_get_size (served.whole) / 1e6, N_GENERATED);
  measure (generated_client, &served, "@me:bench", N_GENERATED, runs, TRUE, source);

  g_bytes_unref (served.whole);
  g_bytes_unref (served.caught_up);
  return 0;
}

static HandsetMatrixClient *
homeserver_client (gpointer data)
{
  HandsetTestUser *me = data;
  HandsetMatrixClient *client = handset_matrix_client_new (handset_test_homeserver_url ());

  handset_matrix_client_set_session (client, me->user_id, me->device_id, me->access_token);
  return client;
}

static int
run_homeserver (guint runs)
{
  const char *count = g_getenv ("HANDSET_BENCH_ROOMS");
  guint n_rooms = count ? (guint) atoi (count) : 1000;
  g_autoptr (HandsetTestUser) me = NULL;
  g_autoptr (HandsetTestUser) peer = NULL;
  g_autofree char *source = NULL;
  double made[1];
  gint64 start;

  if (!handset_test_homeserver_require ())
    {
      g_printerr ("bench-rooms: no homeserver (HANDSET_TEST_HOMESERVER)\n");
      return 1;
    }
  me = handset_test_register ("me");
  peer = handset_test_register ("peer");
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_rooms; i++)
    {
      g_autofree char *room_id = handset_test_create_direct_room (peer, me);

      handset_test_join (me, room_id);
    }
  made[0] = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  {
    g_autofree char *figure = g_strdup_printf ("%u rooms made on Synapse (s)", n_rooms);

    bench_row (figure, made, 1, 1,
               "once per invocation: createRoom (trusted_private_chat, one invite) and the "
               "invitee's join, one after the other");
  }

  /* In this process: the fixture's requests have started threads, which
   * a child of fork() would not have. */
  source = g_strdup_printf ("Synapse on 127.0.0.1, %u direct chats made by the Client-Server API",
                            n_rooms);
  measure (homeserver_client, me, me->user_id, n_rooms, runs, FALSE, source);

  return 0;
}

int
main (int argc, char *argv[])
{
  const char *mode = argc > 1 ? argv[1] : "generated";
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 5;
  gboolean rows_only = argc > 3 && g_str_equal (argv[3], "--rows-only");

  runs = MAX (runs, 1);
  if (!rows_only)
    {
      printf ("| figure | median | min | max | runs | how it was measured |\n");
      printf ("|---|---|---|---|---|---|\n");
    }
  if (g_str_equal (mode, "homeserver"))
    return run_homeserver (runs);

  return run_generated (runs);
}
