/* handset-room-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rooms' state in the profile's database, so that a restart resumes
 * /sync from its position without asking for the state again. Only what
 * the contacts, calls and encryption read is kept: a room's name, avatar,
 * join rule, history visibility and encryption, the summary's counts,
 * and the members a sync or `/members` named (membership, display name,
 * avatar); and `m.direct`. Rows are written for what changed, inside the
 * transaction that stores the sync position (handset-sync), so the two
 * never disagree. The tables are made by handset-store's migration.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "handset-room-private.h"
#include "handset-room-store.h"

static gboolean
failed (HandsetStore *store, sqlite3_stmt *stmt, GError **error)
{
  sqlite3 *db = handset_store_get_db (store);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The database %s cannot be used: %s"),
               handset_store_get_path (store), sqlite3_errmsg (db));
  sqlite3_finalize (stmt);

  return FALSE;
}

static sqlite3_stmt *
prepare (HandsetStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (handset_store_get_db (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;

  return stmt;
}

static char *
column_string (sqlite3_stmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text ? g_strdup ((const char *) text) : NULL;
}

static void
bind_nullable (sqlite3_stmt *stmt, int index, const char *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

/**
 * handset_room_store_load:
 * @account: whose rooms (`user/device`)
 * @rooms: room ID → #HandsetRoom, filled
 * @direct: (out) (transfer full) (nullable): the `m.direct` content kept
 *
 * Reads back what handset_room_writer_save() wrote; the rooms come
 * with nothing marked as changed.
 */
gboolean
handset_room_store_load (HandsetStore *store,
                         const char *account,
                         GHashTable *rooms,
                         JsonObject **direct,
                         GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  *direct = NULL;
  stmt = prepare (store, "SELECT room_id, name, avatar_url, join_rule, encrypted, rotation_ms, "
                         "rotation_msgs, history_visibility, joined_count, invited_count, "
                         "members_loaded FROM room_state WHERE account = ?1");
  if (stmt == NULL)
    return failed (store, NULL, error);
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HandsetRoom *room = handset_room_new ((const char *) sqlite3_column_text (stmt, 0));

      room->name = column_string (stmt, 1);
      room->avatar_url = column_string (stmt, 2);
      room->join_rule = column_string (stmt, 3);
      room->encrypted = sqlite3_column_int (stmt, 4) != 0;
      room->rotation_period_ms = sqlite3_column_int64 (stmt, 5);
      room->rotation_period_msgs = sqlite3_column_int64 (stmt, 6);
      room->history_visibility = column_string (stmt, 7);
      room->joined_count = sqlite3_column_int64 (stmt, 8);
      room->invited_count = sqlite3_column_int64 (stmt, 9);
      room->members_loaded = sqlite3_column_int (stmt, 10) != 0;
      room->dirty = FALSE;
      g_hash_table_replace (rooms, g_strdup (room->room_id), room);
    }
  if (rc != SQLITE_DONE)
    return failed (store, stmt, error);
  sqlite3_finalize (stmt);

  stmt = prepare (store, "SELECT room_id, user_id, membership, display_name, avatar_url "
                         "FROM room_members WHERE account = ?1");
  if (stmt == NULL)
    return failed (store, NULL, error);
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HandsetRoom *room = g_hash_table_lookup (rooms, sqlite3_column_text (stmt, 0));
      HandsetRoomMember *member;

      if (room == NULL)
        continue;
      member = g_new0 (HandsetRoomMember, 1);
      member->membership = column_string (stmt, 2);
      member->display_name = column_string (stmt, 3);
      member->avatar_url = column_string (stmt, 4);
      g_hash_table_replace (room->members, column_string (stmt, 1), member);
    }
  if (rc != SQLITE_DONE)
    return failed (store, stmt, error);
  sqlite3_finalize (stmt);

  stmt = prepare (store, "SELECT content FROM room_account_data WHERE account = ?1 AND "
                         "type = 'm.direct'");
  if (stmt == NULL)
    return failed (store, NULL, error);
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr (JsonNode) node =
          json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);

      /* Written by handset_room_store_save_direct(); anything else is
       * dropped, and the next change of m.direct writes it again. */
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        *direct = json_object_ref (json_node_get_object (node));
    }
  sqlite3_finalize (stmt);

  return TRUE;
}

struct _HandsetRoomWriter
{
  HandsetStore *store;
  char *account;
  sqlite3_stmt *room;
  sqlite3_stmt *member;
};

/**
 * handset_room_writer_new:
 *
 * Statements prepared once for the many rooms of one save.
 *
 * Returns: (transfer full) (nullable): the writer, or %NULL with @error
 */
HandsetRoomWriter *
handset_room_writer_new (HandsetStore *store, const char *account, GError **error)
{
  HandsetRoomWriter *writer = g_new0 (HandsetRoomWriter, 1);

  writer->store = g_object_ref (store);
  writer->account = g_strdup (account);
  writer->room = prepare (store, "INSERT OR REPLACE INTO room_state (account, room_id, name, "
                                 "avatar_url, join_rule, encrypted, rotation_ms, rotation_msgs, "
                                 "history_visibility, joined_count, invited_count, "
                                 "members_loaded) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  writer->member = prepare (store, "INSERT OR REPLACE INTO room_members (account, room_id, "
                                   "user_id, membership, display_name, avatar_url) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (writer->room == NULL || writer->member == NULL)
    {
      failed (store, NULL, error);
      handset_room_writer_free (writer);
      return NULL;
    }

  return writer;
}

void
handset_room_writer_free (HandsetRoomWriter *writer)
{
  sqlite3_finalize (writer->room);
  sqlite3_finalize (writer->member);
  g_object_unref (writer->store);
  g_free (writer->account);
  g_free (writer);
}

static gboolean
step (HandsetRoomWriter *writer, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The database %s cannot be written: %s"),
               handset_store_get_path (writer->store),
               sqlite3_errmsg (handset_store_get_db (writer->store)));
  return FALSE;
}

/**
 * handset_room_writer_save:
 *
 * Writes what changed in @room since it was last saved or loaded, and
 * marks it saved. Call it inside a transaction.
 */
gboolean
handset_room_writer_save (HandsetRoomWriter *writer, HandsetRoom *room, GError **error)
{
  sqlite3_stmt *stmt;

  if (room->dirty)
    {
      stmt = writer->room;
      sqlite3_bind_text (stmt, 1, writer->account, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, room->room_id, -1, SQLITE_STATIC);
      bind_nullable (stmt, 3, room->name);
      bind_nullable (stmt, 4, room->avatar_url);
      bind_nullable (stmt, 5, room->join_rule);
      sqlite3_bind_int (stmt, 6, room->encrypted);
      sqlite3_bind_int64 (stmt, 7, room->rotation_period_ms);
      sqlite3_bind_int64 (stmt, 8, room->rotation_period_msgs);
      bind_nullable (stmt, 9, room->history_visibility);
      sqlite3_bind_int64 (stmt, 10, room->joined_count);
      sqlite3_bind_int64 (stmt, 11, room->invited_count);
      sqlite3_bind_int (stmt, 12, room->members_loaded);
      if (!step (writer, stmt, error))
        return FALSE;
      room->dirty = FALSE;
    }

  if (room->changed_members != NULL)
    {
      GHashTableIter iter;
      gpointer user_id;

      stmt = writer->member;
      g_hash_table_iter_init (&iter, room->changed_members);
      while (g_hash_table_iter_next (&iter, &user_id, NULL))
        {
          HandsetRoomMember *member = g_hash_table_lookup (room->members, user_id);

          if (member == NULL)
            continue;
          sqlite3_bind_text (stmt, 1, writer->account, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, room->room_id, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_STATIC);
          bind_nullable (stmt, 4, member->membership);
          bind_nullable (stmt, 5, member->display_name);
          bind_nullable (stmt, 6, member->avatar_url);
          if (!step (writer, stmt, error))
            return FALSE;
        }
      g_clear_pointer (&room->changed_members, g_hash_table_unref);
    }

  return TRUE;
}

static gboolean
run (HandsetStore *store, const char *sql, const char *account, const char *arg, GError **error)
{
  sqlite3_stmt *stmt = prepare (store, sql);

  if (stmt == NULL)
    return failed (store, NULL, error);
  if (account != NULL)
    sqlite3_bind_text (stmt, 1, account, -1, SQLITE_STATIC);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 2, arg, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return failed (store, stmt, error);
  sqlite3_finalize (stmt);

  return TRUE;
}

/**
 * handset_room_store_delete_room:
 *
 * Forgets a room we left.
 */
gboolean
handset_room_store_delete_room (HandsetStore *store,
                                const char *account,
                                const char *room_id,
                                GError **error)
{
  return run (store, "DELETE FROM room_state WHERE account = ?1 AND room_id = ?2", account, room_id,
              error) &&
         run (store, "DELETE FROM room_members WHERE account = ?1 AND room_id = ?2", account,
              room_id, error);
}

gboolean
handset_room_store_save_direct (HandsetStore *store,
                                const char *account,
                                JsonObject *direct,
                                GError **error)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), direct);
  g_autofree char *text = json_to_string (node, FALSE);

  return run (store,
              "INSERT OR REPLACE INTO room_account_data (account, type, content) "
              "VALUES (?1, 'm.direct', ?2)",
              account, text, error);
}

/**
 * handset_room_store_forget:
 * @account: (nullable): whose rooms; %NULL for every account's
 *
 * Deletes the rooms' state: at logout, or before a sync from the start.
 */
gboolean
handset_room_store_forget (HandsetStore *store, const char *account, GError **error)
{
  const char *where = account ? " WHERE account = ?1" : "";
  const char *tables[] = { "room_state", "room_members", "room_account_data" };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM %s%s", tables[i], where);

      if (!run (store, sql, account, NULL, error))
        return FALSE;
    }

  return TRUE;
}
