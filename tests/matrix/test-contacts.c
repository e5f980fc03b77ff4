/* test-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact list, fed by a real /sync loop from the real Synapse: a
 * direct chat is made once and found again, and the list follows names,
 * new rooms of two and people leaving, live.
 */

#include "config.h"

#include "handset-contact-list.h"
#include "handset-sync.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 30

typedef struct
{
  HandsetContactList *list;
  const char *user_id;
  const char *name;
} Expect;

static gboolean
has_contact (gpointer data)
{
  Expect *expect = data;
  HandsetContact *contact = handset_contact_list_find (expect->list, expect->user_id);

  if (expect->name == NULL)
    return contact == NULL;

  return contact != NULL &&
         g_strcmp0 (handset_contact_get_display_name (contact), expect->name) == 0;
}

static void
on_batch (HandsetSync *sync, HandsetSyncBatch *batch, HandsetRooms *rooms)
{
  handset_rooms_handle_batch (rooms, batch);
}

typedef struct
{
  guint count;
  guint position, removed, added; /* the last change */
} Changes;

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, Changes *changes)
{
  changes->count++;
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
}

static char *
ensure (HandsetContactList *list,
        HandsetMatrixClient *client,
        const char *user_id,
        gboolean *created,
        GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_contact_list_ensure_direct_chat_async (list, client, user_id, NULL, NULL,
                                                 handset_test_store_result, &result);
  return handset_contact_list_ensure_direct_chat_finish (
      list, handset_test_wait_for_result (&result, WAIT_S), created, error);
}

static guint
joined_room_count (HandsetTestUser *user)
{
  guint status = 0;
  g_autoptr (JsonNode) node = handset_test_request ("GET", "/_matrix/client/v3/joined_rooms",
                                                    user->access_token, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  return json_array_get_length (
      json_object_get_array_member (json_node_get_object (node), "joined_rooms"));
}

static void
set_display_name (HandsetTestUser *user, const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (user->user_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/profile/%s/displayname", escaped);
  g_autofree char *body = g_strdup_printf ("{\"displayname\": \"%s\"}", name);
  guint status = 0;
  g_autoptr (JsonNode) ignored =
      handset_test_request ("PUT", path, user->access_token, body, &status);

  g_assert_cmpuint (status, ==, 200);
}

static void
test_live_contacts (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetTestUser) carol = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetRooms) rooms = NULL;
  g_autoptr (HandsetContactList) list = NULL;
  g_autoptr (HandsetSync) sync = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetContact) first = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *again = NULL;
  g_autofree char *carol_room = NULL;
  g_autofree char *leave_path = NULL;
  g_autofree char *escaped = NULL;
  g_autoptr (JsonNode) ignored = NULL;
  gboolean created = FALSE;
  Changes changes = { 0 };
  guint status = 0;
  Expect expect;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  carol = handset_test_register ("carol");
  set_display_name (bob, "Bob Builder");

  client = handset_matrix_client_new (handset_test_homeserver_url ());
  handset_matrix_client_set_session (client, alice->user_id, alice->device_id, alice->access_token);
  rooms = handset_rooms_new (alice->user_id);
  list = handset_contact_list_new (rooms);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &changes);
  sync = handset_sync_new (client, NULL);
  g_signal_connect (sync, "batch", G_CALLBACK (on_batch), rooms);
  handset_sync_start (sync);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == HANDSET_TYPE_CONTACT);

  /* Made once: a room, and bob in the list with the name he chose. */
  room_id = ensure (list, client, bob->user_id, &created, &error);
  g_assert_no_error (error);
  g_assert_true (created);
  expect = (Expect){ list, bob->user_id, "Bob Builder" };
  g_assert_true (handset_test_wait_until (has_contact, &expect, WAIT_S));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (changes.count, >=, 1);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (handset_contact_get_room_id (first), ==, room_id);
  g_assert_cmpstr (handset_contact_get_user_id (first), ==, bob->user_id);
  /* m.direct on the server names the new room. */
  g_assert_cmpuint (joined_room_count (alice), ==, 1);

  /* ... and found again, without a second room. */
  again = ensure (list, client, bob->user_id, &created, &error);
  g_assert_no_error (error);
  g_assert_false (created);
  g_assert_cmpstr (again, ==, room_id);
  g_assert_cmpuint (joined_room_count (alice), ==, 1);

  /* bob joins and renames himself: the same contact object follows, and
   * the list says that his position changed and no other: he leaves it
   * and comes back (a sorted view moves him alone; nothing is rebuilt). */
  handset_test_join (bob, room_id);
  set_display_name (bob, "Robert");
  expect.name = "Robert";
  g_assert_true (handset_test_wait_until (has_contact, &expect, WAIT_S));
  g_assert_true (handset_contact_list_find (list, bob->user_id) == first);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);

  /* A room of two that nobody marked direct still makes a contact, added
   * after those already there: the list keeps its order (sorting by name
   * is the window's), so nobody else's position changes. */
  carol_room = handset_test_create_direct_room (carol, alice);
  handset_test_join (alice, carol_room);
  expect = (Expect){ list, carol->user_id, NULL };
  {
    g_autofree char *localpart =
        g_strndup (carol->user_id + 1, strchr (carol->user_id, ':') - carol->user_id - 1);

    expect.name = localpart;
    g_assert_true (handset_test_wait_until (has_contact, &expect, WAIT_S));
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  {
    g_autoptr (HandsetContact) a = g_list_model_get_item (G_LIST_MODEL (list), 0);
    g_autoptr (HandsetContact) b = g_list_model_get_item (G_LIST_MODEL (list), 1);

    g_assert_cmpstr (handset_contact_get_user_id (a), ==, bob->user_id);
    g_assert_cmpstr (handset_contact_get_user_id (b), ==, carol->user_id);
    g_assert_cmpuint (changes.position, ==, 1);
    g_assert_cmpuint (changes.removed, ==, 0);
    g_assert_cmpuint (changes.added, ==, 1);
    g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 2));
  }

  /* bob leaves the room: he leaves the list. */
  escaped = g_uri_escape_string (room_id, NULL, FALSE);
  leave_path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/leave", escaped);
  ignored = handset_test_request ("POST", leave_path, bob->access_token, "{}", &status);
  g_assert_cmpuint (status, ==, 200);
  expect = (Expect){ list, bob->user_id, NULL };
  g_assert_true (handset_test_wait_until (has_contact, &expect, WAIT_S));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);

  /* Not a Matrix ID, or ourselves: a clear error, no room. */
  g_free (ensure (list, client, "bob", NULL, &error));
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_INVALID_USERNAME);
  g_clear_error (&error);
  g_free (ensure (list, client, alice->user_id, NULL, &error));
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_INVALID_USERNAME);
  g_clear_error (&error);

  handset_sync_stop (sync);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/contacts/live", test_live_contacts);

  return g_test_run ();
}
