/* handset-call-ice.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call's candidates and ICE: remote candidates kept per party until
 * they can be used (capped), ours sent in batches after the invite or the
 * answer, end-of-candidates, the ICE state, restarts when the path is lost
 * and the hangup when it cannot be found again.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

/* ------------------------------------------------------------------ candidates */

char *
call_party_key (const char *user_id, const char *party_id)
{
  return g_strconcat (user_id, "\n", party_id ? party_id : "", NULL);
}

void
call_give_to_media (HandsetCall *self, GPtrArray *candidates)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      HandsetIceCandidate *candidate = g_ptr_array_index (candidates, i);

      if (self->remote_description_set)
        {
          handset_media_add_remote_candidate (self->media, candidate);
          call_keep_ringing_candidate (self, candidate);
        }
      else if (self->pending_remote_candidates->len < MAX_BUFFERED_CANDIDATES)
        g_ptr_array_add (self->pending_remote_candidates, handset_ice_candidate_copy (candidate));
    }
}

void
call_apply_pending_candidates (HandsetCall *self)
{
  g_autoptr (GPtrArray) pending = g_steal_pointer (&self->pending_remote_candidates);

  self->pending_remote_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  call_give_to_media (self, pending);
}

static void
flush_timer_cb (gpointer user_data)
{
  HandsetCall *self = HANDSET_CALL (user_data);

  self->flush_timer = 0;
  call_flush_candidates (self);
}

static void
schedule_flush (HandsetCall *self, guint delay_ms)
{
  if (self->flush_timer != 0 || call_is_ended (self))
    return;
  self->flush_timer = handset_clock_add_timeout (self->clock, delay_ms, flush_timer_cb, self);
}

void
call_flush_candidates (HandsetCall *self)
{
  g_autoptr (GPtrArray) batch = NULL;

  handset_clock_clear (self->clock, &self->flush_timer);
  if (!self->may_send_candidates || call_is_ended (self))
    return;

  if (self->gathering_done && !self->end_of_candidates_sent)
    {
      /* Mandatory, and last: bridges without trickle ICE wait for it. */
      g_ptr_array_add (self->local_candidates, handset_ice_candidate_new ("", NULL, -1));
      self->end_of_candidates_sent = TRUE;
    }
  if (self->local_candidates->len == 0)
    return;

  batch = g_steal_pointer (&self->local_candidates);
  self->local_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  call_send_event (self, HANDSET_CALL_EVENT_CANDIDATES,
                   handset_call_event_build_candidates (self->call_id, self->party_id, batch));
}

void
call_local_candidate_cb (HandsetMedia *media, HandsetIceCandidate *candidate, HandsetCall *self)
{
  if (call_is_ended (self))
    return;

  g_ptr_array_add (self->local_candidates, handset_ice_candidate_copy (candidate));
  /* Before the invite or answer went out, candidates wait; after, they go
   * in batches. */
  if (self->may_send_candidates)
    schedule_flush (self, HANDSET_CALL_NEXT_FLUSH_MS);
}

void
call_gathering_done_cb (HandsetMedia *media, HandsetCall *self)
{
  self->gathering_done = TRUE;
  self->end_of_candidates_sent = FALSE;
  /* All found: what is left goes at once. */
  if (self->may_send_candidates)
    call_flush_candidates (self);
}

void
call_allow_candidates (HandsetCall *self, guint first_delay_ms)
{
  self->may_send_candidates = TRUE;
  if (self->gathering_done)
    call_flush_candidates (self);
  else
    schedule_flush (self, first_delay_ms);
}

/* ------------------------------------------------------------------ ICE */

static void
ice_restart_cb (gpointer user_data)
{
  HandsetCall *self = HANDSET_CALL (user_data);

  self->ice_restart_timer = 0;
  if (call_is_ended (self))
    return;

  if (!call_can_renegotiate (self))
    {
      /* Without renegotiation there is no restart: the connection is lost. */
      g_message ("Call %s: connection lost", self->call_id);
      call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                       handset_call_event_build_hangup (self->call_id, self->party_id,
                                                        HANDSET_HANGUP_ICE_TIMEOUT));
      call_end_call (self, HANDSET_CALL_END_ICE_TIMEOUT);
      return;
    }

  g_message ("Call %s: connection interrupted, restarting ICE", self->call_id);
  call_start_negotiation (self, TRUE);
}

/* No media path: the peer hears why, and the call ends. */
void
call_fail_ice (HandsetCall *self)
{
  /* Lost after media flowed is a timeout; never connected, a failure. */
  const char *reason = self->media_flowed ? HANDSET_HANGUP_ICE_TIMEOUT : HANDSET_HANGUP_ICE_FAILED;

  if (!self->media_flowed && self->media != NULL && !handset_media_has_relay (self->media))
    {
      g_message ("Call %s: no media path, and no relay server to go through", self->call_id);
      self->failed_without_relay = TRUE;
    }

  call_send_event (self, HANDSET_CALL_EVENT_HANGUP,
                   handset_call_event_build_hangup (self->call_id, self->party_id, reason));
  call_end_call (self,
                 self->media_flowed ? HANDSET_CALL_END_ICE_TIMEOUT : HANDSET_CALL_END_ICE_FAILED);
}

void
call_connect_timeout_cb (gpointer user_data)
{
  HandsetCall *self = user_data;

  self->connect_timer = 0;
  if (self->state == HANDSET_CALL_STATE_CONNECTING && !self->media_flowed)
    {
      g_message ("Call %s: no media path after %d s", self->call_id,
                 HANDSET_CALL_CONNECT_TIMEOUT_MS / 1000);
      call_fail_ice (self);
    }
}

void
call_device_failed_cb (HandsetMedia *media, int device, const char *message, HandsetCall *self)
{
  /* The first error says most; what follows it is its echo. */
  if (self->failed_device == (HandsetCallDevice) device)
    return;
  g_free (self->device_error);
  self->device_error = g_strdup (message);
  self->failed_device = device;
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_FAILED_DEVICE]);
}

/**
 * handset_call_get_failed_device:
 * @message: (out) (optional) (transfer none): what went wrong with it
 *
 * Returns: the device that failed during the call, if one did
 */
HandsetCallDevice
handset_call_get_failed_device (HandsetCall *self, const char **message)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), HANDSET_CALL_DEVICE_NONE);
  if (message != NULL)
    *message = self->device_error;
  return self->failed_device;
}

/**
 * handset_call_clear_failed_device:
 *
 * Another device was chosen: the failure no longer stands.
 */
void
handset_call_clear_failed_device (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));
  if (self->failed_device == HANDSET_CALL_DEVICE_NONE)
    return;
  self->failed_device = HANDSET_CALL_DEVICE_NONE;
  g_clear_pointer (&self->device_error, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), handset_call_props[PROP_FAILED_DEVICE]);
}

void
call_ice_state_changed_cb (HandsetMedia *media, int state, HandsetCall *self)
{
  if (call_is_ended (self) || call_ringing_ice_state (self, state))
    return;

  switch (state)
    {
      case HANDSET_ICE_STATE_CONNECTED:
      case HANDSET_ICE_STATE_COMPLETED:
        handset_clock_clear (self->clock, &self->ice_restart_timer);
        handset_clock_clear (self->clock, &self->connect_timer);
        self->media_flowed = TRUE;
        if (self->state == HANDSET_CALL_STATE_CONNECTING)
          call_set_state (self, HANDSET_CALL_STATE_CONNECTED);
        break;

      case HANDSET_ICE_STATE_DISCONNECTED:
        if (self->ice_restart_timer == 0)
          self->ice_restart_timer = handset_clock_add_timeout (
              self->clock, HANDSET_CALL_ICE_RESTART_MS, ice_restart_cb, self);
        break;

      case HANDSET_ICE_STATE_FAILED:
        call_fail_ice (self);
        break;

      default:
        break;
    }
}
