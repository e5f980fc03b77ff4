/* bench-calls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Figures of whole calls on a real Synapse, printed as table rows:
 *  - invite to ring and answer to first remote audio (both directions),
 *    two Handset devices in this process, real webrtcbin media on 127.0.0.1;
 *  - the same with end-to-end encryption: two new encrypted devices in a new
 *    encrypted direct chat for each run, its first call (Olm sessions and
 *    room keys made and shared on the way) and a later one (all reused);
 *  - resident memory and CPU of the handset program itself: idle and logged
 *    in, then in an audio and in a 640x480 video call with a device of this
 *    process, read from /proc.
 *
 * Needs HANDSET_TEST_HOMESERVER, HANDSET_PROGRAM and a display; build-aux/dev
 * bench provides them.
 */

#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-calls.h"
#include "bench-util.h"
#include "handset-test-device.h"
#include "handset-test-util.h"

/* How long each of the program's calls is measured, as issue targets are
 * per minute; HANDSET_BENCH_CALL_S shortens it for a quick look. */
#define CALL_S_DEFAULT 60

/* The handset program gets the test media of the environment; the devices
 * of this process use their own tones and analysers. */
static GSubprocessLauncher *program_launcher;
static const char *const program_media[] = { "HANDSET_AUDIO_SRC", "HANDSET_AUDIO_SINK",
                                             "HANDSET_VIDEO_SRC", "HANDSET_VIDEO_SINK" };

/* The device's last incoming call. */
static HandsetCall *
ringing_of (Device *device)
{
  return device->rang->len > 0 ? g_ptr_array_index (device->rang, device->rang->len - 1) : NULL;
}

static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  Device *device = user_data;
  HandsetMediaSession *media = handset_media_session_new (video, error);

  if (media == NULL)
    return NULL;
  handset_media_session_set_audio_source (media, handset_test_source (plan_of (device)->source));
  handset_test_device_use_media (device, media, NULL);
  /* Heard as a person would: each buffer when the clock says it plays. */
  handset_media_session_set_audio_sink (media, handset_test_tone_create_synced_sink (device->tone));
  bench_stages_watch_media (&plan_of (device)->stages, media);
  /* Always: the callee's media is made before it answers with video. */
  handset_media_session_set_video_source (
      media, handset_test_source ("videotestsrc is-live=true pattern=ball"));
  return HANDSET_MEDIA (media);
}

/* After the device has noted the call. */
static void
on_incoming (HandsetCallManager *manager, HandsetCall *call, Device *device)
{
  if (plan_of (device)->auto_answer)
    handset_call_answer (call, plan_of (device)->answer_video);
}

/* Video bytes the device's ringing call has received so far. */
static double
video_received (Device *device)
{
  HandsetMedia *media = ringing_of (device) ? handset_call_get_media (ringing_of (device)) : NULL;
  guint64 bytes = 0;

  if (!HANDSET_IS_MEDIA_SESSION (media))
    return 0;
  handset_media_session_update_stats (HANDSET_MEDIA_SESSION (media));
  handset_test_run_for (300);
  g_object_get (media, "video-bytes-received", &bytes, NULL);
  return (double) bytes;
}

static Device *
device_new (HandsetTestUser *user, gboolean encrypted, const char *source)
{
  Plan *plan = g_new0 (Plan, 1);
  Device *device;

  plan->source = source;
  device = encrypted ? handset_test_device_new_encrypted (user, FALSE, make_media, plan)
                     : handset_test_device_new (user, FALSE, make_media, plan);
  g_signal_connect (device->manager, "incoming-call", G_CALLBACK (on_incoming), device);
  bench_stages_watch_device (&plan->stages, device);
  return device;
}

static void
device_free (Device *device)
{
  Plan *plan = plan_of (device);

  bench_stages_unwatch_device (&plan->stages, device);
  handset_test_device_free (device);
  g_free (plan);
}

static gboolean
has_rung (gpointer data)
{
  return ((Device *) data)->rang_at != 0;
}

gboolean
bench_heard (gpointer data)
{
  return handset_test_tone_get_first_sound_time (data) != 0;
}

gboolean
bench_is_ended (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_ENDED;
}

/* ------------------------------------------------------------------ in-process latency */

#define ALICE_TONE "audiotestsrc is-live=true wave=sine freq=440 volume=0.5"
#define BOB_TONE   "audiotestsrc is-live=true wave=sine freq=880 volume=0.5"

/* Medians for bench-jssdk.mjs's ratios, one JSON object written into
 * HANDSET_BENCH_SUMMARY after each part: the plain ones stay should the
 * encrypted part fail. */
static GString *summary;

void
bench_summarize (const char *key, double median)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (summary, "%s\"%s\": %s", summary->len > 1 ? ", " : "", key,
                          g_ascii_dtostr (text, sizeof text, median));
}

static void
write_summary (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = g_strconcat (summary->str, "}\n", NULL);

  if (g_getenv ("HANDSET_BENCH_SUMMARY") != NULL &&
      !g_file_set_contents (g_getenv ("HANDSET_BENCH_SUMMARY"), json, -1, &error))
    g_warning ("The summary cannot be written: %s", error->message);
}

/* How long a call rings before it is answered, in ms: 0 answers at once. */
static guint ringing_ms;

/* One audio call from alice to bob in @room_id, placed, rung, answered,
 * heard at both ends and hung up: its figures in ms. */
static void
one_call (Device *alice,
          Device *bob,
          const char *room_id,
          gboolean encrypted,
          double *ring,
          double *to_alice,
          double *to_bob,
          double *stages)
{
  g_autoptr (GError) error = NULL;
  HandsetCall *call;
  gint64 placed, answered;

  bob->rang_at = 0;
  bench_stages_reset (&plan_of (alice)->stages);
  bench_stages_reset (&plan_of (bob)->stages);
  handset_test_tone_reset (alice->tone);
  handset_test_tone_reset (bob->tone);
  placed = g_get_monotonic_time ();
  call =
      handset_call_manager_place_call (alice->manager, room_id, bob->user->user_id, FALSE, &error);
  g_assert_no_error (error);
  bench_stages_watch_call (&plan_of (alice)->stages, call);
  if (!handset_test_wait_until (has_rung, bob, WAIT_S))
    g_error ("bob's device did not ring");
  *ring = (bob->rang_at - placed) / 1000.0;
  if (handset_call_get_encrypted (ringing_of (bob)) != encrypted)
    g_error ("The call rang %s", encrypted ? "in clear" : "encrypted");

  if (ringing_ms > 0)
    handset_test_run_for (ringing_ms);
  answered = g_get_monotonic_time ();
  handset_call_answer (ringing_of (bob), FALSE);
  if (!handset_test_wait_until (bench_heard, alice->tone, WAIT_S) ||
      !handset_test_wait_until (bench_heard, bob->tone, WAIT_S))
    g_error ("no audio after the answer");
  *to_alice = (handset_test_tone_get_first_sound_time (alice->tone) - answered) / 1000.0;
  *to_bob = (handset_test_tone_get_first_sound_time (bob->tone) - answered) / 1000.0;
  if (stages != NULL)
    bench_stages_since (&plan_of (alice)->stages, &plan_of (bob)->stages, answered, stages);

  handset_call_hangup (call);
  handset_test_wait_until (bench_is_ended, ringing_of (bob), WAIT_S);
  handset_test_run_for (500);
}

/* The plain figures' medians, for the encrypted ones' difference. */
static double plain_to_alice, plain_to_bob;

static void
latencies (Device *alice, Device *bob, const char *room_id)
{
  double ring[RUNS], to_alice[RUNS], to_bob[RUNS];

  for (guint i = 0; i < RUNS; i++)
    one_call (alice, bob, room_id, FALSE, &ring[i], &to_alice[i], &to_bob[i], NULL);

  bench_row ("Handset↔Handset in one process: invite to ring (ms)", ring, RUNS, 0,
             "as the two-process row, both devices in this process (one main loop): the "
             "encrypted rows below are measured so");
  bench_row ("Handset↔Handset in one process: answer to first audio at the caller (ms)", to_alice,
             RUNS, 0, "as the two-process row, both devices in this process");
  bench_row ("Handset↔Handset in one process: answer to first audio at the callee (ms)", to_bob,
             RUNS, 0, "same clock start, first loud sample at the callee's sink");

  /* The medians (bench_row() sorted them). */
  plain_to_alice = to_alice[RUNS / 2];
  plain_to_bob = to_bob[RUNS / 2];
}

/* The answer made on answering, made while the call rang, and made while
 * it rang with the connection begun then: calls that ring a second, the
 * three ways in turn so that the machine's load falls on each alike. */
static void
prepared_latencies (Device *alice, Device *bob, const char *room_id)
{
  static const char *const modes[] = {
    "answer made on answering",
    "answer made while ringing",
    "answer made while ringing, connecting while ringing",
  };
  double handed[3][RUNS], to_alice[3][RUNS], to_bob[3][RUNS];

  ringing_ms = 1000;
  for (guint i = 0; i < RUNS; i++)
    for (guint m = 0; m < 3; m++)
      {
        double ring, stages[BENCH_N_STAGES];

        handset_call_manager_set_prepare_answers (bob->manager, m > 0, m == 2);
        one_call (alice, bob, room_id, FALSE, &ring, &to_alice[m][i], &to_bob[m][i], stages);
        handed[m][i] = stages[BENCH_STAGE_HANDED];
      }
  ringing_ms = 0;
  handset_call_manager_set_prepare_answers (bob->manager, FALSE, FALSE);

  for (guint m = 0; m < 3; m++)
    {
      g_autofree char *out =
          g_strdup_printf ("rang 1 s, %s: answer handed to the homeserver (ms)", modes[m]);
      g_autofree char *caller =
          g_strdup_printf ("rang 1 s, %s: answer to first audio at the caller (ms)", modes[m]);
      g_autofree char *callee =
          g_strdup_printf ("rang 1 s, %s: answer to first audio at the callee (ms)", modes[m]);

      bench_row (out, handed[m], RUNS, 0,
                 "from handset_call_answer() to the call manager's send-event for m.call.answer; "
                 "both ends in this process, the three ways alternating");
      bench_row (caller, to_alice[m], RUNS, 0, "first loud sample at the caller's synced sink");
      bench_row (callee, to_bob[m], RUNS, 0, "first loud sample at the callee's synced sink");
    }
}

typedef struct
{
  Device *device;
  const char *room_id;
  gboolean encrypted;
} RoomOf;

/* The device's rooms have both members and, if @encrypted, its encryption
 * knows the room is: before that, a call would go in clear or miss a
 * device. */
static gboolean
room_ready (gpointer data)
{
  RoomOf *r = data;
  HandsetRoom *room = handset_rooms_lookup (r->device->rooms, r->room_id);

  return room != NULL && handset_room_get_n_members (room) == 2 &&
         (!r->encrypted ||
          handset_encryption_room_is_encrypted (r->device->encryption, r->room_id));
}

static void
wait_room (Device *device, const char *room_id, gboolean encrypted)
{
  RoomOf r = { device, room_id, encrypted };

  if (!handset_test_wait_until (room_ready, &r, WAIT_S))
    g_error ("%s's device does not know the%s room %s", device->user->user_id,
             encrypted ? " encrypted" : "", room_id);
}

static double
whole_ms (double ms)
{
  /* + 0.0: never "-0" */
  return round (ms) + 0.0;
}

/* The encryption's cost in answer to first audio: the encrypted medians
 * less those of the same devices' plain call in the same runs (the paired
 * figure the target is read off), and less the plain rows above. */
static void
difference_row (const char *figure,
                double encrypted_to_alice,
                double encrypted_to_bob,
                double paired_to_alice,
                double paired_to_bob)
{
  double to_alice = whole_ms (encrypted_to_alice - paired_to_alice);
  double to_bob = whole_ms (encrypted_to_bob - paired_to_bob);

  printf ("| %s | %+.0f / %+.0f | | | | caller / callee: the encrypted medians less those of the "
          "same devices' plain call (the rows above); less the first plain rows: %+.0f / %+.0f; "
          "target ≤ +20 ms: %s |\n",
          figure, to_alice, to_bob, whole_ms (encrypted_to_alice - plain_to_alice),
          whole_ms (encrypted_to_bob - plain_to_bob),
          MAX (to_alice, to_bob) <= 20 ? "met" : "missed");
  fflush (stdout);
}

/* As latencies(), end-to-end encrypted. Each run has two new users, each
 * with a new encrypted device, in a new encrypted direct chat: its first
 * call is the first either device sends there, so the caller claims a
 * one-time key, makes an Olm session and sends its new room key to-device
 * before the invite goes out (the device keys were fetched on learning of
 * the room), and the callee sends its own room key before its answer; its
 * second call, in the same room, finds all that done. Before them, two
 * calls in a plain direct chat of the same two: the first not measured (as
 * in bench-jssdk.mjs, where each pair is two new browsers, the first call
 * of a pair is a cold start that encryption has no part in), the second
 * the plain figure the encrypted ones are set against, taken from the same
 * devices at the same time. */
static void
encrypted_latencies (void)
{
  double ring[2][RUNS], to_alice[2][RUNS], to_bob[2][RUNS];
  double paired_to_alice[RUNS], paired_to_bob[RUNS];
  const char *const which[] = { "first call in the room", "later call in the room" };
  const char *const how_ring[] = {
    "as the plain row, two new encrypted devices (new users) each run, in a new encrypted direct "
    "chat that both know is encrypted with 2 members, after two calls in a plain direct chat of "
    "the two (see below) and 1 s: the first call in the encrypted room, so before its invite goes "
    "out the caller claims a one-time key, makes an Olm session and sends its new Megolm room key "
    "to-device (the device keys it fetched on learning of the room), and the callee decrypts both",
    "the second call of the same devices in the same room, 0.5 s after the first ended: Olm "
    "sessions and Megolm room keys reused, the invite only encrypted and decrypted",
  };
  const char *const how_to_alice[] = {
    "as the plain row, the first call in the encrypted room (see above): before its answer goes "
    "out the callee sends its own new room key to-device, over the Olm session the caller's "
    "key share made",
    "as the plain row, the second call of the same devices in the same room",
  };

  for (guint i = 0; i < RUNS; i++)
    {
      HandsetTestUser *alice_user = handset_test_register ("benchealice");
      HandsetTestUser *bob_user = handset_test_register ("benchebob");
      g_autofree char *plain_room = handset_test_create_direct_room (alice_user, bob_user);
      g_autofree char *room_id = NULL;
      Device *alice, *bob;
      double unused[3];

      handset_test_join (bob_user, plain_room);
      room_id = handset_test_create_encrypted_direct_room (alice_user, bob_user);
      alice = device_new (alice_user, TRUE, ALICE_TONE);
      bob = device_new (bob_user, TRUE, BOB_TONE);
      wait_room (alice, plain_room, FALSE);
      wait_room (bob, plain_room, FALSE);
      wait_room (alice, room_id, TRUE);
      wait_room (bob, room_id, TRUE);

      one_call (alice, bob, plain_room, FALSE, &unused[0], &unused[1], &unused[2], NULL);
      one_call (alice, bob, plain_room, FALSE, &unused[0], &paired_to_alice[i], &paired_to_bob[i],
                NULL);
      /* As bench-jssdk.mjs: what the devices do on their own on learning of
       * the rooms has had its time, as it has when a user calls. */
      handset_test_run_for (1000);
      for (guint c = 0; c < 2; c++)
        one_call (alice, bob, room_id, TRUE, &ring[c][i], &to_alice[c][i], &to_bob[c][i], NULL);
      device_free (alice);
      device_free (bob);
    }

  bench_row (
      "Handset↔Handset, the encrypted devices below in their plain chat: answer to first "
      "audio at the caller (ms)",
      paired_to_alice, RUNS, 0,
      "as the plain row, the two new devices of each run below, their second call in a plain "
      "direct chat of the two, just before their calls in the encrypted one: what those "
      "are set against");
  bench_row ("Handset↔Handset, the encrypted devices below in their plain chat: answer to first "
             "audio at the callee (ms)",
             paired_to_bob, RUNS, 0, "same clock start, first loud sample at the callee's sink");
  for (guint c = 0; c < 2; c++)
    {
      g_autofree char *ring_figure =
          g_strdup_printf ("Handset↔Handset encrypted, %s: invite to ring (ms)", which[c]);
      g_autofree char *alice_figure = g_strdup_printf (
          "Handset↔Handset encrypted, %s: answer to first audio at the caller (ms)", which[c]);
      g_autofree char *bob_figure = g_strdup_printf (
          "Handset↔Handset encrypted, %s: answer to first audio at the callee (ms)", which[c]);

      bench_row (ring_figure, ring[c], RUNS, 0, how_ring[c]);
      bench_row (alice_figure, to_alice[c], RUNS, 0, how_to_alice[c]);
      bench_row (bob_figure, to_bob[c], RUNS, 0,
                 "same clock start, first loud sample at the callee's sink");
    }
  difference_row ("Handset: encryption's cost in answer to first audio, first call (ms)",
                  to_alice[0][RUNS / 2], to_bob[0][RUNS / 2], paired_to_alice[RUNS / 2],
                  paired_to_bob[RUNS / 2]);
  difference_row ("Handset: encryption's cost in answer to first audio, later call (ms)",
                  to_alice[1][RUNS / 2], to_bob[1][RUNS / 2], paired_to_alice[RUNS / 2],
                  paired_to_bob[RUNS / 2]);

  bench_summarize ("ringEncrypted", ring[0][RUNS / 2]);
  bench_summarize ("toCallerEncrypted", to_alice[0][RUNS / 2]);
  bench_summarize ("toCalleeEncrypted", to_bob[0][RUNS / 2]);
  bench_summarize ("ringEncryptedLater", ring[1][RUNS / 2]);
  bench_summarize ("toCallerEncryptedLater", to_alice[1][RUNS / 2]);
  bench_summarize ("toCalleeEncryptedLater", to_bob[1][RUNS / 2]);
}

/* ------------------------------------------------------------------ the program itself */

static long
proc_rss_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return -1;
  return strtol (line + 6, NULL, 10);
}

/* Of the idle program's memory, what is its alone (private pages) and the
 * largest mappings: most of the resident set is shared libraries. */
static void
proc_memory_detail (GPid pid, double *private_mb, double *gl_mb)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps", pid);
  g_autofree char *smaps = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean gl = FALSE;
  long private_kb = 0, gl_kb = 0;

  *private_mb = *gl_mb = -1;
  if (!g_file_get_contents (path, &smaps, NULL, NULL))
    return;
  lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_ascii_isxdigit (line[0]) && strchr (line, '-') != NULL && strchr (line, ' ') != NULL)
        /* A mapping: the software OpenGL driver that GTK loads on X11. */
        gl = strstr (line, "libLLVM") != NULL || strstr (line, "_dri.so") != NULL;
      else if (g_str_has_prefix (line, "Private_Clean:") ||
               g_str_has_prefix (line, "Private_Dirty:"))
        private_kb += strtol (strchr (line, ':') + 1, NULL, 10);
      else if (gl && g_str_has_prefix (line, "Rss:"))
        gl_kb += strtol (line + 4, NULL, 10);
    }
  *private_mb = private_kb / 1024.0;
  *gl_mb = gl_kb / 1024.0;
}

static int
run_cli (const char *const *argv, const char *stdin_text)
{
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  process = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static gboolean
ringing_call_connected (gpointer data)
{
  Device *device = data;

  return ringing_of (device) != NULL &&
         handset_call_get_state (ringing_of (device)) == HANDSET_CALL_STATE_CONNECTED;
}

/* The program's call reached the bench device and connected: figures of a
 * call that never rang would measure an idle program. */
static void
program_call_connected (Device *bob)
{
  if (!handset_test_wait_until (ringing_call_connected, bob, WAIT_S))
    g_error ("The handset program's call did not connect with the bench device");
}

static void
program_figures (HandsetTestUser *user, Device *bob)
{
  const char *program = g_getenv ("HANDSET_PROGRAM");
  const char *login[] = {
    program, "--profile", "bench", "login", handset_test_homeserver_url (), user->user_id, NULL
  };
  double idle[RUNS], idle_private[RUNS], idle_gl[RUNS];
  double audio_rss[RUNS], audio_cpu[RUNS], video_rss[RUNS], video_cpu[RUNS];
  double video_in[RUNS], audio_added[RUNS], video_added[RUNS];
  g_autofree char *password = g_strconcat (user->password, "\n", NULL);
  const char *call_s_text = g_getenv ("HANDSET_BENCH_CALL_S");
  guint call_s = call_s_text ? (guint) atoi (call_s_text) : CALL_S_DEFAULT;
  g_autofree char *audio_rss_how = NULL;
  g_autofree char *audio_cpu_how = NULL;
  g_autofree char *video_cpu_how = NULL;

  if (call_s == 0)
    call_s = CALL_S_DEFAULT;
  g_assert_nonnull (program);
  g_assert_cmpint (run_cli (login, password), ==, 0);

  for (guint i = 0; i < RUNS; i++)
    {
      const char *start[] = { program, "--profile", "bench", NULL };
      const char *call_audio[] = {
        program, "--profile", "bench", "call", bob->user->user_id, NULL
      };
      const char *call_video[] = { program,   "--profile", "bench", "call", bob->user->user_id,
                                   "--video", NULL };
      const char *hangup[] = { program, "--profile", "bench", "hangup", NULL };
      g_autoptr (GSubprocess) app = NULL;
      g_autoptr (GError) error = NULL;
      GPid pid;
      double cpu0, video0;

      g_subprocess_launcher_set_flags (program_launcher, G_SUBPROCESS_FLAGS_NONE);
      app = g_subprocess_launcher_spawnv (program_launcher, start, &error);
      g_assert_no_error (error);
      pid = (GPid) atoi (g_subprocess_get_identifier (app));

      /* Idle: logged in, synced, nothing happening. */
      handset_test_run_for (10000);
      idle[i] = proc_rss_kb (pid) / 1024.0;
      proc_memory_detail (pid, &idle_private[i], &idle_gl[i]);

      /* An audio call with bob's device here, which answers at once. */
      plan_of (bob)->auto_answer = TRUE;
      plan_of (bob)->answer_video = FALSE;
      g_assert_cmpint (run_cli (call_audio, NULL), ==, 0);
      program_call_connected (bob);
      handset_test_run_for (3000);
      cpu0 = bench_cpu_seconds (pid);
      handset_test_run_for (call_s * 1000);
      audio_cpu[i] = (bench_cpu_seconds (pid) - cpu0) / call_s * 100.0;
      audio_rss[i] = proc_rss_kb (pid) / 1024.0;
      audio_added[i] = audio_rss[i] - idle[i];
      g_assert_cmpint (run_cli (hangup, NULL), ==, 0);
      handset_test_run_for (2000);

      /* A video call, 640x480 at 30 frames a second both ways. */
      plan_of (bob)->answer_video = TRUE;
      g_assert_cmpint (run_cli (call_video, NULL), ==, 0);
      program_call_connected (bob);
      handset_test_run_for (3000);
      /* Before the CPU window: reading the statistics takes 300 ms. */
      video0 = video_received (bob);
      cpu0 = bench_cpu_seconds (pid);
      handset_test_run_for (call_s * 1000);
      video_cpu[i] = (bench_cpu_seconds (pid) - cpu0) / call_s * 100.0;
      video_rss[i] = proc_rss_kb (pid) / 1024.0;
      video_added[i] = video_rss[i] - idle[i];
      video_in[i] = (video_received (bob) - video0) / 1000.0;
      g_assert_cmpint (run_cli (hangup, NULL), ==, 0);
      handset_test_run_for (2000);
      plan_of (bob)->auto_answer = FALSE;

      g_subprocess_send_signal (app, SIGTERM);
      g_subprocess_wait (app, NULL, NULL);
    }

  bench_row (
      "handset program: resident memory, idle and logged in (MB)", idle, RUNS, 1,
      "VmRSS of the handset process under Xvfb (GSK_RENDERER=cairo) 10 s after start: session "
      "restored, first /sync done, window open");
  bench_row (
      "handset program: private memory, idle (MB)", idle_private, RUNS, 1,
      "Private_Clean + Private_Dirty from /proc/PID/smaps at the same moment: the pages no other "
      "process shares");
  bench_row ("handset program: of the idle resident memory, the software OpenGL driver (MB)",
             idle_gl, RUNS, 1,
             "Rss of the libLLVM and *_dri.so mappings at the same moment: GTK 4.8 loads Mesa's "
             "llvmpipe on an X server without a GPU (Xvfb) even with GSK_RENDERER=cairo");
  audio_rss_how = g_strdup_printf (
      "VmRSS %u s into a call placed with `handset call`, answered by a device of the bench",
      call_s + 3);
  audio_cpu_how = g_strdup_printf (
      "utime+stime from /proc/PID/stat over %u s of the call, from 3 s after it connected, as a "
      "share of one core (the same figure is the CPU seconds per minute divided by 0.6)",
      call_s);
  video_cpu_how = g_strdup_printf ("as above, over %u s of the video call", call_s);
  bench_row ("handset program: resident memory in an audio call (MB)", audio_rss, RUNS, 1,
             audio_rss_how);
  bench_row ("handset program: memory an audio call added (MB)", audio_added, RUNS, 1,
             "the VmRSS above less the same run's idle VmRSS");
  bench_row ("handset program: CPU in an audio call (% of one core)", audio_cpu, RUNS, 2,
             audio_cpu_how);
  bench_row (
      "handset program: resident memory in a 640x480 video call (MB)", video_rss, RUNS, 1,
      "as above, `handset call --video`, videotestsrc pattern=ball (a moving ball) at 640x480@30 "
      "both ways, VP8");
  bench_row ("handset program: memory a 640x480 video call added (MB)", video_added, RUNS, 1,
             "the VmRSS above less the same run's idle VmRSS");
  bench_row ("handset program: CPU in a 640x480 video call (% of one core)", video_cpu, RUNS, 2,
             video_cpu_how);
  bench_row ("handset program: video it sent in those seconds (kB)", video_in, RUNS, 0,
             "video-bytes-received of the bench device's media session: shows the video flowed");
}

int
main (int argc, char *argv[])
{
  HandsetTestUser *alice_user, *bob_user, *program_user, *callee_user;
  g_autofree char *callee_room = NULL;
  Callee *callee;
  Device *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autofree char *program_room = NULL;

  gst_init (&argc, &argv);
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  program_launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  for (guint i = 0; i < G_N_ELEMENTS (program_media); i++)
    {
      const char *value = g_getenv (program_media[i]);

      if (value != NULL)
        g_subprocess_launcher_setenv (program_launcher, program_media[i], value, TRUE);
      g_unsetenv (program_media[i]);
    }
  if (handset_test_homeserver_url () == NULL)
    {
      g_printerr ("bench-calls: HANDSET_TEST_HOMESERVER is not set\n");
      return 2;
    }
  gst_object_unref (gst_element_factory_make ("dtlsdec", NULL));

  alice_user = handset_test_register ("benchalice");
  bob_user = handset_test_register ("benchbob");
  program_user = handset_test_register ("benchprogram");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  program_room = handset_test_create_direct_room (program_user, bob_user);
  handset_test_join (bob_user, program_room);

  callee_user = handset_test_register ("benchcallee");
  callee_room = handset_test_create_direct_room (alice_user, callee_user);
  handset_test_join (callee_user, callee_room);

  alice = device_new (alice_user, FALSE, ALICE_TONE);
  bob = device_new (bob_user, FALSE, BOB_TONE);
  wait_room (alice, callee_room, FALSE);

  summary = g_string_new ("{");
  /* HANDSET_BENCH_ONLY=prepared: the answer made while ringing, alone;
   * =encrypted: the encrypted calls alone. */
  if (g_strcmp0 (g_getenv ("HANDSET_BENCH_ONLY"), "prepared") == 0)
    {
      prepared_latencies (alice, bob, room_id);
      return 0;
    }
  if (g_strcmp0 (g_getenv ("HANDSET_BENCH_ONLY"), "encrypted") == 0)
    {
      latencies (alice, bob, room_id);
      encrypted_latencies ();
      return 0;
    }
  callee = bench_callee_start (argv[0], callee_user, callee_room);
  /* The first call of a new pair is a cold start: not measured. */
  {
    double unused[3 + BENCH_N_STAGES];

    bench_one_call_apart (alice, callee, callee_room, &unused[0], &unused[1], &unused[2],
                          unused + 3);
  }
  bench_apart_latencies (alice, callee, callee_room);
  bench_callee_stop (callee);
  write_summary ();
  latencies (alice, bob, room_id);
  prepared_latencies (alice, bob, room_id);
  /* HANDSET_BENCH_ONLY=plain: the plain latencies alone, for a quick look. */
  if (g_strcmp0 (g_getenv ("HANDSET_BENCH_ONLY"), "plain") == 0)
    return 0;
  encrypted_latencies ();
  write_summary ();
  if (g_getenv ("HANDSET_PROGRAM") != NULL)
    program_figures (program_user, bob);

  return 0;
}
