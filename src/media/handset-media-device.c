/* handset-media-device.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One microphone, speaker or camera of a GStreamer device provider, with
 * a stable name, so that a choice saved in the settings still finds its
 * device after a restart or a replug.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-devices-private.h"

#define N_KINDS (HANDSET_MEDIA_DEVICE_CAMERA + 1)

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
