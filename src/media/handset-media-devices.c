/* handset-media-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The microphones, speakers and cameras GStreamer's device providers know
 * (PulseAudio, PipeWire, V4L2, …), kept up to date as devices come and go.
 * Each device has a stable name, so that a choice saved in the settings
 * still finds its device after a restart or a replug.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-devices-private.h"
#include "handset-media-provider.h"

#define N_KINDS (HANDSET_MEDIA_DEVICE_CAMERA + 1)

/* Indexed by HandsetMediaDeviceKind. */
static const char *const kind_classes[N_KINDS] = {
  "Audio/Source",
  "Audio/Sink",
  "Video/Source",
};

G_DEFINE_ENUM_TYPE (HandsetMediaDeviceKind,
                    handset_media_device_kind,
                    G_DEFINE_ENUM_VALUE (HANDSET_MEDIA_DEVICE_MICROPHONE, "microphone"),
                    G_DEFINE_ENUM_VALUE (HANDSET_MEDIA_DEVICE_SPEAKER, "speaker"),
                    G_DEFINE_ENUM_VALUE (HANDSET_MEDIA_DEVICE_CAMERA, "camera"))

/* HandsetMediaDevice */

struct _HandsetMediaDevice
{
  GObject parent_instance;

  GstDevice *device;
  char *name;
  char *display_name;
  HandsetMediaDeviceKind kind;
};

G_DEFINE_FINAL_TYPE (HandsetMediaDevice, handset_media_device, G_TYPE_OBJECT)

enum
{
  DEVICE_PROP_0,
  DEVICE_PROP_NAME,
  DEVICE_PROP_DISPLAY_NAME,
  DEVICE_PROP_KIND,
  N_DEVICE_PROPS
};

static GParamSpec *device_props[N_DEVICE_PROPS];

static void
handset_media_device_finalize (GObject *object)
{
  HandsetMediaDevice *self = HANDSET_MEDIA_DEVICE (object);

  gst_clear_object (&self->device);
  g_free (self->name);
  g_free (self->display_name);

  G_OBJECT_CLASS (handset_media_device_parent_class)->finalize (object);
}

static void
handset_media_device_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetMediaDevice *self = HANDSET_MEDIA_DEVICE (object);

  switch (prop_id)
    {
      case DEVICE_PROP_NAME:
        g_value_set_string (value, self->name);
        break;
      case DEVICE_PROP_DISPLAY_NAME:
        g_value_set_string (value, self->display_name);
        break;
      case DEVICE_PROP_KIND:
        g_value_set_enum (value, self->kind);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_media_device_class_init (HandsetMediaDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = handset_media_device_finalize;
  object_class->get_property = handset_media_device_get_property;

  /**
   * HandsetMediaDevice:name:
   *
   * The name that stays the same across restarts and replugs; the one to
   * save in the settings.
   */
  device_props[DEVICE_PROP_NAME] =
      g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  device_props[DEVICE_PROP_DISPLAY_NAME] = g_param_spec_string (
      "display-name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  device_props[DEVICE_PROP_KIND] = g_param_spec_enum (
      "kind", NULL, NULL, HANDSET_TYPE_MEDIA_DEVICE_KIND, HANDSET_MEDIA_DEVICE_MICROPHONE,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_DEVICE_PROPS, device_props);
}

static void
handset_media_device_init (HandsetMediaDevice *self)
{
}

static char *
non_empty_string (GstStructure *props, const char *key)
{
  const char *value = props != NULL ? gst_structure_get_string (props, key) : NULL;

  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

/* The display name is not enough on its own: two identical headsets share
 * it, and PulseAudio renames a device when its profile changes. */
static char *
stable_name (GstDevice *device, const char *display_name)
{
  g_autoptr (GstStructure) props = gst_device_get_properties (device);
  GParamSpec *pspec;
  char *name;

  /* PipeWire, also through its PulseAudio server. */
  name = non_empty_string (props, "node.name");
  if (name != NULL)
    return name;

  /* PulseAudio's own sink or source name (what pulsesrc's "device" takes)
   * is not in its property list, only on its GstDevice; device.name there
   * is the card's, shared by the card's inputs and outputs. */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (device), "internal-name");
  if (pspec != NULL && pspec->value_type == G_TYPE_STRING && (pspec->flags & G_PARAM_READABLE))
    {
      g_autofree char *internal_name = NULL;

      g_object_get (device, "internal-name", &internal_name, NULL);
      if (internal_name != NULL && *internal_name != '\0')
        return g_steal_pointer (&internal_name);
    }

  name = non_empty_string (props, "device.name");
  if (name != NULL)
    return name;

  name = non_empty_string (props, "object.path");
  if (name != NULL)
    return name;

  return g_strdup (display_name);
}

/**
 * handset_media_device_new:
 * @device: the GStreamer device
 * @kind: what it is used as
 *
 * Returns: (transfer full): a device that keeps a reference to @device
 */
HandsetMediaDevice *
handset_media_device_new (GstDevice *device, HandsetMediaDeviceKind kind)
{
  HandsetMediaDevice *self;
  g_autofree char *display_name = NULL;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);
  g_return_val_if_fail ((guint) kind < N_KINDS, NULL);

  display_name = gst_device_get_display_name (device);
  if (display_name == NULL)
    display_name = g_strdup ("");

  self = g_object_new (HANDSET_TYPE_MEDIA_DEVICE, NULL);
  self->device = gst_object_ref (device);
  self->kind = kind;
  self->name = stable_name (device, display_name);
  self->display_name = g_steal_pointer (&display_name);

  return self;
}

const char *
handset_media_device_get_name (HandsetMediaDevice *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICE (self), NULL);

  return self->name;
}

const char *
handset_media_device_get_display_name (HandsetMediaDevice *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICE (self), NULL);

  return self->display_name;
}

HandsetMediaDeviceKind
handset_media_device_get_kind (HandsetMediaDevice *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICE (self), HANDSET_MEDIA_DEVICE_MICROPHONE);

  return self->kind;
}

/**
 * handset_media_device_get_gst_device:
 *
 * Returns: (transfer none): the GStreamer device
 */
GstDevice *
handset_media_device_get_gst_device (HandsetMediaDevice *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICE (self), NULL);

  return self->device;
}

/**
 * handset_media_device_create_element:
 *
 * Makes the source or sink element of the device, already set to use it.
 *
 * Returns: (transfer full) (nullable): a new element, not floating: after
 *   gst_bin_add() the caller still owns, and must drop, its own reference
 */
GstElement *
handset_media_device_create_element (HandsetMediaDevice *self, GError **error)
{
  GstElement *element;

  g_return_val_if_fail (HANDSET_IS_MEDIA_DEVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  element = gst_device_create_element (self->device, NULL);
  if (element == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not make a GStreamer element for the device “%s”", self->display_name);
      return NULL;
    }

  /* A plain reference, so that g_autoptr works and a floating reference is
   * never dropped by a g_object_unref(). */
  return gst_object_ref_sink (element);
}

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
};

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

          if (item->device == device)
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
  g_debug ("Device added: %s “%s” (%s)", kind_classes[kind], item->display_name, item->name);
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
  g_debug ("Device changed: %s “%s” (%s)", kind_classes[new_kind], item->display_name, item->name);

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
  for (guint k = 0; k < N_KINDS; k++)
    gst_device_monitor_add_filter (self->monitor, kind_classes[k], NULL);
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

      if (g_str_equal (item->name, name))
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
  return devices != NULL &&
         g_list_model_get_n_items (handset_media_devices_get_cameras (devices)) > 0;
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
