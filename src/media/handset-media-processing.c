/* handset-media-processing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call's sound processed in its own pipeline, whichever microphone and
 * speaker are in use: echo cancellation, noise suppression and gain
 * control by webrtcdsp on what the microphone sends, the echo canceller
 * hearing what the speaker plays through a webrtcechoprobe just before
 * it. The probe must exist before webrtcdsp starts, so the playback is
 * built with the send chain: silence, so it runs before the remote sound
 * arrives, then the remote sound. An input-selector, not a mixer, chooses
 * between them: audiomixer drops and resyncs a decoded stream whose
 * timestamps jump (as the jitter buffer's do, seen in
 * /media-session/echo-cancelled), and a call plays one remote audio
 * stream. A device swapped
 * during the call replaces only the source before webrtcdsp or the sink
 * after the probe, so it stays processed. With all processing off, or
 * webrtcdsp missing, the pipeline is as it was: no webrtcdsp, no probe,
 * and the sound server's echo cancellation is asked for instead.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-check.h"
#include "handset-media-session-private.h"

#define PROCESSING_RATE 48000

static const char *const processing_elements[] = { "webrtcdsp", "webrtcechoprobe", NULL };

/* What webrtcdsp and its probe take: S16LE, 48 kHz, mono. */
static GstCaps *
processing_caps (void)
{
  return gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
                              G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, PROCESSING_RATE,
                              "channels", G_TYPE_INT, 1, NULL);
}

static GstElement *
caps_element (void)
{
  g_autoptr (GstCaps) caps = processing_caps ();
  GstElement *filter = handset_media_make_element ("capsfilter", NULL);

  g_object_set (filter, "caps", caps, NULL);
  return filter;
}

/**
 * handset_media_session_set_processing:
 * @echo_cancellation: whether the far end's sound is taken out of the microphone's
 * @noise_suppression: whether steady noise is taken out
 * @gain_control: whether the microphone's level is kept even
 *
 * For a call whose sound is not built yet (before its offer or answer);
 * all off (the default), the call's sound is not processed in the
 * pipeline, and the sound server is asked for echo cancellation.
 */
void
handset_media_session_set_processing (HandsetMediaSession *self,
                                      gboolean echo_cancellation,
                                      gboolean noise_suppression,
                                      gboolean gain_control)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  if (self->audio_built)
    g_message ("Sound processing changed after the call's sound was built: it applies to the "
               "next call");
  self->echo_cancellation = echo_cancellation;
  self->noise_suppression = noise_suppression;
  self->gain_control = gain_control;
}

/* Whether the call's sound is processed in the pipeline: something asked
 * for, and webrtcdsp there. */
gboolean
handset_media_session_processing_on (HandsetMediaSession *self)
{
  if (!self->echo_cancellation && !self->noise_suppression && !self->gain_control)
    return FALSE;
  return handset_media_check_element_list (processing_elements, NULL);
}

/* What the call asks of the system's microphone and speaker: no echo
 * cancellation from the sound server when the pipeline cancels it, or
 * the two would be stacked. */
HandsetMediaSound
handset_media_session_sound (HandsetMediaSession *self)
{
  return handset_media_session_processing_on (self) ? HANDSET_MEDIA_SOUND_CALL_PROCESSED
                                                    : HANDSET_MEDIA_SOUND_CALL;
}

/* A name no other call's probe has: webrtcdsp finds its probe by name,
 * among all the process's. */
static char *
unique_probe_name (void)
{
  static guint counter = 0;

  return g_strdup_printf ("handset-echo-probe-%u", g_atomic_int_add (&counter, 1));
}

/* The playback: silence, then the remote sound, at the level on hold,
 * through the echo probe, to the speaker. */
static gboolean
build_playback (HandsetMediaSession *self, const char *probe_name)
{
  GstElement *elements[9];
  GstElement *silence;
  GstElement *sink = handset_media_session_open_speaker (self);
  g_autoptr (GstPad) selector_pad = NULL;
  g_autoptr (GstPad) silence_pad = NULL;

  if (sink == NULL)
    return FALSE;

  elements[0] = self->playback_selector = handset_media_make_element ("input-selector", NULL);
  g_object_set (self->playback_selector, "sync-streams", FALSE, NULL);
  elements[1] = handset_media_make_element ("audioconvert", NULL);
  elements[2] = handset_media_make_element ("audioresample", NULL);
  elements[3] = caps_element ();
  elements[4] = self->playback_volume = handset_media_make_element ("volume", NULL);
  elements[5] = handset_media_make_element ("webrtcechoprobe", probe_name);
  /* For a speaker that takes another format. */
  elements[6] = handset_media_make_element ("audioconvert", NULL);
  elements[7] = self->playback_tail = handset_media_make_element ("audioresample", NULL);
  elements[8] = sink;
  self->audio_sink_in_use = sink;
  handset_media_session_update_flow (self);

  if (!handset_media_session_add_chain (self, elements, G_N_ELEMENTS (elements), NULL))
    {
      gst_object_unref (sink);
      return FALSE;
    }
  gst_object_unref (sink); /* the pipeline holds it */

  silence = handset_media_make_element ("audiotestsrc", NULL);
  g_object_set (silence, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (silence), "wave", "silence");

  gst_bin_add (GST_BIN (self->pipeline), silence);
  silence_pad = gst_element_get_static_pad (silence, "src");
  selector_pad = gst_element_request_pad_simple (self->playback_selector, "sink_%u");
  if (gst_pad_link (silence_pad, selector_pad) != GST_PAD_LINK_OK)
    return FALSE;
  gst_element_sync_state_with_parent (silence);

  return TRUE;
}

/**
 * handset_media_session_processing_elements:
 * @elements: (out caller-allocates): room for
 *   %HANDSET_MEDIA_PROCESSING_ELEMENTS elements
 *
 * When the call's sound is processed, the elements between the
 * microphone and the encoder, and, for echo cancellation, the playback
 * with its probe, built now so the probe is there when webrtcdsp starts.
 *
 * Returns: how many elements were put in @elements; 0 when the sound is not
 *   processed
 */
guint
handset_media_session_processing_elements (HandsetMediaSession *self, GstElement **elements)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *probe_name = NULL;
  GstElement *dsp;

  if (!self->echo_cancellation && !self->noise_suppression && !self->gain_control)
    return 0;
  if (!handset_media_check_element_list (processing_elements, &error))
    {
      g_message ("This call's sound is not processed (no echo cancellation, noise suppression "
                 "or gain control in the call): %s",
                 error->message);
      return 0;
    }

  if (self->echo_cancellation)
    {
      probe_name = unique_probe_name ();
      if (!build_playback (self, probe_name))
        {
          g_warning ("The speaker cannot be connected to the echo canceller; this call's sound "
                     "is not processed");
          return 0;
        }
    }

  dsp = handset_media_make_element ("webrtcdsp", NULL);
  g_object_set (dsp, "echo-cancel", self->echo_cancellation, "noise-suppression",
                self->noise_suppression, "gain-control", self->gain_control, NULL);
  /* The speaker's sound is matched to the microphone's by the time the
   * speaker says it plays it (its latency, a Bluetooth speaker's too), not
   * in delay-agnostic mode: that mode hands the canceller the speaker's
   * sound as soon as the probe sees it and finds no delay past the ~45 ms
   * its filter covers (a speaker playing 100 ms after it is handed the
   * sound, heard back 10 ms later, no gain control: 2 dB taken out
   * delay-agnostic, 36 dB by the speaker's time). The suppressor's high
   * level takes out more of what the filter leaves (its worst of 10 calls
   * 35 dB, the moderate level's of 8 calls 15 dB), with the near end's
   * voice as loud. See /media-session/echo-cancelled. */
  gst_util_set_object_arg (G_OBJECT (dsp), "echo-suppression-level", "high");
  if (probe_name != NULL)
    g_object_set (dsp, "probe", probe_name, NULL);
  g_debug ("Sound processed: echo cancellation %s, noise suppression %s, gain control %s",
           self->echo_cancellation ? "on" : "off", self->noise_suppression ? "on" : "off",
           self->gain_control ? "on" : "off");

  elements[0] = caps_element ();
  elements[1] = dsp;
  elements[2] = handset_media_make_element ("audioconvert", NULL);
  return HANDSET_MEDIA_PROCESSING_ELEMENTS;
}

/**
 * handset_media_session_play_processed:
 * @pad: a decoded remote audio stream
 *
 * Plays @pad through the echo canceller's probe, in place of the silence
 * or of the remote stream played before.
 *
 * Returns: %FALSE when the call's sound is not played through the probe
 */
gboolean
handset_media_session_play_processed (HandsetMediaSession *self, GstPad *pad)
{
  GstElement *elements[3];
  g_autoptr (GstPad) selector_pad = NULL;
  g_autoptr (GstPad) sink_pad = NULL;

  if (self->playback_selector == NULL)
    return FALSE;

  elements[0] = handset_media_make_element ("queue", NULL);
  elements[1] = handset_media_make_element ("audioconvert", NULL);
  elements[2] = handset_media_make_element ("audioresample", NULL);
  selector_pad = gst_element_request_pad_simple (self->playback_selector, "sink_%u");
  if (!handset_media_session_add_chain (self, elements, G_N_ELEMENTS (elements), selector_pad))
    {
      handset_media_session_report_error (self, "The call's sound cannot be played");
      return TRUE;
    }
  sink_pad = gst_element_get_static_pad (elements[0], "sink");
  gst_pad_link (pad, sink_pad);
  g_object_set (self->playback_selector, "active-pad", selector_pad, NULL);

  return TRUE;
}
