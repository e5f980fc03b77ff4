/* bench-media.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The media alone, without a homeserver: two processes on 127.0.0.1, each
 * a HandsetMediaSession (tests/media/media-peer), with their offer, answer
 * and candidates relayed line by line through this program's pipes. Prints
 * as table rows the time from the answer to the first decoded audio (at
 * the caller from receiving the answer, at the callee from sending it), and
 * the CPU one end of the call takes; and a screen shared in such a call
 * (a 1280×720 test pattern as the screen): the CPU of the sharing end and
 * the frames a second decoded at the other, beside the floor of encoding
 * the same picture alone.
 *
 *   bench-media MEDIA-PEER RUNS --rows-only
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-util.h"
#include "handset-test-util.h"

#define TIMEOUT_S 30
#define CPU_S     20
#define SCREEN                                 \
  "videotestsrc is-live=true pattern=smpte ! " \
  "capsfilter caps=video/x-raw,width=1280,height=720,framerate=30/1"

typedef struct _Peer Peer;

struct _Peer
{
  GSubprocess *process;
  GDataInputStream *out;
  GOutputStream *in;
  Peer *other;
  double first_ms;   /* from its "heard" line; < 0 until then */
  int screen_frames; /* from its "screen-frames" lines; < 0 until then */
  gboolean done;     /* its stdout ended */
};

static void read_line (Peer *peer);

static void
line_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line =
      g_data_input_stream_read_line_finish_utf8 (peer->out, result, NULL, &error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *message = NULL;

  if (line == NULL)
    {
      peer->done = TRUE;
      return;
    }
  if (json_parser_load_from_data (parser, line, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) &&
      (message = json_node_get_object (json_parser_get_root (parser))) != NULL &&
      g_strcmp0 (json_object_get_string_member_with_default (message, "type", ""), "heard") == 0)
    peer->first_ms = json_object_get_double_member_with_default (message, "first_ms", -1);
  else if (message != NULL &&
           g_strcmp0 (json_object_get_string_member_with_default (message, "type", ""),
                      "screen-frames") == 0)
    peer->screen_frames = (int) json_object_get_int_member_with_default (message, "count", -1);
  else
    {
      /* Signalling: on to the other end, as it came. */
      g_autofree char *with_newline = g_strconcat (line, "\n", NULL);

      if (!g_output_stream_write_all (peer->other->in, with_newline, strlen (with_newline), NULL,
                                      NULL, &error))
        g_printerr ("bench-media: cannot relay a line: %s\n", error->message);
    }
  read_line (peer);
}

static void
read_line (Peer *peer)
{
  g_data_input_stream_read_line_async (peer->out, G_PRIORITY_DEFAULT, NULL, line_read, peer);
}

static gboolean
start_peer (Peer *peer,
            const char *program,
            const char *role,
            const char *hz,
            gboolean processing,
            gboolean screenshare)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  peer->first_ms = -1;
  peer->screen_frames = -1;
  g_subprocess_launcher_setenv (launcher, "HANDSET_PEER_PROCESSING", processing ? "1" : "0", TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_PEER_SCREENSHARE", screenshare ? "1" : "0",
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_SCREEN_SRC", SCREEN, TRUE);
  peer->process = g_subprocess_launcher_spawn (launcher, &error, program, role, hz, NULL);
  if (peer->process == NULL)
    {
      g_printerr ("bench-media: cannot start %s: %s\n", program, error->message);
      return FALSE;
    }
  peer->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  peer->in = g_object_ref (g_subprocess_get_stdin_pipe (peer->process));
  read_line (peer);
  return TRUE;
}

static void
stop_peer (Peer *peer)
{
  if (peer->process == NULL)
    return;
  /* The end of its stdin ends its call. */
  g_output_stream_close (peer->in, NULL, NULL);
  while (!peer->done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait (peer->process, NULL, NULL);
  g_clear_object (&peer->in);
  g_clear_object (&peer->out);
  g_clear_object (&peer->process);
}

/* Both ends heard the other, or one of them is gone. */
static gboolean
heard_or_gone (gpointer data)
{
  Peer *caller = data, *callee = caller->other;

  return (caller->first_ms >= 0 && callee->first_ms >= 0) || caller->done || callee->done;
}

/* One call: the caller's and the callee's figures, and the caller's CPU
 * over CPU_S seconds of the call, or FALSE. */
static gboolean
one_call (const char *program,
          gboolean processing,
          double *caller_ms,
          double *callee_ms,
          double *cpu,
          double *threads,
          double *switches)
{
  Peer caller = { 0 }, callee = { 0 };
  gboolean ok;

  caller.other = &callee;
  callee.other = &caller;
  ok = start_peer (&callee, program, "answer", "880", processing, FALSE) &&
       start_peer (&caller, program, "offer", "440", processing, FALSE);
  ok = ok && handset_test_wait_until (heard_or_gone, &caller, TIMEOUT_S);
  *caller_ms = caller.first_ms;
  *callee_ms = callee.first_ms;
  if (ok && *caller_ms >= 0 && *callee_ms >= 0)
    {
      GPid pid = atoi (g_subprocess_get_identifier (caller.process));
      double cpu0;
      guint64 switches0;

      handset_test_run_for (2000);
      cpu0 = bench_cpu_seconds (pid);
      switches0 = bench_context_switches (pid);
      handset_test_run_for (CPU_S * 1000);
      *cpu = (bench_cpu_seconds (pid) - cpu0) / CPU_S * 100.0;
      *switches = (double) (bench_context_switches (pid) - switches0) / CPU_S;
      *threads = bench_threads (pid);
      ok = !caller.done && !callee.done;
    }
  stop_peer (&caller);
  stop_peer (&callee);

  return ok && *caller_ms >= 0 && *callee_ms >= 0;
}

static gboolean
screen_seen_or_gone (gpointer data)
{
  Peer *caller = data, *callee = caller->other;

  return callee->screen_frames > 0 || caller->done || callee->done;
}

/* An audio call in which the caller shares the screen once both heard the
 * other: the caller's CPU and the frames a second the callee decodes, over
 * CPU_S seconds from 2 s after its first frame, or FALSE. */
static gboolean
screen_call (const char *program, double *cpu, double *fps)
{
  Peer caller = { 0 }, callee = { 0 };
  gboolean ok;

  caller.other = &callee;
  callee.other = &caller;
  ok = start_peer (&callee, program, "answer", "880", FALSE, TRUE) &&
       start_peer (&caller, program, "offer", "440", FALSE, TRUE);
  ok = ok && handset_test_wait_until (heard_or_gone, &caller, TIMEOUT_S) &&
       handset_test_wait_until (screen_seen_or_gone, &caller, TIMEOUT_S) &&
       callee.screen_frames > 0;
  if (ok)
    {
      GPid pid = atoi (g_subprocess_get_identifier (caller.process));
      double cpu0;
      int frames0;

      handset_test_run_for (2000);
      cpu0 = bench_cpu_seconds (pid);
      frames0 = callee.screen_frames;
      handset_test_run_for (CPU_S * 1000);
      *cpu = (bench_cpu_seconds (pid) - cpu0) / CPU_S * 100.0;
      *fps = (double) (callee.screen_frames - frames0) / CPU_S;
      ok = !caller.done && !callee.done;
    }
  stop_peer (&caller);
  stop_peer (&callee);

  return ok;
}

/* The floor of sharing that screen: the same picture scaled, encoded as
 * the call encodes it (VP8, real time, 15 frames a second) and dropped,
 * with no network, no webrtcbin and no sound; the CPU of a gst-launch-1.0
 * over CPU_S seconds. */
static gboolean
vp8_floor (double *cpu)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "gst-launch-1.0", "-q", "videotestsrc",
      "is-live=true", "pattern=smpte", "!", "video/x-raw,width=1280,height=720,framerate=30/1", "!",
      "videoconvert", "!", "videoscale", "!", "videorate", "drop-only=true", "!",
      "video/x-raw,framerate=15/1", "!", "vp8enc", "deadline=1", "cpu-used=4",
      "target-bitrate=1500000", "keyframe-max-dist=30", "!", "fakesink", "sync=true", NULL);
  GPid pid;
  double cpu0;

  if (process == NULL)
    {
      g_printerr ("bench-media: no gst-launch-1.0: %s\n", error->message);
      return FALSE;
    }
  pid = atoi (g_subprocess_get_identifier (process));
  handset_test_run_for (2000);
  cpu0 = bench_cpu_seconds (pid);
  handset_test_run_for (CPU_S * 1000);
  *cpu = (bench_cpu_seconds (pid) - cpu0) / CPU_S * 100.0;
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);

  return TRUE;
}

/* The floor of one end of an audio call: what encoding and decoding one
 * Opus stream costs, live at 48 kHz, with no network, no webrtcbin and no
 * processing; the CPU of a gst-launch-1.0 over CPU_S seconds. */
static gboolean
opus_floor (double *cpu)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process =
      g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "gst-launch-1.0", "-q",
                        "audiotestsrc", "is-live=true", "wave=sine", "freq=440", "volume=0.5", "!",
                        "audio/x-raw,rate=48000,channels=1", "!", "opusenc", "!", "opusdec", "!",
                        "fakesink", "sync=true", NULL);
  GPid pid;
  double cpu0;

  if (process == NULL)
    {
      g_printerr ("bench-media: no gst-launch-1.0: %s\n", error->message);
      return FALSE;
    }
  pid = atoi (g_subprocess_get_identifier (process));
  handset_test_run_for (2000);
  cpu0 = bench_cpu_seconds (pid);
  handset_test_run_for (CPU_S * 1000);
  *cpu = (bench_cpu_seconds (pid) - cpu0) / CPU_S * 100.0;
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);

  return TRUE;
}

int
main (int argc, char *argv[])
{
  guint runs;
  double *caller, *callee, *cpu, *cpu_processed, *floor, *ratio, *threads, *switches;
  double *screen_cpu, *screen_fps, *screen_floor;
  g_autofree char *cpu_how = NULL;

  if (argc < 3 || (runs = (guint) atoi (argv[2])) == 0)
    {
      g_printerr ("Usage: %s MEDIA-PEER RUNS [--rows-only]\n", argv[0]);
      return 2;
    }
  caller = g_new0 (double, runs);
  callee = g_new0 (double, runs);
  cpu = g_new0 (double, runs);
  cpu_processed = g_new0 (double, runs);
  floor = g_new0 (double, runs);
  ratio = g_new0 (double, runs);
  threads = g_new0 (double, runs);
  switches = g_new0 (double, runs);
  screen_cpu = g_new0 (double, runs);
  screen_fps = g_new0 (double, runs);
  screen_floor = g_new0 (double, runs);
  /* Each run: a call without processing, one with, and the Opus floor,
   * one after the other, so all three see the same machine. */
  for (guint i = 0; i < runs; i++)
    {
      double unused_caller, unused_callee, unused_threads, unused_switches;

      if (!one_call (argv[1], FALSE, &caller[i], &callee[i], &cpu[i], &threads[i], &switches[i]) ||
          !one_call (argv[1], TRUE, &unused_caller, &unused_callee, &cpu_processed[i],
                     &unused_threads, &unused_switches))
        {
          g_printerr ("bench-media: call %u did not carry audio both ways\n", i + 1);
          return 1;
        }
      if (!opus_floor (&floor[i]))
        return 1;
      if (!screen_call (argv[1], &screen_cpu[i], &screen_fps[i]))
        {
          g_printerr ("bench-media: call %u did not carry the screen share\n", i + 1);
          return 1;
        }
      if (!vp8_floor (&screen_floor[i]))
        return 1;
      ratio[i] = floor[i] > 0 ? cpu[i] / floor[i] : 0;
    }

  bench_row (
      "media alone, two processes: answer received to first audio at the caller (ms)", caller, runs,
      0,
      "media-peer offer|answer on 127.0.0.1 (HandsetMediaSession, trickle ICE, signalling "
      "relayed through pipes, no homeserver): from the offerer reading the answer to its first "
      "decoded sample louder than ±2000 at an appsink that plays by the clock");
  bench_row ("media alone, two processes: answer sent to first audio at the callee (ms)", callee,
             runs, 0, "as above, from the answerer writing its answer to its first such sample");
  cpu_how = g_strdup_printf (
      "utime+stime of the caller's media-peer from /proc/PID/stat over %d s of the same calls, "
      "from 2 s after both heard the other: GStreamer and the media session alone, no window, "
      "no homeserver (audiotestsrc in, an analysing appsink out)",
      CPU_S);
  bench_row ("media alone: CPU of one end of an audio call (% of one core)", cpu, runs, 2, cpu_how);
  bench_row ("media alone: threads of that end's process", threads, runs, 0,
             "entries of /proc/PID/task at the end of the same span (the main thread and "
             "GLib's and GStreamer's)");
  bench_row ("media alone: context switches of that end per second", switches, runs, 0,
             "voluntary and involuntary context switches of its threads "
             "(/proc/PID/task/*/status) over the same span, per second");
  bench_row ("media alone: the same with echo cancellation, noise suppression and gain control "
             "(% of one core)",
             cpu_processed, runs, 2,
             "as above, both ends with webrtcdsp and webrtcechoprobe (the app's default), "
             "measured right after the call without them");
  bench_row ("Opus floor: one stream encoded and decoded live (% of one core)", floor, runs, 2,
             "gst-launch-1.0 audiotestsrc 48 kHz mono ! opusenc ! opusdec ! fakesink sync=true, "
             "utime+stime over the same span, right after the two calls: what one end of a call "
             "cannot go below");
  bench_row ("media alone without processing ÷ Opus floor (target ≤ 1.5)", ratio, runs, 2,
             "per run, the first CPU row over the floor row");
  bench_row ("screen share 1280×720: CPU of the sharing end (% of one core)", screen_cpu, runs, 2,
             "media-peer offer|answer as above, HANDSET_SCREEN_SRC a live 1280×720 30 fps "
             "videotestsrc (SMPTE bars) as the screen, shared by the offerer once both heard "
             "the other and added by a second offer: utime+stime of the sharing media-peer "
             "over 20 s from 2 s after the first screen frame was decoded at the other end; "
             "the audio call above is its baseline");
  bench_row ("screen share 1280×720: frames a second decoded at the other end (sent at 15)",
             screen_fps, runs, 1,
             "the answerer's ::screenshare-frame count over the same 20 s (read from its "
             "report every 500 ms), divided by 20");
  bench_row ("VP8 floor: that screen encoded alone at 15 fps (% of one core)", screen_floor, runs,
             2,
             "gst-launch-1.0 videotestsrc 1280×720 ! videoconvert ! videoscale ! videorate ! "
             "15 fps ! vp8enc as the call sets it (deadline=1 cpu-used=4 1.5 Mbit/s) ! fakesink "
             "sync=true, over the same span, right after the screen share call: what sharing "
             "cannot go below");
  g_free (screen_cpu);
  g_free (screen_fps);
  g_free (screen_floor);
  g_free (cpu);
  g_free (cpu_processed);
  g_free (floor);
  g_free (ratio);
  g_free (threads);
  g_free (switches);
  g_free (caller);
  g_free (callee);

  return 0;
}
