/* handset-media-screenshare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A screen shared in a call, and the peer's screen shares shown.
 *
 * Sent: the screen (handset-screen-source.c) as a video stream of its
 * own, with its own msid stream ID (the key of its `sdp_stream_metadata`,
 * purpose `m.screenshare`), on a webrtcbin pad and transceiver of its own:
 * at most 1920×1080 at 15 frames a second, VP8 with a key frame every two
 * seconds so a peer that starts late soon sees a picture. It is added to
 * the call by the next offer; nothing leaves until a description of the
 * peer's follows that offer. Stopped, the screen is closed at once (the
 * desktop's "sharing" indicator goes), the elements after it stay, and
 * the next offer marks its m-line inactive; shared again, a new screen
 * source feeds the same elements and m-line.
 *
 * webrtcbin 1.22 gives every m-line the same direction and our usermedia
 * msid (see handset-media-negotiation.c), so our descriptions are
 * corrected here, per m-line: ours sendonly (inactive once stopped) with
 * the screen's msid; each of the peer's screen shares recvonly with no
 * msid of ours; in an answer, no more than the offer allowed for that
 * m-line.
 *
 * Received: a remote stream the call layer named a screen share
 * (handset_media_set_screenshare_streams()) is decoded and its frames
 * emitted as ::screenshare-frame, never as the camera.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/sdp/sdp.h>

#include "handset-media-check.h"
#include "handset-media-session-private.h"
#include "handset-screen-source.h"
#include "handset-screencast-portal.h"

#define SCREEN_PT         98
#define SCREEN_MAX_WIDTH  1920
#define SCREEN_MAX_HEIGHT 1080
#define SCREEN_FPS        15
#define SCREEN_BITRATE    1500000 /* bits per second */

typedef struct _HandsetMediaScreen
{
  char *stream_id;
  gboolean sharing;
  /* Offered and followed by a description of the peer's: may flow. */
  gboolean live;
  GstElement *source; /* in the pipeline while sharing */
  GstElement *head;   /* the first element after it */
  GstElement *valve;
  GstPad *pad; /* webrtcbin's */
  guint ssrc;
  /* The m-line that carries it in our last description, or -1. */
  int mline;
  GCancellable *opening;
  /* The peer's screen shares, under the session's received_lock. */
  char **remote_streams;
  /* The peer's last description's direction of each m-line. */
  GPtrArray *remote_directions;
} HandsetMediaScreen;

static const char *const directions[] = { "inactive", "recvonly", "sendonly", "sendrecv", NULL };

/* ------------------------------------------------------------------ state */

void
handset_media_session_screen_init (HandsetMediaSession *self)
{
  self->screen = g_new0 (HandsetMediaScreen, 1);
  self->screen->mline = -1;
  self->screen->remote_directions = g_ptr_array_new_with_free_func (g_free);
  self->screen->stream_id = g_strdup_printf ("%s-screen", self->stream_id);
}

static void
close_source (HandsetMediaSession *self)
{
  HandsetMediaScreen *screen = self->screen;

  if (screen->source == NULL)
    return;
  /* Stopped first: its streaming thread ends before it is unlinked. */
  gst_element_set_state (screen->source, GST_STATE_NULL);
  if (self->pipeline != NULL && screen->head != NULL)
    gst_element_unlink (screen->source, screen->head);
  if (self->pipeline != NULL)
    gst_bin_remove (GST_BIN (self->pipeline), screen->source);
  gst_clear_object (&screen->source);
}

/* The call ended: the screen closes with it. */
void
handset_media_session_screen_close (HandsetMediaSession *self)
{
  HandsetMediaScreen *screen = self->screen;

  g_cancellable_cancel (screen->opening);
  screen->sharing = FALSE;
  close_source (self);
  screen->head = screen->valve = NULL;
  gst_clear_object (&screen->pad);
}

void
handset_media_session_screen_clear (HandsetMediaSession *self)
{
  HandsetMediaScreen *screen = self->screen;

  g_clear_object (&screen->opening);
  g_free (screen->stream_id);
  g_strfreev (screen->remote_streams);
  g_ptr_array_unref (screen->remote_directions);
  g_clear_pointer (&self->screen, g_free);
}

/* Nothing leaves before the peer heard of the stream, once stopped, or
 * when nothing is to be sent at all (@quiet: on hold, or held). */
void
handset_media_session_screen_flow (HandsetMediaSession *self, gboolean quiet)
{
  HandsetMediaScreen *screen = self->screen;

  if (screen != NULL && screen->valve != NULL)
    g_object_set (screen->valve, "drop", !screen->sharing || !screen->live || quiet, NULL);
}

static void
update_flow (HandsetMediaSession *self)
{
  handset_media_session_update_flow (self);
}

/* ------------------------------------------------------------------ sending */

static gboolean
build_sender (HandsetMediaSession *self, GError **error)
{
  HandsetMediaScreen *screen = self->screen;
  g_autoptr (GstCaps) raw = NULL;
  g_autoptr (GstCaps) rtp = NULL;
  GstElement *elements[9];
  /* Chosen here, in the caps webrtcbin reads for the offer: nothing flows
   * before the offer, and without its a=ssrc the peer's webrtcbin 1.22
   * takes the stream for its first m-line's. */
  guint ssrc = g_random_int ();

  if (screen->pad != NULL)
    return TRUE;
  screen->ssrc = ssrc;
  screen->mline = -1;

  raw = gst_caps_new_simple ("video/x-raw", "width", GST_TYPE_INT_RANGE, 16, SCREEN_MAX_WIDTH,
                             "height", GST_TYPE_INT_RANGE, 16, SCREEN_MAX_HEIGHT, "framerate",
                             GST_TYPE_FRACTION, SCREEN_FPS, 1, NULL);
  rtp = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                             G_TYPE_STRING, "VP8", "clock-rate", G_TYPE_INT, 90000, "payload",
                             G_TYPE_INT, SCREEN_PT, "ssrc", G_TYPE_UINT, ssrc, NULL);

  elements[0] = screen->head = handset_media_make_element ("videoconvert", NULL);
  elements[1] = handset_media_make_element ("videoscale", NULL);
  elements[2] = handset_media_make_element ("videorate", NULL);
  elements[3] = handset_media_make_element ("capsfilter", NULL);
  elements[4] = screen->valve = handset_media_make_element ("valve", "screen-valve");
  elements[5] = handset_media_make_element ("queue", NULL);
  elements[6] = handset_media_make_element ("vp8enc", NULL);
  elements[7] = handset_media_make_element ("rtpvp8pay", NULL);
  elements[8] = handset_media_make_element ("capsfilter", NULL);
  g_object_set (elements[1], "add-borders", TRUE, NULL);
  g_object_set (elements[2], "drop-only", TRUE, NULL);
  g_object_set (elements[3], "caps", raw, NULL);
  g_object_set (elements[4], "drop", TRUE, NULL);
  g_object_set (elements[5], "leaky", 2 /* downstream */, "max-size-buffers", 2, NULL);
  /* Real time, as the camera; a key frame every two seconds. */
  g_object_set (elements[6], "deadline", (gint64) 1, "target-bitrate", SCREEN_BITRATE,
                "keyframe-max-dist", 2 * SCREEN_FPS, "cpu-used", 4, NULL);
  g_object_set (elements[7], "pt", SCREEN_PT, "ssrc", ssrc, NULL);
  g_object_set (elements[8], "caps", rtp, NULL);

  screen->pad = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  g_object_set (screen->pad, "msid", screen->stream_id, NULL);
  if (!handset_media_session_add_chain (self, elements, G_N_ELEMENTS (elements), screen->pad))
    {
      g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                           "The screen cannot be connected to the call");
      return FALSE;
    }
  return TRUE;
}

static gboolean
attach_source (HandsetMediaSession *self, GstElement *source, GError **error)
{
  HandsetMediaScreen *screen = self->screen;

  if (!build_sender (self, error))
    return FALSE;
  screen->source = gst_object_ref (source);
  gst_bin_add (GST_BIN (self->pipeline), source);
  if (!gst_element_link (source, screen->head))
    {
      close_source (self);
      g_set_error_literal (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
                           "The screen cannot be connected to the call");
      return FALSE;
    }
  gst_element_sync_state_with_parent (source);
  return TRUE;
}

static void
source_opened_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  HandsetMediaSession *self = g_task_get_source_object (task);
  HandsetMediaScreen *screen = self->screen;
  g_autoptr (GstElement) source = NULL;
  GError *error = NULL;

  source = handset_screen_source_open_finish (result, &error);
  if (screen != NULL)
    g_clear_object (&screen->opening);
  if (source == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->closed || screen == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The call ended");
      return;
    }
  if (!attach_source (self, source, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  screen->sharing = TRUE;
  screen->live = FALSE;
  update_flow (self);
  g_task_return_boolean (task, TRUE);
}

static void
session_start_screenshare (HandsetMedia *media,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  HandsetMediaScreen *screen = self->screen;
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, session_start_screenshare);
  if (self->closed || !self->audio_built)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               "The call is not connected");
      g_object_unref (task);
      return;
    }
  if (screen->sharing || screen->opening != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The screen is already shared");
      g_object_unref (task);
      return;
    }
  screen->opening = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  handset_screen_source_open_async (screen->opening, source_opened_cb, task);
}

static gboolean
session_start_screenshare_finish (HandsetMedia *media, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
session_stop_screenshare (HandsetMedia *media)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  HandsetMediaScreen *screen = self->screen;

  g_cancellable_cancel (screen->opening);
  screen->sharing = FALSE;
  update_flow (self);
  close_source (self);
}

/* A message of the pipeline's bus: when it says the screen is gone (the
 * desktop ended the share, or the screen's element failed), the share
 * ends as if the person stopped it, and ::screenshare-ended says why.
 * Returns whether the message was the screen's. */
gboolean
handset_media_session_screen_message (HandsetMediaSession *self, GstMessage *message)
{
  HandsetMediaScreen *screen = self->screen;
  const GstStructure *structure;
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  const char *reason;

  if (screen == NULL || screen->source == NULL ||
      !handset_media_is_within (GST_MESSAGE_SRC (message), screen->source))
    return FALSE;
  structure = gst_message_get_structure (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
      gst_structure_has_name (structure, HANDSET_SCREENCAST_CLOSED_MESSAGE))
    {
      g_message ("The desktop stopped the screen share");
      reason = _ ("Screen sharing was stopped by the desktop");
    }
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      gst_message_parse_error (message, &error, &debug);
      g_message ("The shared screen failed: %s (%s)", error->message, debug ? debug : "");
      reason = _ ("Screen sharing stopped: the screen could no longer be read");
    }
  else
    return FALSE;

  if (screen->sharing)
    {
      session_stop_screenshare (HANDSET_MEDIA (self));
      g_signal_emit_by_name (self, "screenshare-ended", reason);
    }
  return TRUE;
}

static const char *
session_get_screenshare_stream_id (HandsetMedia *media)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  return self->screen->sharing ? self->screen->stream_id : NULL;
}

/* ------------------------------------------------------------------ descriptions */

/* Indexed by bits: 2 we send, 1 we receive. */
static int
direction_bits (const char *name)
{
  for (guint i = 0; directions[i] != NULL; i++)
    if (g_strcmp0 (name, directions[i]) == 0)
      return i;
  return 3; /* none said: sendrecv */
}

static int
media_direction (const GstSDPMedia *media)
{
  for (guint i = 0; directions[i] != NULL; i++)
    if (gst_sdp_media_get_attribute_val (media, directions[i]) != NULL)
      return i;
  return 3;
}

static void
set_media_direction (GstSDPMedia *media, int bits)
{
  for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
      GstSDPAttribute replacement;

      if (!g_strv_contains (directions, attr->key))
        continue;
      gst_sdp_attribute_set (&replacement, directions[bits], "");
      gst_sdp_media_replace_attribute (media, a, &replacement);
      return;
    }
  gst_sdp_media_add_attribute (media, directions[bits], "");
}

static void
remove_attribute (GstSDPMedia *media, const char *key)
{
  for (guint a = gst_sdp_media_attributes_len (media); a > 0; a--)
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, a - 1)->key, key) == 0)
      gst_sdp_media_remove_attribute (media, a - 1);
}

/* Our screen's m-line, or -1 before it has one. */
static int
screen_mline (HandsetMediaSession *self)
{
  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
  guint mline = G_MAXUINT;

  if (self->screen->pad == NULL)
    return -1;
  if (self->screen->mline >= 0)
    return self->screen->mline;
  g_object_get (self->screen->pad, "transceiver", &transceiver, NULL);
  if (transceiver == NULL)
    return -1;
  g_object_get (transceiver, "mlineindex", &mline, NULL);
  if (mline == G_MAXUINT && self->webrtc != NULL)
    {
      /* Not yet set by webrtcbin 1.22 in a description it just made: new
       * transceivers get m-lines in the order they were made. */
      g_autoptr (GArray) transceivers = NULL;

      g_signal_emit_by_name (self->webrtc, "get-transceivers", &transceivers);
      for (guint i = 0; transceivers != NULL && i < transceivers->len; i++)
        if (g_array_index (transceivers, GstWebRTCRTPTransceiver *, i) == transceiver)
          mline = i;
    }
  return mline == G_MAXUINT ? -1 : (int) mline;
}

static gboolean
is_remote_screenshare (HandsetMediaSession *self, guint mline)
{
  gboolean found = FALSE;

  g_mutex_lock (&self->received_lock);
  if (mline < self->remote_streams->len && self->screen->remote_streams != NULL)
    {
      const char *stream_id = g_ptr_array_index (self->remote_streams, mline);

      found = *stream_id != '\0' &&
              g_strv_contains ((const char *const *) self->screen->remote_streams, stream_id);
    }
  g_mutex_unlock (&self->received_lock);
  return found;
}

/* The peer's description: each m-line's direction, kept for our answer;
 * after our offer with the screen, the screen may flow. */
void
handset_media_session_screen_read_remote (HandsetMediaSession *self,
                                          GstWebRTCSDPType type,
                                          const GstSDPMessage *sdp)
{
  HandsetMediaScreen *screen = self->screen;

  g_ptr_array_set_size (screen->remote_directions, 0);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    g_ptr_array_add (screen->remote_directions,
                     g_strdup (directions[media_direction (gst_sdp_message_get_media (sdp, i))]));
  if (screen->sharing && screen_mline (self) >= 0 &&
      screen_mline (self) < (int) gst_sdp_message_medias_len (sdp))
    {
      g_debug ("The screen share may flow, on m-line %d", screen_mline (self));
      screen->live = TRUE;
      update_flow (self);
    }
}

/* The m-line of @sdp, a description of ours, that carries our screen:
 * the one with its a=ssrc. webrtcbin 1.22 has not set a new
 * transceiver's m-line yet when it hands over the description, and the
 * order transceivers were made in is not the m-lines' when the peer's
 * offer added one after ours was made. */
static int
find_own_mline (HandsetMediaScreen *screen, const GstSDPMessage *sdp)
{
  g_autofree char *prefix = g_strdup_printf ("%u ", screen->ssrc);

  for (guint i = 0; screen->pad != NULL && i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);

          if (g_strcmp0 (attr->key, "ssrc") == 0 && attr->value != NULL &&
              g_str_has_prefix (attr->value, prefix))
            return (int) i;
        }
    }
  return -1;
}

/* Our description as it goes on the wire, corrected per m-line: see the
 * top of this file. */
void
handset_media_session_screen_directions (HandsetMediaSession *self,
                                         GstWebRTCSDPType type,
                                         GstSDPMessage *sdp)
{
  HandsetMediaScreen *screen = self->screen;
  int found = find_own_mline (screen, sdp);
  int ours;

  if (found >= 0)
    screen->mline = found;
  ours = screen_mline (self);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
      int bits;

      if ((int) i == ours)
        {
          g_autofree char *msid =
              g_strdup_printf ("%s %s-video", screen->stream_id, screen->stream_id);

          remove_attribute (media, "msid");
          gst_sdp_media_add_attribute (media, "msid", msid);
          bits = screen->sharing ? 2 /* sendonly */ : 0;
        }
      else if (is_remote_screenshare (self, i))
        {
          remove_attribute (media, "msid");
          bits = media_direction (media) & 1; /* at most recvonly */
        }
      else
        continue;

      /* An answer allows no more than the offer did. */
      if (type == GST_WEBRTC_SDP_TYPE_ANSWER && i < screen->remote_directions->len)
        {
          int theirs = direction_bits (g_ptr_array_index (screen->remote_directions, i));

          /* Their sending is our receiving, and the other way round. */
          bits &= ((theirs & 1) << 1) | ((theirs & 2) >> 1);
        }
      set_media_direction (media, bits);
    }
}

/* ------------------------------------------------------------------ receiving */

static void
session_set_screenshare_streams (HandsetMedia *media, const char *const *stream_ids)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  g_mutex_lock (&self->received_lock);
  g_strfreev (self->screen->remote_streams);
  self->screen->remote_streams = g_strdupv ((char **) stream_ids);
  g_mutex_unlock (&self->received_lock);
}

static GstFlowReturn
on_screen_sample (GstElement *appsink, HandsetMediaSession *self)
{
  g_autoptr (GstSample) sample = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GstStructure *structure;
  GstMapInfo map;
  int width = 0, height = 0;

  g_signal_emit_by_name (appsink, "pull-sample", &sample);
  if (sample == NULL)
    return GST_FLOW_OK;
  structure = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  gst_structure_get_int (structure, "width", &width);
  gst_structure_get_int (structure, "height", &height);
  if (width <= 0 || height <= 0 ||
      !gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ))
    return GST_FLOW_OK;
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);

  g_signal_emit_by_name (self, "screenshare-frame", width, height, width * 4, bytes);
  return GST_FLOW_OK;
}

static void
on_screen_decoded (GstElement *decodebin, GstPad *pad, HandsetMediaSession *self)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr (GstCaps) rgba = NULL;
  g_autoptr (GstPad) sink = NULL;
  GstElement *elements[4];

  if (caps == NULL ||
      !g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "video/"))
    return;

  rgba = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);
  elements[0] = handset_media_make_element ("queue", NULL);
  elements[1] = handset_media_make_element ("videoconvert", NULL);
  elements[2] = handset_media_make_element ("capsfilter", NULL);
  elements[3] = handset_media_make_element ("appsink", NULL);
  g_object_set (elements[0], "leaky", 2 /* downstream */, "max-size-buffers", 2, NULL);
  g_object_set (elements[2], "caps", rgba, NULL);
  g_object_set (elements[3], "emit-signals", TRUE, "max-buffers", 1, "drop", TRUE, "sync", TRUE,
                NULL);
  g_signal_connect (elements[3], "new-sample", G_CALLBACK (on_screen_sample), self);
  handset_media_session_add_chain (self, elements, G_N_ELEMENTS (elements), NULL);
  sink = gst_element_get_static_pad (elements[0], "sink");
  gst_pad_link (pad, sink);
}

/* A pad of webrtcbin's, of the remote stream @stream_id: a screen share
 * of the peer's is decoded here. Returns whether it was. */
gboolean
handset_media_session_receive_screenshare (HandsetMediaSession *self,
                                           GstPad *pad,
                                           const char *stream_id)
{
  GstElement *decodebin;
  g_autoptr (GstPad) sink = NULL;
  gboolean screenshare;

  if (stream_id == NULL || *stream_id == '\0')
    return FALSE;
  g_mutex_lock (&self->received_lock);
  screenshare = self->screen->remote_streams != NULL &&
                g_strv_contains ((const char *const *) self->screen->remote_streams, stream_id);
  g_mutex_unlock (&self->received_lock);
  if (!screenshare)
    return FALSE;

  g_debug ("Remote stream %s is a screen share", stream_id);
  decodebin = handset_media_make_element ("decodebin", NULL);
  g_signal_connect (decodebin, "pad-added", G_CALLBACK (on_screen_decoded), self);
  gst_bin_add (GST_BIN (self->pipeline), decodebin);
  gst_element_sync_state_with_parent (decodebin);
  sink = gst_element_get_static_pad (decodebin, "sink");
  gst_pad_link (pad, sink);
  return TRUE;
}

void
handset_media_session_screen_iface_init (HandsetMediaInterface *iface)
{
  iface->start_screenshare = session_start_screenshare;
  iface->start_screenshare_finish = session_start_screenshare_finish;
  iface->stop_screenshare = session_stop_screenshare;
  iface->get_screenshare_stream_id = session_get_screenshare_stream_id;
  iface->set_screenshare_streams = session_set_screenshare_streams;
}
