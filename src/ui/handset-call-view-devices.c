/* handset-call-view-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call view's menu of microphones and speakers: the same choice as in
 * Preferences (the settings' own actions), kept up to date as devices
 * come and go; a device chosen there clears the failure of the last one.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-view-private.h"

static void
device_chosen (HandsetCallView *self)
{
  self->offered_picker = FALSE;
  if (self->call != NULL)
    handset_call_clear_failed_device (self->call);
}

void
handset_call_view_forget_devices (HandsetCallView *self)
{
  if (self->devices == NULL)
    return;
  g_signal_handlers_disconnect_by_data (handset_media_devices_get_microphones (self->devices),
                                        self);
  g_signal_handlers_disconnect_by_data (handset_media_devices_get_speakers (self->devices), self);
  g_clear_object (&self->devices);
}

/* One section of the devices menu: the system's default, then each device,
 * as radio items of @action. */
static void
append_devices (HandsetCallView *self, const char *label, const char *action, GListModel *devices)
{
  g_autoptr (GMenu) section = g_menu_new ();
  g_autoptr (GMenuItem) fallback = g_menu_item_new (_ ("System default"), NULL);

  g_menu_item_set_action_and_target_value (fallback, action, g_variant_new_string (""));
  g_menu_append_item (section, fallback);
  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr (HandsetMediaDevice) device = g_list_model_get_item (devices, i);
      g_autoptr (GMenuItem) item =
          g_menu_item_new (handset_media_device_get_display_name (device), NULL);

      g_menu_item_set_action_and_target_value (
          item, action, g_variant_new_string (handset_media_device_get_name (device)));
      g_menu_append_item (section, item);
    }
  g_menu_append_section (self->devices_menu, label, G_MENU_MODEL (section));
}

static void
fill_devices_menu (HandsetCallView *self)
{
  g_menu_remove_all (self->devices_menu);
  append_devices (self, _ ("Microphone"), "call.microphone",
                  handset_media_devices_get_microphones (self->devices));
  append_devices (self, _ ("Speaker"), "call.speaker",
                  handset_media_devices_get_speakers (self->devices));
}

/**
 * handset_call_view_set_audio_devices:
 * @settings: where the chosen microphone and speaker are kept
 * @devices: the devices to choose from
 *
 * Shows the menu of microphones and speakers. A choice there is the same
 * as in Preferences: it goes into the call in progress and into the next.
 */
void
handset_call_view_set_audio_devices (HandsetCallView *self,
                                     GSettings *settings,
                                     HandsetMediaDevices *devices)
{
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GAction) microphone = NULL;
  g_autoptr (GAction) speaker = NULL;

  g_return_if_fail (HANDSET_IS_CALL_VIEW (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (HANDSET_IS_MEDIA_DEVICES (devices));

  handset_call_view_forget_devices (self);
  self->devices = g_object_ref (devices);

  microphone = g_settings_create_action (settings, "microphone");
  speaker = g_settings_create_action (settings, "speaker");
  /* Another device chosen: a failure of the last one no longer stands. */
  g_signal_connect_object (settings, "changed::microphone", G_CALLBACK (device_chosen), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::speaker", G_CALLBACK (device_chosen), self,
                           G_CONNECT_SWAPPED);
  g_action_map_add_action (G_ACTION_MAP (group), microphone);
  g_action_map_add_action (G_ACTION_MAP (group), speaker);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "call", G_ACTION_GROUP (group));

  g_signal_connect_swapped (handset_media_devices_get_microphones (devices), "items-changed",
                            G_CALLBACK (fill_devices_menu), self);
  g_signal_connect_swapped (handset_media_devices_get_speakers (devices), "items-changed",
                            G_CALLBACK (fill_devices_menu), self);
  fill_devices_menu (self);
  gtk_menu_button_set_menu_model (self->devices_button, G_MENU_MODEL (self->devices_menu));
  gtk_widget_set_visible (GTK_WIDGET (self->devices_button), TRUE);
}

/**
 * handset_call_view_get_devices_menu:
 *
 * Returns: (transfer none): the menu of microphones and speakers
 */
GMenuModel *
handset_call_view_get_devices_menu (HandsetCallView *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_VIEW (self), NULL);

  return G_MENU_MODEL (self->devices_menu);
}
