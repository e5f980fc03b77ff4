/* handset-call-caller.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call we place: the offer and its invite, the invite's lifetime, and
 * the answer chosen: the first answer wins, its party is selected (with
 * m.call.select_answer), and only that party's candidates reach the
 * media; a reject or a version 0 hangup before it declines the call.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

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
  JsonObject *invite;

  sdp = handset_media_create_offer_finish (HANDSET_MEDIA (object), result, &error);
  if (call_is_ended (self))
    return;

  if (sdp == NULL)
    {
      g_warning ("Call %s: no offer: %s", self->call_id, error->message);
      call_end_call (self, HANDSET_CALL_END_USER_MEDIA_FAILED);
      return;
    }

  invite = handset_call_event_build_invite (self->call_id, self->party_id, sdp,
                                            HANDSET_CALL_INVITE_LIFETIME_MS, self->invitee,
                                            call_own_stream_metadata (self));
  handset_call_event_set_capabilities (invite, handset_media_can_send_dtmf (self->media));
  call_send_event (self, HANDSET_CALL_EVENT_INVITE, invite);
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
  handset_call_set_opponent (self, sender, party, handset_call_event_get_version (answer));
  self->remote_dtmf = handset_call_event_get_dtmf (answer);
  handset_call_set_answered_by_party (self, party);

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

/* ------------------------------------------------------------------ events in */

void
handset_call_caller_handle_event (HandsetCall *self, HandsetCallEvent *event)
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
            handset_call_set_answered_by_party (self, party);
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
            call_end_call (self, handset_call_remote_hangup_reason (self, self->remote_reason));
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
