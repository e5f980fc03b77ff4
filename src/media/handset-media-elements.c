/* handset-media-elements.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The elements of a call's pipeline. What is sent: the microphone through
 * opus, the camera through VP8 with a small preview beside it, each behind
 * a valve. What is received: each remote stream shown decoded, its sound
 * played on the speaker (silence when the speaker cannot be opened;
 * through the echo canceller's playback when the sound is processed), its
 * video as frames for the window or into HANDSET_VIDEO_SINK; a stream not
 * shown is dropped. The devices are the session's, or the pipelines the
 * environment describes (HANDSET_AUDIO_SRC, HANDSET_AUDIO_SINK,
 * HANDSET_VIDEO_SRC) so tests run without sound hardware.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-media-check.h"
#include "handset-media-session-private.h"

#define PREVIEW_WIDTH  160
#define PREVIEW_HEIGHT 120

/* ------------------------------------------------------------------ sending */

static GstElement *
element_from_description (const char *description, GError **error)
{
  return gst_parse_bin_from_description (description, TRUE, error);
}

static GstElement *
make_audio_source (HandsetMediaSession *self, GError **error)
{
  /* An answer made while the call rings: silence until it is answered. */
  if (self->prepared != HANDSET_PREPARED_NONE)
    return handset_media_session_silence ();
  if (!handset_media_devices_overridden ("HANDSET_AUDIO_SRC") && self->audio_source != NULL)
    return g_steal_pointer (&self->audio_source);

  return handset_media_devices_system_audio ("HANDSET_AUDIO_SRC", "pulsesrc",
                                             handset_media_session_sound (self), error);
}

/* The camera the session was given; never autovideosrc, which without a
 * camera sends a test pattern to the other side. */
GstElement *
handset_media_session_make_camera (HandsetMediaSession *self, GError **error)
{
  const char *description = g_getenv ("HANDSET_VIDEO_SRC");
  GstElement *source;

  if (description != NULL && *description != '\0')
    return element_from_description (description, error);
  if (self->video_source != NULL)
    return g_steal_pointer (&self->video_source);
  if (self->camera_func != NULL && (source = self->camera_func (self->camera_data)) != NULL)
    return source;

  g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                       _ ("No camera was found"));
  return NULL;
}

/* A video answer made while ringing: black pictures stand for the camera,
 * which opens only when the call is answered. */
static GstElement *
make_video_source (HandsetMediaSession *self, GError **error)
{
  if (self->prepared == HANDSET_PREPARED_NONE)
    return handset_media_session_make_camera (self, error);
  return handset_media_session_black ();
}

/* Links @elements in order, adding them to the pipeline; the last one's
 * src pad goes to @sink_pad, when given. */
gboolean
handset_media_session_add_chain (HandsetMediaSession *self,
                                 GstElement **elements,
                                 guint n,
                                 GstPad *sink_pad)
{
  for (guint i = 0; i < n; i++)
    gst_bin_add (GST_BIN (self->pipeline), elements[i]);
  for (guint i = 0; i + 1 < n; i++)
    if (!gst_element_link (elements[i], elements[i + 1]))
      return FALSE;
  if (sink_pad != NULL)
    {
      g_autoptr (GstPad) src = gst_element_get_static_pad (elements[n - 1], "src");

      if (gst_pad_link (src, sink_pad) != GST_PAD_LINK_OK)
        return FALSE;
    }
  for (guint i = n; i > 0; i--)
    gst_element_sync_state_with_parent (elements[i - 1]);

  return TRUE;
}

/* A pad probe that lets nothing it sees go on. */
GstPadProbeReturn
handset_media_probe_drop (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_DROP;
}

GstElement *
handset_media_make_element (const char *factory, const char *name)
{
  GstElement *element = gst_element_factory_make (factory, name);

  /* Checked for before the session was made; a failure here is a bug. */
  g_assert (element != NULL);
  return element;
}

static GstPad *
request_webrtc_pad (HandsetMediaSession *self)
{
  GstPad *pad = gst_element_request_pad_simple (self->webrtc, "sink_%u");

  /* One stream for audio and video, as Element expects. */
  g_object_set (pad, "msid", self->stream_id, NULL);
  return pad;
}

/* Nothing leaves while muted (but tones), on hold, or held, nor before
 * an answer made while ringing is given; nothing is heard on hold. No
 * video goes to webrtcbin before the description that brings the camera
 * is complete: webrtcbin holds it until then, with the camera's thread
 * and so the preview (a camera added mid-call too). The
 * sound does go: what webrtcbin holds leaves as the call connects, the
 * callee's first sound 25 ms sooner (bench/README.md). */
void
handset_media_session_update_flow (HandsetMediaSession *self)
{
  gboolean quiet = self->hold || !self->remote_receives;
  gboolean tones = handset_media_session_dtmf_flow (self, self->muted, quiet);

  /* Muted, the sound flows while tones are sent, each of its packets
   * replaced by theirs. */
  if (self->audio_valve != NULL)
    g_object_set (self->audio_valve, "drop",
                  (self->muted && !tones) || quiet || self->prepared != HANDSET_PREPARED_NONE,
                  NULL);
  if (self->video_valve != NULL)
    g_object_set (self->video_valve, "drop",
                  !self->video || quiet || self->prepared != HANDSET_PREPARED_NONE, NULL);
  /* The preview goes on meanwhile. */
  if (self->video_send_valve != NULL)
    g_object_set (self->video_send_valve, "drop", self->video_held, NULL);
  if (self->playback_volume != NULL)
    g_object_set (self->playback_volume, "mute", self->hold, NULL);
  handset_media_session_screen_flow (self, quiet);
}

/* After a build that failed: a source left out of the pipeline (an
 * adopted device) closes here, and is in use no more. */
static void
forget_left_out (GstElement *source, GstElement **in_use)
{
  if (GST_OBJECT_PARENT (source) != NULL)
    return;
  gst_element_set_state (source, GST_STATE_NULL);
  *in_use = NULL;
}

gboolean
handset_media_session_build_audio (HandsetMediaSession *self, int pt, GError **error)
{
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstElement *source, *adopted, *elements[7 + HANDSET_MEDIA_PROCESSING_ELEMENTS];
  guint n = 0, first;

  if (self->audio_built)
    return TRUE;

  /* The microphone another call had open, when this one took it over. */
  adopted = self->prepared == HANDSET_PREPARED_NONE
                ? handset_media_session_take_adopted (self, FALSE)
                : NULL;
  source = adopted != NULL ? adopted : make_audio_source (self, error);
  if (source == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                             "No microphone can be opened");
      return FALSE;
    }
  /* One reference of ours, whichever way it was made; the pipeline takes
   * its own. */
  if (g_object_is_floating (source))
    gst_object_ref_sink (source);

  /* The payloader stamps the payload type; webrtcbin sends what it gets,
   * so it must be the one the peer's offer chose. */
  caps =
      gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                           G_TYPE_STRING, "OPUS", "clock-rate", G_TYPE_INT, 48000,
                           "encoding-params", G_TYPE_STRING, "2", "payload", G_TYPE_INT, pt, NULL);
  elements[n++] = source;
  elements[n++] = handset_media_make_element ("audioconvert", NULL);
  elements[n++] = handset_media_make_element ("audioresample", NULL);
  /* Processed, when it is, before the valve: a swapped microphone is
   * processed too, and the canceller keeps learning while muted. */
  n += handset_media_session_processing_elements (self, elements + n);
  elements[n++] = self->audio_valve = handset_media_make_element ("valve", "audio-valve");
  elements[n++] = handset_media_make_element ("opusenc", NULL);
  elements[n] = handset_media_make_element ("rtpopuspay", NULL);
  g_object_set (elements[n++], "pt", pt, NULL);
  elements[n] = handset_media_make_element ("capsfilter", NULL);
  g_object_set (elements[n++], "caps", caps, NULL);
  self->audio_source_in_use = source;
  handset_media_session_update_flow (self);

  pad = request_webrtc_pad (self);
  /* An adopted microphone runs already: it goes in last, as it is. */
  first = adopted != NULL ? 1 : 0;
  if (!handset_media_session_add_chain (self, elements + first, n - first, pad) ||
      (adopted != NULL && !handset_media_session_attach_adopted (self, adopted, elements[1])))
    {
      forget_left_out (source, &self->audio_source_in_use);
      gst_object_unref (source);
      g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                           "The microphone cannot be connected to the call");
      return FALSE;
    }
  gst_object_unref (source);
  handset_media_session_send_dtmf_from (self, elements[5]);

  self->audio_built = TRUE;
  return TRUE;
}

/* An RGBA frame of @appsink as @signal (the media interface's
 * ::video-frame or ::preview-frame). */
static GstFlowReturn
emit_frame (GstElement *appsink, HandsetMediaSession *self, const char *signal)
{
  g_autoptr (GstSample) sample = NULL;
  GstBuffer *buffer;
  GstCaps *caps;
  GstStructure *structure;
  GstMapInfo map;
  int width = 0, height = 0;
  g_autoptr (GBytes) bytes = NULL;

  g_signal_emit_by_name (appsink, "pull-sample", &sample);
  if (sample == NULL)
    return GST_FLOW_OK;

  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  structure = gst_caps_get_structure (caps, 0);
  gst_structure_get_int (structure, "width", &width);
  gst_structure_get_int (structure, "height", &height);
  if (width <= 0 || height <= 0 || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);

  /* Emitted from the streaming thread: the paintable hands it over. */
  g_signal_emit_by_name (self, signal, width, height, width * 4, bytes);

  return GST_FLOW_OK;
}

static GstFlowReturn
on_new_video_sample (GstElement *appsink, HandsetMediaSession *self)
{
  return emit_frame (appsink, self, "video-frame");
}

static GstFlowReturn
on_new_preview_sample (GstElement *appsink, HandsetMediaSession *self)
{
  return emit_frame (appsink, self, "preview-frame");
}

gboolean
handset_media_session_build_video (HandsetMediaSession *self, int pt, GError **error)
{
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstCaps) raw = NULL;
  g_autoptr (GstCaps) rtp = NULL;
  g_autoptr (GstCaps) preview_caps = NULL;
  g_autoptr (GstPad) tee_sink = NULL;
  GstElement *source, *adopted, *elements[6], *sent[5], *preview[6], *tee;
  guint first;

  if (self->video_built)
    return TRUE;

  adopted = handset_media_session_take_adopted (self, TRUE);
  source = adopted != NULL ? adopted : make_video_source (self, error);
  if (source == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                             "No camera can be opened");
      return FALSE;
    }
  /* As the microphone: one reference of ours, dropped below. */
  if (g_object_is_floating (source))
    gst_object_ref_sink (source);
  self->video_source_in_use = source;

  raw = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, 640, "height", G_TYPE_INT, 480,
                             "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  rtp = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                             G_TYPE_STRING, "VP8", "clock-rate", G_TYPE_INT, 90000, "payload",
                             G_TYPE_INT, pt, NULL);
  preview_caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width",
                                      G_TYPE_INT, PREVIEW_WIDTH, "height", G_TYPE_INT,
                                      PREVIEW_HEIGHT, "framerate", GST_TYPE_FRACTION, 15, 1, NULL);

  /* What is sent: to the encoder, and to the preview. */
  sent[0] = self->video_send_valve = handset_media_make_element ("valve", NULL);
  self->video_held = TRUE;
  sent[1] = handset_media_make_element ("queue", NULL);
  sent[2] = handset_media_make_element ("vp8enc", NULL);
  sent[3] = handset_media_make_element ("rtpvp8pay", NULL);
  sent[4] = handset_media_make_element ("capsfilter", NULL);
  /* Real time; more threads cost more than they give on two cores. */
  g_object_set (sent[2], "deadline", (gint64) 1, NULL);
  g_object_set (sent[3], "pt", pt, NULL);
  g_object_set (sent[4], "caps", rtp, NULL);

  /* Small, at half the rate; it never holds the call back. */
  preview[0] = handset_media_make_element ("queue", NULL);
  preview[1] = handset_media_make_element ("videorate", NULL);
  preview[2] = handset_media_make_element ("videoscale", NULL);
  preview[3] = handset_media_make_element ("videoconvert", NULL);
  preview[4] = handset_media_make_element ("capsfilter", NULL);
  preview[5] = handset_media_make_element ("appsink", NULL);
  g_object_set (preview[0], "leaky", 2 /* downstream */, "max-size-buffers", 1, NULL);
  g_object_set (preview[1], "drop-only", TRUE, NULL);
  g_object_set (preview[4], "caps", preview_caps, NULL);
  g_object_set (preview[5], "emit-signals", TRUE, "max-buffers", 1, "drop", TRUE, "sync", FALSE,
                "async", FALSE, NULL);
  g_signal_connect (preview[5], "new-sample", G_CALLBACK (on_new_preview_sample), self);

  elements[0] = source;
  elements[1] = handset_media_make_element ("videoconvert", NULL);
  elements[2] = handset_media_make_element ("videoscale", NULL);
  elements[3] = handset_media_make_element ("videorate", NULL);
  elements[4] = handset_media_make_element ("capsfilter", NULL);
  elements[5] = self->video_valve = handset_media_make_element ("valve", "video-valve");
  g_object_set (elements[4], "caps", raw, NULL);
  tee = handset_media_make_element ("tee", NULL);
  tee_sink = gst_element_get_static_pad (tee, "sink");
  handset_media_session_update_flow (self);

  /* Downstream first, and the tee's branches linked before the camera
   * starts, so its format is agreed with both; an adopted camera runs
   * already, and goes in last. */
  first = adopted != NULL ? 1 : 0;
  pad = request_webrtc_pad (self);
  if (!handset_media_session_add_chain (self, sent, G_N_ELEMENTS (sent), pad) ||
      !handset_media_session_add_chain (self, preview, G_N_ELEMENTS (preview), NULL) ||
      !gst_bin_add (GST_BIN (self->pipeline), tee) || !gst_element_link (tee, sent[0]) ||
      !gst_element_link (tee, preview[0]) || !gst_element_sync_state_with_parent (tee) ||
      !handset_media_session_add_chain (self, elements + first, G_N_ELEMENTS (elements) - first,
                                        tee_sink) ||
      (adopted != NULL && !handset_media_session_attach_adopted (self, adopted, elements[1])))
    {
      forget_left_out (source, &self->video_source_in_use);
      gst_object_unref (source);
      g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                           "The camera cannot be connected to the call");
      return FALSE;
    }
  gst_object_unref (source);

  self->video_built = TRUE;
  return TRUE;
}

/* Whether to play and show a remote stream: one of the peer's usermedia
 * streams, or, when it sent no metadata, its first stream. Unknown
 * stream IDs (no a=msid) are shown. Under the lock. */

/* ------------------------------------------------------------------ receiving */

static gboolean
stream_is_shown (HandsetMediaSession *self, const char *stream_id)
{
  if (stream_id == NULL || *stream_id == '\0')
    return TRUE;
  if (self->shown_streams != NULL)
    return g_strv_contains ((const char *const *) self->shown_streams, stream_id);
  if (self->first_stream == NULL)
    self->first_stream = g_strdup (stream_id);
  return g_str_equal (self->first_stream, stream_id);
}

/* The decoded remote sound, to the speaker. */
static void
play_decoded_audio (HandsetMediaSession *self, GstPad *pad)
{
  g_autoptr (GstPad) sink_pad = NULL;
  GstElement *elements[4];
  GstElement *sink;

  /* Into the playback the echo canceller hears, when it does. */
  if (handset_media_session_play_processed (self, pad))
    return;
  if ((sink = handset_media_session_open_speaker (self)) == NULL)
    return;
  /* No queue: the jitter buffer's thread decodes and plays, so each
   * packet crosses one thread fewer on its way to the speaker. */
  elements[0] = handset_media_make_element ("audioconvert", NULL);
  elements[1] = handset_media_make_element ("audioresample", NULL);
  elements[2] = self->playback_tail = self->playback_volume =
      handset_media_make_element ("volume", NULL);
  elements[3] = sink;
  self->audio_sink_in_use = sink;
  handset_media_session_update_flow (self);
  handset_media_session_add_chain (self, elements, G_N_ELEMENTS (elements), NULL);
  gst_object_unref (sink); /* the pipeline holds it */
  sink_pad = gst_element_get_static_pad (elements[0], "sink");
  gst_pad_link (pad, sink_pad);
}

static void
on_decoded_pad (GstElement *decodebin, GstPad *pad, HandsetMediaSession *self)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *name = caps ? gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) sink_pad = NULL;

  if (g_str_has_prefix (name, "audio/"))
    play_decoded_audio (self, pad);
  else if (g_str_has_prefix (name, "video/"))
    {
      const char *description = g_getenv ("HANDSET_VIDEO_SINK");
      GstElement *elements[4];
      g_autoptr (GstCaps) rgba =
          gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);

      elements[0] = handset_media_make_element ("queue", NULL);
      elements[1] = handset_media_make_element ("videoconvert", NULL);
      if (description != NULL && *description != '\0')
        {
          elements[2] = element_from_description (description, &error);
          if (elements[2] == NULL)
            {
              handset_media_session_report_error (self, error->message);
              gst_object_unref (elements[0]);
              gst_object_unref (elements[1]);
              return;
            }
          handset_media_session_add_chain (self, elements, 3, NULL);
        }
      else
        {
          /* GTK 4.8 has no video sink: frames go to a GdkPaintable. */
          elements[2] = handset_media_make_element ("capsfilter", NULL);
          elements[3] = handset_media_make_element ("appsink", NULL);
          g_object_set (elements[2], "caps", rgba, NULL);
          g_object_set (elements[3], "emit-signals", TRUE, "max-buffers", 2, "drop", TRUE, "sync",
                        TRUE, NULL);
          g_signal_connect (elements[3], "new-sample", G_CALLBACK (on_new_video_sample), self);
          handset_media_session_add_chain (self, elements, 4, NULL);
        }
      sink_pad = gst_element_get_static_pad (elements[0], "sink");
      gst_pad_link (pad, sink_pad);
    }
}

/* The remote Opus sound decoded by the two elements decodebin would pick,
 * made at once: decodebin's search for them costs the first sound several
 * milliseconds, more on a busy machine. FALSE when @pad is not Opus. */
static gboolean
decode_opus (HandsetMediaSession *self, GstPad *pad)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *s = caps != NULL ? gst_caps_get_structure (caps, 0) : NULL;
  GstElement *elements[2];
  g_autoptr (GstPad) sink_pad = NULL;
  g_autoptr (GstPad) decoded = NULL;

  if (s == NULL || g_strcmp0 (gst_structure_get_string (s, "media"), "audio") != 0 ||
      g_strcmp0 (gst_structure_get_string (s, "encoding-name"), "OPUS") != 0)
    return FALSE;

  elements[0] = handset_media_make_element ("rtpopusdepay", NULL);
  elements[1] = handset_media_make_element ("opusdec", NULL);
  if (!handset_media_session_add_chain (self, elements, G_N_ELEMENTS (elements), NULL))
    {
      handset_media_session_report_error (self, "The call's sound cannot be decoded");
      return TRUE;
    }
  decoded = gst_element_get_static_pad (elements[1], "src");
  play_decoded_audio (self, decoded);
  sink_pad = gst_element_get_static_pad (elements[0], "sink");
  gst_pad_link (pad, sink_pad);

  return TRUE;
}

void
handset_media_session_pad_added_cb (GstElement *webrtc, GstPad *pad, HandsetMediaSession *self)
{
  GstElement *decodebin;
  g_autoptr (GstPad) sink = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC || handset_media_session_receive_dtmf (self, pad))
    return;

  {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
    const GstStructure *s = caps != NULL ? gst_caps_get_structure (caps, 0) : NULL;
    const char *kind = s != NULL ? gst_structure_get_string (s, "media") : NULL;
    guint ssrc = 0;

    if (kind != NULL && gst_structure_get_uint (s, "ssrc", &ssrc))
      {
        g_mutex_lock (&self->received_lock);
        g_hash_table_insert (self->received_kinds, GUINT_TO_POINTER (ssrc),
                             (gpointer) (g_str_equal (kind, "video") ? "video" : "audio"));
        g_mutex_unlock (&self->received_lock);
      }
  }

  {
    g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
    g_autofree char *stream_id = NULL;
    guint mline = G_MAXUINT;
    gboolean shown;

    g_object_get (pad, "transceiver", &transceiver, NULL);
    if (transceiver != NULL)
      g_object_get (transceiver, "mlineindex", &mline, NULL);
    g_mutex_lock (&self->received_lock);
    if (mline < self->remote_streams->len)
      stream_id = g_strdup (g_ptr_array_index (self->remote_streams, mline));
    shown = stream_is_shown (self, stream_id);
    g_mutex_unlock (&self->received_lock);
    g_debug ("Remote stream %s arrives on m-line %u", stream_id, mline);

    if (handset_media_session_receive_screenshare (self, pad, stream_id))
      return;

    if (!shown)
      {
        /* Received, and dropped: a stream the peer did not describe,
         * or not as its camera or a screen share, is not played. */
        GstElement *drop = handset_media_make_element ("fakesink", NULL);
        g_autoptr (GstPad) drop_pad = gst_element_get_static_pad (drop, "sink");

        g_debug ("Remote stream %s (m-line %u) is not shown", stream_id, mline);
        g_object_set (drop, "async", FALSE, "sync", FALSE, NULL);
        gst_bin_add (GST_BIN (self->pipeline), drop);
        gst_element_sync_state_with_parent (drop);
        gst_pad_link (pad, drop_pad);
        return;
      }
  }

  if (decode_opus (self, pad))
    return;
  decodebin = handset_media_make_element ("decodebin", NULL);
  g_signal_connect (decodebin, "pad-added", G_CALLBACK (on_decoded_pad), self);
  gst_bin_add (GST_BIN (self->pipeline), decodebin);
  gst_element_sync_state_with_parent (decodebin);
  sink = gst_element_get_static_pad (decodebin, "sink");
  gst_pad_link (pad, sink);
}
