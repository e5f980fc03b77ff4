/* handset-call.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "handset-call-event.h"
#include "handset-media.h"
#include "handset-clock.h"

G_BEGIN_DECLS

typedef enum
{
  HANDSET_CALL_STATE_FLEDGLING,
  HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA,
  HANDSET_CALL_STATE_CREATE_OFFER,
  HANDSET_CALL_STATE_INVITE_SENT,
  HANDSET_CALL_STATE_RINGING,
  HANDSET_CALL_STATE_CREATE_ANSWER,
  HANDSET_CALL_STATE_CONNECTING,
  HANDSET_CALL_STATE_CONNECTED,
  HANDSET_CALL_STATE_ENDED,
} HandsetCallState;

typedef enum
{
  HANDSET_CALL_DIRECTION_OUTGOING,
  HANDSET_CALL_DIRECTION_INCOMING,
} HandsetCallDirection;

typedef enum
{
  HANDSET_CALL_END_NONE,
  HANDSET_CALL_END_LOCAL_HANGUP,       /* we ended it, or cancelled before an answer */
  HANDSET_CALL_END_REMOTE_HANGUP,      /* the other side ended it */
  HANDSET_CALL_END_LOCAL_REJECT,       /* we declined */
  HANDSET_CALL_END_DECLINED,           /* they declined */
  HANDSET_CALL_END_NO_ANSWER,          /* our invite ran out */
  HANDSET_CALL_END_MISSED,             /* it rang here and nobody answered */
  HANDSET_CALL_END_ANSWERED_ELSEWHERE, /* another device of ours took it */
  HANDSET_CALL_END_ICE_FAILED,         /* no media path was ever found */
  HANDSET_CALL_END_ICE_TIMEOUT,        /* the media path was lost */
  HANDSET_CALL_END_USER_MEDIA_FAILED,  /* no microphone or camera */
  HANDSET_CALL_END_BUSY,               /* they are busy */
  HANDSET_CALL_END_REPLACED,           /* both called at once; the other call won */
  HANDSET_CALL_END_OPPONENT_LEFT,      /* they left the room */
  HANDSET_CALL_END_ERROR,              /* anything else that failed */
  HANDSET_CALL_END_UNVERIFIED,         /* refused: only verified devices may call */
  HANDSET_CALL_END_DECLINED_ELSEWHERE, /* another device of ours declined it */
  HANDSET_CALL_END_SIGNALLING_FAILED,  /* its events could not reach the homeserver */
} HandsetCallEndReason;

#define HANDSET_TYPE_CALL_STATE      (handset_call_state_get_type ())
#define HANDSET_TYPE_CALL_DIRECTION  (handset_call_direction_get_type ())
#define HANDSET_TYPE_CALL_END_REASON (handset_call_end_reason_get_type ())
GType handset_call_state_get_type (void) G_GNUC_CONST;
GType handset_call_direction_get_type (void) G_GNUC_CONST;
GType handset_call_end_reason_get_type (void) G_GNUC_CONST;

const char *handset_call_state_to_string (HandsetCallState state);
const char *handset_call_end_reason_to_string (HandsetCallEndReason reason);

/* Timers of VoIP v1, in milliseconds. */
#define HANDSET_CALL_INVITE_LIFETIME_MS    90000
#define HANDSET_CALL_NEGOTIATE_LIFETIME_MS 30000
#define HANDSET_CALL_MIN_RING_MS           3000
#define HANDSET_CALL_FIRST_FLUSH_CALLER_MS 2000
#define HANDSET_CALL_FIRST_FLUSH_CALLEE_MS 500
#define HANDSET_CALL_NEXT_FLUSH_MS         500
#define HANDSET_CALL_ICE_RESTART_MS        2000
/* Ours, not the spec's: answered but no media path found in this long
 * (say a TURN server refuses us and nothing else may be used). */
#define HANDSET_CALL_CONNECT_TIMEOUT_MS 30000

/**
 * HandsetPeerTrust:
 * @HANDSET_PEER_TRUST_UNKNOWN: not said yet (a call in clear, or before
 *   the other device's first encrypted event)
 * @HANDSET_PEER_TRUST_CROSS_SIGNED: its owner signed the other device
 * @HANDSET_PEER_TRUST_UNSIGNED: its owner did not sign the other device
 * @HANDSET_PEER_TRUST_IDENTITY_CHANGED: the owner's identity changed since
 *   it was first seen
 * @HANDSET_PEER_TRUST_VERIFIED: cross-signed by its owner, whom we verified
 *   (our user-signing key signed their master key)
 */
typedef enum
{
  HANDSET_PEER_TRUST_UNKNOWN,
  HANDSET_PEER_TRUST_CROSS_SIGNED,
  HANDSET_PEER_TRUST_UNSIGNED,
  HANDSET_PEER_TRUST_IDENTITY_CHANGED,
  HANDSET_PEER_TRUST_VERIFIED,
} HandsetPeerTrust;

gboolean handset_peer_trust_is_cross_signed (HandsetPeerTrust trust);

#define HANDSET_TYPE_CALL (handset_call_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCall, handset_call, HANDSET, CALL, GObject)

HandsetCall *handset_call_new_outgoing (HandsetClock *clock,
                                        HandsetMedia *media,
                                        const char *own_user_id,
                                        const char *room_id,
                                        const char *call_id,
                                        const char *party_id,
                                        const char *invitee,
                                        gboolean video);
HandsetCall *handset_call_new_incoming (HandsetClock *clock,
                                        HandsetMediaFactory media_factory,
                                        gpointer media_factory_data,
                                        const char *own_user_id,
                                        HandsetCallEvent *invite,
                                        const char *party_id);

const char *handset_call_get_call_id (HandsetCall *self);
const char *handset_call_get_room_id (HandsetCall *self);
const char *handset_call_get_party_id (HandsetCall *self);
HandsetCallDirection handset_call_get_direction (HandsetCall *self);
HandsetCallState handset_call_get_state (HandsetCall *self);
const char *handset_call_get_invitee (HandsetCall *self);
const char *handset_call_get_opponent_user_id (HandsetCall *self);
const char *handset_call_get_opponent_party_id (HandsetCall *self);
int handset_call_get_opponent_version (HandsetCall *self);
const char *handset_call_get_answered_by (HandsetCall *self);
const char *handset_call_get_answered_by_party (HandsetCall *self);
HandsetCallEndReason handset_call_get_end_reason (HandsetCall *self);
gboolean handset_call_get_failed_without_relay (HandsetCall *self);
const char *handset_call_get_remote_reason (HandsetCall *self);
gboolean handset_call_get_video (HandsetCall *self);
gboolean handset_call_get_muted (HandsetCall *self);
gboolean handset_call_get_on_hold (HandsetCall *self);
gboolean handset_call_get_remote_on_hold (HandsetCall *self);
gboolean handset_call_get_remote_video (HandsetCall *self);
gboolean handset_call_get_remote_audio_muted (HandsetCall *self);
gboolean handset_call_get_remote_video_muted (HandsetCall *self);
gboolean handset_call_get_remote_dtmf (HandsetCall *self);
gboolean handset_call_can_send_dtmf (HandsetCall *self);
gboolean handset_call_send_dtmf (HandsetCall *self, const char *tones, GError **error);
gboolean handset_call_get_rang (HandsetCall *self);
gint64 handset_call_get_connected_time (HandsetCall *self);
HandsetMedia *handset_call_get_media (HandsetCall *self);
HandsetCallEvent *handset_call_get_invite (HandsetCall *self);
gboolean handset_call_is_active (HandsetCall *self);
guint handset_call_get_n_buffered_candidates (HandsetCall *self);

void handset_call_place (HandsetCall *self);
void handset_call_start_ringing (HandsetCall *self, gint64 remaining_ms);
void handset_call_answer (HandsetCall *self, gboolean video);
void handset_call_reject (HandsetCall *self);
void handset_call_refuse_busy (HandsetCall *self);
void handset_call_hangup (HandsetCall *self);
void handset_call_replace (HandsetCall *self);
GObject *handset_call_release_devices (HandsetCall *self);
void handset_call_adopt_devices (HandsetCall *self, GObject *devices);
void handset_call_end_silently (HandsetCall *self, HandsetCallEndReason reason);
void handset_call_set_muted (HandsetCall *self, gboolean muted);
void handset_call_set_on_hold (HandsetCall *self, gboolean on_hold);
void handset_call_set_video (HandsetCall *self, gboolean video);
gboolean handset_call_can_share_screen (HandsetCall *self);
gboolean handset_call_get_screensharing (HandsetCall *self);
gboolean handset_call_get_remote_screenshare (HandsetCall *self);
void handset_call_start_screenshare_async (HandsetCall *self,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean
handset_call_start_screenshare_finish (HandsetCall *self, GAsyncResult *result, GError **error);
void handset_call_stop_screenshare (HandsetCall *self);
void handset_call_set_answered_by (HandsetCall *self, const char *device_name);
gboolean handset_call_get_encrypted (HandsetCall *self);
void handset_call_set_encrypted (HandsetCall *self, gboolean encrypted);
void handset_call_set_prepare_answer (HandsetCall *self, gboolean prepare, gboolean connect);
gboolean handset_call_get_waiting_for_keys (HandsetCall *self);
HandsetPeerTrust handset_call_get_peer_trust (HandsetCall *self);
void handset_call_set_peer_trust (HandsetCall *self, HandsetPeerTrust trust);
void handset_call_set_waiting_for_keys (HandsetCall *self, gboolean waiting);
gboolean handset_call_get_waiting_for_join (HandsetCall *self);
HandsetCallDevice handset_call_get_failed_device (HandsetCall *self, const char **message);
void handset_call_clear_failed_device (HandsetCall *self);
void handset_call_set_waiting_for_join (HandsetCall *self, gboolean waiting);

void handset_call_handle_event (HandsetCall *self, HandsetCallEvent *event);
void handset_call_add_early_candidates (HandsetCall *self, HandsetCallEvent *candidates);

G_END_DECLS
