/* handset-media-negotiation.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session descriptions of a call's media. Ours: made by webrtcbin, with
 * our msid stream and the DTLS role kept across renegotiations, and held a
 * little for candidates to go in them. The peer's: checked and read
 * (m-lines, streams, directions) before webrtcbin sees them; its first
 * offer waits until the call is answered, so the microphone opens only
 * then, with the payload types the offer asks for. webrtcbin's promises
 * answer on its threads; each is brought back to the main context.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <gst/sdp/sdp.h>

#include "handset-media-check.h"
#include "handset-media-session-private.h"
#include "handset-sdp.h"

/* ------------------------------------------------------------------ hold
 *
 * webrtcbin 1.22 cannot change a transceiver's direction once negotiated
 * ("transceiver direction changes are not implemented"), so its
 * transceivers stay sendrecv and hold lives on the wire: the directions
 * we send say what we want, the peer's are read and then set to sendrecv
 * before webrtcbin sees them, and valves and a volume do the rest. */

static void
read_remote_direction (HandsetMediaSession *self, const GstSDPMessage *sdp)
{
  handset_sdp_read_direction (sdp, &self->remote_sends, &self->remote_receives);
}

/* The direction we put on the wire: on hold, sendonly, as VoIP v1 and
 * Element have it (room for hold music;
 * handset_media_session_update_flow() sends nothing); an answer grants
 * no more than the offer allowed. */
static const char *
wire_direction (HandsetMediaSession *self, GstWebRTCSDPType type)
{
  gboolean sends = TRUE, receives = !self->hold;

  if (type == GST_WEBRTC_SDP_TYPE_ANSWER)
    {
      sends = sends && self->remote_receives;
      receives = receives && self->remote_sends;
    }
  return handset_sdp_direction_name (sends, receives);
}

static void
remember_mids (HandsetMediaSession *self, GstSDPMessage *sdp)
{
  g_ptr_array_set_size (self->remote_mids, 0);
  g_mutex_lock (&self->received_lock);
  g_ptr_array_set_size (self->remote_streams, 0);
  handset_sdp_read_streams (sdp, self->remote_mids, self->remote_streams);
  g_mutex_unlock (&self->received_lock);
}

/* ------------------------------------------------------------------ descriptions */

typedef struct
{
  HandsetMediaSession *self;
  GTask *task;
  GstWebRTCSDPType type;
} Negotiation;

static void
negotiation_free (Negotiation *n)
{
  /* Its work was skipped: the media closed first. The task still answers
   * (the caller holds a reference until it does). */
  if (n->task != NULL)
    g_task_return_new_error (n->task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The call ended");
  g_clear_object (&n->task);
  g_object_unref (n->self);
  g_free (n);
}

/* A description in the debug log, its ICE passwords left out. */
static void
log_description (const char *which, const GstSDPMessage *sdp)
{
  g_autofree char *text = NULL;

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;
  text = handset_sdp_to_log (sdp);
  g_debug ("%s description:%s", which, text);
}

gboolean
handset_media_session_return_local_description (gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (user_data);
  g_autoptr (GTask) task = g_steal_pointer (&self->waiting_description);
  GstWebRTCSessionDescription *local = NULL;
  g_autofree char *text = NULL;

  self->early_timer = 0;
  if (task == NULL)
    return G_SOURCE_REMOVE;

  /* webrtcbin adds each candidate it finds to the local description. */
  g_object_get (self->webrtc, "local-description", &local, NULL);
  if (local == NULL)
    {
      g_task_return_new_error (task, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                               "The call's media has no local description");
      return G_SOURCE_REMOVE;
    }
  handset_sdp_set_directions (local->sdp, wire_direction (self, local->type));
  handset_media_session_screen_directions (self, local->type, local->sdp);
  text = gst_sdp_message_as_text (local->sdp);
  log_description ("Local", local->sdp);
  gst_webrtc_session_description_free (local);
  self->description_sent = TRUE;
  g_task_return_pointer (task, g_steal_pointer (&text), g_free);

  return G_SOURCE_REMOVE;
}

/* @task is answered with our description once gathering is done, or
 * after a little wait for candidates (the peer can start checks at once). */
void
handset_media_session_wait_local_description (HandsetMediaSession *self, GTask *task)
{
  GstWebRTCICEGatheringState gathering;

  g_assert (self->waiting_description == NULL);
  self->waiting_description = task;
  g_object_get (self->webrtc, "ice-gathering-state", &gathering, NULL);

  if (gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || self->description_sent)
    handset_media_session_return_local_description (self);
  else
    self->early_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, HANDSET_MEDIA_EARLY_CANDIDATES_MS,
                                            handset_media_session_return_local_description,
                                            g_object_ref (self), g_object_unref);
}

static gboolean
local_set_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;
  Negotiation *n = invoke->data;

  /* Our answer set: what it brings flows. */
  if (n->type == GST_WEBRTC_SDP_TYPE_ANSWER && self->video_held)
    {
      self->video_held = FALSE;
      handset_media_session_update_flow (self);
    }
  /* An answer made while the call rings waits, set, for the person. */
  if (g_task_get_source_tag (n->task) == handset_media_session_prepare_answer)
    {
      g_autoptr (GTask) task = g_steal_pointer (&n->task);

      self->prepared = HANDSET_PREPARED_READY;
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }
  handset_media_session_wait_local_description (self, g_steal_pointer (&n->task));

  return G_SOURCE_REMOVE;
}

static void
on_local_set (GstPromise *promise, gpointer user_data)
{
  Negotiation *n = user_data;

  gst_promise_unref (promise);
  handset_media_session_run_in_main (n->self, local_set_in_main, n,
                                     (GDestroyNotify) negotiation_free);
}

static gboolean
fail_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  Negotiation *n = invoke->data;
  g_autoptr (GTask) task = g_steal_pointer (&n->task);

  g_task_return_new_error (task, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                           "The call's media could not make its %s",
                           n->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer");
  return G_SOURCE_REMOVE;
}

static void
keep_dtls_role (HandsetMediaSession *self, GstSDPMessage *sdp)
{
  GstWebRTCSessionDescription *local = NULL, *remote = NULL;

  g_object_get (self->webrtc, "current-local-description", &local, "current-remote-description",
                &remote, NULL);
  if (local != NULL && remote != NULL)
    {
      gboolean we_answered = local->type == GST_WEBRTC_SDP_TYPE_ANSWER;

      for (guint i = 0;
           i < gst_sdp_message_medias_len (sdp) && i < gst_sdp_message_medias_len (remote->sdp);
           i++)
        {
          GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
          const char *theirs = we_answered
                                   ? NULL
                                   : gst_sdp_media_get_attribute_val (
                                         gst_sdp_message_get_media (remote->sdp, i), "setup");
          const char *ours = we_answered ? gst_sdp_media_get_attribute_val (
                                               gst_sdp_message_get_media (local->sdp, i), "setup")
                                         : NULL;
          const char *keep = ours != NULL ? ours
                             : theirs != NULL
                                 ? (g_str_equal (theirs, "active") ? "passive" : "active")
                                 : NULL;

          for (guint a = 0; keep != NULL && a < gst_sdp_media_attributes_len (media); a++)
            {
              const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
              GstSDPAttribute replacement;

              if (g_strcmp0 (attr->key, "setup") != 0)
                continue;
              gst_sdp_attribute_set (&replacement, "setup", keep);
              gst_sdp_media_replace_attribute (media, a, &replacement);
            }
        }
    }
  if (local)
    gst_webrtc_session_description_free (local);
  if (remote)
    gst_webrtc_session_description_free (remote);
}

static void
on_description_created (GstPromise *promise, gpointer user_data)
{
  Negotiation *n = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  const char *field = n->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer";
  GstWebRTCSessionDescription *description = NULL;
  GstPromise *set;

  if (reply != NULL)
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, NULL);
  gst_promise_unref (promise);

  if (description == NULL)
    {
      handset_media_session_run_in_main (n->self, fail_in_main, n,
                                         (GDestroyNotify) negotiation_free);
      return;
    }

  handset_sdp_add_msid (description->sdp, n->self->stream_id);
  handset_media_session_offer_dtmf (n->self, n->type, description->sdp);
  keep_dtls_role (n->self, description->sdp);
  set = gst_promise_new_with_change_func (on_local_set, n, NULL);
  g_signal_emit_by_name (n->self->webrtc, "set-local-description", description, set);
  gst_webrtc_session_description_free (description);
}

static void
create_description (HandsetMediaSession *self,
                    GstWebRTCSDPType type,
                    gboolean ice_restart,
                    GTask *task)
{
  Negotiation *n = g_new0 (Negotiation, 1);
  GstPromise *promise;
  g_autoptr (GstStructure) options = NULL;

  n->self = g_object_ref (self);
  n->task = task;
  n->type = type;
  promise = gst_promise_new_with_change_func (on_description_created, n, NULL);
  if (ice_restart)
    options = gst_structure_new ("offer-options", "ice-restart", G_TYPE_BOOLEAN, TRUE, NULL);

  g_signal_emit_by_name (self->webrtc,
                         type == GST_WEBRTC_SDP_TYPE_OFFER ? "create-offer" : "create-answer",
                         options, promise);
}

/* ------------------------------------------------------------------ the interface */

/* After the call: what would need the pipeline fails, and says why. */
static gboolean
return_if_closed (HandsetMediaSession *self, GTask *task)
{
  if (!self->closed)
    return FALSE;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The call ended");
  g_object_unref (task);
  return TRUE;
}

static void
session_create_offer (HandsetMedia *media,
                      gboolean ice_restart,
                      GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;

  if (return_if_closed (self, task))
    return;
  if (!handset_media_session_build_audio (self, DEFAULT_AUDIO_PT, &error) ||
      (self->video && !handset_media_session_build_video (self, DEFAULT_VIDEO_PT, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  handset_media_session_drop_adopted (self);
  create_description (self, GST_WEBRTC_SDP_TYPE_OFFER, ice_restart, task);
}

static char *
session_sdp_finish (HandsetMedia *media, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
remote_failed_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  Negotiation *n = invoke->data;
  g_autoptr (GTask) task = g_steal_pointer (&n->task);

  g_task_return_new_error (task, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                           "The other side's session description cannot be used: %s",
                           (const char *) g_object_get_data (G_OBJECT (task), "reason"));
  return G_SOURCE_REMOVE;
}

static gboolean
remote_set_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  Negotiation *n = invoke->data;
  HandsetMediaSession *self = invoke->self;

  self->remote_set = TRUE;
  /* Our offer answered: what it brought flows. */
  if (n->type == GST_WEBRTC_SDP_TYPE_ANSWER)
    self->video_held = FALSE;
  handset_media_session_update_flow (self);
  handset_media_session_apply_pending_candidates (self);
  if (n->type == GST_WEBRTC_SDP_TYPE_OFFER &&
      (g_task_get_source_tag (n->task) == session_create_offer ||
       g_task_get_source_tag (n->task) == handset_media_session_prepare_answer))
    {
      /* The deferred offer is set: now the answer. */
      create_description (self, GST_WEBRTC_SDP_TYPE_ANSWER, FALSE, g_steal_pointer (&n->task));
      return G_SOURCE_REMOVE;
    }
  {
    g_autoptr (GTask) task = g_steal_pointer (&n->task);

    g_task_return_boolean (task, TRUE);
  }

  return G_SOURCE_REMOVE;
}

static void
on_remote_set (GstPromise *promise, gpointer user_data)
{
  Negotiation *n = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *error = NULL;

  /* webrtcbin refuses some descriptions that parse well: no fingerprint,
   * say. The call must hear of it. */
  if (reply != NULL && gst_structure_has_field (reply, "error"))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  gst_promise_unref (promise);

  if (error != NULL)
    {
      g_object_set_data_full (G_OBJECT (n->task), "reason", g_strdup (error->message), g_free);
      g_error_free (error);
      handset_media_session_run_in_main (n->self, remote_failed_in_main, n,
                                         (GDestroyNotify) negotiation_free);
      return;
    }
  handset_media_session_run_in_main (n->self, remote_set_in_main, n,
                                     (GDestroyNotify) negotiation_free);
}

static void
set_remote (HandsetMediaSession *self, GstWebRTCSDPType type, GstSDPMessage *sdp, GTask *task)
{
  GstWebRTCSessionDescription *description = gst_webrtc_session_description_new (type, sdp);
  Negotiation *n = g_new0 (Negotiation, 1);
  GstPromise *promise;

  n->self = g_object_ref (self);
  n->task = task;
  n->type = type;
  log_description ("Remote", sdp);
  remember_mids (self, sdp);
  read_remote_direction (self, sdp);
  handset_media_session_read_remote_dtmf (self, sdp);
  handset_media_session_screen_read_remote (self, type, sdp);
  handset_sdp_set_directions (sdp, "sendrecv");
  handset_media_session_update_flow (self);
  promise = gst_promise_new_with_change_func (on_remote_set, n, NULL);
  g_signal_emit_by_name (self->webrtc, "set-remote-description", description, promise);
  gst_webrtc_session_description_free (description);
}

/* The peer's first offer set and answered: our payload types are the
 * offer's, video only if both want it. @task's source tag says what is
 * done with the answer once set (session_create_offer: given at once). */
void
handset_media_session_answer_offer (HandsetMediaSession *self, GstSDPMessage *sdp, GTask *task)
{
  g_autoptr (GError) error = NULL;

  if (!handset_media_session_build_audio (
          self, handset_sdp_payload_type (sdp, "audio", "OPUS", DEFAULT_AUDIO_PT), &error) ||
      (self->video && handset_sdp_has_media (sdp, "video") &&
       !handset_media_session_build_video (
           self, handset_sdp_payload_type (sdp, "video", "VP8", DEFAULT_VIDEO_PT), &error)))
    {
      gst_sdp_message_free (sdp);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  handset_media_session_drop_adopted (self);
  set_remote (self, GST_WEBRTC_SDP_TYPE_OFFER, sdp, task);
}

static void
session_create_answer (HandsetMedia *media,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  if (return_if_closed (self, task))
    return;
  if (self->prepared == HANDSET_PREPARED_READY)
    {
      handset_media_session_use_prepared (self, task);
      return;
    }
  if (self->pending_offer != NULL)
    {
      g_autofree char *offer = g_steal_pointer (&self->pending_offer);
      GstSDPMessage *sdp = NULL;

      gst_sdp_message_new_from_text (offer, &sdp);
      /* Marks the task: once the offer is set, answer it. */
      g_task_set_source_tag (task, session_create_offer);
      handset_media_session_answer_offer (self, sdp, task);
      return;
    }

  create_description (self, GST_WEBRTC_SDP_TYPE_ANSWER, FALSE, task);
}

static void
session_set_remote_description (HandsetMedia *media,
                                const char *type,
                                const char *sdp_text,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = NULL;
  gboolean is_offer = g_strcmp0 (type, "offer") == 0;

  if (return_if_closed (self, task))
    return;
  sdp = handset_sdp_parse_remote (sdp_text, &error);
  if (sdp == NULL)
    {
      g_task_return_new_error (task, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT, "%s",
                               error->message);
      g_object_unref (task);
      return;
    }

  /* The first offer waits for our answer (see pending_offer). */
  if (is_offer && !self->audio_built)
    {
      g_free (self->pending_offer);
      self->pending_offer = g_strdup (sdp_text);
      remember_mids (self, sdp);
      gst_sdp_message_free (sdp);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  set_remote (self, is_offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, sdp, task);
}

static gboolean
session_set_remote_description_finish (HandsetMedia *media, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
session_rollback (HandsetMedia *media)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  GstWebRTCSessionDescription *rollback;
  GstSDPMessage *empty = NULL;

  if (self->closed)
    return;
  gst_sdp_message_new (&empty);
  rollback = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ROLLBACK, empty);
  g_signal_emit_by_name (self->webrtc, "set-local-description", rollback, NULL);
  gst_webrtc_session_description_free (rollback);
}

void
handset_media_session_negotiation_iface_init (HandsetMediaInterface *iface)
{
  iface->create_offer = session_create_offer;
  iface->create_offer_finish = session_sdp_finish;
  iface->create_answer = session_create_answer;
  iface->create_answer_finish = session_sdp_finish;
  iface->set_remote_description = session_set_remote_description;
  iface->set_remote_description_finish = session_set_remote_description_finish;
  iface->rollback = session_rollback;
}
