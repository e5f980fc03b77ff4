/* test-matrix-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HandsetMatrixClient against the real Synapse and coturn, and against a
 * loopback server that answers with garbage.
 */

#include "config.h"

#include <libsoup/soup.h>
#include <nice.h>

#include "handset-matrix-client.h"
#include "handset-test-fake-server.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 30

/* Everything logged in this process, at every level: no secret may be in
 * it. */
static GString *all_logs;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
        {
          g_string_append (all_logs, fields[i].value);
          g_string_append_c (all_logs, '\n');
        }
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static HandsetMatrixClient *
logged_in_client (HandsetTestUser *user)
{
  HandsetMatrixClient *client = handset_matrix_client_new (handset_test_homeserver_url ());

  handset_matrix_client_set_session (client, user->user_id, user->device_id, user->access_token);

  return client;
}

static void
test_versions_and_flows (void)
{
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) versions = NULL;
  g_auto (GStrv) flows = NULL;

  if (!handset_test_homeserver_require ())
    return;

  client = handset_matrix_client_new (handset_test_homeserver_url ());
  handset_matrix_client_get_versions_async (client, NULL, handset_test_store_result, &result);
  versions = handset_matrix_client_get_versions_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char *const *) versions, "v1.7"));

  g_clear_object (&result);
  handset_matrix_client_get_login_flows_async (client, NULL, handset_test_store_result, &result);
  flows = handset_matrix_client_get_login_flows_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char *const *) flows, "m.login.password"));
}

static char *
discover (const char *input, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_matrix_discover_async (input, NULL, handset_test_store_result, &result);
  return handset_matrix_discover_finish (handset_test_wait_for_result (&result, WAIT_S), error);
}

static void
test_discovery (void)
{
  g_autoptr (HandsetFakeServer) fake = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *body = NULL;
  g_autofree char *user_id = NULL;
  const char *url = handset_test_homeserver_url ();
  const char *bad[] = { "@alice", "@:example.org", "", "a b", "https://", NULL };

  if (!handset_test_homeserver_require ())
    return;

  /* The homeserver's own address. */
  found = discover (url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, url);
  g_clear_pointer (&found, g_free);

  /* A Matrix ID whose server publishes .well-known/matrix/client. */
  fake = handset_fake_server_new ();
  body = g_strdup_printf ("{\"m.homeserver\": {\"base_url\": \"%s/\"}}", url);
  handset_fake_server_answer (fake, "/.well-known/matrix/client", 200, "application/json", body);
  user_id = g_strdup_printf ("@alice:%s", fake->base + strlen ("http://"));
  found = discover (user_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, url);
  g_clear_pointer (&found, g_free);

  /* A broken .well-known stops discovery with a clear error. */
  handset_fake_server_answer (fake, "/.well-known/matrix/client", 200, "text/html",
                              "<html>hello</html>");
  found = discover (user_id, &error);
  g_assert_null (found);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER);
  g_assert_nonnull (strstr (error->message, "broken"));
  g_clear_error (&error);

  /* No .well-known, and no homeserver at the server name either. */
  g_hash_table_remove_all (fake->answers);
  found = discover (user_id, &error);
  g_assert_null (found);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER);
  g_clear_error (&error);

  /* Plain HTTP only on this machine: an address, or a .well-known that
   * points there, is refused and says why. */
  found = discover ("http://matrix.example.org", &error);
  g_assert_null (found);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER);
  g_assert_nonnull (strstr (error->message, "https://"));
  g_clear_error (&error);
  handset_fake_server_answer (fake, "/.well-known/matrix/client", 200, "application/json",
                              "{\"m.homeserver\": {\"base_url\": \"http://matrix.example.org\"}}");
  found = discover (user_id, &error);
  g_assert_null (found);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER);
  g_assert_nonnull (strstr (error->message, "plain HTTP"));
  g_clear_error (&error);

  for (guint i = 0; bad[i] != NULL; i++)
    {
      found = discover (bad[i], &error);
      g_assert_null (found);
      g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER);
      g_assert_cmpstr (error->message, !=, "");
      g_clear_error (&error);
    }
}

/* The server name "localhost", as the demo prints its accounts: the
 * suite's homeserver answers discovery on port 80 (build-aux/dev test
 * starts it so and says so with HANDSET_TEST_DISCOVERY), and a Matrix ID on
 * it finds the homeserver with nothing else given. */
static void
test_discovery_localhost (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;

  if (!handset_test_homeserver_require ())
    return;
  if (g_strcmp0 (g_getenv ("HANDSET_TEST_DISCOVERY"), "localhost") != 0)
    {
      g_test_skip ("the homeserver does not answer discovery for localhost here");
      return;
    }

  found = discover ("@alice:localhost", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, handset_test_homeserver_url ());
}

static gboolean
login (HandsetMatrixClient *client, const char *user, const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_matrix_client_login_password_async (client, user, password, "test device", NULL,
                                              handset_test_store_result, &result);
  return handset_matrix_client_login_password_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), error);
}

static char *
whoami (HandsetMatrixClient *client, char **device_id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_matrix_client_whoami_async (client, NULL, handset_test_store_result, &result);
  return handset_matrix_client_whoami_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), device_id, error);
}

static void
test_login_whoami_logout (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *me = NULL;
  g_autofree char *device = NULL;
  g_autofree char *old_token = NULL;

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("login");
  client = handset_matrix_client_new (handset_test_homeserver_url ());

  /* A wrong password says so, in words. */
  g_assert_false (login (client, user->user_id, "not the password", &error));
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_FORBIDDEN);
  g_assert_cmpstr (error->message, ==, "The Matrix ID or the password is wrong.");
  g_assert_false (handset_matrix_client_has_access_token (client));
  g_clear_error (&error);

  g_assert_true (login (client, user->user_id, user->password, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (handset_matrix_client_get_user_id (client), ==, user->user_id);
  g_assert_nonnull (handset_matrix_client_get_device_id (client));
  g_assert_cmpstr (handset_matrix_client_get_device_id (client), !=, user->device_id);

  me = whoami (client, &device, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (me, ==, user->user_id);
  g_assert_cmpstr (device, ==, handset_matrix_client_get_device_id (client));

  old_token = g_strdup (handset_matrix_client_get_access_token (client));
  handset_matrix_client_logout_async (client, NULL, handset_test_store_result, &result);
  g_assert_true (handset_matrix_client_logout_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);
  g_assert_false (handset_matrix_client_has_access_token (client));

  /* Neither the password nor the token was ever logged, though every
   * request was, at debug level. */
  g_assert_nonnull (strstr (all_logs->str, "POST /_matrix/client/v3/login -> 200"));
  g_assert_null (strstr (all_logs->str, user->password));
  g_assert_null (strstr (all_logs->str, old_token));

  /* The old token is dead: using it asks for a new login. */
  handset_matrix_client_set_session (client, user->user_id, device, old_token);
  g_assert_false (handset_matrix_client_get_needs_login (client));
  g_clear_pointer (&me, g_free);
  me = whoami (client, NULL, &error);
  g_assert_null (me);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN);
  g_assert_true (handset_matrix_client_get_needs_login (client));
}

static char *
send_event (HandsetMatrixClient *client,
            const char *room_id,
            const char *type,
            const char *content_json,
            const char *txn,
            GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (JsonNode) content = json_from_string (content_json, NULL);

  handset_matrix_client_send_event_async (client, room_id, type, json_node_get_object (content),
                                          txn, NULL, handset_test_store_result, &result);
  return handset_matrix_client_send_event_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), error);
}

static char *
create_direct_room (HandsetMatrixClient *client, const char *invitee)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *room_id;

  handset_matrix_client_create_direct_room_async (client, invitee, NULL, NULL,
                                                  handset_test_store_result, &result);
  room_id = handset_matrix_client_create_direct_room_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_nonnull (room_id);

  return room_id;
}

static void
test_rooms_and_events (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) alice_client = NULL;
  g_autoptr (HandsetMatrixClient) bob_client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) direct = NULL;
  g_autoptr (JsonObject) fetched = NULL;
  g_autoptr (JsonNode) state = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *other = NULL;
  g_autofree char *txn = NULL;
  g_autofree char *member_path = NULL;
  g_autofree char *escaped_room = NULL;
  g_autofree char *escaped_user = NULL;
  JsonArray *rooms;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  alice_client = logged_in_client (alice);
  bob_client = logged_in_client (bob);

  /* A direct chat: a private room with bob invited and marked direct. */
  room_id = create_direct_room (alice_client, bob->user_id);
  g_assert_true (g_str_has_prefix (room_id, "!"));

  handset_matrix_client_join_async (bob_client, room_id, NULL, handset_test_store_result, &result);
  joined = handset_matrix_client_join_finish (
      bob_client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (joined, ==, room_id);

  escaped_room = g_uri_escape_string (room_id, NULL, FALSE);
  escaped_user = g_uri_escape_string (bob->user_id, NULL, FALSE);
  member_path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/state/m.room.member/%s", escaped_room,
                                 escaped_user);
  state = handset_test_request ("GET", member_path, alice->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (state), "membership"), ==,
                   "join");

  /* m.direct account data, written whole and read back. */
  direct = json_object_new ();
  rooms = json_array_new ();
  json_array_add_string_element (rooms, room_id);
  json_object_set_array_member (direct, bob->user_id, rooms);
  g_clear_object (&result);
  handset_matrix_client_set_account_data_async (alice_client, "m.direct", direct, NULL,
                                                handset_test_store_result, &result);
  g_assert_true (handset_matrix_client_set_account_data_finish (
      alice_client, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);

  g_clear_object (&result);
  handset_matrix_client_get_account_data_async (alice_client, "m.direct", NULL,
                                                handset_test_store_result, &result);
  fetched = handset_matrix_client_get_account_data_finish (
      alice_client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (
      json_array_get_string_element (json_object_get_array_member (fetched, bob->user_id), 0), ==,
      room_id);

  /* Account data that does not exist is "not found", not a failure. */
  g_clear_object (&result);
  handset_matrix_client_get_account_data_async (bob_client, "io.github.handset.nothing", NULL,
                                                handset_test_store_result, &result);
  g_assert_null (handset_matrix_client_get_account_data_finish (
      bob_client, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* One transaction ID, sent twice, is one event. */
  txn = handset_matrix_client_new_transaction_id (alice_client);
  first = send_event (alice_client, room_id, "m.call.hangup",
                      "{\"call_id\":\"c1\",\"party_id\":\"p1\",\"version\":\"1\","
                      "\"reason\":\"user_hangup\"}",
                      txn, &error);
  g_assert_no_error (error);
  again = send_event (alice_client, room_id, "m.call.hangup",
                      "{\"call_id\":\"c1\",\"party_id\":\"p1\",\"version\":\"1\","
                      "\"reason\":\"user_hangup\"}",
                      txn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, again);
  other = send_event (alice_client, room_id, "m.call.hangup",
                      "{\"call_id\":\"c1\",\"party_id\":\"p1\",\"version\":\"1\","
                      "\"reason\":\"user_hangup\"}",
                      NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, other);
}

/* A proxy in front of the real homeserver that passes the first event send
 * on, and then cuts the connection instead of passing the answer back: the
 * server stored the event, the client saw a network error. */
typedef struct
{
  SoupServer *server;
  SoupSession *session;
  char *base;
  GPtrArray *send_paths;
  char *first_event_id;
} DropProxy;

static void
drop_proxy_handler (SoupServer *server,
                    SoupServerMessage *msg,
                    const char *path,
                    GHashTable *query,
                    gpointer user_data)
{
  DropProxy *proxy = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *raw_path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_autofree char *url = g_strconcat (handset_test_homeserver_url (), raw_path, NULL);
  g_autoptr (SoupMessage) forward = soup_message_new (method, url);
  g_autoptr (GBytes) request_body = NULL;
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GError) error = NULL;
  const char *auth;
  gboolean is_send;

  auth =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  if (auth != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (forward), "Authorization",
                                  auth);
  request_body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (request_body) > 0)
    soup_message_set_request_body_from_bytes (forward, "application/json", request_body);

  response = soup_session_send_and_read (proxy->session, forward, NULL, &error);
  g_assert_no_error (error);

  is_send = g_str_equal (method, "PUT") && strstr (raw_path, "/send/") != NULL;
  if (is_send)
    g_ptr_array_add (proxy->send_paths, g_strdup (raw_path));

  if (is_send && proxy->send_paths->len == 1)
    {
      g_autoptr (JsonNode) node = json_from_string (g_bytes_get_data (response, NULL), NULL);
      GIOStream *stream;

      proxy->first_event_id =
          g_strdup (json_object_get_string_member (json_node_get_object (node), "event_id"));
      stream = soup_server_message_steal_connection (msg);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      return;
    }

  soup_server_message_set_status (msg, soup_message_get_status (forward), NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (response, NULL), g_bytes_get_size (response));
}

static void
test_send_retry_reuses_transaction (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) messages = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *event_id = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  DropProxy proxy = { 0 };
  GSList *uris;
  JsonArray *chunk;
  guint found = 0, status = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);

  proxy.session = soup_session_new ();
  proxy.send_paths = g_ptr_array_new_with_free_func (g_free);
  proxy.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (proxy.server, NULL, drop_proxy_handler, &proxy, NULL);
  soup_server_listen (proxy.server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (proxy.server);
  uri = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  client = handset_matrix_client_new (uri);
  handset_matrix_client_set_session (client, alice->user_id, alice->device_id, alice->access_token);
  event_id = send_event (client, room_id, "m.call.hangup",
                         "{\"call_id\":\"lost-answer\",\"party_id\":\"PARTYPARTY\","
                         "\"version\":\"1\",\"reason\":\"user_hangup\"}",
                         NULL, &error);
  g_assert_no_error (error);

  /* Sent twice, with one transaction ID; stored once. */
  g_assert_cmpuint (proxy.send_paths->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (proxy.send_paths, 0), ==,
                   g_ptr_array_index (proxy.send_paths, 1));
  g_assert_cmpstr (event_id, ==, proxy.first_event_id);

  escaped = g_uri_escape_string (room_id, NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=100", escaped);
  messages = handset_test_request ("GET", path, bob->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (messages), "chunk");
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    found += g_str_equal (
        json_object_get_string_member (json_array_get_object_element (chunk, i), "type"),
        "m.call.hangup");
  g_assert_cmpuint (found, ==, 1);

  soup_server_disconnect (proxy.server);
  g_object_unref (proxy.server);
  g_object_unref (proxy.session);
  g_ptr_array_unref (proxy.send_paths);
  g_free (proxy.first_event_id);
}

typedef struct
{
  GAsyncResult *results[12];
} Sends;

static gboolean
all_sent (gpointer data)
{
  Sends *sends = data;

  for (guint i = 0; i < G_N_ELEMENTS (sends->results); i++)
    if (sends->results[i] == NULL)
      return FALSE;

  return TRUE;
}

static void
test_rate_limited (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonNode) room = NULL;
  g_autofree char *base = NULL;
  g_autofree char *room_id = NULL;
  Sends sends = { 0 };
  guint port;
  gint64 start;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  /* A homeserver of its own, that allows 4 messages a second. */
  port = (guint) g_ascii_strtoull (g_getenv ("HANDSET_TEST_HOMESERVER_PORT"), NULL, 10) + 10;
  base = handset_test_homeserver_start_extra (port, TRUE);
  alice = handset_test_register_at (base, "alice");
  bob = handset_test_register_at (base, "bob");
  room = handset_test_request_at (base, "POST", "/_matrix/client/v3/createRoom",
                                  alice->access_token, "{\"preset\": \"private_chat\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  room_id = g_strdup (json_object_get_string_member (json_node_get_object (room), "room_id"));

  client = handset_matrix_client_new (base);
  handset_matrix_client_set_session (client, alice->user_id, alice->device_id, alice->access_token);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (sends.results); i++)
    {
      g_autofree char *json = g_strdup_printf (
          "{\"call_id\":\"burst-%u\",\"party_id\":\"PARTYPARTY\",\"version\":\"1\","
          "\"reason\":\"user_hangup\"}",
          i);
      g_autoptr (JsonNode) content = json_from_string (json, NULL);

      handset_matrix_client_send_event_async (client, room_id, "m.call.hangup",
                                              json_node_get_object (content), NULL, NULL,
                                              handset_test_store_result, &sends.results[i]);
    }

  /* Every send waits its turn and arrives. */
  g_assert_true (handset_test_wait_until (all_sent, &sends, 120));
  for (guint i = 0; i < G_N_ELEMENTS (sends.results); i++)
    {
      g_autoptr (GError) error = NULL;
      char *event_id = handset_matrix_client_send_event_finish (client, sends.results[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (event_id);
      g_assert_true (g_hash_table_add (ids, event_id));
      g_object_unref (sends.results[i]);
    }
  /* 12 messages at 4 a second after a burst of 3 take over 2 s: the
   * server did limit them. */
  g_assert_cmpint (g_get_monotonic_time () - start, >, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (g_hash_table_size (ids), ==, G_N_ELEMENTS (sends.results));

  handset_test_homeserver_stop_extra (port);
}

static void
test_profile_and_devices (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetTestUser) second = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) profile = NULL;
  g_autoptr (JsonArray) devices = NULL;
  g_autoptr (JsonNode) ignored = NULL;
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;
  gboolean found_first = FALSE, found_second = FALSE;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("profile");
  second = handset_test_login (user, "PROFILEPHONE");
  client = logged_in_client (user);

  escaped = g_uri_escape_string (user->user_id, NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/profile/%s/displayname", escaped);
  ignored = handset_test_request ("PUT", path, user->access_token,
                                  "{\"displayname\": \"Prof Ile\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  handset_matrix_client_get_profile_async (client, user->user_id, NULL, handset_test_store_result,
                                           &result);
  profile = handset_matrix_client_get_profile_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (profile, "displayname"), ==, "Prof Ile");

  g_clear_object (&result);
  handset_matrix_client_get_devices_async (client, NULL, handset_test_store_result, &result);
  devices = handset_matrix_client_get_devices_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);
      const char *id = json_object_get_string_member (device, "device_id");

      found_first |= g_str_equal (id, user->device_id);
      found_second |= g_str_equal (id, "PROFILEPHONE");
    }
  g_assert_true (found_first);
  g_assert_true (found_second);
}

static void
ignore_data (NiceAgent *agent,
             guint stream_id,
             guint component_id,
             guint len,
             gchar *buf,
             gpointer data)
{
}

static gboolean
gathering_done (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Gathers candidates with libnice through the TURN server and counts the
 * relayed ones: coturn hands one out only for valid credentials. */
static guint
relayed_candidates (const char *host, guint port, const char *username, const char *password)
{
  NiceAgent *agent = nice_agent_new (NULL, NICE_COMPATIBILITY_RFC5245);
  NiceAddress address;
  GSList *candidates;
  gboolean done = FALSE;
  guint stream_id, relayed = 0;

  g_object_set (agent, "upnp", FALSE, "ice-tcp", FALSE, NULL);
  nice_address_init (&address);
  g_assert_true (nice_address_set_from_string (&address, "127.0.0.1"));
  nice_agent_add_local_address (agent, &address);
  g_signal_connect (agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), &done);

  stream_id = nice_agent_add_stream (agent, 1);
  g_assert_true (nice_agent_set_relay_info (agent, stream_id, 1, host, port, username, password,
                                            NICE_RELAY_TYPE_TURN_UDP));
  nice_agent_attach_recv (agent, stream_id, 1, NULL, ignore_data, NULL);
  g_assert_true (nice_agent_gather_candidates (agent, stream_id));
  g_assert_true (handset_test_wait_until (gathering_done, &done, WAIT_S));

  candidates = nice_agent_get_local_candidates (agent, stream_id, 1);
  for (GSList *l = candidates; l != NULL; l = l->next)
    relayed += ((NiceCandidate *) l->data)->type == NICE_CANDIDATE_TYPE_RELAYED;
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
  {
    g_autoptr (GAsyncResult) closed = NULL;

    /* Closing releases the TURN allocation before the agent goes. */
    nice_agent_close_async (agent, handset_test_store_result, &closed);
    handset_test_wait_for_result (&closed, WAIT_S);
  }
  g_object_unref (agent);

  return relayed;
}

static void
test_turn (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) turn = NULL;
  g_autoptr (GUri) uri = NULL;
  g_auto (GStrv) host_port = NULL;
  JsonArray *uris;
  const char *username, *password;

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("turn");
  client = logged_in_client (user);
  handset_matrix_client_get_turn_server_async (client, NULL, handset_test_store_result, &result);
  turn = handset_matrix_client_get_turn_server_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);

  username = json_object_get_string_member (turn, "username");
  password = json_object_get_string_member (turn, "password");
  uris = json_object_get_array_member (turn, "uris");
  g_assert_cmpuint (json_array_get_length (uris), >=, 1);
  /* turn:127.0.0.1:PORT?transport=udp */
  host_port = g_strsplit_set (json_array_get_string_element (uris, 0) + strlen ("turn:"), ":?", 3);

  g_assert_cmpuint (relayed_candidates (host_port[0],
                                        (guint) g_ascii_strtoull (host_port[1], NULL, 10), username,
                                        password),
                    >=, 1);
  g_assert_cmpuint (relayed_candidates (host_port[0],
                                        (guint) g_ascii_strtoull (host_port[1], NULL, 10), username,
                                        "wrong password"),
                    ==, 0);
}

static void
test_thumbnail (void)
{
  /* A 2x2 PNG. */
  static const guint8 png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x16, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x08, 0x19, 0x18, 0x18, 0xfe, 0x03, 0x00, 0x1e, 0xf4, 0x04, 0xfc, 0x4f, 0x88, 0xa9, 0x73,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
  };
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = g_bytes_new_static (png, sizeof png);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GBytes) image = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) uploaded = NULL;
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *content_type = NULL;
  const char *mxc;

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("avatar");
  url =
      g_strconcat (handset_test_homeserver_url (), "/_matrix/media/v3/upload?filename=a.png", NULL);
  msg = soup_message_new ("POST", url);
  auth = g_strconcat ("Bearer ", user->access_token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "image/png", body);
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  uploaded = json_from_string (g_bytes_get_data (response, NULL), &error);
  g_assert_no_error (error);
  mxc = json_object_get_string_member (json_node_get_object (uploaded), "content_uri");
  g_assert_true (g_str_has_prefix (mxc, "mxc://"));

  client = logged_in_client (user);
  handset_matrix_client_get_thumbnail_async (client, mxc, 32, 32, NULL, handset_test_store_result,
                                             &result);
  image = handset_matrix_client_get_thumbnail_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (image), >, 8);
  g_assert_true (g_str_has_prefix (content_type, "image/"));

  /* Not a media address: a clear error, no request. */
  g_clear_object (&result);
  g_clear_pointer (&image, g_bytes_unref);
  handset_matrix_client_get_thumbnail_async (client, "https://example.org/x.png", 32, 32, NULL,
                                             handset_test_store_result, &result);
  image = handset_matrix_client_get_thumbnail_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), NULL, &error);
  g_assert_null (image);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
}

static void
test_garbage (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new (fake->base);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) versions = NULL;
  g_autofree char *event_id = NULL;
  struct
  {
    guint status;
    const char *type;
    const char *body;
    int expected;
  } versions_answers[] = {
    { 200, "text/html", "<html><body>Welcome to nginx!</body></html>",
      HANDSET_MATRIX_ERROR_BAD_RESPONSE },
    { 200, "application/json", "{\"versions\": [\"v1.1\", \"v1.",
      HANDSET_MATRIX_ERROR_BAD_RESPONSE },
    { 200, "application/json", "[1, 2, 3]", HANDSET_MATRIX_ERROR_BAD_RESPONSE },
    { 200, "application/json", "{\"versions\": \"v1.7\"}", HANDSET_MATRIX_ERROR_BAD_RESPONSE },
    { 200, "application/json", "", HANDSET_MATRIX_ERROR_BAD_RESPONSE },
    { 502, "text/html", "<html>Bad Gateway</html>", HANDSET_MATRIX_ERROR_NETWORK },
    { 404, "text/plain", "nothing here", HANDSET_MATRIX_ERROR_UNRECOGNIZED },
    /* As Synapse answers for a profile it does not have. */
    { 404, "application/json", "{\"errcode\": \"M_UNKNOWN\", \"error\": \"No row found\"}",
      HANDSET_MATRIX_ERROR_NOT_FOUND },
    { 403, "application/json", "{\"errcode\": 17, \"error\": [\"x\"]}",
      HANDSET_MATRIX_ERROR_UNKNOWN },
  };

  /* Answers are taken as they come here: no second try. */
  handset_matrix_client_set_network_retry_limit (client, 0);

  /* An answer of 2 MB where a few hundred bytes are due: refused, not read. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autofree char *huge = g_strnfill (2 * 1024 * 1024, ' ');

    huge[0] = '{';
    huge[strlen (huge) - 1] = '}';
    handset_fake_server_answer (fake, "/_matrix/client/versions", 200, "application/json", huge);
    handset_matrix_client_get_versions_async (client, NULL, handset_test_store_result, &result);
    versions = handset_matrix_client_get_versions_finish (
        client, handset_test_wait_for_result (&result, WAIT_S), &error);
    g_assert_null (versions);
    g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
    g_assert_nonnull (strstr (error->message, "too large"));
    g_clear_error (&error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (versions_answers); i++)
    {
      g_autoptr (GAsyncResult) result = NULL;

      handset_fake_server_answer (fake, "/_matrix/client/versions", versions_answers[i].status,
                                  versions_answers[i].type, versions_answers[i].body);
      handset_matrix_client_get_versions_async (client, NULL, handset_test_store_result, &result);
      versions = handset_matrix_client_get_versions_finish (
          client, handset_test_wait_for_result (&result, WAIT_S), &error);
      g_assert_null (versions);
      g_assert_error (error, HANDSET_MATRIX_ERROR, versions_answers[i].expected);
      g_assert_cmpstr (error->message, !=, "");
      g_clear_error (&error);
    }

  /* A login answer without a session, or with the wrong types. */
  {
    const char *logins[] = {
      "{\"user_id\": 5, \"access_token\": \"t\", \"device_id\": \"D\"}",
      "{\"user_id\": \"@a:b\", \"device_id\": \"D\"}",
      "{\"user_id\": \"@a:b\", \"access_token\": null, \"device_id\": \"D\"}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
      {
        handset_fake_server_answer (fake, "/_matrix/client/v3/login", 200, "application/json",
                                    logins[i]);
        g_assert_false (login (client, "@a:b", "password", &error));
        g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
        g_assert_false (handset_matrix_client_has_access_token (client));
        g_clear_error (&error);
      }
  }

  /* A send answered without an event ID. */
  handset_matrix_client_set_session (client, "@a:b", "D", "token");
  handset_fake_server_answer (fake, "/_matrix/client/v3/rooms/!r:b/send/m.call.hangup/t1", 200,
                              "application/json", "{\"event_id\": {}}");
  event_id = send_event (client, "!r:b", "m.call.hangup", "{}", "t1", &error);
  g_assert_null (event_id);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
}

static void
test_unreachable (void)
{
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new ("http://127.0.0.1:1");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) versions = NULL;

  handset_matrix_client_set_network_retry_limit (client, 1);
  handset_matrix_client_get_versions_async (client, NULL, handset_test_store_result, &result);
  versions = handset_matrix_client_get_versions_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_null (versions);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NETWORK);
  g_assert_true (
      g_str_has_prefix (error->message, "Could not reach the homeserver at http://127.0.0.1:1"));
}

static void
test_cancel_during_retry (void)
{
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new ("http://127.0.0.1:1");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) versions = NULL;
  gint64 start = g_get_monotonic_time ();

  /* The retries wait seconds; cancelling ends the wait at once. */
  handset_matrix_client_get_versions_async (client, cancellable, handset_test_store_result,
                                            &result);
  g_timeout_add_once (200, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  versions = handset_matrix_client_get_versions_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_null (versions);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static gboolean
requested (gpointer data)
{
  HandsetFakeServer *fake = data;

  return handset_fake_server_get_requests (
             fake, "/_matrix/client/v3/rooms/!r:b/send/m.call.hangup/t5") > 0;
}

/* A send that the server fails (502, a proxy in front of a restarting
 * Synapse) is sent again, the same transaction, until it goes. */
static void
test_send_retried_after_5xx (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new (fake->base);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) content = json_from_string ("{}", NULL);
  g_autofree char *event_id = NULL;
  const char *path = "/_matrix/client/v3/rooms/!r:b/send/m.call.hangup/t5";

  handset_matrix_client_set_session (client, "@a:b", "D", "token");
  handset_fake_server_answer (fake, path, 502, "text/html", "<html>Bad Gateway</html>");
  handset_matrix_client_send_event_async (client, "!r:b", "m.call.hangup",
                                          json_node_get_object (content), "t5", NULL,
                                          handset_test_store_result, &result);
  g_assert_true (handset_test_wait_until (requested, fake, WAIT_S));
  handset_fake_server_answer (fake, path, 200, "application/json", "{\"event_id\": \"$sent\"}");
  event_id = handset_matrix_client_send_event_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event_id, ==, "$sent");
  g_assert_cmpuint (handset_fake_server_get_requests (fake, path), ==, 2);
}

int
main (int argc, char *argv[])
{
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  /* Debug messages on stdout would be read as broken TAP. */
  g_log_writer_default_set_use_stderr (TRUE);
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/matrix-client/versions-and-flows", test_versions_and_flows);
  g_test_add_func ("/matrix-client/discovery", test_discovery);
  g_test_add_func ("/matrix-client/discovery-localhost", test_discovery_localhost);
  g_test_add_func ("/matrix-client/send-retried-after-5xx", test_send_retried_after_5xx);
  g_test_add_func ("/matrix-client/login-whoami-logout", test_login_whoami_logout);
  g_test_add_func ("/matrix-client/rooms-and-events", test_rooms_and_events);
  g_test_add_func ("/matrix-client/send-retry-reuses-transaction",
                   test_send_retry_reuses_transaction);
  g_test_add_func ("/matrix-client/rate-limited", test_rate_limited);
  g_test_add_func ("/matrix-client/profile-and-devices", test_profile_and_devices);
  g_test_add_func ("/matrix-client/turn", test_turn);
  g_test_add_func ("/matrix-client/thumbnail", test_thumbnail);
  g_test_add_func ("/matrix-client/garbage", test_garbage);
  g_test_add_func ("/matrix-client/unreachable", test_unreachable);
  g_test_add_func ("/matrix-client/cancel-during-retry", test_cancel_during_retry);

  return g_test_run ();
}
