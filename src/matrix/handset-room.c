/* handset-room.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What Handset knows of one room from its state: name, avatar, join rule,
 * encryption, and who is in it (joined or invited) under which name.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-room.h"
#include "handset-sync-batch.h"

typedef struct
{
  char *membership;
  char *display_name;
  char *avatar_url;
} Member;

struct _HandsetRoom
{
  GObject parent_instance;

  char *room_id;
  char *name;
  char *avatar_url;
  char *join_rule;
  gboolean encrypted;
  gint64 rotation_period_ms; /* 0: the default */
  gint64 rotation_period_msgs;
  char *history_visibility;
  GHashTable *members; /* user ID → Member */
};

G_DEFINE_FINAL_TYPE (HandsetRoom, handset_room, G_TYPE_OBJECT)

static void
member_free (Member *member)
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
  self->members =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) member_free);
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
  Member *member = g_hash_table_lookup (self->members, user_id);

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
  Member *member = g_hash_table_lookup (self->members, user_id);

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
  Member *member = g_hash_table_lookup (self->members, user_id);

  return member ? member->avatar_url : NULL;
}

static gboolean
is_present (Member *member)
{
  return g_strcmp0 (member->membership, "join") == 0 ||
         g_strcmp0 (member->membership, "invite") == 0;
}

/**
 * handset_room_get_n_members:
 *
 * Returns: how many users have joined or are invited
 */
guint
handset_room_get_n_members (HandsetRoom *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += is_present (value);

  return n;
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
  const char *type = handset_event_get_string (event, "type");
  const char *state_key = handset_event_get_string (event, "state_key");
  JsonObject *content = handset_event_get_object (event, "content");

  if (type == NULL || state_key == NULL || content == NULL)
    return FALSE;

  if (g_str_equal (type, "m.room.member"))
    {
      const char *membership = handset_event_get_string (content, "membership");
      Member *member;
      gboolean changed = FALSE;

      if (membership == NULL || state_key[0] != '@')
        return FALSE;

      member = g_hash_table_lookup (self->members, state_key);
      if (member == NULL)
        {
          member = g_new0 (Member, 1);
          g_hash_table_insert (self->members, g_strdup (state_key), member);
          changed = TRUE;
        }
      changed |= replace_string (&member->membership, membership);
      changed |=
          replace_string (&member->display_name, handset_event_get_string (content, "displayname"));
      changed |=
          replace_string (&member->avatar_url, handset_event_get_string (content, "avatar_url"));

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
