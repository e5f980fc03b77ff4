/* test-media-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The device lists against a device provider registered here, which the
 * tests plug devices into and out of. Real providers of the machine may
 * list more devices: the tests look only at the fake ones, by name.
 */

#include "config.h"

#include <gst/gst.h>

#include "handset-fake-devices.h"
#include "handset-media-devices-private.h"

#define WAIT_SECONDS 5

/* Helpers */

typedef struct
{
  guint emissions;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
on_items_changed (GListModel *list, guint position, guint removed, guint added, gpointer user_data)
{
  ItemsChanged *changed = user_data;

  changed->emissions++;
  changed->position = position;
  changed->removed = removed;
  changed->added = added;
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/* Runs the main context until @changed has seen @emissions emissions. */
static void
wait_for_emissions (ItemsChanged *changed, guint emissions)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (changed->emissions < emissions && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);

  g_assert_cmpuint (changed->emissions, ==, emissions);
}

static HandsetMediaDevice *
find_in_list (GListModel *list, const char *name, guint *position)
{
  guint n_items = g_list_model_get_n_items (list);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr (HandsetMediaDevice) item = g_list_model_get_item (list, i);

      if (g_str_equal (handset_media_device_get_name (item), name))
        {
          if (position != NULL)
            *position = i;
          return g_steal_pointer (&item);
        }
    }

  return NULL;
}

static void
assert_device (HandsetMediaDevice *device,
               const char *name,
               const char *display_name,
               HandsetMediaDeviceKind kind)
{
  g_autofree char *prop_name = NULL;
  g_autofree char *prop_display_name = NULL;
  HandsetMediaDeviceKind prop_kind;

  g_assert_nonnull (device);
  g_assert_cmpstr (handset_media_device_get_name (device), ==, name);
  g_assert_cmpstr (handset_media_device_get_display_name (device), ==, display_name);
  g_assert_cmpint (handset_media_device_get_kind (device), ==, kind);

  g_object_get (device, "name", &prop_name, "display-name", &prop_display_name, "kind", &prop_kind,
                NULL);
  g_assert_cmpstr (prop_name, ==, name);
  g_assert_cmpstr (prop_display_name, ==, display_name);
  g_assert_cmpint (prop_kind, ==, kind);

  g_assert_true (GST_IS_DEVICE (handset_media_device_get_gst_device (device)));
}

/* Tests */

static void
test_lists (void)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  GListModel *microphones = handset_media_devices_get_microphones (devices);
  GListModel *speakers = handset_media_devices_get_speakers (devices);
  GListModel *cameras = handset_media_devices_get_cameras (devices);
  g_autoptr (HandsetMediaDevice) mic = NULL;
  g_autoptr (HandsetMediaDevice) camera = NULL;
  g_autoptr (HandsetMediaDevice) absent = NULL;
  guint n_fake_mics = 0;

  g_assert_true (g_list_model_get_item_type (microphones) == HANDSET_TYPE_MEDIA_DEVICE);
  g_assert_true (g_list_model_get_item_type (speakers) == HANDSET_TYPE_MEDIA_DEVICE);
  g_assert_true (g_list_model_get_item_type (cameras) == HANDSET_TYPE_MEDIA_DEVICE);

  mic = find_in_list (microphones, "handset-fake-mic", NULL);
  assert_device (mic, "handset-fake-mic", "Fake Microphone", HANDSET_MEDIA_DEVICE_MICROPHONE);

  camera = find_in_list (cameras, "handset-fake-camera", NULL);
  assert_device (camera, "handset-fake-camera", "Fake Camera", HANDSET_MEDIA_DEVICE_CAMERA);

  /* Each device is in one list only. */
  absent = find_in_list (cameras, "handset-fake-mic", NULL);
  g_assert_null (absent);
  absent = find_in_list (speakers, "handset-fake-mic", NULL);
  g_assert_null (absent);
  absent = find_in_list (microphones, "handset-fake-camera", NULL);
  g_assert_null (absent);
  absent = find_in_list (speakers, "handset-fake-camera", NULL);
  g_assert_null (absent);

  /* The startup announcements, still queued, add nothing twice. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < g_list_model_get_n_items (microphones); i++)
    {
      g_autoptr (HandsetMediaDevice) item = g_list_model_get_item (microphones, i);

      if (g_str_equal (handset_media_device_get_name (item), "handset-fake-mic"))
        n_fake_mics++;
    }
  g_assert_cmpuint (n_fake_mics, ==, 1);
}

static void
test_find (void)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  g_autoptr (HandsetMediaDevice) mic = NULL;
  g_autoptr (HandsetMediaDevice) camera = NULL;
  g_autoptr (HandsetMediaDevice) absent = NULL;

  mic = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, "handset-fake-mic");
  assert_device (mic, "handset-fake-mic", "Fake Microphone", HANDSET_MEDIA_DEVICE_MICROPHONE);

  camera = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_CAMERA, "handset-fake-camera");
  assert_device (camera, "handset-fake-camera", "Fake Camera", HANDSET_MEDIA_DEVICE_CAMERA);

  /* Found by the stable name only, and only among its own kind. */
  absent = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, "Fake Microphone");
  g_assert_null (absent);
  absent =
      handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, "handset-fake-card");
  g_assert_null (absent);
  absent = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_SPEAKER, "handset-fake-mic");
  g_assert_null (absent);
  absent = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_CAMERA, "handset-fake-mic");
  g_assert_null (absent);
  absent = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, "handset-no-such");
  g_assert_null (absent);
  absent = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, NULL);
  g_assert_null (absent);
}

static void
test_hotplug (void)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  g_autoptr (GstDeviceProvider) provider = handset_fake_devices_get_provider ();
  GListModel *microphones = handset_media_devices_get_microphones (devices);
  GListModel *speakers = handset_media_devices_get_speakers (devices);
  GListModel *cameras = handset_media_devices_get_cameras (devices);
  ItemsChanged mic_changes = { 0 }, speaker_changes = { 0 }, camera_changes = { 0 };
  g_autoptr (GstDevice) headset = NULL;
  g_autoptr (GstDevice) monitor = NULL;
  g_autoptr (HandsetMediaDevice) found = NULL;
  guint n_speakers, position;

  /* Whatever the startup queued is handled before counting. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  n_speakers = g_list_model_get_n_items (speakers);

  g_signal_connect (microphones, "items-changed", G_CALLBACK (on_items_changed), &mic_changes);
  g_signal_connect (speakers, "items-changed", G_CALLBACK (on_items_changed), &speaker_changes);
  g_signal_connect (cameras, "items-changed", G_CALLBACK (on_items_changed), &camera_changes);

  /* A speaker without properties: its display name is its name. Before it,
   * the monitor of an output, which is no microphone; the messages arrive
   * in order, so once the speaker is in, the monitor has been handled. */
  monitor = gst_object_ref_sink (handset_fake_device_new (
      "Monitor of Fake Headset", "Audio/Source", "device.class", G_TYPE_STRING, "monitor",
      "node.name", G_TYPE_STRING, "handset-fake-monitor", NULL));
  headset = gst_object_ref_sink (handset_fake_device_new ("Fake Headset", "Audio/Sink", NULL));
  gst_device_provider_device_add (provider, monitor);
  gst_device_provider_device_add (provider, headset);

  wait_for_emissions (&speaker_changes, 1);
  g_assert_cmpuint (speaker_changes.position, ==, n_speakers);
  g_assert_cmpuint (speaker_changes.removed, ==, 0);
  g_assert_cmpuint (speaker_changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (speakers), ==, n_speakers + 1);
  found = g_list_model_get_item (speakers, n_speakers);
  assert_device (found, "Fake Headset", "Fake Headset", HANDSET_MEDIA_DEVICE_SPEAKER);
  g_assert_true (handset_media_device_get_gst_device (found) == headset);
  g_clear_object (&found);
  found = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_SPEAKER, "Fake Headset");
  g_assert_nonnull (found);
  g_clear_object (&found);

  g_assert_cmpuint (mic_changes.emissions, ==, 0);
  g_assert_cmpuint (camera_changes.emissions, ==, 0);
  found =
      handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, "handset-fake-monitor");
  g_assert_null (found);

  /* Unplugged. */
  gst_device_provider_device_remove (provider, headset);
  gst_device_provider_device_remove (provider, monitor);

  wait_for_emissions (&speaker_changes, 2);
  g_assert_cmpuint (speaker_changes.position, ==, n_speakers);
  g_assert_cmpuint (speaker_changes.removed, ==, 1);
  g_assert_cmpuint (speaker_changes.added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (speakers), ==, n_speakers);
  found = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_SPEAKER, "Fake Headset");
  g_assert_null (found);

  g_assert_cmpuint (mic_changes.emissions, ==, 0);
  g_assert_cmpuint (camera_changes.emissions, ==, 0);

  g_signal_handlers_disconnect_by_data (microphones, &mic_changes);
  g_signal_handlers_disconnect_by_data (speakers, &speaker_changes);
  g_signal_handlers_disconnect_by_data (cameras, &camera_changes);

  /* The camera list is untouched by all this. */
  found = find_in_list (cameras, "handset-fake-camera", &position);
  g_assert_nonnull (found);
}

static void
test_hotplug_microphone (void)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  g_autoptr (GstDeviceProvider) provider = handset_fake_devices_get_provider ();
  GListModel *microphones = handset_media_devices_get_microphones (devices);
  ItemsChanged changes = { 0 };
  g_autoptr (GstDevice) usb = NULL;
  g_autoptr (HandsetMediaDevice) found = NULL;
  guint n_microphones, position;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  n_microphones = g_list_model_get_n_items (microphones);
  g_signal_connect (microphones, "items-changed", G_CALLBACK (on_items_changed), &changes);

  usb = gst_object_ref_sink (handset_fake_device_new ("Fake USB Microphone", "Audio/Source",
                                                      "node.name", G_TYPE_STRING,
                                                      "handset-fake-usb-mic", NULL));
  gst_device_provider_device_add (provider, usb);

  wait_for_emissions (&changes, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (microphones), ==, n_microphones + 1);
  found = find_in_list (microphones, "handset-fake-usb-mic", &position);
  assert_device (found, "handset-fake-usb-mic", "Fake USB Microphone",
                 HANDSET_MEDIA_DEVICE_MICROPHONE);
  g_assert_cmpuint (position, ==, changes.position);
  g_clear_object (&found);

  gst_device_provider_device_remove (provider, usb);

  wait_for_emissions (&changes, 2);
  g_assert_cmpuint (changes.position, ==, position);
  g_assert_cmpuint (changes.added, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (microphones), ==, n_microphones);
  found = find_in_list (microphones, "handset-fake-usb-mic", NULL);
  g_assert_null (found);

  g_signal_handlers_disconnect_by_data (microphones, &changes);
}

static void
test_changed (void)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  g_autoptr (GstDeviceProvider) provider = handset_fake_devices_get_provider ();
  GListModel *cameras = handset_media_devices_get_cameras (devices);
  ItemsChanged changes = { 0 };
  g_autoptr (HandsetMediaDevice) before = NULL;
  g_autoptr (HandsetMediaDevice) after = NULL;
  GstDevice *renamed;
  guint n_cameras, position;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  n_cameras = g_list_model_get_n_items (cameras);
  before = find_in_list (cameras, "handset-fake-camera", &position);
  g_assert_nonnull (before);
  g_signal_connect (cameras, "items-changed", G_CALLBACK (on_items_changed), &changes);

  /* The provider takes the floating reference of the new version. */
  renamed = handset_fake_device_new ("Fake Camera (front)", "Video/Source", "object.path",
                                     G_TYPE_STRING, "handset-fake-camera", NULL);
  gst_device_provider_device_changed (provider, renamed,
                                      handset_media_device_get_gst_device (before));

  /* Replaced in place. */
  wait_for_emissions (&changes, 1);
  g_assert_cmpuint (changes.position, ==, position);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (cameras), ==, n_cameras);
  after = g_list_model_get_item (cameras, position);
  assert_device (after, "handset-fake-camera", "Fake Camera (front)", HANDSET_MEDIA_DEVICE_CAMERA);
  g_assert_true (handset_media_device_get_gst_device (after) == renamed);

  g_signal_handlers_disconnect_by_data (cameras, &changes);
}

static void
test_create_element (void)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  g_autoptr (HandsetMediaDevice) mic = NULL;
  g_autoptr (GstElement) element = NULL;
  g_autoptr (GError) error = NULL;
  GstElementFactory *factory;

  mic = handset_media_devices_find (devices, HANDSET_MEDIA_DEVICE_MICROPHONE, "handset-fake-mic");
  g_assert_nonnull (mic);

  element = handset_media_device_create_element (mic, &error);
  g_assert_no_error (error);
  g_assert_nonnull (element);
  g_assert_false (g_object_is_floating (element));

  factory = gst_element_get_factory (element);
  g_assert_nonnull (factory);
  g_assert_cmpstr (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), ==, "audiotestsrc");

  g_assert_cmpint (gst_element_set_state (element, GST_STATE_READY), ==, GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpint (gst_element_set_state (element, GST_STATE_NULL), ==, GST_STATE_CHANGE_SUCCESS);
}

static void
test_dispose_stops (void)
{
  g_autoptr (GstDeviceProvider) provider = NULL;
  HandsetMediaDevices *devices = handset_media_devices_new ();

  provider = handset_fake_devices_get_provider ();
  g_object_unref (devices);

  /* Only this test's monitor had started the provider. */
  g_assert_false (gst_device_provider_is_started (provider));
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  /* node.name wins over device.name; object.path is the last property. */
  handset_fake_devices_register (
      handset_fake_device_new ("Fake Microphone", "Audio/Source", "node.name", G_TYPE_STRING,
                               "handset-fake-mic", "device.name", G_TYPE_STRING,
                               "handset-fake-card", NULL),
      handset_fake_device_new ("Fake Camera", "Video/Source", "object.path", G_TYPE_STRING,
                               "handset-fake-camera", NULL),
      NULL);

  g_test_add_func ("/media-devices/lists", test_lists);
  g_test_add_func ("/media-devices/find", test_find);
  g_test_add_func ("/media-devices/hotplug", test_hotplug);
  g_test_add_func ("/media-devices/hotplug-microphone", test_hotplug_microphone);
  g_test_add_func ("/media-devices/changed", test_changed);
  g_test_add_func ("/media-devices/create-element", test_create_element);
  g_test_add_func ("/media-devices/dispose-stops", test_dispose_stops);

  return g_test_run ();
}
