/* test-media-two-processes.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The two ends of a call in two processes (media-peer), on 127.0.0.1, as
 * two devices would be: no shared DTLS certificate, GStreamer registry or
 * main loop. The test only relays their signalling lines, and checks that
 * each hears the other's tone; and that a peer given an unreadable
 * description fails cleanly, with exit status 1 and a reason.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>

#define HEAR_TIMEOUT_S 30
#define EXIT_TIMEOUT_S 10

typedef struct _Child Child;

struct _Child
{
  const char *name;
  GSubprocess *process;
  GDataInputStream *out;
  GDataInputStream *err;
  GOutputStream *in;
  Child *other;
  GString *stderr_text;
  /* Lines of this type from this child reach the other with a broken SDP. */
  const char *corrupt_type;

  guint pending; /* asynchronous calls not yet returned */
  gboolean out_done;
  gboolean err_done;
  gboolean exited;
  gboolean heard;
  double hz;
  double rms;
};

static GCancellable *cancellable;

static void read_out (Child *child);
static void read_err (Child *child);

static void
forward (Child *from, const char *line)
{
  Child *to = from->other;
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  g_autoptr (GError) error = NULL;

  if (to->in == NULL)
    return;
  /* A peer that has already left cannot be written to; its exit status
   * tells the test why. */
  if (!g_output_stream_write_all (to->in, text, strlen (text), NULL, cancellable, &error) ||
      !g_output_stream_flush (to->in, cancellable, &error))
    {
      g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED));
      g_test_message ("%s: not forwarded: %s", to->name, error->message);
    }
}

static void
handle_line (Child *child, const char *line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = json_from_string (line, &error);
  JsonObject *object;
  const char *type;

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  type = json_object_get_string_member (object, "type");
  g_assert_nonnull (type);

  if (g_str_equal (type, "heard"))
    {
      child->heard = TRUE;
      child->hz = json_object_get_double_member (object, "hz");
      child->rms = json_object_get_double_member (object, "rms");
      g_test_message ("%s heard %.1f Hz at RMS %.0f", child->name, child->hz, child->rms);
    }
  else if (g_strcmp0 (type, child->corrupt_type) == 0)
    {
      g_autofree char *broken = NULL;

      json_object_set_string_member (object, "sdp", "garbage");
      broken = json_to_string (root, FALSE);
      g_test_message ("%s's %s corrupted on the way", child->name, type);
      forward (child, broken);
    }
  else
    forward (child, line);
}

static void
out_line_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object),
                                                                     result, NULL, &error);

  child->pending--;
  if (line == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_assert_no_error (error);
      child->out_done = TRUE;
      return;
    }
  handle_line (child, line);
  read_out (child);
}

static void
read_out (Child *child)
{
  child->pending++;
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, cancellable, out_line_read,
                                       child);
}

static void
err_line_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line =
      g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, &error);

  child->pending--;
  if (line == NULL)
    {
      child->err_done = TRUE;
      return;
    }
  /* In the test's log, where a failure is looked into. */
  g_test_message ("%s stderr: %s", child->name, line);
  g_string_append_printf (child->stderr_text, "%s\n", line);
  read_err (child);
}

static void
read_err (Child *child)
{
  child->pending++;
  g_data_input_stream_read_line_async (child->err, G_PRIORITY_DEFAULT, cancellable, err_line_read,
                                       child);
}

static void
exited (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;

  child->pending--;
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  child->exited = TRUE;
}

static void
child_start (Child *child, const char *name, const char *role, const char *hz)
{
  const char *peer = g_getenv ("HANDSET_MEDIA_PEER");
  g_autoptr (GError) error = NULL;

  /* Set by tests/meson.build. */
  g_assert_nonnull (peer);
  child->name = name;
  child->stderr_text = g_string_new (NULL);
  child->process =
      g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE,
                        &error, peer, role, hz, NULL);
  g_assert_no_error (error);
  child->in = g_object_ref (g_subprocess_get_stdin_pipe (child->process));
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
  child->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (child->process));

  read_out (child);
  read_err (child);
  child->pending++;
  g_subprocess_wait_async (child->process, cancellable, exited, child);
}

static void
child_close_stdin (Child *child)
{
  if (child->in != NULL)
    g_output_stream_close (child->in, NULL, NULL);
  g_clear_object (&child->in);
}

static void
child_clear (Child *child)
{
  g_clear_object (&child->process);
  g_clear_object (&child->out);
  g_clear_object (&child->err);
  g_clear_object (&child->in);
  g_string_free (child->stderr_text, TRUE);
}

static gboolean
timed_out_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @done or @timeout_s; FALSE on timeout. */
static gboolean
run_until (gboolean (*done) (Child *, Child *), Child *a, Child *b, guint timeout_s)
{
  gboolean timed_out = FALSE;
  guint timer = g_timeout_add_seconds (timeout_s, timed_out_cb, &timed_out);

  while (!done (a, b) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timer);

  return !timed_out;
}

static gboolean
both_heard_or_one_left (Child *a, Child *b)
{
  return (a->heard && b->heard) || a->exited || b->exited;
}

static gboolean
first_exited (Child *a, Child *b)
{
  return a->exited;
}

/* Exited, and all of stdout and stderr read. */
static gboolean
both_finished (Child *a, Child *b)
{
  return a->exited && a->out_done && a->err_done && b->exited && b->out_done && b->err_done;
}

static gboolean
nothing_pending (Child *a, Child *b)
{
  return a->pending == 0 && b->pending == 0;
}

/* A peer that hangs is killed, so the failure is the test's, not a hang. */
static void
stop (Child *offerer, Child *answerer)
{
  child_close_stdin (offerer);
  child_close_stdin (answerer);
  if (!run_until (both_finished, offerer, answerer, EXIT_TIMEOUT_S))
    {
      g_subprocess_force_exit (offerer->process);
      g_subprocess_force_exit (answerer->process);
      g_assert_true (run_until (both_finished, offerer, answerer, EXIT_TIMEOUT_S));
      g_assert_not_reached ();
    }
}

static void
log_exit_status (Child *child)
{
  if (g_subprocess_get_if_exited (child->process))
    g_test_message ("%s: exit status %d", child->name,
                    g_subprocess_get_exit_status (child->process));
  else
    g_test_message ("%s: killed by signal %d", child->name,
                    g_subprocess_get_term_sig (child->process));
}

static void
assert_exit_status (Child *child, int expected)
{
  log_exit_status (child);
  g_assert_true (g_subprocess_get_if_exited (child->process));
  g_assert_cmpint (g_subprocess_get_exit_status (child->process), ==, expected);
}

static void
assert_heard (Child *child, double expected_hz)
{
  g_assert_true (child->heard);
  g_assert_cmpfloat (child->rms, >, 500);
  g_assert_cmpfloat (fabs (child->hz - expected_hz), <, expected_hz * 0.05);
}

static void
pair_start (Child *offerer, Child *answerer)
{
  cancellable = g_cancellable_new ();
  offerer->other = answerer;
  answerer->other = offerer;
  child_start (offerer, "offerer", "offer", "440");
  child_start (answerer, "answerer", "answer", "880");
}

static void
pair_clear (Child *offerer, Child *answerer)
{
  g_cancellable_cancel (cancellable);
  g_assert_true (run_until (nothing_pending, offerer, answerer, EXIT_TIMEOUT_S));
  child_clear (offerer);
  child_clear (answerer);
  g_clear_object (&cancellable);
}

static void
test_tones_both_ways (void)
{
  Child offerer = { 0 }, answerer = { 0 };
  gboolean in_time, offerer_left, answerer_left;

  pair_start (&offerer, &answerer);

  in_time = run_until (both_heard_or_one_left, &offerer, &answerer, HEAR_TIMEOUT_S);
  offerer_left = offerer.exited;
  answerer_left = answerer.exited;
  /* Exit statuses and stderr first: they say why nothing was heard. */
  if (!in_time || offerer_left || answerer_left)
    {
      stop (&offerer, &answerer);
      log_exit_status (&offerer);
      log_exit_status (&answerer);
    }
  g_assert_true (in_time);
  g_assert_false (offerer_left);
  g_assert_false (answerer_left);

  assert_heard (&answerer, 440);
  assert_heard (&offerer, 880);

  stop (&offerer, &answerer);
  assert_exit_status (&offerer, 0);
  assert_exit_status (&answerer, 0);

  pair_clear (&offerer, &answerer);
}

/* @type ("offer" or "answer") arrives as "garbage": its receiver fails with
 * a reason and exit status 1, and the other end still leaves cleanly. */
static void
test_corrupt (gconstpointer data)
{
  const char *type = data;
  Child offerer = { 0 }, answerer = { 0 };
  gboolean offer_broken = g_str_equal (type, "offer");
  Child *sender = offer_broken ? &offerer : &answerer;
  Child *receiver = offer_broken ? &answerer : &offerer;

  sender->corrupt_type = type;
  pair_start (&offerer, &answerer);

  if (!run_until (first_exited, receiver, NULL, HEAR_TIMEOUT_S))
    {
      stop (&offerer, &answerer);
      g_assert_not_reached ();
    }
  stop (&offerer, &answerer);

  assert_exit_status (receiver, 1);
  g_assert_nonnull (strstr (receiver->stderr_text->str, "media-peer"));
  g_assert_false (receiver->heard);
  assert_exit_status (sender, 0);

  pair_clear (&offerer, &answerer);
}

int
main (int argc, char *argv[])
{
  /* The peers inherit it: they touch only 127.0.0.1. */
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  /* Writing to a peer that has just failed must not kill the test. */
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media-two-processes/tones-both-ways", test_tones_both_ways);
  g_test_add_data_func ("/media-two-processes/corrupt-offer", "offer", test_corrupt);
  g_test_add_data_func ("/media-two-processes/corrupt-answer", "answer", test_corrupt);

  return g_test_run ();
}
