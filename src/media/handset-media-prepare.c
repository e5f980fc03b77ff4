/* handset-media-prepare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The answer made while the call rings: the offer set, the answer made
 * and set, our candidates gathered, with silence where the microphone
 * will be, so that answering only opens the microphone and gives the
 * description. No device opens and nothing reaches the caller before
 * the person answers: the caller's candidates (those in the offer, and
 * those that follow) are held until then, so no connectivity check
 * tells the caller where we are. Connecting while ringing, a choice of
 * the person's, lets them through at once.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <gst/sdp/sdp.h>

#include "handset-media-session-private.h"
#include "handset-sdp.h"

/* A live source of silence, where a microphone goes. */
GstElement *
handset_media_session_silence (void)
{
  GstElement *silence = gst_element_factory_make ("audiotestsrc", NULL);

  if (silence == NULL)
    return NULL;
  g_object_set (silence, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (silence), "wave", "silence");
  g_object_set_data (G_OBJECT (silence), "handset-stand-in", GINT_TO_POINTER (TRUE));
  return silence;
}

/* What stands for the camera in a video answer made while ringing: a
 * source whose format is agreed but none of whose pictures goes on, so
 * that the camera's, once it takes its place, are the first the chain
 * sees, on the camera's own time (vp8enc drops every frame when the time
 * goes back). */
GstElement *
handset_media_session_black (void)
{
  GstElement *black = handset_media_make_element ("videotestsrc", NULL);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (black, "src");

  g_object_set (black, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (black), "pattern", "black");
  g_object_set_data (G_OBJECT (black), "handset-stand-in", GINT_TO_POINTER (TRUE));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, handset_media_probe_drop, NULL, NULL);
  return black;
}

/* The offer's candidates leave it, kept to be given once the person
 * answers; so does its end-of-candidates. */
static void
take_candidates (HandsetMediaSession *self, GstSDPMessage *sdp)
{
  gboolean ended = FALSE;

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
      const char *mid = gst_sdp_media_get_attribute_val (media, "mid");

      for (guint a = gst_sdp_media_attributes_len (media); a > 0; a--)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a - 1);

          if (g_strcmp0 (attr->key, "candidate") == 0 && attr->value != NULL)
            {
              g_autofree char *line = g_strconcat ("candidate:", attr->value, NULL);

              g_ptr_array_insert (self->held_candidates, 0,
                                  handset_ice_candidate_new (line, mid, (int) i));
              gst_sdp_media_remove_attribute (media, a - 1);
            }
          else if (g_strcmp0 (attr->key, "end-of-candidates") == 0)
            {
              gst_sdp_media_remove_attribute (media, a - 1);
              ended = TRUE;
            }
        }
    }
  /* Given last: the caller has no more. */
  if (ended)
    g_ptr_array_add (self->held_candidates, handset_ice_candidate_new ("", NULL, -1));
}

/**
 * handset_media_session_hold_candidate:
 *
 * Returns: TRUE when @candidate is held until the person answers
 */
gboolean
handset_media_session_hold_candidate (HandsetMediaSession *self,
                                      const HandsetIceCandidate *candidate)
{
  if (!self->holding_candidates)
    return FALSE;
  g_ptr_array_add (self->held_candidates, handset_ice_candidate_copy (candidate));
  return TRUE;
}

void
handset_media_session_prepare_answer (HandsetMedia *media,
                                      const char *offer,
                                      gboolean connect,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp;

  g_task_set_source_tag (task, handset_media_session_prepare_answer);
  if (self->closed || self->audio_built || self->remote_set)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "The call's media has begun already");
      g_object_unref (task);
      return;
    }
  sdp = handset_sdp_parse_remote (offer, &error);
  if (sdp == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  g_clear_pointer (&self->pending_offer, g_free);
  if (!connect)
    {
      self->holding_candidates = TRUE;
      take_candidates (self, sdp);
    }
  /* Silence where the microphone goes, until the answer. */
  self->prepared = HANDSET_PREPARED_MAKING;
  handset_media_session_answer_offer (self, sdp, task);
}

static gboolean
prepare_finish (HandsetMedia *media, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The person answered: the microphone replaces the silence (and the
 * camera the black pictures), the caller's candidates are given, and the
 * answer leaves as soon as it can. */
void
handset_media_session_use_prepared (HandsetMediaSession *self, GTask *task)
{
  g_autoptr (GPtrArray) held = g_steal_pointer (&self->held_candidates);
  GstElement *silence = self->audio_source_in_use;
  GstElement *black = self->video_source_in_use;

  self->holding_candidates = FALSE;
  self->held_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  if (silence != NULL && g_object_get_data (G_OBJECT (silence), "handset-stand-in") != NULL)
    {
      /* The microphone chosen, unless the environment names another. */
      GstElement *microphone = handset_media_devices_overridden ("HANDSET_AUDIO_SRC")
                                   ? NULL
                                   : g_steal_pointer (&self->audio_source);

      handset_media_session_swap_audio_source (self, microphone);
      /* Ours was no floating reference: the pipeline took its own. */
      if (microphone != NULL)
        gst_object_unref (microphone);
    }
  if (black != NULL && g_object_get_data (G_OBJECT (black), "handset-stand-in") != NULL)
    {
      g_autoptr (GError) error = NULL;
      GstElement *camera = handset_media_session_make_camera (self, &error);

      /* Without a camera the call goes on, showing nothing. */
      if (camera != NULL)
        handset_media_session_swap_video_source (self, camera);
      else
        handset_media_session_report_error (self, error->message);
    }
  self->prepared = HANDSET_PREPARED_NONE;
  handset_media_session_update_flow (self);
  for (guint i = 0; i < held->len; i++)
    handset_media_add_remote_candidate (HANDSET_MEDIA (self), g_ptr_array_index (held, i));
  handset_media_session_wait_local_description (self, task);
}

void
handset_media_session_prepare_iface_init (HandsetMediaInterface *iface)
{
  iface->prepare_answer = handset_media_session_prepare_answer;
  iface->prepare_answer_finish = prepare_finish;
}
