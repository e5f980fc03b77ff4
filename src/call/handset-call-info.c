/* handset-call-info.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a call says of itself (its IDs, state, opponent, flags) and what
 * others tell it: who answered, whether it is encrypted, whether it
 * waits for keys or for the invitee to join, what is known of the other
 * device.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

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
 * handset_call_get_failed_without_relay:
 *
 * Returns: whether the call found no media path and had no relay (TURN)
 *   server to go through: what to tell the person, who can set one
 */
gboolean
handset_call_get_failed_without_relay (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->failed_without_relay;
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
