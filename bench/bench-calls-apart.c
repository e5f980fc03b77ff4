/* bench-calls-apart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-calls' plain latencies with the callee in a process of its own
 * (bench-callee), as on two people's machines and as js-sdk's two peers
 * are two browsers: the callee started and told its account on stdin,
 * its lines read as they come, each call placed from this process and
 * its figures and stages put together from both.
 */

#include "config.h"

#include <string.h>

#include "bench-calls.h"
#include "bench-util.h"
#include "handset-test-util.h"

/* The callee in a process of its own (bench-callee), as it is on a
 * person's machine: what it says, as it says it. */

static void
callee_line (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Callee *callee = user_data;
  g_autofree char *line =
      g_data_input_stream_read_line_finish_utf8 (callee->out, result, NULL, NULL);
  g_auto (GStrv) fields = NULL;

  if (line == NULL)
    {
      callee->gone = TRUE;
      return;
    }
  fields = g_strsplit (line, " ", -1);
  if (g_str_equal (fields[0], "ready"))
    callee->ready = TRUE;
  else if (g_str_equal (fields[0], "rang") && fields[1] != NULL)
    callee->rang = g_ascii_strtoll (fields[1], NULL, 10);
  else if (g_str_equal (fields[0], "answered") && fields[1] != NULL)
    callee->answered = g_ascii_strtoll (fields[1], NULL, 10);
  else if (g_str_equal (fields[0], "heard") && fields[1] != NULL)
    callee->heard = g_ascii_strtoll (fields[1], NULL, 10);
  else if (g_str_equal (fields[0], "stages") && g_strv_length (fields) == 8)
    {
      for (guint i = 0; i < 7; i++)
        callee->stages[i] = g_ascii_strtoll (fields[i + 1], NULL, 10);
      callee->has_stages = TRUE;
    }
  g_data_input_stream_read_line_async (callee->out, G_PRIORITY_DEFAULT, NULL, callee_line, callee);
}

static gboolean
callee_ready (gpointer data)
{
  Callee *callee = data;

  return callee->ready || callee->gone;
}

/* Starts bench-callee (next to this program) as @user in @room_id; its
 * account goes on its stdin. */
Callee *
bench_callee_start (const char *self_path, HandsetTestUser *user, const char *room_id)
{
  Callee *callee = g_new0 (Callee, 1);
  g_autofree char *dir = g_path_get_dirname (self_path);
  g_autofree char *path = g_build_filename (dir, "bench-callee", NULL);
  g_autofree char *account = g_strdup_printf ("%s %s %s\n%s\n", user->user_id, user->device_id,
                                              user->access_token, room_id);
  g_autoptr (GError) error = NULL;

  callee->user_id = g_strdup (user->user_id);
  callee->process = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, path, NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (callee->process), account,
                             strlen (account), NULL, NULL, &error);
  g_assert_no_error (error);
  callee->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (callee->process));
  g_data_input_stream_read_line_async (callee->out, G_PRIORITY_DEFAULT, NULL, callee_line, callee);
  if (!handset_test_wait_until (callee_ready, callee, WAIT_S) || callee->gone)
    g_error ("bench-callee did not start");
  return callee;
}

static gboolean
callee_gone (gpointer data)
{
  return ((Callee *) data)->gone;
}

void
bench_callee_stop (Callee *callee)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (callee->process), NULL, NULL);
  /* Its stdout ends with it: no read is pending on what is freed. */
  if (!handset_test_wait_until (callee_gone, callee, WAIT_S))
    g_subprocess_force_exit (callee->process);
  g_subprocess_wait (callee->process, NULL, NULL);
  g_object_unref (callee->out);
  g_object_unref (callee->process);
  g_free (callee->user_id);
  g_free (callee);
}

typedef struct
{
  Device *alice;
  Callee *callee;
} Apart;

static gboolean
apart_done (gpointer data)
{
  Apart *apart = data;

  return apart->callee->gone || (apart->callee->has_stages && bench_heard (apart->alice->tone));
}

/* As one_call(), the callee in its own process. */
void
bench_one_call_apart (Device *alice,
                      Callee *callee,
                      const char *room_id,
                      double *ring,
                      double *to_alice,
                      double *to_bob,
                      double *stages)
{
  g_autoptr (GError) error = NULL;
  Apart apart = { alice, callee };
  BenchStages callee_stages = { 0 };
  HandsetCall *call;
  gint64 placed;

  callee->rang = callee->answered = callee->heard = 0;
  callee->has_stages = FALSE;
  bench_stages_reset (&plan_of (alice)->stages);
  handset_test_tone_reset (alice->tone);
  placed = g_get_monotonic_time ();
  call = handset_call_manager_place_call (alice->manager, room_id, callee->user_id, FALSE, &error);
  g_assert_no_error (error);
  bench_stages_watch_call (&plan_of (alice)->stages, call);
  if (!handset_test_wait_until (apart_done, &apart, WAIT_S) || callee->gone)
    g_error ("the call to the callee's process did not carry audio both ways");

  *ring = (callee->rang - placed) / 1000.0;
  *to_alice = (handset_test_tone_get_first_sound_time (alice->tone) - callee->answered) / 1000.0;
  *to_bob = (callee->heard - callee->answered) / 1000.0;
  callee_stages.answer_built = callee->stages[0];
  callee_stages.answer_handed = callee->stages[1];
  callee_stages.answer_accepted = callee->stages[2];
  callee_stages.ice_connected = callee->stages[3];
  callee_stages.dtls_connected = callee->stages[4];
  callee_stages.first_rtp = callee->stages[5];
  callee_stages.first_out = callee->stages[6];
  bench_stages_since (&plan_of (alice)->stages, &callee_stages, callee->answered, stages);

  handset_call_hangup (call);
  handset_test_wait_until (bench_is_ended, call, WAIT_S);
  handset_test_run_for (500);
}

/* The plain latencies, the callee in a process of its own: the figures
 * set against js-sdk's, whose two peers are two browsers. */
void
bench_apart_latencies (Device *alice, Callee *callee, const char *room_id)
{
  double ring[RUNS], to_alice[RUNS], to_bob[RUNS];
  double stages[RUNS][BENCH_N_STAGES];

  for (guint i = 0; i < RUNS; i++)
    bench_one_call_apart (alice, callee, room_id, &ring[i], &to_alice[i], &to_bob[i], stages[i]);

  for (guint s = 0; s < BENCH_N_STAGES; s++)
    {
      double values[RUNS];
      g_autofree char *figure =
          g_strdup_printf ("Handset↔Handset: answer to %s (ms)", bench_stage_rows[s].figure);

      for (guint i = 0; i < RUNS; i++)
        values[i] = stages[i][s];
      bench_row (figure, values, RUNS, 0, bench_stage_rows[s].how);
    }
  bench_row ("Handset↔Handset: invite to ring (ms)", ring, RUNS, 0,
             "handset_call_manager_place_call() on the caller (this process) to the callee's "
             "incoming-call signal (bench-callee, a process of its own; CLOCK_MONOTONIC in both); "
             "includes making the offer, the send, Synapse, and the callee's /sync");
  bench_row ("Handset↔Handset: answer to first audio at the caller (ms)", to_alice, RUNS, 0,
             "handset_call_answer() in the callee's process, at once on ringing, to the first "
             "sample louder than ±2000 at the caller's sink, an appsink that syncs to the "
             "pipeline's clock, as a speaker plays (440/880 Hz test tones)");
  bench_row ("Handset↔Handset: answer to first audio at the callee (ms)", to_bob, RUNS, 0,
             "same clock start, first loud sample at the callee's sink");

  /* The medians (bench_row() sorted them). */
  bench_summarize ("ring", ring[RUNS / 2]);
  bench_summarize ("toCaller", to_alice[RUNS / 2]);
  bench_summarize ("toCallee", to_bob[RUNS / 2]);
}
