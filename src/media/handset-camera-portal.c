/* handset-camera-portal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inside Flatpak the cameras are the Camera portal's to give, as GNOME
 * Snapshot gets them: IsCameraPresent says whether there is one at all,
 * AccessCamera asks the person (once; the portal remembers the answer),
 * and OpenPipeWireRemote hands over a connection to PipeWire that sees
 * the cameras only. The PipeWire device provider lists the cameras on it
 * and makes pipewiresrc elements connected through it.
 *
 * Outside Flatpak the cameras are opened directly (V4L2, or PipeWire's
 * own); HANDSET_CAMERA_PORTAL=1 takes the portal's way anyway, for tests
 * and for hosts whose cameras are PipeWire's to share.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-camera-portal.h"
#include "handset-portal-request.h"

#define CAMERA_IFACE "org.freedesktop.portal.Camera"

/**
 * handset_camera_portal_wanted:
 *
 * Returns: whether the cameras are to be had from the Camera portal: in
 *   Flatpak, or when `HANDSET_CAMERA_PORTAL` is 1
 */
gboolean
handset_camera_portal_wanted (void)
{
  const char *forced = g_getenv ("HANDSET_CAMERA_PORTAL");

  if (forced != NULL && *forced != '\0')
    return g_str_equal (forced, "1");
  return handset_portal_sandboxed ();
}

/* An error a person can read, from one of D-Bus. */
static GError *
portal_error (GError *error)
{
  return handset_portal_error (
      error, "Camera", _ ("The camera cannot be used: the desktop portal offers no camera access"),
      _ ("The camera cannot be used: the desktop portal failed"));
}

/* ------------------------------------------------------------ IsCameraPresent */

static void
present_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, portal_error (error));
      return;
    }
  g_variant_get (reply, "(v)", &value);
  g_task_return_boolean (task, g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) &&
                                   g_variant_get_boolean (value));
}

static void
get_present (GDBusConnection *connection, GTask *task)
{
  g_dbus_connection_call (connection, HANDSET_PORTAL_BUS_NAME, HANDSET_PORTAL_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", CAMERA_IFACE, "IsCameraPresent"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), present_cb, task);
}

static void
present_bus_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  GError *error = NULL;
  g_autoptr (GDBusConnection) connection = g_bus_get_finish (result, &error);

  if (connection == NULL)
    {
      g_task_return_error (task, portal_error (error));
      g_object_unref (task);
      return;
    }
  get_present (connection, task);
}

/**
 * handset_camera_portal_is_present_async:
 *
 * Reads the portal's IsCameraPresent, which asks the person nothing.
 */
void
handset_camera_portal_is_present_async (GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_camera_portal_is_present_async);
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, present_bus_cb, task);
}

/**
 * handset_camera_portal_is_present_finish:
 *
 * Returns: whether the portal knows of a camera; %FALSE with @error when
 *   it cannot be asked
 */
gboolean
handset_camera_portal_is_present_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------- opening */

typedef struct
{
  GDBusConnection *connection;
} Open;

static void
open_free (Open *open)
{
  g_clear_object (&open->connection);
  g_free (open);
}

static void
remote_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;
  int fd = handset_portal_open_pipewire_remote_finish (result, &error);

  if (fd < 0)
    g_task_return_error (task, portal_error (error));
  else
    handset_portal_task_return_fd (task, fd);
}

static void
access_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Open *open = g_task_get_task_data (task);
  GError *error = NULL;
  HandsetPortalResponse response;
  g_autoptr (GVariant) results = handset_portal_request_finish (result, &response, &error);

  if (results == NULL)
    {
      g_task_return_error (task, portal_error (error));
      return;
    }
  if (response == HANDSET_PORTAL_RESPONSE_CANCELLED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "%s",
                               _ ("The camera cannot be used: access to it was not allowed"));
      return;
    }
  if (response != HANDSET_PORTAL_RESPONSE_SUCCESS)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                               _ ("The camera cannot be used: the desktop portal failed"));
      return;
    }

  handset_portal_open_pipewire_remote_async (
      open->connection, CAMERA_IFACE, g_variant_new_parsed ("(@a{sv} {},)"),
      g_task_get_cancellable (task), remote_cb, g_object_ref (task));
}

static void
open_present_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Open *open = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *token = NULL;
  GVariantBuilder options;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (error != NULL)
        g_task_return_error (task, error);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                                 _ ("No camera was found"));
      return;
    }

  token = handset_portal_new_token ();
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  handset_portal_request_async (open->connection, CAMERA_IFACE, "AccessCamera",
                                g_variant_new ("(a{sv})", &options), token,
                                g_task_get_cancellable (task), access_cb, g_object_ref (task));
}

static void
open_bus_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Open *open = g_task_get_task_data (task);
  GError *error = NULL;
  GTask *present;

  open->connection = g_bus_get_finish (result, &error);
  if (open->connection == NULL)
    {
      g_task_return_error (task, portal_error (error));
      return;
    }

  present = g_task_new (NULL, g_task_get_cancellable (task), open_present_cb, g_object_ref (task));
  get_present (open->connection, present);
}

/**
 * handset_camera_portal_open_async:
 *
 * Asks the portal for the cameras: whether there is one, the person's
 * permission (the portal asks only the first time), and a PipeWire
 * connection that sees them.
 */
void
handset_camera_portal_open_async (GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_camera_portal_open_async);
  g_task_set_task_data (task, g_new0 (Open, 1), (GDestroyNotify) open_free);
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, open_bus_cb, task);
}

/**
 * handset_camera_portal_open_finish:
 *
 * Returns: a PipeWire connection's descriptor, which the caller closes;
 *   -1 with @error (in words for people: no camera, not allowed, no
 *   portal)
 */
int
handset_camera_portal_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return handset_portal_task_propagate_fd (G_TASK (result), error);
}

/**
 * handset_camera_portal_make_provider:
 * @fd: the descriptor handset_camera_portal_open_finish() gave, which
 *   must stay open as long as the provider and its devices' elements
 *
 * The PipeWire device provider on the portal's connection: its devices
 * are the cameras the portal lets Handset see, and the pipewiresrc
 * elements they make connect through @fd. A provider of its own, not
 * the registry's (which a GstDeviceMonitor shares for the sound
 * devices, on the sound server's own connection).
 *
 * Returns: (transfer full) (nullable): the provider, not started; %NULL
 *   with @error when GStreamer's PipeWire elements are missing or too old
 */
GstDeviceProvider *
handset_camera_portal_make_provider (int fd, GError **error)
{
  g_autoptr (GstDeviceProviderFactory) factory = NULL;
  g_autoptr (GstPluginFeature) loaded = NULL;
  g_autoptr (GstDeviceProvider) registry_provider = NULL;
  GType type;

  g_return_val_if_fail (fd >= 0, NULL);

  factory = gst_device_provider_factory_find ("pipewiredeviceprovider");
  if (factory != NULL)
    loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
  /* Made once through the factory, so that the class knows its factory. */
  if (loaded != NULL)
    registry_provider = gst_device_provider_factory_get (GST_DEVICE_PROVIDER_FACTORY (loaded));
  if (registry_provider == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _ ("The camera cannot be used: GStreamer's PipeWire elements are "
                              "missing (gstreamer1.0-pipewire)"));
      return NULL;
    }
  type = G_OBJECT_TYPE (registry_provider);
  /* The "fd" property came with PipeWire 0.3.64. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (registry_provider), "fd") == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _ ("The camera cannot be used: GStreamer's PipeWire elements are too "
                              "old (0.3.64 or later is needed)"));
      return NULL;
    }

  return gst_object_ref_sink (g_object_new (type, "fd", fd, NULL));
}
