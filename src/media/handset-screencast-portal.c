/* handset-screencast-portal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The screen, or a window, to share in a call, through the ScreenCast
 * portal: the only way on Wayland and inside Flatpak. A session is made
 * (CreateSession), what to share is asked for (SelectSources: a monitor
 * or a window, the pointer drawn in), the desktop asks the person (Start,
 * which answers with the PipeWire stream's node), and OpenPipeWireRemote
 * gives a PipeWire connection that sees that stream only. The element
 * made of it is pipewiresrc on that connection and node, then
 * videoconvert: raw video. When it is let go, the session is closed and
 * the desktop stops sharing. When the desktop ends the session first
 * (Session::Closed: the person pressed "Stop sharing" in the shell), the
 * element posts HANDSET_SCREENCAST_CLOSED_MESSAGE on its bus.
 *
 * The restore token the portal gives (version 4 and later) is kept in
 * memory, so that sharing again in the same run of Handset need not ask
 * again, but not on disk: a new run asks.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "handset-portal-request.h"
#include "handset-screencast-portal.h"

#define SCREENCAST_IFACE "org.freedesktop.portal.ScreenCast"
#define SESSION_IFACE    "org.freedesktop.portal.Session"

/* SelectSources' flags */
#define SOURCE_MONITOR  1u
#define SOURCE_WINDOW   2u
#define CURSOR_EMBEDDED 2u
#define PERSIST_RUNNING 1u /* as long as the application runs */

/* The restore token of the last share, for the next one: main thread only. */
static char *restore_token;

typedef struct
{
  GDBusConnection *connection;
  char *session; /* the session's object path, once made */
  guint version;
  guint source_types;
  guint cursor_modes;
  guint32 node_id;
  int fd;
} Cast;

static void
closed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, NULL);

  /* The connection was kept for the call: the bus's last reference may
   * go now, which would have dropped a call still queued. */
  g_object_unref (object);
}

static void
close_session (GDBusConnection *connection, const char *session)
{
  g_debug ("Closing the screen cast session %s", session);
  g_dbus_connection_call (connection, HANDSET_PORTAL_BUS_NAME, session, SESSION_IFACE, "Close",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, closed_cb,
                          g_object_ref (connection));
}

static void
cast_free (Cast *cast)
{
  /* A session not handed over to an element ends here. */
  if (cast->session != NULL && cast->connection != NULL)
    close_session (cast->connection, cast->session);
  g_clear_object (&cast->connection);
  g_free (cast->session);
  if (cast->fd >= 0)
    g_close (cast->fd, NULL);
  g_free (cast);
}

/* An error a person can read, from one of D-Bus. */
static GError *
portal_error (GError *error)
{
  return handset_portal_error (
      error, "ScreenCast",
      _ ("The screen cannot be shared: the desktop offers no screen sharing portal"),
      _ ("The screen cannot be shared: the desktop's screen sharing portal failed"));
}

/* The Response of a request, as an error when it is not a yes. */
static GVariant *
request_results (GAsyncResult *result, GError **error)
{
  GError *call_error = NULL;
  HandsetPortalResponse response;
  g_autoptr (GVariant) results = handset_portal_request_finish (result, &response, &call_error);

  if (results == NULL)
    {
      g_propagate_error (error, portal_error (call_error));
      return NULL;
    }
  if (response == HANDSET_PORTAL_RESPONSE_CANCELLED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _ ("Screen sharing was cancelled"));
      return NULL;
    }
  if (response != HANDSET_PORTAL_RESPONSE_SUCCESS)
    {
      g_set_error_literal (
          error, G_IO_ERROR, G_IO_ERROR_FAILED,
          _ ("The screen cannot be shared: the desktop's screen sharing portal failed"));
      return NULL;
    }

  return g_steal_pointer (&results);
}

static GVariant *
options_with_token (GVariantBuilder *options, char **token)
{
  *token = handset_portal_new_token ();
  g_variant_builder_add (options, "{sv}", "handle_token", g_variant_new_string (*token));

  return g_variant_builder_end (options);
}

/* ------------------------------------------------------------------ element */

/* The desktop's end of the session, followed while the element lives. */
typedef struct
{
  GWeakRef bin;
  gboolean *closed; /* the Share's, while it lives: main thread only */
} Watch;

typedef struct
{
  GDBusConnection *connection;
  char *session;
  int fd;
  guint closed_id;
  gboolean closed; /* by the desktop: nothing left to close */
} Share;

static void
watch_free (gpointer data)
{
  Watch *watch = data;

  g_weak_ref_clear (&watch->bin);
  g_free (watch);
}

/* The desktop ended the share ("Stop sharing" in the shell, the window
 * closed): the element says so on its bus, for whoever shares it. */
static void
session_closed_cb (GDBusConnection *connection,
                   const char *sender,
                   const char *path,
                   const char *iface,
                   const char *signal,
                   GVariant *parameters,
                   gpointer user_data)
{
  Watch *watch = user_data;
  g_autoptr (GstElement) bin = g_weak_ref_get (&watch->bin);

  g_debug ("The desktop closed the screen cast session %s", path);
  if (bin == NULL)
    return;
  *watch->closed = TRUE;
  gst_element_post_message (
      bin, gst_message_new_element (GST_OBJECT (bin),
                                    gst_structure_new_empty (HANDSET_SCREENCAST_CLOSED_MESSAGE)));
}

static void
share_end (gpointer data, GObject *where_the_element_was)
{
  Share *share = data;

  g_dbus_connection_signal_unsubscribe (share->connection, share->closed_id);
  if (!share->closed)
    close_session (share->connection, share->session);
  g_object_unref (share->connection);
  g_free (share->session);
  g_close (share->fd, NULL);
  g_free (share);
}

/* pipewiresrc on the portal's connection and node, then videoconvert,
 * in a bin whose only pad gives raw video. */
static GstElement *
make_element (Cast *cast, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%u", cast->node_id);
  GstElement *bin;
  GstElement *source;
  GstElement *convert;
  g_autoptr (GstPad) pad = NULL;
  Share *share;
  Watch *watch;

  source = gst_element_factory_make ("pipewiresrc", NULL);
  convert = gst_element_factory_make ("videoconvert", NULL);
  if (source == NULL || convert == NULL)
    {
      g_clear_pointer (&source, gst_object_unref);
      g_clear_pointer (&convert, gst_object_unref);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _ ("The screen cannot be shared: GStreamer's PipeWire elements are "
                              "missing (gstreamer1.0-pipewire)"));
      return NULL;
    }

  g_object_set (source, "fd", cast->fd, "path", path, "do-timestamp", TRUE, NULL);
  bin = gst_bin_new ("screencast");
  gst_bin_add_many (GST_BIN (bin), source, convert, NULL);
  if (!gst_element_link (source, convert))
    {
      gst_object_unref (gst_object_ref_sink (bin));
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "pipewiresrc cannot be linked to videoconvert");
      return NULL;
    }
  pad = gst_element_get_static_pad (convert, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));

  /* The element owns the session and the descriptor from now on. */
  share = g_new0 (Share, 1);
  share->connection = g_steal_pointer (&cast->connection);
  share->session = g_steal_pointer (&cast->session);
  share->fd = cast->fd;
  cast->fd = -1;
  watch = g_new0 (Watch, 1);
  g_weak_ref_init (&watch->bin, bin);
  watch->closed = &share->closed;
  share->closed_id = g_dbus_connection_signal_subscribe (
      share->connection, HANDSET_PORTAL_BUS_NAME, SESSION_IFACE, "Closed", share->session, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, session_closed_cb, watch, watch_free);
  g_object_weak_ref (G_OBJECT (bin), share_end, share);

  return bin;
}

/* ------------------------------------------------------------------- steps */

/* Ends the task with @error, closing the session made for it at once
 * rather than when the task's last reference goes. */
static void
fail (GTask *task, GError *error)
{
  Cast *cast = g_task_get_task_data (task);

  if (cast->session != NULL)
    close_session (cast->connection, cast->session);
  g_clear_pointer (&cast->session, g_free);
  g_task_return_error (task, error);
}

static void
remote_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Cast *cast = g_task_get_task_data (task);
  GError *error = NULL;
  GstElement *element;

  cast->fd = handset_portal_open_pipewire_remote_finish (result, &error);
  if (cast->fd < 0)
    {
      fail (task, portal_error (error));
      return;
    }

  element = make_element (cast, &error);
  if (element == NULL)
    fail (task, error);
  else
    g_task_return_pointer (task, gst_object_ref_sink (element), gst_object_unref);
}

static void
start_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Cast *cast = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GVariant) results = request_results (result, &error);
  g_autoptr (GVariant) streams = NULL;
  const char *token = NULL;

  if (results == NULL)
    {
      fail (task, error);
      return;
    }

  if (g_variant_lookup (results, "restore_token", "&s", &token))
    {
      g_free (restore_token);
      restore_token = g_strdup (token);
    }

  streams = g_variant_lookup_value (results, "streams", G_VARIANT_TYPE ("a(ua{sv})"));
  if (streams == NULL || g_variant_n_children (streams) == 0)
    {
      fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                               _ ("The screen cannot be shared: nothing was chosen to share")));
      return;
    }
  /* One source was asked for: the first stream is it. */
  g_variant_get_child (streams, 0, "(u@a{sv})", &cast->node_id, NULL);
  g_debug ("Sharing the screen from PipeWire node %u", cast->node_id);

  handset_portal_open_pipewire_remote_async (
      cast->connection, SCREENCAST_IFACE,
      g_variant_new ("(o@a{sv})", cast->session,
                     g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
      g_task_get_cancellable (task), remote_cb, g_object_ref (task));
}

static void
select_sources_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Cast *cast = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GVariant) results = request_results (result, &error);
  g_autofree char *token = NULL;
  GVariantBuilder options;
  GVariant *parameters;

  if (results == NULL)
    {
      fail (task, error);
      return;
    }

  /* No parent window: the portal's dialog stands on its own. */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  parameters = options_with_token (&options, &token);
  handset_portal_request_async (cast->connection, SCREENCAST_IFACE, "Start",
                                g_variant_new ("(os@a{sv})", cast->session, "", parameters), token,
                                g_task_get_cancellable (task), start_cb, g_object_ref (task));
}

static void
create_session_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Cast *cast = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GVariant) results = request_results (result, &error);
  g_autofree char *token = NULL;
  g_autoptr (GVariant) session = NULL;
  GVariantBuilder options;
  GVariant *parameters;
  guint types;

  if (results == NULL)
    {
      fail (task, error);
      return;
    }
  /* A string by the spec; an object path from some portals. */
  session = g_variant_lookup_value (results, "session_handle", NULL);
  if (session == NULL ||
      !(g_variant_is_of_type (session, G_VARIANT_TYPE_STRING) ||
        g_variant_is_of_type (session, G_VARIANT_TYPE_OBJECT_PATH)) ||
      !g_variant_is_object_path (g_variant_get_string (session, NULL)))
    {
      fail (task,
            g_error_new (
                G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                _ ("The screen cannot be shared: the desktop's screen sharing portal failed")));
      return;
    }
  cast->session = g_variant_dup_string (session, NULL);

  types = (SOURCE_MONITOR | SOURCE_WINDOW) & cast->source_types;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "types",
                         g_variant_new_uint32 (types != 0 ? types : SOURCE_MONITOR));
  g_variant_builder_add (&options, "{sv}", "multiple", g_variant_new_boolean (FALSE));
  if (cast->cursor_modes & CURSOR_EMBEDDED)
    g_variant_builder_add (&options, "{sv}", "cursor_mode", g_variant_new_uint32 (CURSOR_EMBEDDED));
  if (cast->version >= 4)
    {
      g_variant_builder_add (&options, "{sv}", "persist_mode",
                             g_variant_new_uint32 (PERSIST_RUNNING));
      if (restore_token != NULL)
        g_variant_builder_add (&options, "{sv}", "restore_token",
                               g_variant_new_string (restore_token));
    }
  parameters = options_with_token (&options, &token);
  handset_portal_request_async (cast->connection, SCREENCAST_IFACE, "SelectSources",
                                g_variant_new ("(o@a{sv})", cast->session, parameters), token,
                                g_task_get_cancellable (task), select_sources_cb,
                                g_object_ref (task));
}

static void
properties_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Cast *cast = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) properties = NULL;
  g_autofree char *token = NULL;
  g_autofree char *session_token = NULL;
  GVariantBuilder options;
  GVariant *parameters;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      fail (task, portal_error (error));
      return;
    }
  g_variant_get (reply, "(@a{sv})", &properties);
  /* A portal without the interface answers with no properties. */
  if (!g_variant_lookup (properties, "version", "u", &cast->version))
    {
      g_task_return_error (
          task, portal_error (g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE,
                                                   "The portal has no ScreenCast interface")));
      return;
    }
  g_variant_lookup (properties, "AvailableSourceTypes", "u", &cast->source_types);
  g_variant_lookup (properties, "AvailableCursorModes", "u", &cast->cursor_modes);

  session_token = handset_portal_new_token ();
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "session_handle_token",
                         g_variant_new_string (session_token));
  parameters = options_with_token (&options, &token);
  handset_portal_request_async (
      cast->connection, SCREENCAST_IFACE, "CreateSession", g_variant_new ("(@a{sv})", parameters),
      token, g_task_get_cancellable (task), create_session_cb, g_object_ref (task));
}

static void
bus_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Cast *cast = g_task_get_task_data (task);
  GError *error = NULL;

  cast->connection = g_bus_get_finish (result, &error);
  if (cast->connection == NULL)
    {
      fail (task, portal_error (error));
      return;
    }

  g_dbus_connection_call (cast->connection, HANDSET_PORTAL_BUS_NAME, HANDSET_PORTAL_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", SCREENCAST_IFACE), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, g_task_get_cancellable (task), properties_cb,
                          g_object_ref (task));
}

/**
 * handset_screencast_portal_available:
 *
 * Asks the session bus, and waits for the answer: whether a desktop
 * portal with the ScreenCast interface is there (or can be started).
 */
gboolean
handset_screencast_portal_available (void)
{
  g_autoptr (GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  if (connection == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (
      connection, HANDSET_PORTAL_BUS_NAME, HANDSET_PORTAL_OBJECT_PATH,
      "org.freedesktop.DBus.Properties", "Get", g_variant_new ("(ss)", SCREENCAST_IFACE, "version"),
      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  if (reply == NULL)
    g_debug ("No ScreenCast portal: %s", error->message);

  return reply != NULL;
}

/**
 * handset_screencast_portal_open_async:
 *
 * Asks the desktop for a screen or a window to share; the desktop asks
 * the person which (or, within the same run of Handset, may take the
 * last choice again).
 */
void
handset_screencast_portal_open_async (GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Cast *cast = g_new0 (Cast, 1);

  cast->fd = -1;
  g_task_set_source_tag (task, handset_screencast_portal_open_async);
  g_task_set_task_data (task, cast, (GDestroyNotify) cast_free);
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, bus_cb, task);
}

/**
 * handset_screencast_portal_open_finish:
 *
 * Returns: (transfer full): a source element of raw video, not floating,
 *   whose disposal ends the sharing; %NULL with @error in words for
 *   people ("Screen sharing was cancelled" when the person said no)
 */
GstElement *
handset_screencast_portal_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
