/* handset-history-entry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One call of the history: data only, never changed once made (a change
 * is a new entry in the same place); the UI turns it into words.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-history-entry.h"

G_DEFINE_ENUM_TYPE (HandsetHistoryKind,
                    handset_history_kind,
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_OUTGOING, "outgoing"),
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_INCOMING, "incoming"),
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_MISSED, "missed"),
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_DECLINED, "declined"))

struct _HandsetHistoryEntry
{
  GObject parent_instance;

  char *call_id;
  char *room_id;
  char *peer_user_id;
  HandsetCallDirection direction;
  HandsetHistoryKind kind;
  GDateTime *started;
  int duration_seconds;
  char *answered_by;
  HandsetCallEndReason end_reason;
  gboolean video;
  char *application; /* NULL for a Matrix VoIP call */
};

G_DEFINE_FINAL_TYPE (HandsetHistoryEntry, handset_history_entry, G_TYPE_OBJECT)

enum
{
  ENTRY_PROP_0,
  ENTRY_PROP_CALL_ID,
  ENTRY_PROP_ROOM_ID,
  ENTRY_PROP_PEER_USER_ID,
  ENTRY_PROP_DIRECTION,
  ENTRY_PROP_KIND,
  ENTRY_PROP_STARTED,
  ENTRY_PROP_DURATION_SECONDS,
  ENTRY_PROP_ANSWERED_BY,
  ENTRY_PROP_END_REASON,
  ENTRY_PROP_VIDEO,
  ENTRY_N_PROPS
};

static GParamSpec *entry_props[ENTRY_N_PROPS];

static void
handset_history_entry_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  HandsetHistoryEntry *self = HANDSET_HISTORY_ENTRY (object);

  switch (prop_id)
    {
      case ENTRY_PROP_CALL_ID:
        g_value_set_string (value, self->call_id);
        break;
      case ENTRY_PROP_ROOM_ID:
        g_value_set_string (value, self->room_id);
        break;
      case ENTRY_PROP_PEER_USER_ID:
        g_value_set_string (value, self->peer_user_id);
        break;
      case ENTRY_PROP_DIRECTION:
        g_value_set_enum (value, self->direction);
        break;
      case ENTRY_PROP_KIND:
        g_value_set_enum (value, self->kind);
        break;
      case ENTRY_PROP_STARTED:
        g_value_set_boxed (value, self->started);
        break;
      case ENTRY_PROP_DURATION_SECONDS:
        g_value_set_int (value, self->duration_seconds);
        break;
      case ENTRY_PROP_ANSWERED_BY:
        g_value_set_string (value, self->answered_by);
        break;
      case ENTRY_PROP_END_REASON:
        g_value_set_enum (value, self->end_reason);
        break;
      case ENTRY_PROP_VIDEO:
        g_value_set_boolean (value, self->video);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_history_entry_finalize (GObject *object)
{
  HandsetHistoryEntry *self = HANDSET_HISTORY_ENTRY (object);

  g_free (self->call_id);
  g_free (self->room_id);
  g_free (self->peer_user_id);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_free (self->answered_by);
  g_free (self->application);

  G_OBJECT_CLASS (handset_history_entry_parent_class)->finalize (object);
}

static GParamSpec *
read_only_string (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
handset_history_entry_class_init (HandsetHistoryEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = handset_history_entry_get_property;
  object_class->finalize = handset_history_entry_finalize;

  entry_props[ENTRY_PROP_CALL_ID] = read_only_string ("call-id");
  entry_props[ENTRY_PROP_ROOM_ID] = read_only_string ("room-id");
  entry_props[ENTRY_PROP_PEER_USER_ID] = read_only_string ("peer-user-id");
  entry_props[ENTRY_PROP_DIRECTION] = g_param_spec_enum (
      "direction", NULL, NULL, HANDSET_TYPE_CALL_DIRECTION, HANDSET_CALL_DIRECTION_OUTGOING, flags);
  entry_props[ENTRY_PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, HANDSET_TYPE_HISTORY_KIND,
                                                    HANDSET_HISTORY_OUTGOING, flags);
  entry_props[ENTRY_PROP_STARTED] =
      g_param_spec_boxed ("started", NULL, NULL, G_TYPE_DATE_TIME, flags);
  entry_props[ENTRY_PROP_DURATION_SECONDS] =
      g_param_spec_int ("duration-seconds", NULL, NULL, 0, G_MAXINT, 0, flags);
  entry_props[ENTRY_PROP_ANSWERED_BY] = read_only_string ("answered-by");
  entry_props[ENTRY_PROP_END_REASON] = g_param_spec_enum (
      "end-reason", NULL, NULL, HANDSET_TYPE_CALL_END_REASON, HANDSET_CALL_END_NONE, flags);
  entry_props[ENTRY_PROP_VIDEO] = g_param_spec_boolean ("video", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, ENTRY_N_PROPS, entry_props);
}

static void
handset_history_entry_init (HandsetHistoryEntry *self)
{
}

/* Entries never change once made: a change is a new entry in the same
 * place, so a list row never shows half of an update. */
HandsetHistoryEntry *
handset_history_entry_new (const char *call_id,
                           const char *room_id,
                           const char *peer_user_id,
                           HandsetCallDirection direction,
                           HandsetHistoryKind kind,
                           gint64 started_unix,
                           int duration_seconds,
                           const char *answered_by,
                           HandsetCallEndReason end_reason,
                           gboolean video,
                           const char *application)
{
  HandsetHistoryEntry *self = g_object_new (HANDSET_TYPE_HISTORY_ENTRY, NULL);

  self->call_id = g_strdup (call_id);
  self->room_id = g_strdup (room_id);
  self->peer_user_id = g_strdup (peer_user_id);
  self->direction = direction;
  self->kind = kind;
  self->started = g_date_time_new_from_unix_utc (started_unix);
  if (self->started == NULL)
    self->started = g_date_time_new_from_unix_utc (0);
  self->duration_seconds = duration_seconds;
  self->answered_by = g_strdup (answered_by);
  self->end_reason = end_reason;
  self->video = video;
  self->application = g_strdup (application);

  return self;
}

HandsetHistoryEntry *
handset_history_entry_copy_with_answered_by (HandsetHistoryEntry *entry, const char *answered_by)
{
  return handset_history_entry_new (
      entry->call_id, entry->room_id, entry->peer_user_id, entry->direction, entry->kind,
      g_date_time_to_unix (entry->started), entry->duration_seconds, answered_by, entry->end_reason,
      entry->video, entry->application);
}

const char *
handset_history_entry_get_call_id (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), NULL);

  return self->call_id;
}

/**
 * handset_history_entry_get_application:
 *
 * Returns: (nullable): the application of a call that was not a Matrix
 *   VoIP call, as people know it ("Element Call"); %NULL for a VoIP call
 */
const char *
handset_history_entry_get_application (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), NULL);

  return self->application;
}

const char *
handset_history_entry_get_room_id (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), NULL);

  return self->room_id;
}

/**
 * handset_history_entry_get_peer_user_id:
 *
 * Returns: (nullable): the other side of the call: the opponent, or for
 *   an outgoing call nobody answered, the invitee; %NULL when an
 *   unanswered call was for anyone in the room
 */
const char *
handset_history_entry_get_peer_user_id (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), NULL);

  return self->peer_user_id;
}

HandsetCallDirection
handset_history_entry_get_direction (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), HANDSET_CALL_DIRECTION_OUTGOING);

  return self->direction;
}

HandsetHistoryKind
handset_history_entry_get_kind (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), HANDSET_HISTORY_OUTGOING);

  return self->kind;
}

/**
 * handset_history_entry_get_started:
 *
 * Returns: (transfer none): when the call began, in UTC, to the second
 */
GDateTime *
handset_history_entry_get_started (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), NULL);

  return self->started;
}

/**
 * handset_history_entry_get_duration_seconds:
 *
 * Returns: how long the call was connected; 0 if it never was
 */
int
handset_history_entry_get_duration_seconds (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), 0);

  return self->duration_seconds;
}

/**
 * handset_history_entry_get_answered_by:
 *
 * Returns: (nullable): the device that answered: another of ours for a
 *   call taken elsewhere, the opponent's when we called
 */
const char *
handset_history_entry_get_answered_by (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), NULL);

  return self->answered_by;
}

HandsetCallEndReason
handset_history_entry_get_end_reason (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), HANDSET_CALL_END_NONE);

  return self->end_reason;
}

gboolean
handset_history_entry_get_video (HandsetHistoryEntry *self)
{
  g_return_val_if_fail (HANDSET_IS_HISTORY_ENTRY (self), FALSE);

  return self->video;
}
