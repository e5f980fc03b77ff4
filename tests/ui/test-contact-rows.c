/* test-contact-rows.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact list as the window shows it, without a homeserver: direct
 * chats handed over as a /sync response, the contacts sorted by name
 * (case aside), and a rename moving one contact alone: the sorted model
 * says one position left and one came, and a row bound to the contact
 * shows the new name in place.
 */

#include "config.h"

#include <adwaita.h>

#include "handset-contact-list.h"
#include "handset-contact-row.h"
#include "handset-sync-batch.h"

#define OWN "@me:example.org"

static void
feed (HandsetRooms *rooms, const char *json)
{
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr (GError) error = NULL;
  HandsetSyncBatch *batch = handset_sync_batch_new_from_bytes (bytes, "s0", 0, &error);

  g_assert_no_error (error);
  handset_rooms_handle_batch (rooms, batch);
  handset_sync_batch_unref (batch);
}

/* A joined room of two: us and @user, under @name. */
static char *
room_json (const char *room_id, const char *user, const char *name)
{
  return g_strdup_printf (
      "\"%s\":{\"timeline\":{\"limited\":false,\"prev_batch\":\"t\",\"events\":["
      "{\"type\":\"m.room.member\",\"state_key\":\"" OWN "\",\"sender\":\"" OWN "\","
      "\"event_id\":\"$a%s\",\"origin_server_ts\":1,\"content\":{\"membership\":\"join\"}},"
      "{\"type\":\"m.room.member\",\"state_key\":\"%s\",\"sender\":\"%s\",\"event_id\":\"$b%s%s\","
      "\"origin_server_ts\":2,\"content\":{\"membership\":\"join\",\"displayname\":\"%s\"}}]}}",
      room_id, room_id + 1, user, user, room_id + 1, name, name);
}

static char *
sync_json (const char *rooms)
{
  return g_strdup_printf ("{\"next_batch\":\"s\",\"rooms\":{\"join\":{%s}}}", rooms);
}

static const char *
name_at (GListModel *model, guint position)
{
  g_autoptr (HandsetContact) contact = g_list_model_get_item (model, position);

  return handset_contact_get_display_name (contact);
}

typedef struct
{
  guint count, removed, added;
} Changes;

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, Changes *changes)
{
  changes->count++;
  changes->removed += removed;
  changes->added += added;
}

static void
test_sorted_and_renamed (void)
{
  g_autoptr (HandsetRooms) rooms = handset_rooms_new (OWN);
  g_autoptr (HandsetContactList) list = handset_contact_list_new (rooms);
  g_autoptr (GListModel) sorted = handset_contact_rows_sort (g_object_ref (G_LIST_MODEL (list)));
  g_autofree char *carol = room_json ("!c:example.org", "@carol:example.org", "Carol");
  g_autofree char *alice = room_json ("!a:example.org", "@alice:example.org", "alice");
  g_autofree char *bob = room_json ("!b:example.org", "@bob:example.org", "Bob");
  g_autofree char *rooms_json = g_strdup_printf ("%s,%s,%s", carol, alice, bob);
  g_autofree char *first = sync_json (rooms_json);
  g_autofree char *zed = room_json ("!b:example.org", "@bob:example.org", "Zed");
  g_autofree char *rename = sync_json (zed);
  g_autoptr (HandsetContact) bob_contact = NULL;
  GtkWidget *row;
  Changes changes = { 0 };

  feed (rooms, first);
  g_assert_cmpuint (g_list_model_get_n_items (sorted), ==, 3);
  /* By name, case aside. */
  g_assert_cmpstr (name_at (sorted, 0), ==, "alice");
  g_assert_cmpstr (name_at (sorted, 1), ==, "Bob");
  g_assert_cmpstr (name_at (sorted, 2), ==, "Carol");

  bob_contact = g_list_model_get_item (sorted, 1);
  row = g_object_ref_sink (handset_contact_row_new ());
  handset_contact_row_bind (HANDSET_CONTACT_ROW (row), bob_contact, NULL);
  g_assert_cmpstr (handset_contact_row_get_title (HANDSET_CONTACT_ROW (row)), ==, "Bob");
  g_assert_cmpstr (handset_contact_row_get_subtitle (HANDSET_CONTACT_ROW (row)), ==,
                   "@bob:example.org");

  /* bob becomes Zed: he alone moves, to the end; the rest stay where
   * they are, and nothing is rebuilt. */
  g_signal_connect (sorted, "items-changed", G_CALLBACK (on_items_changed), &changes);
  feed (rooms, rename);
  g_assert_cmpstr (name_at (sorted, 0), ==, "alice");
  g_assert_cmpstr (name_at (sorted, 1), ==, "Carol");
  g_assert_cmpstr (name_at (sorted, 2), ==, "Zed");
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  {
    g_autoptr (HandsetContact) moved = g_list_model_get_item (sorted, 2);

    g_assert_true (moved == bob_contact);
  }

  /* His row, still bound, says the new name, and its call button too. */
  g_assert_cmpstr (handset_contact_row_get_title (HANDSET_CONTACT_ROW (row)), ==, "Zed");
  {
    gboolean found = FALSE;

    for (GtkWidget *child = gtk_widget_get_first_child (row); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      found |=
          GTK_IS_BUTTON (child) && g_strcmp0 (gtk_widget_get_tooltip_text (child), "Call Zed") == 0;
    g_assert_true (found);
  }

  /* Unbound, it follows him no more. */
  handset_contact_row_unbind (HANDSET_CONTACT_ROW (row));
  g_assert_null (handset_contact_row_get_contact (HANDSET_CONTACT_ROW (row)));
  g_object_unref (row);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/contact-rows/sorted-and-renamed", test_sorted_and_renamed);

  return g_test_run ();
}
