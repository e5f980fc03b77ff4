/* handset-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The profile's SQLite database: small facts that must survive a restart
 * (the session's non-secret half, the /sync position), the rooms' state
 * (handset-room-store), the call history and the encryption's pickles.
 * Never secrets: those live in the Secret Service. The schema's version
 * is SQLite's user_version; migrate() brings an older file up to date.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "handset-store.h"

struct _HandsetStore
{
  GObject parent_instance;

  char *path;
  sqlite3 *db;
};

G_DEFINE_FINAL_TYPE (HandsetStore, handset_store, G_TYPE_OBJECT)

static void
handset_store_finalize (GObject *object)
{
  HandsetStore *self = HANDSET_STORE (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self->path);

  G_OBJECT_CLASS (handset_store_parent_class)->finalize (object);
}

static void
handset_store_class_init (HandsetStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_store_finalize;
}

static void
handset_store_init (HandsetStore *self)
{
}

#define SCHEMA_VERSION 1

static gboolean
exec_sql (HandsetStore *self, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The database %s cannot be used: %s"),
                   self->path, message ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static int
schema_version (HandsetStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return version;
}

/* Version 1: the rooms' state. A database of version 0 keeps its sync
 * position; handset-sync finds no rooms' state saved with it and asks
 * for the whole state once. */
static gboolean
migrate (HandsetStore *self, GError **error)
{
  int version = schema_version (self);

  if (version < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The database %s cannot be used: %s"),
                   self->path, sqlite3_errmsg (self->db));
      return FALSE;
    }
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _ ("The database %s was written by a newer version of Handset"), self->path);
      return FALSE;
    }
  if (version == SCHEMA_VERSION)
    return TRUE;

  return exec_sql (self,
                   "BEGIN;"
                   "CREATE TABLE IF NOT EXISTS room_state ("
                   " account TEXT NOT NULL, room_id TEXT NOT NULL, name TEXT, avatar_url TEXT,"
                   " join_rule TEXT, encrypted INTEGER NOT NULL, rotation_ms INTEGER NOT NULL,"
                   " rotation_msgs INTEGER NOT NULL, history_visibility TEXT,"
                   " joined_count INTEGER NOT NULL, invited_count INTEGER NOT NULL,"
                   " members_loaded INTEGER NOT NULL, PRIMARY KEY (account, room_id));"
                   "CREATE TABLE IF NOT EXISTS room_members ("
                   " account TEXT NOT NULL, room_id TEXT NOT NULL, user_id TEXT NOT NULL,"
                   " membership TEXT, display_name TEXT, avatar_url TEXT,"
                   " PRIMARY KEY (account, room_id, user_id));"
                   "CREATE TABLE IF NOT EXISTS room_account_data ("
                   " account TEXT NOT NULL, type TEXT NOT NULL, content TEXT NOT NULL,"
                   " PRIMARY KEY (account, type));"
                   "PRAGMA user_version = 1;"
                   "COMMIT;",
                   error);
}

/**
 * handset_store_begin:
 *
 * Starts a transaction: what is written until handset_store_commit() is
 * kept all or not at all.
 */
gboolean
handset_store_begin (HandsetStore *self, GError **error)
{
  g_return_val_if_fail (HANDSET_IS_STORE (self), FALSE);

  return exec_sql (self, "BEGIN IMMEDIATE", error);
}

gboolean
handset_store_commit (HandsetStore *self, GError **error)
{
  g_return_val_if_fail (HANDSET_IS_STORE (self), FALSE);

  return exec_sql (self, "COMMIT", error);
}

/**
 * handset_store_rollback:
 *
 * Drops what was written since handset_store_begin().
 */
void
handset_store_rollback (HandsetStore *self)
{
  g_return_if_fail (HANDSET_IS_STORE (self));

  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * handset_store_new:
 * @path: the database file; its folder must exist
 */
HandsetStore *
handset_store_new (const char *path, GError **error)
{
  g_autoptr (HandsetStore) self = g_object_new (HANDSET_TYPE_STORE, NULL);

  self->path = g_strdup (path);
  /* Only its owner reads it (it holds pickled keys); SQLite gives its
   * journal files the mode of the database. */
  {
    int fd = g_open (path, O_RDWR | O_CREAT, 0600);

    if (fd < 0 || g_chmod (path, 0600) != 0)
      {
        int saved = errno;

        if (fd >= 0)
          close (fd);
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _ ("The database %s cannot be opened: %s"), path, g_strerror (saved));
        return NULL;
      }
    close (fd);
  }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The database %s cannot be opened: %s"),
                   path, self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 2000);
  if (!exec_sql (self,
                 "PRAGMA journal_mode=WAL;"
                 "PRAGMA synchronous=NORMAL;"
                 "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
                 error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
handset_store_get_path (HandsetStore *self)
{
  g_return_val_if_fail (HANDSET_IS_STORE (self), NULL);

  return self->path;
}

/**
 * handset_store_get:
 *
 * Returns: (transfer full) (nullable): the value stored under @key
 */
char *
handset_store_get (HandsetStore *self, const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_return_val_if_fail (HANDSET_IS_STORE (self), NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM kv WHERE key = ?1", -1, &stmt, NULL) !=
      SQLITE_OK)
    return NULL;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  return value;
}

/**
 * handset_store_set:
 * @value: (nullable): the value; %NULL deletes @key
 */
gboolean
handset_store_set (HandsetStore *self, const char *key, const char *value, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  const char *sql = value ? "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                          : "DELETE FROM kv WHERE key = ?1";
  int rc;

  g_return_val_if_fail (HANDSET_IS_STORE (self), FALSE);

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("The database %s cannot be written: %s"), self->path,
                   sqlite3_errmsg (self->db));
      return FALSE;
    }

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("The database %s cannot be written: %s"), self->path,
                   sqlite3_errmsg (self->db));
      return FALSE;
    }

  return TRUE;
}

/**
 * handset_store_delete_prefix:
 *
 * Deletes every key that starts with @prefix.
 */
gboolean
handset_store_delete_prefix (HandsetStore *self, const char *prefix, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (HANDSET_IS_STORE (self), FALSE);

  if (sqlite3_prepare_v2 (self->db, "DELETE FROM kv WHERE substr(key, 1, length(?1)) = ?1", -1,
                          &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("The database %s cannot be written: %s"), self->path,
                   sqlite3_errmsg (self->db));
      return FALSE;
    }

  sqlite3_bind_text (stmt, 1, prefix, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("The database %s cannot be written: %s"), self->path,
                   sqlite3_errmsg (self->db));
      return FALSE;
    }

  return TRUE;
}

/**
 * handset_store_get_db:
 *
 * Returns: (transfer none): the `sqlite3` handle, for tables of other
 *   modules (the call history)
 */
gpointer
handset_store_get_db (HandsetStore *self)
{
  g_return_val_if_fail (HANDSET_IS_STORE (self), NULL);

  return self->db;
}
