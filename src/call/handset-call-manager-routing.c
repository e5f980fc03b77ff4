/* handset-call-manager-routing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sync batch read: every call event parsed and handed to its call, our
 * own echoes dropped, events in clear in an encrypted room ignored, events
 * of calls that ended dropped, those that come before their invite kept
 * for it; memberships end the calls of those who leave. Ringing is decided
 * only after the whole batch (handset-call-manager-incoming.c).
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-manager-private.h"

/* Candidates kept for calls whose invite has not come (yet). */
#define MAX_EARLY_CALLS 64

/* ------------------------------------------------------------------ early candidates */

void
handset_call_manager_keep_early (HandsetCallManager *self, HandsetCallEvent *event)
{
  const char *call_id = handset_call_event_get_call_id (event);
  GPtrArray *events = g_hash_table_lookup (self->early, call_id);

  if (events == NULL)
    {
      if (g_queue_get_length (&self->early_order) >= MAX_EARLY_CALLS)
        {
          char *oldest = g_queue_pop_head (&self->early_order);

          g_hash_table_remove (self->early, oldest);
          g_free (oldest);
        }
      events = g_ptr_array_new_with_free_func ((GDestroyNotify) handset_call_event_unref);
      g_hash_table_insert (self->early, g_strdup (call_id), events);
      g_queue_push_tail (&self->early_order, g_strdup (call_id));
    }
  if (events->len < 32)
    g_ptr_array_add (events, handset_call_event_ref (event));
}

void
handset_call_manager_apply_early (HandsetCallManager *self, HandsetCall *call)
{
  const char *call_id = handset_call_get_call_id (call);
  GPtrArray *events = g_hash_table_lookup (self->early, call_id);
  GList *link;

  if (events == NULL)
    return;

  for (guint i = 0; i < events->len; i++)
    {
      HandsetCallEvent *event = g_ptr_array_index (events, i);

      if (handset_call_event_get_event_type (event) == HANDSET_CALL_EVENT_CANDIDATES)
        handset_call_add_early_candidates (call, event);
      else
        handset_call_handle_event (call, event);
    }
  g_hash_table_remove (self->early, call_id);
  link = g_queue_find_custom (&self->early_order, call_id, (GCompareFunc) g_strcmp0);
  if (link != NULL)
    {
      g_free (link->data);
      g_queue_delete_link (&self->early_order, link);
    }
}

static gboolean
is_echo (HandsetCallManager *self, HandsetCall *call, HandsetCallEvent *event)
{
  return g_strcmp0 (handset_call_event_get_sender (event), self->own_user_id) == 0 &&
         g_strcmp0 (handset_call_event_get_party_id (event), handset_call_get_party_id (call)) == 0;
}

static void
handle_membership (HandsetCallManager *self, const char *room_id, JsonObject *event)
{
  const char *state_key = handset_event_get_string (event, "state_key");
  const char *membership =
      handset_event_get_string (handset_event_get_object (event, "content"), "membership");

  if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.member") != 0 ||
      state_key == NULL)
    return;

  /* The one we call, only invited so far, joins: they see the call now;
   * or declines the invitation: the call will not be taken. They may
   * decline before our invite went out (the invitation rings from the
   * room's invite alone, while our offer is still being made). */
  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);

      if (!handset_call_get_waiting_for_join (call) ||
          g_strcmp0 (handset_call_get_room_id (call), room_id) != 0 ||
          g_strcmp0 (handset_call_get_invitee (call), state_key) != 0)
        continue;
      if (g_strcmp0 (membership, "join") == 0)
        handset_call_set_waiting_for_join (call, FALSE);
      else if ((g_strcmp0 (membership, "leave") == 0 || g_strcmp0 (membership, "ban") == 0) &&
               handset_call_get_state (call) <= HANDSET_CALL_STATE_INVITE_SENT)
        {
          handset_call_set_waiting_for_join (call, FALSE);
          handset_call_end_silently (call, HANDSET_CALL_END_DECLINED);
        }
    }

  if (g_strcmp0 (membership, "leave") != 0 && g_strcmp0 (membership, "ban") != 0)
    return;

  for (guint i = 0; i < self->calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (self->calls, i);

      if (!handset_call_is_active (call) ||
          g_strcmp0 (handset_call_get_room_id (call), room_id) != 0)
        continue;

      /* The opponent left: as if they hung up. We left: nothing to tell. */
      if (g_strcmp0 (state_key, handset_call_get_opponent_user_id (call)) == 0 ||
          g_strcmp0 (state_key, self->own_user_id) == 0)
        handset_call_end_silently (call, HANDSET_CALL_END_OPPONENT_LEFT);
    }
}

static void
handle_room_events (HandsetCallManager *self,
                    HandsetSyncBatch *batch,
                    const char *room_id,
                    GPtrArray *events,
                    gint64 received_us,
                    GPtrArray *pending)
{
  gboolean room_encrypted = handset_call_manager_room_is_encrypted (self, room_id);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *raw = g_ptr_array_index (events, i);
      const HandsetEventEncryption *encryption = handset_sync_batch_get_encryption (batch, raw);
      g_autoptr (HandsetCallEvent) event = NULL;
      g_autoptr (GError) error = NULL;
      HandsetCall *call;

      handle_membership (self, room_id, raw);

      event = handset_call_event_parse (raw, room_id, received_us, &error);
      if (event == NULL)
        {
          if (!g_error_matches (error, HANDSET_CALL_EVENT_ERROR,
                                HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT))
            g_debug ("Call event %s in %s dropped: %s", handset_event_get_string (raw, "event_id"),
                     room_id, error->message);
          continue;
        }

      /* In an encrypted room, anyone who can put an event into it (a
       * server, say) could fake a call in clear: only encrypted ones count. */
      if (room_encrypted && encryption == NULL)
        {
          g_message ("A call event in clear in the encrypted room %s was ignored (%s of call %s "
                     "from %s)",
                     room_id, handset_event_get_string (raw, "type"),
                     handset_call_event_get_call_id (event), handset_call_event_get_sender (event));
          continue;
        }

      call = g_hash_table_lookup (self->calls_by_id, handset_call_event_get_call_id (event));
      if (call == NULL &&
          handset_call_manager_is_forgotten (self, handset_call_event_get_call_id (event)))
        {
          g_debug ("Event of call %s, which ended, dropped",
                   handset_call_event_get_call_id (event));
          continue;
        }
      if (call != NULL)
        {
          if (is_echo (self, call, event))
            continue;
          if (g_strcmp0 (handset_call_event_get_sender (event),
                         handset_call_get_opponent_user_id (call)) == 0 ||
              g_strcmp0 (handset_call_event_get_sender (event), handset_call_get_invitee (call)) ==
                  0)
            {
              handset_call_set_waiting_for_keys (call, FALSE);
              /* An answer from a device that is not verified does not
               * count where only verified devices may call. */
              if (self->only_verified &&
                  handset_call_event_get_event_type (event) == HANDSET_CALL_EVENT_ANSWER &&
                  !handset_peer_trust_is_cross_signed (
                      handset_call_manager_peer_trust (encryption)))
                {
                  g_message ("Answer to call %s from an unverified device ignored",
                             handset_call_get_call_id (call));
                  continue;
                }
              /* The opponent's device, as its events say. */
              if (encryption != NULL)
                handset_call_set_peer_trust (call, handset_call_manager_peer_trust (encryption));
            }
          if (g_strcmp0 (handset_call_get_room_id (call), room_id) != 0)
            {
              g_debug ("Event for call %s in another room dropped",
                       handset_call_get_call_id (call));
              continue;
            }
          handset_call_handle_event (call, event);
          continue;
        }

      switch (handset_call_event_get_event_type (event))
        {
          case HANDSET_CALL_EVENT_INVITE:
            handset_call_manager_handle_invite (self, event, encryption, pending);
            break;
          case HANDSET_CALL_EVENT_CANDIDATES:
          case HANDSET_CALL_EVENT_ANSWER:
          case HANDSET_CALL_EVENT_SELECT_ANSWER:
          case HANDSET_CALL_EVENT_REJECT:
          case HANDSET_CALL_EVENT_HANGUP:
            /* Before their invite: it may come later (its room key did),
             * and must then know it was answered or ended. */
            handset_call_manager_keep_early (self, event);
            break;
          default:
            /* Events of calls we never knew: other people's, or old. */
            break;
        }
    }
}

/**
 * handset_call_manager_handle_batch:
 *
 * Reads one whole sync batch. Handle the batch with HandsetRooms first, so
 * the rooms' members and join rules are current.
 */
void
handset_call_manager_handle_batch (HandsetCallManager *self, HandsetSyncBatch *batch)
{
  g_autoptr (GPtrArray) pending =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_call_manager_pending_free);
  gint64 received = handset_sync_batch_get_received_time (batch);

  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      if (room->membership == HANDSET_MEMBERSHIP_JOIN)
        handle_room_events (self, batch, room->room_id, room->timeline, received, pending);
      else if (room->membership == HANDSET_MEMBERSHIP_LEAVE)
        {
          /* We left (or were removed): the calls there are over. */
          for (guint j = 0; j < self->calls->len; j++)
            {
              HandsetCall *call = g_ptr_array_index (self->calls, j);

              if (g_strcmp0 (handset_call_get_room_id (call), room->room_id) == 0)
                handset_call_end_silently (call, HANDSET_CALL_END_OPPONENT_LEFT);
            }
        }
    }

  handset_call_manager_ring_pending (self, pending);
  handset_call_manager_watch_invitations (self, batch);
  handset_call_manager_prune_ended (self);
}
