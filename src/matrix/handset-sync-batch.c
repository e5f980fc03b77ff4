/* handset-sync-batch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One /sync response, checked and sorted into rooms. A malformed event is
 * dropped on its own; a response that is not a sync response at all is an
 * error. Built off the main thread: a first sync can be tens of megabytes.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-json.h"
#include "handset-matrix-error.h"
#include "handset-sync-batch.h"
#include "handset-sync-json.h"

struct _HandsetSyncBatch
{
  gatomicrefcount ref_count;

  char *next_batch;
  char *since;
  gint64 received_us;
  GPtrArray *rooms;
  GPtrArray *account_data;
  GPtrArray *to_device;
  JsonArray *devices_changed;
  JsonArray *devices_left;
  JsonObject *one_time_key_counts;
  JsonArray *unused_fallback_key_types;
  GHashTable *decryption; /* JsonObject (a timeline event) → HandsetEventEncryption */
  guint n_events;
  guint n_dropped;
};

G_DEFINE_BOXED_TYPE (HandsetSyncBatch,
                     handset_sync_batch,
                     handset_sync_batch_ref,
                     handset_sync_batch_unref)

static void
sync_room_free (HandsetSyncRoom *room)
{
  g_free (room->room_id);
  g_ptr_array_unref (room->state);
  g_ptr_array_unref (room->timeline);
  g_free (room);
}

/**
 * handset_event_get_string:
 *
 * Returns: (nullable): the string member, or %NULL when it is missing or
 *   not a string
 */
const char *
handset_event_get_string (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/**
 * handset_event_get_object:
 *
 * Returns: (nullable) (transfer none): the object member, or %NULL when it
 *   is missing or not an object
 */
JsonObject *
handset_event_get_object (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

/**
 * handset_event_get_age:
 *
 * Returns: the event's `unsigned.age` in milliseconds, or -1 when the
 *   server gave none
 */
gint64
handset_event_get_age (JsonObject *event)
{
  JsonObject *unsigned_data = handset_event_get_object (event, "unsigned");
  JsonNode *node;

  if (unsigned_data == NULL)
    return -1;
  node = json_object_get_member (unsigned_data, "age");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;

  return MAX (json_node_get_int (node), 0);
}

/* A count of the summary: a whole number ≥ 0, else -1. */
static gint64
get_count (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return -1;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return -1;

  return MIN (json_node_get_int (node), G_MAXINT32);
}

static JsonArray *
get_array (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  return json_node_get_array (node);
}

/* Copies the well-formed events of @container.events into @out: objects
 * with a string `type`, and for room events a string `sender`. */
static void
collect_events (HandsetSyncBatch *self, JsonObject *container, gboolean room_events, GPtrArray *out)
{
  JsonArray *events = get_array (container, "events");

  if (events == NULL)
    return;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *event;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          self->n_dropped++;
          continue;
        }
      event = json_node_get_object (node);
      if (handset_event_get_string (event, "type") == NULL ||
          (room_events && handset_event_get_string (event, "sender") == NULL) ||
          (json_object_has_member (event, "content") &&
           handset_event_get_object (event, "content") == NULL))
        {
          self->n_dropped++;
          continue;
        }

      g_ptr_array_add (out, json_object_ref (event));
      self->n_events++;
    }
}

static void
collect_rooms (HandsetSyncBatch *self, JsonObject *rooms, const char *section)
{
  JsonObject *by_id = handset_event_get_object (rooms, section);
  HandsetMembership membership;
  JsonObjectIter iter;
  const char *room_id;
  JsonNode *node;

  if (by_id == NULL)
    return;

  if (g_str_equal (section, "join"))
    membership = HANDSET_MEMBERSHIP_JOIN;
  else if (g_str_equal (section, "invite"))
    membership = HANDSET_MEMBERSHIP_INVITE;
  else
    membership = HANDSET_MEMBERSHIP_LEAVE;

  json_object_iter_init (&iter, by_id);
  while (json_object_iter_next (&iter, &room_id, &node))
    {
      HandsetSyncRoom *room;
      JsonObject *room_object;
      JsonObject *timeline;

      if (!JSON_NODE_HOLDS_OBJECT (node) || room_id[0] != '!')
        {
          self->n_dropped++;
          continue;
        }
      room_object = json_node_get_object (node);

      room = g_new0 (HandsetSyncRoom, 1);
      room->room_id = g_strdup (room_id);
      room->membership = membership;
      room->state = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      room->timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      room->joined_count = -1;
      room->invited_count = -1;

      if (membership == HANDSET_MEMBERSHIP_INVITE)
        {
          collect_events (self, handset_event_get_object (room_object, "invite_state"), TRUE,
                          room->state);
        }
      else
        {
          JsonObject *summary = handset_event_get_object (room_object, "summary");

          collect_events (self, handset_event_get_object (room_object, "state"), TRUE, room->state);
          room->joined_count = get_count (summary, "m.joined_member_count");
          room->invited_count = get_count (summary, "m.invited_member_count");
          timeline = handset_event_get_object (room_object, "timeline");
          collect_events (self, timeline, TRUE, room->timeline);
          if (timeline != NULL && json_object_has_member (timeline, "limited"))
            {
              JsonNode *limited = json_object_get_member (timeline, "limited");

              room->limited = JSON_NODE_HOLDS_VALUE (limited) &&
                              json_node_get_value_type (limited) == G_TYPE_BOOLEAN &&
                              json_node_get_boolean (limited);
            }
        }

      g_ptr_array_add (self->rooms, room);
    }
}

static JsonArray *
ref_array (JsonObject *object, const char *member)
{
  JsonArray *array = get_array (object, member);

  return array ? json_array_ref (array) : NULL;
}

/* What the encryption needs of the response besides events. */
static void
collect_keys (HandsetSyncBatch *self, JsonObject *root)
{
  JsonObject *device_lists = handset_event_get_object (root, "device_lists");
  JsonObject *counts = handset_event_get_object (root, "device_one_time_keys_count");

  self->devices_changed = ref_array (device_lists, "changed");
  self->devices_left = ref_array (device_lists, "left");
  self->one_time_key_counts = counts ? json_object_ref (counts) : NULL;
  self->unused_fallback_key_types = ref_array (root, "device_unused_fallback_key_types");
}

/**
 * handset_sync_batch_new_from_bytes:
 * @since: (nullable): the `since` token the request carried
 * @received_us: the monotonic time the response arrived, for judging how
 *   old its events are
 *
 * Returns: (transfer full) (nullable): the batch, or %NULL with an error
 *   in %HANDSET_MATRIX_ERROR when @bytes is not a sync response
 */
HandsetSyncBatch *
handset_sync_batch_new_from_bytes (GBytes *bytes,
                                   const char *since,
                                   gint64 received_us,
                                   GError **error)
{
  /* What no part of Handset reads, above the events: not built. */
  static const char *const unread[] = {
    "ephemeral", "unread_notifications", "unread_thread_notifications", "presence", NULL,
  };
  g_autoptr (JsonNode) root_node = NULL;
  g_autoptr (HandsetSyncBatch) self = NULL;
  JsonObject *root;
  const char *next_batch;
  gboolean too_deep = FALSE;
  gsize offset = 0;

  /* Read in one pass from the response's bytes, without a copy of them;
   * the tree above the events goes when this returns. */
  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    root_node = handset_sync_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                         HANDSET_JSON_MAX_DEPTH, unread, 4, &too_deep, &offset);
  if (too_deep)
    {
      g_set_error_literal (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                           _ ("The homeserver sent a sync answer nested too deep to read"));
      return NULL;
    }
  if (root_node == NULL)
    {
      g_set_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                   _ ("The homeserver sent a sync answer that is not valid JSON (at byte %zu)"),
                   offset);
      return NULL;
    }

  root = JSON_NODE_HOLDS_OBJECT (root_node) ? json_node_get_object (root_node) : NULL;
  next_batch = handset_event_get_string (root, "next_batch");
  if (next_batch == NULL || *next_batch == '\0')
    {
      g_set_error_literal (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                           _ ("The homeserver sent a sync answer without a position"));
      return NULL;
    }

  self = g_new0 (HandsetSyncBatch, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->next_batch = g_strdup (next_batch);
  self->since = g_strdup (since);
  self->received_us = received_us;
  self->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_room_free);
  self->account_data = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->to_device = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  /* To-device first, as the reference clients do: keys may come that way
   * before the room events that need them. */
  collect_events (self, handset_event_get_object (root, "to_device"), TRUE, self->to_device);
  collect_events (self, handset_event_get_object (root, "account_data"), FALSE, self->account_data);
  collect_rooms (self, handset_event_get_object (root, "rooms"), "join");
  collect_rooms (self, handset_event_get_object (root, "rooms"), "invite");
  collect_rooms (self, handset_event_get_object (root, "rooms"), "leave");
  collect_keys (self, root);

  if (self->n_dropped > 0)
    g_debug ("Sync answer: %u malformed events dropped", self->n_dropped);

  return g_steal_pointer (&self);
}

/**
 * handset_sync_batch_new_late:
 * @received_us: when the events first came, for judging their age
 *
 * An empty batch for room events that could only be decrypted after the
 * batch they came in; fill it with handset_sync_batch_add_late_event().
 */
HandsetSyncBatch *
handset_sync_batch_new_late (gint64 received_us)
{
  HandsetSyncBatch *self = g_new0 (HandsetSyncBatch, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->next_batch = g_strdup ("");
  self->since = g_strdup ("");
  self->received_us = received_us;
  self->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_room_free);
  self->account_data = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->to_device = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  return self;
}

/**
 * handset_sync_batch_add_late_event:
 * @event: a decrypted timeline event of a joined room
 */
void
handset_sync_batch_add_late_event (HandsetSyncBatch *self,
                                   const char *room_id,
                                   JsonObject *event,
                                   const HandsetEventEncryption *encryption)
{
  HandsetSyncRoom *room = NULL;

  for (guint i = 0; i < self->rooms->len && room == NULL; i++)
    if (g_str_equal (((HandsetSyncRoom *) g_ptr_array_index (self->rooms, i))->room_id, room_id))
      room = g_ptr_array_index (self->rooms, i);
  if (room == NULL)
    {
      room = g_new0 (HandsetSyncRoom, 1);
      room->room_id = g_strdup (room_id);
      room->membership = HANDSET_MEMBERSHIP_JOIN;
      room->state = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      room->timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      room->joined_count = -1;
      room->invited_count = -1;
      g_ptr_array_add (self->rooms, room);
    }
  g_ptr_array_add (room->timeline, json_object_ref (event));
  handset_sync_batch_set_encryption (self, event, encryption);
  self->n_events++;
}

static void
event_encryption_free (HandsetEventEncryption *encryption)
{
  g_free (encryption->sender_device);
  g_free (encryption);
}

/**
 * handset_sync_batch_set_encryption:
 * @event: an event of this batch's timelines
 * @encryption: how it came: decrypted, from which device
 *
 * Marks @event as decrypted. Only the encryption layer calls this, on
 * the main thread, before the batch is handed on.
 */
void
handset_sync_batch_set_encryption (HandsetSyncBatch *self,
                                   JsonObject *event,
                                   const HandsetEventEncryption *encryption)
{
  HandsetEventEncryption *copy = g_new0 (HandsetEventEncryption, 1);

  if (self->decryption == NULL)
    self->decryption =
        g_hash_table_new_full (g_direct_hash, g_direct_equal, (GDestroyNotify) json_object_unref,
                               (GDestroyNotify) event_encryption_free);
  *copy = *encryption;
  copy->sender_device = g_strdup (encryption->sender_device);
  g_hash_table_insert (self->decryption, json_object_ref (event), copy);
}

/**
 * handset_sync_batch_replace_event:
 * @timeline: a timeline of this batch's rooms
 * @index: the place of the encrypted event in it
 * @decrypted: what it decrypted to
 *
 * Puts the decrypted event where the encrypted one was.
 */
void
handset_sync_batch_replace_event (HandsetSyncBatch *self,
                                  GPtrArray *timeline,
                                  guint index,
                                  JsonObject *decrypted,
                                  const HandsetEventEncryption *encryption)
{
  g_return_if_fail (index < timeline->len);

  json_object_unref (g_ptr_array_index (timeline, index));
  g_ptr_array_index (timeline, index) = json_object_ref (decrypted);
  handset_sync_batch_set_encryption (self, decrypted, encryption);
}

/**
 * handset_sync_batch_get_encryption:
 *
 * Returns: (nullable): how @event was encrypted; %NULL for an event that
 *   came in clear (or could not be decrypted)
 */
const HandsetEventEncryption *
handset_sync_batch_get_encryption (HandsetSyncBatch *self, JsonObject *event)
{
  return self->decryption ? g_hash_table_lookup (self->decryption, event) : NULL;
}

/**
 * handset_sync_batch_get_device_lists:
 * @changed: (out) (transfer none) (nullable): `device_lists.changed`
 * @left: (out) (transfer none) (nullable): `device_lists.left`
 */
void
handset_sync_batch_get_device_lists (HandsetSyncBatch *self, JsonArray **changed, JsonArray **left)
{
  *changed = self->devices_changed;
  *left = self->devices_left;
}

/**
 * handset_sync_batch_get_key_counts:
 * @counts: (out) (transfer none) (nullable): `device_one_time_keys_count`
 * @unused_fallback: (out) (transfer none) (nullable):
 *   `device_unused_fallback_key_types`
 */
void
handset_sync_batch_get_key_counts (HandsetSyncBatch *self,
                                   JsonObject **counts,
                                   JsonArray **unused_fallback)
{
  *counts = self->one_time_key_counts;
  *unused_fallback = self->unused_fallback_key_types;
}

HandsetSyncBatch *
handset_sync_batch_ref (HandsetSyncBatch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
handset_sync_batch_unref (HandsetSyncBatch *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->next_batch);
  g_free (self->since);
  g_ptr_array_unref (self->rooms);
  g_ptr_array_unref (self->account_data);
  g_ptr_array_unref (self->to_device);
  g_clear_pointer (&self->devices_changed, json_array_unref);
  g_clear_pointer (&self->devices_left, json_array_unref);
  g_clear_pointer (&self->one_time_key_counts, json_object_unref);
  g_clear_pointer (&self->unused_fallback_key_types, json_array_unref);
  g_clear_pointer (&self->decryption, g_hash_table_unref);
  g_free (self);
}

const char *
handset_sync_batch_get_next_batch (HandsetSyncBatch *self)
{
  return self->next_batch;
}

/**
 * handset_sync_batch_get_since:
 *
 * Returns: (nullable): the position this batch continues from; %NULL for
 *   a first sync
 */
const char *
handset_sync_batch_get_since (HandsetSyncBatch *self)
{
  return self->since;
}

gboolean
handset_sync_batch_is_initial (HandsetSyncBatch *self)
{
  return self->since == NULL;
}

/**
 * handset_sync_batch_get_received_time:
 *
 * Returns: the monotonic time (g_get_monotonic_time()) when the response
 *   arrived: an event's age now is its `unsigned.age` plus the time since
 */
gint64
handset_sync_batch_get_received_time (HandsetSyncBatch *self)
{
  return self->received_us;
}

guint
handset_sync_batch_get_n_rooms (HandsetSyncBatch *self)
{
  return self->rooms->len;
}

const HandsetSyncRoom *
handset_sync_batch_get_room (HandsetSyncBatch *self, guint index)
{
  g_return_val_if_fail (index < self->rooms->len, NULL);

  return g_ptr_array_index (self->rooms, index);
}

/**
 * handset_sync_batch_get_account_data:
 *
 * Returns: (transfer none) (element-type JsonObject): global account data
 */
GPtrArray *
handset_sync_batch_get_account_data (HandsetSyncBatch *self)
{
  return self->account_data;
}

/**
 * handset_sync_batch_get_to_device:
 *
 * Returns: (transfer none) (element-type JsonObject): to-device events
 */
GPtrArray *
handset_sync_batch_get_to_device (HandsetSyncBatch *self)
{
  return self->to_device;
}

guint
handset_sync_batch_get_n_events (HandsetSyncBatch *self)
{
  return self->n_events;
}

guint
handset_sync_batch_get_n_dropped (HandsetSyncBatch *self)
{
  return self->n_dropped;
}
