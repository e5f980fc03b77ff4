/* handset-media-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The microphones, speakers and cameras GStreamer's device providers know
 * (PulseAudio, PipeWire, V4L2, …), kept up to date as devices come and go.
 * Inside Flatpak the cameras are the Camera portal's: asked for when a
 * person first wants one (handset_media_devices_request_cameras_async()),
 * and listed by the PipeWire device provider on the portal's connection.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "handset-camera-portal.h"
#include "handset-media-devices-private.h"
#include "handset-media-provider.h"

#define N_KINDS (HANDSET_MEDIA_DEVICE_CAMERA + 1)

/* Indexed by HandsetMediaDeviceKind. */
static const char *const kind_classes[N_KINDS] = {
  "Audio/Source",
  "Audio/Sink",
  "Video/Source",
};

/* HandsetMediaDevices */

struct _HandsetMediaDevices
{
  GObject parent_instance;

  GstDeviceMonitor *monitor;
  GstBus *bus;
  gboolean tried;   /* handset_media_devices_start() ran */
  gboolean started; /* and the monitor runs */
  guint watch_id;
  GThread *prewarm;           /* the DTLS certificate being made */
  GListStore *lists[N_KINDS]; /* of HandsetMediaDevice, indexed by kind */

  /* The cameras, when the Camera portal gives them: asked for on first
   * use, not at start-up, so that nobody is asked for a camera before
   * wanting one. */
  gboolean camera_portal;
  gboolean camera_present; /* what the portal says, until the cameras are opened */
  gboolean cameras_open;
  GPtrArray *camera_requests; /* GTasks waiting for the portal's answer */
  GCancellable *cancellable;
  GstBus *camera_bus;
};

/* PipeWire's device provider cannot be stopped safely (its stop races its
 * own thread before PipeWire 0.3.73, and frees what its thread still
 * uses before 1.5.85): the one on the Camera portal's connection stays
 * for the life of the process, and each list of devices watches it. */
static GstDeviceProvider *portal_provider;

/* The lists (references) waiting for the Camera portal's one request in
 * flight, for the whole process: two lists asking at once (Preferences
 * and a call) ask the portal once, and both list what it gave. */
static GPtrArray *portal_waiters;

G_DEFINE_FINAL_TYPE (HandsetMediaDevices, handset_media_devices, G_TYPE_OBJECT)

static gboolean
classify (GstDevice *device, HandsetMediaDeviceKind *kind)
{
  g_autoptr (GstStructure) props = NULL;

  for (guint i = 0; i < N_KINDS; i++)
    {
      if (!gst_device_has_classes (device, kind_classes[i]))
        continue;

      /* PulseAudio lists the monitor of each output as an input: it records
       * what the speakers play, and is no microphone. */
      if (i == HANDSET_MEDIA_DEVICE_MICROPHONE)
        {
          props = gst_device_get_properties (device);
          if (props != NULL &&
              g_strcmp0 (gst_structure_get_string (props, "device.class"), "monitor") == 0)
            return FALSE;
        }

      *kind = i;
      return TRUE;
    }

  return FALSE;
}

static gboolean
find_gst_device (HandsetMediaDevices *self,
                 GstDevice *device,
                 HandsetMediaDeviceKind *kind,
                 guint *position)
{
  for (guint k = 0; k < N_KINDS; k++)
    {
      GListModel *list = G_LIST_MODEL (self->lists[k]);
      guint n_items = g_list_model_get_n_items (list);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr (HandsetMediaDevice) item = g_list_model_get_item (list, i);

          if (handset_media_device_get_gst_device (item) == device)
            {
              *kind = k;
              *position = i;
              return TRUE;
            }
        }
    }

  return FALSE;
}

static void
add_device (HandsetMediaDevices *self, GstDevice *device)
{
  g_autoptr (HandsetMediaDevice) item = NULL;
  HandsetMediaDeviceKind kind;
  guint position;

  if (!classify (device, &kind))
    return;

  /* The providers announce the devices they find while starting, and those
   * messages are still queued when the first list is read. */
  if (find_gst_device (self, device, &kind, &position))
    return;

  item = handset_media_device_new (device, kind);
  g_debug ("Device added: %s “%s” (%s)", kind_classes[kind],
           handset_media_device_get_display_name (item), handset_media_device_get_name (item));
  g_list_store_append (self->lists[kind], item);
}

static void
remove_device (HandsetMediaDevices *self, GstDevice *device)
{
  HandsetMediaDeviceKind kind;
  guint position;

  if (!find_gst_device (self, device, &kind, &position))
    return;

  g_debug ("Device removed: %s at %u", kind_classes[kind], position);
  g_list_store_remove (self->lists[kind], position);
}

static void
change_device (HandsetMediaDevices *self, GstDevice *device, GstDevice *changed_device)
{
  g_autoptr (HandsetMediaDevice) item = NULL;
  HandsetMediaDeviceKind old_kind, new_kind;
  guint position;

  if (!find_gst_device (self, changed_device, &old_kind, &position))
    {
      add_device (self, device);
      return;
    }

  if (!classify (device, &new_kind))
    {
      g_list_store_remove (self->lists[old_kind], position);
      return;
    }

  item = handset_media_device_new (device, new_kind);
  g_debug ("Device changed: %s “%s” (%s)", kind_classes[new_kind],
           handset_media_device_get_display_name (item), handset_media_device_get_name (item));

  /* In place, so that a selection on the list stays where it was. */
  if (new_kind == old_kind)
    {
      g_list_store_splice (self->lists[old_kind], position, 1, (gpointer *) &item, 1);
    }
  else
    {
      g_list_store_remove (self->lists[old_kind], position);
      g_list_store_append (self->lists[new_kind], item);
    }
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HandsetMediaDevices *self = HANDSET_MEDIA_DEVICES (user_data);

  switch (GST_MESSAGE_TYPE (message))
    {
      case GST_MESSAGE_DEVICE_ADDED:
        {
          g_autoptr (GstDevice) device = NULL;

          gst_message_parse_device_added (message, &device);
          add_device (self, device);
          break;
        }
      case GST_MESSAGE_DEVICE_REMOVED:
        {
          g_autoptr (GstDevice) device = NULL;

          gst_message_parse_device_removed (message, &device);
          remove_device (self, device);
          break;
        }
      case GST_MESSAGE_DEVICE_CHANGED:
        {
          g_autoptr (GstDevice) device = NULL;
          g_autoptr (GstDevice) changed_device = NULL;

          gst_message_parse_device_changed (message, &device, &changed_device);
          change_device (self, device, changed_device);
          break;
        }
      default:
        break;
    }

  return G_SOURCE_CONTINUE;
}

static void
handset_media_devices_dispose (GObject *object)
{
  HandsetMediaDevices *self = HANDSET_MEDIA_DEVICES (object);

  if (self->watch_id != 0)
    {
      gst_bus_remove_watch (self->bus);
      self->watch_id = 0;
    }

  /* A started monitor must not be disposed, and stopping it releases the
   * providers (and the sound server connections) it started. */
  if (self->started)
    {
      gst_device_monitor_stop (self->monitor);
      self->started = FALSE;
    }

  gst_clear_object (&self->bus);
  gst_clear_object (&self->monitor);
  if (self->prewarm != NULL)
    g_thread_join (g_steal_pointer (&self->prewarm));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->camera_bus != NULL)
    gst_bus_remove_watch (self->camera_bus);
  gst_clear_object (&self->camera_bus);

  for (guint k = 0; k < N_KINDS; k++)
    g_clear_object (&self->lists[k]);

  G_OBJECT_CLASS (handset_media_devices_parent_class)->dispose (object);
}

static void
handset_media_devices_class_init (HandsetMediaDevicesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = handset_media_devices_dispose;
}

static void
handset_media_devices_init (HandsetMediaDevices *self)
{
  for (guint k = 0; k < N_KINDS; k++)
    self->lists[k] = g_list_store_new (HANDSET_TYPE_MEDIA_DEVICE);
  self->camera_present = TRUE;
  self->cancellable = g_cancellable_new ();
  self->camera_portal = handset_camera_portal_wanted ();
}

static void
camera_present_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetMediaDevices) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean present = handset_camera_portal_is_present_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* No portal to ask: video is offered, and turning it on says why it
   * cannot be. */
  self->camera_present = present || error != NULL;
}

/**
 * handset_media_devices_new_lazy:
 *
 * The devices, listed only when first needed (handset_media_devices_start(),
 * called by handset_media_devices_find() and
 * handset_media_devices_can_send_video()): GStreamer's registry, the sound
 * server and the cameras are left alone until then, so a program that
 * starts and waits for calls does not load them. Until then the lists are
 * empty; they fill with ::items-changed.
 */
HandsetMediaDevices *
handset_media_devices_new_lazy (void)
{
  return g_object_new (HANDSET_TYPE_MEDIA_DEVICES, NULL);
}

/**
 * handset_media_devices_start:
 *
 * Lists the devices and starts watching for changes, which arrive on the
 * thread-default main context of the caller: use the object on that
 * thread only. When no device provider can start (no sound server, no
 * camera support), the lists stay empty. It also starts making the
 * process's DTLS certificate in a thread (see handset_media_prewarm()),
 * which the first call would otherwise wait for. Only the first call
 * does anything.
 */
void
handset_media_devices_start (HandsetMediaDevices *self)
{
  GList *devices;

  g_return_if_fail (HANDSET_IS_MEDIA_DEVICES (self));

  if (self->tried)
    return;
  self->tried = TRUE;

  self->prewarm = handset_media_prewarm ();
  self->monitor = gst_device_monitor_new ();
  /* With the portal, the cameras are its to give; asking costs the
   * person nothing until they are opened. */
  for (guint k = 0; k < N_KINDS; k++)
    if (k != HANDSET_MEDIA_DEVICE_CAMERA || !self->camera_portal)
      gst_device_monitor_add_filter (self->monitor, kind_classes[k], NULL);
  if (self->camera_portal)
    handset_camera_portal_is_present_async (self->cancellable, camera_present_cb,
                                            g_object_ref (self));
  self->bus = gst_device_monitor_get_bus (self->monitor);

  if (!gst_device_monitor_start (self->monitor))
    {
      g_info ("No media device provider could start: no microphones, speakers or cameras");
      return;
    }

  self->started = TRUE;
  self->watch_id = gst_bus_add_watch (self->bus, on_bus_message, self);

  devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    add_device (self, l->data);
  g_list_free_full (devices, gst_object_unref);
}

/**
 * handset_media_devices_new:
 *
 * The devices, listed now: handset_media_devices_new_lazy() and
 * handset_media_devices_start().
 */
HandsetMediaDevices *
handset_media_devices_new (void)
{
  HandsetMediaDevices *self = handset_media_devices_new_lazy ();

  handset_media_devices_start (self);
  return self;
}

/**
 * handset_media_devices_get_microphones:
 *
 * Returns: (transfer none): a list of #HandsetMediaDevice
 */
GListModel *
handset_media_devices_get_microphones (HandsetMediaDevices *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICES (self), NULL);

  return G_LIST_MODEL (self->lists[HANDSET_MEDIA_DEVICE_MICROPHONE]);
}

/**
 * handset_media_devices_get_speakers:
 *
 * Returns: (transfer none): a list of #HandsetMediaDevice
 */
GListModel *
handset_media_devices_get_speakers (HandsetMediaDevices *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICES (self), NULL);

  return G_LIST_MODEL (self->lists[HANDSET_MEDIA_DEVICE_SPEAKER]);
}

/**
 * handset_media_devices_get_cameras:
 *
 * Returns: (transfer none): a list of #HandsetMediaDevice
 */
GListModel *
handset_media_devices_get_cameras (HandsetMediaDevices *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICES (self), NULL);

  return G_LIST_MODEL (self->lists[HANDSET_MEDIA_DEVICE_CAMERA]);
}

/**
 * handset_media_devices_find:
 * @name: (nullable): a stable name, as from handset_media_device_get_name()
 *
 * Returns: (transfer full) (nullable): the device of @kind named @name, or
 *   %NULL when it is not there, and the system default is to be used
 */
HandsetMediaDevice *
handset_media_devices_find (HandsetMediaDevices *self,
                            HandsetMediaDeviceKind kind,
                            const char *name)
{
  GListModel *list;
  guint n_items;

  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICES (self), NULL);
  g_return_val_if_fail ((guint) kind < N_KINDS, NULL);

  if (name == NULL || self->lists[kind] == NULL)
    return NULL;
  handset_media_devices_start (self);

  list = G_LIST_MODEL (self->lists[kind]);
  n_items = g_list_model_get_n_items (list);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr (HandsetMediaDevice) item = g_list_model_get_item (list, i);

      if (g_str_equal (handset_media_device_get_name (item), name))
        return g_steal_pointer (&item);
    }

  return NULL;
}

/**
 * handset_media_devices_can_send_video:
 * @devices: (nullable): the devices, as monitored
 *
 * Returns: whether a call can send video: there is a camera (or the
 *   environment names a video source, as tests do)
 */
gboolean
handset_media_devices_can_send_video (HandsetMediaDevices *devices)
{
  const char *description = g_getenv ("HANDSET_VIDEO_SRC");

  if (description != NULL && *description != '\0')
    return TRUE;
  if (devices != NULL)
    handset_media_devices_start (devices);
  if (devices != NULL && devices->camera_portal && !devices->cameras_open)
    return devices->camera_present;
  return devices != NULL &&
         g_list_model_get_n_items (handset_media_devices_get_cameras (devices)) > 0;
}

static void
finish_camera_requests (HandsetMediaDevices *self, const GError *error)
{
  g_autoptr (GPtrArray) requests = g_steal_pointer (&self->camera_requests);

  for (guint i = 0; i < requests->len; i++)
    {
      GTask *task = g_ptr_array_index (requests, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

/* Lists the cameras of the portal's provider and follows its changes. */
static void
watch_cameras (HandsetMediaDevices *self)
{
  GList *devices;

  self->cameras_open = TRUE;
  self->camera_bus = gst_device_provider_get_bus (portal_provider);
  /* The same messages as the monitor's; one watch per bus, so a second
   * list in the same process shows the cameras there are now. */
  if (gst_bus_add_watch (self->camera_bus, on_bus_message, self) == 0)
    gst_clear_object (&self->camera_bus);
  devices = gst_device_provider_get_devices (portal_provider);
  for (GList *l = devices; l != NULL; l = l->next)
    add_device (self, l->data);
  g_list_free_full (devices, gst_object_unref);
  g_debug ("%u cameras from the Camera portal",
           g_list_model_get_n_items (G_LIST_MODEL (self->lists[HANDSET_MEDIA_DEVICE_CAMERA])));
}

/* The provider on the portal's connection @fd, which it keeps. */
static gboolean
start_portal_provider (int fd, GError **error)
{
  g_autoptr (GstDeviceProvider) provider = handset_camera_portal_make_provider (fd, error);

  if (provider == NULL)
    {
      g_close (fd, NULL);
      return FALSE;
    }
  if (!gst_device_provider_start (provider))
    {
      g_close (fd, NULL);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _ ("The camera cannot be used: PipeWire did not answer"));
      return FALSE;
    }
  portal_provider = g_steal_pointer (&provider);

  return TRUE;
}

static void
camera_portal_open_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&portal_waiters);
  g_autoptr (GError) error = NULL;
  int fd = handset_camera_portal_open_finish (result, &error);

  if (fd >= 0 && portal_provider == NULL)
    start_portal_provider (fd, &error);
  else if (fd >= 0)
    g_close (fd, NULL);
  if (error != NULL)
    g_message ("No cameras from the Camera portal: %s", error->message);
  for (guint i = 0; i < waiters->len; i++)
    {
      HandsetMediaDevices *self = g_ptr_array_index (waiters, i);

      if (portal_provider != NULL && !self->cameras_open)
        watch_cameras (self);
      /* Asked again next time: the person may allow it in Settings. */
      finish_camera_requests (self, portal_provider != NULL ? NULL : error);
    }
}

/**
 * handset_media_devices_cameras_ready:
 *
 * Returns: whether the cameras are listed already: outside Flatpak
 *   always, inside once the Camera portal gave them
 */
gboolean
handset_media_devices_cameras_ready (HandsetMediaDevices *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICES (self), TRUE);

  return !self->camera_portal || self->cameras_open;
}

/**
 * handset_media_devices_request_cameras_async:
 *
 * Makes sure the cameras are listed. Outside Flatpak they already are;
 * inside, the first request asks the Camera portal (which may ask the
 * person) and lists the cameras it gives. Call it when a person turns
 * video on or looks at the cameras, not before.
 */
void
handset_media_devices_request_cameras_async (HandsetMediaDevices *self,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (HANDSET_IS_MEDIA_DEVICES (self));

  handset_media_devices_start (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_media_devices_request_cameras_async);
  if (!self->camera_portal || self->cameras_open)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (portal_provider != NULL)
    {
      /* Opened for another list of this process: not asked again. */
      watch_cameras (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (self->camera_requests != NULL)
    {
      g_ptr_array_add (self->camera_requests, g_steal_pointer (&task));
      return;
    }
  self->camera_requests = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->camera_requests, g_steal_pointer (&task));
  if (portal_waiters != NULL)
    {
      /* Another list asked the portal already: its answer is this one's. */
      g_ptr_array_add (portal_waiters, g_object_ref (self));
      return;
    }
  portal_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (portal_waiters, g_object_ref (self));
  handset_camera_portal_open_async (self->cancellable, camera_portal_open_cb, NULL);
}

/**
 * handset_media_devices_request_cameras_finish:
 *
 * Returns: %TRUE when the cameras are listed (there may be none); %FALSE
 *   with @error, in words for people, when the portal gave none
 */
gboolean
handset_media_devices_request_cameras_finish (HandsetMediaDevices *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_media_devices_overridden:
 * @variable: HANDSET_AUDIO_SRC or HANDSET_AUDIO_SINK
 *
 * Returns: whether the environment describes the device (a pipeline, as
 *   tests give), which then stands in for any device chosen
 */
gboolean
handset_media_devices_overridden (const char *variable)
{
  const char *description = g_getenv (variable);

  return description != NULL && *description != '\0';
}

/**
 * handset_media_devices_system_audio:
 * @variable: HANDSET_AUDIO_SRC or HANDSET_AUDIO_SINK
 * @factory: the sound server's element: pulsesrc or pulsesink
 * @sound: what it is for
 *
 * The system's microphone or speaker, as a phone's sound (a call asks for
 * echo cancellation as well, unless its pipeline cancels echo itself); in
 * tests, the pipeline that @variable describes.
 *
 * Returns: (transfer floating) (nullable): the element, or %NULL (with
 *   @error when the description cannot be read)
 */
GstElement *
handset_media_devices_system_audio (const char *variable,
                                    const char *factory,
                                    HandsetMediaSound sound,
                                    GError **error)
{
  GstElement *element;
  g_autoptr (GstStructure) properties = NULL;

  if (handset_media_devices_overridden (variable))
    return gst_parse_bin_from_description (g_getenv (variable), TRUE, error);

  element = gst_element_factory_make (factory, NULL);
  if (element == NULL)
    return NULL;
  properties = gst_structure_new ("props", "media.role", G_TYPE_STRING, "phone", NULL);
  if (sound == HANDSET_MEDIA_SOUND_CALL)
    gst_structure_set (properties, "filter.want", G_TYPE_STRING, "echo-cancel", NULL);
  g_object_set (element, "stream-properties", properties, NULL);

  return element;
}
