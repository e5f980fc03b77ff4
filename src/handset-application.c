/* handset-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "handset-application-private.h"
#include "handset-background-portal.h"
#include "handset-call-view.h"
#include "handset-cli.h"
#include "handset-dbus.h"
#include "handset-incoming-window.h"
#include "handset-matrix-uri.h"
#include "handset-media-provider.h"
#include "handset-notification.h"
#include "handset-preferences.h"
#include "handset-recovery-dialog.h"
#include "handset-rtc-notice.h"
#include "handset-window.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

G_DEFINE_FINAL_TYPE (HandsetApplication, handset_application, ADW_TYPE_APPLICATION)

static void account_state_cb (HandsetAccount *account, GParamSpec *pspec, HandsetApplication *self);
void handset_application_command_finished_cb (GApplicationCommandLine *command_line,
                                              int status,
                                              gpointer user_data);
static void settings_changed_cb (GSettings *settings, const char *key, HandsetApplication *self);
static void restored_cb (GObject *object, GAsyncResult *result, gpointer user_data);
static void ask_background_portal (HandsetApplication *self);
static void
recovery_state_cb (HandsetRecovery *recovery, GParamSpec *pspec, HandsetApplication *self);
static void keys_withheld_cb (HandsetEncryption *encryption,
                              const char *room_id,
                              const char *sender,
                              const char *code,
                              HandsetApplication *self);
static void background_portal_answer_cb (HandsetBackgroundPortal *portal,
                                         GParamSpec *pspec,
                                         HandsetApplication *self);

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

static gboolean quit_signal_cb (gpointer user_data);

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

  /* Inside Flatpak, the Background portal allows running with no window
   * and starting with the session. */
  if (handset_background_portal_is_sandboxed () &&
      g_application_get_dbus_connection (application) != NULL)
    {
      self->background_portal =
          handset_background_portal_new (g_application_get_dbus_connection (application));
      g_signal_connect (self->background_portal, "notify::message",
                        G_CALLBACK (background_portal_answer_cb), self);
    }

  self->sigterm_source = g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  self->sigint_source = g_unix_signal_add (SIGINT, quit_signal_cb, self);

  /* The first call of the process would otherwise make the certificate. */
  self->prewarm = handset_media_prewarm ();
  self->media_devices = handset_media_devices_new ();

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
  handset_account_restore_async (self->account, NULL, restored_cb, g_object_ref (self));
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

/* ------------------------------------------------------------------ calls */

static HandsetCall *
find_call (HandsetApplication *self, const char *call_id)
{
  if (self->session == NULL || call_id == NULL)
    return NULL;

  return handset_call_manager_lookup (handset_session_get_call_manager (self->session), call_id);
}

static void
incoming_state_changed (HandsetCall *call,
                        HandsetCallState state,
                        HandsetCallState old,
                        HandsetApplication *self)
{
  g_autofree char *id = g_strdup_printf ("call-%s", handset_call_get_call_id (call));

  if (state == HANDSET_CALL_STATE_RINGING)
    return;

  g_application_withdraw_notification (G_APPLICATION (self), id);

  /* Answered here: the main window shows the call. */
  if (old == HANDSET_CALL_STATE_RINGING && state != HANDSET_CALL_STATE_ENDED)
    {
      HandsetWindow *window = handset_application_ensure_window (self);

      handset_window_show_call (window, call);
      gtk_window_present (GTK_WINDOW (window));
    }

  if (state == HANDSET_CALL_STATE_ENDED &&
      handset_call_get_end_reason (call) == HANDSET_CALL_END_MISSED)
    {
      g_autoptr (GNotification) missed = NULL;
      g_autofree char *name =
          handset_session_peer_name (self->session, handset_call_get_opponent_user_id (call));
      g_autofree char *body = g_strdup_printf (_ ("%s called"), name);

      missed = handset_notification_new (_ ("Missed call"), body);
      if (handset_call_get_opponent_user_id (call) != NULL)
        g_notification_add_button_with_target_value (
            missed, _ ("Call Back"), "app.call-back",
            g_variant_new ("(ss)", handset_call_get_room_id (call),
                           handset_call_get_opponent_user_id (call)));
      g_application_send_notification (G_APPLICATION (self), id, missed);
    }
}

static void
incoming_call_cb (HandsetCallManager *manager, HandsetCall *call, HandsetApplication *self)
{
  g_autofree char *name =
      handset_session_peer_name (self->session, handset_call_get_opponent_user_id (call));
  HandsetRoom *room = handset_rooms_lookup (handset_session_get_rooms (self->session),
                                            handset_call_get_room_id (call));
  HandsetWindow *window = handset_application_main_window (self);
  HandsetIncomingWindow *incoming;

  g_signal_connect_object (call, "state-changed", G_CALLBACK (incoming_state_changed), self, 0);

  incoming = handset_incoming_window_new (GTK_APPLICATION (self), call, name,
                                          room ? handset_room_get_name (room) : NULL);
  /* Never rung on top of a call going on: a call waiting. */
  handset_incoming_window_set_waiting (incoming,
                                       handset_call_manager_get_busy_call (manager, call) != NULL);
  {
    g_autoptr (HandsetRingtone) ringtone = handset_session_make_ringtone (self->session);

    handset_incoming_window_set_ringtone (incoming, ringtone);
  }
  handset_incoming_window_set_can_send_video (
      incoming, handset_media_devices_can_send_video (self->media_devices));
  {
    g_autofree char *avatar_url = handset_session_peer_avatar_url (
        self->session, handset_call_get_opponent_user_id (call), handset_call_get_room_id (call));

    handset_incoming_window_set_avatar (
        incoming, handset_avatar_cache_get_for_session (self->session), avatar_url);
  }
  gtk_window_present (GTK_WINDOW (incoming));

  /* Not looking at Handset: a notification with the same choices. */
  if (window == NULL || !gtk_window_is_active (GTK_WINDOW (window)))
    {
      g_autofree char *id = g_strdup_printf ("call-%s", handset_call_get_call_id (call));
      g_autofree char *body = g_strdup_printf (_ ("%s is calling"), name);
      g_autoptr (GNotification) notification = handset_notification_new (_ ("Incoming call"), body);

      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
      g_notification_add_button_with_target (notification, _ ("Decline"), "app.decline-call", "s",
                                             handset_call_get_call_id (call));
      g_notification_add_button_with_target (notification, _ ("Answer"), "app.answer-call", "s",
                                             handset_call_get_call_id (call));
      g_application_send_notification (G_APPLICATION (self), id, notification);
    }
}

/* Someone new calls: their invitation rings, in a window like a call's,
 * and as a notification when Handset is not in front. */
static void
incoming_invitation_cb (HandsetCallManager *manager,
                        HandsetCallInvitation *invitation,
                        HandsetApplication *self)
{
  g_autofree char *name =
      handset_session_peer_name (self->session, handset_call_invitation_get_inviter (invitation));
  HandsetWindow *window = handset_application_main_window (self);
  HandsetIncomingWindow *incoming;

  incoming = handset_incoming_window_new_for_invitation (GTK_APPLICATION (self), manager,
                                                         invitation, name);
  {
    g_autoptr (HandsetRingtone) ringtone = handset_session_make_ringtone (self->session);

    handset_incoming_window_set_ringtone (incoming, ringtone);
  }
  handset_incoming_window_set_can_send_video (
      incoming, handset_media_devices_can_send_video (self->media_devices));
  gtk_window_present (GTK_WINDOW (incoming));
  if (window == NULL || !gtk_window_is_active (GTK_WINDOW (window)))
    {
      g_autofree char *body = g_strdup_printf (_ ("%s is calling you (a new contact)"), name);
      g_autoptr (GNotification) notification = handset_notification_new (_ ("Incoming call"), body);

      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
      g_application_send_notification (G_APPLICATION (self), "invitation", notification);
    }
}

/* Answered from an invitation: the call, in the main window. */
static void
invitation_answered_cb (HandsetCallManager *manager,
                        HandsetCallInvitation *invitation,
                        HandsetCall *call,
                        HandsetApplication *self)
{
  HandsetWindow *window = handset_application_ensure_window (self);

  g_application_withdraw_notification (G_APPLICATION (self), "invitation");
  handset_window_show_call (window, call);
  gtk_window_present (GTK_WINDOW (window));
}

static void
call_added_cb (HandsetCallManager *manager, HandsetCall *call, HandsetApplication *self)
{
  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    {
      HandsetWindow *window = handset_application_ensure_window (self);

      handset_window_show_call (window, call);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
apply_settings (HandsetApplication *self)
{
  g_autofree char *microphone = NULL;
  g_autofree char *speaker = NULL;
  g_autofree char *camera = NULL;

  if (self->session == NULL || self->settings == NULL)
    return;

  microphone = g_settings_get_string (self->settings, "microphone");
  speaker = g_settings_get_string (self->settings, "speaker");
  camera = g_settings_get_string (self->settings, "camera");
  handset_session_set_relay_only (self->session,
                                  g_settings_get_boolean (self->settings, "always-relay"));
  handset_session_set_hide_device (self->session,
                                   g_settings_get_boolean (self->settings, "hide-device"));
  handset_session_set_ring_in_public_rooms (
      self->session, g_settings_get_boolean (self->settings, "ring-in-public-rooms"));
  handset_session_set_only_verified (
      self->session, g_settings_get_boolean (self->settings, "only-verified-devices"));
  handset_session_set_preferred_devices (self->session, microphone, speaker, camera);
}

/* Logged in, asked to, and not refused by the Background portal: closing
 * the window keeps Handset running, so calls still ring. Otherwise
 * closing the window quits. */
static void
update_background (HandsetApplication *self)
{
  gboolean keep =
      self->session != NULL &&
      (self->settings == NULL || g_settings_get_boolean (self->settings, "run-in-background")) &&
      (self->background_portal == NULL ||
       handset_background_portal_get_allowed (self->background_portal));
  HandsetWindow *window = handset_application_main_window (self);

  if (keep && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!keep && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = keep;
  if (window != NULL)
    gtk_window_set_hide_on_close (GTK_WINDOW (window), keep);
}

static void
stop_session (HandsetApplication *self)
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

static void rtc_ring_cb (HandsetRtcRings *rings, HandsetRtcRing *ring, HandsetApplication *self);

static void
account_state_cb (HandsetAccount *account, GParamSpec *pspec, HandsetApplication *self)
{
  HandsetWindow *window = handset_application_main_window (self);

  switch (handset_account_get_state (account))
    {
      case HANDSET_ACCOUNT_STATE_LOGGED_IN:
        if (self->session == NULL)
          {
            HandsetCallManager *manager;

            self->session = handset_session_new (account, self->media_devices);
            manager = handset_session_get_call_manager (self->session);
            g_signal_connect (manager, "incoming-call", G_CALLBACK (incoming_call_cb), self);
            g_signal_connect (manager, "call-added", G_CALLBACK (call_added_cb), self);
            g_signal_connect (manager, "incoming-invitation", G_CALLBACK (incoming_invitation_cb),
                              self);
            g_signal_connect (manager, "invitation-answered", G_CALLBACK (invitation_answered_cb),
                              self);
            g_signal_connect (handset_session_get_rtc_rings (self->session), "ring",
                              G_CALLBACK (rtc_ring_cb), self);
            apply_settings (self);
            g_signal_connect_swapped (self->session, "notify::ready",
                                      G_CALLBACK (handset_application_run_waiting_commands), self);
            self->recovery_offered = FALSE;
            g_signal_connect (handset_session_get_recovery (self->session), "notify::state",
                              G_CALLBACK (recovery_state_cb), self);
            g_signal_connect (handset_session_get_encryption (self->session), "keys-withheld",
                              G_CALLBACK (keys_withheld_cb), self);
            handset_session_start (self->session);
            /* The calls on D-Bus, for other programs. */
            if (g_application_get_dbus_connection (G_APPLICATION (self)) != NULL)
              self->dbus = handset_dbus_new (
                  g_application_get_dbus_connection (G_APPLICATION (self)),
                  g_application_get_dbus_object_path (G_APPLICATION (self)), self->session);
            /* Logged in, Handset has calls to ring for. */
            ask_background_portal (self);
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
        stop_session (self);
        handset_application_run_waiting_commands (self);
        if (window != NULL)
          {
            handset_window_set_session (window, NULL);
            handset_window_show_login (window, account);
          }
        break;
    }

  update_background (self);
}

/* The XDG autostart entry of this profile: Handset starts in the
 * background with the desktop session. */
static void
update_autostart (HandsetApplication *self)
{
  g_autofree char *name =
      g_strdup_printf ("%s.desktop", handset_profile_get_application_id (self->profile));
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  /* Inside Flatpak the portal writes the entry: see ask_background_portal(). */
  if (self->settings == NULL || self->background_portal != NULL)
    return;

  if (!g_settings_get_boolean (self->settings, "autostart"))
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS) && g_remove (path) != 0)
        g_warning ("The autostart entry %s could not be removed", path);
      return;
    }

  {
    g_autofree char *profile_arg =
        handset_profile_is_default (self->profile)
            ? g_strdup ("")
            : g_strdup_printf (" --profile %s", handset_profile_get_name (self->profile));
    g_autofree char *contents = g_strdup_printf ("[Desktop Entry]\n"
                                                 "Type=Application\n"
                                                 "Name=Handset\n"
                                                 "Exec=handset%s --gapplication-service\n"
                                                 "Icon=io.github.handset.Handset\n"
                                                 "X-GNOME-Autostart-enabled=true\n"
                                                 "NoDisplay=true\n",
                                                 profile_arg);

    if (g_mkdir_with_parents (dir, 0700) != 0 || !g_file_set_contents (path, contents, -1, &error))
      g_warning ("The autostart entry %s could not be written: %s", path,
                 error ? error->message : g_strerror (errno));
  }
}

/* The portal's handle of the window asking, so its dialog sits on it:
 * "x11:XID" under X11. A Wayland handle needs an export round trip, and
 * the portal takes "" as well. */
static char *
parent_window_handle (HandsetApplication *self)
{
#ifdef GDK_WINDOWING_X11
  HandsetWindow *window = handset_application_main_window (self);
  GdkSurface *surface = window ? gtk_native_get_surface (GTK_NATIVE (window)) : NULL;

  if (surface != NULL && GDK_IS_X11_SURFACE (surface))
    return g_strdup_printf ("x11:%lx", (unsigned long) gdk_x11_surface_get_xid (surface));
#endif

  return g_strdup ("");
}

static void
background_requested_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* The answer arrives through the properties; a portal that could not be
   * asked was logged, and Handset runs as outside a sandbox. */
  handset_background_portal_request_finish (HANDSET_BACKGROUND_PORTAL (object), result, &error);
}

/* Inside Flatpak: asks the Background portal to let Handset run with no
 * window, and to start it with the session as the autostart setting
 * says; the portal writes the autostart entry. */
static void
ask_background_portal (HandsetApplication *self)
{
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) commandline = NULL;
  g_autofree char *parent_window = NULL;
  gboolean autostart;

  if (self->background_portal == NULL || self->settings == NULL)
    return;

  autostart = g_settings_get_boolean (self->settings, "autostart");
  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, "handset");
  if (!handset_profile_is_default (self->profile))
    g_strv_builder_addv (
        builder, (const char *[]){ "--profile", handset_profile_get_name (self->profile), NULL });
  g_strv_builder_add (builder, "--gapplication-service");
  commandline = g_strv_builder_end (builder);
  parent_window = parent_window_handle (self);

  handset_background_portal_request_async (self->background_portal, parent_window, autostart,
                                           (const char *const *) commandline, self->cancellable,
                                           background_requested_cb, NULL);
}

/* The portal answered. Refused, Handset says so, and closing the window
 * quits instead of leaving Handset hidden where it cannot ring; the
 * settings stay as the person chose them. */
static void
background_portal_answer_cb (HandsetBackgroundPortal *portal,
                             GParamSpec *pspec,
                             HandsetApplication *self)
{
  const char *message = handset_background_portal_get_message (portal);
  HandsetWindow *window = handset_application_main_window (self);

  update_background (self);
  if (message == NULL)
    return;

  if (window != NULL)
    {
      /* A hidden window would keep Handset running unseen. */
      if (!handset_background_portal_get_allowed (portal))
        gtk_window_present (GTK_WINDOW (window));
      handset_window_toast (window, message);
    }
  else
    {
      g_autoptr (GNotification) notification =
          handset_notification_new (_ ("Handset is not running in the background"), message);

      g_application_send_notification (G_APPLICATION (self), "background", notification);
    }
}

static void
settings_changed_cb (GSettings *settings, const char *key, HandsetApplication *self)
{
  if (g_str_equal (key, "autostart"))
    {
      update_autostart (self);
      ask_background_portal (self);
    }
  else if (g_str_equal (key, "run-in-background") && g_settings_get_boolean (settings, key))
    ask_background_portal (self);
  apply_settings (self);
  update_background (self);
}

static void
restored_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetApplication) self = HANDSET_APPLICATION (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_account_restore_finish (HANDSET_ACCOUNT (object), result, &error) && error != NULL)
    g_message ("No session restored: %s", error->message);
  g_application_release (G_APPLICATION (self));
}

static void
restore_session_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);

  stop_session (self);
  g_application_hold (G_APPLICATION (self));
  handset_account_restore_async (self->account, NULL, restored_cb, g_object_ref (self));
}

static void
handset_application_shutdown (GApplication *application)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);

  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  /* A process that only ran a command may end before the certificate is
   * made; the thread must not outlive what it uses. */
  if (self->prewarm != NULL)
    g_thread_join (g_steal_pointer (&self->prewarm));

  G_APPLICATION_CLASS (handset_application_parent_class)->shutdown (application);
}

static void
handset_application_dispose (GObject *object)
{
  HandsetApplication *self = HANDSET_APPLICATION (object);

  stop_session (self);
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
  g_clear_pointer (&self->waiting_commands, g_ptr_array_unref);
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
      stop_session (self);
      handset_account_logout_async (self->account, NULL, logged_out_cb, NULL);
    }
  else
    g_application_quit (G_APPLICATION (self));
  g_application_release (G_APPLICATION (self));
  g_object_unref (self);
  g_free (ending);
}

/* Quitting or logging out in a call: the other side is told first (the
 * hangup sent, waited for two seconds at most), not left to time out. */
static void
end_calls_then (HandsetApplication *self, gboolean log_out)
{
  Ending *ending;

  if (self->ending)
    return;
  if (self->session == NULL)
    {
      if (log_out)
        handset_account_logout_async (self->account, NULL, logged_out_cb, NULL);
      else
        g_application_quit (G_APPLICATION (self));
      return;
    }
  ending = g_new0 (Ending, 1);
  ending->self = g_object_ref (self);
  ending->log_out = log_out;
  self->ending = TRUE;
  g_application_hold (G_APPLICATION (self));
  handset_call_manager_hang_up_all_async (handset_session_get_call_manager (self->session), 2000,
                                          hung_up_cb, ending);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  end_calls_then (HANDSET_APPLICATION (user_data), FALSE);
}

/* SIGTERM (the session ends, or `kill`) and SIGINT: a quit like any other. */
static gboolean
quit_signal_cb (gpointer user_data)
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

static void
show_recovery_dialog (HandsetApplication *self)
{
  GtkWidget *dialog;

  if (self->session == NULL)
    return;
  dialog = handset_recovery_dialog_new (GTK_WINDOW (handset_application_ensure_window (self)),
                                        handset_session_get_recovery (self->session));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (dialog));
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
  show_recovery_dialog (HANDSET_APPLICATION (user_data));
}

/* A device that will not share its keys with this one: what was sent from
 * it (a call, say) cannot be read here. Said once per sender and run. */
static void
keys_withheld_cb (HandsetEncryption *encryption,
                  const char *room_id,
                  const char *sender,
                  const char *code,
                  HandsetApplication *self)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *id = g_strconcat ("keys-withheld-", sender, NULL);
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;

  if (self->session == NULL || g_object_get_data (G_OBJECT (self->session), id) != NULL)
    return;
  g_object_set_data (G_OBJECT (self->session), id, GINT_TO_POINTER (TRUE));
  name = handset_session_peer_name (self->session, sender);
  if (g_strcmp0 (code, "m.unverified") == 0)
    body = g_strdup_printf (_ ("%s's device shares its keys only with verified devices, and this "
                               "one is not: their calls cannot be received here. Verify this "
                               "device to receive them."),
                            name);
  else
    body = g_strdup_printf (_ ("%s's device does not share its keys with this device (%s): their "
                               "calls cannot be received here."),
                            name, code);
  g_message ("%s", body);
  notification = handset_notification_new (_ ("A call could not be received"), body);
  if (g_strcmp0 (code, "m.unverified") == 0)
    g_notification_add_button (notification, _ ("Verify This Device"), "app.verify-device");
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* After a login, once it is known where this new device stands: offer to
 * verify it, or to set cross-signing up, as Element does. Once. */
static void
recovery_state_cb (HandsetRecovery *recovery, GParamSpec *pspec, HandsetApplication *self)
{
  HandsetRecoveryState state = handset_recovery_get_state (recovery);
  HandsetEncryption *encryption =
      self->session ? handset_session_get_encryption (self->session) : NULL;
  HandsetCryptoMachine *machine = encryption ? handset_encryption_get_machine (encryption) : NULL;

  g_debug ("This device's cross-signing state: %d", state);
  if (self->recovery_offered || machine == NULL || !handset_crypto_machine_is_new (machine))
    return;
  if (state != HANDSET_RECOVERY_STATE_NOT_VERIFIED &&
      state != HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING)
    return;
  self->recovery_offered = TRUE;
  /* Only where a window is up: not for a start in the background. */
  if (handset_application_main_window (self) != NULL &&
      gtk_widget_get_visible (GTK_WIDGET (handset_application_main_window (self))))
    show_recovery_dialog (self);
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HandsetApplication *self = HANDSET_APPLICATION (user_data);
  GtkWidget *preferences;

  if (self->settings == NULL)
    return;
  preferences =
      handset_preferences_new (self->settings, self->media_devices, self->background_portal,
                               self->session ? handset_session_get_recovery (self->session) : NULL);
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

static void
rtc_ring_cb (HandsetRtcRings *rings, HandsetRtcRing *ring, HandsetApplication *self)
{
  if (self->session != NULL)
    handset_rtc_notice_show (G_APPLICATION (self), self->session, ring);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_activated },
  { .name = "quit", .activate = quit_activated },
  { .name = "answer-call", .activate = answer_call_activated, .parameter_type = "s" },
  { .name = "decline-call", .activate = decline_call_activated, .parameter_type = "s" },
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

static void
handset_application_init (HandsetApplication *self)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };

  self->waiting_commands = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  g_application_set_option_context_description (G_APPLICATION (self), handset_cli_commands_text ());
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("Voice and video calls over Matrix"));

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
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
