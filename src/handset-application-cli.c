/* handset-application-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's command line: what runs in the process that was
 * started (`--version`, `login`, checks that need no instance) and what is
 * forwarded to the running instance of the profile, where commands wait
 * for the first sync when they need it (see handset-cli.c for the
 * commands themselves).
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
  /* A command on the calls goes to a running Handset: none runs, said
   * here, without this process ever being the instance. */
  if (command[0] != NULL && handset_cli_needs_instance (command[0]) &&
      (*exit_status = handset_cli_check_instance (profile_name)) != 0)
    return TRUE;

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

void
handset_application_run_waiting_commands (HandsetApplication *self)
{
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting_commands);

  self->waiting_commands = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    run_command (self, g_ptr_array_index (waiting, i));
}

int
handset_application_cli_command_line (GApplication *application,
                                      GApplicationCommandLine *command_line)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  g_auto (GStrv) argv = g_application_command_line_get_arguments (command_line, NULL);
  g_auto (GStrv) command = command_of (argv, NULL);
  HandsetAccountState state = handset_account_get_state (self->account);

  if (command[0] == NULL)
    {
      g_application_activate (application);
      return 0;
    }

  /* A command for the calls of a running Handset, and this process is the
   * first: none runs. Said at once, rather than start one and wait for
   * its sync (a profile never logged in says that below). */
  if (!g_application_command_line_get_is_remote (command_line) &&
      handset_cli_needs_instance (command[0]) && state != HANDSET_ACCOUNT_STATE_LOGGED_OUT &&
      state != HANDSET_ACCOUNT_STATE_NEEDS_LOGIN)
    {
      g_application_command_line_printerr (
          command_line, "handset: %s\n",
          _ ("Handset is not running for this profile. Start it, then try again."));
      handset_application_set_command_status (self, command_line, 3);
      g_application_quit (application);
      return 3;
    }

  /* `handset matrix:u/bob:example.org?action=call`, as the desktop file's
   * Exec line passes a clicked link. */
  if (handset_cli_is_link (command[0]))
    {
      g_autoptr (GFile) file = g_file_new_for_uri (command[0]);

      g_application_open (application, &file, 1, "");
      return 0;
    }

  /* Commands wait until the session is ready: the first sync tells which
   * calls and direct chats there are. */
  if (state == HANDSET_ACCOUNT_STATE_RESTORING || state == HANDSET_ACCOUNT_STATE_LOGGING_IN ||
      (self->session != NULL && !handset_session_get_ready (self->session)))
    {
      g_ptr_array_add (self->waiting_commands, g_object_ref (command_line));
      return 0;
    }

  return run_command (self, command_line);
}
