/* handset-rtc-rings.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-clock.h"
#include "handset-encryption.h"
#include "handset-matrix-client.h"
#include "handset-rooms.h"
#include "handset-rtc-ring.h"
#include "handset-sync-batch.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_RTC_RINGS (handset_rtc_rings_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRtcRings, handset_rtc_rings, HANDSET, RTC_RINGS, GObject)

HandsetRtcRings *
handset_rtc_rings_new (const char *own_user_id, HandsetRooms *rooms, HandsetClock *clock);

void handset_rtc_rings_set_client (HandsetRtcRings *self, HandsetMatrixClient *client);
void handset_rtc_rings_set_encryption (HandsetRtcRings *self, HandsetEncryption *encryption);
void handset_rtc_rings_set_ring_in_public_rooms (HandsetRtcRings *self, gboolean ring);
void handset_rtc_rings_set_now_func (HandsetRtcRings *self, gint64 (*now_ms) (void));

void handset_rtc_rings_handle_batch (HandsetRtcRings *self, HandsetSyncBatch *batch);

GPtrArray *handset_rtc_rings_get_ringing (HandsetRtcRings *self);
HandsetRtcRing *handset_rtc_rings_lookup (HandsetRtcRings *self, const char *event_id);
void handset_rtc_rings_decline (HandsetRtcRings *self, HandsetRtcRing *ring);

G_END_DECLS
