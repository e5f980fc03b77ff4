/* handset-call-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of a call, shared by the files that make it up: the object,
 * its state and its ending (handset-call.c), a call we place
 * (handset-call-caller.c), a call that rings here (handset-call-callee.c),
 * what the person does to it (handset-call-controls.c), what it says of
 * itself (handset-call-info.c), its candidates and ICE
 * (handset-call-ice.c), renegotiation (handset-call-negotiation.c) and
 * screen sharing (handset-call-screenshare.c).
 */
#pragma once

#include "handset-call.h"

G_BEGIN_DECLS

/* Remote candidates kept before they can be used (before the answer, or
 * before the remote description is set): a call needs a few dozen; a
 * flood from anyone in the room must not grow without end. */
#define MAX_BUFFERED_CANDIDATES 256
#define MAX_BUFFERED_PARTIES    16

/* An answer made while the call rings. */
typedef enum
{
  CALL_PREPARED_NONE,     /* none: not made, or dropped to be made afresh */
  CALL_PREPARED_MAKING,   /* being made */
  CALL_PREPARED_READY,    /* made, for the person to answer */
  CALL_PREPARED_UNUSABLE, /* its connection failed while ringing */
} CallPrepared;

struct _HandsetCall
{
  GObject parent_instance;

  HandsetClock *clock;
  /* An incoming call has none while it rings: the factory makes it when
   * the call is answered, so ringing opens no device and no ICE agent. */
  HandsetMedia *media;
  /* Devices another call opened, for this one's media (a glare's
   * survivor): handset_media_release_capture(). */
  GObject *capture;
  HandsetMediaFactory media_factory;
  gpointer media_factory_data;
  char **shown_streams;        /* the peer's, from its metadata, for the media */
  JsonObject *stream_metadata; /* the last call_own_stream_metadata() */
  GCancellable *cancellable;

  char *call_id;
  char *room_id;
  char *party_id;
  char *own_user_id;
  char *invitee;
  HandsetCallDirection direction;
  HandsetCallState state;
  HandsetCallEvent *invite;
  gboolean video;

  /* The other party: fixed by the invite (incoming) or the selected answer
   * (outgoing). */
  char *opponent_user_id;
  char *opponent_party_id;
  int opponent_version;
  gboolean opponent_selected;
  gboolean remote_dtmf;
  gboolean remote_video;

  char *answered_by;
  char *answered_by_party;
  HandsetCallEndReason end_reason;
  char *remote_reason;

  gboolean muted;
  gboolean on_hold;
  gboolean encrypted;
  gboolean waiting_for_keys;
  gboolean waiting_for_join; /* the invitee is only invited to the room */
  HandsetCallDevice failed_device;
  char *device_error;
  HandsetPeerTrust peer_trust;
  gboolean remote_on_hold;
  gboolean remote_audio_muted;
  gboolean remote_video_muted;
  gboolean rang;
  gint64 connected_time;

  guint invite_timer;
  guint ring_timer;
  guint flush_timer;
  guint ice_restart_timer;
  guint connect_timer;

  /* Our candidates, waiting for the next batch. */
  GPtrArray *local_candidates;
  gboolean may_send_candidates;
  gboolean gathering_done;
  gboolean end_of_candidates_sent;

  /* Theirs: per (user, party) until an answer is chosen, then waiting for
   * the remote description. */
  GHashTable *candidates_by_party;
  GPtrArray *pending_remote_candidates;
  gboolean remote_description_set;

  gboolean media_flowed;
  gboolean failed_without_relay; /* no path, and no relay server to try */
  gboolean making_offer;
  gboolean local_offer_pending;
  gboolean answering; /* the peer's new offer, until our answer to it is made */
  gboolean answer_wanted;
  /* The answer made while ringing (handset-call-prepare.c): whether to,
   * whether the connection may start then, and where it is. */
  gboolean prepare_answer;
  gboolean connect_while_ringing;
  CallPrepared prepared;
  /* The caller's candidates given to that media while ringing, to give
   * again to media made afresh. */
  GPtrArray *candidates_given_ringing;
  /* A change to offer while our last offer waits for its answer: offered
   * once that answer is in (and with an ICE restart if one was asked). */
  gboolean negotiation_needed;
  gboolean needed_ice_restart;

  /* Screen sharing (handset-call-screenshare.c): ours, being opened or
   * on; the peer's, from its metadata. */
  GCancellable *screen_opening;
  GPtrArray *screen_waiters; /* more asks while it opens: answered with it */
  gboolean screensharing;
  gboolean remote_screenshare;
  char **screenshare_streams;
};

enum
{
  PROP_0,
  PROP_CALL_ID,
  PROP_ROOM_ID,
  PROP_PARTY_ID,
  PROP_DIRECTION,
  PROP_STATE,
  PROP_OPPONENT_USER_ID,
  PROP_OPPONENT_PARTY_ID,
  PROP_ANSWERED_BY,
  PROP_END_REASON,
  PROP_MUTED,
  PROP_ON_HOLD,
  PROP_REMOTE_ON_HOLD,
  PROP_REMOTE_AUDIO_MUTED,
  PROP_REMOTE_VIDEO_MUTED,
  PROP_VIDEO,
  PROP_ENCRYPTED,
  PROP_WAITING_FOR_KEYS,
  PROP_WAITING_FOR_JOIN,
  PROP_FAILED_DEVICE,
  PROP_PEER_TRUST,
  PROP_MEDIA,
  PROP_SCREENSHARING,
  PROP_REMOTE_SCREENSHARE,
  N_PROPS
};

extern GParamSpec *handset_call_props[N_PROPS];

void call_set_state (HandsetCall *self, HandsetCallState state);
void call_set_boolean (HandsetCall *self, gboolean *field, gboolean value, int prop);
void call_send_event (HandsetCall *self, HandsetCallEventType type, JsonObject *content);
gboolean call_is_ended (HandsetCall *self);
JsonObject *call_own_stream_metadata (HandsetCall *self);
gboolean call_can_renegotiate (HandsetCall *self);
gboolean call_from_opponent (HandsetCall *self, HandsetCallEvent *event);
void call_end_call (HandsetCall *self, HandsetCallEndReason reason);
char *call_party_key (const char *user_id, const char *party_id);
void call_give_to_media (HandsetCall *self, GPtrArray *candidates);
void call_apply_pending_candidates (HandsetCall *self);
void call_flush_candidates (HandsetCall *self);
void
call_local_candidate_cb (HandsetMedia *media, HandsetIceCandidate *candidate, HandsetCall *self);
void call_gathering_done_cb (HandsetMedia *media, HandsetCall *self);
void call_allow_candidates (HandsetCall *self, guint first_delay_ms);
void call_fail_ice (HandsetCall *self);
void call_connect_timeout_cb (gpointer user_data);
void
call_device_failed_cb (HandsetMedia *media, int device, const char *message, HandsetCall *self);
void call_ice_state_changed_cb (HandsetMedia *media, int state, HandsetCall *self);
void call_start_negotiation (HandsetCall *self, gboolean ice_restart);
void call_handle_negotiate (HandsetCall *self, HandsetCallEvent *event);
void call_handle_stream_metadata (HandsetCall *self, JsonObject *metadata);
void call_handle_screenshare_metadata (HandsetCall *self, JsonObject *metadata);
void call_screenshare_install_properties (void);
void call_screenshare_install_signals (GType type);
void call_screenshare_clear (HandsetCall *self);
void call_screenshare_ended_cb (HandsetMedia *media, const char *reason, HandsetCall *self);

void handset_call_attach_media (HandsetCall *self, HandsetMedia *media);
void call_create_answer_now (HandsetCall *self);
void call_answer_afresh (HandsetCall *self);
void call_take_answer_media (HandsetCall *self, HandsetMedia *media);

/* handset-call-prepare.c */
void call_prepare_answer (HandsetCall *self);
gboolean call_answer_prepared (HandsetCall *self, gboolean video);
gboolean call_ringing_ice_state (HandsetCall *self, int state);
void call_keep_ringing_candidate (HandsetCall *self, const HandsetIceCandidate *candidate);
void handset_call_set_opponent (HandsetCall *self,
                                const char *user_id,
                                const char *party_id,
                                int version);
void handset_call_set_answered_by_party (HandsetCall *self, const char *party_id);
HandsetCallEndReason handset_call_remote_hangup_reason (HandsetCall *self, const char *reason);
void handset_call_caller_handle_event (HandsetCall *self, HandsetCallEvent *event);
void handset_call_callee_handle_event (HandsetCall *self, HandsetCallEvent *event);

G_END_DECLS
