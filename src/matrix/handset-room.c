/* handset-room.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What Handset knows of one room from its state: name, avatar, join rule,
 * encryption, and who is in it (joined or invited) under which name.
 * Members are loaded lazily: a sync names those who matter to its
 * timeline and the room's summary counts the rest; the whole list is
 * fetched once when encryption needs it (handset_rooms_load_members_async()).
 * What changed since the last save is marked for handset-room-store.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-room-private.h"
#include "handset-sync-batch.h"

G_DEFINE_FINAL_TYPE (HandsetRoom, handset_room, G_TYPE_OBJECT)

void
handset_room_member_free (HandsetRoomMember *member)
{
  g_free (member->membership);
  g_free (member->display_name);
  g_free (member->avatar_url);
  g_free (member);
}

static void
handset_room_finalize (GObject *object)
{
  HandsetRoom *self = HANDSET_ROOM (object);

  g_free (self->room_id);
  g_free (self->name);
  g_free (self->avatar_url);
  g_free (self->join_rule);
  g_free (self->history_visibility);
  g_hash_table_unref (self->members);
  g_clear_pointer (&self->changed_members, g_hash_table_unref);

  G_OBJECT_CLASS (handset_room_parent_class)->finalize (object);
}

static void
handset_room_class_init (HandsetRoomClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_room_finalize;
}

static void
handset_room_init (HandsetRoom *self)
{
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) handset_room_member_free);
  self->joined_count = -1;
  self->invited_count = -1;
  self->dirty = TRUE; /* a new room is saved even when nothing else is known */
}

HandsetRoom *
handset_room_new (const char *room_id)
{
  HandsetRoom *self = g_object_new (HANDSET_TYPE_ROOM, NULL);

  self->room_id = g_strdup (room_id);

  return self;
}

const char *
handset_room_get_id (HandsetRoom *self)
{
  return self->room_id;
}

/**
 * handset_room_get_name:
 *
 * Returns: (nullable): the room's `m.room.name`
 */
const char *
handset_room_get_name (HandsetRoom *self)
{
  return self->name;
}

/**
 * handset_room_get_avatar_url:
 *
 * Returns: (nullable): the room's avatar, an `mxc://` URI
 */
const char *
handset_room_get_avatar_url (HandsetRoom *self)
{
  return self->avatar_url;
}

/**
 * handset_room_get_join_rule:
 *
 * Returns: the join rule; `invite` when the room has said nothing
 */
const char *
handset_room_get_join_rule (HandsetRoom *self)
{
  return self->join_rule ? self->join_rule : "invite";
}

gboolean
handset_room_is_public (HandsetRoom *self)
{
  return g_strcmp0 (self->join_rule, "public") == 0;
}

gboolean
handset_room_is_encrypted (HandsetRoom *self)
{
  return self->encrypted;
}

/**
 * handset_room_get_rotation:
 * @period_ms: (out): how long one Megolm session may be used, 0 for the
 *   default
 * @period_msgs: (out): how many messages it may encrypt, 0 for the default
 */
void
handset_room_get_rotation (HandsetRoom *self, gint64 *period_ms, gint64 *period_msgs)
{
  *period_ms = self->rotation_period_ms;
  *period_msgs = self->rotation_period_msgs;
}

/**
 * handset_room_get_history_visibility:
 *
 * Returns: (nullable): `m.room.history_visibility`, %NULL when unknown
 */
const char *
handset_room_get_history_visibility (HandsetRoom *self)
{
  return self->history_visibility;
}

/**
 * handset_room_get_membership:
 *
 * Returns: (nullable): `join`, `invite`, `leave`, `ban` or `knock`
 */
const char *
handset_room_get_membership (HandsetRoom *self, const char *user_id)
{
  HandsetRoomMember *member = g_hash_table_lookup (self->members, user_id);

  return member ? member->membership : NULL;
}

/**
 * handset_room_get_member_name:
 *
 * Returns: (nullable): the member's display name in this room
 */
const char *
handset_room_get_member_name (HandsetRoom *self, const char *user_id)
{
  HandsetRoomMember *member = g_hash_table_lookup (self->members, user_id);

  return member ? member->display_name : NULL;
}

/**
 * handset_room_get_member_avatar_url:
 *
 * Returns: (nullable): the member's avatar in this room
 */
const char *
handset_room_get_member_avatar_url (HandsetRoom *self, const char *user_id)
{
  HandsetRoomMember *member = g_hash_table_lookup (self->members, user_id);

  return member ? member->avatar_url : NULL;
}

static gboolean
is_present (HandsetRoomMember *member)
{
  return g_strcmp0 (member->membership, "join") == 0 ||
         g_strcmp0 (member->membership, "invite") == 0;
}

/**
 * handset_room_get_n_members:
 *
 * Returns: how many users have joined or are invited: counted when the
 *   whole list is known, else as the room's summary says (members are
 *   loaded lazily), else counted among those known
 */
guint
handset_room_get_n_members (HandsetRoom *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  if (!self->members_loaded && self->joined_count >= 0)
    return (guint) (self->joined_count + MAX (self->invited_count, 0));

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += is_present (value);

  return n;
}

/**
 * handset_room_get_members_loaded:
 *
 * Returns: whether every member is known, not only those a lazy sync named
 */
gboolean
handset_room_get_members_loaded (HandsetRoom *self)
{
  return self->members_loaded;
}

/**
 * handset_room_set_members_loaded:
 *
 * Marks the member list whole (after `/members`), or no longer whole
 * (after a gap in the timeline, which may hide changes).
 */
void
handset_room_set_members_loaded (HandsetRoom *self, gboolean loaded)
{
  if (self->members_loaded == loaded)
    return;
  self->members_loaded = loaded;
  self->dirty = TRUE;
}

/**
 * handset_room_apply_summary:
 * @joined: `m.joined_member_count`, or -1 when the sync left it out
 * @invited: `m.invited_member_count`, or -1
 *
 * Returns: whether the counts changed
 */
gboolean
handset_room_apply_summary (HandsetRoom *self, gint64 joined, gint64 invited)
{
  gboolean changed = FALSE;

  if (joined >= 0 && joined != self->joined_count)
    {
      self->joined_count = joined;
      changed = TRUE;
    }
  if (invited >= 0 && invited != self->invited_count)
    {
      self->invited_count = invited;
      changed = TRUE;
    }
  self->dirty |= changed;

  return changed;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/**
 * handset_room_get_members:
 *
 * Returns: (transfer container) (element-type utf8): the user IDs of those
 *   who have joined or are invited, sorted
 */
GPtrArray *
handset_room_get_members (HandsetRoom *self)
{
  GPtrArray *members = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (is_present (value))
        g_ptr_array_add (members, key);
    }
  g_ptr_array_sort (members, compare_strings);

  return members;
}

static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

static gboolean
apply_state_event (HandsetRoom *self, JsonObject *event)
{
  const char *type = handset_event_get_string (event, "type");
  const char *state_key = handset_event_get_string (event, "state_key");
  JsonObject *content = handset_event_get_object (event, "content");

  if (type == NULL || state_key == NULL || content == NULL)
    return FALSE;

  if (g_str_equal (type, "m.room.member"))
    {
      const char *membership = handset_event_get_string (content, "membership");
      HandsetRoomMember *member;
      gboolean changed = FALSE;

      if (membership == NULL || state_key[0] != '@')
        return FALSE;

      member = g_hash_table_lookup (self->members, state_key);
      if (member == NULL)
        {
          member = g_new0 (HandsetRoomMember, 1);
          g_hash_table_insert (self->members, g_strdup (state_key), member);
          changed = TRUE;
        }
      changed |= replace_string (&member->membership, membership);
      changed |=
          replace_string (&member->display_name, handset_event_get_string (content, "displayname"));
      changed |=
          replace_string (&member->avatar_url, handset_event_get_string (content, "avatar_url"));
      if (changed)
        {
          if (self->changed_members == NULL)
            self->changed_members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_add (self->changed_members, g_strdup (state_key));
        }

      return changed;
    }

  if (*state_key != '\0')
    return FALSE;

  if (g_str_equal (type, "m.room.name"))
    return replace_string (&self->name, handset_event_get_string (content, "name"));
  if (g_str_equal (type, "m.room.avatar"))
    return replace_string (&self->avatar_url, handset_event_get_string (content, "url"));
  if (g_str_equal (type, "m.room.join_rules"))
    return replace_string (&self->join_rule, handset_event_get_string (content, "join_rule"));
  if (g_str_equal (type, "m.room.history_visibility"))
    return replace_string (&self->history_visibility,
                           handset_event_get_string (content, "history_visibility"));
  if (g_str_equal (type, "m.room.encryption"))
    {
      gboolean was = self->encrypted;
      JsonNode *node;

      self->dirty = TRUE; /* the rotation, even when the room was encrypted */
      /* Positive whole numbers only; anything else keeps the default. */
      node = json_object_get_member (content, "rotation_period_ms");
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_INT64 && json_node_get_int (node) > 0)
        self->rotation_period_ms = json_node_get_int (node);
      node = json_object_get_member (content, "rotation_period_msgs");
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_INT64 && json_node_get_int (node) > 0)
        self->rotation_period_msgs = json_node_get_int (node);

      /* Encryption cannot be turned off again. */
      self->encrypted = self->encrypted || handset_event_get_string (content, "algorithm") != NULL;
      return was != self->encrypted;
    }

  return FALSE;
}

/**
 * handset_room_apply_state_event:
 *
 * Applies a state event (one with a `state_key`); anything else is
 * ignored.
 *
 * Returns: whether what the room shows changed
 */
gboolean
handset_room_apply_state_event (HandsetRoom *self, JsonObject *event)
{
  gboolean changed = apply_state_event (self, event);

  self->dirty |= changed;

  return changed;
}

/**
 * handset_room_set_members:
 * @chunk: the `chunk` of a `/members` answer: member events of those who
 *   have not left
 *
 * Makes the member list whole: those in @chunk as it says, anyone else
 * known as present has left since.
 *
 * Returns: whether a member changed
 */
gboolean
handset_room_set_members (HandsetRoom *self, JsonArray *chunk)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;
  gboolean changed = FALSE;

  for (guint i = 0; i < json_array_get_length (chunk); i++)
    {
      JsonNode *node = json_array_get_element (chunk, i);
      JsonObject *event = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *user_id = handset_event_get_string (event, "state_key");

      if (user_id == NULL ||
          g_strcmp0 (handset_event_get_string (event, "type"), "m.room.member") != 0)
        continue;
      changed |= handset_room_apply_state_event (self, event);
      if (g_hash_table_contains (self->members, user_id))
        g_hash_table_add (seen, (gpointer) user_id);
    }

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      HandsetRoomMember *member = value;

      if (!is_present (member) || g_hash_table_contains (seen, key))
        continue;
      replace_string (&member->membership, "leave");
      if (self->changed_members == NULL)
        self->changed_members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_add (self->changed_members, g_strdup (key));
      changed = TRUE;
    }

  handset_room_set_members_loaded (self, TRUE);

  return changed;
}

/**
 * handset_room_mark_unsaved:
 *
 * Marks the whole room as not saved, members and all: after a save that
 * failed, so that the next one writes everything again.
 */
void
handset_room_mark_unsaved (HandsetRoom *self)
{
  GHashTableIter iter;
  gpointer key;

  self->dirty = TRUE;
  if (self->changed_members == NULL)
    self->changed_members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (self->changed_members, g_strdup (key));
}
