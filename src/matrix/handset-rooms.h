/* handset-rooms.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-matrix-client.h"
#include "handset-room.h"
#include "handset-store.h"
#include "handset-sync-batch.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_ROOMS (handset_rooms_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRooms, handset_rooms, HANDSET, ROOMS, GObject)

HandsetRooms *handset_rooms_new (const char *own_user_id);

const char *handset_rooms_get_own_user_id (HandsetRooms *self);
void handset_rooms_handle_batch (HandsetRooms *self, HandsetSyncBatch *batch);
HandsetRoom *handset_rooms_lookup (HandsetRooms *self, const char *room_id);
GPtrArray *handset_rooms_get_joined (HandsetRooms *self);
JsonObject *handset_rooms_get_direct (HandsetRooms *self);
GPtrArray *handset_rooms_get_direct_rooms (HandsetRooms *self, const char *user_id);

gboolean
handset_rooms_load (HandsetRooms *self, HandsetStore *store, const char *account, GError **error);
gboolean
handset_rooms_save (HandsetRooms *self, HandsetStore *store, const char *account, GError **error);
void handset_rooms_saved (HandsetRooms *self);
gboolean handset_rooms_forget (HandsetRooms *self, HandsetStore *store, GError **error);

void handset_rooms_load_members_async (HandsetRooms *self,
                                       HandsetMatrixClient *client,
                                       const char *room_id,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean
handset_rooms_load_members_finish (HandsetRooms *self, GAsyncResult *result, GError **error);

G_END_DECLS
