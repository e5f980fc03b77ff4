/* handset-call-manager-invitations.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first call from someone new: the invitation to the direct chat they
 * made for it rings; accepted, the room is joined and the call found there
 * answered; declined, the room's invitation with it.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <glib/gi18n.h>
#include "handset-call-manager-private.h"

/* How long after an accepted invitation's call rings it is answered. */
#define INVITED_ANSWER_DELAY_MS 300

static void
invitation_expired (gpointer data)
{
  HandsetCallInvitation *invitation = data;

  if (handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_RINGING)
    handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_GONE, NULL);
  else if (handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_JOINING)
    handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_FAILED,
                                       _ ("The call was over before the chat could be joined"));
  g_object_unref (invitation);
}

static HandsetCallInvitation *
find_invitation (HandsetCallManager *self, const char *room_id)
{
  for (guint i = 0; i < self->invitations->len; i++)
    {
      HandsetCallInvitation *invitation = g_ptr_array_index (self->invitations, i);

      if (g_str_equal (handset_call_invitation_get_room_id (invitation), room_id))
        return invitation;
    }
  return NULL;
}

/* Someone new calls: the invitation to the room they made for the call
 * rings (once: a declined or old one never again). An invitation that
 * turns into a membership ends, unless we are joining to answer. */
void
handset_call_manager_watch_invitations (HandsetCallManager *self, HandsetSyncBatch *batch)
{
  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);
      HandsetCallInvitation *invitation = find_invitation (self, room->room_id);

      if (room->membership == HANDSET_MEMBERSHIP_INVITE)
        {
          g_autoptr (HandsetCallInvitation) found = NULL;

          if (invitation != NULL || g_hash_table_contains (self->invited, room->room_id))
            continue;
          g_hash_table_add (self->invited, g_strdup (room->room_id));
          found = handset_call_invitation_parse (room->room_id, room->state, self->own_user_id,
                                                 HANDSET_CALL_INVITE_LIFETIME_MS);
          if (found == NULL ||
              handset_call_invitation_get_remaining_ms (found) < HANDSET_CALL_MIN_RING_MS)
            continue;
          g_message ("%s calls from a new direct chat, %s",
                     handset_call_invitation_get_inviter (found), room->room_id);
          g_ptr_array_add (self->invitations, g_object_ref (found));
          handset_clock_add_timeout (self->clock,
                                     (guint) handset_call_invitation_get_remaining_ms (found),
                                     invitation_expired, g_object_ref (found));
          g_signal_emit (self, handset_call_manager_signals[SIGNAL_INCOMING_INVITATION], 0, found);
        }
      else if (invitation != NULL &&
               handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_RINGING)
        {
          /* Joined on another device, or the invitation was withdrawn. */
          handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_GONE, NULL);
        }
    }
}

typedef struct
{
  HandsetCall *call;
  gboolean video;
} LaterAnswer;

static void
answer_later (gpointer data)
{
  LaterAnswer *later = data;

  if (handset_call_get_state (later->call) == HANDSET_CALL_STATE_RINGING)
    handset_call_answer (later->call, later->video);
  g_object_unref (later->call);
  g_free (later);
}

/* The call in a room joined to answer an invitation: answered, once its
 * offer has settled in the media (as a person answering would: not in the
 * same turn that made the call and gave it the caller's candidates). */
gboolean
handset_call_manager_answer_invited (HandsetCallManager *self, HandsetCall *call)
{
  g_autoptr (HandsetCallInvitation) invitation = NULL;
  gpointer key = NULL;

  if (!g_hash_table_steal_extended (self->answering, handset_call_get_room_id (call), &key,
                                    (gpointer *) &invitation))
    return FALSE;
  g_free (key);
  if (handset_call_invitation_get_state (invitation) != HANDSET_CALL_INVITATION_JOINING)
    return FALSE;
  handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_ANSWERED, NULL);
  {
    LaterAnswer *later = g_new0 (LaterAnswer, 1);

    later->call = g_object_ref (call);
    later->video = g_object_get_data (G_OBJECT (invitation), "answer-video") != NULL;
    handset_clock_add_timeout (self->clock, INVITED_ANSWER_DELAY_MS, answer_later, later);
  }
  g_signal_emit (self, handset_call_manager_signals[SIGNAL_INVITATION_ANSWERED], 0, invitation,
                 call);

  return TRUE;
}

static void
joined_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCallInvitation) invitation = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = NULL;

  room_id = handset_matrix_client_join_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (room_id == NULL)
    {
      g_message ("Joining %s to answer failed: %s",
                 handset_call_invitation_get_room_id (invitation), error->message);
      handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_FAILED,
                                         error->message);
    }
  /* Else the next batches bring the room, and the call in it. */
}

/**
 * handset_call_manager_accept_invitation:
 *
 * Joins the room of @invitation; the call found there is answered (with
 * @video) as soon as it comes.
 */
void
handset_call_manager_accept_invitation (HandsetCallManager *self,
                                        HandsetCallInvitation *invitation,
                                        gboolean video)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  if (handset_call_invitation_get_state (invitation) != HANDSET_CALL_INVITATION_RINGING)
    return;
  if (self->client == NULL)
    {
      handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_FAILED,
                                         _ ("Not connected to the homeserver"));
      return;
    }
  if (video)
    g_object_set_data (G_OBJECT (invitation), "answer-video", GINT_TO_POINTER (TRUE));
  handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_JOINING, NULL);
  g_hash_table_replace (self->answering,
                        g_strdup (handset_call_invitation_get_room_id (invitation)),
                        g_object_ref (invitation));
  handset_matrix_client_join_async (self->client, handset_call_invitation_get_room_id (invitation),
                                    NULL, joined_cb, g_object_ref (invitation));
}

static void
left_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCallInvitation) invitation = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_matrix_client_leave_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    g_message ("Declining the invitation to %s failed: %s",
               handset_call_invitation_get_room_id (invitation), error->message);
}

/**
 * handset_call_manager_decline_invitation:
 *
 * Declines @invitation (the room's invitation with it).
 */
void
handset_call_manager_decline_invitation (HandsetCallManager *self,
                                         HandsetCallInvitation *invitation)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  if (handset_call_invitation_get_state (invitation) != HANDSET_CALL_INVITATION_RINGING)
    return;
  handset_call_invitation_set_state (invitation, HANDSET_CALL_INVITATION_DECLINED, NULL);
  if (self->client != NULL)
    handset_matrix_client_leave_async (self->client,
                                       handset_call_invitation_get_room_id (invitation), NULL,
                                       left_cb, g_object_ref (invitation));
}

/**
 * handset_call_manager_get_invitations:
 *
 * Returns: (transfer none) (element-type HandsetCallInvitation): every
 *   invitation that rang, oldest first
 */
GPtrArray *
handset_call_manager_get_invitations (HandsetCallManager *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);
  return self->invitations;
}
