/* handset-crypto-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where the encryption state of one device lives: in the profile's SQLite
 * database, beside the rest, in two tables keyed by the owner (user and
 * device). Every secret (the Olm account, Olm and Megolm sessions) comes
 * in already pickled, that is encrypted with the pickle key from the
 * keyring; this file never sees a key in clear. What is stored in clear
 * is public: other devices' signed keys, which users are tracked, and
 * which Megolm message indices were seen for which event.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "handset-crypto-store.h"

struct _HandsetCryptoStore
{
  GObject parent_instance;

  sqlite3 *db;
  char *owner;
};

G_DEFINE_FINAL_TYPE (HandsetCryptoStore, handset_crypto_store, G_TYPE_OBJECT)

void
handset_crypto_row_free (HandsetCryptoRow *row)
{
  if (row == NULL)
    return;
  g_free (row->key1);
  g_free (row->key2);
  g_free (row->extra);
  g_free (row->pickle);
  g_free (row);
}

static void
handset_crypto_store_finalize (GObject *object)
{
  HandsetCryptoStore *self = HANDSET_CRYPTO_STORE (object);

  g_free (self->owner);

  G_OBJECT_CLASS (handset_crypto_store_parent_class)->finalize (object);
}

static void
handset_crypto_store_class_init (HandsetCryptoStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_crypto_store_finalize;
}

static void
handset_crypto_store_init (HandsetCryptoStore *self)
{
}

static void
set_db_error (HandsetCryptoStore *self, GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _ ("The encryption keys cannot be written to the database: %s"),
               sqlite3_errmsg (self->db));
}

/**
 * handset_crypto_store_new:
 * @sqlite_db: the profile's `sqlite3` handle, which must outlive the store
 *
 * Call handset_crypto_store_open() before anything else.
 */
HandsetCryptoStore *
handset_crypto_store_new (gpointer sqlite_db, const char *user_id, const char *device_id)
{
  HandsetCryptoStore *self = g_object_new (HANDSET_TYPE_CRYPTO_STORE, NULL);

  self->db = sqlite_db;
  self->owner = g_strdup_printf ("%s/%s", user_id, device_id);

  return self;
}

gboolean
handset_crypto_store_open (HandsetCryptoStore *self, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (
          self->db,
          "CREATE TABLE IF NOT EXISTS crypto_values ("
          "  owner TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
          "  PRIMARY KEY (owner, key));"
          "CREATE TABLE IF NOT EXISTS crypto_rows ("
          "  owner TEXT NOT NULL, tbl INTEGER NOT NULL, key1 TEXT NOT NULL,"
          "  key2 TEXT NOT NULL, extra TEXT, pickle TEXT, stamp INTEGER NOT NULL DEFAULT 0,"
          "  PRIMARY KEY (owner, tbl, key1, key2));",
          NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("The encryption keys cannot be kept in the database: %s"),
                   message ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

/**
 * handset_crypto_store_get_value:
 *
 * Returns: (transfer full) (nullable): a value of this device's
 */
char *
handset_crypto_store_get_value (HandsetCryptoStore *self, const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM crypto_values WHERE owner = ?1 AND key = ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  return value;
}

/**
 * handset_crypto_store_set_value:
 * @value: (nullable): %NULL deletes
 */
gboolean
handset_crypto_store_set_value (HandsetCryptoStore *self,
                                const char *key,
                                const char *value,
                                GError **error)
{
  sqlite3_stmt *stmt = NULL;
  const char *sql = value ? "INSERT INTO crypto_values (owner, key, value) VALUES (?1, ?2, ?3) "
                            "ON CONFLICT(owner, key) DO UPDATE SET value = excluded.value"
                          : "DELETE FROM crypto_values WHERE owner = ?1 AND key = ?2";
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
  if (value != NULL)
    sqlite3_bind_text (stmt, 3, value, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error);
      return FALSE;
    }

  return TRUE;
}

gboolean
handset_crypto_store_put (HandsetCryptoStore *self,
                          HandsetCryptoTable table,
                          const HandsetCryptoRow *row,
                          GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (
          self->db,
          "INSERT INTO crypto_rows (owner, tbl, key1, key2, extra, pickle, stamp) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
          "ON CONFLICT(owner, tbl, key1, key2) DO UPDATE SET "
          "extra = excluded.extra, pickle = excluded.pickle, stamp = excluded.stamp",
          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, table);
  sqlite3_bind_text (stmt, 3, row->key1, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, row->key2 ? row->key2 : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, row->extra, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, row->pickle, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, row->stamp);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error);
      return FALSE;
    }

  return TRUE;
}

/**
 * handset_crypto_store_delete:
 * @key2: (nullable): %NULL deletes every row of @key1
 */
gboolean
handset_crypto_store_delete (HandsetCryptoStore *self,
                             HandsetCryptoTable table,
                             const char *key1,
                             const char *key2,
                             GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          key2 ? "DELETE FROM crypto_rows WHERE owner = ?1 AND tbl = ?2 AND "
                                 "key1 = ?3 AND key2 = ?4"
                               : "DELETE FROM crypto_rows WHERE owner = ?1 AND tbl = ?2 AND "
                                 "key1 = ?3",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, table);
  sqlite3_bind_text (stmt, 3, key1, -1, SQLITE_STATIC);
  if (key2 != NULL)
    sqlite3_bind_text (stmt, 4, key2, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error);
      return FALSE;
    }

  return TRUE;
}

static HandsetCryptoRow *
row_from_stmt (sqlite3_stmt *stmt)
{
  HandsetCryptoRow *row = g_new0 (HandsetCryptoRow, 1);

  row->key1 = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  row->key2 = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  row->extra = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  row->pickle = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  row->stamp = sqlite3_column_int64 (stmt, 4);

  return row;
}

/**
 * handset_crypto_store_list:
 *
 * Returns: (transfer container) (element-type HandsetCryptoRow): every row
 *   of @table
 */
GPtrArray *
handset_crypto_store_list (HandsetCryptoStore *self, HandsetCryptoTable table)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) handset_crypto_row_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT key1, key2, extra, pickle, stamp FROM crypto_rows "
                          "WHERE owner = ?1 AND tbl = ?2 ORDER BY key1, stamp, key2",
                          -1, &stmt, NULL) != SQLITE_OK)
    return rows;
  sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, table);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (rows, row_from_stmt (stmt));
  sqlite3_finalize (stmt);

  return rows;
}

/**
 * handset_crypto_store_get:
 *
 * Returns: (transfer full) (nullable): one row
 */
HandsetCryptoRow *
handset_crypto_store_get (HandsetCryptoStore *self,
                          HandsetCryptoTable table,
                          const char *key1,
                          const char *key2)
{
  sqlite3_stmt *stmt = NULL;
  HandsetCryptoRow *row = NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT key1, key2, extra, pickle, stamp FROM crypto_rows "
                          "WHERE owner = ?1 AND tbl = ?2 AND key1 = ?3 AND key2 = ?4",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, table);
  sqlite3_bind_text (stmt, 3, key1, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, key2 ? key2 : "", -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    row = row_from_stmt (stmt);
  sqlite3_finalize (stmt);

  return row;
}

/* Many small writes of one sync batch in one transaction. */
gboolean
handset_crypto_store_begin (HandsetCryptoStore *self)
{
  return sqlite3_exec (self->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

gboolean
handset_crypto_store_commit (HandsetCryptoStore *self)
{
  return sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
}

/**
 * handset_crypto_store_clear:
 *
 * Forgets everything of this device, at logout.
 */
gboolean
handset_crypto_store_clear (HandsetCryptoStore *self, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  const char *const sql[] = {
    "DELETE FROM crypto_values WHERE owner = ?1",
    "DELETE FROM crypto_rows WHERE owner = ?1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      int rc;

      if (sqlite3_prepare_v2 (self->db, sql[i], -1, &stmt, NULL) != SQLITE_OK)
        {
          set_db_error (self, error);
          return FALSE;
        }
      sqlite3_bind_text (stmt, 1, self->owner, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          set_db_error (self, error);
          return FALSE;
        }
    }

  return TRUE;
}
