/* test-call-live.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call layer on the real Synapse, driven through the real account
 * layer (client, /sync loop, rooms, device names): alice on A1, bob on B1
 * and B2. The media are fakes here; real media have tests of their own.
 */

#include "config.h"

#include "handset-test-device.h"
#include "handset-test-util.h"

#define WAIT_S 30

/* A device as the app puts one together, with fake media. */
static HandsetTestDevice *
device_new (HandsetTestUser *user)
{
  return handset_test_device_new (user, FALSE, handset_test_device_fake_media, NULL);
}

static void
wait_state (HandsetCall *call, HandsetCallState state)
{
  handset_test_call_wait_state (call, state, WAIT_S);
}

static void
name_device (HandsetTestUser *user, const char *name, gboolean publish_keys)
{
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/devices/%s", user->device_id);
  g_autofree char *body = g_strdup_printf ("{\"display_name\": \"%s\"}", name);
  g_autoptr (JsonNode) ignored = NULL;
  guint status = 0;

  ignored = handset_test_request ("PUT", path, user->access_token, body, &status);
  g_assert_cmpuint (status, ==, 200);

  /* Other users learn device names from published keys, as an end-to-end
   * encrypting client such as Element publishes them. */
  if (publish_keys)
    {
      g_autofree char *keys = g_strdup_printf (
          "{\"device_keys\": {\"user_id\": \"%s\", \"device_id\": \"%s\","
          " \"algorithms\": [\"m.olm.v1.curve25519-aes-sha2\"],"
          " \"keys\": {\"curve25519:%s\": \"3C5BFWi2Y8MaVvjM8M22DBmh24PmgR0nPvJOIArzgyI\","
          "           \"ed25519:%s\": \"lEuiRJBit0IG6nUf5pUzWTUEsRVVe/HJkoKuEww9ULI\"},"
          " \"signatures\": {}}}",
          user->user_id, user->device_id, user->device_id, user->device_id);

      g_clear_pointer (&ignored, json_node_unref);
      ignored = handset_test_request ("POST", "/_matrix/client/v3/keys/upload", user->access_token,
                                      keys, &status);
      g_assert_cmpuint (status, ==, 200);
    }
}

static gboolean
sent (HandsetTestDevice *device, const char *type)
{
  for (guint i = 0; i < device->sent_types->len; i++)
    if (g_str_equal (g_ptr_array_index (device->sent_types, i), type))
      return TRUE;

  return FALSE;
}

static void
test_three_devices (void)
{
  HandsetTestUser *alice_user, *bob_user, *bob_phone_user;
  HandsetTestDevice *a1, *b1, *b2;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *r1, *r2;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  bob_phone_user = handset_test_login (bob_user, "BOBPHONE22");
  name_device (bob_user, "Bob's laptop", TRUE);
  name_device (bob_phone_user, "Bob's phone", TRUE);
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);

  a1 = device_new (alice_user);
  b1 = device_new (bob_user);
  b2 = device_new (bob_phone_user);

  /* Both of bob's devices ring; B1 answers. */
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  handset_test_device_wait_rings (b1, 1, WAIT_S);
  handset_test_device_wait_rings (b2, 1, WAIT_S);
  g_assert_cmpuint (a1->rang->len, ==, 0);
  r1 = g_ptr_array_index (b1->rang, 0);
  r2 = g_ptr_array_index (b2->rang, 0);
  g_assert_cmpstr (handset_call_get_call_id (r1), ==, handset_call_get_call_id (call));
  g_assert_cmpstr (handset_call_get_opponent_party_id (r1), ==, alice_user->device_id);

  handset_call_answer (r1, FALSE);
  wait_state (call, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, bob_user->device_id);
  g_assert_true (sent (a1, "m.call.select_answer"));

  /* B2 stops and says which device answered; so does A1. */
  wait_state (r2, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (r2), ==, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
  g_assert_true (handset_test_call_wait_answered_by (r2, "Bob's laptop", WAIT_S));
  g_assert_true (handset_test_call_wait_answered_by (call, "Bob's laptop", WAIT_S));
  g_assert_cmpuint (b2->sent_types->len, ==, 0);

  handset_call_hangup (call);
  wait_state (r1, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (r1), ==, HANDSET_CALL_END_REMOTE_HANGUP);

  /* B2 declines the next call: every bob device stops, alice hears
   * "declined". */
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  handset_test_device_wait_rings (b1, 2, WAIT_S);
  handset_test_device_wait_rings (b2, 2, WAIT_S);
  r1 = g_ptr_array_index (b1->rang, 1);
  r2 = g_ptr_array_index (b2->rang, 1);
  handset_call_reject (r2);
  wait_state (call, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_DECLINED);
  wait_state (r1, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (r1), ==, HANDSET_CALL_END_DECLINED_ELSEWHERE);
  g_assert_true (handset_test_call_wait_answered_by (r1, "Bob's phone", WAIT_S));

  handset_test_device_free (a1);
  handset_test_device_free (b1);
  handset_test_device_free (b2);
}

static void
test_self_call (void)
{
  HandsetTestUser *alice_user, *alice_two, *bob_user;
  HandsetTestDevice *a1, *a2, *b1;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *incoming;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  alice_two = handset_test_login (alice_user, "ALICETABLET");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);

  a1 = device_new (alice_user);
  a2 = device_new (alice_two);
  b1 = device_new (bob_user);

  /* alice calls her other device: it rings, nobody else does. */
  call = handset_call_manager_place_call (a1->manager, room_id, alice_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  handset_test_device_wait_rings (a2, 1, WAIT_S);
  incoming = g_ptr_array_index (a2->rang, 0);
  handset_call_answer (incoming, FALSE);
  wait_state (call, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpstr (handset_call_get_opponent_user_id (call), ==, alice_user->user_id);
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, "ALICETABLET");
  g_assert_cmpuint (a1->rang->len, ==, 0);
  g_assert_cmpuint (b1->rang->len, ==, 0);
  handset_call_hangup (call);
  wait_state (incoming, HANDSET_CALL_STATE_ENDED);

  handset_test_device_free (a1);
  handset_test_device_free (a2);
  handset_test_device_free (b1);
}

static void
test_glare (void)
{
  HandsetTestUser *carol_user, *dave_user;
  HandsetTestDevice *carol, *dave;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *c_call, *d_call, *c_survivor = NULL, *d_survivor = NULL;
  const char *lesser;

  if (!handset_test_homeserver_require ())
    return;

  carol_user = handset_test_register ("carol");
  dave_user = handset_test_register ("dave");
  room_id = handset_test_create_direct_room (carol_user, dave_user);
  handset_test_join (dave_user, room_id);
  carol = device_new (carol_user);
  dave = device_new (dave_user);

  /* Both call at once. */
  c_call =
      handset_call_manager_place_call (carol->manager, room_id, dave_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  d_call =
      handset_call_manager_place_call (dave->manager, room_id, carol_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  lesser = strcmp (handset_call_get_call_id (c_call), handset_call_get_call_id (d_call)) < 0
               ? handset_call_get_call_id (c_call)
               : handset_call_get_call_id (d_call);

  /* One call survives, on both sides, and neither rang. */
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < deadline)
      {
        c_survivor = handset_call_manager_lookup (carol->manager, lesser);
        d_survivor = handset_call_manager_lookup (dave->manager, lesser);
        if (c_survivor && d_survivor &&
            handset_call_get_state (c_survivor) == HANDSET_CALL_STATE_CONNECTING &&
            handset_call_get_state (d_survivor) == HANDSET_CALL_STATE_CONNECTING)
          break;
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (1000);
      }
  }
  g_assert_nonnull (c_survivor);
  g_assert_nonnull (d_survivor);
  g_assert_cmpint (handset_call_get_state (c_survivor), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpint (handset_call_get_state (d_survivor), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpuint (carol->rang->len + dave->rang->len, ==, 0);
  g_assert_cmpint (
      handset_call_get_end_reason (lesser == handset_call_get_call_id (c_call) ? d_call : c_call),
      ==, HANDSET_CALL_END_REPLACED);

  handset_test_device_free (carol);
  handset_test_device_free (dave);
}

static void
test_expired_invite_never_rings (void)
{
  HandsetTestUser *alice_user, *bob_user;
  HandsetTestDevice *bob;
  g_autofree char *room_id = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *event_id = NULL;
  gint64 until;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);

  /* An invite with 4 s to live, read 5 s later by a device that was
   * offline. */
  invite = g_strdup_printf ("{\"call_id\": \"expired%08x\", \"party_id\": \"ALICEPARTY\","
                            " \"version\": \"1\", \"lifetime\": 4000, \"invitee\": \"%s\","
                            " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}}",
                            g_random_int (), bob_user->user_id);
  event_id = handset_test_send_event (alice_user, room_id, "m.call.invite", invite);
  g_usleep (5 * G_USEC_PER_SEC);

  bob = device_new (bob_user);
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_cmpuint (bob->rang->len, ==, 0);
  g_assert_cmpuint (handset_call_manager_get_calls (bob->manager)->len, ==, 0);

  handset_test_device_free (bob);
  handset_test_user_free (alice_user);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-live/three-devices", test_three_devices);
  g_test_add_func ("/call-live/self-call", test_self_call);
  g_test_add_func ("/call-live/glare", test_glare);
  g_test_add_func ("/call-live/expired-invite-never-rings", test_expired_invite_never_rings);

  return g_test_run ();
}
