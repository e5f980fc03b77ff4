/* test-program.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The installed program as a person or a script meets it: --version,
 * --help, --profile, and two profiles running side by side on one session
 * bus, each its own unique application.
 */

#include "config.h"

#include <gio/gio.h>

#include "handset-test-util.h"

static const char *handset_path;
static GSubprocessLauncher *launcher;

static char *
run (const char *const *args, int *exit_status)
{
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_newv (
      args, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  *exit_status = g_subprocess_get_exit_status (process);

  return g_strconcat (out, err, NULL);
}

static void
test_version (void)
{
  const char *args[] = { handset_path, "--version", NULL };
  g_autofree char *out = NULL;
  int status;

  out = run (args, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "handset " PACKAGE_VERSION "\n");
}

static void
test_help (void)
{
  const char *args[] = { handset_path, "--help", NULL };
  g_autofree char *out = NULL;
  int status;

  out = run (args, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "--profile=NAME"));
  g_assert_nonnull (strstr (out, "--version"));
  /* The commands, not only the options. */
  g_assert_nonnull (strstr (out, "Commands:"));
  g_assert_nonnull (strstr (out, "call TARGET"));
  g_assert_nonnull (strstr (out, "verify"));
}

/* A command Handset does not have, or a link it cannot read: usage, exit
 * 2, at once (nothing starts). */
static void
test_bad_command (void)
{
  const char *bogus[] = { handset_path, "--profile", "nobodyhere", "bogus", NULL };
  const char *link[] = { handset_path, "--profile", "nobodyhere", "matrix:u/", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  int status;

  out = run (bogus, &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (out, "no such command: bogus"));
  g_assert_nonnull (strstr (out, "Commands:"));
  out2 = run (link, &status);
  g_test_message ("%s", out2);
  g_assert_cmpint (status, ==, 2);
}

static void
test_bad_profile (void)
{
  const char *args[] = { handset_path, "--profile", "../evil", NULL };
  g_autofree char *out = NULL;
  int status;

  out = run (args, &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (out, "not a valid profile name"));
}

static gboolean
wait_for_name (GDBusConnection *bus, const char *name, gboolean owned)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &has_owner);
      if (has_owner == owned)
        return TRUE;
      g_usleep (50 * 1000);
    }

  return FALSE;
}

static guint32
name_owner_pid (GDBusConnection *bus, const char *name)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);

  return pid;
}

static void
activate_quit (GDBusConnection *bus, const char *name, const char *path)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_sync (bus, name, path, "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", "quit", NULL, NULL), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
test_two_profiles_side_by_side (void)
{
  const char *alice_args[] = { handset_path, "--profile", "alice", NULL };
  const char *bob_args[] = { handset_path, "--profile", "bob", NULL };
  const char *alice_name = "io.github.handset.Handset.Profile_alice";
  const char *bob_name = "io.github.handset.Handset.Profile_bob";
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GSubprocess) alice = NULL;
  g_autoptr (GSubprocess) bob = NULL;
  g_autoptr (GSubprocess) alice_again = NULL;
  g_autoptr (GError) error = NULL;
  guint32 alice_pid, bob_pid;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_fail_printf ("no display: the desktop suite runs under Xvfb (build-aux/dev test)");
      return;
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  alice = g_subprocess_launcher_spawnv (launcher, alice_args, &error);
  g_assert_no_error (error);
  bob = g_subprocess_launcher_spawnv (launcher, bob_args, &error);
  g_assert_no_error (error);

  g_assert_true (wait_for_name (bus, alice_name, TRUE));
  g_assert_true (wait_for_name (bus, bob_name, TRUE));

  alice_pid = name_owner_pid (bus, alice_name);
  bob_pid = name_owner_pid (bus, bob_name);
  g_assert_cmpuint (alice_pid, ==, (guint32) atoi (g_subprocess_get_identifier (alice)));
  g_assert_cmpuint (bob_pid, ==, (guint32) atoi (g_subprocess_get_identifier (bob)));

  /* A second start of a running profile hands over to it and exits. */
  alice_again = g_subprocess_launcher_spawnv (launcher, alice_args, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (alice_again, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (alice_again), ==, 0);
  g_assert_cmpuint (name_owner_pid (bus, alice_name), ==, alice_pid);

  activate_quit (bus, alice_name, "/io/github/handset/Handset/Profile_alice");
  g_assert_true (g_subprocess_wait (alice, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (alice), ==, 0);
  /* Bob still runs. */
  g_assert_true (wait_for_name (bus, bob_name, TRUE));
  activate_quit (bus, bob_name, "/io/github/handset/Handset/Profile_bob");
  g_assert_true (g_subprocess_wait (bob, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (bob), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  handset_path = g_getenv ("HANDSET_PROGRAM");
  g_assert_nonnull (handset_path);

  /* The program runs with a home of its own, never the real one. */
  home = handset_test_isolate_home ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  g_test_add_func ("/program/version", test_version);
  g_test_add_func ("/program/help", test_help);
  g_test_add_func ("/program/bad-profile", test_bad_profile);
  g_test_add_func ("/program/bad-command", test_bad_command);
  g_test_add_func ("/program/two-profiles-side-by-side", test_two_profiles_side_by_side);

  status = g_test_run ();

  g_clear_object (&launcher);
  handset_test_remove_tree (home);

  return status;
}
