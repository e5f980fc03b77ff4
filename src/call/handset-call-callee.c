/* handset-call-callee.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call that rings here: ringing for the invite's lifetime, answering
 * (its media made only then, the offer set, the answer sent), declining
 * with a reject (a hangup to a version 0 caller) or as busy, and another
 * device of ours answering or declining it.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

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
  call_prepare_answer (self);
}

static void
answer_created_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = NULL;
  JsonObject *answer;

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

  answer = handset_call_event_build_answer (self->call_id, self->party_id, sdp,
                                            call_own_stream_metadata (self));
  handset_call_event_set_capabilities (answer, handset_media_can_send_dtmf (self->media));
  call_send_event (self, HANDSET_CALL_EVENT_ANSWER, answer);
  call_set_state (self, HANDSET_CALL_STATE_CONNECTING);
  /* Candidates only after the answer went out. */
  call_allow_candidates (self, HANDSET_CALL_FIRST_FLUSH_CALLEE_MS);
}

void
call_create_answer_now (HandsetCall *self)
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
    call_create_answer_now (self);
}

/**
 * call_take_answer_media:
 *
 * The media an incoming call answers with, made on answering or while it
 * rings: attached, muted as the call is, showing the streams it shows.
 */
void
call_take_answer_media (HandsetCall *self, HandsetMedia *media)
{
  handset_call_attach_media (self, media);
  handset_media_set_muted (media, self->muted);
  if (self->shown_streams != NULL)
    handset_media_set_shown_streams (media, (const char *const *) self->shown_streams);
}

/**
 * call_answer_afresh:
 *
 * The call's media made now (unless made already), the offer set, then
 * the answer made and sent.
 */
void
call_answer_afresh (HandsetCall *self)
{
  g_autoptr (GError) error = NULL;

  call_set_state (self, HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA);
  self->answer_wanted = TRUE;
  if (self->media == NULL)
    {
      g_autoptr (HandsetMedia) media =
          self->media_factory (self->video, self->media_factory_data, &error);

      if (media == NULL)
        {
          g_warning ("Call %s cannot be answered: %s", self->call_id, error->message);
          call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                           handset_call_event_build_hangup (self->call_id, self->party_id,
                                                            HANDSET_HANGUP_USER_MEDIA_FAILED));
          call_end_call (self, HANDSET_CALL_END_USER_MEDIA_FAILED);
          return;
        }
      /* A glare's survivor answers with the devices the lost call
       * opened (§17 #48). */
      if (self->capture != NULL)
        {
          handset_media_adopt_capture (media, self->capture);
          g_clear_object (&self->capture);
        }
      call_take_answer_media (self, media);
      /* The offer, then the candidates that came with or after it; once it
       * is set, the answer is made (remote_offer_set_cb). */
      handset_media_set_remote_description (
          media, "offer", handset_call_event_get_sdp (self->invite), self->cancellable,
          remote_offer_set_cb, g_object_ref (self));
      return;
    }
  handset_media_set_video (self->media, self->video);
  if (self->remote_description_set)
    call_create_answer_now (self);
}

/**
 * handset_call_answer:
 * @video: whether to send video
 */
void
handset_call_answer (HandsetCall *self, gboolean video)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->state != HANDSET_CALL_STATE_RINGING && self->state != HANDSET_CALL_STATE_FLEDGLING)
    return;

  handset_clock_clear (self->clock, &self->ring_timer);
  if (video != self->video)
    {
      self->video = video;
      g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_VIDEO]);
    }
  /* Made while it rang, the answer only waits to be sent. */
  if (call_answer_prepared (self, video))
    return;
  call_answer_afresh (self);
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

/* ------------------------------------------------------------------ events in */

void
handset_call_callee_handle_event (HandsetCall *self, HandsetCallEvent *event)
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
            call_end_call (self, handset_call_remote_hangup_reason (self, self->remote_reason));
          }
        break;

      case HANDSET_CALL_EVENT_REJECT:
        /* Declined on another device of ours: every device stops. */
        if (from_own_user && g_strcmp0 (party, self->party_id) != 0 &&
            self->state < HANDSET_CALL_STATE_CONNECTING)
          {
            handset_call_set_answered_by_party (self, party);
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
            handset_call_set_answered_by_party (self, party);
            call_end_call (self, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
          }
        break;

      case HANDSET_CALL_EVENT_SELECT_ANSWER:
        if (call_from_opponent (self, event) &&
            g_strcmp0 (handset_call_event_get_selected_party_id (event), self->party_id) != 0)
          {
            handset_call_set_answered_by_party (self,
                                                handset_call_event_get_selected_party_id (event));
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
