/* handset-call-negotiation.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renegotiation (m.call.negotiate): hold and resume, video added or
 * dropped, ICE restarts, offer collisions resolved as perfect negotiation
 * has it, and the peer's stream metadata (muted, which streams to show).
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"
#include "handset-sdp-summary.h"

/* ------------------------------------------------------------------ negotiation */

static void
negotiate_offer_created_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = NULL;

  sdp = handset_media_create_offer_finish (HANDSET_MEDIA (object), result, &error);
  self->making_offer = FALSE;
  if (call_is_ended (self))
    return;
  if (sdp == NULL)
    {
      g_warning ("Call %s: no new offer: %s", self->call_id, error->message);
      return;
    }

  self->local_offer_pending = TRUE;
  call_send_event (self, HANDSET_CALL_EVENT_NEGOTIATE,
                   handset_call_event_build_negotiate (self->call_id, self->party_id, "offer", sdp,
                                                       HANDSET_CALL_NEGOTIATE_LIFETIME_MS,
                                                       call_own_stream_metadata (self)));
}

void
call_start_negotiation (HandsetCall *self, gboolean ice_restart)
{
  /* A call that rings has no media to offer with yet. */
  if (!call_can_renegotiate (self) || call_is_ended (self) || self->media == NULL)
    return;
  /* One offer at a time: an answer to the last one would not fit this
   * one (its m-lines differ once a stream was added); nor while the
   * peer's offer is being answered, which it would not fit either. */
  if (self->making_offer || self->local_offer_pending || self->answering)
    {
      self->negotiation_needed = TRUE;
      self->needed_ice_restart = self->needed_ice_restart || ice_restart;
      return;
    }

  self->making_offer = TRUE;
  handset_media_create_offer (self->media, ice_restart, self->cancellable,
                              negotiate_offer_created_cb, g_object_ref (self));
}

/* A change that waited for an offer or an answer under way goes now. */
static void
negotiate_if_needed (HandsetCall *self)
{
  gboolean ice_restart = self->needed_ice_restart;

  if (!self->negotiation_needed || self->making_offer || self->local_offer_pending ||
      self->answering || call_is_ended (self))
    return;
  self->negotiation_needed = self->needed_ice_restart = FALSE;
  call_start_negotiation (self, ice_restart);
}

static void
negotiate_answer_created_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = NULL;

  sdp = handset_media_create_answer_finish (HANDSET_MEDIA (object), result, &error);
  self->answering = FALSE;
  if (call_is_ended (self))
    return;
  if (sdp == NULL)
    {
      g_warning ("Call %s: no answer to the new offer: %s", self->call_id, error->message);
      negotiate_if_needed (self);
      return;
    }

  call_send_event (self, HANDSET_CALL_EVENT_NEGOTIATE,
                   handset_call_event_build_negotiate (self->call_id, self->party_id, "answer", sdp,
                                                       HANDSET_CALL_NEGOTIATE_LIFETIME_MS,
                                                       call_own_stream_metadata (self)));
  /* Our offer lost a collision and was rolled back, or a change came
   * while we answered: it goes now, on top of theirs. */
  negotiate_if_needed (self);
}

static void
negotiate_offer_set_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_media_set_remote_description_finish (HANDSET_MEDIA (object), result, &error))
    {
      self->answering = FALSE;
      if (!call_is_ended (self))
        g_warning ("Call %s: the new offer cannot be used: %s", self->call_id, error->message);
      negotiate_if_needed (self);
      return;
    }
  if (call_is_ended (self))
    return;

  handset_media_create_answer (self->media, self->cancellable, negotiate_answer_created_cb,
                               g_object_ref (self));
}

static void
negotiate_answer_set_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCall) self = HANDSET_CALL (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_media_set_remote_description_finish (HANDSET_MEDIA (object), result, &error) &&
      !call_is_ended (self))
    g_warning ("Call %s: the answer to our offer cannot be used: %s", self->call_id,
               error->message);
  /* What changed while that offer waited goes now. */
  negotiate_if_needed (self);
}

void
call_handle_negotiate (HandsetCall *self, HandsetCallEvent *event)
{
  const char *type = handset_call_event_get_description_type (event);
  gint64 age = handset_call_event_get_age_now_ms (event, handset_clock_get_time (self->clock));

  /* Only the opponent negotiates, only in v1 calls, and not too late; and
   * not while the call rings here: it has no media yet. */
  if (!call_from_opponent (self, event) || !call_can_renegotiate (self) || self->media == NULL)
    {
      g_debug ("Call %s: negotiate from %s/%s ignored", self->call_id,
               handset_call_event_get_sender (event), handset_call_event_get_party_id (event));
      return;
    }
  if (age > handset_call_event_get_lifetime (event))
    {
      g_debug ("Call %s: negotiate older than its lifetime ignored", self->call_id);
      return;
    }
  /* A renegotiation may add or drop streams: before the description. */
  call_handle_stream_metadata (self, handset_call_event_get_stream_metadata (event));

  if (g_str_equal (type, "offer"))
    {
      gboolean collision = self->making_offer || self->local_offer_pending;
      gboolean polite = self->direction == HANDSET_CALL_DIRECTION_INCOMING;
      HandsetSdpSummary sdp;

      if (collision && !polite)
        {
          /* The caller is impolite: its own offer stands. */
          g_debug ("Call %s: offer collision, ignoring theirs", self->call_id);
          return;
        }
      if (collision)
        {
          g_debug ("Call %s: offer collision, rolling back ours", self->call_id);
          handset_media_rollback (self->media);
          self->local_offer_pending = FALSE;
          self->making_offer = FALSE;
        }

      self->answering = TRUE;
      handset_sdp_summarize (handset_call_event_get_sdp (event), &sdp);
      call_set_boolean (self, &self->remote_on_hold, sdp.holds, PROP_REMOTE_ON_HOLD);
      handset_media_set_remote_description (self->media, "offer",
                                            handset_call_event_get_sdp (event), self->cancellable,
                                            negotiate_offer_set_cb, g_object_ref (self));
    }
  else if (self->local_offer_pending)
    {
      self->local_offer_pending = FALSE;
      handset_media_set_remote_description (self->media, "answer",
                                            handset_call_event_get_sdp (event), self->cancellable,
                                            negotiate_answer_set_cb, g_object_ref (self));
    }
}

/* The peer's metadata: whether its usermedia stream is muted, and which of
 * its streams are shown, the usermedia ones (§17 #58-#61,
 * docs/voip-behaviours.md). */
void
call_handle_stream_metadata (HandsetCall *self, JsonObject *metadata)
{
  g_autoptr (GList) streams = NULL;
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  gboolean audio_muted = FALSE, video_muted = FALSE, first = TRUE;

  if (metadata == NULL)
    return;

  streams = json_object_get_members (metadata);
  for (GList *l = streams; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (metadata, l->data);
      JsonObject *stream = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *flag;

      if (stream == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (stream, "purpose", ""),
                     "m.usermedia") != 0)
        continue;
      g_ptr_array_add (shown, l->data);
      if (!first)
        continue;
      first = FALSE;
      flag = json_object_get_member (stream, "audio_muted");
      audio_muted = flag && JSON_NODE_HOLDS_VALUE (flag) &&
                    json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
                    json_node_get_boolean (flag);
      flag = json_object_get_member (stream, "video_muted");
      video_muted = flag && JSON_NODE_HOLDS_VALUE (flag) &&
                    json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
                    json_node_get_boolean (flag);
    }
  g_ptr_array_add (shown, NULL);
  g_strfreev (self->shown_streams);
  self->shown_streams = g_strdupv ((char **) shown->pdata);
  if (self->media != NULL)
    handset_media_set_shown_streams (self->media, (const char *const *) self->shown_streams);

  call_set_boolean (self, &self->remote_audio_muted, audio_muted, PROP_REMOTE_AUDIO_MUTED);
  call_set_boolean (self, &self->remote_video_muted, video_muted, PROP_REMOTE_VIDEO_MUTED);
  call_handle_screenshare_metadata (self, metadata);
}
