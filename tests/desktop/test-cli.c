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
#include <string.h>

#include "handset-secret-storage.h"
#include "handset-test-cross-signing.h"
#include "handset-test-homeserver.h"
#include "handset-test-json-schema.h"
#include "handset-test-util.h"

#define WAIT_S 30

static const char *handset_path;
static GSubprocessLauncher *launcher;
static JsonNode *schema;

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
  /* Every line of `handset calls` is as the documented schema says. */
  if (*exit_status == 0 && g_strv_contains ((const char *const *) args->pdata, "calls"))
    handset_test_assert_calls_rows (schema, out);

  return out;
}

/* Commands are answered at once, also while the instance restores its
 * session ("Not logged in", 3): waits until it has. */
static void
wait_logged_in (const char *profile)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  int status = -1;

  while (status != 0 && g_get_monotonic_time () < deadline)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      out = run (NULL, &status, &err, "--profile", profile, "calls", NULL);
      if (status != 0)
        g_usleep (100000);
    }
  g_assert_cmpint (status, ==, 0);
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

  /* Logged in, but no Handset runs for the profile: a command on its
   * calls fails at once, rather than start one and wait. */
  out = run (NULL, &status, &err, "--profile", "clitest", "calls", NULL);
  g_assert_cmpint (status, ==, 3);
  g_assert_nonnull (strstr (err, "not running"));
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
  wait_logged_in ("clitest");

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
  g_assert_false (json_object_get_boolean_member (call, "encrypted"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* No such user: said, exit 1, and nothing rings anywhere. */
  {
    g_autofree char *nobody = g_strdup_printf ("@nobody-%08x:localhost", g_random_int ());

    out = run (NULL, &status, &err, "--profile", "clitest", "call", nobody, NULL);
    g_test_message ("%s", err);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "No such user"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

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

/* ------------------------------------------------------------------ two profiles */

static JsonObject *
call_line (const char *profile, const char *call_id)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  int status;

  out = run (NULL, &status, &err, "--profile", profile, "calls", NULL);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonNode) node = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], NULL);
      g_assert_nonnull (node);
      if (call_id == NULL ||
          g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "call_id"),
                     call_id) == 0)
        return json_object_ref (json_node_get_object (node));
    }

  return NULL;
}

static gboolean
wait_call_state (const char *profile, const char *call_id, const char *state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (JsonObject) call = call_line (profile, call_id);

      if (call != NULL && g_strcmp0 (json_object_get_string_member (call, "state"), state) == 0)
        return TRUE;
      g_usleep (200000);
    }
  return FALSE;
}

static GSubprocess *
start_instance (GDBusConnection *bus, const char *profile)
{
  const char *args[] = { handset_path, "--profile", profile, NULL };
  g_autofree char *name = g_strdup_printf ("io.github.handset.Handset.Profile_%s", profile);
  g_autoptr (GError) error = NULL;
  GSubprocess *process;
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  process = g_subprocess_launcher_spawnv (launcher, args, &error);
  g_assert_no_error (error);
  while (!name_owned (bus, name) && g_get_monotonic_time () < deadline)
    g_usleep (50000);
  g_assert_true (name_owned (bus, name));
  wait_logged_in (profile);

  return process;
}

static void
login (const char *profile, HandsetTestUser *user)
{
  g_autofree char *password = g_strconcat (user->password, "\n", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  out = run (password, &status, &err, "--profile", profile, "login", handset_test_homeserver_url (),
             user->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
}

static gint64
bytes_received (const char *profile, const char *call_id)
{
  g_autoptr (JsonObject) call = call_line (profile, call_id);

  return call ? json_object_get_int_member (call, "audio_bytes_received") : -1;
}

/* One call placed with `handset call` and answered with `handset answer`:
 * both sides say it is encrypted, and audio flows both ways. */
static void
encrypted_call (const char *caller, const char *callee, HandsetTestUser *callee_user)
{
  g_autoptr (JsonObject) caller_call = NULL;
  g_autoptr (JsonObject) callee_call = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *call_id = NULL;
  int status;

  out = run (NULL, &status, &err, "--profile", caller, "call", callee_user->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
  call_id = g_strdup (g_strstrip (out));
  g_assert_true (wait_call_state (callee, call_id, "ringing"));
  callee_call = call_line (callee, call_id);
  g_assert_true (json_object_get_boolean_member (callee_call, "encrypted"));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = run (NULL, &status, &err, "--profile", callee, "answer", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (wait_call_state (caller, call_id, "connected"));
  g_assert_true (wait_call_state (callee, call_id, "connected"));
  caller_call = call_line (caller, call_id);
  g_assert_true (json_object_get_boolean_member (caller_call, "encrypted"));
  /* Neither device is cross-signed (the accounts have no cross-signing). */
  g_assert_false (json_object_get_boolean_member (caller_call, "peer_verified"));

  g_usleep (2 * G_USEC_PER_SEC);
  g_assert_cmpint (bytes_received (caller, call_id), >, 0);
  g_assert_cmpint (bytes_received (callee, call_id), >, 0);

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = run (NULL, &status, &err, "--profile", caller, "hangup", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (wait_call_state (callee, call_id, "ended"));
}

static char *other_device (HandsetTestUser *user);

/* Waits until the Handset of @user's profile has published its device's
 * keys: before that, nobody can send it a room key. */
static void
wait_device_published (HandsetTestUser *user)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  g_autofree char *device = NULL;

  while ((device = other_device (user)) == NULL && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_nonnull (device);
}

static void
test_encrypted_both_ways (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) alice_app = NULL;
  g_autoptr (GSubprocess) bob_app = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = NULL;

  if (!handset_test_homeserver_require ())
    return;

  /* An encrypted direct chat, as Element makes them. */
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_encrypted_direct_room (alice, bob);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  login ("clie2alice", alice);
  login ("clie2bob", bob);
  alice_app = start_instance (bus, "clie2alice");
  bob_app = start_instance (bus, "clie2bob");
  wait_device_published (alice);
  wait_device_published (bob);

  encrypted_call ("clie2alice", "clie2bob", bob);
  encrypted_call ("clie2bob", "clie2alice", alice);

  g_subprocess_send_signal (alice_app, SIGTERM);
  g_subprocess_send_signal (bob_app, SIGTERM);
  g_subprocess_wait (alice_app, NULL, NULL);
  g_subprocess_wait (bob_app, NULL, NULL);
}

/* The profile's own device ID, as its keys on the server name it: the one
 * that is not @user's own. */
static char *
other_device (HandsetTestUser *user)
{
  g_auto (GStrv) devices = handset_test_published_devices (user);

  for (guint i = 0; devices[i] != NULL; i++)
    if (g_strcmp0 (devices[i], user->device_id) != 0)
      return g_strdup (devices[i]);

  return NULL;
}

/* `handset verify` reads the recovery key from standard input: a typo and
 * another account's key exit 1 with the reason; the right key exits 0 and
 * the server then holds this device's cross-signature. Issue 14, item 5. */
static void
test_verify (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *recovery_key = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *input = NULL;
  guint8 other_key[32];
  g_autofree char *other = NULL;
  gint64 deadline;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  recovery_key = handset_test_bootstrap_cross_signing (alice);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  login ("cliverify", alice);
  app = start_instance (bus, "cliverify");
  deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  while ((device_id = other_device (alice)) == NULL && g_get_monotonic_time () < deadline)
    g_usleep (200000);
  g_assert_nonnull (device_id);
  g_assert_false (handset_test_device_cross_signed (alice, alice->user_id, device_id));

  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    out = run ("hello there\n", &status, &err, "--profile", "cliverify", "verify", NULL);
    g_assert_cmpint (status, ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "not a recovery key"));
  }
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    for (guint i = 0; i < sizeof other_key; i++)
      other_key[i] = (guint8) (i * 13 + 1);
    other = handset_recovery_key_encode (other_key);
    input = g_strconcat (other, "\n", NULL);
    out = run (input, &status, &err, "--profile", "cliverify", "verify", NULL);
    g_assert_cmpint (status, ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "not the recovery key of this account"));
    g_assert_false (handset_test_device_cross_signed (alice, alice->user_id, device_id));
  }
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    g_free (input);
    input = g_strconcat (recovery_key, "\n", NULL);
    out = run (input, &status, &err, "--profile", "cliverify", "verify", NULL);
    g_test_message ("%s%s", out, err);
    g_assert_cmpint (status, ==, 0);
    g_assert_true (handset_test_device_cross_signed (alice, alice->user_id, device_id));
  }

  g_subprocess_send_signal (app, SIGTERM);
  g_subprocess_wait (app, NULL, NULL);
}

typedef struct
{
  const char *profile;
  const char *state;
  JsonObject *found;
} LineWait;

/* A line of `handset calls` in @state (a call's, or an invitation's). */
static JsonObject *
wait_line (const char *profile, const char *state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_auto (GStrv) lines = NULL;
      int status;

      out = run (NULL, &status, &err, "--profile", profile, "calls", NULL);
      g_assert_cmpint (status, ==, 0);
      lines = g_strsplit (out, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_autoptr (JsonNode) node = *lines[i] ? json_from_string (lines[i], NULL) : NULL;

          if (node != NULL &&
              g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "state"),
                         state) == 0)
            return json_object_ref (json_node_get_object (node));
        }
      g_usleep (250000);
    }
  return NULL;
}

/* The first call to someone new: alice and bob share no chat. alice's
 * call makes the direct chat and says it waits for bob to accept; bob's
 * Handset rings from the invitation ("new contact"), `handset answer`
 * joins the chat and answers the call in it; both connect. A third
 * person's first call, declined, declines the invitation, and the caller
 * sees it declined. Issue 15. */
static void
test_first_call_to_someone_new (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetTestUser) carol = NULL;
  g_autoptr (GSubprocess) alice_app = NULL;
  g_autoptr (GSubprocess) bob_app = NULL;
  g_autoptr (GSubprocess) carol_app = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) invitation = NULL;
  g_autoptr (JsonObject) waiting = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *call_id = NULL;
  int status;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  carol = handset_test_register ("carol");
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  login ("clinewalice", alice);
  login ("clinewbob", bob);
  login ("clinewcarol", carol);
  alice_app = start_instance (bus, "clinewalice");
  bob_app = start_instance (bus, "clinewbob");
  carol_app = start_instance (bus, "clinewcarol");

  out = run (NULL, &status, &err, "--profile", "clinewalice", "call", bob->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
  call_id = g_strdup (g_strstrip (out));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* alice waits for bob to accept; bob's Handset rings from the
   * invitation. */
  waiting = wait_line ("clinewalice", "invite_sent");
  g_assert_nonnull (waiting);
  g_assert_true (json_object_get_boolean_member (waiting, "waiting_for_join"));
  invitation = wait_line ("clinewbob", "invitation");
  g_assert_nonnull (invitation);
  g_assert_cmpstr (json_object_get_string_member (invitation, "opponent_user_id"), ==,
                   alice->user_id);
  g_assert_true (json_object_get_boolean_member (invitation, "new_contact"));

  out = run (NULL, &status, &err, "--profile", "clinewbob", "answer", NULL);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (wait_call_state ("clinewalice", call_id, "connected"));
  g_assert_true (wait_call_state ("clinewbob", call_id, "connected"));
  out = run (NULL, &status, &err, "--profile", "clinewalice", "hangup", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (wait_call_state ("clinewbob", call_id, "ended"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&call_id, g_free);

  /* carol, new to bob too: declined, invitation and all. */
  out = run (NULL, &status, &err, "--profile", "clinewcarol", "call", bob->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
  call_id = g_strdup (g_strstrip (out));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&invitation, json_object_unref);
  invitation = wait_line ("clinewbob", "invitation");
  g_assert_nonnull (invitation);
  g_assert_cmpstr (json_object_get_string_member (invitation, "opponent_user_id"), ==,
                   carol->user_id);
  out = run (NULL, &status, &err, "--profile", "clinewbob", "reject", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (wait_call_state ("clinewcarol", call_id, "ended"));
  {
    g_autoptr (JsonObject) ended = call_line ("clinewcarol", call_id);

    g_assert_cmpstr (json_object_get_string_member (ended, "end_reason"), ==, "declined");
  }

  g_subprocess_send_signal (alice_app, SIGTERM);
  g_subprocess_send_signal (bob_app, SIGTERM);
  g_subprocess_send_signal (carol_app, SIGTERM);
  g_subprocess_wait (alice_app, NULL, NULL);
  g_subprocess_wait (bob_app, NULL, NULL);
  g_subprocess_wait (carol_app, NULL, NULL);
}

static void
test_two_profiles_by_command_line_and_dbus (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GSubprocess) alice_app = NULL;
  g_autoptr (GSubprocess) bob_app = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) bob_call = NULL;
  g_autoptr (JsonObject) a_end = NULL;
  g_autoptr (JsonObject) b_end = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *call_id = NULL;
  gint64 first, second;
  int status;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  /* Both logged in, both running: only the command line from here on. */
  login ("clialice", alice);
  login ("clibob", bob);
  alice_app = start_instance (bus, "clialice");
  bob_app = start_instance (bus, "clibob");

  out = run (NULL, &status, &err, "--profile", "clialice", "call", bob->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
  call_id = g_strdup (g_strstrip (out));
  g_assert_true (wait_call_state ("clibob", call_id, "ringing"));
  bob_call = call_line ("clibob", call_id);
  g_assert_cmpstr (json_object_get_string_member (bob_call, "direction"), ==, "incoming");
  g_assert_cmpstr (json_object_get_string_member (bob_call, "opponent_user_id"), ==,
                   alice->user_id);

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = run (NULL, &status, &err, "--profile", "clibob", "answer", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (wait_call_state ("clialice", call_id, "connected"));
  g_assert_true (wait_call_state ("clibob", call_id, "connected"));

  /* Audio flows both ways, and keeps flowing. */
  g_usleep (2 * G_USEC_PER_SEC);
  first = bytes_received ("clialice", call_id);
  g_usleep (2 * G_USEC_PER_SEC);
  second = bytes_received ("clialice", call_id);
  g_test_message ("alice received %" G_GINT64_FORMAT " then %" G_GINT64_FORMAT " bytes", first,
                  second);
  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (second, >, first);
  g_assert_cmpint (bytes_received ("clibob", call_id), >, 0);

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = run (NULL, &status, &err, "--profile", "clialice", "hangup", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (wait_call_state ("clibob", call_id, "ended"));
  a_end = call_line ("clialice", call_id);
  b_end = call_line ("clibob", call_id);
  g_assert_cmpstr (json_object_get_string_member (a_end, "end_reason"), ==, "local_hangup");
  g_assert_cmpstr (json_object_get_string_member (b_end, "end_reason"), ==, "remote_hangup");

  /* The same through D-Bus: PlaceCall at alice's, Answer at bob's. */
  {
    g_autoptr (GVariant) placed = NULL;
    g_autoptr (GVariant) calls = NULL;
    g_autoptr (GVariant) state = NULL;
    g_autofree const char **paths = NULL;
    const char *alice_name = "io.github.handset.Handset.Profile_clialice";
    const char *bob_name = "io.github.handset.Handset.Profile_clibob";
    const char *alice_path = "/io/github/handset/Handset/Profile_clialice/Calls";
    const char *bob_path = "/io/github/handset/Handset/Profile_clibob/Calls";
    const char *call_path = NULL;
    const char *bob_call_path = NULL;
    gint64 deadline;

    placed = g_dbus_connection_call_sync (
        bus, alice_name, alice_path, "io.github.handset.Handset.CallManager", "PlaceCall",
        g_variant_new ("(sb)", bob->user_id, FALSE), G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
        -1, NULL, &error);
    g_assert_no_error (error);
    g_variant_get (placed, "(&o)", &call_path);

    /* bob's instance lists the incoming call once it rings. */
    deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
    while (bob_call_path == NULL && g_get_monotonic_time () < deadline)
      {
        g_autoptr (GVariant) value = NULL;

        g_clear_pointer (&calls, g_variant_unref);
        calls = g_dbus_connection_call_sync (
            bus, bob_name, bob_path, "org.freedesktop.DBus.Properties", "Get",
            g_variant_new ("(ss)", "io.github.handset.Handset.CallManager", "Calls"),
            G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        if (calls != NULL)
          {
            g_variant_get (calls, "(v)", &value);
            g_free (paths);
            paths = g_variant_get_objv (value, NULL);
            for (guint i = 0; paths[i] != NULL; i++)
              {
                g_autoptr (GVariant) s = g_dbus_connection_call_sync (
                    bus, bob_name, paths[i], "org.freedesktop.DBus.Properties", "Get",
                    g_variant_new ("(ss)", "io.github.handset.Handset.Call", "State"),
                    G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
                g_autoptr (GVariant) v = NULL;

                if (s == NULL)
                  continue;
                g_variant_get (s, "(v)", &v);
                if (g_str_equal (g_variant_get_string (v, NULL), "ringing"))
                  bob_call_path = paths[i];
              }
          }
        if (bob_call_path == NULL)
          g_usleep (200000);
      }
    g_assert_nonnull (bob_call_path);

    g_dbus_connection_call_sync (bus, bob_name, bob_call_path, "io.github.handset.Handset.Call",
                                 "Answer", g_variant_new ("(b)", FALSE), NULL,
                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    g_assert_no_error (error);

    deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < deadline)
      {
        g_autoptr (GVariant) v = NULL;

        g_clear_pointer (&state, g_variant_unref);
        state = g_dbus_connection_call_sync (
            bus, alice_name, call_path, "org.freedesktop.DBus.Properties", "Get",
            g_variant_new ("(ss)", "io.github.handset.Handset.Call", "State"),
            G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error (error);
        g_variant_get (state, "(v)", &v);
        if (g_str_equal (g_variant_get_string (v, NULL), "connected"))
          break;
        g_usleep (200000);
      }
    g_dbus_connection_call_sync (bus, alice_name, call_path, "io.github.handset.Handset.Call",
                                 "Hangup", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    g_assert_no_error (error);
  }

  g_subprocess_send_signal (alice_app, SIGTERM);
  g_subprocess_send_signal (bob_app, SIGTERM);
  g_subprocess_wait (alice_app, NULL, NULL);
  g_subprocess_wait (bob_app, NULL, NULL);
}

/* `handset calls` run again and again while Handset starts, as a script
 * waiting for it does: no run of it ever stands in for the instance, so
 * Handset starts (it did not: it found the name taken by a probe that then
 * quit, and failed to register), and the probes get 3 until it runs, then
 * 0. */
static void
test_probing_while_starting (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autoptr (GSubprocess) prober = NULL;
  g_autofree char *loop = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *prober_args[] = { "sh", "-c", NULL, NULL };
  const char *app_args[] = { handset_path, "--profile", "cliprobe", NULL };
  int status = -1;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  login ("cliprobe", alice);

  loop = g_strdup_printf ("while :; do '%s' --profile cliprobe calls >/dev/null 2>&1; done",
                          handset_path);
  prober_args[2] = loop;
  prober = g_subprocess_newv (prober_args, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_usleep (300000);

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  app = g_subprocess_launcher_spawnv (launcher, app_args, &error);
  g_assert_no_error (error);
  /* Up, and it stays up. */
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < deadline && status != 0)
      {
        g_clear_pointer (&out, g_free);
        g_clear_pointer (&err, g_free);
        out = run (NULL, &status, &err, "--profile", "cliprobe", "calls", NULL);
        g_assert_true (status == 0 || status == 3);
        if (status != 0)
          g_usleep (200000);
        g_assert_nonnull (g_subprocess_get_identifier (app));
      }
  }
  g_assert_cmpint (status, ==, 0);
  g_usleep (G_USEC_PER_SEC);
  g_assert_nonnull (g_subprocess_get_identifier (app));

  g_subprocess_send_signal (prober, SIGTERM);
  g_subprocess_wait (prober, NULL, NULL);
  g_subprocess_send_signal (app, SIGTERM);
  g_subprocess_wait (app, NULL, NULL);
}

/* Handset told to stop (SIGTERM, as when the session ends) in a call: the
 * other side gets the hangup before it goes, and it goes at once after. */
static void
test_quit_hangs_up (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autoptr (JsonObject) invite = NULL;
  g_autoptr (JsonObject) hangup = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;
  gint64 asked;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  login ("cliquit", alice);
  app = start_instance (bus, "cliquit");

  out = run (NULL, &status, &err, "--profile", "cliquit", "call", bob->user_id, NULL);
  g_assert_cmpint (status, ==, 0);
  call_id = g_strdup (g_strstrip (out));
  invite = handset_test_wait_for_event (bob, room_id, "m.call.invite", call_id, WAIT_S);
  g_assert_nonnull (invite);

  asked = g_get_monotonic_time ();
  g_subprocess_send_signal (app, SIGTERM);
  g_assert_true (g_subprocess_wait (app, NULL, NULL));
  g_test_message ("Handset stopped %.1f s after SIGTERM",
                  (g_get_monotonic_time () - asked) / (double) G_USEC_PER_SEC);
  g_assert_true (g_subprocess_get_if_exited (app));
  g_assert_cmpint (g_get_monotonic_time () - asked, <, 10 * G_USEC_PER_SEC);
  hangup = handset_test_wait_for_event (bob, room_id, "m.call.hangup", call_id, 5);
  g_assert_nonnull (hangup);
}

/* `handset login` where no keyring can keep the session (no session bus
 * to reach one): it fails with the reason, exit 1, and the device it made
 * on the server is logged out again rather than left behind. */
static void
test_login_without_keyring (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (GSubprocessLauncher) nowhere =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) devices = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *password = NULL;
  JsonArray *list;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  password = g_strconcat (alice->password, "\n", NULL);
  g_subprocess_launcher_setenv (nowhere, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus",
                                TRUE);
  process =
      g_subprocess_launcher_spawn (nowhere, &error, handset_path, "--profile", "clinokeyring",
                                   "login", handset_test_homeserver_url (), alice->user_id, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, password, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, "keyring"));
  g_assert_null (strstr (out, "Logged in as"));

  /* Only the device the test registered with is left. */
  devices = handset_test_request ("GET", "/_matrix/client/v3/devices", alice->access_token, NULL,
                                  &status);
  g_assert_cmpuint (status, ==, 200);
  list = json_object_get_array_member (json_node_get_object (devices), "devices");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
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
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SRC",
                                "audiotestsrc is-live=true wave=sine freq=440", TRUE);
  g_subprocess_launcher_setenv (launcher, "HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);

  g_test_add_func ("/cli/login-call-calls-hangup", test_cli);
  g_test_add_func ("/cli/encrypted-call-both-ways", test_encrypted_both_ways);
  g_test_add_func ("/cli/verify", test_verify);
  g_test_add_func ("/cli/first-call-to-someone-new", test_first_call_to_someone_new);
  g_test_add_func ("/cli/probing-while-starting", test_probing_while_starting);
  g_test_add_func ("/cli/quit-hangs-up", test_quit_hangs_up);
  g_test_add_func ("/cli/login-without-keyring", test_login_without_keyring);
  g_test_add_func ("/cli/two-profiles-by-command-line-and-dbus",
                   test_two_profiles_by_command_line_and_dbus);

  status = g_test_run ();
  g_clear_object (&launcher);
  handset_test_remove_tree (home);

  return status;
}
