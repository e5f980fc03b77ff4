/* test-contact-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact list kept up to date batch by batch: after each of many
 * random batches (renames, joins, leaves, m.direct, rooms joined and left)
 * it holds what a list built afresh from the same rooms holds, and what it
 * told its watchers leads to that list; a rename is told at one position,
 * and worked out from the renamed room alone.
 */

#include "config.h"

#include "handset-contact-list.h"
#include "handset-sync-batch.h"

#define OWN       "@me:example.org"
#define N_USERS   6
#define N_ROOMS   8
#define N_BATCHES 400

static void
feed_object (HandsetRooms *rooms, JsonObject *root)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), root);
  g_autofree char *json = json_to_string (node, FALSE);
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr (GError) error = NULL;
  HandsetSyncBatch *batch = handset_sync_batch_new_from_bytes (bytes, "s0", 0, &error);

  g_assert_no_error (error);
  handset_rooms_handle_batch (rooms, batch);
  handset_sync_batch_unref (batch);
}

static JsonObject *
member_event (const char *user_id, const char *membership, const char *name, const char *avatar)
{
  static guint serial;
  JsonObject *event = json_object_new ();
  JsonObject *content = json_object_new ();
  g_autofree char *event_id = g_strdup_printf ("$e%u", ++serial);

  json_object_set_string_member (event, "type", "m.room.member");
  json_object_set_string_member (event, "state_key", user_id);
  json_object_set_string_member (event, "sender", user_id);
  json_object_set_string_member (event, "event_id", event_id);
  json_object_set_int_member (event, "origin_server_ts", serial);
  json_object_set_string_member (content, "membership", membership);
  if (name != NULL)
    json_object_set_string_member (content, "displayname", name);
  if (avatar != NULL)
    json_object_set_string_member (content, "avatar_url", avatar);
  json_object_set_object_member (event, "content", content);

  return event;
}

/* A sync response being written: rooms.join.ID.timeline.events, etc. */
typedef struct
{
  JsonObject *root;
  JsonObject *join;
  JsonObject *leave;
} Batch;

static void
batch_init (Batch *batch)
{
  JsonObject *rooms = json_object_new ();

  batch->root = json_object_new ();
  batch->join = json_object_new ();
  batch->leave = json_object_new ();
  json_object_set_string_member (batch->root, "next_batch", "s");
  json_object_set_object_member (rooms, "join", batch->join);
  json_object_set_object_member (rooms, "leave", batch->leave);
  json_object_set_object_member (batch->root, "rooms", rooms);
}

static void
batch_add_event (Batch *batch, const char *room_id, JsonObject *event)
{
  JsonObject *room, *timeline;

  if (!json_object_has_member (batch->join, room_id))
    {
      room = json_object_new ();
      timeline = json_object_new ();
      json_object_set_boolean_member (timeline, "limited", FALSE);
      json_object_set_array_member (timeline, "events", json_array_new ());
      json_object_set_object_member (room, "timeline", timeline);
      json_object_set_object_member (batch->join, room_id, room);
    }
  room = json_object_get_object_member (batch->join, room_id);
  timeline = json_object_get_object_member (room, "timeline");
  json_array_add_object_element (json_object_get_array_member (timeline, "events"), event);
}

static void
batch_leave (Batch *batch, const char *room_id)
{
  json_object_set_object_member (batch->leave, room_id, json_object_new ());
}

static void
batch_set_direct (Batch *batch, JsonObject *content)
{
  JsonObject *account_data = json_object_new ();
  JsonArray *events = json_array_new ();
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", "m.direct");
  json_object_set_object_member (event, "content", content);
  json_array_add_object_element (events, event);
  json_object_set_array_member (account_data, "events", events);
  json_object_set_object_member (batch->root, "account_data", account_data);
}

static void
batch_feed (Batch *batch, HandsetRooms *rooms)
{
  feed_object (rooms, batch->root);
  json_object_unref (batch->root);
}

/* What a watcher of the model sees: the items, as its changes told. */
static void
mirror_cb (GListModel *model, guint position, guint removed, guint added, GPtrArray *mirror)
{
  g_assert_cmpuint (position + removed, <=, mirror->len);
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, (int) (position + i), g_list_model_get_item (model, position + i));
}

static void
assert_same (HandsetContactList *list, HandsetContactList *fresh, GPtrArray *mirror)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  g_assert_cmpuint (n, ==, g_list_model_get_n_items (G_LIST_MODEL (fresh)));
  g_assert_cmpuint (n, ==, mirror->len);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (HandsetContact) contact = g_list_model_get_item (G_LIST_MODEL (list), i);
      HandsetContact *other =
          handset_contact_list_find (fresh, handset_contact_get_user_id (contact));

      g_assert_true (g_ptr_array_index (mirror, i) == contact);
      g_assert_true (handset_contact_list_find (list, handset_contact_get_user_id (contact)) ==
                     contact);
      g_assert_nonnull (other);
      g_assert_cmpstr (handset_contact_get_display_name (contact), ==,
                       handset_contact_get_display_name (other));
      g_assert_cmpstr (handset_contact_get_avatar_url (contact), ==,
                       handset_contact_get_avatar_url (other));
      g_assert_cmpstr (handset_contact_get_room_id (contact), ==,
                       handset_contact_get_room_id (other));
    }
}

static const char *const names[] = { "Ann", "Bo", "Cy", NULL };
static const char *const avatars[] = { "mxc://example.org/a", "mxc://example.org/b", NULL };

static char *
random_user (GRand *rand)
{
  return g_strdup_printf ("@u%d:example.org", g_rand_int_range (rand, 0, N_USERS));
}

static void
random_batch (GRand *rand, HandsetRooms *rooms, guint *n_state_only)
{
  Batch batch;
  guint n_ops = g_rand_int_range (rand, 1, 4);
  gboolean state_only = g_rand_int_range (rand, 0, 2) == 0;
  g_autoptr (GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  batch_init (&batch);
  for (guint op = 0; op < n_ops; op++)
    {
      g_autofree char *room_id =
          g_strdup_printf ("!r%d:example.org", g_rand_int_range (rand, 0, N_ROOMS));
      g_autofree char *user_id = random_user (rand);
      HandsetRoom *room = handset_rooms_lookup (rooms, room_id);
      int kind = state_only ? g_rand_int_range (rand, 0, 3) : g_rand_int_range (rand, 0, 8);

      /* A room is either joined or left in one batch, not both. */
      if (g_hash_table_contains (touched, room_id))
        continue;
      if (room == NULL && kind != 6)
        {
          /* A new room: we and someone else, maybe someone more. */
          g_hash_table_add (touched, g_strdup (room_id));
          batch_add_event (&batch, room_id, member_event (OWN, "join", "Me", NULL));
          batch_add_event (&batch, room_id, member_event (user_id, "join", names[0], NULL));
          if (g_rand_boolean (rand))
            {
              g_autofree char *third = random_user (rand);

              batch_add_event (&batch, room_id, member_event (third, "invite", NULL, NULL));
            }
          continue;
        }

      switch (kind)
        {
          case 0: /* a rename, or a new picture, of someone in the room */
          case 1:
            {
              g_autoptr (GPtrArray) members = handset_room_get_members (room);
              const char *who;

              if (members->len == 0)
                break;
              who = g_ptr_array_index (members, g_rand_int_range (rand, 0, members->len));
              batch_add_event (&batch, room_id,
                               member_event (who, handset_room_get_membership (room, who),
                                             names[g_rand_int_range (rand, 0, 3)],
                                             avatars[g_rand_int_range (rand, 0, 3)]));
            }
            break;
          case 2: /* someone comes */
          case 3:
            batch_add_event (&batch, room_id,
                             member_event (user_id, g_rand_boolean (rand) ? "join" : "invite",
                                           names[g_rand_int_range (rand, 0, 3)], NULL));
            break;
          case 4: /* someone leaves, maybe we do */
            batch_add_event (&batch, room_id,
                             member_event (g_rand_int_range (rand, 0, 4) == 0 ? OWN : user_id,
                                           "leave", NULL, NULL));
            break;
          case 5: /* m.direct, written whole */
            {
              JsonObject *content = json_object_new ();

              for (int u = 0; u < N_USERS; u++)
                if (g_rand_boolean (rand))
                  {
                    g_autofree char *who = g_strdup_printf ("@u%d:example.org", u);
                    JsonArray *list = json_array_new ();

                    for (int r = g_rand_int_range (rand, 1, 3); r > 0; r--)
                      {
                        g_autofree char *id = g_strdup_printf ("!r%d:example.org",
                                                               g_rand_int_range (rand, 0, N_ROOMS));

                        json_array_add_string_element (list, id);
                      }
                    json_object_set_array_member (content, who, list);
                  }
              batch_set_direct (&batch, content);
            }
            break;
          case 6: /* we left the room */
            batch_leave (&batch, room_id);
            break;
          default: /* we come back, or someone else joins */
            batch_add_event (&batch, room_id, member_event (OWN, "join", "Me", NULL));
            break;
        }
      g_hash_table_add (touched, g_strdup (room_id));
    }
  if (state_only)
    (*n_state_only)++;
  batch_feed (&batch, rooms);
}

static void
test_random_batches (void)
{
  g_autoptr (HandsetRooms) rooms = handset_rooms_new (OWN);
  g_autoptr (HandsetContactList) list = handset_contact_list_new (rooms);
  g_autoptr (GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint n_state_only = 0, max_len = 0;

  g_signal_connect (list, "items-changed", G_CALLBACK (mirror_cb), mirror);
  for (guint i = 0; i < N_BATCHES; i++)
    {
      g_autoptr (HandsetContactList) fresh = NULL;

      random_batch (rand, rooms, &n_state_only);
      fresh = handset_contact_list_new (rooms);
      assert_same (list, fresh, mirror);
      max_len = MAX (max_len, mirror->len);
    }
  /* The batches did reach the paths they are here for. */
  g_assert_cmpuint (n_state_only, >, N_BATCHES / 4);
  g_assert_cmpuint (max_len, >=, 3);
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, GString *log)
{
  g_string_append_printf (log, "%u-%u+%u;", position, removed, added);
}

static void
test_rename_one_position (void)
{
  g_autoptr (HandsetRooms) rooms = handset_rooms_new (OWN);
  g_autoptr (HandsetContactList) list = handset_contact_list_new (rooms);
  g_autoptr (GString) log = g_string_new (NULL);
  g_autoptr (HandsetContact) third = NULL;
  g_autoptr (JsonObject) unseen = member_event ("@u4:example.org", "join", "Unseen", NULL);
  Batch batch;

  batch_init (&batch);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *room_id = g_strdup_printf ("!r%d:example.org", i);
      g_autofree char *user_id = g_strdup_printf ("@u%d:example.org", i);

      batch_add_event (&batch, room_id, member_event (OWN, "join", "Me", NULL));
      batch_add_event (&batch, room_id, member_event (user_id, "join", "Old", NULL));
    }
  batch_feed (&batch, rooms);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 5);
  third = g_list_model_get_item (G_LIST_MODEL (list), 2);
  g_assert_cmpstr (handset_contact_get_user_id (third), ==, "@u2:example.org");

  /* Behind the rooms' back, a name that only a walk over every room
   * would find: the rename below must not look at that room. */
  g_assert_true (
      handset_room_apply_state_event (handset_rooms_lookup (rooms, "!r4:example.org"), unseen));

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), log);
  batch_init (&batch);
  batch_add_event (&batch, "!r2:example.org",
                   member_event ("@u2:example.org", "join", "New", NULL));
  batch_feed (&batch, rooms);

  /* That one position leaves and comes back, the same contact, renamed. */
  g_assert_cmpstr (log->str, ==, "2-1+0;2-0+1;");
  g_assert_cmpstr (handset_contact_get_display_name (third), ==, "New");
  {
    g_autoptr (HandsetContact) again = g_list_model_get_item (G_LIST_MODEL (list), 2);
    g_autoptr (HandsetContact) last = g_list_model_get_item (G_LIST_MODEL (list), 4);

    g_assert_true (again == third);
    g_assert_cmpstr (handset_contact_get_display_name (last), ==, "Old");
  }

  /* A new picture alone moves nothing. */
  g_string_truncate (log, 0);
  batch_init (&batch);
  batch_add_event (&batch, "!r2:example.org",
                   member_event ("@u2:example.org", "join", "New", "mxc://example.org/new"));
  batch_feed (&batch, rooms);
  g_assert_cmpstr (log->str, ==, "");
  g_assert_cmpstr (handset_contact_get_avatar_url (third), ==, "mxc://example.org/new");

  /* A third person in that room: no longer a direct chat, worked out
   * from every room again. */
  batch_init (&batch);
  batch_add_event (&batch, "!r2:example.org",
                   member_event ("@u9:example.org", "join", "Nine", NULL));
  batch_feed (&batch, rooms);
  g_assert_null (handset_contact_list_find (list, "@u2:example.org"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/contact-list/random-batches", test_random_batches);
  g_test_add_func ("/contact-list/rename-one-position", test_rename_one_position);

  return g_test_run ();
}
