/* test-devices-turn.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Device names from the real Synapse, and TURN credentials: from the real
 * Synapse, refreshed at 90 % of their lifetime, and none when the
 * homeserver answers `200 {}`.
 */

#include "config.h"

#include "handset-devices.h"
#include "handset-turn.h"
#include "handset-test-fake-server.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 30

static char *
lookup (HandsetDevices *devices, const char *user_id, const char *device_id)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *name;

  handset_devices_lookup_name_async (devices, user_id, device_id, NULL, handset_test_store_result,
                                     &result);
  name = handset_devices_lookup_name_finish (
      devices, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);

  return name;
}

static void
test_device_names (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) alice_phone = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetDevices) devices = NULL;
  g_autoptr (JsonNode) ignored = NULL;
  g_autofree char *name = NULL;
  g_autofree char *keys = NULL;
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  alice_phone = handset_test_login (alice, "ALICEPHONE");
  bob = handset_test_register ("bob");

  /* Names as their owners set them. */
  escaped = g_uri_escape_string ("ALICEPHONE", NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/devices/%s", escaped);
  ignored = handset_test_request ("PUT", path, alice->access_token,
                                  "{\"display_name\": \"Alice's phone\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/_matrix/client/v3/devices/%s", bob->device_id);
  g_clear_pointer (&ignored, json_node_unref);
  ignored = handset_test_request ("PUT", path, bob->access_token,
                                  "{\"display_name\": \"Bob's laptop\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  /* Other users' devices are known through their published keys. */
  keys = g_strdup_printf (
      "{\"device_keys\": {\"user_id\": \"%s\", \"device_id\": \"%s\","
      " \"algorithms\": [\"m.olm.v1.curve25519-aes-sha2\"],"
      " \"keys\": {\"curve25519:%s\": \"3C5BFWi2Y8MaVvjM8M22DBmh24PmgR0nPvJOIArzgyI\","
      "           \"ed25519:%s\": \"lEuiRJBit0IG6nUf5pUzWTUEsRVVe/HJkoKuEww9ULI\"},"
      " \"signatures\": {}}}",
      bob->user_id, bob->device_id, bob->device_id, bob->device_id);
  g_clear_pointer (&ignored, json_node_unref);
  ignored = handset_test_request ("POST", "/_matrix/client/v3/keys/upload", bob->access_token, keys,
                                  &status);
  g_assert_cmpuint (status, ==, 200);

  client = handset_matrix_client_new (handset_test_homeserver_url ());
  handset_matrix_client_set_session (client, alice->user_id, alice->device_id, alice->access_token);
  devices = handset_devices_new (client);

  g_assert_null (handset_devices_get_cached_name (devices, alice->user_id, "ALICEPHONE"));
  name = lookup (devices, alice->user_id, "ALICEPHONE");
  g_assert_cmpstr (name, ==, "Alice's phone");
  g_assert_cmpstr (handset_devices_get_cached_name (devices, alice->user_id, "ALICEPHONE"), ==,
                   "Alice's phone");
  g_clear_pointer (&name, g_free);

  name = lookup (devices, bob->user_id, bob->device_id);
  g_assert_cmpstr (name, ==, "Bob's laptop");
  g_clear_pointer (&name, g_free);

  /* A device nobody knows is called by its ID. */
  name = lookup (devices, bob->user_id, "NOSUCHDEVICE");
  g_assert_cmpstr (name, ==, "NOSUCHDEVICE");
  g_clear_pointer (&name, g_free);
  name = lookup (devices, alice->user_id, "NOSUCHDEVICE");
  g_assert_cmpstr (name, ==, "NOSUCHDEVICE");
}

static void
on_changed (HandsetTurn *turn, guint *count)
{
  (*count)++;
}

typedef struct
{
  guint *count;
  guint want;
} AtLeast;

static gboolean
at_least (gpointer data)
{
  AtLeast *a = data;

  return *a->count >= a->want;
}

static void
test_turn_real (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetTurn) turn = NULL;
  guint changes = 0;
  AtLeast a = { &changes, 1 };

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("turn");
  client = handset_matrix_client_new (handset_test_homeserver_url ());
  handset_matrix_client_set_session (client, user->user_id, user->device_id, user->access_token);
  turn = handset_turn_new (client);
  g_signal_connect (turn, "changed", G_CALLBACK (on_changed), &changes);
  g_assert_false (handset_turn_is_known (turn));
  handset_turn_start (turn);
  g_assert_true (handset_test_wait_until (at_least, &a, WAIT_S));

  g_assert_true (handset_turn_is_known (turn));
  g_assert_true (handset_turn_has_servers (turn));
  g_assert_true (g_str_has_prefix (handset_turn_get_uris (turn)[0], "turn:127.0.0.1:"));
  g_assert_nonnull (handset_turn_get_username (turn));
  g_assert_nonnull (handset_turn_get_password (turn));
  g_assert_cmpuint (handset_turn_get_ttl (turn), ==, 3600);
  handset_turn_stop (turn);
}

static void
test_turn_refresh_and_none (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new (fake->base);
  g_autoptr (HandsetTurn) turn = NULL;
  const char *path = "/_matrix/client/v3/voip/turnServer";
  guint changes = 0;
  AtLeast a = { &changes, 1 };
  gint64 start;

  g_assert_cmpuint (handset_turn_refresh_delay_ms (3600), ==, 3240000);
  g_assert_cmpuint (handset_turn_refresh_delay_ms (2), ==, 1800);

  /* Credentials that live 2 s are fetched again after 1.8 s. */
  handset_matrix_client_set_session (client, "@a:b", "D", "token");
  handset_fake_server_answer (fake, path, 200, "application/json",
                              "{\"username\": \"u\", \"password\": \"p\", \"ttl\": 2,"
                              " \"uris\": [\"turn:127.0.0.1:3478?transport=udp\","
                              "            \"turns:turn.example.org:5349?transport=tcp\","
                              "            \"stun:ignored.example.org\", 7]}");
  turn = handset_turn_new (client);
  g_signal_connect (turn, "changed", G_CALLBACK (on_changed), &changes);
  start = g_get_monotonic_time ();
  handset_turn_start (turn);
  g_assert_true (handset_test_wait_until (at_least, &a, WAIT_S));
  g_assert_cmpuint (g_strv_length ((char **) handset_turn_get_uris (turn)), ==, 2);
  g_assert_cmpstr (handset_turn_get_uris (turn)[1], ==,
                   "turns:turn.example.org:5349?transport=tcp");
  a.want = 3;
  g_assert_true (handset_test_wait_until (at_least, &a, WAIT_S));
  g_assert_cmpuint (handset_fake_server_get_requests (fake, path), ==, 3);
  /* two refreshes, each 1.8 s after the one before */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 3600 * 1000);

  /* 200 {}: no TURN, and nothing is refreshed soon. */
  handset_fake_server_answer (fake, path, 200, "application/json", "{}");
  a.want = 4;
  g_assert_true (handset_test_wait_until (at_least, &a, WAIT_S));
  g_assert_true (handset_turn_is_known (turn));
  g_assert_false (handset_turn_has_servers (turn));
  g_assert_null (handset_turn_get_uris (turn));
  g_assert_null (handset_turn_get_password (turn));
  a.want = 5;
  g_assert_false (handset_test_wait_until (at_least, &a, 3));
  g_assert_cmpuint (handset_fake_server_get_requests (fake, path), ==, 4);
  handset_turn_stop (turn);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/devices/names", test_device_names);
  g_test_add_func ("/turn/real", test_turn_real);
  g_test_add_func ("/turn/64-refresh-and-none", test_turn_refresh_and_none);

  return g_test_run ();
}
