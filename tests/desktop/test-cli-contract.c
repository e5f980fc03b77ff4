/* test-cli-contract.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command line as a contract, tried as a script tries it against the
 * real Synapse: a login hands its session to the running instance however
 * soon after its start it comes, commands are answered from the
 * instance's state at once (whatever it is doing), a command with no
 * instance fails at once and leaves nothing running, and `quit` and the
 * signals of a session's end hang up before Handset goes, as a login
 * handed over in a call does before the new session runs. Every line of
 * `handset calls` is checked against docs/calls-row.schema.json.
 *
 * HANDSET_TEST_ROUNDS sets the rounds of start-then-login (50 of each
 * kind unless told).
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "handset-test-homeserver.h"
#include "handset-test-json-schema.h"
#include "handset-test-util.h"

#define WAIT_S 30
/* What "at once" means here: far above what a command takes on an idle
 * machine, far below a wait for a sync or a keyring. */
#define AT_ONCE_US (1 * G_USEC_PER_SEC)
/* How long a command may run at all before the test calls it hung: more
 * than a login waits for a Handset that starts (60 s), which the first
 * start of GTK in a new session on a loaded machine comes near. */
#define HUNG_S 90

/* Every Handset this test starts ends with it, even when it fails. */
static void
die_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static const char *handset_path;
static GSubprocessLauncher *launcher;
static JsonNode *schema;

typedef struct
{
  char *out;
  char *err;
  int status;
  gint64 elapsed_us;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

typedef struct
{
  GMainLoop *loop;
  GAsyncResult *result;
} Waiting;

static void
done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Waiting *waiting = user_data;

  waiting->result = g_object_ref (result);
  g_main_loop_quit (waiting->loop);
}

static gboolean
hung_cb (gpointer user_data)
{
  g_subprocess_force_exit (user_data);
  return G_SOURCE_REMOVE;
}

/* Waits for @waiting's result; @process is killed after HUNG_S. */
static void
wait_result (Waiting *waiting, GSubprocess *process)
{
  GSource *timeout = g_timeout_source_new_seconds (HUNG_S);

  g_source_set_callback (timeout, hung_cb, process, NULL);
  g_source_attach (timeout, NULL);
  while (waiting->result == NULL)
    g_main_loop_run (waiting->loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

/* Runs handset with the arguments, @stdin_text on its standard input; a
 * run that takes more than HUNG_S fails the test. */
static void
run_handset (Run *run, const char *stdin_text, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  const char *arg;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Waiting waiting = { loop, NULL };
  gint64 started;
  va_list ap;

  g_ptr_array_add (args, (gpointer) handset_path);
  va_start (ap, stdin_text);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  run_clear (run);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                 G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  started = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, stdin_text, NULL, done_cb, &waiting);
  wait_result (&waiting, process);
  g_subprocess_communicate_utf8_finish (process, waiting.result, &run->out, &run->err, &error);
  g_clear_object (&waiting.result);
  g_assert_no_error (error);
  run->elapsed_us = g_get_monotonic_time () - started;
  if (!g_subprocess_get_if_exited (process))
    g_error ("handset %s hung or died after %.1f s: %s", (const char *) args->pdata[args->len - 2],
             run->elapsed_us / (double) G_USEC_PER_SEC, run->err);
  run->status = g_subprocess_get_exit_status (process);
}

static gboolean
name_owned (const char *profile)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autofree char *name = g_strdup_printf ("io.github.handset.Handset.Profile_%s", profile);
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static GSubprocess *
spawn_instance (const char *profile)
{
  const char *args[] = { handset_path, "--profile", profile, NULL };
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  g_autoptr (GSubprocessLauncher) instance = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  g_subprocess_launcher_set_child_setup (instance, die_with_test, NULL, NULL);
  g_subprocess_launcher_setenv (instance, "HANDSET_AUDIO_SRC",
                                "audiotestsrc is-live=true wave=sine freq=440", TRUE);
  g_subprocess_launcher_setenv (instance, "HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  /* What it prints goes with the test's messages, not into its TAP. */
  g_subprocess_launcher_take_stdout_fd (instance, dup (STDERR_FILENO));
  process = g_subprocess_launcher_spawnv (instance, args, &error);
  g_assert_no_error (error);

  return process;
}

static void
wait_owned (const char *profile)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (!name_owned (profile) && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_true (name_owned (profile));
}

/* Up: started, and answering. A Handset owns its name before it has
 * started (GTK, the devices, the window), and answers only after. */
static void
wait_up (const char *profile)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autofree char *name = g_strdup_printf ("io.github.handset.Handset.Profile_%s", profile);
  g_autofree char *path = g_strdup_printf ("/io/github/handset/Handset/Profile_%s", profile);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  wait_owned (profile);
  reply =
      g_dbus_connection_call_sync (bus, name, path, "org.gtk.Actions", "DescribeAll", NULL, NULL,
                                   G_DBUS_CALL_FLAGS_NO_AUTO_START, WAIT_S * 1000, NULL, &error);
  g_assert_no_error (error);
}

/* Waits for @process to end on its own; it must exit 0. */
static void
wait_exit_0 (GSubprocess *process)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Waiting waiting = { loop, NULL };

  g_subprocess_wait_async (process, NULL, done_cb, &waiting);
  wait_result (&waiting, process);
  g_assert_true (g_subprocess_wait_finish (process, waiting.result, NULL));
  g_clear_object (&waiting.result);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static void
quit_instance (const char *profile, GSubprocess *process)
{
  g_auto (Run) run = { 0 };

  run_handset (&run, NULL, "--profile", profile, "quit", NULL);
  g_assert_cmpint (run.status, ==, 0);
  wait_exit_0 (process);
  g_assert_false (name_owned (profile));
}

static void
login (Run *run, const char *profile, HandsetTestUser *user)
{
  g_autofree char *password = g_strconcat (user->password, "\n", NULL);

  run_handset (run, password, "--profile", profile, "login", handset_test_homeserver_url (),
               user->user_id, NULL);
}

/* ------------------------------------------------------------------ asking the instance */

/* The command's output, as the instance prints it to a command line. */
static void
print_cb (GDBusConnection *connection,
          const char *sender,
          const char *object_path,
          const char *interface_name,
          const char *method_name,
          GVariant *parameters,
          GDBusMethodInvocation *invocation,
          gpointer user_data)
{
  GString **texts = user_data;
  const char *text = NULL;

  g_variant_get (parameters, "(&s)", &text);
  g_string_append (texts[g_str_equal (method_name, "Print") ? 0 : 1], text);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
call_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Waiting *waiting = user_data;

  waiting->result = g_object_ref (result);
  g_main_loop_quit (waiting->loop);
}

/* `handset calls` as the command sends it to the instance (GApplication's
 * org.gtk.Application.CommandLine), timed from the request to the answer:
 * what the instance takes, without the start of a process, which a loaded
 * machine slows whatever Handset does. */
static void
ask_instance (Run *run, const char *profile)
{
  static const char xml[] = "<node><interface name='org.gtk.private.CommandLine'>"
                            "<method name='Print'><arg type='s' direction='in'/></method>"
                            "<method name='PrintError'><arg type='s' direction='in'/></method>"
                            "</interface></node>";
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *name = g_strdup_printf ("io.github.handset.Handset.Profile_%s", profile);
  g_autofree char *path = g_strdup_printf ("/io/github/handset/Handset/Profile_%s", profile);
  const char *const argv[] = { "handset", "--profile", profile, "calls", NULL };
  const GDBusInterfaceVTable vtable = { print_cb, NULL, NULL, { 0 } };
  GString *texts[2] = { g_string_new (NULL), g_string_new (NULL) };
  Waiting waiting = { loop, NULL };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  GVariantBuilder platform;
  gint64 started;
  guint registration;

  registration = g_dbus_connection_register_object (
      bus, "/org/example/CommandLine", info->interfaces[0], &vtable, texts, NULL, NULL);
  g_variant_builder_init (&platform, G_VARIANT_TYPE_VARDICT);
  started = g_get_monotonic_time ();
  g_dbus_connection_call (bus, name, path, "org.gtk.Application", "CommandLine",
                          g_variant_new ("(o^aay@a{sv})", "/org/example/CommandLine", argv,
                                         g_variant_builder_end (&platform)),
                          G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, HUNG_S * 1000,
                          NULL, call_done_cb, &waiting);
  while (waiting.result == NULL)
    g_main_loop_run (loop);
  run->elapsed_us = g_get_monotonic_time () - started;
  reply = g_dbus_connection_call_finish (bus, waiting.result, &error);
  g_clear_object (&waiting.result);
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_dbus_connection_unregister_object (bus, registration);
  run_clear (run);
  g_variant_get (reply, "(i)", &run->status);
  run->out = g_string_free (texts[0], FALSE);
  run->err = g_string_free (texts[1], FALSE);
}

/* Slowest answers, for the figures printed. */
static gint64 slowest_command_us;
static gint64 slowest_answer_us;

/* `handset calls` as a script runs it (every line as the schema says,
 * never hung), then as the command asks the instance: that answer comes
 * at once, the same. */
static void
calls_bounded (Run *run, const char *profile, gboolean bounded)
{
  g_auto (Run) asked = { 0 };

  run_handset (run, NULL, "--profile", profile, "calls", NULL);
  if (run->status == 0)
    handset_test_assert_calls_rows (schema, run->out);
  slowest_command_us = MAX (slowest_command_us, run->elapsed_us);
  if (run->status == 0 || strstr (run->err, "not running") == NULL)
    {
      ask_instance (&asked, profile);
      slowest_answer_us = MAX (slowest_answer_us, asked.elapsed_us);
      if (bounded && asked.elapsed_us >= AT_ONCE_US)
        g_error ("Handset took %.2f s to answer `calls`",
                 asked.elapsed_us / (double) G_USEC_PER_SEC);
      if (asked.status == 0)
        handset_test_assert_calls_rows (schema, asked.out);
    }
}

static void
calls_at_once (Run *run, const char *profile)
{
  calls_bounded (run, profile, TRUE);
}

static void
print_slowest (const char *what)
{
  g_test_message ("%s: the slowest `handset calls` took %.3f s, of which the instance's answer "
                  "at most %.3f s",
                  what, slowest_command_us / (double) G_USEC_PER_SEC,
                  slowest_answer_us / (double) G_USEC_PER_SEC);
  slowest_command_us = slowest_answer_us = 0;
}

static JsonObject *
first_row (const char *out)
{
  g_auto (GStrv) lines = g_strsplit (out, "\n", 2);
  g_autoptr (JsonNode) node = NULL;

  if (lines[0] == NULL || lines[0][0] == '\0')
    return NULL;
  node = json_from_string (lines[0], NULL);
  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
wait_row (const char *profile, const char *state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_auto (Run) run = { 0 };
      g_autoptr (JsonObject) row = NULL;

      calls_at_once (&run, profile);
      if (run.status == 0 && (row = first_row (run.out)) != NULL &&
          g_strcmp0 (json_object_get_string_member (row, "state"), state) == 0)
        return g_steal_pointer (&row);
      g_usleep (100000);
    }
  return NULL;
}

static GVariant *
dbus_property (const char *name, const char *path, const char *iface, const char *property)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  GVariant *value = NULL;

  reply =
      g_dbus_connection_call_sync (bus, name, path, "org.freedesktop.DBus.Properties", "Get",
                                   g_variant_new ("(ss)", iface, property), G_VARIANT_TYPE ("(v)"),
                                   G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static guint
devices_of (HandsetTestUser *user)
{
  g_autoptr (JsonNode) devices = NULL;
  guint status = 0;

  devices =
      handset_test_request ("GET", "/_matrix/client/v3/devices", user->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  return json_array_get_length (
      json_object_get_array_member (json_node_get_object (devices), "devices"));
}

/* ------------------------------------------------------------------ no instance */

/* Every command but starting the app fails at once when no Handset runs
 * for the profile (exit 3, the reason said), and none of them becomes
 * the instance. */
static void
test_no_instance (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  const char *const commands[][3] = {
    { "calls" },
    { "answer" },
    { "reject" },
    { "hangup" },
    { "hold" },
    { "resume" },
    { "mute" },
    { "unmute" },
    { "verify" },
    { "logout" },
    { "quit" },
    { "call", "@nobody:localhost" },
    { "answer", "somecall", "--video" },
  };

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");

  for (guint logged_in = 0; logged_in < 2; logged_in++)
    {
      const char *profile = logged_in ? "ccnoneli" : "ccnone";

      if (logged_in)
        {
          g_auto (Run) run = { 0 };

          login (&run, profile, alice);
          g_assert_cmpint (run.status, ==, 0);
        }
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        {
          g_auto (Run) run = { 0 };

          g_auto (Run) start = { 0 };

          /* What starting the program takes here and now, whatever it
           * does: the command may take a second more, no more. */
          run_handset (&start, NULL, "--version", NULL);
          run_handset (&run, NULL, "--profile", profile, commands[i][0], commands[i][1],
                       commands[i][2], NULL);
          g_test_message ("%s %s: %d in %.3f s (--version %.3f s): %s", profile, commands[i][0],
                          run.status, run.elapsed_us / (double) G_USEC_PER_SEC,
                          start.elapsed_us / (double) G_USEC_PER_SEC, run.err);
          g_assert_cmpint (run.status, ==, 3);
          g_assert_cmpint (run.elapsed_us, <, start.elapsed_us + AT_ONCE_US);
          g_assert_nonnull (strstr (run.err, logged_in ? "not running" : "Not logged in"));
          g_assert_false (name_owned (profile));
        }
    }
}

/* ------------------------------------------------------------------ login */

static guint
rounds (void)
{
  const char *value = g_getenv ("HANDSET_TEST_ROUNDS");

  return value ? (guint) g_ascii_strtoull (value, NULL, 10) : 50;
}

/* Handset started, then `handset login` right away (or after up to
 * @delay_ms once the instance is up): "Logged in as" means the instance
 * has the session or, when the login came before the instance took the
 * profile's name, that the instance restores it as it starts. So `calls`
 * right after answers at once: 0, or "Not logged in" (3) only while an
 * instance that started after the login still restores it, and never for
 * an instance that was up before the login. A login is lost when the
 * instance never lists its calls. The session of the round before, which
 * the instance restored, is logged out at the homeserver: at the end the
 * account has the test's own device and Handset's, nothing else. */
static void
login_rounds (const char *profile, guint delay_ms)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  guint n = rounds ();
  guint lost = 0, restoring = 0;
  gint64 started = g_get_monotonic_time ();

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GSubprocess) app = spawn_instance (profile);
      g_auto (Run) run = { 0 };
      gint64 deadline;

      if (delay_ms > 0)
        {
          wait_up (profile);
          g_usleep ((g_random_int () % delay_ms) * 1000);
        }
      login (&run, profile, alice);
      g_test_message ("round %u: login: %d %s%s", i, run.status, run.out, run.err);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "Logged in as"));

      /* Without a delay, the instance may still be starting: its answer
       * waits for that (see print_slowest's figures), never for a sync. */
      calls_bounded (&run, profile, delay_ms > 0);
      if (run.status != 0)
        {
          g_test_message ("round %u: %s", i, run.err);
          g_assert_cmpuint (delay_ms, ==, 0);
          restoring++;
        }
      deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
      while (run.status != 0 && g_get_monotonic_time () < deadline)
        {
          g_usleep (100000);
          calls_bounded (&run, profile, delay_ms > 0);
        }
      if (run.status != 0)
        {
          g_test_message ("round %u: the login was lost: %s", i, run.err);
          lost++;
        }
      quit_instance (profile, app);
    }

  g_test_message ("%u rounds (%s) in %.1f s, %u lost, %u answered \"Not logged in\" at first", n,
                  delay_ms ? "with a delay" : "no delay",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC, lost, restoring);
  print_slowest ("after each login");
  g_assert_cmpuint (lost, ==, 0);
  g_assert_cmpuint (devices_of (alice), ==, 2);
}

static void
test_login_no_delay (void)
{
  login_rounds ("cclogin0", 0);
}

static void
test_login_delayed (void)
{
  login_rounds ("cclogin1", 1500);
}

/* A login while no instance runs, then Handset started: it restores that
 * session; a second login, with no instance either, logs the first
 * device out. */
static void
test_login_then_start (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_auto (Run) run = { 0 };
  gint64 deadline;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  login (&run, "cclater", alice);
  g_assert_cmpint (run.status, ==, 0);
  login (&run, "cclater", alice);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (devices_of (alice), ==, 2);

  app = spawn_instance ("cclater");
  wait_up ("cclater");
  deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  do
    calls_at_once (&run, "cclater");
  while (run.status != 0 && g_get_monotonic_time () < deadline && (g_usleep (100000), TRUE));
  g_assert_cmpint (run.status, ==, 0);
  quit_instance ("cclater", app);
}

/* ------------------------------------------------------------------ at once */

#define VIDEO_OFFER                                                                            \
  "v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"                                \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\na=rtpmap:111 opus/48000/2\\r\\n" \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\\r\\nc=IN IP4 0.0.0.0\\r\\na=rtpmap:96 VP8/90000\\r\\n"

static void
set_display_name (HandsetTestUser *user, const char *name)
{
  g_autofree char *path = NULL;
  g_autofree char *body = g_strdup_printf ("{\"displayname\": \"%s\"}", name);
  g_autofree char *escaped = g_uri_escape_string (user->user_id, NULL, FALSE);
  g_autoptr (JsonNode) reply = NULL;
  guint status = 0;

  path = g_strdup_printf ("/_matrix/client/v3/profile/%s/displayname", escaped);
  reply = handset_test_request ("PUT", path, user->access_token, body, &status);
  g_assert_cmpuint (status, ==, 200);
}

/* 200 `calls` in a row while a video call from bob rings: each at once,
 * each with bob's display name and "video": true from his offer. */
static void
test_calls_while_ringing (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autoptr (JsonObject) row = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *call_id = g_strdup_printf ("cc%08x", g_random_int ());
  g_auto (Run) run = { 0 };
  gint64 total = 0;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  set_display_name (bob, "Bob Contract");
  room_id = handset_test_create_direct_room (bob, alice);
  handset_test_join (alice, room_id);
  login (&run, "ccring", alice);
  g_assert_cmpint (run.status, ==, 0);
  app = spawn_instance ("ccring");
  wait_up ("ccring");
  /* Up: its first sync is done once the call below rings. */
  invite =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"bobparty\", \"version\": \"1\","
                       " \"lifetime\": 90000, \"offer\": {\"type\": \"offer\", \"sdp\": \"%s\"}}",
                       call_id, VIDEO_OFFER);
  g_free (handset_test_send_event (bob, room_id, "m.call.invite", invite));
  row = wait_row ("ccring", "ringing");
  g_assert_nonnull (row);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (JsonObject) ringing = NULL;

      calls_at_once (&run, "ccring");
      g_assert_cmpint (run.status, ==, 0);
      total += run.elapsed_us;
      ringing = first_row (run.out);
      g_assert_cmpstr (json_object_get_string_member (ringing, "call_id"), ==, call_id);
      g_assert_cmpstr (json_object_get_string_member (ringing, "state"), ==, "ringing");
      g_assert_cmpstr (json_object_get_string_member (ringing, "opponent_user_id"), ==,
                       bob->user_id);
      g_assert_cmpstr (json_object_get_string_member (ringing, "opponent_display_name"), ==,
                       "Bob Contract");
      g_assert_true (json_object_get_boolean_member (ringing, "video"));
      g_assert_false (json_object_get_boolean_member (ringing, "encrypted"));
      g_assert_false (json_object_get_boolean_member (ringing, "peer_verified"));
    }
  /* D-Bus says the same of the call. */
  {
    const char *name = "io.github.handset.Handset.Profile_ccring";
    g_autoptr (GVariant) paths =
        dbus_property (name, "/io/github/handset/Handset/Profile_ccring/Calls",
                       "io.github.handset.Handset.CallManager", "Calls");
    const char *path = NULL;
    g_autoptr (GVariant) value = NULL;

    g_assert_cmpuint (g_variant_n_children (paths), ==, 1);
    g_variant_get_child (paths, 0, "&o", &path);
    value = dbus_property (name, path, "io.github.handset.Handset.Call", "CallId");
    g_assert_cmpstr (g_variant_get_string (value, NULL), ==, call_id);
    g_clear_pointer (&value, g_variant_unref);
    value = dbus_property (name, path, "io.github.handset.Handset.Call", "OpponentDisplayName");
    g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Bob Contract");
    g_clear_pointer (&value, g_variant_unref);
    value = dbus_property (name, path, "io.github.handset.Handset.Call", "Video");
    g_assert_true (g_variant_get_boolean (value));
    g_clear_pointer (&value, g_variant_unref);
    value = dbus_property (name, path, "io.github.handset.Handset.Call", "Encrypted");
    g_assert_false (g_variant_get_boolean (value));
    g_clear_pointer (&value, g_variant_unref);
    value = dbus_property (name, path, "io.github.handset.Handset.Call", "PeerVerified");
    g_assert_false (g_variant_get_boolean (value));
  }

  g_test_message ("200 calls while ringing: mean %.3f s", total / 200.0 / G_USEC_PER_SEC);
  print_slowest ("while ringing");

  /* SIGHUP: the ringing call is declined before Handset goes. */
  g_subprocess_send_signal (app, SIGHUP);
  wait_exit_0 (app);
  g_assert_nonnull (handset_test_wait_for_event (bob, room_id, "m.call.reject", call_id, 10));
}

/* 200 `calls` in a row from the login on, while the instance makes its
 * first sync of an account in many rooms: each at once, each either a
 * list (0) or "Not logged in" (3) while the session is being restored. */
static void
test_calls_while_syncing (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_auto (Run) run = { 0 };
  gint64 total = 0;
  guint answered = 0;
  guint n_rooms = 60;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  for (guint i = 0; i < n_rooms; i++)
    {
      g_autofree char *room_id = handset_test_create_direct_room (bob, alice);

      handset_test_join (alice, room_id);
      for (guint j = 0; j < 5; j++)
        g_free (handset_test_send_event (bob, room_id, "m.room.message",
                                         "{\"msgtype\": \"m.text\", \"body\": \"hello\"}"));
    }

  app = spawn_instance ("ccsync");
  wait_up ("ccsync");
  login (&run, "ccsync", alice);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < 200; i++)
    {
      calls_at_once (&run, "ccsync");
      g_assert_true (run.status == 0 || run.status == 3);
      answered += run.status == 0;
      total += run.elapsed_us;
    }
  g_test_message ("200 calls while syncing %u rooms: mean %.3f s, %u listed", n_rooms,
                  total / 200.0 / G_USEC_PER_SEC, answered);
  print_slowest ("while syncing");
  /* The login handed over: the instance is logged in from the first. */
  g_assert_cmpuint (answered, ==, 200);
  quit_instance ("ccsync", app);
}

/* ------------------------------------------------------------------ quit */

/* A connected call between two instances, then alice's Handset told to
 * stop (`handset quit` or a signal): bob's Handset hears the hangup, and
 * alice's exits 0. Or ("login") a new session of alice's handed to her
 * running Handset: bob hears the hangup, and her Handset runs on. */
static void
quit_in_call (const char *how)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) alice_app = NULL;
  g_autoptr (GSubprocess) bob_app = NULL;
  g_autoptr (JsonObject) row = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *a = g_strdup_printf ("ccq%sa", how);
  g_autofree char *b = g_strdup_printf ("ccq%sb", how);
  g_auto (Run) run = { 0 };
  gint64 asked;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);
  login (&run, a, alice);
  g_assert_cmpint (run.status, ==, 0);
  login (&run, b, bob);
  g_assert_cmpint (run.status, ==, 0);
  alice_app = spawn_instance (a);
  bob_app = spawn_instance (b);
  wait_up (a);
  wait_up (b);

  /* Placing waits for the first sync: not a command answered at once. */
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

    do
      run_handset (&run, NULL, "--profile", a, "call", bob->user_id, NULL);
    while (run.status == 3 && g_get_monotonic_time () < deadline && (g_usleep (200000), TRUE));
  }
  g_assert_cmpint (run.status, ==, 0);
  call_id = g_strdup (g_strstrip (run.out));
  row = wait_row (b, "ringing");
  g_assert_nonnull (row);
  run_handset (&run, NULL, "--profile", b, "answer", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&row, json_object_unref);
  row = wait_row (a, "connected");
  g_assert_nonnull (row);
  g_clear_pointer (&row, json_object_unref);
  row = wait_row (b, "connected");
  g_assert_nonnull (row);
  g_clear_pointer (&row, json_object_unref);

  asked = g_get_monotonic_time ();
  if (g_str_equal (how, "quit"))
    {
      run_handset (&run, NULL, "--profile", a, "quit", NULL);
      g_assert_cmpint (run.status, ==, 0);
    }
  else if (g_str_equal (how, "login"))
    {
      /* A new session handed over: the old one's call ends first. */
      login (&run, a, alice);
      g_assert_cmpint (run.status, ==, 0);
      g_test_message ("alice's new session taken %.2f s after login began",
                      (g_get_monotonic_time () - asked) / (double) G_USEC_PER_SEC);
    }
  else
    g_subprocess_send_signal (alice_app, g_str_equal (how, "term") ? SIGTERM : SIGINT);
  if (!g_str_equal (how, "login"))
    {
      wait_exit_0 (alice_app);
      g_test_message ("alice's Handset stopped %.2f s after %s",
                      (g_get_monotonic_time () - asked) / (double) G_USEC_PER_SEC, how);
      g_assert_false (name_owned (a));
    }

  row = wait_row (b, "ended");
  g_assert_nonnull (row);
  g_assert_cmpstr (json_object_get_string_member (row, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (row, "end_reason"), ==, "remote_hangup");
  if (g_str_equal (how, "login"))
    quit_instance (a, alice_app);
  quit_instance (b, bob_app);
}

static void
test_quit_in_call (void)
{
  quit_in_call ("quit");
}

static void
test_sigterm_in_call (void)
{
  quit_in_call ("term");
}

static void
test_sigint_in_call (void)
{
  quit_in_call ("int");
}

/* `handset login` while a call goes on: the call ends for the other side
 * before the new session runs, as when quitting; the instance stays. */
static void
test_login_in_call (void)
{
  quit_in_call ("login");
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_test_init (&argc, &argv, NULL);
  handset_path = g_getenv ("HANDSET_PROGRAM");
  g_assert_nonnull (handset_path);
  schema = handset_test_json_schema_load ("calls-row.schema.json");

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SRC",
                                "audiotestsrc is-live=true wave=sine freq=440", TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);

  g_test_add_func ("/cli-contract/no-instance", test_no_instance);
  g_test_add_func ("/cli-contract/login-no-delay", test_login_no_delay);
  g_test_add_func ("/cli-contract/login-delayed", test_login_delayed);
  g_test_add_func ("/cli-contract/login-then-start", test_login_then_start);
  g_test_add_func ("/cli-contract/calls-while-ringing", test_calls_while_ringing);
  g_test_add_func ("/cli-contract/calls-while-syncing", test_calls_while_syncing);
  g_test_add_func ("/cli-contract/quit-in-call", test_quit_in_call);
  g_test_add_func ("/cli-contract/sigterm-in-call", test_sigterm_in_call);
  g_test_add_func ("/cli-contract/sigint-in-call", test_sigint_in_call);
  g_test_add_func ("/cli-contract/login-in-call", test_login_in_call);

  status = g_test_run ();
  g_clear_object (&launcher);
  g_clear_pointer (&schema, json_node_unref);
  handset_test_remove_tree (home);

  return status;
}
