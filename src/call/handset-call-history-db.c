/* handset-call-history-db.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call history's table in the profile's database: created or
 * migrated, loaded newest first, and written as calls ring and end.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <sqlite3.h>

#include "handset-call-history-private.h"

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

gboolean
handset_call_history_db_run (HandsetCallHistory *self, const char *sql, GError **error)
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
const char *
handset_call_history_db_party_of (const char *peer_user_id)
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

  if (!handset_call_history_db_run (self, "BEGIN", error))
    return FALSE;
  if (handset_call_history_db_run (self, "ALTER TABLE call_history RENAME TO call_history_old",
                                   error) &&
      handset_call_history_db_run (self, "CREATE TABLE call_history (" HISTORY_COLUMNS ")",
                                   error) &&
      handset_call_history_db_run (self, copy, error) &&
      handset_call_history_db_run (self, "DROP TABLE call_history_old", error))
    return handset_call_history_db_run (self, "COMMIT", error);
  handset_call_history_db_run (self, "ROLLBACK", NULL);

  return FALSE;
}

gboolean
handset_call_history_db_create_table (HandsetCallHistory *self, GError **error)
{
  /* `ended` orders the rows as the model does: by when the call ended,
   * which is when it was added on top. */
  return handset_call_history_db_run (
             self, "CREATE TABLE IF NOT EXISTS call_history (" HISTORY_COLUMNS ")", error) &&
         migrate (self, error) &&
         handset_call_history_db_run (
             self, "CREATE INDEX IF NOT EXISTS call_history_ended ON call_history (ended)", error);
}

gboolean
handset_call_history_db_load (HandsetCallHistory *self, GError **error)
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
                       handset_history_entry_new (
                           column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2),
                           direction, kind, sqlite3_column_int64 (stmt, 5),
                           (int) CLAMP (sqlite3_column_int64 (stmt, 6), 0, G_MAXINT),
                           column_text (stmt, 7),
                           enum_from_nick (HANDSET_TYPE_CALL_END_REASON, column_text (stmt, 8),
                                           HANDSET_CALL_END_NONE),
                           sqlite3_column_int (stmt, 9) != 0, column_text (stmt, 10)));
    }

  if (rc != SQLITE_DONE)
    set_db_error (self, error);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

gboolean
handset_call_history_db_write_entry (HandsetCallHistory *self,
                                     HandsetHistoryEntry *entry,
                                     gint64 ended,
                                     GError **error)
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

  sqlite3_bind_text (stmt, 1, handset_history_entry_get_call_id (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, handset_history_entry_get_room_id (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, handset_history_entry_get_peer_user_id (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (
      stmt, 4,
      enum_to_nick (HANDSET_TYPE_CALL_DIRECTION, handset_history_entry_get_direction (entry)), -1,
      SQLITE_STATIC);
  sqlite3_bind_text (
      stmt, 5, enum_to_nick (HANDSET_TYPE_HISTORY_KIND, handset_history_entry_get_kind (entry)), -1,
      SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, g_date_time_to_unix (handset_history_entry_get_started (entry)));
  sqlite3_bind_int64 (stmt, 7, ended);
  sqlite3_bind_int (stmt, 8, handset_history_entry_get_duration_seconds (entry));
  sqlite3_bind_text (stmt, 9, handset_history_entry_get_answered_by (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (
      stmt, 10,
      enum_to_nick (HANDSET_TYPE_CALL_END_REASON, handset_history_entry_get_end_reason (entry)), -1,
      SQLITE_STATIC);
  sqlite3_bind_int (stmt, 11, handset_history_entry_get_video (entry) ? 1 : 0);
  sqlite3_bind_text (stmt, 12, handset_history_entry_get_application (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (
      stmt, 13, handset_call_history_db_party_of (handset_history_entry_get_peer_user_id (entry)),
      -1, SQLITE_STATIC);

  return step_done (self, stmt, error);
}

gboolean
handset_call_history_db_write_answered_by (HandsetCallHistory *self,
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
  sqlite3_bind_text (stmt, 3, handset_call_history_db_party_of (peer_user_id), -1, SQLITE_STATIC);

  return step_done (self, stmt, error);
}

gboolean
handset_call_history_db_delete_row (HandsetCallHistory *self,
                                    const char *call_id,
                                    const char *party,
                                    GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (!prepare (self, "DELETE FROM call_history WHERE call_id = ?1 AND party = ?2", &stmt, error))
    return FALSE;

  sqlite3_bind_text (stmt, 1, call_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, party, -1, SQLITE_STATIC);

  return step_done (self, stmt, error);
}
