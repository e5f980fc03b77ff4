/* test-sync-live.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The /sync loop against the real Synapse: events arrive in order, a new
 * process resumes where the last stopped and still learns its rooms and
 * account data, and a homeserver restart in the
 * middle of the loop loses nothing and repeats nothing. This test stops
 * and starts the suite's homeserver, so it runs alone.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "handset-rooms.h"
#include "handset-sync.h"
#include "handset-test-device.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 60

typedef struct
{
  char *room_id;
  GPtrArray *bodies; /* the "body" of every test event received, in order */
  guint batches;
} Received;

static void
on_batch (HandsetSync *sync, HandsetSyncBatch *batch, Received *received)
{
  received->batches++;
  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      if (g_strcmp0 (room->room_id, received->room_id) != 0)
        continue;
      for (guint j = 0; j < room->timeline->len; j++)
        {
          JsonObject *event = g_ptr_array_index (room->timeline, j);
          JsonObject *content = handset_event_get_object (event, "content");
          const char *body = handset_event_get_string (content, "call_id");

          if (g_strcmp0 (handset_event_get_string (event, "type"), "m.call.hangup") == 0 && body)
            g_ptr_array_add (received->bodies, g_strdup (body));
        }
    }
}

typedef struct
{
  Received *received;
  guint count;
} Count;

static gboolean
has_count (gpointer data)
{
  Count *c = data;

  return c->received->bodies->len >= c->count;
}

static void
send_numbered (HandsetTestUser *user, const char *room_id, const char *prefix, guint n)
{
  g_autofree char *content =
      g_strdup_printf ("{\"call_id\":\"%s-%u\",\"party_id\":\"PARTYPARTY\",\"version\":\"1\","
                       "\"reason\":\"user_hangup\"}",
                       prefix, n);
  g_autofree char *event_id = handset_test_send_event (user, room_id, "m.call.hangup", content);
}

static void
assert_bodies (Received *received, const char *const *expected)
{
  g_assert_cmpuint (received->bodies->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (g_ptr_array_index (received->bodies, i), ==, expected[i]);
}

static gboolean
sync_failing (gpointer data)
{
  return handset_sync_get_error_message (data) != NULL;
}

static HandsetMatrixClient *
client_for (HandsetTestUser *user)
{
  HandsetMatrixClient *client = handset_matrix_client_new (handset_test_homeserver_url ());

  handset_matrix_client_set_session (client, user->user_id, user->device_id, user->access_token);
  return client;
}

static void
test_order_resume_and_restart (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetStore) store = NULL;
  g_autoptr (HandsetSync) sync = NULL;
  g_autoptr (HandsetRooms) rooms = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *direct = NULL;
  g_autofree char *direct_path = NULL;
  g_autoptr (GPtrArray) direct_rooms = NULL;
  HandsetRoom *room;
  guint status = 0;
  g_autofree char *db = NULL;
  Received received = { 0 };
  Count count = { &received, 0 };
  const char *first[] = { "a-0", "a-1", "a-2", "a-3", "a-4", NULL };
  const char *resumed[] = { "b-0", "b-1", "b-2", NULL };
  const char *restarted[] = { "c-0", "c-1", "c-2", "c-3", NULL };

  if (!handset_test_homeserver_require ())
    return;

  dir = g_dir_make_tmp ("handset-sync-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (dir, "handset.db", NULL);
  store = handset_store_new (db, &error);
  g_assert_no_error (error);

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  received.room_id = handset_test_create_direct_room (bob, alice);
  handset_test_join (alice, received.room_id);
  received.bodies = g_ptr_array_new_with_free_func (g_free);
  direct = g_strdup_printf ("{\"%s\": [\"%s\"]}", bob->user_id, received.room_id);
  direct_path =
      g_strdup_printf ("/_matrix/client/v3/user/%s/account_data/m.direct", alice->user_id);
  reply = handset_test_request ("PUT", direct_path, alice->access_token, direct, &status);
  g_assert_cmpuint (status, ==, 200);

  /* In order, each once. */
  client = client_for (alice);
  sync = handset_sync_new (client, store);
  g_signal_connect (sync, "batch", G_CALLBACK (on_batch), &received);
  handset_sync_start (sync);
  for (guint i = 0; i < 5; i++)
    send_numbered (bob, received.room_id, "a", i);
  count.count = 5;
  g_assert_true (handset_test_wait_until (has_count, &count, WAIT_S));
  assert_bodies (&received, first);
  g_assert_true (handset_sync_get_connected (sync));

  /* A new process continues from the stored position: only what came
   * while it was away, nothing twice. */
  handset_sync_stop (sync);
  g_clear_object (&sync);
  for (guint i = 0; i < 3; i++)
    send_numbered (bob, received.room_id, "b", i);
  g_ptr_array_set_size (received.bodies, 0);
  sync = handset_sync_new (client, store);
  rooms = handset_rooms_new (alice->user_id);
  g_signal_connect_swapped (sync, "batch", G_CALLBACK (handset_rooms_handle_batch), rooms);
  g_signal_connect (sync, "batch", G_CALLBACK (on_batch), &received);
  handset_sync_start (sync);
  g_assert_nonnull (handset_sync_get_since (sync));
  count.count = 3;
  g_assert_true (handset_test_wait_until (has_count, &count, WAIT_S));
  /* a little longer, to see that nothing else comes */
  count.count = 4;
  g_assert_false (handset_test_wait_until (has_count, &count, 2));
  assert_bodies (&received, resumed);

  /* The new process knows the room, its members, and the direct chat:
   * nothing of them changed while it was away, and it keeps none of them. */
  room = handset_rooms_lookup (rooms, received.room_id);
  g_assert_nonnull (room);
  g_assert_cmpuint (handset_room_get_n_members (room), ==, 2);
  g_assert_cmpstr (handset_room_get_membership (room, bob->user_id), ==, "join");
  direct_rooms = handset_rooms_get_direct_rooms (rooms, bob->user_id);
  g_assert_nonnull (direct_rooms);
  g_assert_cmpuint (direct_rooms->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (direct_rooms, 0), ==, received.room_id);

  /* The homeserver stops in the middle of the loop: it backs off and says
   * why; events sent right after the restart all come, once. */
  g_ptr_array_set_size (received.bodies, 0);
  handset_test_homeserver_stop ();
  g_assert_true (handset_test_wait_until (sync_failing, sync, WAIT_S));
  g_assert_false (handset_sync_get_connected (sync));
  g_assert_true (handset_sync_get_running (sync));
  g_assert_cmpuint (handset_sync_get_backoff_ms (sync), >=, HANDSET_SYNC_BACKOFF_MIN_MS * 3 / 4);
  g_test_message ("while down: %s", handset_sync_get_error_message (sync));
  g_assert_nonnull (strstr (handset_sync_get_error_message (sync), "trying again in"));

  handset_test_homeserver_start ();
  for (guint i = 0; i < 4; i++)
    send_numbered (bob, received.room_id, "c", i);
  count.count = 4;
  g_assert_true (handset_test_wait_until (has_count, &count, WAIT_S));
  count.count = 5;
  g_assert_false (handset_test_wait_until (has_count, &count, 2));
  assert_bodies (&received, restarted);
  g_assert_true (handset_sync_get_connected (sync));
  g_assert_null (handset_sync_get_error_message (sync));

  handset_sync_stop (sync);
  g_assert_false (handset_sync_get_running (sync));
  g_ptr_array_unref (received.bodies);
  g_free (received.room_id);
  g_clear_object (&store);
  g_remove (db);
  handset_test_remove_tree (dir);
}

static void
test_send_across_restart (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) content = NULL;
  g_autoptr (JsonNode) messages = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  g_autofree char *event_id = NULL;
  JsonArray *chunk;
  guint found = 0;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);
  client = client_for (alice);

  /* Sent while the homeserver is down: the send retries until it is back,
   * and the room holds the event once. */
  handset_test_homeserver_stop ();
  content = json_from_string ("{\"call_id\":\"across-restart\",\"party_id\":\"PARTYPARTY\","
                              "\"version\":\"1\",\"reason\":\"user_hangup\"}",
                              NULL);
  handset_matrix_client_send_event_async (client, room_id, "m.call.hangup",
                                          json_node_get_object (content), NULL, NULL,
                                          handset_test_store_result, &result);
  {
    gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;

    while (g_get_monotonic_time () < until)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
  }
  g_assert_null (result);
  handset_test_homeserver_start ();

  event_id = handset_matrix_client_send_event_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_nonnull (event_id);

  escaped = g_uri_escape_string (room_id, NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=100", escaped);
  messages = handset_test_request ("GET", path, bob->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (messages), "chunk");
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    {
      JsonObject *event = json_array_get_object_element (chunk, i);

      if (g_str_equal (json_object_get_string_member (event, "type"), "m.call.hangup"))
        {
          found++;
          g_assert_cmpstr (json_object_get_string_member (event, "event_id"), ==, event_id);
        }
    }
  g_assert_cmpuint (found, ==, 1);
}

/* Real media, a tone of its own for each device. */
static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  HandsetTestDevice *device = user_data;
  HandsetMediaSession *media = handset_media_session_new (FALSE, error);
  const char *tone = g_strcmp0 (device->user->user_id, device->data) == 0
                         ? "audiotestsrc is-live=true wave=sine freq=440 volume=0.5"
                         : "audiotestsrc is-live=true wave=sine freq=880 volume=0.5";

  if (media == NULL)
    return NULL;
  handset_media_session_set_audio_source (media, handset_test_source (tone));
  handset_test_device_use_media (device, media, NULL);

  return HANDSET_MEDIA (media);
}

static gboolean
call_is (gpointer data)
{
  HandsetCall *call = ((gpointer *) data)[0];

  return (int) handset_call_get_state (call) == GPOINTER_TO_INT (((gpointer *) data)[1]);
}

static void
wait_call_state (HandsetCall *call, HandsetCallState state)
{
  gpointer data[2] = { call, GINT_TO_POINTER (state) };

  if (!handset_test_wait_until (call_is, data, WAIT_S))
    g_error ("call %s is %s", handset_call_get_call_id (call),
             handset_call_state_to_string (handset_call_get_state (call)));
}

/* The homeserver restarts in the middle of a connected call: the media
 * go on flowing (they never pass through it), the signalling picks up
 * again after it, and the hangup sent then arrives once. */
static void
test_call_across_restart (void)
{
  HandsetTestUser *alice_user, *bob_user;
  HandsetTestDevice *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  g_autoptr (JsonNode) messages = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *ringing;
  JsonArray *chunk;
  guint hangups = 0;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  alice = handset_test_device_new (alice_user, FALSE, make_media, NULL);
  alice->data = (gpointer) alice_user->user_id;
  bob = handset_test_device_new (bob_user, FALSE, make_media, NULL);

  call =
      handset_call_manager_place_call (alice->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  ringing = handset_test_device_wait_ring (bob, WAIT_S);
  handset_call_answer (ringing, FALSE);
  wait_call_state (call, HANDSET_CALL_STATE_CONNECTED);
  wait_call_state (ringing, HANDSET_CALL_STATE_CONNECTED);
  handset_test_tone_assert (bob->tone, 440, 2000);

  handset_test_homeserver_stop ();
  /* Down: the call goes on, and so does its sound. */
  handset_test_tone_reset (bob->tone);
  handset_test_tone_assert (bob->tone, 440, 2000);
  handset_test_tone_assert (alice->tone, 880, 2000);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);
  handset_test_homeserver_start ();

  /* Back: alice hangs up, and bob hears of it. */
  handset_call_hangup (call);
  wait_call_state (ringing, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (ringing), ==, HANDSET_CALL_END_REMOTE_HANGUP);

  escaped = g_uri_escape_string (room_id, NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=100", escaped);
  messages = handset_test_request ("GET", path, bob_user->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (messages), "chunk");
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    hangups += g_str_equal (
        json_object_get_string_member (json_array_get_object_element (chunk, i), "type"),
        "m.call.hangup");
  g_assert_cmpuint (hangups, ==, 1);

  handset_test_device_free (alice);
  handset_test_device_free (bob);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-live/order-resume-and-restart", test_order_resume_and_restart);
  g_test_add_func ("/sync-live/send-across-restart", test_send_across_restart);
  g_test_add_func ("/sync-live/call-across-restart", test_call_across_restart);

  return g_test_run ();
}
