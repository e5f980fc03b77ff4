/* handset-cli-login.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `handset login`: runs in the process that was started. It reads the
 * password from the terminal or standard input, never from an argument,
 * and hands the new session to the profile's running instance, waiting
 * for it to be taken; a session that cannot be handed over, or that the
 * keyring cannot keep, is logged out again, and the store names the
 * session it replaced once more.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "handset-cli-private.h"
#include "handset-retired-device.h"

/* ------------------------------------------------------------------ login */

static char *
read_secret (const char *prompt)
{
  g_autoptr (GString) password = g_string_new (NULL);
  struct termios old, silent;
  gboolean terminal = isatty (STDIN_FILENO);
  int c;

  if (terminal)
    {
      /* A prompt, without echo. */
      fprintf (stderr, "%s", prompt);
      fflush (stderr);
      tcgetattr (STDIN_FILENO, &old);
      silent = old;
      silent.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &silent);
    }

  while ((c = getchar ()) != EOF && !(terminal && c == '\n'))
    g_string_append_c (password, (char) c);

  if (terminal)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      fprintf (stderr, "\n");
    }

  /* Piped passwords end with a newline more often than not. */
  while (password->len > 0 &&
         (password->str[password->len - 1] == '\n' || password->str[password->len - 1] == '\r'))
    g_string_truncate (password, password->len - 1);

  return g_string_free (g_steal_pointer (&password), FALSE);
}

/**
 * handset_cli_prompt_recovery_key:
 *
 * For `handset verify` typed at a terminal: asks for the recovery key
 * without echo, in this process, and puts it on standard input for the
 * running instance to read. Piped input is left as it is.
 */
void
handset_cli_prompt_recovery_key (void)
{
  char *key;
  int fds[2];
  gsize length;

  if (!isatty (STDIN_FILENO))
    return;
  key = read_secret (_ ("Recovery key or passphrase: "));
  length = strlen (key);
  if (pipe (fds) == 0)
    {
      /* A recovery key is far below a pipe's buffer: this cannot block. */
      if (write (fds[1], key, length) != (ssize_t) length || write (fds[1], "\n", 1) != 1)
        g_printerr ("handset: %s\n", _ ("The recovery key could not be passed on"));
      close (fds[1]);
      dup2 (fds[0], STDIN_FILENO);
      close (fds[0]);
    }
  memset (key, 0, length);
  g_free (key);
}

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} Waiter;

static void
login_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->ok =
      handset_account_login_password_finish (HANDSET_ACCOUNT (object), result, &waiter->error);
  g_main_loop_quit (waiter->loop);
}

/* How long the running instance may take to restore the new session
 * (its keyring may ask to be unlocked); HANDSET_HANDOVER_TIMEOUT_MS sets
 * another, for tests. */
#define HANDOVER_TIMEOUT_MS 60000

static int
handover_timeout_ms (void)
{
  const char *value = g_getenv ("HANDSET_HANDOVER_TIMEOUT_MS");
  guint64 ms;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT, &ms, NULL))
    return (int) ms;
  return HANDOVER_TIMEOUT_MS;
}

typedef struct
{
  GMainLoop *loop;
  GVariant *reply;
  GError *error;
} Handover;

static void
handover_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Handover *handover = user_data;

  handover->reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &handover->error);
  g_main_loop_quit (handover->loop);
}

/* What the instance prints for the handed-over login, printed here. */
static void
print_method_cb (GDBusConnection *connection,
                 const char *sender,
                 const char *object_path,
                 const char *interface_name,
                 const char *method_name,
                 GVariant *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer user_data)
{
  const char *message = NULL;

  g_variant_get (parameters, "(&s)", &message);
  if (g_str_equal (method_name, "Print"))
    g_print ("%s", message);
  else
    g_printerr ("%s", message);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const char print_xml[] = "<node><interface name='org.gtk.private.CommandLine'>"
                                "<method name='Print'><arg type='s' direction='in'/></method>"
                                "<method name='PrintError'><arg type='s' direction='in'/></method>"
                                "</interface></node>";

static char *
object_path_of (const char *application_id)
{
  g_autofree char *path = g_strconcat ("/", application_id, NULL);

  g_strdelimit (path, ".", '/');
  g_strdelimit (path, "-", '_');
  return g_steal_pointer (&path);
}

/* Tells the running instance of the profile to take the session of
 * @device_id, which the store and the keyring now hold, and waits for it
 * to say it did: a command line the instance answers ("take-session"),
 * never started by D-Bus activation. With no instance, the session waits
 * in the store for the next start, which restores it.
 *
 * Returns: TRUE when the instance took it, or none runs */
static gboolean
hand_over (HandsetProfile *profile, const char *device_id, GError **error)
{
  const char *application_id = handset_profile_get_application_id (profile);
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (print_xml, NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *application_path = object_path_of (application_id);
  g_autofree char *print_path =
      g_strdup_printf ("/io/github/handset/Handset/Login%u", (guint) getpid ());
  const GDBusInterfaceVTable vtable = { print_method_cb, NULL, NULL, { 0 } };
  const char *const argv[] = { "handset", "take-session", device_id, NULL };
  int timeout_ms = handover_timeout_ms ();
  guint registration;

  if (bus == NULL)
    return TRUE;
  registration = g_dbus_connection_register_object (bus, print_path, info->interfaces[0], &vtable,
                                                    NULL, NULL, NULL);

  /* An instance that quits while it is asked leaves the session to the
   * next; one that starts meanwhile is asked in turn. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      Handover handover = { loop, NULL, NULL };
      GVariantBuilder platform;
      int status;

      if (!handset_cli_instance_runs (application_id))
        break;
      g_variant_builder_init (&platform, G_VARIANT_TYPE_VARDICT);
      g_dbus_connection_call (
          bus, application_id, application_path, "org.gtk.Application", "CommandLine",
          g_variant_new ("(o^aay@a{sv})", print_path, argv, g_variant_builder_end (&platform)),
          G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms, NULL, handover_cb,
          &handover);
      g_main_loop_run (loop);
      /* What it printed, before its answer came. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (handover.reply != NULL)
        {
          g_variant_get (handover.reply, "(i)", &status);
          g_variant_unref (handover.reply);
          g_dbus_connection_unregister_object (bus, registration);
          if (status == 0)
            return TRUE;
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _ ("The running Handset did not take the new login."));
          return FALSE;
        }
      if (g_error_matches (handover.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       _ ("The running Handset did not take the new login within %d seconds."),
                       (timeout_ms + 999) / 1000);
          g_clear_error (&handover.error);
          g_dbus_connection_unregister_object (bus, registration);
          return FALSE;
        }
      if (!g_dbus_error_is_remote_error (handover.error) ||
          (!g_str_equal (g_dbus_error_get_remote_error (handover.error),
                         "org.freedesktop.DBus.Error.ServiceUnknown") &&
           !g_str_equal (g_dbus_error_get_remote_error (handover.error),
                         "org.freedesktop.DBus.Error.NameHasNoOwner")))
        {
          g_dbus_error_strip_remote_error (handover.error);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _ ("The running Handset could not be given the new login: %s"),
                       handover.error->message);
          g_clear_error (&handover.error);
          g_dbus_connection_unregister_object (bus, registration);
          return FALSE;
        }
      g_clear_error (&handover.error);
    }

  g_dbus_connection_unregister_object (bus, registration);
  return TRUE;
}

static void
retired_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->ok =
      handset_retired_device_forget_finish (HANDSET_ACCOUNT (object), result, &waiter->error);
  g_main_loop_quit (waiter->loop);
}

/* The session the login replaces, as the store kept it. */
typedef struct
{
  char *homeserver;
  char *user_id;
  char *device_id;
  char *position;
} Replaced;

static void
replaced_clear (Replaced *replaced)
{
  g_clear_pointer (&replaced->homeserver, g_free);
  g_clear_pointer (&replaced->user_id, g_free);
  g_clear_pointer (&replaced->device_id, g_free);
  g_clear_pointer (&replaced->position, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Replaced, replaced_clear)

/* The session this login replaced, which nothing uses any more, logged
 * out at its homeserver and forgotten here; said when it could not be. */
static void
retire_replaced (HandsetAccount *account, const Replaced *replaced, GMainLoop *loop)
{
  Waiter out = { loop, FALSE, NULL };

  handset_retired_device_forget_async (account, replaced->homeserver, replaced->user_id,
                                       replaced->device_id, NULL, retired_cb, &out);
  g_main_loop_run (loop);
  if (!out.ok)
    {
      g_printerr (_ ("handset: the device %s of the login this one replaced may still be "
                     "logged in: %s\n"),
                  replaced->device_id, out.error->message);
      g_clear_error (&out.error);
    }
}

/* The login is not kept: the store names the session it replaced again
 * (which the running instance may still use, and its next start
 * restores), and only then is the new device logged out, with the token
 * this process holds, and forgotten here; were the instance to ask for
 * it late, the store no longer names it. A later login written down
 * meanwhile is left alone. The replaced session's keyring item and data
 * are left as they are. */
static void
undo_login (HandsetAccount *account, const Replaced *replaced, GMainLoop *loop)
{
  Waiter out = { loop, FALSE, NULL };
  g_autoptr (GError) error = NULL;

  HandsetMatrixClient *client = handset_account_get_client (account);
  g_autofree char *ours = g_strdup (handset_matrix_client_get_device_id (client));
  g_autofree char *saved = NULL;

  if (!handset_account_put_back_session (account, ours, replaced->homeserver, replaced->user_id,
                                         replaced->device_id, replaced->position, &error))
    g_printerr ("handset: %s\n", error->message);
  handset_account_get_saved_session (account, NULL, NULL, &saved);
  handset_retired_device_forget_client_async (account, client, NULL, retired_cb, &out);
  g_main_loop_run (loop);
  if (!out.ok)
    {
      g_printerr (_ ("handset: the new device may still be logged in: %s\n"), out.error->message);
      g_clear_error (&out.error);
    }

  /* A login that came after this one is the profile's now: it replaced
   * this one, not the session this one replaced, which nothing else would
   * log out. */
  if (replaced->device_id != NULL && saved != NULL && !g_str_equal (saved, replaced->device_id) &&
      !g_str_equal (saved, ours))
    retire_replaced (account, replaced, loop);
}

/**
 * handset_cli_login:
 *
 * Logs the profile in, here and now, and hands the new session to the
 * running instance, if there is one, waiting until it has taken it. The
 * session it replaces is logged out at its homeserver.
 *
 * Returns: the exit status
 */
int
handset_cli_login (const char *profile_name, const char *homeserver, const char *user)
{
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *password = NULL;
  g_auto (Replaced) old = { 0 };
  g_autofree char *device = NULL;
  gboolean replaces;
  Waiter waiter = { loop, FALSE, NULL };

  profile = handset_profile_new (profile_name, &error);
  if (profile == NULL || (account = handset_account_new (profile, &error)) == NULL)
    {
      g_printerr ("handset: %s\n", error->message);
      return 2;
    }

  password = read_secret (_ ("Password: "));
  if (*password == '\0')
    {
      g_printerr ("handset: %s\n", _ ("No password given"));
      return 2;
    }

  handset_account_login_password_async (account, homeserver, user, password, NULL, login_done,
                                        &waiter);
  memset (password, 0, strlen (password));
  g_main_loop_run (loop);

  if (!waiter.ok)
    {
      g_printerr ("handset: %s\n", waiter.error->message);
      g_clear_error (&waiter.error);
      return 1;
    }
  /* The session this login replaced, as the store named it when the
   * login was written down. */
  replaces = handset_account_get_replaced_session (account, &old.homeserver, &old.user_id,
                                                   &old.device_id, &old.position);
  /* A login only this process knows is worth nothing: Handset reads the
   * session from the keyring. The new device is logged out again. */
  if (!handset_account_get_remembered (account))
    {
      g_printerr ("handset: %s\n",
                  _ ("The login cannot be kept: the keyring is locked or missing. Unlock it (or "
                     "start it), then log in again."));
      undo_login (account, &old, loop);
      return 1;
    }
  device = g_strdup (handset_matrix_client_get_device_id (handset_account_get_client (account)));

  if (!hand_over (profile, device, &error))
    {
      g_printerr ("handset: %s %s\n", error->message,
                  _ ("The new device is logged out again; log in once more."));
      /* Only the new device: the instance may still run the old one. */
      undo_login (account, &old, loop);
      return 1;
    }

  if (handset_account_get_message (account) != NULL)
    g_printerr ("handset: %s\n", handset_account_get_message (account));
  g_print (_ ("Logged in as %s\n"), handset_account_get_user_id (account));

  /* The replaced session's device, which nothing uses any more, is
   * logged out rather than left behind. */
  if (replaces && !g_str_equal (old.device_id, device))
    retire_replaced (account, &old, loop);

  return 0;
}
