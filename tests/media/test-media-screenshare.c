/* test-media-screenshare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A screen shared in a video call between two real media sessions over
 * 127.0.0.1: alice shares a 1280×720 test pattern (HANDSET_SCREEN_SRC,
 * the synthetic screen) as a stream of its own, added by renegotiation;
 * bob, told that stream is a screen share, decodes its frames as the
 * screen share while alice's camera keeps coming as the camera. Stopped,
 * the stream is marked inactive and its frames stop. And a screen that
 * cannot be opened is an error in words; on X11 outside Flatpak the
 * screen is read with ximagesrc.
 */

#include "config.h"

#include <string.h>

#include "handset-media-check.h"
#include "handset-media-session.h"
#include "handset-screen-source.h"
#include "handset-screencast-portal.h"
#include "handset-test-tone.h"
#include "handset-test-util.h"

#define WAIT_S 20

#define SCREEN \
  "videotestsrc is-live=true pattern=smpte ! capsfilter caps=video/x-raw,width=1280,height=720"

typedef struct
{
  HandsetMediaSession *session;
  HandsetTestTone *tone;
  gboolean connected;
  guint frames;       /* camera, 640×480 */
  guint wrong_frames; /* the camera's signal, another size */
  guint screens;      /* screen share, 1280×720, the pattern's colours */
  guint wrong_screens;
} Peer;

static void
on_ice_state (HandsetMedia *media, int state, Peer *peer)
{
  if (state == HANDSET_ICE_STATE_CONNECTED || state == HANDSET_ICE_STATE_COMPLETED)
    peer->connected = TRUE;
}

static void
on_frame (HandsetMedia *media, int width, int height, int stride, GBytes *pixels, Peer *peer)
{
  if (width == 640 && height == 480)
    g_atomic_int_inc (&peer->frames);
  else
    g_atomic_int_inc (&peer->wrong_frames);
}

/* SMPTE bars: the top left is light grey (192, 192, 192), the
 * seventh bar, at the right, blue (0, 0, 192); the camera's ball pattern
 * is black there. VP8 changes colours a little. */
static gboolean
is_smpte (int width, int stride, const guint8 *pixels)
{
  const guint8 *left = pixels + (gsize) 10 * stride + 10 * 4;
  const guint8 *right = pixels + (gsize) 10 * stride + (width - 10) * 4;

  return left[0] > 150 && left[1] > 150 && left[2] > 150 && right[0] < 60 && right[1] < 60 &&
         right[2] > 150;
}

static void
on_screen_frame (HandsetMedia *media, int width, int height, int stride, GBytes *pixels, Peer *peer)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (pixels, &size);

  if (width == 1280 && height == 720 && size == (gsize) stride * height &&
      is_smpte (width, stride, data))
    g_atomic_int_inc (&peer->screens);
  else
    g_atomic_int_inc (&peer->wrong_screens);
}

static void
on_gathered (HandsetMedia *media, Peer *other)
{
  g_autoptr (HandsetIceCandidate) end = handset_ice_candidate_new ("", NULL, -1);

  handset_media_add_remote_candidate (HANDSET_MEDIA (other->session), end);
}

static void
relay_candidate (HandsetMedia *media, HandsetIceCandidate *candidate, Peer *other)
{
  handset_media_add_remote_candidate (HANDSET_MEDIA (other->session), candidate);
}

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  g_assert_true (handset_test_wait_until (have_result, result, WAIT_S));
  return *result;
}

static gboolean
both_connected (gpointer data)
{
  Peer **peers = data;

  return peers[0]->connected && peers[1]->connected;
}

static void
peer_init (Peer *peer, const char *audio_source, const char *video_source)
{
  g_autoptr (GError) error = NULL;

  peer->tone = handset_test_tone_new ();
  peer->session = handset_media_session_new (TRUE, &error);
  g_assert_no_error (error);
  handset_media_session_set_audio_source (peer->session, handset_test_source (audio_source));
  handset_media_session_set_audio_sink (peer->session, handset_test_tone_create_sink (peer->tone));
  handset_media_session_set_video_source (peer->session, handset_test_source (video_source));
  g_signal_connect (peer->session, "ice-state-changed", G_CALLBACK (on_ice_state), peer);
  g_signal_connect (peer->session, "video-frame", G_CALLBACK (on_frame), peer);
  g_signal_connect (peer->session, "screenshare-frame", G_CALLBACK (on_screen_frame), peer);
}

static void
peer_clear (Peer *peer)
{
  handset_media_close (HANDSET_MEDIA (peer->session));
  g_clear_object (&peer->session);
  handset_test_tone_free (peer->tone);
}

/* @from offers, @to answers; the answer is returned in @answer_out. */
static char *
negotiate (Peer *from, Peer *to, char **answer_out)
{
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GAsyncResult) set_result = NULL;
  g_autoptr (GAsyncResult) answer_result = NULL;
  g_autoptr (GAsyncResult) answer_set = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *answer = NULL;
  char *offer;

  handset_media_create_offer (HANDSET_MEDIA (from->session), FALSE, NULL, store_result,
                              &offer_result);
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (from->session),
                                             wait_result (&offer_result), &error);
  g_assert_no_error (error);
  handset_media_set_remote_description (HANDSET_MEDIA (to->session), "offer", offer, NULL,
                                        store_result, &set_result);
  g_assert_true (handset_media_set_remote_description_finish (HANDSET_MEDIA (to->session),
                                                              wait_result (&set_result), &error));
  handset_media_create_answer (HANDSET_MEDIA (to->session), NULL, store_result, &answer_result);
  answer = handset_media_create_answer_finish (HANDSET_MEDIA (to->session),
                                               wait_result (&answer_result), &error);
  g_assert_no_error (error);
  handset_media_set_remote_description (HANDSET_MEDIA (from->session), "answer", answer, NULL,
                                        store_result, &answer_set);
  g_assert_true (handset_media_set_remote_description_finish (HANDSET_MEDIA (from->session),
                                                              wait_result (&answer_set), &error));
  if (answer_out != NULL)
    *answer_out = g_steal_pointer (&answer);
  return offer;
}

static void
connect_peers (Peer *alice, Peer *bob)
{
  g_autofree char *offer = NULL;
  Peer *peers[2] = { alice, bob };

  g_signal_connect (alice->session, "local-candidate", G_CALLBACK (relay_candidate), bob);
  g_signal_connect (bob->session, "local-candidate", G_CALLBACK (relay_candidate), alice);
  g_signal_connect (alice->session, "gathering-done", G_CALLBACK (on_gathered), bob);
  g_signal_connect (bob->session, "gathering-done", G_CALLBACK (on_gathered), alice);
  offer = negotiate (alice, bob, NULL);
  g_assert_true (handset_test_wait_until (both_connected, peers, WAIT_S));
}

/* The m-line of @sdp whose a=msid names @stream_id, as text, or NULL. */
static char *
media_of_stream (const char *sdp, const char *stream_id)
{
  g_auto (GStrv) sections = g_strsplit (sdp, "\r\nm=", -1);
  g_autofree char *msid = g_strdup_printf ("a=msid:%s ", stream_id);

  for (guint i = 1; sections[i] != NULL; i++)
    if (strstr (sections[i], msid) != NULL)
      return g_strdup (sections[i]);
  return NULL;
}

/* The @n-th m-line of @sdp (0 the first), as text. */
static char *
media_at (const char *sdp, guint n)
{
  g_auto (GStrv) sections = g_strsplit (sdp, "\r\nm=", -1);

  g_assert_cmpuint (n + 1, <, g_strv_length (sections));
  return g_strdup (sections[n + 1]);
}

static gboolean
screens_arrived (gpointer data)
{
  return g_atomic_int_get (&((Peer *) data)->screens) >= 10;
}

/* No screen share frame came in the last second. */
static gboolean
screens_stopped (gpointer data)
{
  Peer *peer = data;

  g_atomic_int_set (&peer->screens, 0);
  handset_test_run_for (1000);
  return g_atomic_int_get (&peer->screens) == 0;
}

static gboolean
frames_arrived (gpointer data)
{
  return g_atomic_int_get (&((Peer *) data)->frames) >= 10;
}

static void
start_sharing (Peer *peer)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_media_start_screenshare (HANDSET_MEDIA (peer->session), NULL, store_result, &result);
  g_assert_true (handset_media_start_screenshare_finish (HANDSET_MEDIA (peer->session),
                                                         wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
test_shared_and_labelled (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autofree char *offer = NULL, *answer = NULL, *again = NULL, *stopped = NULL;
  g_autofree char *screen_media = NULL, *answered = NULL, *stopped_media = NULL;
  const char *screen_id;
  const char *screens[2] = { NULL, NULL };

  g_setenv ("HANDSET_SCREEN_SRC", SCREEN, TRUE);
  peer_init (&alice, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  peer_init (&bob, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  connect_peers (&alice, &bob);
  g_assert_true (handset_test_wait_until (frames_arrived, &bob, WAIT_S));
  g_assert_null (handset_media_get_screenshare_stream_id (HANDSET_MEDIA (alice.session)));

  start_sharing (&alice);
  screen_id = handset_media_get_screenshare_stream_id (HANDSET_MEDIA (alice.session));
  g_assert_nonnull (screen_id);
  g_assert_cmpstr (screen_id, !=, handset_media_get_stream_id (HANDSET_MEDIA (alice.session)));
  /* The call layer read it from alice's metadata. */
  screens[0] = screen_id;
  handset_media_set_screenshare_streams (HANDSET_MEDIA (bob.session), screens);

  offer = negotiate (&alice, &bob, &answer);
  /* A third m-line, video, in a stream of its own, that only sends. */
  screen_media = media_of_stream (offer, screen_id);
  g_assert_nonnull (screen_media);
  g_assert_true (g_str_has_prefix (screen_media, "video "));
  g_assert_nonnull (strstr (screen_media, "a=sendonly"));
  answered = media_at (answer, 2);
  g_assert_nonnull (strstr (answered, "a=recvonly"));
  /* bob sends nothing there, and names no stream of his for it. */
  g_assert_null (strstr (answered, "a=msid:"));

  /* bob decodes the screen as a screen share, and the camera as the
   * camera. */
  g_atomic_int_set (&bob.frames, 0);
  g_assert_true (handset_test_wait_until (screens_arrived, &bob, WAIT_S));
  g_assert_true (handset_test_wait_until (frames_arrived, &bob, WAIT_S));
  g_assert_cmpuint (g_atomic_int_get (&bob.wrong_frames), ==, 0);
  g_assert_cmpuint (g_atomic_int_get (&alice.screens), ==, 0);
  handset_test_tone_assert (bob.tone, 440, 1500);

  /* A renegotiation from bob keeps it: his offer only receives it. */
  again = negotiate (&bob, &alice, NULL);
  {
    g_autofree char *bobs = media_at (again, 2);

    g_assert_nonnull (strstr (bobs, "a=recvonly"));
    g_assert_null (strstr (bobs, "a=msid:"));
  }
  g_atomic_int_set (&bob.screens, 0);
  g_assert_true (handset_test_wait_until (screens_arrived, &bob, WAIT_S));

  /* Stopped: the next offer says so, and no more frames come. */
  handset_media_stop_screenshare (HANDSET_MEDIA (alice.session));
  g_assert_null (handset_media_get_screenshare_stream_id (HANDSET_MEDIA (alice.session)));
  stopped = negotiate (&alice, &bob, NULL);
  stopped_media = media_at (stopped, 2);
  g_assert_nonnull (strstr (stopped_media, "a=inactive"));
  /* What was on its way drains; then a whole second passes with none
   * (as long as frames kept coming, this would time out). */
  g_assert_true (handset_test_wait_until (screens_stopped, &bob, WAIT_S));
  g_atomic_int_set (&bob.frames, 0);
  g_assert_true (handset_test_wait_until (frames_arrived, &bob, WAIT_S));

  /* Shared again: the same stream comes back. */
  start_sharing (&alice);
  g_free (negotiate (&alice, &bob, NULL));
  g_assert_true (handset_test_wait_until (screens_arrived, &bob, WAIT_S));
  g_assert_cmpuint (g_atomic_int_get (&bob.wrong_screens), ==, 0);

  peer_clear (&alice);
  peer_clear (&bob);
  g_unsetenv ("HANDSET_SCREEN_SRC");
}

typedef struct
{
  char *ended; /* ::screenshare-ended's reason */
  char *error; /* the session's ::error: the call's media failed */
} Ended;

static void
on_screenshare_ended (HandsetMedia *media, const char *reason, Ended *ended)
{
  g_free (ended->ended);
  ended->ended = g_strdup (reason);
}

static void
on_error (HandsetMedia *media, const char *message, Ended *ended)
{
  g_free (ended->error);
  ended->error = g_strdup (message);
}

static gboolean
share_ended (gpointer data)
{
  return ((Ended *) data)->ended != NULL;
}

/* What the screen's element posts: the portal's, when the desktop ended
 * the share (@closed); else pipewiresrc's error when its stream is gone. */
static void
screen_says (Peer *peer, gboolean closed)
{
  g_autoptr (GstElement) screen = gst_bin_get_by_name (
      GST_BIN (handset_media_session_get_pipeline (peer->session)), "screen-pattern");
  g_autoptr (GError) error =
      g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, "stream error");

  g_assert_nonnull (screen);
  if (closed)
    gst_element_post_message (
        screen,
        gst_message_new_element (GST_OBJECT (screen),
                                 gst_structure_new_empty (HANDSET_SCREENCAST_CLOSED_MESSAGE)));
  else
    gst_element_post_message (
        screen, gst_message_new_error (GST_OBJECT (screen), error, "the stream is gone"));
}

/* The desktop ends the share ("Stop sharing" in the shell), or the
 * screen can no longer be read: the share ends as if stopped (the next
 * offer marks it inactive), ::screenshare-ended says why, and the call
 * goes on. */
static void
test_ended_by_desktop (void)
{
  Peer alice = { 0 }, bob = { 0 };
  Ended ended = { NULL, NULL };
  g_autofree char *stopped = NULL, *stopped_media = NULL;
  const char *screens[2] = { NULL, NULL };

  g_setenv ("HANDSET_SCREEN_SRC",
            "videotestsrc name=screen-pattern is-live=true pattern=smpte ! capsfilter "
            "caps=video/x-raw,width=1280,height=720",
            TRUE);
  peer_init (&alice, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  peer_init (&bob, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  g_signal_connect (alice.session, "screenshare-ended", G_CALLBACK (on_screenshare_ended), &ended);
  g_signal_connect (alice.session, "error", G_CALLBACK (on_error), &ended);
  connect_peers (&alice, &bob);
  start_sharing (&alice);
  screens[0] = handset_media_get_screenshare_stream_id (HANDSET_MEDIA (alice.session));
  handset_media_set_screenshare_streams (HANDSET_MEDIA (bob.session), screens);
  g_free (negotiate (&alice, &bob, NULL));
  g_assert_true (handset_test_wait_until (screens_arrived, &bob, WAIT_S));

  screen_says (&alice, TRUE);
  g_assert_true (handset_test_wait_until (share_ended, &ended, WAIT_S));
  g_assert_cmpstr (ended.ended, ==, "Screen sharing was stopped by the desktop");
  g_assert_null (handset_media_get_screenshare_stream_id (HANDSET_MEDIA (alice.session)));
  stopped = negotiate (&alice, &bob, NULL);
  stopped_media = media_at (stopped, 2);
  g_assert_nonnull (strstr (stopped_media, "a=inactive"));
  g_assert_true (handset_test_wait_until (screens_stopped, &bob, WAIT_S));
  g_atomic_int_set (&bob.frames, 0);
  g_assert_true (handset_test_wait_until (frames_arrived, &bob, WAIT_S));

  /* Shared again; the screen fails: the share ends, not the call. */
  g_clear_pointer (&ended.ended, g_free);
  start_sharing (&alice);
  screen_says (&alice, FALSE);
  g_assert_true (handset_test_wait_until (share_ended, &ended, WAIT_S));
  g_assert_cmpstr (ended.ended, ==, "Screen sharing stopped: the screen could no longer be read");
  g_assert_null (handset_media_get_screenshare_stream_id (HANDSET_MEDIA (alice.session)));
  g_atomic_int_set (&bob.frames, 0);
  g_assert_true (handset_test_wait_until (frames_arrived, &bob, WAIT_S));
  g_assert_null (ended.error);

  peer_clear (&alice);
  peer_clear (&bob);
  g_free (ended.ended);
  g_unsetenv ("HANDSET_SCREEN_SRC");
}

static void
store_source (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* No described screen, Wayland, no portal: an error a person reads. */
static void
test_no_screen (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) source = NULL;

  g_unsetenv ("HANDSET_SCREEN_SRC");
  g_setenv ("WAYLAND_DISPLAY", "wayland-handset-test", TRUE);
  handset_screen_source_open_async (NULL, store_source, &result);
  source = handset_screen_source_open_finish (wait_result (&result), &error);
  g_assert_null (source);
  g_assert_error (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT);
  g_assert_nonnull (strstr (error->message, "screen sharing portal"));
  g_unsetenv ("WAYLAND_DISPLAY");
}

/* The described screen is the source: a raw video source, ours to keep. */
static void
test_described_screen (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) source = NULL;
  g_autoptr (GAsyncResult) bad = NULL;
  g_autoptr (GstPad) pad = NULL;

  g_setenv ("HANDSET_SCREEN_SRC", SCREEN, TRUE);
  handset_screen_source_open_async (NULL, store_source, &result);
  source = handset_screen_source_open_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (source);
  g_assert_false (g_object_is_floating (source));
  pad = gst_element_get_static_pad (source, "src");
  g_assert_nonnull (pad);

  g_setenv ("HANDSET_SCREEN_SRC", "nosuchelement-handset", TRUE);
  g_clear_error (&error);
  handset_screen_source_open_async (NULL, store_source, &bad);
  g_assert_null (handset_screen_source_open_finish (wait_result (&bad), &error));
  g_assert_nonnull (error);
  g_unsetenv ("HANDSET_SCREEN_SRC");
}

static void
count_buffer (GstElement *sink, GstBuffer *buffer, GstPad *pad, gint *buffers)
{
  g_atomic_int_inc (buffers);
}

static gboolean
buffers_came (gpointer data)
{
  return g_atomic_int_get ((gint *) data) >= 3;
}

/* Outside Flatpak on X11 (the tests' Xvfb), with no portal: the whole
 * screen through ximagesrc, whose frames flow. */
static void
test_x11_screen (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) source = NULL;
  g_autoptr (GstElementFactory) factory = gst_element_factory_find ("ximagesrc");
  g_autofree char *wayland = g_strdup (g_getenv ("WAYLAND_DISPLAY"));
  GstElement *pipeline, *sink;
  gint buffers = 0;

  if (g_getenv ("DISPLAY") == NULL || factory == NULL ||
      g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("No X11 display, or no ximagesrc");
      return;
    }
  g_unsetenv ("HANDSET_SCREEN_SRC");
  g_unsetenv ("WAYLAND_DISPLAY");
  handset_screen_source_open_async (NULL, store_source, &result);
  source = handset_screen_source_open_finish (wait_result (&result), &error);
  if (wayland != NULL)
    g_setenv ("WAYLAND_DISPLAY", wayland, TRUE);
  g_assert_no_error (error);
  g_assert_nonnull (source);

  pipeline = gst_pipeline_new (NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "signal-handoffs", TRUE, "sync", FALSE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (count_buffer), &buffers);
  gst_bin_add_many (GST_BIN (pipeline), source, sink, NULL);
  g_assert_true (gst_element_link (source, sink));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_assert_true (handset_test_wait_until (buffers_came, &buffers, WAIT_S));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  g_unsetenv ("HANDSET_AUDIO_SRC");
  g_unsetenv ("HANDSET_AUDIO_SINK");
  g_unsetenv ("HANDSET_VIDEO_SRC");
  g_unsetenv ("HANDSET_VIDEO_SINK");
  gst_init (&argc, &argv);

  handset_test_add_func_tolerating_webrtcbin ("/media-screenshare/described-screen",
                                              test_described_screen);
  handset_test_add_func_tolerating_webrtcbin ("/media-screenshare/no-screen", test_no_screen);
  handset_test_add_func_tolerating_webrtcbin ("/media-screenshare/x11-screen", test_x11_screen);
  handset_test_add_func_tolerating_webrtcbin ("/media-screenshare/shared-and-labelled",
                                              test_shared_and_labelled);
  handset_test_add_func_tolerating_webrtcbin ("/media-screenshare/ended-by-desktop",
                                              test_ended_by_desktop);

  return g_test_run ();
}
