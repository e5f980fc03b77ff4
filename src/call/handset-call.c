/* handset-call.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One call, by the rules of Matrix VoIP v1: its state, its opponent (user
 * and party), its timers (the invite's lifetime, ringing, candidate
 * batching, ICE restart) and its media. It never does HTTP: what it wants
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

static void attach_media (HandsetCall *self, HandsetMedia *media);

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

static void
set_opponent (HandsetCall *self, const char *user_id, const char *party_id, int version)
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

static void
set_answered_by_party (HandsetCall *self, const char *party_id)
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

/* ------------------------------------------------------------------ outgoing */

static void
invite_timeout_cb (gpointer user_data)
{
  HandsetCall *self = HANDSET_CALL (user_data);

  self->invite_timer = 0;
  if (self->state != HANDSET_CALL_STATE_INVITE_SENT)
    return;

  call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                   handset_call_event_build_hangup (self->call_id, self->party_id,
                                                    HANDSET_HANGUP_INVITE_TIMEOUT));
  call_end_call (self, HANDSET_CALL_END_NO_ANSWER);
}

static void
offer_created_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = NULL;

  sdp = handset_media_create_offer_finish (HANDSET_MEDIA (object), result, &error);
  if (call_is_ended (self))
    return;

  if (sdp == NULL)
    {
      g_warning ("Call %s: no offer: %s", self->call_id, error->message);
      call_end_call (self, HANDSET_CALL_END_USER_MEDIA_FAILED);
      return;
    }

  call_send_event (self, HANDSET_CALL_EVENT_INVITE,
                   handset_call_event_build_invite (self->call_id, self->party_id, sdp,
                                                    HANDSET_CALL_INVITE_LIFETIME_MS, self->invitee,
                                                    call_own_stream_metadata (self)));
  call_set_state (self, HANDSET_CALL_STATE_INVITE_SENT);
  self->invite_timer = handset_clock_add_timeout (self->clock, HANDSET_CALL_INVITE_LIFETIME_MS,
                                                  invite_timeout_cb, self);
  call_allow_candidates (self, HANDSET_CALL_FIRST_FLUSH_CALLER_MS);
}

/**
 * handset_call_place:
 *
 * Starts an outgoing call: media, offer, invite.
 */
void
handset_call_place (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));
  g_return_if_fail (self->state == HANDSET_CALL_STATE_FLEDGLING);

  call_set_state (self, HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA);
  /* The media session opens its devices when it is made; the offer is
   * what waits. */
  call_set_state (self, HANDSET_CALL_STATE_CREATE_OFFER);
  self->making_offer = TRUE;
  handset_media_create_offer (self->media, FALSE, self->cancellable, offer_created_cb,
                              g_object_ref (self));
}

static void
remote_answer_set_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;

  self->making_offer = FALSE;
  if (!handset_media_set_remote_description_finish (HANDSET_MEDIA (object), result, &error))
    {
      if (call_is_ended (self))
        return;
      g_warning ("Call %s: the answer cannot be used: %s", self->call_id, error->message);
      call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                       handset_call_event_build_hangup (self->call_id, self->party_id,
                                                        HANDSET_HANGUP_UNKNOWN_ERROR));
      call_end_call (self, HANDSET_CALL_END_ERROR);
      return;
    }

  self->remote_description_set = TRUE;
  self->local_offer_pending = FALSE;
  call_apply_pending_candidates (self);
}

static void
select_answer (HandsetCall *self, HandsetCallEvent *answer)
{
  const char *sender = handset_call_event_get_sender (answer);
  const char *party = handset_call_event_get_party_id (answer);
  g_autofree char *key = call_party_key (sender, party);
  GPtrArray *buffered;

  handset_clock_clear (self->clock, &self->invite_timer);
  set_opponent (self, sender, party, handset_call_event_get_version (answer));
  self->remote_dtmf = handset_call_event_get_dtmf (answer);
  set_answered_by_party (self, party);

  /* Only the chosen party's candidates reach the ICE agent. */
  buffered = g_hash_table_lookup (self->candidates_by_party, key);
  if (buffered != NULL)
    call_give_to_media (self, buffered);
  g_hash_table_remove_all (self->candidates_by_party);

  if (party != NULL)
    call_send_event (self, HANDSET_CALL_EVENT_SELECT_ANSWER,
                     handset_call_event_build_select_answer (self->call_id, self->party_id, party));

  call_set_state (self, HANDSET_CALL_STATE_CONNECTING);
  handset_media_set_remote_description (self->media, "answer", handset_call_event_get_sdp (answer),
                                        self->cancellable, remote_answer_set_cb,
                                        g_object_ref (self));
}

/* ------------------------------------------------------------------ incoming */

static void remote_offer_set_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
ring_timeout_cb (gpointer user_data)
{
  HandsetCall *self = HANDSET_CALL (user_data);

  self->ring_timer = 0;
  /* The invite expired while ringing: stop, and send nothing. */
  if (self->state == HANDSET_CALL_STATE_RINGING)
    call_end_call (self, HANDSET_CALL_END_MISSED);
}

/**
 * handset_call_start_ringing:
 * @remaining_ms: how long the invite stays valid
 *
 * Called by the manager once the whole sync batch says this call should
 * ring.
 */
void
handset_call_start_ringing (HandsetCall *self, gint64 remaining_ms)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->state != HANDSET_CALL_STATE_FLEDGLING)
    return;

  self->rang = TRUE;
  call_set_state (self, HANDSET_CALL_STATE_RINGING);
  self->ring_timer = handset_clock_add_timeout (
      self->clock, (guint) CLAMP (remaining_ms, 0, G_MAXINT), ring_timeout_cb, self);
}

static void
answer_created_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = NULL;

  sdp = handset_media_create_answer_finish (HANDSET_MEDIA (object), result, &error);
  if (call_is_ended (self))
    return;

  if (sdp == NULL)
    {
      g_warning ("Call %s: no answer: %s", self->call_id, error->message);
      call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                       handset_call_event_build_hangup (self->call_id, self->party_id,
                                                        HANDSET_HANGUP_USER_MEDIA_FAILED));
      call_end_call (self, HANDSET_CALL_END_USER_MEDIA_FAILED);
      return;
    }

  call_send_event (self, HANDSET_CALL_EVENT_ANSWER,
                   handset_call_event_build_answer (self->call_id, self->party_id, sdp,
                                                    call_own_stream_metadata (self)));
  call_set_state (self, HANDSET_CALL_STATE_CONNECTING);
  /* Candidates only after the answer went out. */
  call_allow_candidates (self, HANDSET_CALL_FIRST_FLUSH_CALLEE_MS);
}

static void
create_answer_now (HandsetCall *self)
{
  call_set_state (self, HANDSET_CALL_STATE_CREATE_ANSWER);
  handset_media_create_answer (self->media, self->cancellable, answer_created_cb,
                               g_object_ref (self));
}

static void
remote_offer_set_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_media_set_remote_description_finish (HANDSET_MEDIA (object), result, &error))
    {
      if (call_is_ended (self))
        return;
      /* An offer we cannot use: the call cannot work, and the caller
       * hears why (it is only read once the call is answered). */
      g_warning ("Call %s: the offer cannot be used: %s", self->call_id, error->message);
      call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                       handset_call_event_build_hangup (self->call_id, self->party_id,
                                                        HANDSET_HANGUP_UNKNOWN_ERROR));
      call_end_call (self, HANDSET_CALL_END_ERROR);
      return;
    }

  self->remote_description_set = TRUE;
  call_apply_pending_candidates (self);
  if (self->answer_wanted && !call_is_ended (self))
    create_answer_now (self);
}

/**
 * handset_call_answer:
 * @video: whether to send video
 */
void
handset_call_answer (HandsetCall *self, gboolean video)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->state != HANDSET_CALL_STATE_RINGING && self->state != HANDSET_CALL_STATE_FLEDGLING)
    return;

  handset_clock_clear (self->clock, &self->ring_timer);
  if (video != self->video)
    {
      self->video = video;
      g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_VIDEO]);
    }
  call_set_state (self, HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA);
  self->answer_wanted = TRUE;
  if (self->media == NULL)
    {
      g_autoptr (HandsetMedia) media =
          self->media_factory (video, self->media_factory_data, &error);

      if (media == NULL)
        {
          g_warning ("Call %s cannot be answered: %s", self->call_id, error->message);
          call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                           handset_call_event_build_hangup (self->call_id, self->party_id,
                                                            HANDSET_HANGUP_USER_MEDIA_FAILED));
          call_end_call (self, HANDSET_CALL_END_USER_MEDIA_FAILED);
          return;
        }
      attach_media (self, media);
      handset_media_set_muted (media, self->muted);
      if (self->shown_streams != NULL)
        handset_media_set_shown_streams (media, (const char *const *) self->shown_streams);
      /* The offer, then the candidates that came with or after it; once it
       * is set, the answer is made (remote_offer_set_cb). */
      handset_media_set_remote_description (
          media, "offer", handset_call_event_get_sdp (self->invite), self->cancellable,
          remote_offer_set_cb, g_object_ref (self));
      return;
    }
  handset_media_set_video (self->media, video);
  if (self->remote_description_set)
    create_answer_now (self);
}

/**
 * handset_call_reject:
 *
 * Declines a ringing call everywhere: an m.call.reject stops every device
 * of ours. A version 0 caller knows no reject and gets a hangup.
 */
void
handset_call_reject (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  /* Only before an answer went out. */
  if (self->direction != HANDSET_CALL_DIRECTION_INCOMING ||
      self->state >= HANDSET_CALL_STATE_CONNECTING)
    return;

  if (self->opponent_version == 0)
    call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                     handset_call_event_build_hangup (self->call_id, self->party_id,
                                                      HANDSET_HANGUP_USER_HANGUP));
  else
    call_send_event (self, HANDSET_CALL_EVENT_REJECT,
                     handset_call_event_build_reject (self->call_id, self->party_id));
  call_end_call (self, HANDSET_CALL_END_LOCAL_REJECT);
}

/**
 * handset_call_refuse_busy:
 *
 * An incoming call that may not ring here (too many ring already) is
 * refused with a hangup whose reason is `user_busy`; here it was missed.
 */
void
handset_call_refuse_busy (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->direction != HANDSET_CALL_DIRECTION_INCOMING ||
      self->state != HANDSET_CALL_STATE_FLEDGLING)
    return;

  call_send_event (
      self, HANDSET_CALL_EVENT_HANGUP,
      handset_call_event_build_hangup (self->call_id, self->party_id, HANDSET_HANGUP_USER_BUSY));
  call_end_call (self, HANDSET_CALL_END_MISSED);
}

/**
 * handset_call_hangup:
 *
 * Ends the call from this side. A caller cancelling before an answer sends
 * a hangup, never a reject.
 */
void
handset_call_hangup (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (call_is_ended (self))
    return;

  if (self->direction == HANDSET_CALL_DIRECTION_INCOMING &&
      self->state < HANDSET_CALL_STATE_CONNECTING)
    {
      handset_call_reject (self);
      return;
    }

  /* Before the invite went out there is nobody to tell. */
  if (self->state >= HANDSET_CALL_STATE_INVITE_SENT)
    call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                     handset_call_event_build_hangup (self->call_id, self->party_id,
                                                      HANDSET_HANGUP_USER_HANGUP));
  call_end_call (self, HANDSET_CALL_END_LOCAL_HANGUP);
}

/**
 * handset_call_replace:
 *
 * Ends an outgoing call that lost a glare: the peer is told, with a
 * hangup, and the call ends as replaced.
 */
void
handset_call_replace (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (call_is_ended (self))
    return;

  if (self->state >= HANDSET_CALL_STATE_INVITE_SENT)
    call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                     handset_call_event_build_hangup (self->call_id, self->party_id,
                                                      HANDSET_HANGUP_USER_HANGUP));
  call_end_call (self, HANDSET_CALL_END_REPLACED);
}

/* ------------------------------------------------------------------ events in */

static HandsetCallEndReason
reason_for_remote_hangup (HandsetCall *self, const char *reason)
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

static void
handle_as_caller (HandsetCall *self, HandsetCallEvent *event)
{
  const char *sender = handset_call_event_get_sender (event);
  const char *party = handset_call_event_get_party_id (event);

  switch (handset_call_event_get_event_type (event))
    {
      case HANDSET_CALL_EVENT_ANSWER:
        /* The first answer wins; later ones change nothing. */
        if (self->state == HANDSET_CALL_STATE_INVITE_SENT && !self->opponent_selected)
          {
            call_handle_stream_metadata (self, handset_call_event_get_stream_metadata (event));
            select_answer (self, event);
          }
        break;

      case HANDSET_CALL_EVENT_REJECT:
        if (self->state == HANDSET_CALL_STATE_INVITE_SENT && !self->opponent_selected)
          {
            /* The spec has the caller select the rejecting party. */
            if (party != NULL)
              call_send_event (
                  self, HANDSET_CALL_EVENT_SELECT_ANSWER,
                  handset_call_event_build_select_answer (self->call_id, self->party_id, party));
            set_answered_by_party (self, party);
            call_end_call (self, HANDSET_CALL_END_DECLINED);
          }
        break;

      case HANDSET_CALL_EVENT_CANDIDATES:
        if (self->opponent_selected)
          {
            if (call_from_opponent (self, event))
              call_give_to_media (self, handset_call_event_get_candidates (event));
          }
        else
          {
            g_autofree char *key = call_party_key (sender, party);
            GPtrArray *buffered = g_hash_table_lookup (self->candidates_by_party, key);
            GPtrArray *incoming = handset_call_event_get_candidates (event);

            if (buffered == NULL)
              {
                if (g_hash_table_size (self->candidates_by_party) >= MAX_BUFFERED_PARTIES)
                  {
                    g_debug ("Call %s: candidates of one party too many dropped", self->call_id);
                    break;
                  }
                buffered =
                    g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
                g_hash_table_insert (self->candidates_by_party, g_steal_pointer (&key), buffered);
              }
            for (guint i = 0; i < incoming->len && buffered->len < MAX_BUFFERED_CANDIDATES; i++)
              g_ptr_array_add (buffered,
                               handset_ice_candidate_copy (g_ptr_array_index (incoming, i)));
          }
        break;

      case HANDSET_CALL_EVENT_HANGUP:
        if (call_from_opponent (self, event))
          {
            g_free (self->remote_reason);
            self->remote_reason = g_strdup (handset_call_event_get_reason (event));
            call_end_call (self, reason_for_remote_hangup (self, self->remote_reason));
          }
        else if (!self->opponent_selected && handset_call_event_get_version (event) == 0)
          {
            /* A version 0 callee declines with a hangup. */
            call_end_call (self, HANDSET_CALL_END_DECLINED);
          }
        /* A hangup from another party leaves the call to the others. */
        break;

      case HANDSET_CALL_EVENT_NEGOTIATE:
        call_handle_negotiate (self, event);
        break;

      case HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED:
        if (call_from_opponent (self, event))
          call_handle_stream_metadata (self, handset_call_event_get_stream_metadata (event));
        break;

      case HANDSET_CALL_EVENT_INVITE:
      case HANDSET_CALL_EVENT_SELECT_ANSWER:
      default:
        break;
    }
}

static void
handle_as_callee (HandsetCall *self, HandsetCallEvent *event)
{
  const char *sender = handset_call_event_get_sender (event);
  const char *party = handset_call_event_get_party_id (event);
  gboolean from_own_user = g_strcmp0 (sender, self->own_user_id) == 0;

  switch (handset_call_event_get_event_type (event))
    {
      case HANDSET_CALL_EVENT_CANDIDATES:
        if (call_from_opponent (self, event))
          call_give_to_media (self, handset_call_event_get_candidates (event));
        break;

      case HANDSET_CALL_EVENT_HANGUP:
        if (call_from_opponent (self, event))
          {
            g_free (self->remote_reason);
            self->remote_reason = g_strdup (handset_call_event_get_reason (event));
            call_end_call (self, reason_for_remote_hangup (self, self->remote_reason));
          }
        break;

      case HANDSET_CALL_EVENT_REJECT:
        /* Declined on another device of ours: every device stops. */
        if (from_own_user && g_strcmp0 (party, self->party_id) != 0 &&
            self->state < HANDSET_CALL_STATE_CONNECTING)
          {
            set_answered_by_party (self, party);
            call_end_call (self, HANDSET_CALL_END_DECLINED_ELSEWHERE);
          }
        break;

      case HANDSET_CALL_EVENT_ANSWER:
        /* Another device of ours answered; a select_answer will follow, but
         * a ringing device can stop now. */
        if (from_own_user && g_strcmp0 (party, self->party_id) != 0 &&
            (self->state == HANDSET_CALL_STATE_RINGING ||
             self->state == HANDSET_CALL_STATE_FLEDGLING))
          {
            set_answered_by_party (self, party);
            call_end_call (self, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
          }
        break;

      case HANDSET_CALL_EVENT_SELECT_ANSWER:
        if (call_from_opponent (self, event) &&
            g_strcmp0 (handset_call_event_get_selected_party_id (event), self->party_id) != 0)
          {
            set_answered_by_party (self, handset_call_event_get_selected_party_id (event));
            call_end_call (self, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
          }
        break;

      case HANDSET_CALL_EVENT_NEGOTIATE:
        call_handle_negotiate (self, event);
        break;

      case HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED:
        if (call_from_opponent (self, event))
          call_handle_stream_metadata (self, handset_call_event_get_stream_metadata (event));
        break;

      case HANDSET_CALL_EVENT_INVITE:
      default:
        break;
    }
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
    handle_as_caller (self, event);
  else
    handle_as_callee (self, event);
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

/* ------------------------------------------------------------------ controls */

void
handset_call_set_muted (HandsetCall *self, gboolean muted)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->muted == muted || call_is_ended (self))
    return;

  call_set_boolean (self, &self->muted, muted, PROP_MUTED);
  if (self->media != NULL)
    handset_media_set_muted (self->media, muted);
  /* Tell the peer, so it can show it; nothing is renegotiated. */
  if (self->opponent_selected && self->opponent_version >= 1)
    call_send_event (self, HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED,
                     handset_call_event_build_sdp_stream_metadata_changed (
                         self->call_id, self->party_id, call_own_stream_metadata (self)));
}

/**
 * handset_call_set_on_hold:
 *
 * Holds or resumes through m.call.negotiate (`sendonly` then `sendrecv`).
 */
void
handset_call_set_on_hold (HandsetCall *self, gboolean on_hold)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  /* A call that rings (no media yet) is answered or declined, not held. */
  if (self->on_hold == on_hold || !call_can_renegotiate (self) || call_is_ended (self) ||
      self->media == NULL)
    return;

  call_set_boolean (self, &self->on_hold, on_hold, PROP_ON_HOLD);
  handset_media_set_local_hold (self->media, on_hold);
  call_start_negotiation (self, FALSE);
}

/**
 * handset_call_set_video:
 *
 * Adds video to a call, or stops it, through m.call.negotiate.
 */
void
handset_call_set_video (HandsetCall *self, gboolean video)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->video == video || call_is_ended (self))
    return;

  self->video = video;
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_VIDEO]);
  if (self->media != NULL)
    handset_media_set_video (self->media, video);
  if (self->state == HANDSET_CALL_STATE_CONNECTING || self->state == HANDSET_CALL_STATE_CONNECTED)
    call_start_negotiation (self, FALSE);
}

/**
 * handset_call_set_answered_by:
 * @device_name: (nullable): a name for the device that answered
 */
void
handset_call_set_answered_by (HandsetCall *self, const char *device_name)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (g_strcmp0 (self->answered_by, device_name) == 0)
    return;

  g_free (self->answered_by);
  self->answered_by = g_strdup (device_name);
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_ANSWERED_BY]);
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

static void
attach_media (HandsetCall *self, HandsetMedia *media)
{
  self->media = g_object_ref (media);
  g_signal_connect (media, "local-candidate", G_CALLBACK (call_local_candidate_cb), self);
  g_signal_connect (media, "gathering-done", G_CALLBACK (call_gathering_done_cb), self);
  g_signal_connect (media, "ice-state-changed", G_CALLBACK (call_ice_state_changed_cb), self);
  g_signal_connect (media, "device-failed", G_CALLBACK (call_device_failed_cb), self);
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

  attach_media (self, media);
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
  set_opponent (self, handset_call_event_get_sender (invite),
                handset_call_event_get_party_id (invite), handset_call_event_get_version (invite));
  call_handle_stream_metadata (self, handset_call_event_get_stream_metadata (invite));

  return self;
}

/* ------------------------------------------------------------------ getters */

/**
 * handset_call_get_remote_video:
 *
 * Returns: whether the caller's invite sends video: the call rings as a
 *   video call
 */
gboolean
handset_call_get_remote_video (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->remote_video;
}

const char *
handset_call_get_call_id (HandsetCall *self)
{
  return self->call_id;
}

const char *
handset_call_get_room_id (HandsetCall *self)
{
  return self->room_id;
}

const char *
handset_call_get_party_id (HandsetCall *self)
{
  return self->party_id;
}

HandsetCallDirection
handset_call_get_direction (HandsetCall *self)
{
  return self->direction;
}

HandsetCallState
handset_call_get_state (HandsetCall *self)
{
  return self->state;
}

/**
 * handset_call_get_invitee:
 *
 * Returns: (nullable): whom the invite was for
 */
const char *
handset_call_get_invitee (HandsetCall *self)
{
  return self->invitee;
}

/**
 * handset_call_get_opponent_user_id:
 *
 * Returns: (nullable): the other party's user; %NULL for an outgoing call
 *   until an answer is chosen
 */
const char *
handset_call_get_opponent_user_id (HandsetCall *self)
{
  return self->opponent_user_id;
}

/**
 * handset_call_get_opponent_party_id:
 *
 * Returns: (nullable): the other party's party ID
 */
const char *
handset_call_get_opponent_party_id (HandsetCall *self)
{
  return self->opponent_party_id;
}

int
handset_call_get_opponent_version (HandsetCall *self)
{
  return self->opponent_version;
}

/**
 * handset_call_get_answered_by:
 *
 * Returns: (nullable): the device that answered or declined: ours when
 *   another device of ours took the call, theirs when we called
 */
const char *
handset_call_get_answered_by (HandsetCall *self)
{
  return self->answered_by;
}

/**
 * handset_call_get_answered_by_party:
 *
 * Returns: (nullable): the party ID behind handset_call_get_answered_by()
 */
const char *
handset_call_get_answered_by_party (HandsetCall *self)
{
  return self->answered_by_party;
}

HandsetCallEndReason
handset_call_get_end_reason (HandsetCall *self)
{
  return self->end_reason;
}

/**
 * handset_call_get_remote_reason:
 *
 * Returns: (nullable): the reason of the opponent's hangup, as sent
 */
const char *
handset_call_get_remote_reason (HandsetCall *self)
{
  return self->remote_reason;
}

gboolean
handset_call_get_video (HandsetCall *self)
{
  return self->video;
}

gboolean
handset_call_get_muted (HandsetCall *self)
{
  return self->muted;
}

gboolean
handset_call_get_on_hold (HandsetCall *self)
{
  return self->on_hold;
}

gboolean
handset_call_get_remote_on_hold (HandsetCall *self)
{
  return self->remote_on_hold;
}

gboolean
handset_call_get_remote_audio_muted (HandsetCall *self)
{
  return self->remote_audio_muted;
}

gboolean
handset_call_get_remote_video_muted (HandsetCall *self)
{
  return self->remote_video_muted;
}

/**
 * handset_call_get_remote_dtmf:
 *
 * Returns: whether the peer asked for DTMF (`capabilities`)
 */
gboolean
handset_call_get_remote_dtmf (HandsetCall *self)
{
  return self->remote_dtmf;
}

/**
 * handset_call_get_rang:
 *
 * Returns: whether this incoming call ever rang here
 */
gboolean
handset_call_get_rang (HandsetCall *self)
{
  return self->rang;
}

/**
 * handset_call_get_connected_time:
 *
 * Returns: the clock's time when the call connected, or 0
 */
gint64
handset_call_get_connected_time (HandsetCall *self)
{
  return self->connected_time;
}

/**
 * handset_call_get_media:
 *
 * Returns: (transfer none) (nullable): the call's media; an incoming
 *   call has none until it is answered (see #HandsetCall:media)
 */
HandsetMedia *
handset_call_get_media (HandsetCall *self)
{
  return self->media;
}

/**
 * handset_call_get_invite:
 *
 * Returns: (transfer none) (nullable): the invite of an incoming call
 */
HandsetCallEvent *
handset_call_get_invite (HandsetCall *self)
{
  return self->invite;
}

/**
 * handset_call_get_n_buffered_candidates:
 *
 * Returns: how many remote candidates the call keeps until it can use
 *   them, for every party that sent some; for tests and diagnostics
 */
guint
handset_call_get_n_buffered_candidates (HandsetCall *self)
{
  GHashTableIter iter;
  gpointer buffered;
  guint n;

  g_return_val_if_fail (HANDSET_IS_CALL (self), 0);

  n = self->pending_remote_candidates->len;
  g_hash_table_iter_init (&iter, self->candidates_by_party);
  while (g_hash_table_iter_next (&iter, NULL, &buffered))
    n += ((GPtrArray *) buffered)->len;

  return n;
}

/**
 * handset_call_is_active:
 *
 * Returns: whether the call has not ended
 */
gboolean
handset_call_is_active (HandsetCall *self)
{
  return self->state != HANDSET_CALL_STATE_ENDED;
}

gboolean
handset_call_get_encrypted (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->encrypted;
}

void
handset_call_set_encrypted (HandsetCall *self, gboolean encrypted)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  call_set_boolean (self, &self->encrypted, encrypted, PROP_ENCRYPTED);
}

gboolean
handset_call_get_waiting_for_keys (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->waiting_for_keys;
}

gboolean
handset_call_get_waiting_for_join (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);
  return self->waiting_for_join;
}

void
handset_call_set_waiting_for_join (HandsetCall *self, gboolean waiting)
{
  g_return_if_fail (HANDSET_IS_CALL (self));
  call_set_boolean (self, &self->waiting_for_join, waiting, PROP_WAITING_FOR_JOIN);
}

/**
 * handset_call_set_waiting_for_keys:
 *
 * Says whether the opponent's events cannot be read yet; any event of the
 * opponent that is read clears it.
 */
void
handset_call_set_waiting_for_keys (HandsetCall *self, gboolean waiting)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  call_set_boolean (self, &self->waiting_for_keys, waiting, PROP_WAITING_FOR_KEYS);
}

/**
 * handset_peer_trust_is_cross_signed:
 *
 * Returns: whether the other device is cross-signed by its owner (whether
 *   or not we verified them), their identity unchanged
 */
gboolean
handset_peer_trust_is_cross_signed (HandsetPeerTrust trust)
{
  return trust == HANDSET_PEER_TRUST_CROSS_SIGNED || trust == HANDSET_PEER_TRUST_VERIFIED;
}

HandsetPeerTrust
handset_call_get_peer_trust (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), HANDSET_PEER_TRUST_UNKNOWN);

  return self->peer_trust;
}

/**
 * handset_call_set_peer_trust:
 *
 * What the encryption says of the device the opponent calls or answers
 * from.
 */
void
handset_call_set_peer_trust (HandsetCall *self, HandsetPeerTrust trust)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->peer_trust == trust)
    return;
  self->peer_trust = trust;
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_PEER_TRUST]);
}
