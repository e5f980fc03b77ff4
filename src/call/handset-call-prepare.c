/* handset-call-prepare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ringing call's answer, made while it rings: its media made with
 * silence for the microphone, the offer set and the answer made, so that
 * answering only opens the microphone and sends it. Nothing reaches the
 * caller before the person answers: neither our answer nor our
 * candidates, and the caller's candidates wait too, so no connectivity
 * check tells the caller where we are; unless the person chose to
 * connect while ringing, when the caller's candidates are given at once.
 * A video call's answer is made with video, black pictures standing for
 * the camera, which opens only when the person answers with video. An
 * answer that does not match (a video call answered with voice alone), or
 * one whose connection failed while ringing, is made afresh.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

/**
 * handset_call_set_prepare_answer:
 * @prepare: whether to make the answer while the call rings
 * @connect: whether the connection to the caller may start then
 */
void
handset_call_set_prepare_answer (HandsetCall *self, gboolean prepare, gboolean connect)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  self->prepare_answer = prepare;
  self->connect_while_ringing = prepare && connect;
}

/* The prepared media goes: the answer is made afresh. */
static void
drop_prepared (HandsetCall *self)
{
  g_autoptr (HandsetMedia) media = g_steal_pointer (&self->media);

  self->prepared = CALL_PREPARED_NONE;
  self->remote_description_set = FALSE;
  self->gathering_done = FALSE;
  /* What the caller sent, for the media made afresh. */
  if (self->candidates_given_ringing != NULL)
    {
      g_ptr_array_extend_and_steal (self->candidates_given_ringing,
                                    g_steal_pointer (&self->pending_remote_candidates));
      self->pending_remote_candidates = g_steal_pointer (&self->candidates_given_ringing);
    }
  if (media != NULL)
    {
      g_signal_handlers_disconnect_by_data (media, self);
      handset_media_close (media);
      g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_MEDIA]);
    }
}

static void
prepared_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;
  gboolean ok = handset_media_prepare_answer_finish (HANDSET_MEDIA (object), result, &error);

  /* Ended, or dropped for an answer made afresh. */
  if (call_is_ended (self) || HANDSET_MEDIA (object) != self->media)
    return;
  if (!ok || self->prepared == CALL_PREPARED_UNUSABLE)
    {
      g_debug ("Call %s: the answer could not be made while ringing: %s", self->call_id,
               error ? error->message : "its connection failed");
      drop_prepared (self);
      if (self->answer_wanted)
        call_answer_afresh (self);
      return;
    }

  self->prepared = CALL_PREPARED_READY;
  if (self->connect_while_ringing)
    {
      self->remote_description_set = TRUE;
      call_apply_pending_candidates (self);
    }
  if (self->answer_wanted)
    call_create_answer_now (self);
}

/**
 * call_prepare_answer:
 *
 * For a call that starts ringing: its answer made while it rings, when
 * the manager asks for that and its media can.
 */
void
call_prepare_answer (HandsetCall *self)
{
  g_autoptr (HandsetMedia) media = NULL;
  g_autoptr (GError) error = NULL;

  /* A glare's survivor is answered at once, with the devices it took
   * over (handset_call_adopt_devices()). */
  if (!self->prepare_answer || self->media != NULL || self->capture != NULL ||
      self->state != HANDSET_CALL_STATE_RINGING)
    return;
  media = self->media_factory (self->remote_video, self->media_factory_data, &error);
  if (media == NULL)
    {
      /* Said when the person answers, if it still stands. */
      g_debug ("Call %s: no media to answer with yet: %s", self->call_id, error->message);
      return;
    }
  if (!handset_media_can_prepare_answer (media))
    {
      handset_media_close (media);
      return;
    }
  call_take_answer_media (self, media);
  self->prepared = CALL_PREPARED_MAKING;
  handset_media_prepare_answer (media, handset_call_event_get_sdp (self->invite),
                                self->connect_while_ringing, self->cancellable, prepared_cb,
                                g_object_ref (self));
}

/**
 * call_answer_prepared:
 * @video: whether the person answers with video
 *
 * The person answers a call whose answer was made, or is being made,
 * while it rang: it is sent as soon as it is made.
 *
 * Returns: FALSE when there is no such answer, or it cannot serve; the
 *   answer is then to be made afresh
 */
gboolean
call_answer_prepared (HandsetCall *self, gboolean video)
{
  if (self->prepared == CALL_PREPARED_NONE)
    return FALSE;
  /* Made with video for a video call: answered with voice alone, the
   * answer would still offer to send pictures. */
  if (video != self->remote_video || self->prepared == CALL_PREPARED_UNUSABLE)
    {
      drop_prepared (self);
      return FALSE;
    }

  self->answer_wanted = TRUE;
  call_set_state (self, HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA);
  if (self->prepared == CALL_PREPARED_READY)
    {
      self->remote_description_set = TRUE;
      call_apply_pending_candidates (self);
      call_create_answer_now (self);
    }
  return TRUE;
}

/**
 * call_keep_ringing_candidate:
 *
 * A candidate of the caller's given to the media made while ringing is
 * kept, in case the answer is made afresh.
 */
void
call_keep_ringing_candidate (HandsetCall *self, const HandsetIceCandidate *candidate)
{
  if (!self->connect_while_ringing || self->state != HANDSET_CALL_STATE_RINGING)
    return;
  if (self->candidates_given_ringing == NULL)
    self->candidates_given_ringing =
        g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  g_ptr_array_add (self->candidates_given_ringing, handset_ice_candidate_copy (candidate));
}

/**
 * call_ringing_ice_state:
 * @state: a #HandsetIceState
 *
 * The connection made while ringing (when the person chose that) says
 * nothing of the call, which is not answered yet; a failure means the
 * answer is made afresh.
 *
 * Returns: TRUE when @state was for a call not yet answered
 */
gboolean
call_ringing_ice_state (HandsetCall *self, int state)
{
  if (self->direction != HANDSET_CALL_DIRECTION_INCOMING ||
      self->state >= HANDSET_CALL_STATE_CONNECTING)
    return FALSE;
  if (state == HANDSET_ICE_STATE_FAILED && self->prepared != CALL_PREPARED_NONE)
    self->prepared = CALL_PREPARED_UNUSABLE;
  return TRUE;
}
