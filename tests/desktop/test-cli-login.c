/* test-cli-login.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `handset login` when the new login cannot be kept, against the real
 * Synapse: the running Handset does not take it in time, or the keyring
 * cannot keep its token. The profile keeps the login it had (the store
 * names its device, which stays live at the homeserver, and a new start
 * restores it), the new device is logged out, and the command says why.
 * A handover asked for after it was given up is refused at once, and the
 * running session, a ringing call and all, goes on. A handover whose token
 * the keyring lists a moment late is taken all the same. Two logins at
 * once leave one device at the homeserver, the one the profile keeps.
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "handset-account.h"
#include "handset-secret-store.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 30
/* Far above what a command takes on an idle machine, far below a restore
 * of a session. */
#define AT_ONCE_US (1 * G_USEC_PER_SEC)
/* How long the login waits for the stopped Handset here. */
#define HANDOVER_TIMEOUT "3000"
#define HUNG_S           90

static const char *handset_path;

/* Every Handset this test starts ends with it, even when it fails. */
static void
die_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

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

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SRC",
                                "audiotestsrc is-live=true wave=sine freq=440", TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  return launcher;
}

/* A `handset login` going on, and what it said once done. */
typedef struct
{
  GSubprocess *process;
  gint64 started;
  gboolean done;
  Run run;
} Running;

static void
login_finished (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Running *running = user_data;
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &running->run.out,
                                        &running->run.err, &error);
  g_assert_no_error (error);
  running->run.elapsed_us = g_get_monotonic_time () - running->started;
  g_assert_true (g_subprocess_get_if_exited (running->process));
  running->run.status = g_subprocess_get_exit_status (running->process);
  g_test_message ("login: %d in %.1f s: %s%s", running->run.status,
                  running->run.elapsed_us / (double) G_USEC_PER_SEC, running->run.out,
                  running->run.err);
  running->done = TRUE;
}

/* Starts `handset --profile @profile login` for @user, the password on
 * standard input, with @variable set to @value (both may be %NULL). */
static void
login_start (Running *running,
             const char *profile,
             HandsetTestUser *user,
             const char *variable,
             const char *value)
{
  g_autoptr (GSubprocessLauncher) launcher =
      launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                    G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *password = g_strconcat (user->password, "\n", NULL);
  g_autoptr (GError) error = NULL;

  if (variable != NULL)
    g_subprocess_launcher_setenv (launcher, variable, value, TRUE);
  running->started = g_get_monotonic_time ();
  running->process =
      g_subprocess_launcher_spawn (launcher, &error, handset_path, "--profile", profile, "login",
                                   handset_test_homeserver_url (), user->user_id, NULL);
  g_assert_no_error (error);
  /* The password is copied on its way. */
  g_subprocess_communicate_utf8_async (running->process, password, NULL, login_finished, running);
}

static void
running_clear (Running *running)
{
  g_clear_object (&running->process);
  run_clear (&running->run);
}

static gboolean
login_done (gpointer data)
{
  return ((Running *) data)->done;
}

/* `handset --profile @profile login`, waited for; see login_start(). */
static void
login (Run *run,
       const char *profile,
       HandsetTestUser *user,
       const char *variable,
       const char *value)
{
  Running running = { 0 };

  run_clear (run);
  login_start (&running, profile, user, variable, value);
  g_assert_true (handset_test_wait_until (login_done, &running, HUNG_S));
  *run = running.run;
  running.run = (Run){ 0 };
  running_clear (&running);
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
  g_autoptr (GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  /* What it prints goes with the test's messages, not into its TAP. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  process =
      g_subprocess_launcher_spawn (launcher, &error, handset_path, "--profile", profile, NULL);
  g_assert_no_error (error);
  return process;
}

/* ------------------------------------------------------------------ asking the instance */

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

/* The command line @argv (after "handset --profile @profile") sent to the
 * running instance as a command sends it, timed from the request to the
 * answer. */
static void
ask_instance (Run *run, const char *profile, const char *const *argv)
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
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) full = NULL;
  const GDBusInterfaceVTable vtable = { print_cb, NULL, NULL, { 0 } };
  GString *texts[2] = { g_string_new (NULL), g_string_new (NULL) };
  Waiting waiting = { loop, NULL };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  GVariantBuilder platform;
  gint64 started;
  guint registration;

  g_strv_builder_add_many (builder, "handset", "--profile", profile, NULL);
  g_strv_builder_addv (builder, (const char **) argv);
  full = g_strv_builder_end (builder);
  registration = g_dbus_connection_register_object (
      bus, "/org/example/CommandLine", info->interfaces[0], &vtable, texts, NULL, NULL);
  g_variant_builder_init (&platform, G_VARIANT_TYPE_VARDICT);
  started = g_get_monotonic_time ();
  g_dbus_connection_call (bus, name, path, "org.gtk.Application", "CommandLine",
                          g_variant_new ("(o^aay@a{sv})", "/org/example/CommandLine", full,
                                         g_variant_builder_end (&platform)),
                          G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, HUNG_S * 1000,
                          NULL, done_cb, &waiting);
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

static void
ask_calls (Run *run, const char *profile)
{
  const char *const argv[] = { "calls", NULL };

  ask_instance (run, profile, argv);
}

/* Started, then logged in: `handset calls` answers 0 within WAIT_S. */
static void
wait_logged_in (const char *profile)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  g_auto (Run) run = { 0 };

  while (!name_owned (profile) && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_true (name_owned (profile));
  do
    ask_calls (&run, profile);
  while (run.status != 0 && g_get_monotonic_time () < deadline && (g_usleep (100000), TRUE));
  g_test_message ("calls: %d %s%s", run.status, run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
}

static void
quit_instance (const char *profile, GSubprocess *process)
{
  const char *const argv[] = { "quit", NULL };
  g_auto (Run) run = { 0 };

  ask_instance (&run, profile, argv);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_subprocess_wait (process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

/* The state of the call @call_id in `handset calls` output @out, or
 * %NULL when it lists no such call. */
static char *
call_state (const char *out, const char *call_id)
{
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonNode) node = NULL;
      JsonObject *row;

      if (lines[i][0] == '\0')
        continue;
      node = json_from_string (lines[i], NULL);
      g_assert_nonnull (node);
      row = json_node_get_object (node);
      if (g_strcmp0 (json_object_get_string_member (row, "call_id"), call_id) == 0)
        return g_strdup (json_object_get_string_member (row, "state"));
    }
  return NULL;
}

/* ------------------------------------------------------------------ what is kept */

/* The device the profile's store names, as a new start would restore it. */
static char *
saved_device (const char *profile_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetProfile) profile = handset_profile_new (profile_name, &error);
  g_autoptr (HandsetAccount) account = NULL;
  char *device = NULL;

  g_assert_no_error (error);
  account = handset_account_new (profile, &error);
  g_assert_no_error (error);
  if (!handset_account_get_saved_session (account, NULL, NULL, &device))
    return NULL;
  return device;
}

/* The sync position the profile's store keeps for @device of @user. */
static char *
saved_position (const char *profile_name, HandsetTestUser *user, const char *device)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetProfile) profile = handset_profile_new (profile_name, &error);
  g_autoptr (HandsetAccount) account = NULL;

  g_assert_no_error (error);
  account = handset_account_new (profile, &error);
  g_assert_no_error (error);
  return handset_account_get_saved_position (account, user->user_id, device);
}

/* The devices the homeserver lists for @user, but the one the test
 * registered it with. */
static GStrv
devices_of (HandsetTestUser *user)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (JsonNode) devices = NULL;
  JsonArray *list;
  guint status = 0;

  devices =
      handset_test_request ("GET", "/_matrix/client/v3/devices", user->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  list = json_object_get_array_member (json_node_get_object (devices), "devices");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      const char *id =
          json_object_get_string_member (json_array_get_object_element (list, i), "device_id");

      if (!g_str_equal (id, user->device_id))
        g_strv_builder_add (builder, id);
    }
  return g_strv_builder_end (builder);
}

/* A first login of @profile, with no Handset running: returns its device,
 * the only one of @user's besides the test's. */
static char *
first_login (const char *profile, HandsetTestUser *user)
{
  g_auto (Run) run = { 0 };
  g_auto (GStrv) devices = NULL;
  char *device;

  login (&run, profile, user, NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  device = saved_device (profile);
  g_assert_nonnull (device);
  devices = devices_of (user);
  g_assert_cmpuint (g_strv_length (devices), ==, 1);
  g_assert_cmpstr (devices[0], ==, device);
  return device;
}

/* The login that was not kept left the profile as it was: the store names
 * @device, which is @user's only device at the homeserver besides the
 * test's (so it is live, and the new one is logged out). */
static void
assert_kept (const char *profile, HandsetTestUser *user, const char *device)
{
  g_autofree char *saved = saved_device (profile);
  g_auto (GStrv) devices = devices_of (user);

  g_assert_cmpstr (saved, ==, device);
  g_assert_cmpuint (g_strv_length (devices), ==, 1);
  g_assert_cmpstr (devices[0], ==, device);
}

/* ------------------------------------------------------------------ tests */

/* The running Handset, stopped, cannot take the new login: after
 * HANDSET_HANDOVER_TIMEOUT_MS the login says so and exits 1, the profile
 * names its old device (live at the homeserver), the new device is
 * logged out. Woken up, the Handset refuses the handover it was asked
 * for and goes on with its session; started again, it restores that
 * same session. */
static void
test_handover_timed_out (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autofree char *device = NULL;
  g_auto (Run) run = { 0 };

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  device = first_login ("clltimeout", alice);
  app = spawn_instance ("clltimeout");
  wait_logged_in ("clltimeout");

  g_subprocess_send_signal (app, SIGSTOP);
  login (&run, "clltimeout", alice, "HANDSET_HANDOVER_TIMEOUT_MS", HANDOVER_TIMEOUT);
  g_subprocess_send_signal (app, SIGCONT);
  g_assert_cmpint (run.status, ==, 1);
  assert_kept ("clltimeout", alice, device);
  g_assert_nonnull (strstr (run.err, "did not take the new login within 3 seconds"));
  g_assert_nonnull (strstr (run.err, "logged out again"));
  g_assert_null (strstr (run.out, "Logged in as"));

  /* The late handover is answered (refused) before this `calls`: the
   * session goes on. */
  ask_calls (&run, "clltimeout");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (run.elapsed_us, <, AT_ONCE_US);
  assert_kept ("clltimeout", alice, device);

  quit_instance ("clltimeout", app);
  g_clear_object (&app);
  app = spawn_instance ("clltimeout");
  wait_logged_in ("clltimeout");
  assert_kept ("clltimeout", alice, device);
  quit_instance ("clltimeout", app);
}

/* A take-session for a device the store does not name (a login that gave
 * up waiting) is refused at once, exit 1 and the reason, while the
 * session goes on: a call that rings still rings. */
static void
test_take_session_not_saved (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autofree char *device = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *call_id = g_strdup_printf ("cll%08x", g_random_int ());
  const char *const take[] = { "take-session", "GIVENUP", NULL };
  g_autofree char *state = NULL;
  g_auto (Run) run = { 0 };
  g_auto (Run) taken = { 0 };
  gint64 deadline;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (bob, alice);
  handset_test_join (alice, room_id);
  device = first_login ("cllnotsaved", alice);
  app = spawn_instance ("cllnotsaved");
  wait_logged_in ("cllnotsaved");

  invite = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"bobparty\", \"version\": \"1\", \"lifetime\": 90000,"
      " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\no=- 1 1 IN IP4 "
      "127.0.0.1\\r\\ns=-\\r\\n"
      "t=0 0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\n"
      "a=rtpmap:111 opus/48000/2\\r\\n\"}}",
      call_id);
  g_free (handset_test_send_event (bob, room_id, "m.call.invite", invite));
  deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  do
    {
      ask_calls (&run, "cllnotsaved");
      g_free (state);
      state = run.status == 0 ? call_state (run.out, call_id) : NULL;
    }
  while (state == NULL && g_get_monotonic_time () < deadline && (g_usleep (100000), TRUE));
  g_assert_cmpstr (state, ==, "ringing");

  ask_instance (&taken, "cllnotsaved", take);
  g_test_message ("take-session: %d in %.3f s: %s", taken.status,
                  taken.elapsed_us / (double) G_USEC_PER_SEC, taken.err);
  g_assert_cmpint (taken.status, ==, 1);

  /* Nothing was stopped: the call rings on, for as long as bob waits. */
  g_usleep (3 * G_USEC_PER_SEC);
  ask_calls (&run, "cllnotsaved");
  g_assert_cmpint (run.status, ==, 0);
  g_free (state);
  state = call_state (run.out, call_id);
  g_assert_cmpstr (state, ==, "ringing");
  assert_kept ("cllnotsaved", alice, device);
  /* Refused at once, saying why. */
  g_assert_cmpuint (taken.elapsed_us, <, AT_ONCE_US);
  g_assert_nonnull (strstr (taken.err, "no longer the profile's"));
  quit_instance ("cllnotsaved", app);
}

/* The token of a handed-over login, written by another process, that the
 * keyring lists only a moment after the handover is asked for. */
typedef struct
{
  HandsetSecretStore *secrets;
  const char *homeserver;
  const char *user_id;
  const char *device_id;
  const char *token;
  gboolean saved;
} LateToken;

static void
late_token_saved (GObject *object, GAsyncResult *result, gpointer user_data)
{
  LateToken *late = user_data;

  g_assert_true (
      handset_secret_store_save_token_finish (HANDSET_SECRET_STORE (object), result, NULL));
  late->saved = TRUE;
}

static gboolean
save_late_token (gpointer user_data)
{
  LateToken *late = user_data;

  handset_secret_store_save_token_async (late->secrets, late->homeserver, late->user_id,
                                         late->device_id, late->token, NULL, late_token_saved,
                                         late);
  return G_SOURCE_REMOVE;
}

/* A handover whose token the keyring lists only after the instance first
 * looks for it: the instance looks again, rather than refusing the login
 * ("The keyring holds no login for this account"), and runs it. */
static void
test_token_listed_late (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (JsonNode) login_reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *device = NULL;
  g_autofree char *homeserver = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *saved = NULL;
  const char *take[] = { "take-session", NULL, NULL };
  LateToken late = { 0 };
  g_auto (Run) taken = { 0 };
  g_auto (Run) run = { 0 };
  JsonObject *reply;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  device = first_login ("clllate", alice);
  app = spawn_instance ("clllate");
  wait_logged_in ("clllate");

  /* A second login of alice's, written down as `handset login` does: the
   * store names its device; its token reaches the keyring half a second
   * after the handover is asked for. */
  body = g_strdup_printf ("{\"type\": \"m.login.password\", \"identifier\": {\"type\": "
                          "\"m.id.user\", \"user\": \"%s\"}, \"password\": \"%s\"}",
                          alice->user_id, alice->password);
  login_reply = handset_test_request ("POST", "/_matrix/client/v3/login", NULL, body, &status);
  g_assert_cmpuint (status, ==, 200);
  reply = json_node_get_object (login_reply);
  profile = handset_profile_new ("clllate", &error);
  g_assert_no_error (error);
  account = handset_account_new (profile, &error);
  g_assert_no_error (error);
  g_assert_true (handset_account_get_saved_session (account, &homeserver, &user_id, NULL));
  late = (LateToken){ handset_account_get_secret_store (account),
                      homeserver,
                      user_id,
                      json_object_get_string_member (reply, "device_id"),
                      json_object_get_string_member (reply, "access_token"),
                      FALSE };
  g_assert_true (handset_account_put_back_session (account, device, homeserver, user_id,
                                                   late.device_id, NULL, &error));
  g_assert_no_error (error);

  take[1] = late.device_id;
  g_timeout_add (500, save_late_token, &late);
  ask_instance (&taken, "clllate", take);
  g_test_message ("take-session: %d in %.3f s: %s", taken.status,
                  taken.elapsed_us / (double) G_USEC_PER_SEC, taken.err);
  g_assert_cmpint (taken.status, ==, 0);
  g_assert_true (late.saved);

  /* The instance runs the new device's session. */
  ask_calls (&run, "clllate");
  g_assert_cmpint (run.status, ==, 0);
  saved = saved_device ("clllate");
  g_assert_cmpstr (saved, ==, late.device_id);
  quit_instance ("clllate", app);
}

static gboolean
both_done (gpointer data)
{
  Running *running = data;

  return running[0].done && running[1].done;
}

/* Two `handset login` at the same moment, for a profile whose Handset
 * runs: whichever the instance ends with is the one the store names; the
 * other exits 0 (it was taken, then replaced) or 1 saying it was not
 * taken; either way the homeserver lists the kept device alone:
 * neither the session both replaced nor the one that lost is left live. */
static void
test_two_logins_at_once (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autofree char *device = NULL;
  g_autofree char *kept = NULL;
  g_auto (GStrv) devices = NULL;
  g_auto (Run) run = { 0 };
  Running running[2] = { { 0 } };

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  device = first_login ("clltwo", alice);
  app = spawn_instance ("clltwo");
  wait_logged_in ("clltwo");

  for (guint i = 0; i < 2; i++)
    login_start (&running[i], "clltwo", alice, NULL, NULL);
  g_assert_true (handset_test_wait_until (both_done, running, HUNG_S));

  for (guint i = 0; i < 2; i++)
    {
      Run *login_run = &running[i].run;

      if (login_run->status != 0)
        {
          g_assert_cmpint (login_run->status, ==, 1);
          g_assert_true (strstr (login_run->err, "Another login") != NULL ||
                         strstr (login_run->err, "no longer the profile's") != NULL);
        }
      g_assert_null (strstr (login_run->err, "may still be logged in"));
    }
  g_assert_true (running[0].run.status == 0 || running[1].run.status == 0);

  /* The instance runs the session the store names, and it is alice's one
   * device at the homeserver (besides the test's). */
  ask_calls (&run, "clltwo");
  g_assert_cmpint (run.status, ==, 0);
  kept = saved_device ("clltwo");
  g_assert_nonnull (kept);
  g_assert_cmpstr (kept, !=, device);
  devices = devices_of (alice);
  g_assert_cmpuint (g_strv_length (devices), ==, 1);
  g_assert_cmpstr (devices[0], ==, kept);
  quit_instance ("clltwo", app);
  for (guint i = 0; i < 2; i++)
    running_clear (&running[i]);
}

/* A login that the keyring cannot keep (no session bus, so no Secret
 * Service) over a profile that has a session: exit 1 and the reason, and
 * that session is kept, its keyring item and its sync position too:
 * Handset started restores it, and syncs on from where it was. */
static void
test_no_keyring_keeps_session (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autofree char *device = NULL;
  g_autofree char *position = NULL;
  g_autofree char *kept_position = NULL;
  g_auto (Run) run = { 0 };
  gint64 deadline;

  if (!handset_test_homeserver_require ())
    return;
  alice = handset_test_register ("alice");
  device = first_login ("cllnokeyring", alice);
  app = spawn_instance ("cllnokeyring");
  wait_logged_in ("cllnokeyring");
  /* Its first sync done and written down. */
  deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  while ((position = saved_position ("cllnokeyring", alice, device)) == NULL &&
         g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_nonnull (position);
  quit_instance ("cllnokeyring", app);
  g_clear_object (&app);
  g_free (position);
  position = saved_position ("cllnokeyring", alice, device);

  login (&run, "cllnokeyring", alice, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
  g_assert_cmpint (run.status, ==, 1);
  assert_kept ("cllnokeyring", alice, device);
  kept_position = saved_position ("cllnokeyring", alice, device);
  g_assert_cmpstr (kept_position, ==, position);
  g_assert_nonnull (strstr (run.err, "keyring"));
  g_assert_null (strstr (run.out, "Logged in as"));

  app = spawn_instance ("cllnokeyring");
  wait_logged_in ("cllnokeyring");
  assert_kept ("cllnokeyring", alice, device);
  quit_instance ("cllnokeyring", app);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_test_init (&argc, &argv, NULL);
  handset_path = g_getenv ("HANDSET_PROGRAM");
  g_assert_nonnull (handset_path);

  g_test_add_func ("/cli-login/handover-timed-out", test_handover_timed_out);
  g_test_add_func ("/cli-login/take-session-not-saved", test_take_session_not_saved);
  g_test_add_func ("/cli-login/no-keyring-keeps-session", test_no_keyring_keeps_session);
  g_test_add_func ("/cli-login/token-listed-late", test_token_listed_late);
  g_test_add_func ("/cli-login/two-logins-at-once", test_two_logins_at_once);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
