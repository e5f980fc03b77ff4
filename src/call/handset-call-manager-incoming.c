/* handset-call-manager-incoming.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Invites: whether one is for us at all, glare (both called at once: the
 * lesser call ID survives, on both sides), verified devices only, a flood
 * refused as busy, and ringing after the whole batch, so an invite
 * answered, declined or cancelled in the same batch never rings.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-manager-private.h"

/* Whether an incoming invite is for us at all: §5 and §6.6 of the rules. */
static gboolean
invite_is_for_us (HandsetCallManager *self, HandsetCallEvent *invite)
{
  const char *invitee = handset_call_event_get_invitee (invite);
  const char *sender = handset_call_event_get_sender (invite);
  HandsetRoom *room =
      self->rooms ? handset_rooms_lookup (self->rooms, handset_call_event_get_room_id (invite))
                  : NULL;

  if (invitee != NULL && g_strcmp0 (invitee, self->own_user_id) != 0)
    {
      g_debug ("Invite %s is for %s", handset_call_event_get_call_id (invite), invitee);
      return FALSE;
    }

  /* Our own user calls one of our devices only by naming us. */
  if (g_strcmp0 (sender, self->own_user_id) == 0 && invitee == NULL)
    return FALSE;

  if (room != NULL && invitee == NULL && handset_room_get_n_members (room) > 2)
    {
      g_debug ("Invite %s without invitee in a room of %u", handset_call_event_get_call_id (invite),
               handset_room_get_n_members (room));
      return FALSE;
    }

  if (room != NULL && handset_room_is_public (room) && !self->ring_in_public_rooms)
    {
      g_debug ("Invite %s in a public room: not ringing", handset_call_event_get_call_id (invite));
      return FALSE;
    }

  return TRUE;
}

/* An outgoing call in the same room that has not been answered. */
static HandsetCall *
find_glare (HandsetCallManager *self, HandsetCallEvent *invite)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);
      HandsetCallState state = handset_call_get_state (call);

      if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING &&
          state >= HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA && state <= HANDSET_CALL_STATE_INVITE_SENT &&
          g_strcmp0 (handset_call_get_room_id (call), handset_call_event_get_room_id (invite)) == 0)
        return call;
    }

  return NULL;
}

/* Incoming calls that ring or are about to, answered or not by us. */
static guint
count_ringing (HandsetCallManager *self)
{
  guint n = 0;

  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);
      HandsetCallState state = handset_call_get_state (call);

      n += handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING &&
           (state == HANDSET_CALL_STATE_FLEDGLING || state == HANDSET_CALL_STATE_RINGING);
    }
  return n;
}

void
handset_call_manager_handle_invite (HandsetCallManager *self,
                                    HandsetCallEvent *invite,
                                    const HandsetEventEncryption *encryption,
                                    GPtrArray *pending)
{
  g_autoptr (HandsetCall) call = NULL;
  g_autoptr (GObject) devices = NULL;
  g_autofree char *party_id = NULL;
  HandsetCall *glare;
  gboolean auto_answer = FALSE, video = FALSE;
  Pending *p;

  if (!invite_is_for_us (self, invite))
    return;

  glare = find_glare (self, invite);
  if (glare != NULL)
    {
      /* Both called at once: the lesser call ID survives, on both sides;
       * ours, if it loses, leaves its open devices to theirs (§17 #48). */
      if (handset_call_get_state (glare) < HANDSET_CALL_STATE_INVITE_SENT)
        {
          g_message ("Glare in %s: our call was not sent yet; taking theirs",
                     handset_call_get_room_id (glare));
          devices = handset_call_release_devices (glare);
          handset_call_end_silently (glare, HANDSET_CALL_END_REPLACED);
        }
      else if (strcmp (handset_call_event_get_call_id (invite), handset_call_get_call_id (glare)) <
               0)
        {
          g_message ("Glare in %s: their call %s wins over ours", handset_call_get_room_id (glare),
                     handset_call_event_get_call_id (invite));
          devices = handset_call_release_devices (glare);
          handset_call_replace (glare);
        }
      else
        {
          /* Ours wins: the other side answers it. Theirs never rings. */
          g_message ("Glare in %s: our call %s wins", handset_call_get_room_id (glare),
                     handset_call_get_call_id (glare));
          return;
        }
      auto_answer = TRUE;
      video = handset_call_get_video (glare);
    }

  party_id = handset_call_manager_new_party_id (self);
  call = handset_call_new_incoming (self->clock, self->media_factory, self->media_factory_data,
                                    self->own_user_id, invite, party_id);
  handset_call_set_prepare_answer (call, self->prepare_answers, self->connect_while_ringing);
  if (devices != NULL)
    handset_call_adopt_devices (call, devices);
  handset_call_set_encrypted (call, encryption != NULL);
  handset_call_set_peer_trust (call, handset_call_manager_peer_trust (encryption));
  handset_call_manager_add_call (self, call);
  if (self->only_verified &&
      !handset_peer_trust_is_cross_signed (handset_call_manager_peer_trust (encryption)))
    {
      /* It does not ring; the history says why. Nothing is sent: another
       * device of ours may still take it. */
      g_message ("Call %s from an unverified device of %s refused", handset_call_get_call_id (call),
                 handset_call_event_get_sender (invite));
      handset_call_end_silently (call, HANDSET_CALL_END_UNVERIFIED);
      return;
    }
  if (!auto_answer && count_ringing (self) > HANDSET_CALL_MANAGER_MAX_RINGING)
    {
      /* A flood of invites rings a few, not all; the rest hear busy. */
      g_message ("Call %s refused as busy: %u calls ring already", handset_call_get_call_id (call),
                 HANDSET_CALL_MANAGER_MAX_RINGING);
      handset_call_refuse_busy (call);
      return;
    }
  handset_call_manager_apply_early (self, call);

  p = g_new0 (Pending, 1);
  p->call = g_object_ref (call);
  p->auto_answer = auto_answer;
  p->video = video;
  g_ptr_array_add (pending, p);
}

void
handset_call_manager_pending_free (Pending *pending)
{
  g_object_unref (pending->call);
  g_free (pending);
}

/* After the whole batch: ring what is still worth ringing. */
void
handset_call_manager_ring_pending (HandsetCallManager *self, GPtrArray *pending)
{
  gint64 now = handset_clock_get_time (self->clock);

  for (guint i = 0; i < pending->len; i++)
    {
      Pending *p = g_ptr_array_index (pending, i);
      HandsetCallEvent *invite = handset_call_get_invite (p->call);
      gint64 remaining = handset_call_event_get_lifetime (invite) -
                         handset_call_event_get_age_now_ms (invite, now);

      /* Answered, declined or cancelled later in the same batch. */
      if (handset_call_get_state (p->call) != HANDSET_CALL_STATE_FLEDGLING)
        continue;

      if (remaining < HANDSET_CALL_MIN_RING_MS)
        {
          g_debug ("Invite %s has %" G_GINT64_FORMAT " ms left: not ringing",
                   handset_call_get_call_id (p->call), remaining);
          handset_call_end_silently (p->call, HANDSET_CALL_END_MISSED);
          g_ptr_array_remove (self->calls, p->call);
          g_hash_table_remove (self->calls_by_id, handset_call_get_call_id (p->call));
          continue;
        }

      handset_call_start_ringing (p->call, remaining);
      /* While it rings, our room key goes to the caller's devices, so an
       * answer goes out at once. */
      if (self->encryption != NULL)
        handset_encryption_prepare_room (self->encryption, handset_call_get_room_id (p->call));
      if (p->auto_answer)
        handset_call_answer (p->call, p->video);
      else if (!handset_call_manager_answer_invited (self, p->call))
        g_signal_emit (self, handset_call_manager_signals[SIGNAL_INCOMING_CALL], 0, p->call);
    }
}
