/* handset-call.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One call, by the rules of Matrix VoIP v1: the object, its state, its
 * opponent (user and party), its media, how it ends, and the events that
 * arrive, handed to the caller's side (handset-call-caller.c) or the
 * callee's (handset-call-callee.c). It never does HTTP: what it wants
 * sent comes out of ::send-event, and the manager feeds it what arrives,
 * echoes of our own events already removed.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"
#include "handset-sdp-summary.h"

G_DEFINE_FINAL_TYPE (HandsetCall, handset_call, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (HandsetCallState,
                    handset_call_state,
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_FLEDGLING, "fledgling"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA, "wait_local_media"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_CREATE_OFFER, "create_offer"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_INVITE_SENT, "invite_sent"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_RINGING, "ringing"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_CREATE_ANSWER, "create_answer"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_STATE_ENDED, "ended"))

G_DEFINE_ENUM_TYPE (HandsetCallDirection,
                    handset_call_direction,
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_DIRECTION_OUTGOING, "outgoing"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_DIRECTION_INCOMING, "incoming"))

G_DEFINE_ENUM_TYPE (HandsetCallEndReason,
                    handset_call_end_reason,
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_LOCAL_HANGUP, "local_hangup"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_REMOTE_HANGUP, "remote_hangup"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_LOCAL_REJECT, "local_reject"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_DECLINED, "declined"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_NO_ANSWER, "no_answer"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_MISSED, "missed"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_ANSWERED_ELSEWHERE, "answered_elsewhere"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_ICE_FAILED, "ice_failed"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_ICE_TIMEOUT, "ice_timeout"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_USER_MEDIA_FAILED, "user_media_failed"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_BUSY, "busy"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_REPLACED, "replaced"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_OPPONENT_LEFT, "opponent_left"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_ERROR, "error"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_UNVERIFIED, "unverified"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_DECLINED_ELSEWHERE, "declined_elsewhere"),
                    G_DEFINE_ENUM_VALUE (HANDSET_CALL_END_SIGNALLING_FAILED, "signalling_failed"))

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_SEND_EVENT,
  N_SIGNALS
};

GParamSpec *handset_call_props[N_PROPS];
static guint signals[N_SIGNALS];

static const char *
enum_nick (GType type, int value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);
  const char *nick = enum_value ? enum_value->value_nick : "unknown";

  g_type_class_unref (klass);

  return nick;
}

const char *
handset_call_state_to_string (HandsetCallState state)
{
  return enum_nick (HANDSET_TYPE_CALL_STATE, state);
}

const char *
handset_call_end_reason_to_string (HandsetCallEndReason reason)
{
  return enum_nick (HANDSET_TYPE_CALL_END_REASON, reason);
}

/* ------------------------------------------------------------------ helpers */

void
call_set_state (HandsetCall *self, HandsetCallState state)
{
  HandsetCallState old = self->state;

  if (old == state || old == HANDSET_CALL_STATE_ENDED)
    return;

  g_debug ("Call %s: %s → %s", self->call_id, handset_call_state_to_string (old),
           handset_call_state_to_string (state));
  self->state = state;
  if (state == HANDSET_CALL_STATE_CONNECTED && self->connected_time == 0)
    self->connected_time = handset_clock_get_time (self->clock);
  if (state == HANDSET_CALL_STATE_CONNECTING && !self->media_flowed && self->connect_timer == 0)
    self->connect_timer = handset_clock_add_timeout (self->clock, HANDSET_CALL_CONNECT_TIMEOUT_MS,
                                                     call_connect_timeout_cb, self);
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state, old);
}

void
call_set_boolean (HandsetCall *self, gboolean *field, gboolean value, int prop)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[prop]);
}

void
call_send_event (HandsetCall *self, HandsetCallEventType type, JsonObject *content)
{
  g_debug ("Call %s: sending %s", self->call_id, handset_call_event_type_to_string (type));
  g_signal_emit (self, signals[SIGNAL_SEND_EVENT], 0, type, content);
  json_object_unref (content);
}

gboolean
call_is_ended (HandsetCall *self)
{
  return self->state == HANDSET_CALL_STATE_ENDED;
}

/* Our streams as the event builders take them (they keep their own
 * reference): the call holds it until the next one, so none leaks. */
JsonObject *
call_own_stream_metadata (HandsetCall *self)
{
  g_clear_pointer (&self->stream_metadata, json_object_unref);
  self->stream_metadata = handset_call_event_build_stream_metadata (
      self->media ? handset_media_get_stream_id (self->media) : NULL, self->muted, !self->video);
  if (self->media != NULL && handset_media_get_screenshare_stream_id (self->media) != NULL)
    handset_call_event_add_screenshare (self->stream_metadata,
                                        handset_media_get_screenshare_stream_id (self->media));

  return self->stream_metadata;
}

gboolean
call_can_renegotiate (HandsetCall *self)
{
  /* Version 0 peers know no m.call.negotiate. */
  return self->opponent_selected && self->opponent_version >= 1 &&
         (self->invite == NULL || handset_call_event_get_version (self->invite) >= 1);
}

gboolean
call_from_opponent (HandsetCall *self, HandsetCallEvent *event)
{
  return self->opponent_selected &&
         g_strcmp0 (handset_call_event_get_sender (event), self->opponent_user_id) == 0 &&
         g_strcmp0 (handset_call_event_get_party_id (event), self->opponent_party_id) == 0;
}

void
handset_call_set_opponent (HandsetCall *self,
                           const char *user_id,
                           const char *party_id,
                           int version)
{
  self->opponent_selected = TRUE;
  self->opponent_version = version;
  g_free (self->opponent_user_id);
  self->opponent_user_id = g_strdup (user_id);
  g_free (self->opponent_party_id);
  self->opponent_party_id = g_strdup (party_id);
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_OPPONENT_USER_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_OPPONENT_PARTY_ID]);
}

void
handset_call_set_answered_by_party (HandsetCall *self, const char *party_id)
{
  g_free (self->answered_by_party);
  self->answered_by_party = g_strdup (party_id);
  /* The party ID stands for the device until the manager finds its name. */
  handset_call_set_answered_by (self, party_id);
}

/* ------------------------------------------------------------------ ending */

void
call_end_call (HandsetCall *self, HandsetCallEndReason reason)
{
  if (call_is_ended (self))
    return;

  g_debug ("Call %s ends: %s", self->call_id, handset_call_end_reason_to_string (reason));
  handset_clock_clear (self->clock, &self->invite_timer);
  handset_clock_clear (self->clock, &self->ring_timer);
  handset_clock_clear (self->clock, &self->flush_timer);
  handset_clock_clear (self->clock, &self->ice_restart_timer);
  handset_clock_clear (self->clock, &self->connect_timer);
  g_cancellable_cancel (self->cancellable);
  if (self->media != NULL)
    handset_media_close (self->media);
  g_clear_object (&self->capture);

  self->end_reason = reason;
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_END_REASON]);
  call_set_state (self, HANDSET_CALL_STATE_ENDED);
}

/**
 * handset_call_end_silently:
 *
 * Ends the call here and sends nothing: for a call that loses a glare, or
 * whose room we left.
 */
void
handset_call_end_silently (HandsetCall *self, HandsetCallEndReason reason)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  call_end_call (self, reason);
}

/* ------------------------------------------------------------------ events in */

/* What a hangup of the opponent, with @reason, ends the call as. */
HandsetCallEndReason
handset_call_remote_hangup_reason (HandsetCall *self, const char *reason)
{
  if (self->state == HANDSET_CALL_STATE_RINGING)
    return HANDSET_CALL_END_MISSED;
  if (g_str_equal (reason, HANDSET_HANGUP_USER_HANGUP))
    return HANDSET_CALL_END_REMOTE_HANGUP;
  if (g_str_equal (reason, HANDSET_HANGUP_INVITE_TIMEOUT))
    return HANDSET_CALL_END_MISSED;
  if (g_str_equal (reason, HANDSET_HANGUP_ICE_FAILED))
    return HANDSET_CALL_END_ICE_FAILED;
  if (g_str_equal (reason, HANDSET_HANGUP_ICE_TIMEOUT))
    return HANDSET_CALL_END_ICE_TIMEOUT;
  if (g_str_equal (reason, HANDSET_HANGUP_USER_BUSY))
    return HANDSET_CALL_END_BUSY;
  if (g_str_equal (reason, HANDSET_HANGUP_USER_MEDIA_FAILED))
    return HANDSET_CALL_END_USER_MEDIA_FAILED;
  /* Unknown reasons, and unknown_error: a failure without details. */
  return HANDSET_CALL_END_ERROR;
}

/**
 * handset_call_handle_event:
 *
 * Feeds the call an event of its call ID. Our own echoes must already be
 * gone: the manager drops them.
 */
void
handset_call_handle_event (HandsetCall *self, HandsetCallEvent *event)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (call_is_ended (self))
    return;

  if (self->direction == HANDSET_CALL_DIRECTION_OUTGOING)
    handset_call_caller_handle_event (self, event);
  else
    handset_call_callee_handle_event (self, event);
}

/**
 * handset_call_add_early_candidates:
 *
 * Candidates that came before their invite: applied now if they are the
 * caller's.
 */
void
handset_call_add_early_candidates (HandsetCall *self, HandsetCallEvent *candidates)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  handset_call_handle_event (self, candidates);
}

/* ------------------------------------------------------------------ object */

static void
handset_call_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetCall *self = HANDSET_CALL (object);

  switch (prop_id)
    {
      case PROP_CALL_ID:
        g_value_set_string (value, self->call_id);
        break;
      case PROP_ROOM_ID:
        g_value_set_string (value, self->room_id);
        break;
      case PROP_PARTY_ID:
        g_value_set_string (value, self->party_id);
        break;
      case PROP_DIRECTION:
        g_value_set_enum (value, self->direction);
        break;
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      case PROP_OPPONENT_USER_ID:
        g_value_set_string (value, self->opponent_user_id);
        break;
      case PROP_OPPONENT_PARTY_ID:
        g_value_set_string (value, self->opponent_party_id);
        break;
      case PROP_ANSWERED_BY:
        g_value_set_string (value, self->answered_by);
        break;
      case PROP_END_REASON:
        g_value_set_enum (value, self->end_reason);
        break;
      case PROP_MUTED:
        g_value_set_boolean (value, self->muted);
        break;
      case PROP_ON_HOLD:
        g_value_set_boolean (value, self->on_hold);
        break;
      case PROP_REMOTE_ON_HOLD:
        g_value_set_boolean (value, self->remote_on_hold);
        break;
      case PROP_REMOTE_AUDIO_MUTED:
        g_value_set_boolean (value, self->remote_audio_muted);
        break;
      case PROP_REMOTE_VIDEO_MUTED:
        g_value_set_boolean (value, self->remote_video_muted);
        break;
      case PROP_VIDEO:
        g_value_set_boolean (value, self->video);
        break;
      case PROP_ENCRYPTED:
        g_value_set_boolean (value, self->encrypted);
        break;
      case PROP_WAITING_FOR_JOIN:
        g_value_set_boolean (value, self->waiting_for_join);
        break;
      case PROP_FAILED_DEVICE:
        g_value_set_int (value, self->failed_device);
        break;
      case PROP_WAITING_FOR_KEYS:
        g_value_set_boolean (value, self->waiting_for_keys);
        break;
      case PROP_PEER_TRUST:
        g_value_set_int (value, self->peer_trust);
        break;
      case PROP_MEDIA:
        g_value_set_object (value, self->media);
        break;
      case PROP_SCREENSHARING:
        g_value_set_boolean (value, self->screensharing);
        break;
      case PROP_REMOTE_SCREENSHARE:
        g_value_set_boolean (value, self->remote_screenshare);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_call_dispose (GObject *object)
{
  HandsetCall *self = HANDSET_CALL (object);

  if (self->clock != NULL)
    {
      handset_clock_clear (self->clock, &self->invite_timer);
      handset_clock_clear (self->clock, &self->ring_timer);
      handset_clock_clear (self->clock, &self->flush_timer);
      handset_clock_clear (self->clock, &self->ice_restart_timer);
      handset_clock_clear (self->clock, &self->connect_timer);
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->media != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->media, self);
      handset_media_close (self->media);
    }
  g_clear_object (&self->media);
  g_clear_object (&self->capture);
  g_clear_pointer (&self->candidates_given_ringing, g_ptr_array_unref);
  g_clear_object (&self->clock);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (handset_call_parent_class)->dispose (object);
}

static void
handset_call_finalize (GObject *object)
{
  HandsetCall *self = HANDSET_CALL (object);

  g_free (self->call_id);
  g_free (self->room_id);
  g_free (self->party_id);
  g_free (self->own_user_id);
  g_free (self->invitee);
  g_clear_pointer (&self->invite, handset_call_event_unref);
  g_clear_pointer (&self->stream_metadata, json_object_unref);
  g_strfreev (self->shown_streams);
  call_screenshare_clear (self);
  g_free (self->opponent_user_id);
  g_free (self->opponent_party_id);
  g_free (self->answered_by);
  g_free (self->answered_by_party);
  g_free (self->remote_reason);
  g_free (self->device_error);
  g_ptr_array_unref (self->local_candidates);
  g_ptr_array_unref (self->pending_remote_candidates);
  g_hash_table_unref (self->candidates_by_party);

  G_OBJECT_CLASS (handset_call_parent_class)->finalize (object);
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
handset_call_class_init (HandsetCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_call_get_property;
  object_class->dispose = handset_call_dispose;
  object_class->finalize = handset_call_finalize;

  handset_call_props[PROP_CALL_ID] = string_property ("call-id");
  handset_call_props[PROP_ROOM_ID] = string_property ("room-id");
  handset_call_props[PROP_PARTY_ID] = string_property ("party-id");
  handset_call_props[PROP_DIRECTION] = g_param_spec_enum (
      "direction", NULL, NULL, HANDSET_TYPE_CALL_DIRECTION, HANDSET_CALL_DIRECTION_OUTGOING,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  handset_call_props[PROP_STATE] =
      g_param_spec_enum ("state", NULL, NULL, HANDSET_TYPE_CALL_STATE, HANDSET_CALL_STATE_FLEDGLING,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  handset_call_props[PROP_OPPONENT_USER_ID] = string_property ("opponent-user-id");
  handset_call_props[PROP_OPPONENT_PARTY_ID] = string_property ("opponent-party-id");
  handset_call_props[PROP_ANSWERED_BY] = string_property ("answered-by");
  handset_call_props[PROP_END_REASON] = g_param_spec_enum (
      "end-reason", NULL, NULL, HANDSET_TYPE_CALL_END_REASON, HANDSET_CALL_END_NONE,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  handset_call_props[PROP_MUTED] = boolean_property ("muted");
  handset_call_props[PROP_ON_HOLD] = boolean_property ("on-hold");
  handset_call_props[PROP_REMOTE_ON_HOLD] = boolean_property ("remote-on-hold");
  handset_call_props[PROP_REMOTE_AUDIO_MUTED] = boolean_property ("remote-audio-muted");
  handset_call_props[PROP_REMOTE_VIDEO_MUTED] = boolean_property ("remote-video-muted");
  handset_call_props[PROP_VIDEO] = boolean_property ("video");
  /**
   * HandsetCall:encrypted:
   *
   * The call's signalling is end-to-end encrypted (the room is).
   */
  handset_call_props[PROP_ENCRYPTED] = boolean_property ("encrypted");
  /**
   * HandsetCall:waiting-for-keys:
   *
   * The opponent sent events in the call's room that cannot be read yet:
   * their device has not shared its keys with this one.
   */
  handset_call_props[PROP_WAITING_FOR_KEYS] = boolean_property ("waiting-for-keys");
  /**
   * HandsetCall:waiting-for-join:
   *
   * The one we call has not joined the room yet (a first call, in a direct
   * chat just made): they see the call once they accept.
   */
  handset_call_props[PROP_WAITING_FOR_JOIN] = boolean_property ("waiting-for-join");
  /**
   * HandsetCall:failed-device:
   *
   * The device that failed during the call (a #HandsetCallDevice), which
   * the person should be told about: a call that is silent otherwise.
   */
  handset_call_props[PROP_FAILED_DEVICE] =
      g_param_spec_int ("failed-device", NULL, NULL, HANDSET_CALL_DEVICE_NONE,
                        HANDSET_CALL_DEVICE_CAMERA, HANDSET_CALL_DEVICE_NONE,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HandsetCall:peer-trust:
   *
   * What is known of the other device (a #HandsetPeerTrust): whether its
   * owner signed it, and whether the owner's identity changed.
   */
  handset_call_props[PROP_PEER_TRUST] =
      g_param_spec_int ("peer-trust", NULL, NULL, HANDSET_PEER_TRUST_UNKNOWN,
                        HANDSET_PEER_TRUST_VERIFIED, HANDSET_PEER_TRUST_UNKNOWN,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HandsetCall:media:
   *
   * The call's media: an outgoing call's from the start, an incoming
   * call's from when it is answered (ringing builds none).
   */
  handset_call_props[PROP_MEDIA] =
      g_param_spec_object ("media", NULL, NULL, HANDSET_TYPE_MEDIA,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  call_screenshare_install_properties ();
  g_object_class_install_properties (object_class, N_PROPS, handset_call_props);

  /**
   * HandsetCall::state-changed:
   * @new_state: the state now
   * @old_state: the state before
   */
  signals[SIGNAL_STATE_CHANGED] =
      g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, HANDSET_TYPE_CALL_STATE, HANDSET_TYPE_CALL_STATE);
  /**
   * HandsetCall::send-event:
   * @type: a #HandsetCallEventType
   * @content: the event's content
   *
   * The call wants this event sent to its room.
   */
  signals[SIGNAL_SEND_EVENT] =
      g_signal_new ("send-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_INT, JSON_TYPE_OBJECT);
  call_screenshare_install_signals (G_TYPE_FROM_CLASS (klass));
}

static void
handset_call_init (HandsetCall *self)
{
  self->cancellable = g_cancellable_new ();
  self->opponent_version = 1;
  self->local_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  self->pending_remote_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  self->candidates_by_party =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
}

void
handset_call_attach_media (HandsetCall *self, HandsetMedia *media)
{
  self->media = g_object_ref (media);
  g_signal_connect (media, "local-candidate", G_CALLBACK (call_local_candidate_cb), self);
  g_signal_connect (media, "gathering-done", G_CALLBACK (call_gathering_done_cb), self);
  g_signal_connect (media, "ice-state-changed", G_CALLBACK (call_ice_state_changed_cb), self);
  g_signal_connect (media, "device-failed", G_CALLBACK (call_device_failed_cb), self);
  g_signal_connect (media, "screenshare-ended", G_CALLBACK (call_screenshare_ended_cb), self);
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_MEDIA]);
}

static HandsetCall *
call_new (HandsetClock *clock,
          const char *own_user_id,
          const char *room_id,
          const char *call_id,
          const char *party_id)
{
  HandsetCall *self = g_object_new (HANDSET_TYPE_CALL, NULL);

  self->clock = g_object_ref (clock);
  self->own_user_id = g_strdup (own_user_id);
  self->room_id = g_strdup (room_id);
  self->call_id = g_strdup (call_id);
  self->party_id = g_strdup (party_id);

  return self;
}

/**
 * handset_call_new_outgoing:
 * @invitee: (nullable): the user called; %NULL lets anyone in the room
 *   answer
 *
 * Returns: (transfer full): a call that handset_call_place() starts
 */
HandsetCall *
handset_call_new_outgoing (HandsetClock *clock,
                           HandsetMedia *media,
                           const char *own_user_id,
                           const char *room_id,
                           const char *call_id,
                           const char *party_id,
                           const char *invitee,
                           gboolean video)
{
  HandsetCall *self = call_new (clock, own_user_id, room_id, call_id, party_id);

  handset_call_attach_media (self, media);
  self->direction = HANDSET_CALL_DIRECTION_OUTGOING;
  self->invitee = g_strdup (invitee);
  self->video = video;

  return self;
}

/**
 * handset_call_new_incoming:
 * @media_factory: makes the call's media when it is answered; until then
 *   it has none
 * @invite: the m.call.invite
 * @party_id: our party ID for this call
 *
 * Returns: (transfer full): a call in the state fledgling; the manager
 *   makes it ring once the whole batch is known
 */
HandsetCall *
handset_call_new_incoming (HandsetClock *clock,
                           HandsetMediaFactory media_factory,
                           gpointer media_factory_data,
                           const char *own_user_id,
                           HandsetCallEvent *invite,
                           const char *party_id)
{
  HandsetCall *self = call_new (clock, own_user_id, handset_call_event_get_room_id (invite),
                                handset_call_event_get_call_id (invite), party_id);
  HandsetSdpSummary sdp;

  self->media_factory = media_factory;
  self->media_factory_data = media_factory_data;
  self->direction = HANDSET_CALL_DIRECTION_INCOMING;
  self->invite = handset_call_event_ref (invite);
  self->invitee = g_strdup (handset_call_event_get_invitee (invite));
  self->remote_dtmf = handset_call_event_get_dtmf (invite);
  handset_sdp_summarize (handset_call_event_get_sdp (invite), &sdp);
  self->remote_video = sdp.sends_video;
  handset_call_set_opponent (self, handset_call_event_get_sender (invite),
                             handset_call_event_get_party_id (invite),
                             handset_call_event_get_version (invite));
  call_handle_stream_metadata (self, handset_call_event_get_stream_metadata (invite));

  return self;
}
