/* handset-application-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the user can do as application actions (menus, shortcuts and
 * notification buttons), and quitting or logging out with calls going on.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-application-private.h"
#include "handset-call-view.h"
#include "handset-preferences.h"
#include "handset-rtc-notice.h"

static HandsetCall *
find_call (HandsetApplication *self, const char *call_id)
{
  if (self->session == NULL || call_id == NULL)
    return NULL;

  return handset_call_manager_lookup (handset_session_get_call_manager (self->session), call_id);
}

static void
restore_session_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);

  handset_application_stop_session (self);
  g_application_hold (G_APPLICATION (self));
  handset_account_restore_async (self->account, NULL, handset_application_restored_cb,
                                 g_object_ref (self));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Handset developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (application), "application-name",
                         _ ("Handset"), "application-icon", HANDSET_APP_ID, "version",
                         PACKAGE_VERSION, "developers", developers, "license-type",
                         GTK_LICENSE_GPL_3_0, "website", "https://github.com/handset/handset",
                         "issue-url", "https://github.com/handset/handset/issues", NULL);
}

typedef struct
{
  HandsetApplication *self;
  gboolean log_out;
} Ending;

static void logged_out_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* Quitting: the name goes first, so that a Handset started as soon as
 * `handset quit` returns is the new instance rather than a command for
 * this one; then each `quit` is answered, and the application ends. */
static void
finish_quit (HandsetApplication *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  const char *name = g_application_get_application_id (G_APPLICATION (self));
  g_autoptr (GPtrArray) commands = g_steal_pointer (&self->quit_commands);
  g_autoptr (GVariant) released = NULL;

  self->quit_commands = g_ptr_array_new_with_free_func (g_object_unref);
  if (bus != NULL && name != NULL)
    released = g_dbus_connection_call_sync (
        bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ReleaseName",
        g_variant_new ("(s)", name), NULL, G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  for (guint i = 0; i < commands->len; i++)
    handset_application_set_command_status (self, g_ptr_array_index (commands, i), 0);
  g_application_quit (G_APPLICATION (self));
}

static void
hung_up_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Ending *ending = user_data;
  HandsetApplication *self = ending->self;

  if (!handset_call_manager_hang_up_all_finish (HANDSET_CALL_MANAGER (object), result))
    g_message ("The homeserver may not have heard that the call ended");
  self->ending = FALSE;
  if (ending->log_out)
    {
      handset_application_stop_session (self);
      handset_account_logout_async (self->account, NULL, logged_out_cb, NULL);
    }
  /* A quit asked for while logging out is not forgotten. */
  if (!ending->log_out || self->quit_commands->len > 0 || self->quit_pending)
    finish_quit (self);
  g_application_release (G_APPLICATION (self));
  g_object_unref (self);
  g_free (ending);
}

/* Quitting or logging out in a call: the other side is told first (a
 * call in progress hung up, one that rings here declined; the events sent,
 * waited for two seconds at most), not left to time out. */
static void
end_calls_then (HandsetApplication *self, gboolean log_out)
{
  HandsetCallManager *manager;
  GPtrArray *calls;
  Ending *ending;

  if (self->ending)
    {
      self->quit_pending = self->quit_pending || !log_out;
      return;
    }
  if (self->session == NULL)
    {
      if (log_out)
        handset_account_logout_async (self->account, NULL, logged_out_cb, NULL);
      else
        finish_quit (self);
      return;
    }
  manager = handset_session_get_call_manager (self->session);
  calls = handset_call_manager_get_calls (manager);
  for (guint i = 0; i < calls->len; i++)
    if (handset_call_get_state (g_ptr_array_index (calls, i)) == HANDSET_CALL_STATE_RINGING)
      handset_call_reject (g_ptr_array_index (calls, i));
  ending = g_new0 (Ending, 1);
  ending->self = g_object_ref (self);
  ending->log_out = log_out;
  self->ending = TRUE;
  g_application_hold (G_APPLICATION (self));
  handset_call_manager_hang_up_all_async (manager, 2000, hung_up_cb, ending);
}

/**
 * handset_application_quit:
 *
 * Quits as `handset quit`, the Quit action and the signals of a session's
 * end do: every call ended first.
 */
void
handset_application_quit (HandsetApplication *self)
{
  end_calls_then (self, FALSE);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  end_calls_then (HANDSET_APPLICATION (user_data), FALSE);
}

/* SIGTERM (the session ends, `systemctl --user stop`, or `kill`), SIGINT
 * and SIGHUP: a quit like any other. */
gboolean
handset_application_quit_signal_cb (gpointer user_data)
{
  end_calls_then (HANDSET_APPLICATION (user_data), FALSE);

  return G_SOURCE_CONTINUE;
}

static void
answer_call_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetCall *call = find_call (user_data, g_variant_get_string (parameter, NULL));

  if (call != NULL)
    handset_call_answer (call, FALSE);
}

static void
decline_call_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetCall *call = find_call (user_data, g_variant_get_string (parameter, NULL));

  if (call != NULL)
    handset_call_reject (call);
}

static void
screen_shared_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetApplication) self = user_data;
  HandsetCall *call = HANDSET_CALL (object);
  g_autoptr (GError) error = NULL;
  HandsetWindow *window;

  if (handset_call_start_screenshare_finish (call, result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_message ("The screen was not shared: %s", error->message);
  window = handset_application_main_window (self);
  if (window != NULL)
    handset_call_view_show_screen_error (HANDSET_CALL_VIEW (handset_window_get_call_view (window)),
                                         call, error->message);
}

/* (call ID, whether to share): shares the screen in a connected call, or
 * stops; why it could not be shared is shown in the call view. */
static void
share_screen_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  const char *call_id = NULL;
  gboolean share = FALSE;
  HandsetCall *call;

  g_variant_get (parameter, "(&sb)", &call_id, &share);
  call = find_call (user_data, call_id);
  if (call == NULL)
    return;
  if (share)
    handset_call_start_screenshare_async (call, NULL, screen_shared_cb, g_object_ref (user_data));
  else
    handset_call_stop_screenshare (call);
}

static void
logged_out_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!handset_account_logout_finish (HANDSET_ACCOUNT (object), result, &error))
    g_warning ("Logout: %s", error->message);
}

static void
logout_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  end_calls_then (HANDSET_APPLICATION (user_data), TRUE);
}

/* From the missed-call notification: a call to them, in the same room. */
static void
call_back_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);
  const char *room_id, *user_id;
  g_autoptr (GError) error = NULL;

  if (self->session == NULL)
    return;
  g_variant_get (parameter, "(&s&s)", &room_id, &user_id);
  if (handset_call_manager_place_call (handset_session_get_call_manager (self->session), room_id,
                                       user_id, FALSE, &error) == NULL)
    handset_window_toast (handset_application_ensure_window (self), error->message);
  gtk_window_present (GTK_WINDOW (handset_application_ensure_window (self)));
}

static void
accept_identity_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);

  if (self->session != NULL)
    handset_session_accept_identity (self->session, g_variant_get_string (parameter, NULL));
}

static void
verify_device_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  handset_application_show_recovery_dialog (HANDSET_APPLICATION (user_data));
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);
  GtkWidget *preferences;

  if (self->settings == NULL)
    return;
  preferences = handset_preferences_new (
      self->settings, self->media_devices, self->background_portal,
      self->session ? handset_session_get_recovery (self->session) : NULL,
      self->account ? handset_account_get_secret_store (self->account) : NULL);
  gtk_window_set_transient_for (GTK_WINDOW (preferences),
                                GTK_WINDOW (handset_application_ensure_window (self)));
  gtk_window_present (GTK_WINDOW (preferences));
}

/* From an Element Call ring's notification. */
static void
open_element_call_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);

  if (self->session != NULL)
    handset_rtc_notice_open (G_APPLICATION (self), self->session,
                             g_variant_get_string (parameter, NULL));
}

static void
decline_element_call_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);

  if (self->session != NULL)
    handset_rtc_notice_decline (self->session, g_variant_get_string (parameter, NULL));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_activated },
  { .name = "quit", .activate = quit_activated },
  { .name = "answer-call", .activate = answer_call_activated, .parameter_type = "s" },
  { .name = "decline-call", .activate = decline_call_activated, .parameter_type = "s" },
  { .name = "share-screen", .activate = share_screen_activated, .parameter_type = "(sb)" },
  { .name = "logout", .activate = logout_activated },
  { .name = "preferences", .activate = preferences_activated },
  { .name = "verify-device", .activate = verify_device_activated },
  { .name = "accept-identity", .activate = accept_identity_activated, .parameter_type = "s" },
  { .name = "call-back", .activate = call_back_activated, .parameter_type = "(ss)" },
  { .name = "open-element-call", .activate = open_element_call_activated, .parameter_type = "s" },
  { .name = "decline-element-call",
    .activate = decline_element_call_activated,
    .parameter_type = "s" },
  { .name = "restore-session", .activate = restore_session_activated },
};

void
handset_application_add_actions (HandsetApplication *self)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
}
