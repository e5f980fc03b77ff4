/* handset-encryption.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-crypto-machine.h"
#include "handset-matrix-client.h"
#include "handset-rooms.h"
#include "handset-secret-store.h"
#include "handset-store.h"
#include "handset-sync-batch.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_ENCRYPTION (handset_encryption_get_type ())
G_DECLARE_FINAL_TYPE (HandsetEncryption, handset_encryption, HANDSET, ENCRYPTION, GObject)

/* Undecryptable room events wait this long for their keys. */
#define HANDSET_ENCRYPTION_PENDING_MAX_MS 120000
#define HANDSET_ENCRYPTION_PENDING_MAX    256

HandsetEncryption *handset_encryption_new (HandsetMatrixClient *client,
                                           HandsetStore *store,
                                           HandsetSecretStore *secrets,
                                           HandsetRooms *rooms);

void handset_encryption_start_async (HandsetEncryption *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
handset_encryption_start_finish (HandsetEncryption *self, GAsyncResult *result, GError **error);
void handset_encryption_stop (HandsetEncryption *self);
gboolean handset_encryption_get_ready (HandsetEncryption *self);
HandsetCryptoMachine *handset_encryption_get_machine (HandsetEncryption *self);

void handset_encryption_handle_to_device (HandsetEncryption *self, HandsetSyncBatch *batch);
void handset_encryption_decrypt_rooms (HandsetEncryption *self, HandsetSyncBatch *batch);
guint handset_encryption_get_n_pending (HandsetEncryption *self);

gboolean handset_encryption_room_is_encrypted (HandsetEncryption *self, const char *room_id);
void handset_encryption_send_event_async (HandsetEncryption *self,
                                          const char *room_id,
                                          const char *type,
                                          JsonObject *content,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
void handset_encryption_prepare_room (HandsetEncryption *self, const char *room_id);
void handset_encryption_prepare_room_fresh (HandsetEncryption *self, const char *room_id);
char *handset_encryption_send_event_finish (HandsetEncryption *self,
                                            GAsyncResult *result,
                                            gboolean *encrypted,
                                            GError **error);

G_END_DECLS
