/* handset-media-speaker.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The speaker a call plays on: the one the session was given or the
 * system's, tried once before the sound flows into it (one that cannot be
 * opened gives way to a sink that plays nothing, and ::device-failed says
 * so), and made to join a playing pipeline without preroll and with a
 * short processing deadline.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-session-private.h"

static GstElement *
make_audio_sink (HandsetMediaSession *self, GError **error)
{
  if (!handset_media_devices_overridden ("HANDSET_AUDIO_SINK") && self->audio_sink != NULL)
    return gst_object_ref (self->audio_sink);

  return handset_media_devices_system_audio ("HANDSET_AUDIO_SINK", "pulsesink",
                                             handset_media_session_sound (self), error);
}

static gboolean
speaker_failed_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;

  g_message ("A device of the call failed: %s", (const char *) invoke->data);
  g_signal_emit_by_name (invoke->self, "device-failed", (int) HANDSET_CALL_DEVICE_SPEAKER,
                         (const char *) invoke->data);

  return G_SOURCE_REMOVE;
}

/* Opens @sink once, on a bus of its own, before the call's sound flows
 * into it: a speaker that cannot be opened is found out here, and nothing
 * upstream stalls on it. Returns %NULL when it opens, else why not. */
static char *
try_sink (GstElement *sink)
{
  g_autoptr (GstBus) bus = gst_bus_new ();
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  GstStateChangeReturn ret;

  gst_element_set_bus (sink, bus);
  ret = gst_element_set_state (sink, GST_STATE_PAUSED);
  gst_element_set_state (sink, GST_STATE_NULL);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_element_set_bus (sink, NULL);
  if (ret != GST_STATE_CHANGE_FAILURE)
    return NULL;
  if (message != NULL)
    gst_message_parse_error (message, &error, NULL);

  return g_strdup (error ? error->message : "The speaker cannot be opened");
}

/* What the call plays into when the speaker cannot be opened: nothing,
 * until the person picks another. */
static GstElement *
silent_sink (void)
{
  GstElement *sink = handset_media_make_element ("fakesink", NULL);

  g_object_set (sink, "sync", TRUE, "async", FALSE, NULL);
  g_object_set_data (G_OBJECT (sink), "handset-stand-in", GINT_TO_POINTER (TRUE));

  return sink;
}

/* How late a sink may get a buffer and still play it on time. GStreamer's
 * 20 ms are for pipelines that do heavy work before the sink; decoding one
 * Opus packet takes well under a millisecond, and the jitter buffer's hold
 * already covers the network, so every 20 ms more is 20 ms later sound. */
#define SINK_DEADLINE_MS 5

/* Prepares @element, a sink or any element of one, to join a playing call:
 * no preroll (a sink that waited to preroll would pause the pipeline it
 * joins, and with it the live sources that would preroll it), and a short
 * processing deadline. */
static void
prepare_sink_element (GObject *element)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (element);

  if (g_object_class_find_property (klass, "async") != NULL)
    g_object_set (element, "async", FALSE, NULL);
  if (g_object_class_find_property (klass, "processing-deadline") != NULL)
    g_object_set (element, "processing-deadline", (guint64) SINK_DEADLINE_MS * GST_MSECOND, NULL);
}

/* @sink, or every sink in it, plays without preroll and with a short
 * deadline. */
static void
prepare_sink (GstElement *sink)
{
  g_autoptr (GstIterator) iter = NULL;
  GValue item = G_VALUE_INIT;

  if (sink == NULL)
    return;
  if (!GST_IS_BIN (sink))
    {
      prepare_sink_element (G_OBJECT (sink));
      return;
    }
  iter = gst_bin_iterate_recurse (GST_BIN (sink));
  while (gst_iterator_next (iter, &item) == GST_ITERATOR_OK)
    {
      prepare_sink_element (g_value_get_object (&item));
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

/* The speaker, tried: one that cannot be opened gives way to a sink that
 * plays nothing, and ::device-failed says so. Returns (transfer full)
 * (nullable): the sink, or %NULL, the error reported, when there is
 * none. */
GstElement *
handset_media_session_open_speaker (HandsetMediaSession *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *failed = NULL;
  GstElement *sink = make_audio_sink (self, &error);

  if (sink == NULL)
    {
      handset_media_session_report_error (self,
                                          error ? error->message : "No speaker can be opened");
      return NULL;
    }
  /* One reference of ours, whichever way it was made. */
  if (g_object_is_floating (sink))
    gst_object_ref_sink (sink);
  if ((failed = try_sink (sink)) != NULL)
    {
      gst_object_unref (sink);
      sink = gst_object_ref_sink (silent_sink ());
      handset_media_session_run_in_main (self, speaker_failed_in_main, g_steal_pointer (&failed),
                                         g_free);
    }
  /* Added to a playing pipeline when the remote sound arrives, or with
   * the echo canceller's playback: prerolling there would cost the
   * first sound a pause of the whole pipeline. */
  prepare_sink (sink);
  return sink;
}
