/* handset-sync.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-matrix-client.h"
#include "handset-rooms.h"
#include "handset-store.h"
#include "handset-sync-batch.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_SYNC (handset_sync_get_type ())
G_DECLARE_FINAL_TYPE (HandsetSync, handset_sync, HANDSET, SYNC, GObject)

#define HANDSET_SYNC_TIMEOUT_MS     30000
#define HANDSET_SYNC_BACKOFF_MIN_MS 1000
#define HANDSET_SYNC_BACKOFF_MAX_MS 60000

HandsetSync *handset_sync_new (HandsetMatrixClient *client, HandsetStore *store);

void handset_sync_set_rooms (HandsetSync *self, HandsetRooms *rooms);
void handset_sync_start (HandsetSync *self);
void handset_sync_stop (HandsetSync *self);
gboolean handset_sync_get_running (HandsetSync *self);
gboolean handset_sync_get_connected (HandsetSync *self);
const char *handset_sync_get_error_message (HandsetSync *self);
const char *handset_sync_get_since (HandsetSync *self);
void handset_sync_forget_position (HandsetSync *self);
guint handset_sync_get_backoff_ms (HandsetSync *self);

char *handset_sync_filter_json (void);
guint handset_sync_next_backoff_ms (guint previous_ms, guint32 random);

G_END_DECLS
