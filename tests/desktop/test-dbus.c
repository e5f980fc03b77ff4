/* test-dbus.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls on D-Bus, as another program sees them: a real session of
 * alice on the real Synapse, exported on the suite's session bus, and a
 * second connection to that bus acting as the client. PlaceCall reaches
 * bob as an m.call.invite, the properties and signals follow the call,
 * Hangup reaches bob, and bad targets and late methods get clear errors.
 * The first call from someone new is an Invitation object until it is
 * answered or declined.
 */

#include "config.h"

#include <string.h>

#include "handset-call-invitation.h"
#include "handset-dbus.h"
#include "handset-fake-capture-portal.h"
#include "handset-session.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S        30
#define BASE_PATH     "/io/github/handset/Handset/Test"
#define MANAGER_PATH  BASE_PATH "/Calls"
#define CALL_IFACE    "io.github.handset.Handset.Call"
#define MANAGER_IFACE "io.github.handset.Handset.CallManager"

/* The client side: a connection of its own, owning no name. */
typedef struct
{
  GDBusConnection *connection;
  const char *server_name;
  GPtrArray *added;   /* object paths, from CallAdded */
  GPtrArray *changes; /* "PATH NEW OLD", from StateChanged */
  guint added_id;
  guint changes_id;
} Client;

static void
call_added_cb (GDBusConnection *connection,
               const char *sender,
               const char *path,
               const char *iface,
               const char *signal,
               GVariant *parameters,
               gpointer user_data)
{
  Client *client = user_data;
  const char *call;

  g_variant_get (parameters, "(&o)", &call);
  g_ptr_array_add (client->added, g_strdup (call));
}

static void
state_changed_cb (GDBusConnection *connection,
                  const char *sender,
                  const char *path,
                  const char *iface,
                  const char *signal,
                  GVariant *parameters,
                  gpointer user_data)
{
  Client *client = user_data;
  const char *new_state, *old_state;

  g_variant_get (parameters, "(&s&s)", &new_state, &old_state);
  g_ptr_array_add (client->changes, g_strdup_printf ("%s %s %s", path, new_state, old_state));
}

static void
client_init (Client *client, const char *server_name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  client->connection =
      g_dbus_connection_new_for_address_sync (address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);
  client->server_name = server_name;
  client->added = g_ptr_array_new_with_free_func (g_free);
  client->changes = g_ptr_array_new_with_free_func (g_free);
  client->added_id = g_dbus_connection_signal_subscribe (
      client->connection, server_name, MANAGER_IFACE, "CallAdded", MANAGER_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, call_added_cb, client, NULL);
  client->changes_id = g_dbus_connection_signal_subscribe (
      client->connection, server_name, CALL_IFACE, "StateChanged", NULL, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, state_changed_cb, client, NULL);
}

static void
client_clear (Client *client)
{
  g_dbus_connection_signal_unsubscribe (client->connection, client->added_id);
  g_dbus_connection_signal_unsubscribe (client->connection, client->changes_id);
  g_dbus_connection_close_sync (client->connection, NULL, NULL);
  g_clear_object (&client->connection);
  g_clear_pointer (&client->added, g_ptr_array_unref);
  g_clear_pointer (&client->changes, g_ptr_array_unref);
}

/* Asynchronous, with the main context running: the exported objects
 * answer from this same thread. */
static GVariant *
client_call (Client *client,
             const char *path,
             const char *iface,
             const char *method,
             GVariant *parameters,
             const char *reply_type,
             GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  g_dbus_connection_call (client->connection, client->server_name, path, iface, method, parameters,
                          reply_type ? G_VARIANT_TYPE (reply_type) : NULL, G_DBUS_CALL_FLAGS_NONE,
                          WAIT_S * 1000, NULL, handset_test_store_result, &result);
  return g_dbus_connection_call_finish (client->connection,
                                        handset_test_wait_for_result (&result, WAIT_S), error);
}

static GVariant *
get_property (Client *client, const char *path, const char *iface, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  GVariant *value;

  reply = client_call (client, path, "org.freedesktop.DBus.Properties", "Get",
                       g_variant_new ("(ss)", iface, name), "(v)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);

  return value;
}

static char *
get_string (Client *client, const char *path, const char *name)
{
  g_autoptr (GVariant) value = get_property (client, path, CALL_IFACE, name);

  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING));
  return g_variant_dup_string (value, NULL);
}

static char *
place_call (Client *client, const char *target, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  char *path = NULL;

  reply = client_call (client, MANAGER_PATH, MANAGER_IFACE, "PlaceCall",
                       g_variant_new ("(sb)", target, FALSE), "(o)", error);
  if (reply != NULL)
    g_variant_get (reply, "(o)", &path);

  return path;
}

static gboolean
calls_contain (Client *client, const char *path)
{
  g_autoptr (GVariant) calls = get_property (client, MANAGER_PATH, MANAGER_IFACE, "Calls");
  g_autofree const char **paths = NULL;

  g_assert_true (g_variant_is_of_type (calls, G_VARIANT_TYPE ("ao")));
  paths = g_variant_get_objv (calls, NULL);

  return g_strv_contains (paths, path);
}

typedef struct
{
  GPtrArray *strings;
  const char *prefix;
} Seen;

static gboolean
seen (gpointer data)
{
  Seen *s = data;

  for (guint i = 0; i < s->strings->len; i++)
    {
      if (g_str_has_prefix (g_ptr_array_index (s->strings, i), s->prefix))
        return TRUE;
    }

  return FALSE;
}

static void
wait_for_state_changed (Client *client, const char *path, const char *new_state)
{
  g_autofree char *prefix = g_strdup_printf ("%s %s ", path, new_state);
  Seen s = { client->changes, prefix };

  if (!handset_test_wait_until (seen, &s, WAIT_S))
    g_error ("no StateChanged to %s on %s within %u s", new_state, path, WAIT_S);
}

/* The fixture's sync requests block; in a thread of their own, the
 * session's requests in this one go on meanwhile. */
typedef struct
{
  HandsetTestUser *user;
  const char *room_id;
  const char *type;
  const char *call_id;
} EventWait;

static void
event_wait_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  EventWait *wait = data;
  JsonObject *event =
      handset_test_wait_for_event (wait->user, wait->room_id, wait->type, wait->call_id, WAIT_S);

  g_task_return_pointer (task, event, (GDestroyNotify) json_object_unref);
}

static JsonObject *
wait_for_event (HandsetTestUser *user, const char *room_id, const char *type, const char *call_id)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GTask) task = g_task_new (NULL, NULL, handset_test_store_result, &result);
  EventWait wait = { user, room_id, type, call_id };

  /* Waited for below, so the data on the stack outlives the thread. */
  g_task_set_task_data (task, &wait, NULL);
  g_task_run_in_thread (task, event_wait_thread);
  return g_task_propagate_pointer (G_TASK (handset_test_wait_for_result (&result, WAIT_S * 2)),
                                   NULL);
}

static void
login (HandsetAccount *account, HandsetTestUser *user)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_account_login_password_async (account, handset_test_homeserver_url (), user->user_id,
                                        user->password, NULL, handset_test_store_result, &result);
  g_assert_true (handset_account_login_password_finish (
      account, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (handset_account_get_user_id (account), ==, user->user_id);
}

static void
assert_invalid_target (Client *client, const char *target)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = place_call (client, target, &error);

  g_assert_null (path);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_test_message ("PlaceCall (“%s”): %s", target, error->message);
}

static void
test_dbus_calls (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (HandsetSession) session = NULL;
  g_autoptr (GDBusConnection) server = NULL;
  g_autoptr (HandsetDBus) dbus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) invite = NULL;
  g_autoptr (JsonObject) hangup = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *room_path = NULL;
  g_autofree char *room_link = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *text = NULL;
  Client client = { 0 };

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);

  profile = handset_profile_new ("dbustest", &error);
  g_assert_no_error (error);
  account = handset_account_new (profile, &error);
  g_assert_no_error (error);
  login (account, alice);
  session = handset_session_new (account, NULL);

  /* Exported as the application does it: before the session starts. */
  server = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  dbus = handset_dbus_new (server, BASE_PATH, session);
  g_assert_cmpstr (handset_dbus_get_manager_path (dbus), ==, MANAGER_PATH);
  client_init (&client, g_dbus_connection_get_unique_name (server));
  g_assert_false (calls_contain (&client, MANAGER_PATH "/1"));

  /* PlaceCall to a person before the first sync waits for it, rather than
   * make a second direct chat. The Get after it is answered once the
   * PlaceCall has been taken in: messages are handled in order. */
  {
    g_autoptr (GAsyncResult) result = NULL;

    g_dbus_connection_call (client.connection, client.server_name, MANAGER_PATH, MANAGER_IFACE,
                            "PlaceCall", g_variant_new ("(sb)", bob->user_id, FALSE),
                            G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, WAIT_S * 1000, NULL,
                            handset_test_store_result, &result);
    g_assert_false (calls_contain (&client, MANAGER_PATH "/1"));
    g_assert_null (result);

    handset_session_start (session);
    reply = g_dbus_connection_call_finish (client.connection,
                                           handset_test_wait_for_result (&result, WAIT_S), &error);
    g_assert_no_error (error);
    g_assert_true (handset_session_get_ready (session));
    g_variant_get (reply, "(o)", &path);
    g_clear_pointer (&reply, g_variant_unref);
  }

  /* The call: an object, announced, that reaches invite_sent. */
  g_assert_true (g_str_has_prefix (path, MANAGER_PATH "/"));
  {
    Seen s = { client.added, path };

    g_assert_true (handset_test_wait_until (seen, &s, WAIT_S));
  }
  g_assert_true (calls_contain (&client, path));
  wait_for_state_changed (&client, path, "invite_sent");
  text = get_string (&client, path, "State");
  g_assert_cmpstr (text, ==, "invite_sent");
  g_clear_pointer (&text, g_free);

  call_id = get_string (&client, path, "CallId");
  g_assert_cmpstr (call_id, !=, "");
  text = get_string (&client, path, "RoomId");
  g_assert_cmpstr (text, ==, room_id);
  g_clear_pointer (&text, g_free);
  text = get_string (&client, path, "Direction");
  g_assert_cmpstr (text, ==, "outgoing");
  g_clear_pointer (&text, g_free);
  text = get_string (&client, path, "EndReason");
  g_assert_cmpstr (text, ==, "none");
  g_clear_pointer (&text, g_free);
  value = get_property (&client, path, CALL_IFACE, "Video");
  g_assert_false (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);
  value = get_property (&client, path, CALL_IFACE, "Encrypted");
  g_assert_false (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);
  value = get_property (&client, path, CALL_IFACE, "AudioBytesSent");
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64));
  g_clear_pointer (&value, g_variant_unref);

  /* bob's devices see the invite, from the party the object names. */
  invite = wait_for_event (bob, room_id, "m.call.invite", call_id);
  g_assert_nonnull (invite);
  text = get_string (&client, path, "PartyId");
  g_assert_cmpstr (text, ==,
                   json_object_get_string_member (json_object_get_object_member (invite, "content"),
                                                  "party_id"));
  g_clear_pointer (&text, g_free);

  /* Hangup reaches bob; the object follows, signal and properties. */
  reply = client_call (&client, path, CALL_IFACE, "Hangup", NULL, "()", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  hangup = wait_for_event (bob, room_id, "m.call.hangup", call_id);
  g_assert_nonnull (hangup);
  wait_for_state_changed (&client, path, "ended");
  {
    g_autofree char *change = g_strdup_printf ("%s ended invite_sent", path);

    g_assert_true (g_ptr_array_find_with_equal_func (client.changes, change, g_str_equal, NULL));
  }
  text = get_string (&client, path, "State");
  g_assert_cmpstr (text, ==, "ended");
  g_clear_pointer (&text, g_free);
  text = get_string (&client, path, "EndReason");
  g_assert_cmpstr (text, ==, "local_hangup");
  g_clear_pointer (&text, g_free);

  /* A method the call cannot take any more says so. */
  reply = client_call (&client, path, CALL_IFACE, "Hangup", NULL, "()", &error);
  g_assert_null (reply);
  g_assert_true (g_dbus_error_is_remote_error (error));
  text = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (text, ==, HANDSET_DBUS_ERROR_FAILED);
  g_clear_pointer (&text, g_free);
  g_clear_error (&error);

  /* A matrix: link to the room calls the room. */
  room_link = g_strconcat ("matrix:roomid/", room_id + 1, NULL);
  room_path = place_call (&client, room_link, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (room_path, !=, path);
  text = get_string (&client, room_path, "RoomId");
  g_assert_cmpstr (text, ==, room_id);
  g_clear_pointer (&text, g_free);
  g_assert_true (calls_contain (&client, path));
  g_assert_true (calls_contain (&client, room_path));
  wait_for_state_changed (&client, room_path, "invite_sent");
  reply = client_call (&client, room_path, CALL_IFACE, "Hangup", NULL, "()", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  wait_for_state_changed (&client, room_path, "ended");

  /* Exported later, the calls already there are there too. */
  {
    g_autoptr (HandsetDBus) again = handset_dbus_new (server, BASE_PATH "/Again", session);
    g_autoptr (GVariant) calls = NULL;
    g_autofree const char **paths = NULL;
    gsize n_paths = 0;

    reply = client_call (&client, BASE_PATH "/Again/Calls", "org.freedesktop.DBus.Properties",
                         "Get", g_variant_new ("(ss)", MANAGER_IFACE, "Calls"), "(v)", &error);
    g_assert_no_error (error);
    g_variant_get (reply, "(v)", &calls);
    g_clear_pointer (&reply, g_variant_unref);
    paths = g_variant_get_objv (calls, &n_paths);
    g_assert_cmpuint (n_paths, ==, 2);
    text = get_string (&client, paths[0], "CallId");
    g_assert_cmpstr (text, ==, call_id);
    g_clear_pointer (&text, g_free);
    text = get_string (&client, paths[1], "State");
    g_assert_cmpstr (text, ==, "ended");
    g_clear_pointer (&text, g_free);
  }

  /* Targets that cannot be called. */
  assert_invalid_target (&client, "");
  assert_invalid_target (&client, "bob");
  assert_invalid_target (&client, "@bob");
  assert_invalid_target (&client, "@bob smith:localhost");
  assert_invalid_target (&client, "#room:localhost");
  assert_invalid_target (&client, "matrix:r/room:localhost");
  assert_invalid_target (&client, "https://example.org/#/@bob:localhost");
  assert_invalid_target (&client, "!notjoined:localhost");

  /* Unexported: the objects are gone from the bus. */
  handset_dbus_unexport (dbus);
  reply = client_call (&client, MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                       g_variant_new ("(ss)", MANAGER_IFACE, "Calls"), "(v)", &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_clear_error (&error);
  reply = client_call (&client, path, "org.freedesktop.DBus.Properties", "Get",
                       g_variant_new ("(ss)", CALL_IFACE, "State"), "(v)", &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_clear_error (&error);

  client_clear (&client);
  g_clear_object (&dbus);
  handset_session_stop (session);

  /* A call asked of a stopped session (as after the Camera portal answered
   * a logout too late) fails at once rather than wait for nothing. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (HandsetCall) call = NULL;

    handset_session_place_call_async (session, bob->user_id, FALSE, NULL, handset_test_store_result,
                                      &result);
    call = handset_session_place_call_finish (session, handset_test_wait_for_result (&result, 1),
                                              &error);
    g_assert_null (call);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
}

/* ------------------------------------------------------------------ invitations */

#define INVITATION_IFACE "io.github.handset.Handset.Invitation"

/* An offer webrtcbin takes (no candidates: the call never connects). */
#define AUDIO_OFFER                                                                               \
  "v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\na=group:BUNDLE 0\\r\\n"             \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\na=mid:0\\r\\n"                      \
  "a=ice-ufrag:dbus\\r\\na=ice-pwd:dbusinvitationpassword00\\r\\n"                                \
  "a=fingerprint:sha-256 "                                                                        \
  "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:" \
  "AB\\r\\n"                                                                                      \
  "a=setup:actpass\\r\\na=sendrecv\\r\\na=rtcp-mux\\r\\na=rtpmap:111 opus/48000/2\\r\\n"

static void
signal_path_cb (GDBusConnection *connection,
                const char *sender,
                const char *path,
                const char *iface,
                const char *signal,
                GVariant *parameters,
                gpointer user_data)
{
  GPtrArray *paths = user_data;
  const char *object;

  g_variant_get (parameters, "(&o)", &object);
  g_ptr_array_add (paths, g_strdup (object));
}

static char *
invitation_string (Client *client, const char *path, const char *name)
{
  g_autoptr (GVariant) value = get_property (client, path, INVITATION_IFACE, name);

  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING));
  return g_variant_dup_string (value, NULL);
}

static GStrv
invitations_of (Client *client)
{
  g_autoptr (GVariant) value = get_property (client, MANAGER_PATH, MANAGER_IFACE, "Invitations");

  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE ("ao")));
  return g_variant_dup_objv (value, NULL);
}

/* @caller, new to @callee, makes a direct chat for a call as Handset does
 * (marked in m.room.create) and calls in it. */
static char *
invite_new_contact (HandsetTestUser *caller, HandsetTestUser *callee, const char *call_id)
{
  g_autofree char *body = g_strdup_printf (
      "{\"preset\": \"trusted_private_chat\", \"is_direct\": true, \"invite\": [\"%s\"],"
      " \"creation_content\": {\"" HANDSET_CALL_INVITATION_MARK "\": {\"video\": true}}}",
      callee->user_id);
  g_autofree char *invite = NULL;
  g_autoptr (JsonNode) reply = NULL;
  guint status = 0;
  char *room_id;

  reply = handset_test_request ("POST", "/_matrix/client/v3/createRoom", caller->access_token, body,
                                &status);
  g_assert_cmpuint (status, ==, 200);
  room_id = g_strdup (json_object_get_string_member (json_node_get_object (reply), "room_id"));
  invite = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"carolsphone\","
                            " \"version\": \"1\", \"lifetime\": 60000,"
                            " \"offer\": {\"type\": \"offer\", \"sdp\": \"%s\"}}",
                            call_id, AUDIO_OFFER);
  g_free (handset_test_send_event (caller, room_id, "m.call.invite", invite));

  return room_id;
}

typedef struct
{
  HandsetTestUser *user;
  const char *room_id;
  const char *member;
} Membership;

static gboolean
has_left (gpointer data)
{
  Membership *m = data;
  g_autofree char *escaped = g_uri_escape_string (m->member, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/state/m.room.member/%s", m->room_id, escaped);
  g_autoptr (JsonNode) reply = NULL;
  guint status = 0;

  reply = handset_test_request ("GET", path, m->user->access_token, NULL, &status);
  return status == 200 && g_strcmp0 (json_object_get_string_member_with_default (
                                         json_node_get_object (reply), "membership", ""),
                                     "leave") == 0;
}

/* The first call from someone new, before its chat is joined: an
 * Invitation object with the facts `handset calls` gives, announced while
 * it rings; Answer joins the chat and answers the call in it, Reject
 * declines the invitation; either way the object goes. */
static void
test_dbus_invitations (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) carol = NULL;
  g_autoptr (HandsetTestUser) dave = NULL;
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (HandsetMediaDevices) devices = NULL;
  g_autoptr (HandsetSession) session = NULL;
  g_autoptr (GDBusConnection) server = NULL;
  g_autoptr (HandsetDBus) dbus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *room_id = NULL;
  g_autofree char *other_room_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *local = NULL;
  g_auto (GStrv) listed = NULL;
  Client client = { 0 };
  guint added_id, removed_id, changes_id;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  carol = handset_test_register ("carol");
  dave = handset_test_register ("dave");
  profile = handset_profile_new ("dbusinvitations", &error);
  g_assert_no_error (error);
  account = handset_account_new (profile, &error);
  g_assert_no_error (error);
  login (account, alice);
  /* As inside Flatpak: the cameras are the Camera portal's to give. */
  g_setenv ("HANDSET_CAMERA_PORTAL", "1", TRUE);
  devices = handset_media_devices_new_lazy ();
  g_unsetenv ("HANDSET_CAMERA_PORTAL");
  session = handset_session_new (account, devices);
  server = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  dbus = handset_dbus_new (server, BASE_PATH, session);
  client_init (&client, g_dbus_connection_get_unique_name (server));
  added_id = g_dbus_connection_signal_subscribe (
      client.connection, client.server_name, MANAGER_IFACE, "InvitationAdded", MANAGER_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, signal_path_cb, added, NULL);
  removed_id = g_dbus_connection_signal_subscribe (
      client.connection, client.server_name, MANAGER_IFACE, "InvitationRemoved", MANAGER_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, signal_path_cb, removed, NULL);
  changes_id = g_dbus_connection_signal_subscribe (
      client.connection, client.server_name, INVITATION_IFACE, "StateChanged", NULL, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, state_changed_cb, &client, NULL);
  listed = invitations_of (&client);
  g_assert_cmpuint (g_strv_length (listed), ==, 0);
  g_clear_pointer (&listed, g_strfreev);
  handset_session_start (session);

  /* carol calls: it rings as an invitation, with the facts of its line of
   * `handset calls`. */
  room_id = invite_new_contact (carol, alice, "dbusinvite1");
  {
    Seen s = { added, MANAGER_PATH "/invitations/" };

    if (!handset_test_wait_until (seen, &s, WAIT_S))
      g_error ("no InvitationAdded within %u s", WAIT_S);
  }
  path = g_strdup (g_ptr_array_index (added, 0));
  listed = invitations_of (&client);
  g_assert_true (g_strv_contains ((const char *const *) listed, path));
  g_clear_pointer (&listed, g_strfreev);
  text = invitation_string (&client, path, "State");
  g_assert_cmpstr (text, ==, "invitation");
  g_clear_pointer (&text, g_free);
  text = invitation_string (&client, path, "RoomId");
  g_assert_cmpstr (text, ==, room_id);
  g_clear_pointer (&text, g_free);
  text = invitation_string (&client, path, "OpponentUserId");
  g_assert_cmpstr (text, ==, carol->user_id);
  g_clear_pointer (&text, g_free);
  /* carol set no display name: Synapse gives her local part. */
  local = g_strndup (carol->user_id + 1, strcspn (carol->user_id + 1, ":"));
  text = invitation_string (&client, path, "OpponentDisplayName");
  g_assert_cmpstr (text, ==, local);
  g_clear_pointer (&text, g_free);
  text = invitation_string (&client, path, "Error");
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);
  value = get_property (&client, path, INVITATION_IFACE, "Video");
  g_assert_true (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);

  /* Answered with video when the Camera portal gives no camera (the
   * person said no in its dialog), as the ringing window answers: the
   * portal is asked first, nothing is answered, the error says why, and
   * it still rings. */
  {
    HandsetFakeCapturePortal portal = { 0 };
    g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);

    portal.has_camera = TRUE;
    portal.camera_present = TRUE;
    portal.camera_response = 1;
    handset_fake_capture_portal_start (&portal, address);
    reply = client_call (&client, path, INVITATION_IFACE, "Answer", g_variant_new ("(b)", TRUE),
                         "()", &error);
    g_assert_null (reply);
    g_assert_nonnull (error);
    if (portal.owned)
      {
        g_assert_nonnull (strstr (error->message, "access to it was not allowed"));
        g_assert_cmpuint (portal.n_access, ==, 1);
      }
    else
      {
        /* Another portal on the suite's bus (one a test before started)
         * answered: it has no camera for this process either. */
        g_test_message ("another portal answered: %s", error->message);
        g_assert_true (strstr (error->message, "camera") != NULL ||
                       strstr (error->message, "Camera") != NULL);
      }
    g_clear_error (&error);
    handset_fake_capture_portal_stop (&portal);
  }
  text = invitation_string (&client, path, "State");
  g_assert_cmpstr (text, ==, "invitation");
  g_clear_pointer (&text, g_free);

  /* Answered: joined, the call in the chat answered and on D-Bus as a
   * Call; the invitation goes. */
  reply = client_call (&client, path, INVITATION_IFACE, "Answer", g_variant_new ("(b)", FALSE),
                       "()", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  wait_for_state_changed (&client, path, "joining");
  wait_for_state_changed (&client, path, "answered");
  {
    Seen s = { removed, path };

    if (!handset_test_wait_until (seen, &s, WAIT_S))
      g_error ("no InvitationRemoved for %s within %u s", path, WAIT_S);
  }
  listed = invitations_of (&client);
  g_assert_false (g_strv_contains ((const char *const *) listed, path));
  g_clear_pointer (&listed, g_strfreev);
  {
    Seen s = { client.added, MANAGER_PATH "/" };
    g_autofree char *call_id = NULL;

    if (!handset_test_wait_until (seen, &s, WAIT_S))
      g_error ("no CallAdded within %u s", WAIT_S);
    call_id = get_string (&client, g_ptr_array_index (client.added, 0), "CallId");
    g_assert_cmpstr (call_id, ==, "dbusinvite1");
    text = get_string (&client, g_ptr_array_index (client.added, 0), "RoomId");
    g_assert_cmpstr (text, ==, room_id);
    g_clear_pointer (&text, g_free);
  }
  /* carol hears the answer. */
  {
    g_autoptr (JsonObject) answer = wait_for_event (carol, room_id, "m.call.answer", "dbusinvite1");

    g_assert_nonnull (answer);
  }
  /* The object is gone, and says so. */
  reply = client_call (&client, path, "org.freedesktop.DBus.Properties", "Get",
                       g_variant_new ("(ss)", INVITATION_IFACE, "State"), "(v)", &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* dave calls too: Reject declines his invitation, room and all. */
  g_clear_pointer (&path, g_free);
  other_room_id = invite_new_contact (dave, alice, "dbusinvite2");
  {
    Seen s = { added, MANAGER_PATH "/invitations/2" };

    if (!handset_test_wait_until (seen, &s, WAIT_S))
      g_error ("no second InvitationAdded within %u s", WAIT_S);
  }
  path = g_strdup (MANAGER_PATH "/invitations/2");
  text = invitation_string (&client, path, "OpponentUserId");
  g_assert_cmpstr (text, ==, dave->user_id);
  g_clear_pointer (&text, g_free);
  reply = client_call (&client, path, INVITATION_IFACE, "Reject", NULL, "()", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  wait_for_state_changed (&client, path, "declined");
  {
    Seen s = { removed, path };
    Membership m = { dave, other_room_id, alice->user_id };

    if (!handset_test_wait_until (seen, &s, WAIT_S))
      g_error ("no InvitationRemoved for %s within %u s", path, WAIT_S);
    g_assert_true (handset_test_wait_until (has_left, &m, WAIT_S));
  }
  listed = invitations_of (&client);
  g_assert_cmpuint (g_strv_length (listed), ==, 0);
  g_clear_pointer (&listed, g_strfreev);

  g_dbus_connection_signal_unsubscribe (client.connection, added_id);
  g_dbus_connection_signal_unsubscribe (client.connection, removed_id);
  g_dbus_connection_signal_unsubscribe (client.connection, changes_id);
  client_clear (&client);
  g_clear_object (&dbus);
  handset_session_stop (session);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  /* HandsetMediaSession's test hooks: no sound server needed. */
  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink", TRUE);
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dbus/place-call-hangup", test_dbus_calls);
  g_test_add_func ("/dbus/invitations", test_dbus_invitations);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
