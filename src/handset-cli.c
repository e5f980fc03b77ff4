/* handset-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `handset [--profile P] COMMAND`: for people and scripts. `login` runs in
 * the process that was started (handset-cli-login.c); every other command
 * goes to the profile's running instance and acts on its calls.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "handset-call-facts.h"
#include "handset-cli-private.h"
#include "handset-matrix-uri.h"
#include "handset-media.h"

/* ------------------------------------------------------------------ finishing later */

typedef struct
{
  HandsetCliStatusFunc func;
  gpointer data;
} Finished;

/* A command that returned -1 says its status here when it is done. */
static void
finish_later (GApplicationCommandLine *command_line, int status)
{
  Finished *finished = g_object_get_data (G_OBJECT (command_line), "handset-cli-finished");

  if (finished != NULL && finished->func != NULL)
    finished->func (command_line, status, finished->data);
  else
    g_application_command_line_set_exit_status (command_line, status);
}

/* Whether a Handset of the profile runs: asked of the session bus, without
 * taking the profile's name. A command that took it would, for a moment,
 * be the instance, and a Handset starting in that moment would fail to
 * register. */
gboolean
handset_cli_instance_runs (const char *application_id)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) reply = NULL;
  gboolean owned = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", application_id), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000,
      NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);

  return owned;
}

/* ------------------------------------------------------------------ commands */

static const char *
json_string (const char *value)
{
  return value ? value : "";
}

/**
 * handset_cli_call_json:
 *
 * Returns: (transfer full): one line of `handset calls`
 */
char *
handset_cli_call_json (HandsetSession *session, HandsetCall *call)
{
  g_autofree char *name = handset_call_facts_opponent_name (session, call);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  HandsetMedia *media = handset_call_get_media (call);
  HandsetMediaStats stats = { 0 };
  guint64 sent, received;
  const char *opponent = handset_call_get_opponent_user_id (call);

  if (media != NULL)
    handset_media_get_stats (media, &stats);
  sent = stats.audio_bytes_sent;
  received = stats.audio_bytes_received;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "call_id");
  json_builder_add_string_value (builder, handset_call_get_call_id (call));
  json_builder_set_member_name (builder, "room_id");
  json_builder_add_string_value (builder, handset_call_get_room_id (call));
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (
      builder, handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING ? "outgoing"
                                                                                    : "incoming");
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder,
                                 handset_call_state_to_string (handset_call_get_state (call)));
  json_builder_set_member_name (builder, "party_id");
  json_builder_add_string_value (builder, handset_call_get_party_id (call));
  json_builder_set_member_name (builder, "opponent_user_id");
  json_builder_add_string_value (builder, json_string (opponent));
  json_builder_set_member_name (builder, "opponent_display_name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "opponent_party_id");
  json_builder_add_string_value (builder, json_string (handset_call_get_opponent_party_id (call)));
  json_builder_set_member_name (builder, "answered_by");
  json_builder_add_string_value (builder, json_string (handset_call_get_answered_by (call)));
  json_builder_set_member_name (builder, "end_reason");
  json_builder_add_string_value (
      builder, handset_call_end_reason_to_string (handset_call_get_end_reason (call)));
  /* While it rings, what the caller's offer says. */
  json_builder_set_member_name (builder, "video");
  json_builder_add_boolean_value (builder, handset_call_facts_video (call));
  json_builder_set_member_name (builder, "encrypted");
  json_builder_add_boolean_value (builder, handset_call_get_encrypted (call));
  /* A first call: the one called has not accepted the new chat yet. */
  json_builder_set_member_name (builder, "waiting_for_join");
  json_builder_add_boolean_value (builder, handset_call_get_waiting_for_join (call));
  /* The other device is one its owner signed, and the owner's identity is
   * the one first seen. */
  json_builder_set_member_name (builder, "peer_verified");
  json_builder_add_boolean_value (
      builder, handset_peer_trust_is_cross_signed (handset_call_get_peer_trust (call)));
  json_builder_set_member_name (builder, "audio_bytes_sent");
  json_builder_add_int_value (builder, (gint64) sent);
  json_builder_set_member_name (builder, "audio_bytes_received");
  json_builder_add_int_value (builder, (gint64) received);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* The call a command means: the one named, or the one ringing or in
 * progress. */
static HandsetCall *
pick_call (HandsetSession *session, const char *call_id, gboolean ringing)
{
  GPtrArray *calls = handset_call_manager_get_calls (handset_session_get_call_manager (session));

  if (call_id != NULL)
    return handset_call_manager_lookup (handset_session_get_call_manager (session), call_id);

  for (guint i = calls->len; i > 0; i--)
    {
      HandsetCall *call = g_ptr_array_index (calls, i - 1);
      HandsetCallState state = handset_call_get_state (call);

      if (state == HANDSET_CALL_STATE_ENDED || state == HANDSET_CALL_STATE_FLEDGLING)
        continue;
      if (!ringing || state == HANDSET_CALL_STATE_RINGING)
        return call;
    }

  return NULL;
}

/* Someone new's call, before its chat is joined: a line like a call's,
 * with the state "invitation" while it rings. */
static char *
invitation_json (HandsetSession *session, HandsetCallInvitation *invitation)
{
  g_autofree char *name =
      handset_call_facts_inviter_name (session, handset_call_invitation_get_inviter (invitation));
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "call_id");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "room_id");
  json_builder_add_string_value (builder, handset_call_invitation_get_room_id (invitation));
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, "incoming");
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, handset_call_invitation_state_to_string (
                                              handset_call_invitation_get_state (invitation)));
  json_builder_set_member_name (builder, "opponent_user_id");
  json_builder_add_string_value (builder, handset_call_invitation_get_inviter (invitation));
  json_builder_set_member_name (builder, "opponent_display_name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "new_contact");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "video");
  json_builder_add_boolean_value (builder, handset_call_invitation_get_video (invitation));
  /* Nothing of the call is read, nor any device of theirs known, before
   * the chat is joined. */
  json_builder_set_member_name (builder, "encrypted");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "peer_verified");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "error");
  if (handset_call_invitation_get_error (invitation) != NULL)
    json_builder_add_string_value (builder, handset_call_invitation_get_error (invitation));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static HandsetCallInvitation *
ringing_invitation (HandsetCallManager *manager)
{
  GPtrArray *invitations = handset_call_manager_get_invitations (manager);

  for (guint i = invitations->len; i > 0; i--)
    {
      HandsetCallInvitation *invitation = g_ptr_array_index (invitations, i - 1);

      if (handset_call_invitation_get_state (invitation) == HANDSET_CALL_INVITATION_RINGING)
        return invitation;
    }
  return NULL;
}

typedef struct
{
  GApplicationCommandLine *command_line;
} Pending;

static void
placed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GApplicationCommandLine) command_line = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCall) call = NULL;

  call = handset_session_place_call_finish (HANDSET_SESSION (object), result, &error);
  if (call == NULL)
    {
      /* 2: nobody to call in what was given; 1: the call failed. */
      g_application_command_line_printerr (command_line, "handset: %s\n", error->message);
      finish_later (command_line,
                    g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ? 2 : 1);
      return;
    }
  g_application_command_line_print (command_line, "%s\n", handset_call_get_call_id (call));
}

static void
answered_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GApplicationCommandLine) command_line = user_data;
  g_autoptr (GError) error = NULL;

  /* No camera to answer with (the portal's answer says why): it still
   * rings. */
  if (!handset_session_answer_finish (HANDSET_SESSION (object), result, &error))
    {
      g_application_command_line_printerr (command_line, "handset: %s\n", error->message);
      finish_later (command_line, 1);
    }
}

/* ------------------------------------------------------------------ verify */

#define RECOVERY_INPUT_MAX 1024

typedef struct
{
  HandsetSession *session;
  GApplicationCommandLine *command_line;
  GInputStream *input;
  GString *text;
} Verify;

static void
verify_free (Verify *verify)
{
  g_object_unref (verify->session);
  g_object_unref (verify->command_line);
  g_object_unref (verify->input);
  memset (verify->text->str, 0, verify->text->allocated_len);
  g_string_free (verify->text, TRUE);
  g_free (verify);
}

static void
verify_finish (Verify *verify, int status, const char *message)
{
  if (status == 0)
    g_application_command_line_print (verify->command_line, "%s\n", message);
  else
    g_application_command_line_printerr (verify->command_line, "handset: %s\n", message);
  finish_later (verify->command_line, status);
  verify_free (verify);
}

static void
verified_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Verify *verify = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_recovery_verify_finish (HANDSET_RECOVERY (object), result, &error))
    verify_finish (verify, 1, error->message);
  else
    verify_finish (verify, 0, _ ("This device is verified"));
}

static void read_more (Verify *verify);

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Verify *verify = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const char *data;
  gsize size = 0;
  char *newline;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      verify_finish (verify, 1, error->message);
      return;
    }
  data = g_bytes_get_data (bytes, &size);
  g_string_append_len (verify->text, data, (gssize) size);
  newline = memchr (verify->text->str, '\n', verify->text->len);
  if (newline != NULL)
    g_string_truncate (verify->text, (gsize) (newline - verify->text->str));
  else if (size > 0 && verify->text->len < RECOVERY_INPUT_MAX)
    {
      read_more (verify);
      return;
    }
  g_strstrip (verify->text->str);
  if (verify->text->str[0] == '\0')
    {
      verify_finish (verify, 1, _ ("No recovery key: give it on standard input"));
      return;
    }
  handset_recovery_verify_async (handset_session_get_recovery (verify->session), verify->text->str,
                                 NULL, verified_cb, verify);
}

static void
read_more (Verify *verify)
{
  g_input_stream_read_bytes_async (verify->input, 256, G_PRIORITY_DEFAULT, NULL, read_cb, verify);
}

/**
 * handset_cli_commands_text:
 *
 * Returns: the commands and what they do, for --help and usage errors
 */
const char *
handset_cli_commands_text (void)
{
  return _ (
      "Commands:\n"
      "  login HOMESERVER USER     log in (password from the terminal or standard input)\n"
      "  call TARGET [--video]     call a Matrix ID, a room ID or a matrix: link\n"
      "  answer [CALL_ID] [--video]\n"
      "  reject [CALL_ID]\n"
      "  hangup [CALL_ID]\n"
      "  hold | resume | mute | unmute [CALL_ID]\n"
      "  calls                     every call, one JSON object per line\n"
      "  verify                    verify this device with the recovery key (standard input)\n"
      "  logout\n"
      "  quit                      hang up every call, then quit\n"
      "  MATRIX_LINK               open a matrix: or https://matrix.to link\n"
      "\n"
      "Every command but login and links goes to the Handset running for the\n"
      "profile and is answered at once; `calls` prints lines as described in\n"
      "calls-row.schema.json (see the manual page).\n"
      "Exit status: 0 done, 1 failed, 2 bad usage, 3 not logged in or not running,\n"
      "4 no such call.\n");
}

static int
usage (GApplicationCommandLine *command_line)
{
  g_application_command_line_printerr (command_line, "%s%s",
                                       _ ("Usage: handset [--profile NAME] COMMAND\n"),
                                       handset_cli_commands_text ());
  return 2;
}

static const char *const commands[] = { "login",  "call",   "answer", "reject", "hangup",
                                        "hold",   "resume", "mute",   "unmute", "calls",
                                        "logout", "verify", "quit",   NULL };

gboolean
handset_cli_is_link (const char *word)
{
  return g_str_has_prefix (word, "matrix:") || g_str_has_prefix (word, "MATRIX:") ||
         g_str_has_prefix (word, "https://matrix.to/");
}

/**
 * handset_cli_check_instance:
 *
 * For a command on the calls (handset_cli_needs_instance()): whether a
 * Handset of the profile runs to take it, found out in this process.
 *
 * Returns: 0 when one runs; else 3, with the reason printed (not logged
 *   in, or not running)
 */
int
handset_cli_check_instance (const char *profile_name)
{
  g_autoptr (HandsetProfile) profile = handset_profile_new (profile_name, NULL);
  g_autoptr (HandsetAccount) account = NULL;
  g_autofree char *user_id = NULL;

  /* A bad profile name is said by the instance, as before. */
  if (profile == NULL || handset_cli_instance_runs (handset_profile_get_application_id (profile)))
    return 0;

  account = handset_account_new (profile, NULL);
  user_id = account ? handset_account_get_saved_user_id (account) : NULL;
  if (user_id == NULL)
    g_printerr ("handset: %s\n", _ ("Not logged in. Log in with: handset login HOMESERVER USER"));
  else
    g_printerr ("handset: %s\n",
                _ ("Handset is not running for this profile. Start it, then try again."));

  return 3;
}

/**
 * handset_cli_check:
 * @command: the command and its operands
 *
 * Checks, before anything starts or is sent, that @command is one Handset
 * has and that a link is one it can open.
 *
 * Returns: 0 when it may go on; else the exit status, the reason printed
 */
int
handset_cli_check (const char *const *command)
{
  g_autoptr (GError) error = NULL;
  const char *word = NULL;

  /* Options (--help, --video) are the option parser's. */
  for (guint i = 0; command[i] != NULL && word == NULL; i++)
    if (command[i][0] != '-')
      word = command[i];
  if (word == NULL)
    return 0;
  if (handset_cli_is_link (word))
    {
      g_autoptr (HandsetMatrixUri) uri = handset_matrix_uri_parse (word, &error);

      if (uri == NULL)
        {
          g_printerr ("handset: %s\n", error->message);
          return 2;
        }
      return 0;
    }
  if (!g_strv_contains (commands, word))
    {
      g_printerr (_ ("handset: no such command: %s\n"), word);
      g_printerr ("%s%s", _ ("Usage: handset [--profile NAME] COMMAND\n"),
                  handset_cli_commands_text ());
      return 2;
    }
  return 0;
}

/**
 * handset_cli_needs_instance:
 *
 * Returns: whether @command goes to the running Handset of the profile
 *   (and so fails when none runs, rather than start one): every command
 *   but login, which runs where it was typed, and links, which start
 *   Handset when it does not run
 */
gboolean
handset_cli_needs_instance (const char *command)
{
  return command != NULL && g_strv_contains (commands, command) && !g_str_equal (command, "login");
}

/**
 * handset_cli_run:
 * @session: (nullable): the logged-in session
 * @args: the command and its arguments
 * @finished: (nullable): told the exit status of a command that finishes
 *   later
 *
 * Runs a command in the primary instance.
 *
 * Returns: the exit status, or -1 when the command finishes later
 */
int
handset_cli_run (HandsetSession *session,
                 GApplicationCommandLine *command_line,
                 const char *const *args,
                 HandsetCliStatusFunc finished,
                 gpointer finished_data)
{
  const char *command = args[0];
  gboolean video = FALSE;
  const char *operand = NULL;
  HandsetCall *call;
  Finished *later = g_new0 (Finished, 1);

  later->func = finished;
  later->data = finished_data;
  g_object_set_data_full (G_OBJECT (command_line), "handset-cli-finished", later, g_free);

  for (guint i = 1; args[i] != NULL; i++)
    {
      if (g_str_equal (args[i], "--video"))
        video = TRUE;
      else if (operand == NULL)
        operand = args[i];
      else
        return usage (command_line);
    }

  if (session == NULL)
    {
      g_application_command_line_printerr (
          command_line, "handset: %s\n",
          _ ("Not logged in. Log in with: handset login HOMESERVER USER"));
      return 3;
    }

  if (g_str_equal (command, "calls"))
    {
      GPtrArray *calls =
          handset_call_manager_get_calls (handset_session_get_call_manager (session));
      GPtrArray *invitations =
          handset_call_manager_get_invitations (handset_session_get_call_manager (session));

      for (guint i = 0; i < calls->len; i++)
        {
          g_autofree char *line = handset_cli_call_json (session, g_ptr_array_index (calls, i));

          g_application_command_line_print (command_line, "%s\n", line);
        }
      for (guint i = 0; i < invitations->len; i++)
        {
          g_autofree char *line = invitation_json (session, g_ptr_array_index (invitations, i));

          g_application_command_line_print (command_line, "%s\n", line);
        }
      return 0;
    }

  if (g_str_equal (command, "call"))
    {
      if (operand == NULL)
        return usage (command_line);

      handset_session_place_call_async (session, operand, video, NULL, placed_cb,
                                        g_object_ref (command_line));
      return -1;
    }

  if (g_str_equal (command, "verify"))
    {
      GInputStream *input = g_application_command_line_get_stdin (command_line);
      Verify *verify;

      if (input == NULL)
        {
          g_application_command_line_printerr (command_line, "handset: %s\n",
                                               _ ("No recovery key: give it on standard input"));
          return 1;
        }
      verify = g_new0 (Verify, 1);
      verify->session = g_object_ref (session);
      verify->command_line = g_object_ref (command_line);
      verify->input = input;
      verify->text = g_string_new (NULL);
      read_more (verify);
      return -1;
    }

  if (g_str_equal (command, "logout"))
    {
      g_action_group_activate_action (G_ACTION_GROUP (g_application_get_default ()), "logout",
                                      NULL);
      return 0;
    }

  /* Nothing rings but someone new's invitation: answer or decline that. */
  if ((g_str_equal (command, "answer") || g_str_equal (command, "reject")) && operand == NULL &&
      pick_call (session, NULL, TRUE) == NULL)
    {
      HandsetCallManager *manager = handset_session_get_call_manager (session);
      HandsetCallInvitation *invitation = ringing_invitation (manager);

      if (invitation != NULL)
        {
          if (!g_str_equal (command, "answer"))
            {
              handset_call_manager_decline_invitation (manager, invitation);
              return 0;
            }
          handset_session_answer_async (session, NULL, invitation, video, NULL, answered_cb,
                                        g_object_ref (command_line));
          return -1;
        }
    }

  call = pick_call (session, operand,
                    g_str_equal (command, "answer") || g_str_equal (command, "reject"));
  if (call == NULL)
    {
      g_application_command_line_printerr (command_line, "handset: %s\n",
                                           operand ? _ ("No such call") : _ ("No call to act on"));
      return 4;
    }

  if (g_str_equal (command, "answer"))
    {
      handset_session_answer_async (session, call, NULL, video, NULL, answered_cb,
                                    g_object_ref (command_line));
      return -1;
    }
  if (g_str_equal (command, "reject"))
    handset_call_reject (call);
  else if (g_str_equal (command, "hangup"))
    handset_call_hangup (call);
  else if (g_str_equal (command, "hold") || g_str_equal (command, "resume"))
    handset_call_set_on_hold (call, g_str_equal (command, "hold"));
  else if (g_str_equal (command, "mute") || g_str_equal (command, "unmute"))
    handset_call_set_muted (call, g_str_equal (command, "mute"));
  else
    return usage (command_line);

  return 0;
}
