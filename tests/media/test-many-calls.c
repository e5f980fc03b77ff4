/* test-many-calls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Calls in a row between alice and bob on the real Synapse, with real
 * webrtcbin media on 127.0.0.1: each connects and is hung up. What a
 * call takes (threads, file descriptors) must go when it ends, so after
 * many calls there are no more of them than after the first few. Run
 * again in the sanitizer build (suite "leaks"), where LeakSanitizer
 * finds any memory a call leaves behind; there it makes fewer calls
 * (HANDSET_MANY_CALLS), which is enough to show a leak of each.
 */

#include "config.h"

#include "handset-test-device.h"
#include "handset-test-util.h"

#define WAIT_S 30
/* Threads and descriptors may vary a little from one moment to the next
 * (a GStreamer task winding down, a socket of the homeserver's client). */
#define SLACK_THREADS 3
#define SLACK_FDS     6

typedef HandsetTestDevice Device;

static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  Device *device = user_data;
  HandsetMediaSession *media = handset_media_session_new (video, error);

  if (media == NULL)
    return NULL;
  handset_media_session_set_audio_source (
      media, handset_test_source ("audiotestsrc is-live=true wave=sine freq=440 volume=0.5"));
  handset_test_device_use_media (device, media, NULL);

  return HANDSET_MEDIA (media);
}

static guint
count_entries (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static gboolean
is_connected (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_CONNECTED;
}

static gboolean
is_ended (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_ENDED;
}

static void
one_call (Device *alice, Device *bob, const char *room_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCall) call = NULL;
  g_autoptr (HandsetCall) incoming = NULL;

  call =
      handset_call_manager_place_call (alice->manager, room_id, bob->user->user_id, FALSE, &error);
  g_assert_no_error (error);
  g_object_ref (call);
  incoming = g_object_ref (handset_test_device_wait_ring (bob, WAIT_S));
  handset_call_answer (incoming, FALSE);
  g_assert_true (handset_test_wait_until (is_connected, call, WAIT_S));
  g_assert_true (handset_test_wait_until (is_connected, incoming, WAIT_S));
  handset_call_hangup (call);
  g_assert_true (handset_test_wait_until (is_ended, incoming, WAIT_S));
  /* As the app: nothing of the test keeps the calls or their media. */
  g_ptr_array_set_size (bob->rang, 0);
  g_clear_object (&alice->media);
  g_clear_object (&bob->media);
}

/* Lets what the last call started wind down. */
static void
settle (void)
{
  handset_test_run_for (1500);
}

static void
test_many_calls (void)
{
  HandsetTestUser *alice_user, *bob_user; /* the devices own them */
  g_autofree char *room_id = NULL;
  Device *alice, *bob;
  guint n = 200, warm_up = 5, threads, fds, threads_after, fds_after;
  gint64 start;
  const char *wanted = g_getenv ("HANDSET_MANY_CALLS");

  if (!handset_test_homeserver_require ())
    return;
  if (wanted != NULL)
    n = (guint) g_ascii_strtoull (wanted, NULL, 10);

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  alice = handset_test_device_new (alice_user, FALSE, make_media, NULL);
  bob = handset_test_device_new (bob_user, FALSE, make_media, NULL);

  /* The first calls load plugins and start what lives as long as the
   * process (GStreamer's and GLib's own threads). */
  for (guint i = 0; i < warm_up; i++)
    one_call (alice, bob, room_id);
  settle ();
  threads = count_entries ("/proc/self/task");
  fds = count_entries ("/proc/self/fd");

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    one_call (alice, bob, room_id);
  settle ();
  threads_after = count_entries ("/proc/self/task");
  fds_after = count_entries ("/proc/self/fd");

  g_test_message ("%u calls in %.1f s; threads %u → %u, file descriptors %u → %u", n,
                  (g_get_monotonic_time () - start) / 1e6, threads, threads_after, fds, fds_after);
  g_assert_cmpuint (threads_after, <=, threads + SLACK_THREADS);
  g_assert_cmpuint (fds_after, <=, fds + SLACK_FDS);

  handset_test_device_free (alice);
  handset_test_device_free (bob);
}

int
main (int argc, char *argv[])
{
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/many-calls/nothing-grows", test_many_calls);

  return g_test_run ();
}
