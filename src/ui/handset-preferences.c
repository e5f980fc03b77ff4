/* handset-preferences.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences: the microphone, speaker and camera; the sound (echo
 * cancellation, noise suppression, gain control); privacy (always through
 * a TURN relay, hide which device I use); ringing in public rooms; running
 * in the background; the fallback relay server (handset-preferences-relay.c).
 * Every row is bound to the profile's settings.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-preferences-relay.h"
#include "handset-preferences.h"

#define AUTOSTART_SUBTITLE  N_ ("Handset waits for calls from the start")
#define BACKGROUND_SUBTITLE N_ ("Calls still ring when the window is closed")

static GtkWidget *
switch_row (GSettings *settings, const char *key, const char *title, const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
  gtk_widget_set_name (row, key);

  return row;
}

typedef struct
{
  GSettings *settings;
  char *key;
  GListModel *devices;
  GtkStringList *names;
  AdwComboRow *row;
} DeviceChoice;

static void
device_choice_free (DeviceChoice *choice)
{
  if (choice->devices != NULL)
    g_signal_handlers_disconnect_by_data (choice->devices, choice);
  g_object_unref (choice->settings);
  g_free (choice->key);
  g_clear_object (&choice->devices);
  g_free (choice);
}

static void
fill_choice (DeviceChoice *choice)
{
  g_autofree char *current = g_settings_get_string (choice->settings, choice->key);
  guint n = choice->devices ? g_list_model_get_n_items (choice->devices) : 0;
  guint selected = 0;

  gtk_string_list_splice (choice->names, 0, g_list_model_get_n_items (G_LIST_MODEL (choice->names)),
                          NULL);
  gtk_string_list_append (choice->names, _ ("System default"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (HandsetMediaDevice) device = g_list_model_get_item (choice->devices, i);

      gtk_string_list_append (choice->names, handset_media_device_get_display_name (device));
      if (g_strcmp0 (handset_media_device_get_name (device), current) == 0)
        selected = i + 1;
    }
  adw_combo_row_set_selected (choice->row, selected);
}

static void
on_selected (AdwComboRow *row, GParamSpec *pspec, DeviceChoice *choice)
{
  guint selected = adw_combo_row_get_selected (row);
  g_autoptr (HandsetMediaDevice) device = NULL;

  if (selected == GTK_INVALID_LIST_POSITION)
    return;
  if (selected == 0 || choice->devices == NULL)
    {
      g_settings_set_string (choice->settings, choice->key, "");
      return;
    }
  device = g_list_model_get_item (choice->devices, selected - 1);
  if (device != NULL)
    g_settings_set_string (choice->settings, choice->key, handset_media_device_get_name (device));
}

static void
devices_changed (GListModel *model,
                 guint position,
                 guint removed,
                 guint added,
                 DeviceChoice *choice)
{
  g_signal_handlers_block_by_func (choice->row, on_selected, choice);
  fill_choice (choice);
  g_signal_handlers_unblock_by_func (choice->row, on_selected, choice);
}

static GtkWidget *
device_row (GSettings *settings, const char *key, const char *title, GListModel *devices)
{
  DeviceChoice *choice = g_new0 (DeviceChoice, 1);
  GtkWidget *row = adw_combo_row_new ();

  choice->settings = g_object_ref (settings);
  choice->key = g_strdup (key);
  choice->devices = devices ? g_object_ref (devices) : NULL;
  choice->names = gtk_string_list_new (NULL);
  choice->row = ADW_COMBO_ROW (row);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (choice->names));
  g_object_unref (choice->names);
  fill_choice (choice);
  g_signal_connect (row, "notify::selected", G_CALLBACK (on_selected), choice);
  /* The choice lives as long as the row; so does the connection. */
  g_object_set_data_full (G_OBJECT (row), "choice", choice, (GDestroyNotify) device_choice_free);
  if (devices != NULL)
    g_signal_connect_data (devices, "items-changed", G_CALLBACK (devices_changed), choice, NULL, 0);
  gtk_widget_set_name (row, key);

  return row;
}

/* Inside Flatpak: what the Background portal refused, under the row it
 * concerns, in place of the row's usual subtitle. */
static void
show_portal_answer (HandsetBackgroundPortal *portal, GParamSpec *pspec, GtkWidget *window)
{
  AdwActionRow *autostart = g_object_get_data (G_OBJECT (window), "autostart-row");
  AdwActionRow *background = g_object_get_data (G_OBJECT (window), "run-in-background-row");
  const char *message = handset_background_portal_get_message (portal);
  gboolean allowed = handset_background_portal_get_allowed (portal);

  adw_action_row_set_subtitle (background, !allowed ? message : _ (BACKGROUND_SUBTITLE));
  adw_action_row_set_subtitle (autostart,
                               allowed && message != NULL ? message : _ (AUTOSTART_SUBTITLE));
}

/* "This device": whether it is verified, and the way to verify it. */
static void
show_device_state (HandsetRecovery *recovery, GParamSpec *pspec, GtkWidget *window)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (window), "device-row");
  GtkWidget *button = g_object_get_data (G_OBJECT (window), "verify-button");
  const char *subtitle;
  const char *label = NULL;

  switch (handset_recovery_get_state (recovery))
    {
      case HANDSET_RECOVERY_STATE_VERIFIED:
        subtitle = _ ("Verified: your other devices and the people you call can tell it is yours");
        break;
      case HANDSET_RECOVERY_STATE_NOT_VERIFIED:
        subtitle = _ ("Not verified: people who only accept verified devices cannot call it");
        label = _ ("_Verify…");
        break;
      case HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING:
        subtitle = _ ("Not verified: your account has no recovery key yet");
        label = _ ("Set _Up…");
        break;
      case HANDSET_RECOVERY_STATE_UNKNOWN:
      default:
        subtitle = _ ("Not known yet");
        label = _ ("_Verify…");
        break;
    }
  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_visible (button, label != NULL);
  if (label != NULL)
    gtk_button_set_label (GTK_BUTTON (button), label);
}

static GtkWidget *
encryption_group (GSettings *settings, HandsetRecovery *recovery, GtkWidget *window)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _ ("Encryption"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("This Device"));
  gtk_button_set_use_underline (GTK_BUTTON (button), TRUE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.verify-device");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set_data (G_OBJECT (window), "device-row", row);
  g_object_set_data (G_OBJECT (window), "verify-button", button);
  g_signal_connect_object (recovery, "notify::state", G_CALLBACK (show_device_state), window, 0);
  show_device_state (recovery, NULL, window);

  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (group),
      switch_row (settings, "only-verified-devices", _ ("Only Call Verified Devices"),
                  _ ("Refuse calls from devices their owner has not verified, and share no "
                     "keys with them")));

  return group;
}

/**
 * handset_preferences_new:
 * @devices: (nullable): where microphones, speakers and cameras come from
 * @background_portal: (nullable): the Background portal's answer, inside Flatpak
 * @recovery: (nullable): this device in its account's cross-signing, when
 *   logged in
 *
 * Returns: (transfer floating): the preferences window
 */
GtkWidget *
handset_preferences_new (GSettings *settings,
                         HandsetMediaDevices *devices,
                         HandsetBackgroundPortal *background_portal,
                         HandsetRecovery *recovery,
                         HandsetSecretStore *secrets)
{
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *devices_group = adw_preferences_group_new ();
  GtkWidget *sound_group = adw_preferences_group_new ();
  GtkWidget *privacy_group = adw_preferences_group_new ();
  GtkWidget *calls_group = adw_preferences_group_new ();
  GtkWidget *autostart_row;
  GtkWidget *background_row;

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _ ("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (devices_group), _ ("Devices"));
  /* Listed when first needed: here, to choose from. */
  if (devices != NULL)
    handset_media_devices_start (devices);
  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (devices_group),
      device_row (settings, "microphone", _ ("Microphone"),
                  devices ? handset_media_devices_get_microphones (devices) : NULL));
  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (devices_group),
      device_row (settings, "speaker", _ ("Speaker"),
                  devices ? handset_media_devices_get_speakers (devices) : NULL));
  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (devices_group),
      device_row (settings, "camera", _ ("Camera"),
                  devices ? handset_media_devices_get_cameras (devices) : NULL));
  /* Inside Flatpak the cameras are the Camera portal's, asked for once
   * someone looks at them; they join the list when it answers. */
  if (devices != NULL && !handset_media_devices_cameras_ready (devices))
    handset_media_devices_request_cameras_async (devices, NULL, NULL, NULL);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (sound_group), _ ("Sound"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (sound_group),
                                         _ ("Changes apply to the next call"));
  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (sound_group),
      switch_row (settings, "echo-cancellation", _ ("Echo Cancellation"),
                  _ ("The other side does not hear themselves through your speaker")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (sound_group),
                             switch_row (settings, "noise-suppression", _ ("Noise Suppression"),
                                         _ ("Steady background noise is taken out")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (sound_group),
                             switch_row (settings, "gain-control", _ ("Automatic Gain Control"),
                                         _ ("Your voice is sent at an even level")));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (privacy_group), _ ("Privacy"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (privacy_group),
                             switch_row (settings, "always-relay", _ ("Always Use a TURN Relay"),
                                         _ ("The other side never learns your network address")));
  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (privacy_group),
      switch_row (settings, "hide-device", _ ("Hide Which Device I Use"),
                  _ ("Others in the room cannot tell which device took a call")));
  adw_preferences_group_add (
      ADW_PREFERENCES_GROUP (privacy_group),
      switch_row (settings, "connect-while-ringing", _ ("Connect While a Call Rings"),
                  _ ("Answered calls start sooner, but callers learn your network address "
                     "before you answer")));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (calls_group), _ ("Calls"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (calls_group),
                             switch_row (settings, "ring-in-public-rooms",
                                         _ ("Ring in Public Rooms"),
                                         _ ("Calls in rooms anyone can join ring too")));
  autostart_row =
      switch_row (settings, "autostart", _ ("Start When I Log In"), _ (AUTOSTART_SUBTITLE));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (calls_group), autostart_row);
  background_row = switch_row (settings, "run-in-background", _ ("Run in the Background"),
                               _ (BACKGROUND_SUBTITLE));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (calls_group), background_row);
  if (background_portal != NULL)
    {
      g_object_set_data (G_OBJECT (window), "autostart-row", autostart_row);
      g_object_set_data (G_OBJECT (window), "run-in-background-row", background_row);
      g_signal_connect_object (background_portal, "notify::message",
                               G_CALLBACK (show_portal_answer), window, 0);
      show_portal_answer (background_portal, NULL, window);
    }

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (devices_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (sound_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (privacy_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (calls_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                            ADW_PREFERENCES_GROUP (handset_preferences_relay_group (
                                settings, secrets, ADW_PREFERENCES_WINDOW (window))));
  if (recovery != NULL)
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (encryption_group (
                                                               settings, recovery, window)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));

  return window;
}
