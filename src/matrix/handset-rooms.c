/* handset-rooms.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rooms we are in, kept from sync batches: their state, and the
 * `m.direct` account data that says which are direct chats. Emits
 * ::changed once per batch that changed anything.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-rooms.h"

struct _HandsetRooms
{
  GObject parent_instance;

  char *own_user_id;
  GHashTable *joined; /* room ID → HandsetRoom */
  JsonObject *direct; /* the m.direct content */
};

G_DEFINE_FINAL_TYPE (HandsetRooms, handset_rooms, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
handset_rooms_finalize (GObject *object)
{
  HandsetRooms *self = HANDSET_ROOMS (object);

  g_free (self->own_user_id);
  g_hash_table_unref (self->joined);
  g_clear_pointer (&self->direct, json_object_unref);

  G_OBJECT_CLASS (handset_rooms_parent_class)->finalize (object);
}

static void
handset_rooms_class_init (HandsetRoomsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_rooms_finalize;

  /**
   * HandsetRooms::changed:
   *
   * A batch changed a room, the list of rooms, or the direct chats.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
handset_rooms_init (HandsetRooms *self)
{
  self->joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

HandsetRooms *
handset_rooms_new (const char *own_user_id)
{
  HandsetRooms *self = g_object_new (HANDSET_TYPE_ROOMS, NULL);

  self->own_user_id = g_strdup (own_user_id);

  return self;
}

const char *
handset_rooms_get_own_user_id (HandsetRooms *self)
{
  g_return_val_if_fail (HANDSET_IS_ROOMS (self), NULL);

  return self->own_user_id;
}

static gboolean
apply_events (HandsetRoom *room, GPtrArray *events)
{
  gboolean changed = FALSE;

  for (guint i = 0; i < events->len; i++)
    changed |= handset_room_apply_state_event (room, g_ptr_array_index (events, i));

  return changed;
}

/**
 * handset_rooms_handle_batch:
 *
 * Applies a sync batch: state before timeline, room by room.
 */
void
handset_rooms_handle_batch (HandsetRooms *self, HandsetSyncBatch *batch)
{
  GPtrArray *account_data = handset_sync_batch_get_account_data (batch);
  gboolean changed = FALSE;

  g_return_if_fail (HANDSET_IS_ROOMS (self));

  for (guint i = 0; i < account_data->len; i++)
    {
      JsonObject *event = g_ptr_array_index (account_data, i);
      JsonObject *content = handset_event_get_object (event, "content");

      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.direct") == 0 && content)
        {
          g_clear_pointer (&self->direct, json_object_unref);
          self->direct = json_object_ref (content);
          changed = TRUE;
        }
    }

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *sync_room = handset_sync_batch_get_room (batch, i);
      HandsetRoom *room;

      if (sync_room->membership == HANDSET_MEMBERSHIP_LEAVE)
        {
          changed |= g_hash_table_remove (self->joined, sync_room->room_id);
          continue;
        }
      if (sync_room->membership != HANDSET_MEMBERSHIP_JOIN)
        continue;

      room = g_hash_table_lookup (self->joined, sync_room->room_id);
      if (room == NULL)
        {
          room = handset_room_new (sync_room->room_id);
          g_hash_table_insert (self->joined, g_strdup (sync_room->room_id), room);
          changed = TRUE;
        }
      changed |= apply_events (room, sync_room->state);
      changed |= apply_events (room, sync_room->timeline);
    }

  if (changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * handset_rooms_lookup:
 *
 * Returns: (transfer none) (nullable): a room we have joined
 */
HandsetRoom *
handset_rooms_lookup (HandsetRooms *self, const char *room_id)
{
  g_return_val_if_fail (HANDSET_IS_ROOMS (self), NULL);

  return g_hash_table_lookup (self->joined, room_id);
}

/**
 * handset_rooms_get_joined:
 *
 * Returns: (transfer container) (element-type HandsetRoom): the rooms we
 *   have joined
 */
GPtrArray *
handset_rooms_get_joined (HandsetRooms *self)
{
  GPtrArray *rooms = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->joined);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (rooms, value);

  return rooms;
}

/**
 * handset_rooms_get_direct:
 *
 * Returns: (transfer none) (nullable): the latest `m.direct` content
 */
JsonObject *
handset_rooms_get_direct (HandsetRooms *self)
{
  g_return_val_if_fail (HANDSET_IS_ROOMS (self), NULL);

  return self->direct;
}

/**
 * handset_rooms_get_direct_rooms:
 *
 * Returns: (transfer container) (element-type utf8): the room IDs that
 *   `m.direct` lists for @user_id, in its order
 */
GPtrArray *
handset_rooms_get_direct_rooms (HandsetRooms *self, const char *user_id)
{
  GPtrArray *rooms = g_ptr_array_new ();
  JsonNode *node;
  JsonArray *array;

  if (self->direct == NULL || (node = json_object_get_member (self->direct, user_id)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return rooms;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_ptr_array_add (rooms, (gpointer) json_node_get_string (element));
    }

  return rooms;
}
