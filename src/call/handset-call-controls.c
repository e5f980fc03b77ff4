/* handset-call-controls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the person does to a call going on: hang up (or lose a glare),
 * mute, hold and resume, add or stop video.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

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

/**
 * handset_call_release_devices:
 *
 * For a call about to lose a glare: the microphone and camera its media
 * opened, taken out still open, for the call that survives
 * (handset_call_adopt_devices()).
 *
 * Returns: (transfer full) (nullable): what holds them; %NULL when none
 *   is open
 */
GObject *
handset_call_release_devices (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), NULL);

  if (self->media == NULL || call_is_ended (self))
    return NULL;
  return handset_media_release_capture (self->media);
}

/**
 * handset_call_adopt_devices:
 * @devices: from handset_call_release_devices()
 *
 * The incoming call that survives a glare answers with @devices instead
 * of opening the microphone and camera again (§17 #48); they close with
 * it if it never answers.
 */
void
handset_call_adopt_devices (HandsetCall *self, GObject *devices)
{
  g_return_if_fail (HANDSET_IS_CALL (self));
  g_return_if_fail (G_IS_OBJECT (devices));

  if (call_is_ended (self) || self->media != NULL)
    return;
  g_set_object (&self->capture, devices);
}

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
 * handset_call_can_send_dtmf:
 *
 * Returns: whether a keypad makes sense now: the call is connected, the
 *   peer advertised `m.call.dtmf` (§17 #63) and our media can send tones
 */
gboolean
handset_call_can_send_dtmf (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->state == HANDSET_CALL_STATE_CONNECTED && self->remote_dtmf && self->media != NULL &&
         handset_media_can_send_dtmf (self->media);
}

/**
 * handset_call_send_dtmf:
 * @tones: keys pressed, from `0123456789*#ABCD`
 *
 * Sends @tones to the peer, as a telephone keypad does: what calls
 * through a telephone bridge need to get past voice menus.
 *
 * Returns: whether they went out; if not, @error says why
 */
gboolean
handset_call_send_dtmf (HandsetCall *self, const char *tones, GError **error)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  if (!handset_call_can_send_dtmf (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   self->remote_dtmf ? "The call is not connected"
                                     : "The other side does not take tones");
      return FALSE;
    }

  return handset_media_send_dtmf (self->media, tones, error);
}
