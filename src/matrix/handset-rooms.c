/* handset-rooms.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rooms we are in, kept from sync batches: their state, and the
 * `m.direct` account data that says which are direct chats. Emits
 * ::changed once per batch that changed anything, saying whether the set
 * of rooms or `m.direct` changed, or else which rooms' state did.
 * handset-sync saves what changed (handset_rooms_save()) with each sync
 * position and restores it at start (handset_rooms_load()); members are
 * loaded lazily, and the whole list of a room fetched once when
 * encryption needs it.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-matrix-error.h"
#include "handset-room-store.h"
#include "handset-rooms.h"

struct _HandsetRooms
{
  GObject parent_instance;

  char *own_user_id;
  GHashTable *joined; /* room ID → HandsetRoom */
  JsonObject *direct; /* the m.direct content */

  /* Not saved yet */
  GHashTable *left; /* room IDs */
  gboolean direct_changed;
  gboolean unsaved; /* a save is not known to be committed */

  GHashTable *loading; /* room ID → GPtrArray of GTask, waiting for /members */
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
  g_hash_table_unref (self->left);
  g_hash_table_unref (self->loading);
  g_clear_pointer (&self->direct, json_object_unref);

  G_OBJECT_CLASS (handset_rooms_parent_class)->finalize (object);
}

static void
handset_rooms_class_init (HandsetRoomsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_rooms_finalize;

  /**
   * HandsetRooms::changed:
   * @structural: rooms were joined or left, or `m.direct` changed (or
   *   everything was restored): anything may have changed
   * @rooms: (nullable) (element-type utf8 utf8): when not @structural, the
   *   IDs of the joined rooms whose state changed, as a set
   *
   * A batch changed a room, the list of rooms, or the direct chats.
   */
  signals[SIGNAL_CHANGED] =
      g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_HASH_TABLE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
handset_rooms_init (HandsetRooms *self)
{
  self->joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->loading =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
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
  g_autoptr (GHashTable) changed_rooms = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean structural = FALSE;

  g_return_if_fail (HANDSET_IS_ROOMS (self));

  for (guint i = 0; i < account_data->len; i++)
    {
      JsonObject *event = g_ptr_array_index (account_data, i);
      JsonObject *content = handset_event_get_object (event, "content");

      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.direct") == 0 && content)
        {
          g_clear_pointer (&self->direct, json_object_unref);
          self->direct = json_object_ref (content);
          self->direct_changed = TRUE;
          structural = TRUE;
        }
    }

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *sync_room = handset_sync_batch_get_room (batch, i);
      HandsetRoom *room;
      gboolean changed = FALSE;

      if (sync_room->membership == HANDSET_MEMBERSHIP_LEAVE)
        {
          if (g_hash_table_remove (self->joined, sync_room->room_id))
            {
              g_hash_table_add (self->left, g_strdup (sync_room->room_id));
              structural = TRUE;
            }
          continue;
        }
      if (sync_room->membership != HANDSET_MEMBERSHIP_JOIN)
        continue;

      room = g_hash_table_lookup (self->joined, sync_room->room_id);
      if (room == NULL)
        {
          room = handset_room_new (sync_room->room_id);
          g_hash_table_insert (self->joined, g_strdup (sync_room->room_id), room);
          g_hash_table_remove (self->left, sync_room->room_id);
          structural = TRUE;
        }
      /* A gap may hide members who came or went: the list is no longer
       * whole, and is fetched again when encryption needs it. */
      if (sync_room->limited)
        handset_room_set_members_loaded (room, FALSE);
      changed |= apply_events (room, sync_room->state);
      changed |= apply_events (room, sync_room->timeline);
      changed |=
          handset_room_apply_summary (room, sync_room->joined_count, sync_room->invited_count);
      if (changed)
        g_hash_table_add (changed_rooms, (gpointer) handset_room_get_id (room));
    }

  if (structural)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, TRUE, NULL);
  else if (g_hash_table_size (changed_rooms) > 0)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, FALSE, changed_rooms);
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

/**
 * handset_rooms_load:
 * @account: whose rooms (`user/device`)
 *
 * Restores the rooms and `m.direct` that handset_rooms_save() kept,
 * replacing what is known. Emits ::changed when any room came back.
 */
gboolean
handset_rooms_load (HandsetRooms *self, HandsetStore *store, const char *account, GError **error)
{
  g_autoptr (GHashTable) rooms =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  JsonObject *direct = NULL;
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (HANDSET_IS_ROOMS (self), FALSE);

  if (!handset_room_store_load (store, account, rooms, &direct, error))
    return FALSE;

  g_hash_table_unref (self->joined);
  self->joined = g_steal_pointer (&rooms);
  g_clear_pointer (&self->direct, json_object_unref);
  self->direct = direct;
  g_hash_table_remove_all (self->left);
  self->direct_changed = FALSE;
  self->unsaved = FALSE;
  g_debug ("%u rooms restored in %" G_GINT64_FORMAT " ms", g_hash_table_size (self->joined),
           (g_get_monotonic_time () - start) / 1000);

  if (g_hash_table_size (self->joined) > 0 || self->direct != NULL)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, TRUE, NULL);

  return TRUE;
}

/**
 * handset_rooms_save:
 *
 * Writes what changed since the last save or load. handset-sync calls it
 * inside the transaction that stores the sync position, and
 * handset_rooms_saved() once that is committed.
 */
gboolean
handset_rooms_save (HandsetRooms *self, HandsetStore *store, const char *account, GError **error)
{
  g_autoptr (HandsetRoomWriter) writer = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (HANDSET_IS_ROOMS (self), FALSE);

  /* The last save was rolled back, and what it had marked saved with it:
   * everything is written again, over nothing. */
  if (self->unsaved)
    {
      if (!handset_room_store_forget (store, account, error))
        return FALSE;
      g_hash_table_iter_init (&iter, self->joined);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        handset_room_mark_unsaved (value);
      self->direct_changed = TRUE;
    }
  self->unsaved = TRUE; /* until this save is committed */

  writer = handset_room_writer_new (store, account, error);
  if (writer == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, self->left);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!handset_room_store_delete_room (store, account, key, error))
      return FALSE;
  g_hash_table_remove_all (self->left);

  g_hash_table_iter_init (&iter, self->joined);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!handset_room_writer_save (writer, value, error))
      return FALSE;

  if (self->direct_changed && self->direct != NULL &&
      !handset_room_store_save_direct (store, account, self->direct, error))
    return FALSE;
  self->direct_changed = FALSE;

  return TRUE;
}

/**
 * handset_rooms_saved:
 *
 * The transaction of the last handset_rooms_save() was committed; without
 * this, the next save writes everything again.
 */
void
handset_rooms_saved (HandsetRooms *self)
{
  g_return_if_fail (HANDSET_IS_ROOMS (self));

  self->unsaved = FALSE;
}

/**
 * handset_rooms_forget:
 *
 * Forgets every room, in memory and in @store (at logout, or before a
 * sync from the start).
 */
gboolean
handset_rooms_forget (HandsetRooms *self, HandsetStore *store, GError **error)
{
  g_return_val_if_fail (HANDSET_IS_ROOMS (self), FALSE);

  g_hash_table_remove_all (self->joined);
  g_hash_table_remove_all (self->left);
  g_clear_pointer (&self->direct, json_object_unref);
  self->direct_changed = FALSE;
  self->unsaved = FALSE;

  return store == NULL || handset_room_store_forget (store, NULL, error);
}

typedef struct
{
  HandsetRooms *rooms;
  char *room_id;
} MembersLoad;

static void
members_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MembersLoad *load = user_data;
  HandsetRooms *self = load->rooms;
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) waiting = NULL;
  HandsetRoom *room;
  JsonNode *chunk;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  g_hash_table_steal_extended (self->loading, load->room_id, NULL, (gpointer *) &waiting);
  room = g_hash_table_lookup (self->joined, load->room_id);
  chunk = response ? json_object_get_member (response, "chunk") : NULL;

  if (response != NULL && (chunk == NULL || !JSON_NODE_HOLDS_ARRAY (chunk)))
    error = g_error_new_literal (HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                                 _ ("The homeserver sent a list of members that cannot be read"));
  if (error == NULL && room != NULL)
    {
      guint before = handset_room_get_n_members (room);

      if (handset_room_set_members (room, json_node_get_array (chunk)) ||
          before != handset_room_get_n_members (room))
        {
          g_autoptr (GHashTable) changed = g_hash_table_new (g_str_hash, g_str_equal);

          g_hash_table_add (changed, load->room_id);
          g_signal_emit (self, signals[SIGNAL_CHANGED], 0, FALSE, changed);
        }
      g_debug ("Members of %s loaded: %u", load->room_id, handset_room_get_n_members (room));
    }

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }

  g_object_unref (load->rooms);
  g_free (load->room_id);
  g_free (load);
}

/**
 * handset_rooms_load_members_async:
 *
 * Makes the member list of a joined room whole, fetching
 * `/rooms/{roomId}/members?not_membership=leave` unless it is whole
 * already; several callers share one request. The list is saved with the
 * next sync position and kept whole until a gap in the room's timeline.
 */
void
handset_rooms_load_members_async (HandsetRooms *self,
                                  HandsetMatrixClient *client,
                                  const char *room_id,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task;
  HandsetRoom *room;
  GPtrArray *waiting;
  MembersLoad *load;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (HANDSET_IS_ROOMS (self));
  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (client));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_rooms_load_members_async);
  room = g_hash_table_lookup (self->joined, room_id);
  if (room == NULL || handset_room_get_members_loaded (room))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  waiting = g_hash_table_lookup (self->loading, room_id);
  if (waiting != NULL)
    {
      g_ptr_array_add (waiting, task);
      return;
    }
  waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting, task);
  g_hash_table_insert (self->loading, g_strdup (room_id), waiting);

  load = g_new0 (MembersLoad, 1);
  load->rooms = g_object_ref (self);
  load->room_id = g_strdup (room_id);
  escaped = g_uri_escape_string (room_id, NULL, FALSE);
  path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/members", escaped);
  /* One request for every caller: none of their cancellables stops it. */
  handset_matrix_client_request_async (client, "GET", path, "not_membership=leave", NULL,
                                       HANDSET_REQUEST_AUTH, NULL, members_cb, load);
}

gboolean
handset_rooms_load_members_finish (HandsetRooms *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
