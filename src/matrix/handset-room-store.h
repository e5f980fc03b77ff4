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
gboolean handset_room_store_save_room (HandsetStore *store,
                                       const char *account,
                                       HandsetRoom *room,
                                       GError **error);
gboolean handset_room_store_delete_room (HandsetStore *store,
                                         const char *account,
                                         const char *room_id,
                                         GError **error);
gboolean handset_room_store_save_direct (HandsetStore *store,
                                         const char *account,
                                         JsonObject *direct,
                                         GError **error);
gboolean handset_room_store_forget (HandsetStore *store, const char *account, GError **error);

G_END_DECLS
