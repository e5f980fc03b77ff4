/* handset-call-event.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "handset-ice-candidate.h"
#include "handset-media.h"

G_BEGIN_DECLS

#define HANDSET_CALL_EVENT_ERROR (handset_call_event_error_quark ())

typedef enum
{
  HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT,
  HANDSET_CALL_EVENT_ERROR_INVALID,
} HandsetCallEventError;

GQuark handset_call_event_error_quark (void);

typedef enum
{
  HANDSET_CALL_EVENT_INVITE,
  HANDSET_CALL_EVENT_CANDIDATES,
  HANDSET_CALL_EVENT_ANSWER,
  HANDSET_CALL_EVENT_SELECT_ANSWER,
  HANDSET_CALL_EVENT_REJECT,
  HANDSET_CALL_EVENT_NEGOTIATE,
  HANDSET_CALL_EVENT_HANGUP,
  HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED,
} HandsetCallEventType;

/* Hangup reasons of the spec; others are accepted when received. */
#define HANDSET_HANGUP_USER_HANGUP       "user_hangup"
#define HANDSET_HANGUP_INVITE_TIMEOUT    "invite_timeout"
#define HANDSET_HANGUP_ICE_FAILED        "ice_failed"
#define HANDSET_HANGUP_ICE_TIMEOUT       "ice_timeout"
#define HANDSET_HANGUP_USER_MEDIA_FAILED "user_media_failed"
#define HANDSET_HANGUP_USER_BUSY         "user_busy"
#define HANDSET_HANGUP_UNKNOWN_ERROR     "unknown_error"

/* Limits beyond which an event is hostile rather than large. */
#define HANDSET_CALL_EVENT_MAX_SDP        (128 * 1024)
#define HANDSET_CALL_EVENT_MAX_CANDIDATES 256
#define HANDSET_CALL_EVENT_MAX_CANDIDATE  1024
#define HANDSET_CALL_EVENT_MAX_REASON     255

const char *handset_call_event_type_to_string (HandsetCallEventType type);
gboolean handset_call_event_type_from_string (const char *string, HandsetCallEventType *type);
gboolean handset_call_event_is_call_type (const char *string);

#define HANDSET_TYPE_CALL_EVENT (handset_call_event_get_type ())

typedef struct _HandsetCallEvent HandsetCallEvent;

GType handset_call_event_get_type (void) G_GNUC_CONST;

HandsetCallEvent *handset_call_event_parse (JsonObject *event,
                                            const char *room_id,
                                            gint64 received_us,
                                            GError **error);
HandsetCallEvent *handset_call_event_ref (HandsetCallEvent *self);
void handset_call_event_unref (HandsetCallEvent *self);

HandsetCallEventType handset_call_event_get_event_type (HandsetCallEvent *self);
const char *handset_call_event_get_room_id (HandsetCallEvent *self);
const char *handset_call_event_get_sender (HandsetCallEvent *self);
const char *handset_call_event_get_event_id (HandsetCallEvent *self);
const char *handset_call_event_get_call_id (HandsetCallEvent *self);
const char *handset_call_event_get_party_id (HandsetCallEvent *self);
int handset_call_event_get_version (HandsetCallEvent *self);
gint64 handset_call_event_get_age_ms (HandsetCallEvent *self);
gint64 handset_call_event_get_received_time (HandsetCallEvent *self);
gint64 handset_call_event_get_age_now_ms (HandsetCallEvent *self, gint64 now_us);
const char *handset_call_event_get_sdp (HandsetCallEvent *self);
const char *handset_call_event_get_description_type (HandsetCallEvent *self);
gint64 handset_call_event_get_lifetime (HandsetCallEvent *self);
const char *handset_call_event_get_invitee (HandsetCallEvent *self);
const char *handset_call_event_get_selected_party_id (HandsetCallEvent *self);
const char *handset_call_event_get_reason (HandsetCallEvent *self);
GPtrArray *handset_call_event_get_candidates (HandsetCallEvent *self);
JsonObject *handset_call_event_get_stream_metadata (HandsetCallEvent *self);
gboolean handset_call_event_get_dtmf (HandsetCallEvent *self);
void handset_call_event_set_capabilities (JsonObject *content, gboolean dtmf);

JsonObject *handset_call_event_build_invite (const char *call_id,
                                             const char *party_id,
                                             const char *sdp,
                                             gint64 lifetime,
                                             const char *invitee,
                                             JsonObject *stream_metadata);
JsonObject *handset_call_event_build_answer (const char *call_id,
                                             const char *party_id,
                                             const char *sdp,
                                             JsonObject *stream_metadata);
JsonObject *handset_call_event_build_candidates (const char *call_id,
                                                 const char *party_id,
                                                 GPtrArray *candidates);
JsonObject *handset_call_event_build_select_answer (const char *call_id,
                                                    const char *party_id,
                                                    const char *selected_party_id);
JsonObject *handset_call_event_build_reject (const char *call_id, const char *party_id);
JsonObject *handset_call_event_build_negotiate (const char *call_id,
                                                const char *party_id,
                                                const char *description_type,
                                                const char *sdp,
                                                gint64 lifetime,
                                                JsonObject *stream_metadata);
JsonObject *
handset_call_event_build_hangup (const char *call_id, const char *party_id, const char *reason);
JsonObject *handset_call_event_build_sdp_stream_metadata_changed (const char *call_id,
                                                                  const char *party_id,
                                                                  JsonObject *stream_metadata);
void handset_call_event_add_screenshare (JsonObject *metadata, const char *stream_id);
char **handset_call_event_metadata_streams (JsonObject *metadata,
                                            HandsetMediaPurpose purpose,
                                            gboolean *video_muted);
JsonObject *handset_call_event_build_stream_metadata (const char *stream_id,
                                                      gboolean audio_muted,
                                                      gboolean video_muted);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetCallEvent, handset_call_event_unref)

G_END_DECLS
