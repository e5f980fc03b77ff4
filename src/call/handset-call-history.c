/* handset-call-history.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls of a profile, newest first, as a GListModel of
 * HandsetHistoryEntry. A call is written to the profile's database when it
 * ends, so the list survives a restart. Entries hold data only: the UI
 * turns them into words.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <sqlite3.h>

#include "handset-call-history.h"

/* What the model holds after loading; calls that end later are added on
 * top of it. */
#define MAX_LOADED_ENTRIES 500

G_DEFINE_ENUM_TYPE (HandsetHistoryKind,
                    handset_history_kind,
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_OUTGOING, "outgoing"),
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_INCOMING, "incoming"),
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_MISSED, "missed"),
                    G_DEFINE_ENUM_VALUE (HANDSET_HISTORY_DECLINED, "declined"))

/* ------------------------------------------------------------------ entries */

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
static HandsetHistoryEntry *
entry_new (const char *call_id,
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

static HandsetHistoryEntry *
entry_copy_answered_by (HandsetHistoryEntry *entry, const char *answered_by)
{
  return entry_new (entry->call_id, entry->room_id, entry->peer_user_id, entry->direction,
                    entry->kind, g_date_time_to_unix (entry->started), entry->duration_seconds,
                    answered_by, entry->end_reason, entry->video, entry->application);
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

/* ------------------------------------------------------------------ the history */

/* A call being followed until it ends. */
typedef struct
{
  HandsetCallHistory *history;
  HandsetCall *call;
  gulong handler;
  gint64 started_us; /* wall clock */
  gboolean answered_here;
  char *written_party; /* the key of the row written when it started, or NULL */
} Watch;

struct _HandsetCallHistory
{
  GObject parent_instance;

  HandsetStore *store;
  HandsetClock *clock;
  GPtrArray *entries; /* HandsetHistoryEntry, newest first */
  GPtrArray *watches; /* Watch */
};

static void handset_call_history_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HandsetCallHistory,
                               handset_call_history,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      handset_call_history_model_init))

static GType
model_get_item_type (GListModel *model)
{
  return HANDSET_TYPE_HISTORY_ENTRY;
}

static guint
model_get_n_items (GListModel *model)
{
  return HANDSET_CALL_HISTORY (model)->entries->len;
}

static gpointer
model_get_item (GListModel *model, guint position)
{
  HandsetCallHistory *self = HANDSET_CALL_HISTORY (model);

  if (position >= self->entries->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->entries, position));
}

static void
handset_call_history_model_init (GListModelInterface *iface)
{
  iface->get_item_type = model_get_item_type;
  iface->get_n_items = model_get_n_items;
  iface->get_item = model_get_item;
}

/* ------------------------------------------------------------------ the database */

/* Enums are stored by nick, so the table stays readable if an enum grows
 * or is reordered. */
static const char *
enum_to_nick (GType type, int value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);
  const char *nick = enum_value ? enum_value->value_nick : NULL;

  g_type_class_unref (klass);

  return nick;
}

static int
enum_from_nick (GType type, const char *nick, int fallback)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = nick ? g_enum_get_value_by_nick (klass, nick) : NULL;
  int value = enum_value ? enum_value->value : fallback;

  g_type_class_unref (klass);

  return value;
}

static sqlite3 *
get_db (HandsetCallHistory *self)
{
  return handset_store_get_db (self->store);
}

static gboolean
set_db_error (HandsetCallHistory *self, GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The call history in %s cannot be used: %s",
               handset_store_get_path (self->store), sqlite3_errmsg (get_db (self)));
  return FALSE;
}

static gboolean
prepare (HandsetCallHistory *self, const char *sql, sqlite3_stmt **stmt, GError **error)
{
  if (sqlite3_prepare_v2 (get_db (self), sql, -1, stmt, NULL) != SQLITE_OK)
    return set_db_error (self, error);

  return TRUE;
}

/* Runs @stmt, which returns no rows, and finalizes it. */
static gboolean
step_done (HandsetCallHistory *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  /* The error message lives in the connection: read it before finalizing
   * could reset it. */
  if (rc != SQLITE_DONE)
    set_db_error (self, error);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

static gboolean
run (HandsetCallHistory *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (!prepare (self, sql, &stmt, error))
    return FALSE;

  return step_done (self, stmt, error);
}

static const char *
column_text (sqlite3_stmt *stmt, int column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

#define HISTORY_COLUMNS                 \
  " call_id TEXT NOT NULL,"             \
  " room_id TEXT NOT NULL,"             \
  " peer_user_id TEXT,"                 \
  " direction TEXT NOT NULL,"           \
  " kind TEXT NOT NULL,"                \
  " started INTEGER NOT NULL,"          \
  " ended INTEGER NOT NULL,"            \
  " duration_seconds INTEGER NOT NULL," \
  " answered_by TEXT,"                  \
  " end_reason TEXT NOT NULL,"          \
  " video INTEGER NOT NULL,"            \
  " application TEXT,"                  \
  " party TEXT NOT NULL DEFAULT '',"    \
  " PRIMARY KEY (call_id, party)"

/* The row of a call is keyed by its ID and the other party: a call ID that
 * someone else sends again names another row. */
static const char *
party_of (const char *peer_user_id)
{
  return peer_user_id ? peer_user_id : "";
}

static gboolean
has_column (HandsetCallHistory *self, const char *column, gboolean *found, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  *found = FALSE;
  if (!prepare (self, "PRAGMA table_info (call_history)", &stmt, error))
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    *found |= g_strcmp0 (column_text (stmt, 1), column) == 0;
  sqlite3_finalize (stmt);

  return TRUE;
}

/* A history of an older version: keyed by the call ID alone, perhaps
 * without the application column. Moved into the table of today. */
static gboolean
migrate (HandsetCallHistory *self, GError **error)
{
  gboolean party = FALSE, application = FALSE;
  g_autofree char *copy = NULL;

  if (!has_column (self, "party", &party, error) ||
      !has_column (self, "application", &application, error))
    return FALSE;
  if (party)
    return TRUE;

  copy = g_strdup_printf (
      "INSERT INTO call_history (call_id, room_id, peer_user_id, direction, kind, started, ended,"
      " duration_seconds, answered_by, end_reason, video, application, party)"
      " SELECT call_id, room_id, peer_user_id, direction, kind, started, ended,"
      " duration_seconds, answered_by, end_reason, video, %s, COALESCE (peer_user_id, '')"
      " FROM call_history_old",
      application ? "application" : "NULL");

  if (!run (self, "BEGIN", error))
    return FALSE;
  if (run (self, "ALTER TABLE call_history RENAME TO call_history_old", error) &&
      run (self, "CREATE TABLE call_history (" HISTORY_COLUMNS ")", error) &&
      run (self, copy, error) && run (self, "DROP TABLE call_history_old", error))
    return run (self, "COMMIT", error);
  run (self, "ROLLBACK", NULL);

  return FALSE;
}

static gboolean
create_table (HandsetCallHistory *self, GError **error)
{
  /* `ended` orders the rows as the model does: by when the call ended,
   * which is when it was added on top. */
  return run (self, "CREATE TABLE IF NOT EXISTS call_history (" HISTORY_COLUMNS ")", error) &&
         migrate (self, error) &&
         run (self, "CREATE INDEX IF NOT EXISTS call_history_ended ON call_history (ended)", error);
}

static gboolean
load (HandsetCallHistory *self, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!prepare (self,
                "SELECT call_id, room_id, peer_user_id, direction, kind, started,"
                " duration_seconds, answered_by, end_reason, video, application"
                " FROM call_history ORDER BY ended DESC, rowid DESC LIMIT ?1",
                &stmt, error))
    return FALSE;

  sqlite3_bind_int (stmt, 1, MAX_LOADED_ENTRIES);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HandsetCallDirection direction = enum_from_nick (
          HANDSET_TYPE_CALL_DIRECTION, column_text (stmt, 3), HANDSET_CALL_DIRECTION_OUTGOING);
      /* A kind this version does not know is shown as what the direction
       * says. */
      HandsetHistoryKind kind =
          enum_from_nick (HANDSET_TYPE_HISTORY_KIND, column_text (stmt, 4),
                          direction == HANDSET_CALL_DIRECTION_OUTGOING ? HANDSET_HISTORY_OUTGOING
                                                                       : HANDSET_HISTORY_INCOMING);

      g_ptr_array_add (self->entries,
                       entry_new (column_text (stmt, 0), column_text (stmt, 1),
                                  column_text (stmt, 2), direction, kind,
                                  sqlite3_column_int64 (stmt, 5),
                                  (int) CLAMP (sqlite3_column_int64 (stmt, 6), 0, G_MAXINT),
                                  column_text (stmt, 7),
                                  enum_from_nick (HANDSET_TYPE_CALL_END_REASON,
                                                  column_text (stmt, 8), HANDSET_CALL_END_NONE),
                                  sqlite3_column_int (stmt, 9) != 0, column_text (stmt, 10)));
    }

  if (rc != SQLITE_DONE)
    set_db_error (self, error);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

static gboolean
write_entry (HandsetCallHistory *self, HandsetHistoryEntry *entry, gint64 ended, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  /* A call ID names one call: a second end of it replaces the row. */
  if (!prepare (self,
                "INSERT OR REPLACE INTO call_history (call_id, room_id, peer_user_id, direction,"
                " kind, started, ended, duration_seconds, answered_by, end_reason, video,"
                " application, party)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                &stmt, error))
    return FALSE;

  sqlite3_bind_text (stmt, 1, entry->call_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, entry->room_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, entry->peer_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, enum_to_nick (HANDSET_TYPE_CALL_DIRECTION, entry->direction), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, enum_to_nick (HANDSET_TYPE_HISTORY_KIND, entry->kind), -1,
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, g_date_time_to_unix (entry->started));
  sqlite3_bind_int64 (stmt, 7, ended);
  sqlite3_bind_int (stmt, 8, entry->duration_seconds);
  sqlite3_bind_text (stmt, 9, entry->answered_by, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, enum_to_nick (HANDSET_TYPE_CALL_END_REASON, entry->end_reason), -1,
                     SQLITE_STATIC);
  sqlite3_bind_int (stmt, 11, entry->video ? 1 : 0);
  sqlite3_bind_text (stmt, 12, entry->application, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 13, party_of (entry->peer_user_id), -1, SQLITE_STATIC);

  return step_done (self, stmt, error);
}

static gboolean
write_answered_by (HandsetCallHistory *self,
                   const char *call_id,
                   const char *peer_user_id,
                   const char *answered_by,
                   GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (!prepare (self, "UPDATE call_history SET answered_by = ?1 WHERE call_id = ?2 AND party = ?3",
                &stmt, error))
    return FALSE;

  sqlite3_bind_text (stmt, 1, answered_by, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, party_of (peer_user_id), -1, SQLITE_STATIC);

  return step_done (self, stmt, error);
}

static gboolean
delete_row (HandsetCallHistory *self, const char *call_id, const char *party, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (!prepare (self, "DELETE FROM call_history WHERE call_id = ?1 AND party = ?2", &stmt, error))
    return FALSE;

  sqlite3_bind_text (stmt, 1, call_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, party, -1, SQLITE_STATIC);

  return step_done (self, stmt, error);
}

/* ------------------------------------------------------------------ the model */

static gboolean
find_entry (HandsetCallHistory *self, const char *call_id, const char *peer, guint *position)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      HandsetHistoryEntry *entry = g_ptr_array_index (self->entries, i);

      if (g_strcmp0 (entry->call_id, call_id) == 0 &&
          g_strcmp0 (party_of (entry->peer_user_id), party_of (peer)) == 0)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
replace_entry (HandsetCallHistory *self, guint position, HandsetHistoryEntry *entry)
{
  g_object_unref (g_ptr_array_index (self->entries, position));
  g_ptr_array_index (self->entries, position) = entry;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

/* Takes @entry. */
static void
add_entry (HandsetCallHistory *self, HandsetHistoryEntry *entry)
{
  guint position;

  if (find_entry (self, entry->call_id, entry->peer_user_id, &position))
    {
      replace_entry (self, position, entry);
      return;
    }

  g_ptr_array_insert (self->entries, 0, entry);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);
}

/* ------------------------------------------------------------------ calls */

static HandsetHistoryKind
kind_of (HandsetCall *call, Watch *watch)
{
  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    return HANDSET_HISTORY_OUTGOING;

  if (handset_call_get_connected_time (call) != 0)
    return HANDSET_HISTORY_INCOMING;

  switch (handset_call_get_end_reason (call))
    {
      case HANDSET_CALL_END_LOCAL_REJECT:
        return HANDSET_HISTORY_DECLINED;
      case HANDSET_CALL_END_ANSWERED_ELSEWHERE:
        /* Taken on another device of ours: not missed; answered-by says
         * where. */
        return HANDSET_HISTORY_INCOMING;
      case HANDSET_CALL_END_DECLINED_ELSEWHERE:
        return HANDSET_HISTORY_DECLINED;
      case HANDSET_CALL_END_MISSED:
        return HANDSET_HISTORY_MISSED;
      default:
        /* Answered here but lost before media flowed was still taken;
         * anything else that ended it while it rang was missed. */
        return watch->answered_here ? HANDSET_HISTORY_INCOMING : HANDSET_HISTORY_MISSED;
    }
}

/* The other party of @call, as its row names them. */
static const char *
peer_of_call (HandsetCall *call)
{
  const char *peer = handset_call_get_opponent_user_id (call);

  if (peer == NULL && handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    peer = handset_call_get_invitee (call);

  return peer;
}

static void
call_answered_by_cb (HandsetCall *call, GParamSpec *pspec, HandsetCallHistory *self)
{
  g_autoptr (GError) error = NULL;
  const char *answered_by = handset_call_get_answered_by (call);
  HandsetHistoryEntry *entry;
  guint position;

  /* The device's name is looked up after the call ended with its party
   * ID; the history keeps the name. */
  if (handset_call_is_active (call) ||
      !find_entry (self, handset_call_get_call_id (call), peer_of_call (call), &position))
    return;

  entry = g_ptr_array_index (self->entries, position);
  if (g_strcmp0 (entry->answered_by, answered_by) == 0)
    return;

  replace_entry (self, position, entry_copy_answered_by (entry, answered_by));
  if (!write_answered_by (self, handset_call_get_call_id (call), peer_of_call (call), answered_by,
                          &error))
    g_warning ("Call %s: %s", handset_call_get_call_id (call), error->message);
}

static void
record_call (HandsetCallHistory *self, HandsetCall *call, Watch *watch)
{
  g_autoptr (GError) error = NULL;
  HandsetCallDirection direction = handset_call_get_direction (call);
  gint64 connected = handset_call_get_connected_time (call);
  const char *peer = peer_of_call (call);
  gint64 duration = 0;
  HandsetHistoryEntry *entry;

  /* An invite that never rang here (expired, or lost a glare) is nothing
   * the person saw. */
  if (direction == HANDSET_CALL_DIRECTION_INCOMING && !handset_call_get_rang (call) &&
      connected == 0)
    {
      g_debug ("Call %s never rang: not in the history", handset_call_get_call_id (call));
      return;
    }

  /* The call's own clock timed the connection: the end must come from the
   * same clock. */
  if (connected != 0)
    duration = MAX (0, handset_clock_get_time (self->clock) - connected) / G_USEC_PER_SEC;

  entry = entry_new (handset_call_get_call_id (call), handset_call_get_room_id (call), peer,
                     direction, kind_of (call, watch), watch->started_us / G_USEC_PER_SEC,
                     (int) MIN (duration, G_MAXINT), handset_call_get_answered_by (call),
                     handset_call_get_end_reason (call), handset_call_get_video (call), NULL);

  /* The running app keeps the entry even when the disk fails. */
  if (!write_entry (self, entry, g_get_real_time () / G_USEC_PER_SEC, &error))
    g_warning ("Call %s: %s", entry->call_id, error->message);
  g_clear_error (&error);
  /* The row written when it started, under another party (a call in a
   * room, whose opponent came with the answer): gone. */
  if (watch->written_party != NULL && g_strcmp0 (watch->written_party, party_of (peer)) != 0 &&
      !delete_row (self, entry->call_id, watch->written_party, &error))
    g_warning ("Call %s: %s", entry->call_id, error->message);
  add_entry (self, entry);

  g_signal_connect_object (call, "notify::answered-by", G_CALLBACK (call_answered_by_cb), self, 0);
}

static void
watch_free (Watch *watch)
{
  g_clear_signal_handler (&watch->handler, watch->call);
  g_object_unref (watch->call);
  g_free (watch->written_party);
  g_free (watch);
}

/* The row of a call that goes on: an outgoing call, or an incoming one
 * that was missed (what it is when Handset never hears its end). */
static void
write_started (HandsetCallHistory *self, HandsetCall *call, Watch *watch)
{
  g_autoptr (GError) error = NULL;
  HandsetCallDirection direction = handset_call_get_direction (call);
  g_autoptr (HandsetHistoryEntry) entry =
      entry_new (handset_call_get_call_id (call), handset_call_get_room_id (call),
                 peer_of_call (call), direction,
                 direction == HANDSET_CALL_DIRECTION_OUTGOING ? HANDSET_HISTORY_OUTGOING
                                                              : HANDSET_HISTORY_MISSED,
                 watch->started_us / G_USEC_PER_SEC, 0, NULL, HANDSET_CALL_END_NONE,
                 handset_call_get_video (call), NULL);

  watch->written_party = g_strdup (party_of (entry->peer_user_id));
  if (!write_entry (self, entry, g_get_real_time () / G_USEC_PER_SEC, &error))
    g_warning ("Call %s: %s", entry->call_id, error->message);
}

static void
call_state_changed_cb (HandsetCall *call,
                       HandsetCallState new_state,
                       HandsetCallState old_state,
                       Watch *watch)
{
  HandsetCallHistory *self = watch->history;
  g_autoptr (HandsetCall) keep = NULL;

  if (new_state >= HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA &&
      new_state <= HANDSET_CALL_STATE_CONNECTED &&
      handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING)
    watch->answered_here = TRUE;

  /* Written as soon as the person can know of it (it rings here, or they
   * placed it): a crash before the end does not lose the call. */
  if (watch->written_party == NULL &&
      (new_state == HANDSET_CALL_STATE_RINGING ||
       (new_state == HANDSET_CALL_STATE_INVITE_SENT &&
        handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)))
    write_started (self, call, watch);

  if (new_state != HANDSET_CALL_STATE_ENDED)
    return;

  /* Freeing the watch drops its reference to the call. */
  keep = g_object_ref (call);
  record_call (self, call, watch);
  g_ptr_array_remove_fast (self->watches, watch);
}

static void
call_added_cb (HandsetCallManager *manager, HandsetCall *call, HandsetCallHistory *self)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->history = self;
  watch->call = g_object_ref (call);
  watch->started_us = g_get_real_time ();
  watch->handler =
      g_signal_connect (call, "state-changed", G_CALLBACK (call_state_changed_cb), watch);
  g_ptr_array_add (self->watches, watch);
}

/* ------------------------------------------------------------------ object */

static void
handset_call_history_dispose (GObject *object)
{
  HandsetCallHistory *self = HANDSET_CALL_HISTORY (object);

  g_clear_pointer (&self->watches, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (handset_call_history_parent_class)->dispose (object);
}

static void
handset_call_history_finalize (GObject *object)
{
  HandsetCallHistory *self = HANDSET_CALL_HISTORY (object);

  g_ptr_array_unref (self->entries);

  G_OBJECT_CLASS (handset_call_history_parent_class)->finalize (object);
}

static void
handset_call_history_class_init (HandsetCallHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_call_history_dispose;
  object_class->finalize = handset_call_history_finalize;
}

static void
handset_call_history_init (HandsetCallHistory *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
  self->watches = g_ptr_array_new_with_free_func ((GDestroyNotify) watch_free);
}

/**
 * handset_call_history_new:
 * @store: the profile's database
 * @clock: (nullable): the clock of the calls, which timed their
 *   connection; %NULL for the real clock
 *
 * Creates the table if it is missing and loads the newest calls.
 */
HandsetCallHistory *
handset_call_history_new (HandsetStore *store, HandsetClock *clock, GError **error)
{
  g_autoptr (HandsetCallHistory) self = NULL;

  g_return_val_if_fail (HANDSET_IS_STORE (store), NULL);
  g_return_val_if_fail (clock == NULL || HANDSET_IS_CLOCK (clock), NULL);

  self = g_object_new (HANDSET_TYPE_CALL_HISTORY, NULL);
  self->store = g_object_ref (store);
  self->clock = g_object_ref (clock ? clock : handset_clock_get_default ());

  if (!create_table (self, error) || !load (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * handset_call_history_watch:
 *
 * Records every call @manager adds from now on, once it ends. Calls added
 * before are not followed: watch before placing or receiving any.
 */
void
handset_call_history_watch (HandsetCallHistory *self, HandsetCallManager *manager)
{
  g_return_if_fail (HANDSET_IS_CALL_HISTORY (self));
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (manager));

  g_signal_connect_object (manager, "call-added", G_CALLBACK (call_added_cb), self, 0);
}

/* ------------------------------------------------------------------ Element Call */

static void
rtc_ring_state_cb (HandsetRtcRing *ring, GParamSpec *pspec, HandsetCallHistory *self)
{
  g_autoptr (GError) error = NULL;
  HandsetHistoryKind kind;
  HandsetCallEndReason reason;
  HandsetHistoryEntry *entry;

  switch (handset_rtc_ring_get_state (ring))
    {
      case HANDSET_RTC_RING_RINGING:
        return;
      case HANDSET_RTC_RING_DECLINED:
        kind = HANDSET_HISTORY_DECLINED, reason = HANDSET_CALL_END_LOCAL_REJECT;
        break;
      case HANDSET_RTC_RING_DECLINED_ELSEWHERE:
        kind = HANDSET_HISTORY_DECLINED, reason = HANDSET_CALL_END_DECLINED_ELSEWHERE;
        break;
      case HANDSET_RTC_RING_JOINED_ELSEWHERE:
        kind = HANDSET_HISTORY_INCOMING, reason = HANDSET_CALL_END_ANSWERED_ELSEWHERE;
        break;
      case HANDSET_RTC_RING_CANCELLED:
      case HANDSET_RTC_RING_MISSED:
      default:
        kind = HANDSET_HISTORY_MISSED, reason = HANDSET_CALL_END_MISSED;
        break;
    }
  g_signal_handlers_disconnect_by_func (ring, rtc_ring_state_cb, self);

  entry = entry_new (handset_rtc_ring_get_event_id (ring), handset_rtc_ring_get_room_id (ring),
                     handset_rtc_ring_get_sender (ring), HANDSET_CALL_DIRECTION_INCOMING, kind,
                     handset_rtc_ring_get_started_ms (ring) / 1000, 0, NULL, reason,
                     handset_rtc_ring_get_video (ring), HANDSET_HISTORY_ELEMENT_CALL);
  if (!write_entry (self, entry, g_get_real_time () / G_USEC_PER_SEC, &error))
    g_warning ("Element Call ring %s: %s", entry->call_id, error->message);
  add_entry (self, entry);
}

static void
rtc_ring_cb (HandsetRtcRings *rings, HandsetRtcRing *ring, HandsetCallHistory *self)
{
  g_signal_connect_object (ring, "notify::state", G_CALLBACK (rtc_ring_state_cb), self, 0);
  /* Ended in the batch that brought it: recorded at once. */
  if (handset_rtc_ring_get_state (ring) != HANDSET_RTC_RING_RINGING)
    rtc_ring_state_cb (ring, NULL, self);
}

/**
 * handset_call_history_watch_rtc_rings:
 *
 * Records each Element Call ring once it ends: missed, declined, or taken
 * on another device.
 */
void
handset_call_history_watch_rtc_rings (HandsetCallHistory *self, HandsetRtcRings *rings)
{
  g_return_if_fail (HANDSET_IS_CALL_HISTORY (self));
  g_return_if_fail (HANDSET_IS_RTC_RINGS (rings));

  g_signal_connect_object (rings, "ring", G_CALLBACK (rtc_ring_cb), self, 0);
}

/**
 * handset_call_history_clear:
 *
 * Forgets every call, on disk and in the model. Calls still going are
 * recorded when they end.
 */
void
handset_call_history_clear (HandsetCallHistory *self)
{
  g_autoptr (GError) error = NULL;
  guint removed;

  g_return_if_fail (HANDSET_IS_CALL_HISTORY (self));

  if (!run (self, "DELETE FROM call_history", &error))
    g_warning ("%s", error->message);

  removed = self->entries->len;
  g_ptr_array_set_size (self->entries, 0);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

/**
 * handset_call_history_count_missed_since:
 * @since: (nullable): the earliest start that counts; %NULL counts all
 *
 * Counts what the model holds, so it agrees with what the list shows.
 *
 * Returns: the missed calls that started at or after @since
 */
guint
handset_call_history_count_missed_since (HandsetCallHistory *self, GDateTime *since)
{
  guint count = 0;

  g_return_val_if_fail (HANDSET_IS_CALL_HISTORY (self), 0);

  /* The model is in the order calls ended, not started: look at all. */
  for (guint i = 0; i < self->entries->len; i++)
    {
      HandsetHistoryEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->kind == HANDSET_HISTORY_MISSED &&
          (since == NULL || g_date_time_compare (entry->started, since) >= 0))
        count++;
    }

  return count;
}
