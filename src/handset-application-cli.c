/* handset-application-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's command line: what runs in the process that was
 * started (`--version`, `login`, checks that need no instance) and what is
 * forwarded to the running instance of the profile, where every command
 * is answered from the state it is in, never after a wait for a sync or
 * the keyring (see handset-cli.c for the commands themselves). The
 * process of a command never becomes the instance: with none running, it
 * says so and exits 3. Also here: the session `handset login` hands over
 * ("take-session", the running session's calls ended first as when
 * quitting; refused at once, nothing stopped, when the store no longer
 * names that device), and `handset quit`.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-application-private.h"
#include "handset-cli.h"
#include "handset-matrix-uri.h"

/* The command and its operands, without the options. */
static GStrv
command_of (char **argv, char **profile_name)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 1; argv[i] != NULL; i++)
    {
      if ((g_str_equal (argv[i], "--profile") || g_str_equal (argv[i], "-p")) &&
          argv[i + 1] != NULL)
        {
          if (profile_name != NULL)
            *profile_name = g_strdup (argv[i + 1]);
          i++;
        }
      else if (g_str_has_prefix (argv[i], "--profile="))
        {
          if (profile_name != NULL)
            *profile_name = g_strdup (argv[i] + strlen ("--profile="));
        }
      else if (g_str_has_prefix (argv[i], "--gapplication-") || g_str_equal (argv[i], "--version"))
        continue;
      else
        g_strv_builder_add (builder, argv[i]);
    }

  return g_strv_builder_end (builder);
}

gboolean
handset_application_cli_local_command_line (GApplication *application,
                                            char ***arguments,
                                            int *exit_status)
{
  g_autofree char *profile_name = NULL;
  g_auto (GStrv) command = command_of (*arguments, &profile_name);

  /* login runs here: the password never leaves this process. */
  if (command[0] != NULL && g_str_equal (command[0], "login"))
    {
      if (g_strv_length (command) != 3)
        {
          g_printerr ("%s", _ ("Usage: handset [--profile NAME] login HOMESERVER USER\n"));
          *exit_status = 2;
          return TRUE;
        }
      *exit_status = handset_cli_login (profile_name, command[1], command[2]);
      return TRUE;
    }

  /* A command Handset does not have, or a link it cannot open: said here,
   * before anything starts. */
  *exit_status = handset_cli_check ((const char *const *) command);
  if (*exit_status != 0)
    return TRUE;
  /* A command for the running Handset: none runs, said here. Else this
   * process only ever forwards it: were the instance to quit meanwhile,
   * this process must not become one in its place. */
  if (command[0] != NULL && handset_cli_needs_instance (command[0]))
    {
      if ((*exit_status = handset_cli_check_instance (profile_name)) != 0)
        return TRUE;
      g_application_set_flags (application,
                               g_application_get_flags (application) | G_APPLICATION_IS_LAUNCHER);
    }

  /* verify: the recovery key is asked for here, where the terminal is. */
  if (command[0] != NULL && g_str_equal (command[0], "verify"))
    handset_cli_prompt_recovery_key ();

  /* The rest as GApplication does it (HandsetApplication is final: its
   * parent class is the one above it). */
  return G_APPLICATION_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (application)))
      ->local_command_line (application, arguments, exit_status);
}

static int
run_command (HandsetApplication *self, GApplicationCommandLine *command_line)
{
  g_auto (GStrv) argv = g_application_command_line_get_arguments (command_line, NULL);
  g_auto (GStrv) parsed = command_of (argv, NULL);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) command = NULL;
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  int status;

  /* GApplication takes --video out of the arguments as an option. */
  g_strv_builder_addv (builder, (const char **) parsed);
  if (g_variant_dict_contains (options, "video") &&
      !g_strv_contains ((const char *const *) parsed, "--video"))
    g_strv_builder_add (builder, "--video");
  command = g_strv_builder_end (builder);

  status = handset_cli_run (self->session, command_line, (const char *const *) command,
                            handset_application_command_finished_cb, self);
  if (status >= 0)
    handset_application_set_command_status (self, command_line, status);

  return MAX (status, 0);
}

/* ------------------------------------------------------------------ take-session */

/* `handset login` in another process wrote a session to the store and
 * the keyring and waits for this instance to take it. Answered once no
 * restore is under way: 0 when the session restored is that device's. */
void
handset_application_answer_handovers (HandsetApplication *self)
{
  HandsetAccountState state = handset_account_get_state (self->account);
  HandsetMatrixClient *client = handset_account_get_client (self->account);
  const char *device = client ? handset_matrix_client_get_device_id (client) : NULL;
  g_autoptr (GPtrArray) handovers = NULL;

  if (self->handovers->len == 0 || self->switching || state == HANDSET_ACCOUNT_STATE_RESTORING ||
      state == HANDSET_ACCOUNT_STATE_LOGGING_IN)
    return;

  handovers = g_steal_pointer (&self->handovers);
  self->handovers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < handovers->len; i++)
    {
      GApplicationCommandLine *command_line = g_ptr_array_index (handovers, i);
      const char *wanted = g_object_get_data (G_OBJECT (command_line), "handset-device");

      g_debug ("Handover of device %s answered: account state %d, device %s", wanted, state,
               device ? device : "none");
      if (state == HANDSET_ACCOUNT_STATE_LOGGED_IN && g_strcmp0 (device, wanted) == 0)
        {
          handset_application_set_command_status (self, command_line, 0);
          continue;
        }
      if (state == HANDSET_ACCOUNT_STATE_LOGGED_IN)
        g_application_command_line_printerr (
            command_line, "handset: %s\n",
            _ ("Another login was handed to Handset after this one, and is the one it uses."));
      else if (handset_account_get_message (self->account) != NULL)
        g_application_command_line_printerr (command_line, "handset: %s\n",
                                             handset_account_get_message (self->account));
      handset_application_set_command_status (self, command_line, 1);
    }
}

/* The session in the store now is the one to run: whatever this instance
 * was doing (restoring the last run's session, or running one), a
 * restore still under way is superseded by this one. */
static void
switch_session (HandsetApplication *self)
{
  self->switching = FALSE;
  handset_application_stop_session (self);
  g_application_hold (G_APPLICATION (self));
  handset_account_restore_handed_over_async (self->account, NULL, handset_application_restored_cb,
                                             g_object_ref (self));
}

static void
handover_hung_up_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  HandsetApplication *self = user_data;

  if (!handset_call_manager_hang_up_all_finish (HANDSET_CALL_MANAGER (object), result))
    g_message ("The homeserver may not have heard that the call ended");
  switch_session (self);
  g_application_release (G_APPLICATION (self));
  g_object_unref (self);
}

static int
take_session (HandsetApplication *self, GApplicationCommandLine *command_line, const char *device)
{
  HandsetMatrixClient *client = handset_account_get_client (self->account);
  HandsetCallManager *manager;
  GPtrArray *calls;
  g_autofree char *saved = NULL;

  g_debug ("Asked to take the session of device %s (account state %d, %s)", device,
           handset_account_get_state (self->account),
           self->session != NULL ? "a session runs" : "no session");
  /* A login that gave up waiting put back the session it replaced before
   * it logged its device out, or a later login replaced it in the store:
   * asked for late, that device is not taken, and the session this
   * instance runs goes on as it was. */
  if (!handset_account_get_saved_session (self->account, NULL, NULL, &saved) ||
      !g_str_equal (saved, device))
    {
      g_application_command_line_printerr (
          command_line, "handset: %s\n",
          _ ("The login handed over is no longer the profile's: it was given up, or another login "
             "came after it. Log in again if this one is wanted."));
      handset_application_set_command_status (self, command_line, 1);
      return 1;
    }

  g_object_set_data_full (G_OBJECT (command_line), "handset-device", g_strdup (device), g_free);
  g_ptr_array_add (self->handovers, g_object_ref (command_line));
  if (handset_account_get_state (self->account) == HANDSET_ACCOUNT_STATE_LOGGED_IN &&
      client != NULL && g_strcmp0 (handset_matrix_client_get_device_id (client), device) == 0)
    {
      handset_application_answer_handovers (self);
      return 0;
    }

  if (self->session == NULL)
    {
      switch_session (self);
      return 0;
    }

  /* The old session's calls end first, as when quitting: the other side
   * is told (a call that rings here declined, the others hung up; waited
   * for two seconds at most), not left to time out. */
  manager = handset_session_get_call_manager (self->session);
  calls = handset_call_manager_get_calls (manager);
  for (guint i = 0; i < calls->len; i++)
    if (handset_call_get_state (g_ptr_array_index (calls, i)) == HANDSET_CALL_STATE_RINGING)
      handset_call_reject (g_ptr_array_index (calls, i));
  g_application_hold (G_APPLICATION (self));
  self->switching = TRUE;
  handset_call_manager_hang_up_all_async (manager, 2000, handover_hung_up_cb, g_object_ref (self));
  return 0;
}

/* ------------------------------------------------------------------ commands */

int
handset_application_cli_command_line (GApplication *application,
                                      GApplicationCommandLine *command_line)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  g_auto (GStrv) argv = g_application_command_line_get_arguments (command_line, NULL);
  g_auto (GStrv) command = command_of (argv, NULL);

  if (command[0] == NULL)
    {
      g_application_activate (application);
      return 0;
    }

  if (g_str_equal (command[0], "take-session") && command[1] != NULL &&
      g_application_command_line_get_is_remote (command_line))
    return take_session (self, command_line, command[1]);

  /* `handset matrix:u/bob:example.org?action=call`, as the desktop file's
   * Exec line passes a clicked link. */
  if (handset_cli_is_link (command[0]))
    {
      g_autoptr (GFile) file = g_file_new_for_uri (command[0]);

      g_application_open (application, &file, 1, "");
      return 0;
    }

  /* A command for a running Handset, and this process is the first (D-Bus
   * started it): none ran. Said, and this one goes. */
  if (!g_application_command_line_get_is_remote (command_line))
    {
      g_application_command_line_printerr (
          command_line, "handset: %s\n",
          _ ("Handset is not running for this profile. Start it, then try again."));
      handset_application_set_command_status (self, command_line, 3);
      g_application_quit (application);
      return 3;
    }

  /* Answered when every call is hung up, just before Handset goes. */
  if (g_str_equal (command[0], "quit"))
    {
      g_ptr_array_add (self->quit_commands, g_object_ref (command_line));
      handset_application_quit (self);
      return 0;
    }

  return run_command (self, command_line);
}
