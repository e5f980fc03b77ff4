/* handset-room-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "handset-room.h"
#include "handset-store.h"

G_BEGIN_DECLS

gboolean handset_room_store_load (HandsetStore *store,
                                  const char *account,
                                  GHashTable *rooms,
                                  JsonObject **direct,
                                  GError **error);
typedef struct _HandsetRoomWriter HandsetRoomWriter;

HandsetRoomWriter *
handset_room_writer_new (HandsetStore *store, const char *account, GError **error);
gboolean handset_room_writer_save (HandsetRoomWriter *writer, HandsetRoom *room, GError **error);
void handset_room_writer_free (HandsetRoomWriter *writer);
gboolean handset_room_store_delete_room (HandsetStore *store,
                                         const char *account,
                                         const char *room_id,
                                         GError **error);
gboolean handset_room_store_save_direct (HandsetStore *store,
                                         const char *account,
                                         JsonObject *direct,
                                         GError **error);
gboolean handset_room_store_forget (HandsetStore *store, const char *account, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetRoomWriter, handset_room_writer_free)

G_END_DECLS
