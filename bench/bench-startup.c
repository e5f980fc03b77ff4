/* bench-startup.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Start-up and idle memory of the handset program, logged in, against
 * the floor of an empty GTK4/libadwaita window (this program with
 * --floor: an AdwApplicationWindow of Handset's size with a header bar
 * and a status page), in the same runs, under the same renderer. Each
 * run starts each program afresh: the time from the spawn to the first
 * frame painted (each says so on stderr, from the frame clock's
 * after-paint), then, after IDLE_S seconds, resident memory (VmRSS) and
 * Pss from /proc/PID/smaps_rollup.
 */

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-util.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define RUNS   5
#define IDLE_S 10

/* ------------------------------------------------------------------ the floor */

static void
floor_painted (GdkFrameClock *clock, gpointer data)
{
  g_signal_handlers_disconnect_by_func (clock, floor_painted, data);
  g_printerr ("The first frame is painted\n");
}

static void
floor_realized (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (floor_painted),
                    NULL);
}

static void
floor_activate (GApplication *application)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *status = adw_status_page_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 720, 640);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_status_page_set_title (ADW_STATUS_PAGE (status), "Empty");
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "avatar-default-symbolic");
  gtk_widget_set_vexpand (status, TRUE);
  gtk_box_append (GTK_BOX (box), status);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  g_signal_connect (window, "realize", G_CALLBACK (floor_realized), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

static int
run_floor (void)
{
  g_autoptr (AdwApplication) application =
      adw_application_new ("io.github.handset.BenchFloor", G_APPLICATION_NON_UNIQUE);

  g_signal_connect (application, "activate", G_CALLBACK (floor_activate), NULL);
  return g_application_run (G_APPLICATION (application), 0, NULL);
}

/* ------------------------------------------------------------------ one run */

typedef struct
{
  GDataInputStream *err;
  GPid pid;
  gint64 spawned;
  gint64 painted;
  double cpu; /* CPU seconds the process had used when it painted */
} Start;

static void
line_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Start *start = user_data;
  g_autofree char *line =
      g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, NULL);

  if (line == NULL)
    return;
  if (start->painted == 0 && strstr (line, "The first frame is painted") != NULL)
    {
      start->painted = g_get_monotonic_time ();
      start->cpu = bench_cpu_seconds (start->pid);
    }
  g_data_input_stream_read_line_async (start->err, G_PRIORITY_DEFAULT, NULL, line_read, start);
}

static gboolean
has_painted (gpointer data)
{
  return ((Start *) data)->painted != 0;
}

static double
status_mb (GPid pid, const char *file, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, file);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, field)) == NULL)
    return -1;
  return strtol (line + strlen (field), NULL, 10) / 1024.0;
}

static void
run_once (const char *const *argv,
          const char *renderer,
          double *first_frame,
          double *cpu,
          double *rss,
          double *pss)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  Start start = { 0 };
  GPid pid;

  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", renderer, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "Handset-UI", TRUE);
  start.spawned = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  pid = (GPid) atoi (g_subprocess_get_identifier (process));
  start.pid = pid;
  /* GLib writes debug messages to stdout, the floor to stderr: both read. */
  start.err = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (start.err, G_PRIORITY_DEFAULT, NULL, line_read, &start);
  if (!handset_test_wait_until (has_painted, &start, 60))
    g_error ("%s painted no frame", argv[0]);
  *first_frame = (start.painted - start.spawned) / 1000.0;
  *cpu = start.cpu * 1000.0;

  handset_test_run_for (IDLE_S * 1000);
  *rss = status_mb (pid, "status", "VmRSS:");
  *pss = status_mb (pid, "smaps_rollup", "\nPss:");

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_clear_object (&start.err);
}

/* ------------------------------------------------------------------ the table */

static void
renderer_rows (const char *renderer, const char *self, const char *program)
{
  const char *floor_argv[] = { self, "--floor", NULL };
  const char *app_argv[] = { program, "--profile", "benchstartup", NULL };
  double floor_ms[RUNS], floor_cpu[RUNS], floor_rss[RUNS], floor_pss[RUNS];
  double app_ms[RUNS], app_cpu[RUNS], app_rss[RUNS], app_pss[RUNS], ratio_rss[RUNS],
      ratio_pss[RUNS];
  g_autofree char *figure = NULL;

  for (guint i = 0; i < RUNS; i++)
    {
      run_once (floor_argv, renderer, &floor_ms[i], &floor_cpu[i], &floor_rss[i], &floor_pss[i]);
      run_once (app_argv, renderer, &app_ms[i], &app_cpu[i], &app_rss[i], &app_pss[i]);
      ratio_rss[i] = app_rss[i] / floor_rss[i];
      ratio_pss[i] = app_pss[i] / floor_pss[i];
    }

#define ROW(name, values, decimals, how)                                              \
  G_STMT_START                                                                        \
  {                                                                                   \
    g_autofree char *label = g_strdup_printf ("%s, GSK_RENDERER=%s", name, renderer); \
    bench_row (label, values, RUNS, decimals, how);                                   \
  }                                                                                   \
  G_STMT_END

  ROW ("empty GTK4/libadwaita window: spawn to first frame (ms)", floor_ms, 0,
       "this bench with --floor: from g_subprocess_launcher_spawnv() to the line it writes on the "
       "first GdkFrameClock after-paint");
  ROW ("handset, logged in: spawn to first frame (ms)", app_ms, 0,
       "the same for the program (its Handset-UI debug line \"The first frame is painted\")");
  ROW ("empty GTK4/libadwaita window: CPU time to first frame (ms)", floor_cpu, 0,
       "utime + stime from /proc/PID/stat when the line was read: less moved by other "
       "processes than the wall-clock time");
  ROW ("handset, logged in: CPU time to first frame (ms)", app_cpu, 0, "the same");
  ROW ("empty window: resident memory idle (MB)", floor_rss, 1,
       "VmRSS, " G_STRINGIFY (IDLE_S) " s after the first frame");
  ROW ("handset, logged in: resident memory idle (MB)", app_rss, 1,
       "VmRSS, " G_STRINGIFY (IDLE_S) " s after the first frame (synced, nothing happening)");
  ROW ("handset ÷ empty window, resident memory idle", ratio_rss, 2,
       "each run's two VmRSS figures divided");
  ROW ("empty window: Pss idle (MB)", floor_pss, 1, "Pss from /proc/PID/smaps_rollup");
  ROW ("handset, logged in: Pss idle (MB)", app_pss, 1, "the same");
  ROW ("handset ÷ empty window, Pss idle", ratio_pss, 2, "each run's two Pss figures divided");
#undef ROW
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

int
main (int argc, char *argv[])
{
  const char *program = g_getenv ("HANDSET_PROGRAM");
  g_autoptr (HandsetTestUser) user = NULL;
  g_autofree char *password = NULL;

  if (argc > 1 && g_str_equal (argv[1], "--floor"))
    return run_floor ();

  g_assert_nonnull (program);
  user = handset_test_register ("benchstartup");
  password = g_strconcat (user->password, "\n", NULL);
  {
    const char *login[] = {
      program,       "--profile", "benchstartup", "login", handset_test_homeserver_url (),
      user->user_id, NULL
    };

    g_assert_cmpint (run_cli (login, password), ==, 0);
  }

  renderer_rows ("gl", argv[0], program);
  renderer_rows ("cairo", argv[0], program);

  return 0;
}
