/* handset-crypto-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_CRYPTO_STORE (handset_crypto_store_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCryptoStore, handset_crypto_store, HANDSET, CRYPTO_STORE, GObject)

/* One row of a table of pickles: what it is keyed by, and the pickle. */
typedef struct
{
  char *key1;   /* Olm: the peer's curve25519 key; Megolm: the room */
  char *key2;   /* the session ID */
  char *extra;  /* a small JSON object of facts about the session, not secret */
  char *pickle; /* encrypted with the pickle key */
  gint64 stamp; /* Olm: when last used (µs, real time) */
} HandsetCryptoRow;

void handset_crypto_row_free (HandsetCryptoRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetCryptoRow, handset_crypto_row_free)

typedef enum
{
  HANDSET_CRYPTO_TABLE_OLM_SESSIONS,
  HANDSET_CRYPTO_TABLE_INBOUND_GROUP_SESSIONS,
  HANDSET_CRYPTO_TABLE_OUTBOUND_GROUP_SESSIONS,
  HANDSET_CRYPTO_TABLE_DEVICES,         /* key1 user, key2 device, extra the signed device keys */
  HANDSET_CRYPTO_TABLE_USERS,           /* key1 user, extra {"outdated": bool} */
  HANDSET_CRYPTO_TABLE_MESSAGE_INDICES, /* key1 session, key2 index, extra event and time */
  HANDSET_CRYPTO_TABLE_IDENTITIES,      /* key1 user, extra their cross-signing keys */
  HANDSET_CRYPTO_N_TABLES
} HandsetCryptoTable;

HandsetCryptoStore *
handset_crypto_store_new (gpointer sqlite_db, const char *user_id, const char *device_id);

gboolean handset_crypto_store_open (HandsetCryptoStore *self, GError **error);

char *handset_crypto_store_get_value (HandsetCryptoStore *self, const char *key);
gboolean handset_crypto_store_set_value (HandsetCryptoStore *self,
                                         const char *key,
                                         const char *value,
                                         GError **error);

gboolean handset_crypto_store_put (HandsetCryptoStore *self,
                                   HandsetCryptoTable table,
                                   const HandsetCryptoRow *row,
                                   GError **error);
gboolean handset_crypto_store_delete (HandsetCryptoStore *self,
                                      HandsetCryptoTable table,
                                      const char *key1,
                                      const char *key2,
                                      GError **error);
GPtrArray *handset_crypto_store_list (HandsetCryptoStore *self, HandsetCryptoTable table);
HandsetCryptoRow *handset_crypto_store_get (HandsetCryptoStore *self,
                                            HandsetCryptoTable table,
                                            const char *key1,
                                            const char *key2);

gboolean handset_crypto_store_begin (HandsetCryptoStore *self);
gboolean handset_crypto_store_commit (HandsetCryptoStore *self);

gboolean handset_crypto_store_clear (HandsetCryptoStore *self, GError **error);

G_END_DECLS
