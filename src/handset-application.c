/* handset-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application: its options and profile, start-up, the main window,
 * and the session of the logged-in account with its settings. Its other
 * jobs are in handset-application-*.c.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <malloc.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "handset-application-private.h"
#include "handset-call-view.h"
#include "handset-cli.h"
#include "handset-dbus.h"
#include "handset-media-provider.h"
#include "handset-window.h"

G_DEFINE_FINAL_TYPE (HandsetApplication, handset_application, ADW_TYPE_APPLICATION)

static void account_state_cb (HandsetAccount *account, GParamSpec *pspec, HandsetApplication *self);
static void settings_changed_cb (GSettings *settings, const char *key, HandsetApplication *self);

static const GOptionEntry main_entries[] = {
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL, N_ ("Show the version and exit"),
    NULL },
  { "profile", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_ ("Use a separate profile: its own account, settings and data"), N_ ("NAME") },
  { "video", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_ ("With call and answer: with video"), NULL },
  { NULL }
};

static GSettings *
settings_for_profile (HandsetProfile *profile)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, HANDSET_APP_ID, TRUE);

  if (schema == NULL)
    {
      /* Without its schema, Handset still runs; it forgets its settings. */
      g_warning ("The settings schema %s is not installed; settings will not be kept",
                 HANDSET_APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, handset_profile_get_settings_path (profile));
}

static int
handset_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  g_autoptr (GError) error = NULL;
  const char *profile_name = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("handset %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "profile", "&s", &profile_name);

  /* The profile decides the application ID, so it is settled here, before
   * the application registers on the session bus. */
  self->profile = handset_profile_new (profile_name, &error);
  if (self->profile == NULL)
    {
      g_printerr ("handset: %s\n", error->message);
      return 2;
    }

  g_application_set_application_id (application,
                                    handset_profile_get_application_id (self->profile));

  return G_APPLICATION_CLASS (handset_application_parent_class)
      ->handle_local_options (application, options);
}

static void
handset_application_startup (GApplication *application)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);
  g_autoptr (GError) error = NULL;

  G_APPLICATION_CLASS (handset_application_parent_class)->startup (application);

  if (!handset_profile_ensure_dirs (self->profile, &error))
    g_warning ("%s", error->message);

  self->settings = settings_for_profile (self->profile);
  if (self->settings != NULL)
    g_signal_connect (self->settings, "changed", G_CALLBACK (settings_changed_cb), self);

  handset_application_start_background_portal (self);

  self->sigterm_source = g_unix_signal_add (SIGTERM, handset_application_quit_signal_cb, self);
  self->sigint_source = g_unix_signal_add (SIGINT, handset_application_quit_signal_cb, self);
  self->sighup_source = g_unix_signal_add (SIGHUP, handset_application_quit_signal_cb, self);

  /* GStreamer is left alone until a call needs it (a ring, a call placed,
   * Preferences): its registry, the sound server and the cameras cost
   * start-up time and memory that a program waiting for calls does not
   * need. The first ring also starts the DTLS certificate. */
  self->media_devices = handset_media_devices_new_lazy ();

  g_clear_error (&error);
  self->account = handset_account_new (self->profile, &error);
  if (self->account == NULL)
    {
      g_critical ("The profile's data cannot be used: %s", error->message);
      return;
    }
  g_signal_connect (self->account, "notify::state", G_CALLBACK (account_state_cb), self);

  /* The session of the last run comes back without the network. */
  g_application_hold (application);
  handset_account_restore_async (self->account, NULL, handset_application_restored_cb,
                                 g_object_ref (self));
}

HandsetWindow *
handset_application_main_window (HandsetApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (HANDSET_IS_WINDOW (l->data))
      return l->data;

  return NULL;
}

HandsetWindow *
handset_application_ensure_window (HandsetApplication *self)
{
  HandsetWindow *window = handset_application_main_window (self);
  const char *subtitle = NULL;

  if (window != NULL)
    return window;

  if (!handset_profile_is_default (self->profile))
    subtitle = handset_profile_get_name (self->profile);

  window = handset_window_new (ADW_APPLICATION (self), subtitle);
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "window-width", window, "default-width",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", window, "default-height",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", window, "maximized",
                       G_SETTINGS_BIND_DEFAULT);
      handset_call_view_set_audio_devices (
          HANDSET_CALL_VIEW (handset_window_get_call_view (window)), self->settings,
          self->media_devices);
    }

  switch (handset_account_get_state (self->account))
    {
      case HANDSET_ACCOUNT_STATE_LOGGED_IN:
        handset_window_set_session (window, self->session);
        break;
      case HANDSET_ACCOUNT_STATE_RESTORING:
        handset_window_show_loading (window);
        break;
      case HANDSET_ACCOUNT_STATE_LOGGED_OUT:
      case HANDSET_ACCOUNT_STATE_LOGGING_IN:
      case HANDSET_ACCOUNT_STATE_NEEDS_LOGIN:
      default:
        handset_window_show_login (window, self->account);
        break;
    }

  return window;
}

static void
handset_application_activate (GApplication *application)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (handset_application_ensure_window (self)));
}

static void
apply_settings (HandsetApplication *self)
{
  g_autofree char *microphone = NULL;
  g_autofree char *speaker = NULL;
  g_autofree char *camera = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *fallback_username = NULL;

  if (self->session == NULL || self->settings == NULL)
    return;

  fallback = g_settings_get_string (self->settings, "fallback-ice-server");
  fallback_username = g_settings_get_string (self->settings, "fallback-ice-username");
  handset_session_set_fallback_relay (self->session, fallback, fallback_username);
  microphone = g_settings_get_string (self->settings, "microphone");
  speaker = g_settings_get_string (self->settings, "speaker");
  camera = g_settings_get_string (self->settings, "camera");
  handset_session_set_relay_only (self->session,
                                  g_settings_get_boolean (self->settings, "always-relay"));
  handset_session_set_audio_processing (
      self->session, g_settings_get_boolean (self->settings, "echo-cancellation"),
      g_settings_get_boolean (self->settings, "noise-suppression"),
      g_settings_get_boolean (self->settings, "gain-control"));
  handset_session_set_hide_device (self->session,
                                   g_settings_get_boolean (self->settings, "hide-device"));
  handset_session_set_ring_in_public_rooms (
      self->session, g_settings_get_boolean (self->settings, "ring-in-public-rooms"));
  handset_session_set_connect_while_ringing (
      self->session, g_settings_get_boolean (self->settings, "connect-while-ringing"));
  handset_session_set_only_verified (
      self->session, g_settings_get_boolean (self->settings, "only-verified-devices"));
  handset_session_set_preferred_devices (self->session, microphone, speaker, camera);
}

void
handset_application_stop_session (HandsetApplication *self)
{
  if (self->session == NULL)
    return;

  g_clear_object (&self->dbus);
  g_signal_handlers_disconnect_by_data (handset_session_get_call_manager (self->session), self);
  g_signal_handlers_disconnect_by_data (handset_session_get_recovery (self->session), self);
  g_signal_handlers_disconnect_by_data (handset_session_get_encryption (self->session), self);
  handset_session_stop (self->session);
  g_clear_object (&self->session);
}

static gboolean
trim_heap (gpointer data)
{
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* The first sync is parsed (off the main thread) and applied: what it took
 * and let go of goes back to the system, rather than stay the idle
 * program's for good. */
static void
session_ready_trim (HandsetSession *session, GParamSpec *pspec, gpointer data)
{
  if (!handset_session_get_ready (session))
    return;
  g_signal_handlers_disconnect_by_func (session, session_ready_trim, data);
  g_idle_add_full (G_PRIORITY_LOW, trim_heap, NULL, NULL);
}

static void
account_state_cb (HandsetAccount *account, GParamSpec *pspec, HandsetApplication *self)
{
  HandsetWindow *window = handset_application_main_window (self);

  switch (handset_account_get_state (account))
    {
      case HANDSET_ACCOUNT_STATE_LOGGED_IN:
        if (self->session == NULL)
          {
            self->session = handset_session_new (account, self->media_devices);
            handset_application_watch_calls (self);
            apply_settings (self);
            g_signal_connect (self->session, "notify::ready", G_CALLBACK (session_ready_trim),
                              NULL);
            handset_application_watch_trust (self);
            handset_session_start (self->session);
            /* The calls on D-Bus, for other programs. */
            if (g_application_get_dbus_connection (G_APPLICATION (self)) != NULL)
              self->dbus = handset_dbus_new (
                  g_application_get_dbus_connection (G_APPLICATION (self)),
                  g_application_get_dbus_object_path (G_APPLICATION (self)), self->session);
            /* Logged in, Handset has calls to ring for. */
            handset_application_ask_background_portal (self);
          }
        if (window != NULL)
          handset_window_set_session (window, self->session);
        break;

      case HANDSET_ACCOUNT_STATE_RESTORING:
        if (window != NULL)
          handset_window_show_loading (window);
        break;

      case HANDSET_ACCOUNT_STATE_LOGGING_IN:
        break;

      case HANDSET_ACCOUNT_STATE_LOGGED_OUT:
      case HANDSET_ACCOUNT_STATE_NEEDS_LOGIN:
      default:
        handset_application_stop_session (self);
        if (window != NULL)
          {
            handset_window_set_session (window, NULL);
            handset_window_show_login (window, account);
          }
        break;
    }

  handset_application_update_background (self);
  /* A login another process handed over is answered once restored. */
  handset_application_answer_handovers (self);
}

static void
settings_changed_cb (GSettings *settings, const char *key, HandsetApplication *self)
{
  if (g_str_equal (key, "autostart"))
    {
      handset_application_update_autostart (self);
      handset_application_ask_background_portal (self);
    }
  else if (g_str_equal (key, "run-in-background") && g_settings_get_boolean (settings, key))
    handset_application_ask_background_portal (self);
  apply_settings (self);
  handset_application_update_background (self);
}

void
handset_application_restored_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetApplication) self = HANDSET_APPLICATION (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_account_restore_finish (HANDSET_ACCOUNT (object), result, &error) && error != NULL)
    g_message ("No session restored: %s", error->message);
  g_application_release (G_APPLICATION (self));
}

static void
handset_application_shutdown (GApplication *application)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);

  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->sighup_source, g_source_remove);

  G_APPLICATION_CLASS (handset_application_parent_class)->shutdown (application);
}

static void
handset_application_dispose (GObject *object)
{
  HandsetApplication *self = HANDSET_APPLICATION (object);

  handset_application_stop_session (self);
  g_cancellable_cancel (self->cancellable);
  if (self->background_portal != NULL)
    g_signal_handlers_disconnect_by_data (self->background_portal, self);
  g_clear_object (&self->background_portal);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->account);
  g_clear_object (&self->media_devices);
  g_clear_pointer (&self->handovers, g_ptr_array_unref);
  g_clear_pointer (&self->quit_commands, g_ptr_array_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->profile);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (handset_application_parent_class)->dispose (object);
}

static void
handset_application_class_init (HandsetApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = handset_application_dispose;

  app_class->handle_local_options = handset_application_handle_local_options;
  app_class->local_command_line = handset_application_cli_local_command_line;
  app_class->command_line = handset_application_cli_command_line;
  app_class->open = handset_application_open_links;
  app_class->startup = handset_application_startup;
  app_class->shutdown = handset_application_shutdown;
  app_class->activate = handset_application_activate;
}

static void
handset_application_init (HandsetApplication *self)
{
  self->handovers = g_ptr_array_new_with_free_func (g_object_unref);
  self->quit_commands = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  g_application_set_option_context_description (G_APPLICATION (self), handset_cli_commands_text ());
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("Voice and video calls over Matrix"));

  handset_application_add_actions (self);
}

HandsetApplication *
handset_application_new (void)
{
  return g_object_new (HANDSET_TYPE_APPLICATION, "application-id", HANDSET_APP_ID,
                       "resource-base-path", HANDSET_APP_PATH, "flags",
                       G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN, NULL);
}

/**
 * handset_application_new_for_profile:
 *
 * An application for @profile_name without a command line: for tests
 * that run several profiles in one process.
 *
 * Returns: (transfer full) (nullable): the application, or %NULL for an
 *   invalid profile name
 */
HandsetApplication *
handset_application_new_for_profile (const char *profile_name)
{
  HandsetApplication *self;
  HandsetProfile *profile = handset_profile_new (profile_name, NULL);

  if (profile == NULL)
    return NULL;

  self = g_object_new (HANDSET_TYPE_APPLICATION, "application-id",
                       handset_profile_get_application_id (profile), "resource-base-path",
                       HANDSET_APP_PATH, "flags",
                       G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN, NULL);
  self->profile = profile;

  return self;
}

HandsetProfile *
handset_application_get_profile (HandsetApplication *self)
{
  g_return_val_if_fail (HANDSET_IS_APPLICATION (self), NULL);

  return self->profile;
}

/**
 * handset_application_get_settings:
 *
 * Returns: (transfer none) (nullable): the profile's settings, or %NULL
 *   when the schema is not installed
 */
GSettings *
handset_application_get_settings (HandsetApplication *self)
{
  g_return_val_if_fail (HANDSET_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * handset_application_set_command_status:
 *
 * Sets the exit status of a command. For a command run in this very
 * process, GApplication keeps only what the handler returned at once; a
 * command that finishes later (one waiting for the first sync, say) puts
 * its status here, and main() returns it.
 */
void
handset_application_command_finished_cb (GApplicationCommandLine *command_line,
                                         int status,
                                         gpointer user_data)
{
  handset_application_set_command_status (HANDSET_APPLICATION (user_data), command_line, status);
}

void
handset_application_set_command_status (HandsetApplication *self,
                                        GApplicationCommandLine *command_line,
                                        int status)
{
  g_application_command_line_set_exit_status (command_line, status);
  if (!g_application_command_line_get_is_remote (command_line))
    self->local_exit_status = status;
}

int
handset_application_get_local_exit_status (HandsetApplication *self)
{
  return self->local_exit_status;
}

/**
 * handset_application_get_account:
 *
 * Returns: (transfer none) (nullable): the profile's account
 */
HandsetAccount *
handset_application_get_account (HandsetApplication *self)
{
  g_return_val_if_fail (HANDSET_IS_APPLICATION (self), NULL);

  return self->account;
}

/**
 * handset_application_get_session:
 *
 * Returns: (transfer none) (nullable): the logged-in session
 */
HandsetSession *
handset_application_get_session (HandsetApplication *self)
{
  g_return_val_if_fail (HANDSET_IS_APPLICATION (self), NULL);

  return self->session;
}
