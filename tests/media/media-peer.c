/* media-peer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One end of a call in a process of its own, for test-media-two-processes:
 *
 *   media-peer offer|answer FREQ
 *
 * sends a FREQ Hz tone and measures the tone it receives. Signalling is one
 * JSON object per line, sent on stdout and received on stdin:
 *
 *   {"type":"offer"|"answer","sdp":"…"}
 *   {"type":"candidate","candidate":"…","sdpMid":"…","sdpMLineIndex":N}
 *
 * (candidate "" ends the candidates). Once ICE connects it listens 1.5 s
 * and prints {"type":"heard","hz":F,"rms":R,"first_ms":T}, then runs until
 * stdin closes and exits 0. T is the time from the answer (received by the
 * offerer, sent by the answerer) to the first loud sample heard, for the
 * benchmark. Errors go to stderr, with exit status 1.
 *
 * With HANDSET_PEER_SCREENSHARE=1 (and HANDSET_SCREEN_SRC), once heard the
 * offerer shares the screen and offers again, naming the stream in the
 * offer ("screenshare":"ID"); the answerer decodes it as a screen share and
 * prints {"type":"screen-frames","count":N} every 500 ms, N the frames
 * decoded so far.
 */

#include "config.h"

#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "handset-media-session.h"
#include "handset-test-tone.h"

#define LISTEN_MS 1500

typedef struct
{
  GMainLoop *loop;
  GCancellable *cancellable;
  GDataInputStream *input;
  HandsetMediaSession *session;
  HandsetTestTone *tone;
  const char *role;
  gboolean offerer;
  gboolean listening;
  guint listen_timer;
  gint64 answer_time; /* monotonic: the answer received, or sent */
  gint64 first_sound; /* monotonic: the first loud sample, kept across resets */
  int status;
  gboolean screenshare; /* HANDSET_PEER_SCREENSHARE=1 */
  gboolean screen_started;
  gint screen_frames; /* atomic: decoded at the answerer */
  guint screen_timer;
} Peer;

static void read_next_line (Peer *peer);

static void fail (Peer *peer, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
fail (Peer *peer, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  /* The first error is the cause; later ones are its echoes. */
  if (peer->status != 0)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "media-peer %s: %s\n", peer->role, message);
  fflush (stderr);
  peer->status = 1;
  g_main_loop_quit (peer->loop);
}

static void
send_object (Peer *peer, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *line = json_to_string (root, FALSE);

  /* The other end waits for each line: nothing may sit in a buffer. */
  if (fprintf (stdout, "%s\n", line) < 0 || fflush (stdout) != 0)
    fail (peer, "cannot write to stdout");
}

static void
send_description (Peer *peer, const char *type, const char *sdp)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, sdp);
  json_builder_end_object (builder);
  send_object (peer, builder);
}

static void
send_screen_offer (Peer *peer, const char *sdp)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "offer");
  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, sdp);
  json_builder_set_member_name (builder, "screenshare");
  json_builder_add_string_value (
      builder, handset_media_get_screenshare_stream_id (HANDSET_MEDIA (peer->session)));
  json_builder_end_object (builder);
  send_object (peer, builder);
}

static void
screen_offer_created (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = handset_media_create_offer_finish (HANDSET_MEDIA (object), result, &error);

  if (sdp == NULL)
    fail (peer, "cannot make the screen share's offer: %s", error->message);
  else
    send_screen_offer (peer, sdp);
}

static void
screen_opened (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_media_start_screenshare_finish (HANDSET_MEDIA (object), result, &error))
    fail (peer, "cannot share the screen: %s", error->message);
  else
    handset_media_create_offer (HANDSET_MEDIA (peer->session), FALSE, peer->cancellable,
                                screen_offer_created, peer);
}

static void
count_screen_frame (HandsetMedia *media,
                    int width,
                    int height,
                    int stride,
                    GBytes *pixels,
                    Peer *peer)
{
  g_atomic_int_inc (&peer->screen_frames);
}

static gboolean
report_screen_frames (gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "screen-frames");
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, g_atomic_int_get (&peer->screen_frames));
  json_builder_end_object (builder);
  send_object (peer, builder);

  return G_SOURCE_CONTINUE;
}

static void
send_candidate (Peer *peer, const HandsetIceCandidate *candidate)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "candidate");
  json_builder_set_member_name (builder, "candidate");
  json_builder_add_string_value (builder, candidate->candidate);
  json_builder_set_member_name (builder, "sdpMid");
  json_builder_add_string_value (builder, candidate->sdp_mid ? candidate->sdp_mid : "");
  json_builder_set_member_name (builder, "sdpMLineIndex");
  json_builder_add_int_value (builder, candidate->sdp_mline_index);
  json_builder_end_object (builder);
  send_object (peer, builder);
}

static void
on_local_candidate (HandsetMedia *media, HandsetIceCandidate *candidate, Peer *peer)
{
  send_candidate (peer, candidate);
}

static void
on_gathering_done (HandsetMedia *media, Peer *peer)
{
  g_autoptr (HandsetIceCandidate) end = handset_ice_candidate_new ("", "", -1);

  send_candidate (peer, end);
}

static gboolean
report_heard (gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  double rms = 0;
  double hz = handset_test_tone_get_frequency (peer->tone, &rms);
  gint64 first =
      peer->first_sound ? peer->first_sound : handset_test_tone_get_first_sound_time (peer->tone);

  peer->listen_timer = 0;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "heard");
  json_builder_set_member_name (builder, "hz");
  json_builder_add_double_value (builder, hz);
  json_builder_set_member_name (builder, "rms");
  json_builder_add_double_value (builder, rms);
  json_builder_set_member_name (builder, "first_ms");
  json_builder_add_double_value (
      builder, first > 0 && peer->answer_time > 0 ? (first - peer->answer_time) / 1000.0 : -1);
  json_builder_end_object (builder);
  send_object (peer, builder);

  if (peer->screenshare && peer->offerer && !peer->screen_started)
    {
      peer->screen_started = TRUE;
      handset_media_start_screenshare (HANDSET_MEDIA (peer->session), peer->cancellable,
                                       screen_opened, peer);
    }
  if (peer->screenshare && !peer->offerer && peer->screen_timer == 0)
    peer->screen_timer = g_timeout_add (500, report_screen_frames, peer);

  return G_SOURCE_REMOVE;
}

static void
on_ice_state (HandsetMedia *media, int state, Peer *peer)
{
  if ((state == HANDSET_ICE_STATE_CONNECTED || state == HANDSET_ICE_STATE_COMPLETED) &&
      !peer->listening)
    {
      peer->listening = TRUE;
      peer->first_sound = handset_test_tone_get_first_sound_time (peer->tone);
      handset_test_tone_reset (peer->tone);
      peer->listen_timer = g_timeout_add (LISTEN_MS, report_heard, peer);
    }
  /* Once heard, the other end may leave first: that is no failure. */
  else if (state == HANDSET_ICE_STATE_FAILED && !peer->listening)
    fail (peer, "ICE failed");
}

static void
on_session_error (HandsetMediaSession *session, const char *message, Peer *peer)
{
  fail (peer, "%s", message);
}

static void
offer_created (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = handset_media_create_offer_finish (HANDSET_MEDIA (object), result, &error);

  if (sdp == NULL)
    fail (peer, "cannot make the offer: %s", error->message);
  else
    send_description (peer, "offer", sdp);
}

static void
answer_created (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp =
      handset_media_create_answer_finish (HANDSET_MEDIA (object), result, &error);

  if (sdp == NULL)
    fail (peer, "cannot make the answer: %s", error->message);
  else
    {
      peer->answer_time = g_get_monotonic_time ();
      send_description (peer, "answer", sdp);
    }
}

static void
remote_set (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_media_set_remote_description_finish (HANDSET_MEDIA (object), result, &error))
    {
      fail (peer, "cannot use the remote %s: %s", peer->offerer ? "answer" : "offer",
            error->message);
      return;
    }
  if (!peer->offerer)
    handset_media_create_answer (HANDSET_MEDIA (peer->session), peer->cancellable, answer_created,
                                 peer);
}

/* NULL unless @name holds a string: a wrong type is the sender's error,
 * not a reason for a critical. */
static const char *
get_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static int
get_int (JsonObject *object, const char *name, int fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return (int) json_node_get_int (node);
}

static void
handle_line (Peer *peer, const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *object;
  const char *type;

  if (!json_parser_load_from_data (parser, line, -1, &error))
    {
      fail (peer, "unreadable line “%s”: %s", line, error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      fail (peer, "line “%s” is no JSON object", line);
      return;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  type = get_string (object, "type");

  if (g_strcmp0 (type, "candidate") == 0 && get_string (object, "candidate") != NULL)
    {
      const char *mid = get_string (object, "sdpMid");
      g_autoptr (HandsetIceCandidate) candidate =
          handset_ice_candidate_new (get_string (object, "candidate"), mid && *mid ? mid : NULL,
                                     get_int (object, "sdpMLineIndex", -1));

      handset_media_add_remote_candidate (HANDSET_MEDIA (peer->session), candidate);
    }
  else if (g_strcmp0 (type, peer->offerer ? "answer" : "offer") == 0)
    {
      const char *screen = get_string (object, "screenshare");

      if (peer->offerer && peer->answer_time == 0)
        peer->answer_time = g_get_monotonic_time ();
      if (screen != NULL)
        {
          const char *screens[] = { screen, NULL };

          handset_media_set_screenshare_streams (HANDSET_MEDIA (peer->session), screens);
        }
      handset_media_set_remote_description (HANDSET_MEDIA (peer->session), type,
                                            get_string (object, "sdp"), peer->cancellable,
                                            remote_set, peer);
    }
  else
    fail (peer, "unexpected message “%s”", line);
}

static void
line_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object),
                                                                     result, NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      fail (peer, "cannot read stdin: %s", error->message);
      return;
    }
  /* The end of stdin ends the call. */
  if (line == NULL)
    {
      g_main_loop_quit (peer->loop);
      return;
    }

  if (*line != '\0')
    handle_line (peer, line);
  if (peer->status == 0)
    read_next_line (peer);
}

static void
read_next_line (Peer *peer)
{
  g_data_input_stream_read_line_async (peer->input, G_PRIORITY_DEFAULT, peer->cancellable,
                                       line_read, peer);
}

int
main (int argc, char *argv[])
{
  Peer peer = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stdin_stream = NULL;
  g_autofree char *source = NULL;
  char *end = NULL;
  double frequency;

  if (argc != 3 || (g_strcmp0 (argv[1], "offer") != 0 && g_strcmp0 (argv[1], "answer") != 0))
    {
      fprintf (stderr, "Usage: %s offer|answer FREQ\n", argv[0]);
      return 1;
    }
  frequency = g_ascii_strtod (argv[2], &end);
  if (end == argv[2] || *end != '\0' || frequency <= 0 || frequency >= 24000)
    {
      fprintf (stderr, "media-peer: “%s” is no frequency in Hz\n", argv[2]);
      return 1;
    }

  /* Loopback only: libnice gathers none by itself. */
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  /* The element choice is this program's, not the caller's. */
  g_unsetenv ("HANDSET_AUDIO_SRC");
  g_unsetenv ("HANDSET_AUDIO_SINK");
  /* stdout carries the signalling: debug output must stay out of it. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* A closed stdout is reported as an error, not a silent death. */
  signal (SIGPIPE, SIG_IGN);
  gst_init (&argc, &argv);

  peer.role = argv[1];
  peer.offerer = g_str_equal (argv[1], "offer");
  peer.loop = g_main_loop_new (NULL, FALSE);
  peer.cancellable = g_cancellable_new ();
  peer.tone = handset_test_tone_new ();

  peer.session = handset_media_session_new (FALSE, &error);
  if (peer.session == NULL)
    {
      fprintf (stderr, "media-peer %s: %s\n", peer.role, error->message);
      return 1;
    }
  source = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%s volume=0.5", argv[2]);
  /* HANDSET_PEER_PROCESSING=1: echo cancellation, noise suppression and
   * gain control, as the app has them by default. */
  if (g_strcmp0 (g_getenv ("HANDSET_PEER_PROCESSING"), "1") == 0)
    handset_media_session_set_processing (peer.session, TRUE, TRUE, TRUE);
  handset_media_session_set_audio_source (peer.session, handset_test_source (source));
  /* Played by the clock, as a speaker plays. */
  handset_media_session_set_audio_sink (peer.session,
                                        handset_test_tone_create_synced_sink (peer.tone));
  g_signal_connect (peer.session, "local-candidate", G_CALLBACK (on_local_candidate), &peer);
  g_signal_connect (peer.session, "gathering-done", G_CALLBACK (on_gathering_done), &peer);
  g_signal_connect (peer.session, "ice-state-changed", G_CALLBACK (on_ice_state), &peer);
  g_signal_connect (peer.session, "error", G_CALLBACK (on_session_error), &peer);
  peer.screenshare = g_strcmp0 (g_getenv ("HANDSET_PEER_SCREENSHARE"), "1") == 0;
  g_signal_connect (peer.session, "screenshare-frame", G_CALLBACK (count_screen_frame), &peer);

  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  peer.input = g_data_input_stream_new (stdin_stream);
  read_next_line (&peer);

  if (peer.offerer)
    handset_media_create_offer (HANDSET_MEDIA (peer.session), FALSE, peer.cancellable,
                                offer_created, &peer);

  g_main_loop_run (peer.loop);

  /* Nothing may call back into a peer that is going away. */
  g_cancellable_cancel (peer.cancellable);
  g_clear_handle_id (&peer.listen_timer, g_source_remove);
  g_clear_handle_id (&peer.screen_timer, g_source_remove);
  g_signal_handlers_disconnect_by_data (peer.session, &peer);
  handset_media_close (HANDSET_MEDIA (peer.session));
  g_clear_object (&peer.session);
  handset_test_tone_free (peer.tone);
  g_clear_object (&peer.input);
  g_clear_object (&peer.cancellable);
  g_main_loop_unref (peer.loop);

  return peer.status;
}
