/* test-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command line, as a script uses it, against the real Synapse: login
 * with the password on standard input, then commands sent to the running
 * instance of the profile: call, calls, hangup, and clear errors with
 * their exit codes.
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>

#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 30

static const char *handset_path;
static GSubprocessLauncher *launcher;

static char *
run (const char *stdin_text, int *exit_status, char **err, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (gpointer) handset_path);
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                 G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &out, err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("handset %s died: %s", (const char *) args->pdata[args->len - 2], *err);
  *exit_status = g_subprocess_get_exit_status (process);

  return out;
}

static gboolean
name_owned (GDBusConnection *bus, const char *name)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
test_cli (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) primary = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) invite = NULL;
  g_autoptr (JsonObject) hangup = NULL;
  g_autoptr (JsonNode) line = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *call_id = NULL;
  const char *url = handset_test_homeserver_url ();
  const char *primary_args[] = { NULL, "--profile", "clitest", NULL };
  JsonObject *call;
  int status;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);

  /* A wrong password: a clear error and exit 1. */
  out = run ("not the password\n", &status, &err, "--profile", "clitest", "login", url,
             alice->user_id, NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "The Matrix ID or the password is wrong."));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The right one, on standard input. */
  {
    g_autofree char *password = g_strconcat (alice->password, "\n", NULL);

    out = run (password, &status, &err, "--profile", "clitest", "login", url, alice->user_id, NULL);
  }
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, alice->user_id));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A profile nobody logged in: commands say so. */
  out = run (NULL, &status, &err, "--profile", "clinobody", "calls", NULL);
  g_assert_cmpint (status, ==, 3);
  g_assert_nonnull (strstr (err, "Not logged in"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The running instance, restored from the keyring. */
  primary_args[0] = handset_path;
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  primary = g_subprocess_launcher_spawnv (launcher, primary_args, &error);
  g_assert_no_error (error);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

    while (!name_owned (bus, "io.github.handset.Handset.Profile_clitest") &&
           g_get_monotonic_time () < deadline)
      g_usleep (50000);
  }

  out = run (NULL, &status, &err, "--profile", "clitest", "calls", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* call: it prints the call ID, and bob's devices see the invite. */
  out = run (NULL, &status, &err, "--profile", "clitest", "call", bob->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
  call_id = g_strdup (g_strstrip (out));
  g_assert_cmpstr (call_id, !=, "");
  invite = handset_test_wait_for_event (bob, room_id, "m.call.invite", call_id, WAIT_S);
  g_assert_nonnull (invite);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* calls: one JSON object per line, with what a script needs. */
  out = run (NULL, &status, &err, "--profile", "clitest", "calls", NULL);
  g_assert_cmpint (status, ==, 0);
  line = json_from_string (out, &error);
  g_assert_no_error (error);
  call = json_node_get_object (line);
  g_assert_cmpstr (json_object_get_string_member (call, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (call, "room_id"), ==, room_id);
  g_assert_cmpstr (json_object_get_string_member (call, "direction"), ==, "outgoing");
  g_assert_cmpstr (json_object_get_string_member (call, "state"), ==, "invite_sent");
  g_assert_cmpstr (json_object_get_string_member (call, "party_id"), ==,
                   json_object_get_string_member (json_object_get_object_member (invite, "content"),
                                                  "party_id"));
  g_assert_true (json_object_has_member (call, "audio_bytes_sent"));
  g_assert_true (json_object_has_member (call, "answered_by"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* No such call: exit 4. */
  out = run (NULL, &status, &err, "--profile", "clitest", "answer", "nosuchcall", NULL);
  g_assert_cmpint (status, ==, 4);
  g_assert_nonnull (strstr (err, "No such call"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* hangup reaches bob. */
  out = run (NULL, &status, &err, "--profile", "clitest", "hangup", call_id, NULL);
  g_assert_cmpint (status, ==, 0);
  hangup = handset_test_wait_for_event (bob, room_id, "m.call.hangup", call_id, WAIT_S);
  g_assert_nonnull (hangup);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_subprocess_send_signal (primary, SIGTERM);
  g_subprocess_wait (primary, NULL, NULL);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_test_init (&argc, &argv, NULL);
  handset_path = g_getenv ("HANDSET_PROGRAM");
  g_assert_nonnull (handset_path);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SRC",
                                "audiotestsrc is-live=true wave=sine freq=440", TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);

  g_test_add_func ("/cli/login-call-calls-hangup", test_cli);

  status = g_test_run ();
  g_clear_object (&launcher);
  handset_test_remove_tree (home);

  return status;
}
