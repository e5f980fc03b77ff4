/* test-homeserver-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Proves the test homeserver: two users, one of them on two devices, an
 * m.call.invite with a party_id that both devices receive through /sync,
 * and TURN credentials for a coturn that answers.
 */

#include "config.h"

#include <gio/gio.h>

#include "handset-call-ids.h"
#include "handset-test-homeserver.h"

static void
test_versions (void)
{
  g_autoptr (JsonNode) node = NULL;
  JsonArray *versions;
  gboolean has_v1_7 = FALSE;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  node = handset_test_request ("GET", "/_matrix/client/versions", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  versions = json_object_get_array_member (json_node_get_object (node), "versions");
  for (guint i = 0; i < json_array_get_length (versions); i++)
    has_v1_7 |= g_str_equal (json_array_get_string_element (versions, i), "v1.7");

  /* VoIP v1 (party_id, select_answer, reject, negotiate) is Matrix 1.7. */
  g_assert_true (has_v1_7);
}

static void
test_invite_reaches_both_devices (void)
{
  g_autoptr (HandsetTestUser) caller = NULL;
  g_autoptr (HandsetTestUser) callee = NULL;
  g_autoptr (HandsetTestUser) callee_second = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *party_id = NULL;
  g_autofree char *content = NULL;
  g_autofree char *event_id = NULL;
  HandsetTestUser *devices[3];

  if (!handset_test_homeserver_require ())
    return;

  caller = handset_test_register ("caller");
  callee = handset_test_register ("callee");
  callee_second = handset_test_login (callee, "SECONDDEVICE");
  g_assert_cmpstr (callee_second->user_id, ==, callee->user_id);
  g_assert_cmpstr (callee_second->device_id, ==, "SECONDDEVICE");
  g_assert_cmpstr (callee_second->device_id, !=, callee->device_id);

  room_id = handset_test_create_direct_room (caller, callee);
  handset_test_join (callee, room_id);

  call_id = handset_call_id_generate (g_get_real_time () / 1000);
  party_id = handset_party_id_for_device (caller->device_id);
  g_assert_true (handset_call_id_is_valid (call_id));
  g_assert_true (handset_call_id_is_valid (party_id));

  content = g_strdup_printf ("{\"call_id\":\"%s\",\"party_id\":\"%s\",\"version\":\"1\","
                             "\"lifetime\":90000,\"invitee\":\"%s\","
                             "\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}",
                             call_id, party_id, callee->user_id);
  event_id = handset_test_send_event (caller, room_id, "m.call.invite", content);
  g_assert_nonnull (event_id);

  /* Both devices of the callee see the invite, and so does the caller: its
   * own echo, recognisable by sender and party_id. */
  devices[0] = callee;
  devices[1] = callee_second;
  devices[2] = caller;
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      g_autoptr (JsonObject) event = NULL;
      JsonObject *c;

      event = handset_test_wait_for_event (devices[i], room_id, "m.call.invite", call_id, 20);
      g_assert_nonnull (event);
      g_assert_cmpstr (json_object_get_string_member (event, "event_id"), ==, event_id);
      g_assert_cmpstr (json_object_get_string_member (event, "sender"), ==, caller->user_id);
      c = json_object_get_object_member (event, "content");
      g_assert_cmpstr (json_object_get_string_member (c, "party_id"), ==, party_id);
      g_assert_cmpstr (json_object_get_string_member (c, "version"), ==, "1");
      g_assert_cmpint (json_object_get_int_member (c, "lifetime"), ==, 90000);
      g_assert_cmpstr (json_object_get_string_member (c, "invitee"), ==, callee->user_id);
      /* unsigned.age is what decides ringing; the server must provide it. */
      g_assert_true (
          json_object_has_member (json_object_get_object_member (event, "unsigned"), "age"));
    }
}

/* A STUN Binding request (RFC 5389) to the TURN server's port. */
static gboolean
stun_binding_answers (const char *host, guint16 port)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (inet, port);
  g_autoptr (GError) error = NULL;
  guint8 request[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
  guint8 response[512];
  gssize n;

  for (guint i = 8; i < sizeof request; i++)
    request[i] = g_random_int_range (0, 256);

  socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 5);

  n = g_socket_send_to (socket, address, (const char *) request, sizeof request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, sizeof request);

  n = g_socket_receive (socket, (char *) response, sizeof response, NULL, &error);
  if (n < 20)
    {
      g_test_message ("no STUN answer from %s:%u: %s", host, port,
                      error ? error->message : "short");
      return FALSE;
    }

  /* Binding success response, with our transaction ID. */
  return response[0] == 0x01 && response[1] == 0x01 && memcmp (response + 8, request + 8, 12) == 0;
}

static void
test_turn (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *expected_udp = NULL;
  g_auto (GStrv) host_port = NULL;
  const char *turn = g_getenv ("HANDSET_TEST_TURN");
  JsonObject *obj;
  JsonArray *uris;
  gboolean has_udp = FALSE;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;
  g_assert_nonnull (turn);

  user = handset_test_register ("turn");
  node = handset_test_request ("GET", "/_matrix/client/v3/voip/turnServer", user->access_token,
                               NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  obj = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member_with_default (obj, "username", ""), !=, "");
  g_assert_cmpstr (json_object_get_string_member_with_default (obj, "password", ""), !=, "");
  g_assert_cmpint (json_object_get_int_member (obj, "ttl"), >, 0);

  expected_udp = g_strdup_printf ("turn:%s?transport=udp", turn);
  uris = json_object_get_array_member (obj, "uris");
  for (guint i = 0; i < json_array_get_length (uris); i++)
    has_udp |= g_str_equal (json_array_get_string_element (uris, i), expected_udp);
  g_assert_true (has_udp);

  host_port = g_strsplit (turn, ":", 2);
  g_assert_true (
      stun_binding_answers (host_port[0], (guint16) g_ascii_strtoull (host_port[1], NULL, 10)));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/homeserver/versions", test_versions);
  g_test_add_func ("/homeserver/invite-reaches-both-devices", test_invite_reaches_both_devices);
  g_test_add_func ("/homeserver/turn", test_turn);

  return g_test_run ();
}
