/* handset-rtc-ring.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The most a ring may last, as MSC4075 advises receivers to cap it. */
#define HANDSET_RTC_RING_MAX_LIFETIME_MS 120000
/* A sender_ts further than this from origin_server_ts is not believed. */
#define HANDSET_RTC_RING_MAX_SKEW_MS 20000
/* How long a ring without a lifetime (the older m.call.notify) lasts. */
#define HANDSET_RTC_RING_DEFAULT_LIFETIME_MS 30000

/* The decline of MSC4310, under its unstable name. */
#define HANDSET_RTC_DECLINE_TYPE "org.matrix.msc4310.rtc.decline"

/**
 * HandsetRtcRingState:
 * @HANDSET_RTC_RING_RINGING: it rings
 * @HANDSET_RTC_RING_DECLINED: declined here
 * @HANDSET_RTC_RING_DECLINED_ELSEWHERE: declined on another device of ours
 * @HANDSET_RTC_RING_JOINED_ELSEWHERE: we joined the call on another device
 * @HANDSET_RTC_RING_CANCELLED: the caller left the call or withdrew the
 *   ring, or we left the room
 * @HANDSET_RTC_RING_MISSED: its lifetime ran out
 */
typedef enum
{
  HANDSET_RTC_RING_RINGING,
  HANDSET_RTC_RING_DECLINED,
  HANDSET_RTC_RING_DECLINED_ELSEWHERE,
  HANDSET_RTC_RING_JOINED_ELSEWHERE,
  HANDSET_RTC_RING_CANCELLED,
  HANDSET_RTC_RING_MISSED,
} HandsetRtcRingState;

#define HANDSET_RTC_RING_ERROR (handset_rtc_ring_error_quark ())

/**
 * HandsetRtcRingError:
 * @HANDSET_RTC_RING_ERROR_NOT_A_RING: not a MatrixRTC notification
 * @HANDSET_RTC_RING_ERROR_MALFORMED: a notification, but not as the
 *   proposal defines it
 * @HANDSET_RTC_RING_ERROR_NOT_FOR_US: we are not mentioned, or it is ours
 * @HANDSET_RTC_RING_ERROR_EXPIRED: its lifetime is over
 * @HANDSET_RTC_RING_ERROR_WITHDRAWN: an empty notification that withdraws
 *   the sender's earlier one
 */
typedef enum
{
  HANDSET_RTC_RING_ERROR_NOT_A_RING,
  HANDSET_RTC_RING_ERROR_MALFORMED,
  HANDSET_RTC_RING_ERROR_NOT_FOR_US,
  HANDSET_RTC_RING_ERROR_EXPIRED,
  HANDSET_RTC_RING_ERROR_WITHDRAWN,
} HandsetRtcRingError;

GQuark handset_rtc_ring_error_quark (void);

#define HANDSET_TYPE_RTC_RING (handset_rtc_ring_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRtcRing, handset_rtc_ring, HANDSET, RTC_RING, GObject)

gboolean handset_rtc_ring_is_notification_type (const char *type);
gboolean handset_rtc_ring_is_decline_type (const char *type);
gboolean handset_rtc_ring_is_member_type (const char *type);

HandsetRtcRing *handset_rtc_ring_parse (JsonObject *event,
                                        const char *room_id,
                                        const char *own_user_id,
                                        gint64 now_ms,
                                        GError **error);

const char *handset_rtc_ring_get_room_id (HandsetRtcRing *self);
const char *handset_rtc_ring_get_event_id (HandsetRtcRing *self);
const char *handset_rtc_ring_get_sender (HandsetRtcRing *self);
gboolean handset_rtc_ring_get_video (HandsetRtcRing *self);
gboolean handset_rtc_ring_get_audible (HandsetRtcRing *self);
gint64 handset_rtc_ring_get_started_ms (HandsetRtcRing *self);
gint64 handset_rtc_ring_get_expires_ms (HandsetRtcRing *self);
HandsetRtcRingState handset_rtc_ring_get_state (HandsetRtcRing *self);
const char *handset_rtc_ring_state_to_string (HandsetRtcRingState state);
void handset_rtc_ring_set_state (HandsetRtcRing *self, HandsetRtcRingState state);
char *handset_rtc_ring_get_open_uri (HandsetRtcRing *self);

G_END_DECLS
