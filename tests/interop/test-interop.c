/* test-interop.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Calls between Handset and Element's call engine: matrix-js-sdk running
 * in headless Chromium (driven by driver.mjs), on the real Synapse, with
 * real media on 127.0.0.1. Handset runs in this process, as in
 * test-call-media-live.c; js-sdk is told what to do over JSON lines and
 * reports what it sees.
 *
 * The browser's fake microphone plays a 440 Hz tone from a WAV file and
 * Handset sends 880 Hz, so each side checks that it hears the other.
 *
 * The /interop/encrypted/ cases call in an end-to-end encrypted direct
 * chat, js-sdk with its Rust crypto as Element Web has it, Handset with its
 * own (libolm), and check that no call event went through the server in
 * clear.
 */

#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "handset-recovery.h"
#include "handset-test-cross-signing.h"
#include "handset-test-device.h"
#include "handset-test-util.h"

#define WAIT_S       20
#define START_S      90
#define BROWSER_HZ   440
#define HANDSET_HZ   880
#define HANDSET_TONE "audiotestsrc is-live=true wave=sine freq=880 volume=0.5"
#define HANDSET_CAM  "videotestsrc is-live=true pattern=ball"

/* ------------------------------------------------------------------ the js-sdk peer */

typedef struct
{
  GSubprocess *process;
  GOutputStream *input;
  GDataInputStream *output;
  GPtrArray *events;  /* JsonObject, not yet taken by peer_wait_event() */
  GPtrArray *replies; /* JsonObject */
  guint next_id;
  gboolean reading;
  gboolean eof;
} Peer;

static const char *
interop_dir (void)
{
  const char *dir = g_getenv ("HANDSET_INTEROP_DIR");

  return (dir != NULL && *dir != '\0') ? dir : "/var/cache/handset/npm/interop";
}

/* The suite always has the packages (build-aux/dev deps installs them);
 * a build tree elsewhere may not. */
static gboolean
interop_require (void)
{
  g_autofree char *sdk = NULL;

  if (!handset_test_homeserver_require ())
    return FALSE;

  sdk = g_build_filename (interop_dir (), "node_modules", "matrix-js-sdk", NULL);
  if (!g_file_test (sdk, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *message =
          g_strdup_printf ("matrix-js-sdk is not installed in %s (HANDSET_INTEROP_DIR): "
                           "run tests/interop/install.sh %s, or build-aux/dev deps",
                           interop_dir (), interop_dir ());

      g_test_skip (message);
      return FALSE;
    }

  return TRUE;
}

static char *
driver_path (void)
{
  char *path = g_test_build_filename (G_TEST_DIST, "interop", "driver.mjs", NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);

  /* Run by hand, without meson's G_TEST_SRCDIR, from a build directory
   * inside the source tree. */
  path = g_build_filename (g_test_get_dir (G_TEST_BUILT), "..", "..", "tests", "interop",
                           "driver.mjs", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  return path;
}

static void read_next_line (Peer *peer);

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  if (line == NULL)
    {
      if (error != NULL)
        g_test_message ("js-sdk peer: reading its output failed: %s", error->message);
      peer->eof = TRUE;
      peer->reading = FALSE;
      return;
    }

  node = json_from_string (line, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_test_message ("js-sdk peer says: %s", line);
    }
  else
    {
      object = json_node_get_object (node);
      if (json_object_has_member (object, "id"))
        g_ptr_array_add (peer->replies, json_object_ref (object));
      else
        {
          g_test_message ("js-sdk: %s", line);
          g_ptr_array_add (peer->events, json_object_ref (object));
        }
    }

  read_next_line (peer);
}

static void
read_next_line (Peer *peer)
{
  peer->reading = TRUE;
  g_data_input_stream_read_line_async (peer->output, G_PRIORITY_DEFAULT, NULL, on_line, peer);
}

typedef struct
{
  Peer *peer;
  const char *event;
  const char *member;
  const char *value;
  JsonObject *found;
} EventWait;

static gboolean
event_arrived (gpointer data)
{
  EventWait *wait = data;
  GPtrArray *events = wait->peer->events;

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *object = g_ptr_array_index (events, i);
      const char *name = json_object_get_string_member_with_default (object, "event", "");
      JsonNode *member;

      if (g_strcmp0 (name, wait->event) != 0)
        continue;
      if (wait->member != NULL)
        {
          member = json_object_get_member (object, wait->member);
          if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
              g_strcmp0 (json_node_get_string (member), wait->value) != 0)
            continue;
        }
      wait->found = json_object_ref (object);
      g_ptr_array_remove_index (events, i);
      return TRUE;
    }

  return wait->peer->eof;
}

/**
 * peer_wait_event:
 * @member: (nullable): a string member the event must have...
 * @value: ...with this value
 *
 * Takes the first event named @event (with @member equal to @value) that
 * js-sdk reported, waiting for it if need be; later ones stay.
 *
 * Returns: (transfer full) (nullable): the event, or %NULL after @timeout_s
 */
static JsonObject *
peer_wait_event (Peer *peer,
                 const char *event,
                 const char *member,
                 const char *value,
                 guint timeout_s)
{
  EventWait wait = { peer, event, member, value, NULL };

  handset_test_wait_until (event_arrived, &wait, timeout_s);
  if (wait.found == NULL)
    g_test_message ("js-sdk: no \"%s\" event%s%s%s%s within %u s", event, member ? " with " : "",
                    member ? member : "", member ? "=" : "", value ? value : "", timeout_s);

  return wait.found;
}

/* Drops what js-sdk reported so far, between two steps of a test. */
static void
peer_forget_events (Peer *peer)
{
  g_ptr_array_set_size (peer->events, 0);
}

typedef struct
{
  Peer *peer;
  gint64 id;
  JsonObject *reply;
} ReplyWait;

static gboolean
reply_arrived (gpointer data)
{
  ReplyWait *wait = data;
  GPtrArray *replies = wait->peer->replies;

  for (guint i = 0; i < replies->len; i++)
    {
      JsonObject *object = g_ptr_array_index (replies, i);

      if (json_object_get_int_member (object, "id") == wait->id)
        {
          wait->reply = json_object_ref (object);
          g_ptr_array_remove_index (replies, i);
          return TRUE;
        }
    }

  return wait->peer->eof;
}

/**
 * peer_command:
 * @cmd: a function of window.peer in peer.js
 * @...: its arguments: name, GType (G_TYPE_STRING, G_TYPE_BOOLEAN or
 *   G_TYPE_INT), value; then %NULL
 *
 * Runs @cmd in the page and asserts that it succeeded.
 *
 * Returns: (transfer full): the reply; its "result" is what @cmd returned
 */
static JsonObject *
peer_command (Peer *peer, const char *cmd, ...)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  ReplyWait wait = { peer, ++peer->next_id, NULL };
  const char *name;
  va_list args;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, wait.id);
  json_builder_set_member_name (builder, "cmd");
  json_builder_add_string_value (builder, cmd);
  va_start (args, cmd);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      GType type = va_arg (args, GType);

      json_builder_set_member_name (builder, name);
      if (type == G_TYPE_STRING)
        json_builder_add_string_value (builder, va_arg (args, const char *));
      else if (type == G_TYPE_BOOLEAN)
        json_builder_add_boolean_value (builder, va_arg (args, gboolean));
      else if (type == G_TYPE_INT)
        json_builder_add_int_value (builder, va_arg (args, int));
      else
        g_assert_not_reached ();
    }
  va_end (args);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  line = g_strconcat (text, "\n", NULL);

  g_output_stream_write_all (peer->input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (peer->input, NULL, &error);
  g_assert_no_error (error);

  handset_test_wait_until (reply_arrived, &wait, WAIT_S);
  if (wait.reply == NULL)
    g_error ("js-sdk did not answer %s within %d s", text, WAIT_S);
  if (!json_object_get_boolean_member_with_default (wait.reply, "ok", FALSE))
    g_error ("js-sdk failed %s: %s", text,
             json_object_get_string_member_with_default (wait.reply, "error", "?"));

  return wait.reply;
}

/* The object a command returned, from its reply. */
static JsonObject *
peer_result (JsonObject *reply)
{
  return json_object_get_object_member (reply, "result");
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
peer_ready (gpointer data)
{
  Peer *peer = data;

  for (guint i = 0; i < peer->events->len; i++)
    {
      JsonObject *object = g_ptr_array_index (peer->events, i);
      const char *name = json_object_get_string_member_with_default (object, "event", "");

      if (g_str_equal (name, "ready") || g_str_equal (name, "fatal"))
        return TRUE;
    }

  return peer->eof;
}

/* The page's console, js-sdk's own log, for every test of one run. */
static char *
browser_log_path (void)
{
  const char *dir = g_getenv ("G_TEST_BUILDDIR");

  return g_build_filename (dir ? dir : g_get_tmp_dir (), "interop-browser.log", NULL);
}

/* js-sdk signed in as @user; with @encrypted, with its Rust crypto (a new
 * device's keys, in memory), as Element Web has it. */
static Peer *
peer_new (HandsetTestUser *user, gboolean encrypted)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_autofree char *driver = driver_path ();
  g_autofree char *log = NULL;
  g_autofree char *tone = g_strdup_printf ("%d", BROWSER_HZ);
  g_autoptr (JsonObject) ready = NULL;
  g_autoptr (JsonObject) started = NULL;
  const char *node = g_getenv ("HANDSET_INTEROP_NODE");
  Peer *peer = g_new0 (Peer, 1);

  if (node == NULL || *node == '\0')
    node = "node";
  log = browser_log_path ();
  g_test_message ("js-sdk's log: %s", log);

  g_subprocess_launcher_setenv (launcher, "HANDSET_INTEROP_DIR", interop_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_INTEROP_TONE_HZ", tone, TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_INTEROP_LOG", log, TRUE);
  peer->process = g_subprocess_launcher_spawn (launcher, &error, node, driver, NULL);
  g_assert_no_error (error);
  peer->input = g_subprocess_get_stdin_pipe (peer->process);
  peer->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  peer->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  peer->replies = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  read_next_line (peer);

  g_assert_true (handset_test_wait_until (peer_ready, peer, START_S));
  ready = peer_wait_event (peer, "ready", NULL, NULL, 0);
  if (ready == NULL)
    g_error ("the js-sdk peer did not start (see the messages above, and %s)", log);

  started = peer_command (peer, "start", "baseUrl", G_TYPE_STRING, handset_test_homeserver_url (),
                          "userId", G_TYPE_STRING, user->user_id, "accessToken", G_TYPE_STRING,
                          user->access_token, "deviceId", G_TYPE_STRING, user->device_id,
                          "encrypted", G_TYPE_BOOLEAN, encrypted, NULL);
  g_assert_true (json_object_get_boolean_member (peer_result (started), "voip"));
  g_assert_cmpint (json_object_get_boolean_member (peer_result (started), "encrypted"), ==,
                   encrypted);
  if (encrypted)
    {
      g_autoptr (JsonObject) identity = peer_command (peer, "identity", NULL);

      g_test_message ("js-sdk's crypto (%s) started in %" G_GINT64_FORMAT
                      " ms: device %s, curve25519 %s",
                      member_string (peer_result (identity), "crypto"),
                      json_object_get_int_member (peer_result (started), "cryptoMs"),
                      member_string (peer_result (identity), "deviceId"),
                      member_string (peer_result (identity), "curve25519"));
    }

  return peer;
}

static gboolean
peer_gone (gpointer data)
{
  Peer *peer = data;

  return !peer->reading;
}

static void
peer_free (Peer *peer)
{
  g_autoptr (GError) error = NULL;

  /* Its end of stdin closes: the driver closes the browser and exits. */
  g_output_stream_close (peer->input, NULL, NULL);
  if (!handset_test_wait_until (peer_gone, peer, WAIT_S))
    {
      g_subprocess_force_exit (peer->process);
      g_assert_true (handset_test_wait_until (peer_gone, peer, WAIT_S));
    }
  g_subprocess_wait (peer->process, NULL, &error);
  g_assert_no_error (error);

  g_object_unref (peer->output);
  g_object_unref (peer->process);
  g_ptr_array_unref (peer->events);
  g_ptr_array_unref (peer->replies);
  g_free (peer);
}

/* Waits until js-sdk's call reaches @state. */
static JsonObject *
peer_wait_state (Peer *peer, const char *state)
{
  JsonObject *event = peer_wait_event (peer, "state", "state", state, WAIT_S);

  if (event == NULL)
    g_error ("js-sdk's call did not reach the state %s", state);

  return event;
}

typedef struct
{
  gint64 audio_sent;
  gint64 audio_received;
  gint64 video_sent;
  gint64 video_received;
  gint64 frames_decoded;
} PeerStats;

static void
peer_stats (Peer *peer, PeerStats *stats)
{
  g_autoptr (JsonObject) reply = peer_command (peer, "stats", NULL);
  JsonObject *result = peer_result (reply);
  JsonObject *audio = json_object_get_object_member (result, "audio");
  JsonObject *video = json_object_get_object_member (result, "video");

  stats->audio_sent = json_object_get_int_member (audio, "bytesSent");
  stats->audio_received = json_object_get_int_member (audio, "bytesReceived");
  stats->video_sent = json_object_get_int_member (video, "bytesSent");
  stats->video_received = json_object_get_int_member (video, "bytesReceived");
  stats->frames_decoded = json_object_get_int_member (video, "framesDecoded");
  g_test_message ("js-sdk getStats: audio sent %" G_GINT64_FORMAT ", received %" G_GINT64_FORMAT
                  "; video sent %" G_GINT64_FORMAT ", received %" G_GINT64_FORMAT
                  ", %" G_GINT64_FORMAT " frames decoded; pair %s",
                  stats->audio_sent, stats->audio_received, stats->video_sent,
                  stats->video_received, stats->frames_decoded,
                  member_string (result, "pair") ? member_string (result, "pair") : "none");
}

/* What js-sdk hears: the strongest frequency of the remote audio. */
static void
peer_assert_hears (Peer *peer, double expected_hz)
{
  g_autoptr (JsonObject) reply = peer_command (peer, "listen", "ms", G_TYPE_INT, 1500, NULL);
  JsonObject *result = peer_result (reply);
  double hz = json_object_get_double_member (result, "hz");
  double db = json_object_get_double_member (result, "db");
  gint64 windows = json_object_get_int_member (result, "windows");

  g_test_message ("js-sdk heard %.1f Hz at %.0f dB in %" G_GINT64_FORMAT
                  " windows (expected %.0f Hz)",
                  hz, db, windows, expected_hz);
  g_assert_cmpint (windows, >, 5);
  /* One FFT bin is 48000 / 8192 = 5.9 Hz. */
  g_assert_cmpfloat (fabs (hz - expected_hz), <, 12);
}

/* ------------------------------------------------------------------ Handset devices */

typedef HandsetTestDevice Device;

/* The video frames a device has decoded: its device->data. */
static gint *
frames_of (Device *device)
{
  return device->data;
}

static void
on_video_frame (HandsetMediaSession *media,
                int width,
                int height,
                int stride,
                GBytes *bytes,
                Device *device)
{
  g_atomic_int_inc (frames_of (device));
}

static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  Device *device = user_data;
  HandsetMediaSession *media = handset_media_session_new (video, error);

  if (media == NULL)
    return NULL;

  handset_media_session_set_audio_source (media, handset_test_source (HANDSET_TONE));
  handset_media_session_set_video_source (media, handset_test_source (HANDSET_CAM));
  handset_test_device_use_media (device, media, NULL);
  g_signal_connect (media, "video-frame", G_CALLBACK (on_video_frame), device);

  return HANDSET_MEDIA (media);
}

/* What Handset sends, for the log: the events js-sdk judges. */
static void
on_send_event (HandsetCallManager *manager,
               HandsetCall *call,
               const char *type,
               JsonObject *content,
               Device *device)
{
  if (g_str_equal (type, "m.call.candidates"))
    return;
  g_test_message ("Handset %s sends %s (party %s%s%s)", device->user->device_id, type,
                  json_object_get_string_member_with_default (content, "party_id", "-"),
                  json_object_has_member (content, "reason") ? ", reason " : "",
                  json_object_get_string_member_with_default (content, "reason", ""));
}

/* A device of @user; with @encrypted, with end-to-end encryption as the
 * app has it. */
static Device *
device_new (HandsetTestUser *user, gboolean encrypted)
{
  Device *device =
      encrypted ? handset_test_device_new_encrypted (user, TRUE, make_media, g_new0 (gint, 1))
                : handset_test_device_new (user, TRUE, make_media, g_new0 (gint, 1));

  g_signal_connect (device->manager, "send-event", G_CALLBACK (on_send_event), device);
  return device;
}

static void
device_free (Device *device)
{
  g_free (device->data);
  handset_test_device_free (device);
}

static gboolean
is_connected (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_CONNECTED;
}

static gboolean
is_ended (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_ENDED;
}

static HandsetCall *
device_wait_ring (Device *device)
{
  return handset_test_device_wait_ring (device, WAIT_S);
}

static void
wait_connected (HandsetCall *call)
{
  if (!handset_test_wait_until (is_connected, call, WAIT_S))
    g_error ("Handset's call stayed %s",
             handset_call_state_to_string (handset_call_get_state (call)));
}

static void
wait_ended (HandsetCall *call)
{
  if (!handset_test_wait_until (is_ended, call, WAIT_S))
    g_error ("Handset's call did not end: it is %s",
             handset_call_state_to_string (handset_call_get_state (call)));
}

static void
assert_end_reason (HandsetCall *call, HandsetCallEndReason expected)
{
  HandsetCallEndReason reason = handset_call_get_end_reason (call);

  g_test_message (
      "Handset's call ended: %s (remote reason %s)", handset_call_end_reason_to_string (reason),
      handset_call_get_remote_reason (call) ? handset_call_get_remote_reason (call) : "none");
  g_assert_cmpstr (handset_call_end_reason_to_string (reason), ==,
                   handset_call_end_reason_to_string (expected));
}

static void
handset_bytes (Device *device, guint64 *sent, guint64 *received)
{
  handset_media_session_update_stats (device->media);
  handset_test_run_for (1200);
  g_object_get (device->media, "audio-bytes-sent", sent, "audio-bytes-received", received, NULL);
  g_test_message ("Handset media: audio sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT,
                  *sent, *received);
}

/* Media flows both ways, and each side hears the other's tone. */
static void
assert_audio_both_ways (Device *device, Peer *peer)
{
  PeerStats stats;
  guint64 sent = 0, received = 0;

  handset_test_tone_assert (device->tone, BROWSER_HZ, 2000);
  peer_assert_hears (peer, HANDSET_HZ);

  handset_bytes (device, &sent, &received);
  g_assert_cmpuint (sent, >, 1000);
  g_assert_cmpuint (received, >, 1000);
  peer_stats (peer, &stats);
  g_assert_cmpint (stats.audio_sent, >, 1000);
  g_assert_cmpint (stats.audio_received, >, 1000);
}

/* ------------------------------------------------------------------ scenes */

typedef struct
{
  HandsetTestUser *js_user;
  char *room_id;
  Peer *peer;
  Device *handset;
  Device *second; /* another device of Handset's user, or NULL */
} Scene;

static void
scene_init (Scene *scene, gboolean two_devices)
{
  HandsetTestUser *handset_user = handset_test_register ("handset");
  HandsetTestUser *second_user = two_devices ? handset_test_login (handset_user, NULL) : NULL;

  scene->js_user = handset_test_register ("jssdk");
  scene->room_id = handset_test_create_direct_room (handset_user, scene->js_user);
  handset_test_join (scene->js_user, scene->room_id);
  scene->handset = device_new (handset_user, FALSE);
  scene->second = two_devices ? device_new (second_user, FALSE) : NULL;
  scene->peer = peer_new (scene->js_user, FALSE);
}

static void
scene_clear (Scene *scene)
{
  peer_free (scene->peer);
  device_free (scene->handset);
  if (scene->second != NULL)
    device_free (scene->second);
  handset_test_user_free (scene->js_user);
  g_free (scene->room_id);
}

/* Handset calls; js-sdk rings and reports the call. */
static HandsetCall *
handset_calls (Scene *scene, gboolean video)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) incoming = NULL;
  HandsetCall *call;

  call = handset_call_manager_place_call (scene->handset->manager, scene->room_id,
                                          scene->js_user->user_id, video, &error);
  g_assert_no_error (error);
  incoming = peer_wait_event (scene->peer, "incoming", NULL, NULL, WAIT_S);
  g_assert_nonnull (incoming);
  g_assert_cmpstr (member_string (incoming, "callId"), ==, handset_call_get_call_id (call));
  g_assert_cmpstr (member_string (incoming, "sender"), ==, scene->handset->user->user_id);
  g_assert_cmpstr (member_string (incoming, "state"), ==, "ringing");
  g_assert_cmpstr (member_string (incoming, "type"), ==, video ? "video" : "voice");

  return call;
}

/* js-sdk calls; Handset rings. */
static HandsetCall *
js_calls (Scene *scene, Device *device, gboolean video)
{
  g_autoptr (JsonObject) placed = NULL;
  HandsetCall *call;

  placed = peer_command (scene->peer, "placeCall", "roomId", G_TYPE_STRING, scene->room_id, "video",
                         G_TYPE_BOOLEAN, video, NULL);
  call = device_wait_ring (device);
  g_assert_cmpstr (handset_call_get_call_id (call), ==,
                   member_string (peer_result (placed), "callId"));
  g_assert_cmpint (handset_call_get_direction (call), ==, HANDSET_CALL_DIRECTION_INCOMING);
  g_assert_cmpstr (handset_call_get_opponent_user_id (call), ==, scene->js_user->user_id);

  return call;
}

/* js-sdk's call ended as it should: who ended it, and why. */
static void
peer_assert_ended (Peer *peer, const char *party, const char *reason)
{
  g_autoptr (JsonObject) ended = peer_wait_state (peer, "ended");

  g_test_message ("js-sdk's call ended: party %s, reason %s", member_string (ended, "party"),
                  member_string (ended, "reason"));
  g_assert_cmpstr (member_string (ended, "party"), ==, party);
  g_assert_cmpstr (member_string (ended, "reason"), ==, reason);
}

/* js-sdk received an event of @type for the call. */
static void
peer_assert_received (Peer *peer, const char *type, const char *reason)
{
  g_autoptr (JsonObject) event = peer_wait_event (peer, "voip", "type", type, WAIT_S);

  g_assert_nonnull (event);
  if (reason != NULL)
    g_assert_cmpstr (member_string (event, "reason"), ==, reason);
}

/* ------------------------------------------------------------------ encrypted rooms */

typedef struct
{
  Device *device;
  const char *room_id;
} HandsetRoomWait;

/* Handset's device has synced the room's m.room.encryption and both
 * members: what it needs before it encrypts or decrypts there. */
static gboolean
handset_room_ready (gpointer data)
{
  HandsetRoomWait *wait = data;
  HandsetRoom *room = handset_rooms_lookup (wait->device->rooms, wait->room_id);

  return handset_encryption_room_is_encrypted (wait->device->encryption, wait->room_id) &&
         room != NULL && handset_room_get_n_members (room) == 2;
}

typedef struct
{
  Peer *peer;
  const char *room_id;
  const char *user_id;
} PeerRoomWait;

/* js-sdk knows the room is encrypted and that @user_id has joined it, so
 * that its crypto shares its room key with that user's devices. */
static gboolean
peer_room_ready (gpointer data)
{
  PeerRoomWait *wait = data;
  g_autoptr (JsonObject) reply =
      peer_command (wait->peer, "roomInfo", "roomId", G_TYPE_STRING, wait->room_id, NULL);
  JsonObject *info = peer_result (reply);

  if (json_object_get_boolean_member_with_default (info, "encrypted", FALSE) &&
      json_object_has_member (info, "members"))
    {
      JsonArray *members = json_object_get_array_member (info, "members");

      for (guint i = 0; i < json_array_get_length (members); i++)
        {
          JsonObject *member = json_array_get_object_element (members, i);

          if (g_strcmp0 (member_string (member, "userId"), wait->user_id) == 0 &&
              g_strcmp0 (member_string (member, "membership"), "join") == 0)
            return TRUE;
        }
    }
  handset_test_run_for (200);
  return FALSE;
}

/* An encrypted direct chat as Element makes one: js-sdk, with its Rust
 * crypto, creates it (Megolm from the first event) and invites Handset's
 * user, whose device (encrypted as the app's) joins. Both sides know the
 * room is encrypted, and who is in it, before any call. */
/* js-sdk creates the encrypted DM and invites Handset's user, who joins;
 * both sides know the room is encrypted, and who is in it. */
static void
scene_make_encrypted_dm (Scene *scene)
{
  HandsetTestUser *handset_user = scene->handset->user;
  g_autoptr (JsonObject) created = NULL;
  HandsetRoomWait handset_wait = { 0 };
  PeerRoomWait peer_wait = { 0 };

  created = peer_command (scene->peer, "createEncryptedDm", "userId", G_TYPE_STRING,
                          handset_user->user_id, NULL);
  scene->room_id = g_strdup (member_string (peer_result (created), "roomId"));
  g_assert_nonnull (scene->room_id);
  handset_test_join (handset_user, scene->room_id);

  handset_wait = (HandsetRoomWait){ scene->handset, scene->room_id };
  if (!handset_test_wait_until (handset_room_ready, &handset_wait, WAIT_S))
    g_error ("Handset's device does not know %s as an encrypted room of two", scene->room_id);
  peer_wait = (PeerRoomWait){ scene->peer, scene->room_id, handset_user->user_id };
  if (!handset_test_wait_until (peer_room_ready, &peer_wait, WAIT_S))
    g_error ("js-sdk does not know that %s joined the encrypted room %s", handset_user->user_id,
             scene->room_id);

  /* What js-sdk saw of the room's making is not the test's. */
  peer_forget_events (scene->peer);
}

/* An encrypted direct chat as Element makes one: js-sdk, with its Rust
 * crypto, creates it (Megolm from the first event) and invites Handset's
 * user, whose device (encrypted as the app's) joins. Both sides know the
 * room is encrypted, and who is in it, before any call. */
static void
scene_init_encrypted (Scene *scene)
{
  HandsetTestUser *handset_user = handset_test_register ("handset");

  scene->js_user = handset_test_register ("jssdk");
  scene->handset = device_new (handset_user, TRUE);
  scene->peer = peer_new (scene->js_user, TRUE);
  scene_make_encrypted_dm (scene);
}

#define ELEMENT_PASSPHRASE "correct horse battery staple"

/* Recovery set up on @user's account by Element's engine, on a device of
 * its own that then goes away, with a passphrase. Returns the recovery
 * key it showed. */
static char *
element_sets_up_recovery (HandsetTestUser *user)
{
  g_autoptr (HandsetTestUser) helper = handset_test_login (user, NULL);
  Peer *element = peer_new (helper, TRUE);
  g_autoptr (JsonObject) reply = NULL;
  char *recovery_key;

  reply = peer_command (element, "setUpRecovery", "password", G_TYPE_STRING, user->password,
                        "passphrase", G_TYPE_STRING, ELEMENT_PASSPHRASE, NULL);
  g_assert_true (json_object_get_boolean_member (peer_result (reply), "crossSigningReady"));
  g_assert_true (json_object_get_boolean_member (peer_result (reply), "secretStorageReady"));
  recovery_key = g_strdup (member_string (peer_result (reply), "recoveryKey"));
  g_assert_nonnull (recovery_key);
  peer_free (element);

  return recovery_key;
}

static gboolean
handset_verify (Device *device, const char *key, GError **error)
{
  g_autoptr (HandsetRecovery) recovery = handset_recovery_new (device->client, device->encryption);
  g_autoptr (GAsyncResult) result = NULL;

  handset_recovery_verify_async (recovery, key, NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);

  return handset_recovery_verify_finish (recovery, result, error);
}

/* As scene_init_encrypted(), with js-sdk's account cross-signed and in
 * "exclude insecure devices" mode; with @handset_verified, Handset's
 * account has recovery set up by Element's engine, and Handset's device
 * verifies itself with it (a wrong passphrase first, then the right one,
 * then the recovery key Element showed). */
static void
scene_init_only_signed (Scene *scene, gboolean handset_verified)
{
  HandsetTestUser *handset_user = handset_test_register ("handset");
  g_autofree char *recovery_key = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autoptr (GError) error = NULL;

  if (handset_verified)
    recovery_key = element_sets_up_recovery (handset_user);
  scene->js_user = handset_test_register ("jssdk");
  scene->handset = device_new (handset_user, TRUE);
  scene->peer = peer_new (scene->js_user, TRUE);
  reply = peer_command (scene->peer, "setUpRecovery", "password", G_TYPE_STRING,
                        scene->js_user->password, NULL);
  g_assert_true (json_object_get_boolean_member (peer_result (reply), "crossSigningReady"));
  g_clear_pointer (&reply, json_object_unref);
  reply = peer_command (scene->peer, "setIsolation", "onlySigned", G_TYPE_BOOLEAN, TRUE, NULL);
  g_clear_pointer (&reply, json_object_unref);

  if (handset_verified)
    {
      g_assert_false (handset_verify (scene->handset, "correct horse battery stable", &error));
      g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE);
      g_test_message ("a wrong passphrase: %s", error->message);
      g_assert_nonnull (strstr (error->message, "passphrase"));
      g_clear_error (&error);
      g_assert_true (handset_verify (scene->handset, ELEMENT_PASSPHRASE, &error));
      g_assert_no_error (error);
      g_assert_true (handset_verify (scene->handset, recovery_key, &error));
      g_assert_no_error (error);
      g_assert_true (handset_test_device_cross_signed (scene->js_user, handset_user->user_id,
                                                       handset_user->device_id));
    }
  scene_make_encrypted_dm (scene);
}

typedef struct
{
  Peer *peer;
  const char *user_id;
  const char *device_id;
} PeerTrustWait;

/* js-sdk's crypto sees the device as cross-signed by its owner. */
static gboolean
peer_sees_signed (gpointer data)
{
  PeerTrustWait *wait = data;
  g_autoptr (JsonObject) reply =
      peer_command (wait->peer, "deviceTrust", "userId", G_TYPE_STRING, wait->user_id, "deviceId",
                    G_TYPE_STRING, wait->device_id, NULL);

  if (json_object_get_boolean_member (peer_result (reply), "signedByOwner"))
    return TRUE;
  handset_test_run_for (500);
  return FALSE;
}

typedef struct
{
  Peer *peer;
  const char *sender;
  const char *call_id;
  const char *type;
} CallEventWait;

/* js-sdk reported the call event of @type that @sender sent; the event
 * stays in the list, for peer_assert_call_events_encrypted(). */
static gboolean
call_event_arrived (gpointer data)
{
  CallEventWait *wait = data;

  for (guint i = 0; i < wait->peer->events->len; i++)
    {
      JsonObject *object = g_ptr_array_index (wait->peer->events, i);

      if (g_strcmp0 (member_string (object, "event"), "call_event") == 0 &&
          g_strcmp0 (member_string (object, "sender"), wait->sender) == 0 &&
          g_strcmp0 (member_string (object, "callId"), wait->call_id) == 0 &&
          g_strcmp0 (member_string (object, "type"), wait->type) == 0)
        return TRUE;
    }

  return wait->peer->eof;
}

/**
 * peer_assert_call_events_encrypted:
 * @...: the types of call event js-sdk must have received, then %NULL
 *
 * Every event of the call that js-sdk received from @sender came
 * encrypted (js-sdk reports each room event with its clear type once
 * decrypted), the given types among them, and none of @sender's events
 * failed to decrypt.
 */
static void
peer_assert_call_events_encrypted (Peer *peer, const char *sender, const char *call_id, ...)
{
  CallEventWait wait = { peer, sender, call_id, NULL };
  guint count = 0;
  va_list args;

  va_start (args, call_id);
  while ((wait.type = va_arg (args, const char *)) != NULL)
    if (!handset_test_wait_until (call_event_arrived, &wait, WAIT_S) || peer->eof)
      g_error ("js-sdk reported no %s of call %s from %s", wait.type, call_id, sender);
  va_end (args);

  for (guint i = 0; i < peer->events->len; i++)
    {
      JsonObject *object = g_ptr_array_index (peer->events, i);
      const char *event = member_string (object, "event");

      if (g_strcmp0 (member_string (object, "sender"), sender) != 0)
        continue;
      if (g_strcmp0 (event, "undecryptable") == 0)
        g_error ("js-sdk could not decrypt %s's event %s: %s (%s)", sender,
                 member_string (object, "eventId"), member_string (object, "reason"),
                 member_string (object, "message"));
      if (g_strcmp0 (event, "call_event") != 0 ||
          g_strcmp0 (member_string (object, "callId"), call_id) != 0)
        continue;
      g_test_message ("js-sdk received %s from %s, %s", member_string (object, "type"), sender,
                      json_object_get_boolean_member (object, "encrypted") ? "encrypted"
                                                                           : "IN CLEAR");
      g_assert_true (json_object_get_boolean_member (object, "encrypted"));
      count++;
    }
  g_assert_cmpuint (count, >=, 1);
}

/* What the server stores of the room: how many call events went in clear,
 * and how many events encrypted, each from @sender. */
static void
count_stored_events (HandsetTestUser *reader,
                     const char *room_id,
                     const char *sender,
                     guint *clear,
                     guint *encrypted)
{
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=500", escaped);
  g_autoptr (JsonNode) answer = NULL;
  JsonArray *chunk;
  guint status = 0;

  answer = handset_test_request ("GET", path, reader->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (answer), "chunk");
  *clear = *encrypted = 0;
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    {
      JsonObject *event = json_array_get_object_element (chunk, i);
      const char *type = json_object_get_string_member (event, "type");

      if (g_strcmp0 (json_object_get_string_member (event, "sender"), sender) != 0)
        continue;
      if (g_str_has_prefix (type, "m.call.") || g_str_has_prefix (type, "org.matrix.call."))
        (*clear)++;
      else if (g_str_equal (type, "m.room.encrypted"))
        (*encrypted)++;
    }
  g_test_message ("the server stores from %s: %u call events in clear, %u encrypted events", sender,
                  *clear, *encrypted);
}

/* ------------------------------------------------------------------ tests */

/* 1, 2: Handset calls, js-sdk answers, both hear each other; Handset
 * hangs up. */
static void
test_handset_calls_js (void)
{
  Scene scene = { 0 };
  HandsetCall *call;

  scene_init (&scene, FALSE);

  call = handset_calls (&scene, FALSE);
  json_object_unref (peer_command (scene.peer, "answer", NULL));
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, scene.js_user->device_id);

  assert_audio_both_ways (scene.handset, scene.peer);

  handset_call_hangup (call);
  assert_end_reason (call, HANDSET_CALL_END_LOCAL_HANGUP);
  peer_assert_received (scene.peer, "m.call.hangup", "user_hangup");
  peer_assert_ended (scene.peer, "remote", "user_hangup");

  scene_clear (&scene);
}

/* 1, 2: js-sdk calls, Handset answers, both hear each other; js-sdk
 * hangs up. */
static void
test_js_calls_handset (void)
{
  Scene scene = { 0 };
  HandsetCall *call;

  scene_init (&scene, FALSE);

  call = js_calls (&scene, scene.handset, FALSE);
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, scene.js_user->device_id);
  handset_call_answer (call, FALSE);
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));

  assert_audio_both_ways (scene.handset, scene.peer);

  json_object_unref (peer_command (scene.peer, "hangup", NULL));
  peer_assert_ended (scene.peer, "local", "user_hangup");
  wait_ended (call);
  assert_end_reason (call, HANDSET_CALL_END_REMOTE_HANGUP);
  g_assert_cmpstr (handset_call_get_remote_reason (call), ==, "user_hangup");

  scene_clear (&scene);
}

/* 2: Handset calls, js-sdk declines. */
static void
test_js_rejects (void)
{
  Scene scene = { 0 };
  HandsetCall *call;

  scene_init (&scene, FALSE);

  call = handset_calls (&scene, FALSE);
  json_object_unref (peer_command (scene.peer, "reject", NULL));
  peer_assert_ended (scene.peer, "local", "user_hangup");
  wait_ended (call);
  assert_end_reason (call, HANDSET_CALL_END_DECLINED);

  scene_clear (&scene);
}

/* 2: js-sdk calls, Handset declines. */
static void
test_handset_rejects (void)
{
  Scene scene = { 0 };
  HandsetCall *call;

  scene_init (&scene, FALSE);

  call = js_calls (&scene, scene.handset, FALSE);
  handset_call_reject (call);
  wait_ended (call);
  assert_end_reason (call, HANDSET_CALL_END_LOCAL_REJECT);
  peer_assert_received (scene.peer, "m.call.reject", NULL);
  /* js-sdk reads a reject as the other side's user_hangup. */
  peer_assert_ended (scene.peer, "remote", "user_hangup");

  scene_clear (&scene);
}

/* 2: each caller gives up before an answer. */
static void
test_callers_cancel (void)
{
  Scene scene = { 0 };
  HandsetCall *call;

  scene_init (&scene, FALSE);

  call = handset_calls (&scene, FALSE);
  handset_call_hangup (call);
  assert_end_reason (call, HANDSET_CALL_END_LOCAL_HANGUP);
  peer_assert_received (scene.peer, "m.call.hangup", "user_hangup");
  peer_assert_ended (scene.peer, "remote", "user_hangup");
  peer_forget_events (scene.peer);

  call = js_calls (&scene, scene.handset, FALSE);
  json_object_unref (peer_command (scene.peer, "hangup", NULL));
  peer_assert_ended (scene.peer, "local", "user_hangup");
  wait_ended (call);
  assert_end_reason (call, HANDSET_CALL_END_MISSED);

  scene_clear (&scene);
}

/* 3: js-sdk calls Handset's user, who has two devices: both ring, one
 * answers, the other stops ringing. */
static void
test_two_devices (void)
{
  Scene scene = { 0 };
  HandsetCall *first, *second;
  g_autoptr (JsonObject) info = NULL;

  scene_init (&scene, TRUE);

  first = js_calls (&scene, scene.handset, FALSE);
  second = device_wait_ring (scene.second);
  g_assert_cmpstr (handset_call_get_call_id (first), ==, handset_call_get_call_id (second));
  g_assert_cmpint (handset_call_get_state (second), ==, HANDSET_CALL_STATE_RINGING);

  handset_call_answer (first, FALSE);
  wait_connected (first);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  wait_ended (second);
  assert_end_reason (second, HANDSET_CALL_END_ANSWERED_ELSEWHERE);

  /* js-sdk took the answer of the device that answered. */
  info = peer_command (scene.peer, "info", NULL);
  g_assert_cmpstr (member_string (peer_result (info), "opponentPartyId"), ==,
                   handset_call_get_party_id (first));
  handset_test_tone_assert (scene.handset->tone, BROWSER_HZ, 2000);
  peer_assert_hears (scene.peer, HANDSET_HZ);

  handset_call_hangup (first);
  peer_assert_ended (scene.peer, "remote", "user_hangup");
  scene_clear (&scene);
}

static gboolean
is_remote_held (gpointer data)
{
  return handset_call_get_remote_on_hold (data);
}

static gboolean
is_not_remote_held (gpointer data)
{
  return !handset_call_get_remote_on_hold (data);
}

/* js-sdk's peer connection has no offer or answer outstanding. */
static gboolean
peer_stable (gpointer data)
{
  g_autoptr (JsonObject) reply = peer_command (data, "info", NULL);

  if (g_strcmp0 (member_string (peer_result (reply), "signalingState"), "stable") == 0)
    return TRUE;
  handset_test_run_for (200);
  return FALSE;
}

static void
peer_assert_local_hold (Peer *peer, gboolean held)
{
  g_autoptr (JsonObject) event = peer_wait_event (peer, "local_hold", NULL, NULL, WAIT_S);

  g_assert_nonnull (event);
  g_assert_cmpint (json_object_get_boolean_member (event, "held"), ==, held);
}

/* js-sdk puts Handset on hold and takes it back; Handset follows, and
 * the tones are heard again. */
static void
js_holds (Scene *scene, HandsetCall *call)
{
  g_assert_true (handset_test_wait_until (peer_stable, scene->peer, WAIT_S));

  json_object_unref (peer_command (scene->peer, "hold", "held", G_TYPE_BOOLEAN, TRUE, NULL));
  g_assert_true (handset_test_wait_until (is_remote_held, call, WAIT_S));
  if (!handset_test_wait_until (peer_stable, scene->peer, WAIT_S))
    g_error ("js-sdk's offer to hold the call was never answered");
  json_object_unref (peer_command (scene->peer, "hold", "held", G_TYPE_BOOLEAN, FALSE, NULL));
  g_assert_true (handset_test_wait_until (is_not_remote_held, call, WAIT_S));
  if (!handset_test_wait_until (peer_stable, scene->peer, WAIT_S))
    g_error ("js-sdk's offer to resume the call was never answered");

  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);
  handset_test_tone_assert (scene->handset->tone, BROWSER_HZ, 1500);
  peer_assert_hears (scene->peer, HANDSET_HZ);
}

/* Handset puts js-sdk on hold and takes it back. */
static void
handset_holds (Scene *scene, HandsetCall *call)
{
  g_assert_true (handset_test_wait_until (peer_stable, scene->peer, WAIT_S));

  handset_call_set_on_hold (call, TRUE);
  peer_assert_local_hold (scene->peer, TRUE);
  g_assert_true (handset_call_get_on_hold (call));
  handset_call_set_on_hold (call, FALSE);
  peer_assert_local_hold (scene->peer, FALSE);
  if (!handset_test_wait_until (peer_stable, scene->peer, WAIT_S))
    g_error ("Handset's offer to resume the call was never answered");

  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);
  handset_test_tone_assert (scene->handset->tone, BROWSER_HZ, 1500);
  peer_assert_hears (scene->peer, HANDSET_HZ);
}

/* A connected voice call, placed by Handset or by js-sdk. */
static HandsetCall *
connect_call (Scene *scene, gboolean handset_places)
{
  HandsetCall *call;

  if (handset_places)
    {
      call = handset_calls (scene, FALSE);
      json_object_unref (peer_command (scene->peer, "answer", NULL));
    }
  else
    {
      call = js_calls (scene, scene->handset, FALSE);
      handset_call_answer (call, FALSE);
    }
  wait_connected (call);
  json_object_unref (peer_wait_state (scene->peer, "connected"));

  return call;
}

static void
run_hold (gboolean handset_places, void (*hold) (Scene *scene, HandsetCall *call))
{
  Scene scene = { 0 };
  HandsetCall *call;

  scene_init (&scene, FALSE);
  call = connect_call (&scene, handset_places);
  hold (&scene, call);

  handset_call_hangup (call);
  peer_assert_ended (scene.peer, "remote", "user_hangup");
  scene_clear (&scene);
}

/* 4: js-sdk holds and resumes a call Handset placed... */
static void
test_js_holds_handset_call (void)
{
  run_hold (TRUE, js_holds);
}

/* ...and a call it placed itself. */
static void
test_js_holds_js_call (void)
{
  run_hold (FALSE, js_holds);
}

/* 4: Handset holds and resumes, in a call each side placed. */
static void
test_handset_holds_handset_call (void)
{
  run_hold (TRUE, handset_holds);
}

static void
test_handset_holds_js_call (void)
{
  run_hold (FALSE, handset_holds);
}

/* Video both ways: Handset decodes frames, js-sdk counts bytes and
 * frames. Handset's own byte counters come back in @sent, @received. */
static void
assert_video_both_ways (Device *device, Peer *peer, guint64 *sent, guint64 *received)
{
  PeerStats stats;

  g_atomic_int_set (frames_of (device), 0);
  handset_test_run_for (2000);
  handset_media_session_update_stats (device->media);
  handset_test_run_for (1200);
  g_object_get (device->media, "video-bytes-sent", sent, "video-bytes-received", received, NULL);
  g_test_message ("Handset media: video sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT
                  "; %d frames decoded in 2 s",
                  *sent, *received, g_atomic_int_get (frames_of (device)));
  g_assert_cmpint (g_atomic_int_get (frames_of (device)), >, 10);

  peer_stats (peer, &stats);
  g_assert_cmpint (stats.video_sent, >, 10000);
  g_assert_cmpint (stats.video_received, >, 10000);
  g_assert_cmpint (stats.frames_decoded, >, 10);
}

/* Handset's statistics count the video that js-sdk saw. */
static void
assert_video_counted (guint64 sent, guint64 received)
{
  g_assert_cmpuint (sent, >, 10000);
  g_assert_cmpuint (received, >, 10000);
}

/* 4: js-sdk places a video call; Handset answers with video. */
static void
test_video_js_calls (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  gboolean rang_as_video;
  guint64 sent = 0, received = 0;

  scene_init (&scene, FALSE);

  call = js_calls (&scene, scene.handset, TRUE);
  rang_as_video = handset_call_get_remote_video (call);
  handset_call_answer (call, TRUE);
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  assert_video_both_ways (scene.handset, scene.peer, &sent, &received);
  handset_test_tone_assert (scene.handset->tone, BROWSER_HZ, 1500);

  json_object_unref (peer_command (scene.peer, "hangup", NULL));
  wait_ended (call);
  assert_end_reason (call, HANDSET_CALL_END_REMOTE_HANGUP);
  scene_clear (&scene);

  /* The offer had video: it rang as a video call. */
  g_assert_true (rang_as_video);
  assert_video_counted (sent, received);
}

/* 4: Handset places a video call; js-sdk answers with video. */
static void
test_video_handset_calls (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  guint64 sent = 0, received = 0;

  scene_init (&scene, FALSE);

  call = handset_calls (&scene, TRUE);
  json_object_unref (peer_command (scene.peer, "answer", "video", G_TYPE_BOOLEAN, TRUE, NULL));
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  assert_video_both_ways (scene.handset, scene.peer, &sent, &received);
  handset_test_tone_assert (scene.handset->tone, BROWSER_HZ, 1500);

  handset_call_hangup (call);
  peer_assert_ended (scene.peer, "remote", "user_hangup");
  scene_clear (&scene);

  assert_video_counted (sent, received);
}

/* ------------------------------------------------------------------ screen sharing */

#define HANDSET_SCREEN \
  "videotestsrc is-live=true pattern=smpte ! capsfilter caps=video/x-raw,width=1280,height=720"

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

/* What js-sdk makes of the peer's screen share: its feed labelled
 * m.screenshare, and the frames the browser decoded of it. */
static JsonObject *
js_screenshare (Peer *peer)
{
  g_autoptr (JsonObject) reply = peer_command (peer, "screenshare", NULL);

  return json_object_ref (peer_result (reply));
}

/* Polls js-sdk until its screen share feed is there with more than 10
 * frames decoded (@present), or gone (not @present). */
static JsonObject *
js_wait_screenshare (Peer *peer, gboolean present)
{
  gint64 until = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  JsonObject *state = NULL;

  while (g_get_monotonic_time () < until)
    {
      g_clear_pointer (&state, json_object_unref);
      state = js_screenshare (peer);
      if (present ? json_object_get_boolean_member (state, "found") &&
                        json_object_get_int_member (state, "framesDecoded") > 10
                  : !json_object_get_boolean_member (state, "found"))
        return state;
      handset_test_run_for (300);
    }
  return state;
}

/* Handset shares its screen (a 1280x720 test pattern) in a voice call:
 * js-sdk labels the new feed m.screenshare and decodes its frames; the
 * call goes on; stopped, js-sdk drops the feed. */
static void
test_handset_shares_screen (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) shown = NULL;
  g_autoptr (JsonObject) gone = NULL;

  g_setenv ("HANDSET_SCREEN_SRC", HANDSET_SCREEN, TRUE);
  scene_init (&scene, FALSE);
  call = handset_calls (&scene, FALSE);
  json_object_unref (peer_command (scene.peer, "answer", NULL));
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));

  g_assert_true (handset_call_can_share_screen (call));
  handset_call_start_screenshare_async (call, NULL, store_result, &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  g_assert_true (handset_call_start_screenshare_finish (call, result, &error));
  g_assert_no_error (error);

  shown = js_wait_screenshare (scene.peer, TRUE);
  g_test_message ("js-sdk: screen share found %d, %" G_GINT64_FORMAT " frames of %" G_GINT64_FORMAT
                  "x%" G_GINT64_FORMAT,
                  json_object_get_boolean_member (shown, "found"),
                  json_object_get_int_member (shown, "framesDecoded"),
                  json_object_get_int_member (shown, "width"),
                  json_object_get_int_member (shown, "height"));
  g_assert_true (json_object_get_boolean_member (shown, "found"));
  g_assert_cmpint (json_object_get_int_member (shown, "framesDecoded"), >, 10);
  g_assert_cmpint (json_object_get_int_member (shown, "width"), ==, 1280);
  g_assert_cmpint (json_object_get_int_member (shown, "height"), ==, 720);
  peer_assert_hears (scene.peer, HANDSET_HZ);

  handset_call_stop_screenshare (call);
  gone = js_wait_screenshare (scene.peer, FALSE);
  g_assert_false (json_object_get_boolean_member (gone, "found"));
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);

  handset_call_hangup (call);
  peer_assert_ended (scene.peer, "remote", "user_hangup");
  scene_clear (&scene);
}

/* Frames of the peer's screen share: how many, and the last one's size
 * (the browser may send it smaller than the canvas while its bandwidth
 * estimate grows). */
typedef struct
{
  gint frames;
  gint width;
  gint height;
} ScreenFrames;

static void
count_screen_frame (HandsetMediaSession *media,
                    int width,
                    int height,
                    int stride,
                    GBytes *bytes,
                    ScreenFrames *seen)
{
  g_atomic_int_set (&seen->width, width);
  g_atomic_int_set (&seen->height, height);
  g_atomic_int_inc (&seen->frames);
}

static gboolean
screen_frames_came (gpointer data)
{
  return g_atomic_int_get (&((ScreenFrames *) data)->frames) > 10;
}

static gboolean
remote_screenshare (gpointer data)
{
  return handset_call_get_remote_screenshare (data);
}

static gboolean
no_remote_screenshare (gpointer data)
{
  return !handset_call_get_remote_screenshare (data);
}

/* js-sdk shares its screen (a canvas, as getDisplayMedia would give) in
 * a call it placed: Handset recognises it from its metadata and decodes
 * its frames as the screen share, apart from the camera; stopped, Handset
 * says so. */
static void
test_js_shares_screen (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  g_autoptr (JsonObject) shared = NULL;
  g_autoptr (JsonObject) stopped = NULL;
  ScreenFrames frames = { 0 };

  scene_init (&scene, FALSE);
  call = js_calls (&scene, scene.handset, FALSE);
  handset_call_answer (call, FALSE);
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  g_signal_connect (scene.handset->media, "screenshare-frame", G_CALLBACK (count_screen_frame),
                    &frames);

  shared = peer_command (scene.peer, "shareScreen", "enabled", G_TYPE_BOOLEAN, TRUE, NULL);
  g_assert_true (json_object_get_boolean_member (peer_result (shared), "sharing"));
  g_assert_true (handset_test_wait_until (remote_screenshare, call, WAIT_S));
  g_assert_true (handset_test_wait_until (screen_frames_came, &frames, WAIT_S));
  g_test_message ("Handset decoded %d frames of js-sdk's screen share, the last %dx%d",
                  g_atomic_int_get (&frames.frames), g_atomic_int_get (&frames.width),
                  g_atomic_int_get (&frames.height));
  /* The canvas's shape, whatever size the browser sends it at. */
  g_assert_cmpint (
      abs (g_atomic_int_get (&frames.width) * 9 - g_atomic_int_get (&frames.height) * 16), <=, 16);
  handset_test_tone_assert (scene.handset->tone, BROWSER_HZ, 1500);

  stopped = peer_command (scene.peer, "shareScreen", "enabled", G_TYPE_BOOLEAN, FALSE, NULL);
  g_assert_true (handset_test_wait_until (no_remote_screenshare, call, WAIT_S));
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);

  g_signal_handlers_disconnect_by_data (scene.handset->media, &frames);
  json_object_unref (peer_command (scene.peer, "hangup", NULL));
  wait_ended (call);
  scene_clear (&scene);
}

/* In an encrypted direct chat, js-sdk (Rust crypto) calls; Handset
 * rings from the decrypted invite, answers, both hear each other. Nothing
 * of the call went through the server in clear, either way. */
static void
test_encrypted_js_calls_handset (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  g_autofree char *call_id = NULL;
  guint clear = 0, encrypted = 0;

  scene_init_encrypted (&scene);

  call = js_calls (&scene, scene.handset, FALSE);
  call_id = g_strdup (handset_call_get_call_id (call));
  g_assert_true (handset_call_get_encrypted (call));
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, scene.js_user->device_id);
  handset_call_answer (call, FALSE);
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));

  assert_audio_both_ways (scene.handset, scene.peer);

  json_object_unref (peer_command (scene.peer, "hangup", NULL));
  peer_assert_ended (scene.peer, "local", "user_hangup");
  wait_ended (call);
  assert_end_reason (call, HANDSET_CALL_END_REMOTE_HANGUP);
  g_assert_cmpstr (handset_call_get_remote_reason (call), ==, "user_hangup");

  /* js-sdk read Handset's answer, which came encrypted... */
  peer_assert_call_events_encrypted (scene.peer, scene.handset->user->user_id, call_id,
                                     "m.call.answer", NULL);
  /* ...and what js-sdk sent (invite, candidates, hangup) the server only
   * has encrypted; nor did Handset's events go in clear. */
  count_stored_events (scene.js_user, scene.room_id, scene.js_user->user_id, &clear, &encrypted);
  g_assert_cmpuint (clear, ==, 0);
  g_assert_cmpuint (encrypted, >=, 2);
  count_stored_events (scene.js_user, scene.room_id, scene.handset->user->user_id, &clear,
                       &encrypted);
  g_assert_cmpuint (clear, ==, 0);
  g_assert_cmpuint (encrypted, >=, 1);

  scene_clear (&scene);
}

/* In an encrypted direct chat, Handset calls; js-sdk rings from the
 * invite it decrypted, answers, both hear each other; every call event
 * js-sdk received from Handset came encrypted. */
static void
test_encrypted_handset_calls_js (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  g_autofree char *call_id = NULL;
  guint clear = 0, encrypted = 0;

  scene_init_encrypted (&scene);

  call = handset_calls (&scene, FALSE);
  call_id = g_strdup (handset_call_get_call_id (call));
  g_assert_true (handset_call_get_encrypted (call));
  json_object_unref (peer_command (scene.peer, "answer", NULL));
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, scene.js_user->device_id);

  assert_audio_both_ways (scene.handset, scene.peer);

  handset_call_hangup (call);
  assert_end_reason (call, HANDSET_CALL_END_LOCAL_HANGUP);
  peer_assert_received (scene.peer, "m.call.hangup", "user_hangup");
  peer_assert_ended (scene.peer, "remote", "user_hangup");

  peer_assert_call_events_encrypted (scene.peer, scene.handset->user->user_id, call_id,
                                     "m.call.invite", "m.call.select_answer", "m.call.hangup",
                                     NULL);
  count_stored_events (scene.js_user, scene.room_id, scene.handset->user->user_id, &clear,
                       &encrypted);
  g_assert_cmpuint (clear, ==, 0);
  g_assert_cmpuint (encrypted, >=, 3);

  scene_clear (&scene);
}

/* Issue 14: js-sdk (its account cross-signed) excludes insecure devices;
 * Handset's device is verified with the recovery Element's engine set up.
 * A call connects both ways with audio, and each side sees the other's
 * device as cross-signed by its owner. */
static void
test_encrypted_only_signed_devices (void)
{
  Scene scene = { 0 };
  HandsetCall *call;
  PeerTrustWait trust = { 0 };

  scene_init_only_signed (&scene, TRUE);
  trust =
      (PeerTrustWait){ scene.peer, scene.handset->user->user_id, scene.handset->user->device_id };
  g_assert_true (handset_test_wait_until (peer_sees_signed, &trust, WAIT_S));

  /* js-sdk calls: Handset rings from the invite, sees a cross-signed
   * caller, answers; audio both ways. */
  call = js_calls (&scene, scene.handset, FALSE);
  g_assert_true (handset_call_get_encrypted (call));
  g_assert_cmpint (handset_call_get_peer_trust (call), ==, HANDSET_PEER_TRUST_CROSS_SIGNED);
  handset_call_answer (call, FALSE);
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  assert_audio_both_ways (scene.handset, scene.peer);
  json_object_unref (peer_command (scene.peer, "hangup", NULL));
  wait_ended (call);
  peer_forget_events (scene.peer);

  /* Handset calls: js-sdk decrypts the invite of a cross-signed device,
   * rings, answers; audio both ways. */
  call = handset_calls (&scene, FALSE);
  json_object_unref (peer_command (scene.peer, "answer", NULL));
  wait_connected (call);
  json_object_unref (peer_wait_state (scene.peer, "connected"));
  g_assert_cmpint (handset_call_get_peer_trust (call), ==, HANDSET_PEER_TRUST_CROSS_SIGNED);
  assert_audio_both_ways (scene.handset, scene.peer);
  handset_call_hangup (call);
  peer_assert_ended (scene.peer, "remote", "user_hangup");

  scene_clear (&scene);
}

static void
on_keys_withheld (HandsetEncryption *encryption,
                  const char *room_id,
                  const char *sender,
                  const char *code,
                  char **out)
{
  g_free (*out);
  *out = g_strdup (code);
}

static gboolean
string_set (gpointer data)
{
  return *(char **) data != NULL;
}

/* Issue 14: js-sdk (its account cross-signed) excludes insecure devices,
 * and Handset's device is not cross-signed. js-sdk's call cannot ring on
 * Handset, which says why (js-sdk withheld its key: "m.unverified");
 * Handset's call to js-sdk then fails at once with the reason, rather than
 * ring for the invite's lifetime. */
static void
test_encrypted_unverified_refused (void)
{
  Scene scene = { 0 };
  g_autofree char *code = NULL;
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call;

  scene_init_only_signed (&scene, FALSE);
  g_signal_connect (scene.handset->encryption, "keys-withheld", G_CALLBACK (on_keys_withheld),
                    &code);

  placed = peer_command (scene.peer, "placeCall", "roomId", G_TYPE_STRING, scene.room_id, "video",
                         G_TYPE_BOOLEAN, FALSE, NULL);
  g_assert_true (handset_test_wait_until (string_set, &code, WAIT_S));
  g_test_message ("js-sdk withheld its room key: %s", code);
  g_assert_cmpstr (code, ==, "m.unverified");
  handset_test_run_for (1000);
  g_assert_cmpuint (scene.handset->rang->len, ==, 0);
  json_object_unref (peer_command (scene.peer, "hangup", NULL));

  call = handset_call_manager_place_call (scene.handset->manager, scene.room_id,
                                          scene.js_user->user_id, FALSE, &error);
  g_assert_null (call);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "verified"));

  g_signal_handlers_disconnect_by_data (scene.handset->encryption, &code);
  scene_clear (&scene);
}

static gboolean
rtc_rang (gpointer data)
{
  return ((Device *) data)->rtc_rang->len > 0;
}

static gboolean
rtc_ended (gpointer data)
{
  return handset_rtc_ring_get_state (data) != HANDSET_RTC_RING_RINGING;
}

static HandsetRtcRing *
wait_rtc_ring (Device *device)
{
  if (!handset_test_wait_until (rtc_rang, device, WAIT_S))
    g_error ("Handset did not ring for the Element Call");

  return g_ptr_array_index (device->rtc_rang, device->rtc_rang->len - 1);
}

/* In an encrypted direct chat, js-sdk places an Element Call as Element
 * Call does (MatrixRTC membership, then an encrypted m.rtc.notification):
 * Handset rings, with js-sdk's lifetime, and its decline reaches js-sdk
 * encrypted, naming the ring. Rung again, the ring stops on Handset when
 * js-sdk leaves the call. */
static void
test_encrypted_element_call_rings (void)
{
  Scene scene = { 0 };
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) decline = NULL;
  JsonObject *result;
  HandsetRtcRing *ring;
  const char *event_id;
  gint64 sender_ts, lifetime;

  scene_init_encrypted (&scene);

  placed = peer_command (scene.peer, "placeElementCall", "roomId", G_TYPE_STRING, scene.room_id,
                         "video", G_TYPE_BOOLEAN, TRUE, NULL);
  result = json_object_get_object_member (placed, "result");
  event_id = json_object_get_string_member (result, "eventId");
  sender_ts = json_object_get_int_member (result, "senderTs");
  lifetime = json_object_get_int_member (result, "lifetime");
  g_test_message ("js-sdk rang with %s (lifetime %" G_GINT64_FORMAT " ms)", event_id, lifetime);

  ring = wait_rtc_ring (scene.handset);
  g_assert_cmpstr (handset_rtc_ring_get_event_id (ring), ==, event_id);
  g_assert_cmpstr (handset_rtc_ring_get_sender (ring), ==, scene.js_user->user_id);
  g_assert_cmpstr (handset_rtc_ring_get_room_id (ring), ==, scene.room_id);
  g_assert_true (handset_rtc_ring_get_video (ring));
  g_assert_cmpint (handset_rtc_ring_get_expires_ms (ring), ==,
                   sender_ts + MIN (lifetime, HANDSET_RTC_RING_MAX_LIFETIME_MS));

  handset_rtc_rings_decline (scene.handset->rtc_rings, ring);
  decline = peer_wait_event (scene.peer, "rtc_decline", "relatesTo", event_id, WAIT_S);
  g_assert_nonnull (decline);
  g_assert_true (json_object_get_boolean_member (decline, "encrypted"));
  g_assert_cmpstr (json_object_get_string_member (decline, "sender"), ==,
                   scene.handset->user->user_id);
  json_object_unref (
      peer_command (scene.peer, "leaveElementCall", "roomId", G_TYPE_STRING, scene.room_id, NULL));

  /* Again; js-sdk leaves while it rings. */
  g_clear_pointer (&placed, json_object_unref);
  g_ptr_array_set_size (scene.handset->rtc_rang, 0);
  placed = peer_command (scene.peer, "placeElementCall", "roomId", G_TYPE_STRING, scene.room_id,
                         "video", G_TYPE_BOOLEAN, FALSE, NULL);
  ring = g_object_ref (wait_rtc_ring (scene.handset));
  g_assert_false (handset_rtc_ring_get_video (ring));
  json_object_unref (
      peer_command (scene.peer, "leaveElementCall", "roomId", G_TYPE_STRING, scene.room_id, NULL));
  g_assert_true (handset_test_wait_until (rtc_ended, ring, WAIT_S));
  g_assert_cmpint (handset_rtc_ring_get_state (ring), ==, HANDSET_RTC_RING_CANCELLED);
  g_object_unref (ring);

  scene_clear (&scene);
}

typedef struct
{
  const char *path;
  void (*func) (void);
} Test;

static const Test tests[] = {
  { "/interop/handset-calls-js", test_handset_calls_js },
  { "/interop/js-calls-handset", test_js_calls_handset },
  { "/interop/js-rejects", test_js_rejects },
  { "/interop/handset-rejects", test_handset_rejects },
  { "/interop/callers-cancel", test_callers_cancel },
  { "/interop/two-devices", test_two_devices },
  { "/interop/js-holds-handset-call", test_js_holds_handset_call },
  { "/interop/js-holds-js-call", test_js_holds_js_call },
  { "/interop/handset-holds-handset-call", test_handset_holds_handset_call },
  { "/interop/handset-holds-js-call", test_handset_holds_js_call },
  { "/interop/video-js-calls", test_video_js_calls },
  { "/interop/video-handset-calls", test_video_handset_calls },
  { "/interop/handset-shares-screen", test_handset_shares_screen },
  { "/interop/js-shares-screen", test_js_shares_screen },
  { "/interop/encrypted/jssdk-calls-handset", test_encrypted_js_calls_handset },
  { "/interop/encrypted/handset-calls-jssdk", test_encrypted_handset_calls_js },
  { "/interop/encrypted/only-signed-devices", test_encrypted_only_signed_devices },
  { "/interop/encrypted/unverified-refused", test_encrypted_unverified_refused },
  { "/interop/encrypted/element-call-rings", test_encrypted_element_call_rings },
};

static const char *self_path;
static gboolean in_child;

/* Each test in a process of its own: one that fails (and aborts) leaves
 * the others to run, so one Handset bug does not hide the rest. */
static void
run_test (gconstpointer data)
{
  const Test *test = data;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (GError) error = NULL;

  if (in_child)
    {
      test->func ();
      return;
    }

  if (!interop_require ())
    return;
  /* A failed child fails its test, and the next one runs. */
  g_test_set_nonfatal_assertions ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_INTEROP_CHILD", "1", TRUE);
  /* Its TAP output is not the suite's: it goes to the log, as stderr. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  child =
      g_subprocess_launcher_spawn (launcher, &error, self_path, "--tap", "-p", test->path, NULL);
  g_assert_no_error (error);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (child))
    g_test_fail_printf ("%s failed: its log is above", test->path);
}

int
main (int argc, char *argv[])
{
  self_path = argv[0];
  in_child = g_getenv ("HANDSET_INTEROP_CHILD") != NULL;
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  if (!in_child)
    {
      g_autofree char *log = browser_log_path ();

      g_file_set_contents (log, "", 0, NULL);
    }

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    g_test_add_data_func (tests[i].path, &tests[i], run_test);

  return g_test_run ();
}
