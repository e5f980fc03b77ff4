/* handset-background-portal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inside a Flatpak sandbox, running with no window and starting with the
 * desktop session are the Background portal's to allow: Handset asks
 * org.freedesktop.portal.Background.RequestBackground and follows the
 * Request object's Response signal. The answer of the latest request
 * decides the properties: "allowed" turns off when the portal refuses
 * background running, "autostart" says whether the portal made Handset
 * start with the session, and "message" tells a person what was refused.
 *
 * Plain GDBus rather than libportal: one method and one signal do not
 * need another library in the Flatpak and in the Debian packages.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-background-portal.h"

#define PORTAL_BUS_NAME    "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define BACKGROUND_IFACE   "org.freedesktop.portal.Background"
#define REQUEST_IFACE      "org.freedesktop.portal.Request"

enum
{
  PROP_0,
  PROP_CONNECTION,
  PROP_ALLOWED,
  PROP_AUTOSTART,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

struct _HandsetBackgroundPortal
{
  GObject parent_instance;

  GDBusConnection *connection;
  gboolean allowed;
  gboolean autostart;
  char *message;
  guint generation; /* of the latest request: only its answer counts */
};

G_DEFINE_FINAL_TYPE (HandsetBackgroundPortal, handset_background_portal, G_TYPE_OBJECT)

/* One RequestBackground, from the call to the Response signal. */
typedef struct
{
  GDBusConnection *connection;
  char *handle; /* the Request object's path */
  guint response_id;
  GCancellable *cancellable;
  gulong cancelled_id;
  guint generation;
  gboolean autostart_asked;
  gboolean answered; /* the Response came */
  gboolean done;
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->connection);
  g_free (request->handle);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static void
unsubscribe (Request *request)
{
  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
  request->response_id = 0;
}

static void
close_request (GDBusConnection *connection, const char *handle)
{
  g_dbus_connection_call (connection, PORTAL_BUS_NAME, handle, REQUEST_IFACE, "Close", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

/* Stops following the request; the task returns @error, or TRUE. */
static void
request_complete (GTask *task, GError *error)
{
  Request *request = g_task_get_task_data (task);

  if (request->done)
    {
      g_clear_error (&error);
      return;
    }
  request->done = TRUE;
  unsubscribe (request);
  if (request->cancelled_id != 0)
    g_cancellable_disconnect (request->cancellable, request->cancelled_id);
  request->cancelled_id = 0;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
set_answer (HandsetBackgroundPortal *self,
            gboolean background,
            gboolean autostart,
            gboolean autostart_asked)
{
  const char *message = NULL;

  if (!background)
    message = _ ("Handset cannot ring when closed: background running was not allowed");
  else if (autostart_asked && !autostart)
    message = _ ("Handset cannot start when you log in: starting with the session was not allowed");

  g_object_freeze_notify (G_OBJECT (self));
  if (self->allowed != background)
    {
      self->allowed = background;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ALLOWED]);
    }
  if (self->autostart != autostart)
    {
      self->autostart = autostart;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_AUTOSTART]);
    }
  if (g_strcmp0 (self->message, message) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MESSAGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
response_cb (GDBusConnection *connection,
             const char *sender,
             const char *path,
             const char *iface,
             const char *signal,
             GVariant *parameters,
             gpointer user_data)
{
  g_autoptr (GTask) task = g_object_ref (G_TASK (user_data));
  HandsetBackgroundPortal *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr (GVariant) results = NULL;
  guint32 response;
  gboolean background = FALSE;
  gboolean autostart = FALSE;

  if (request->done || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  /* 1: the person said no; 2: the portal gave up some other way. Either
   * way nothing was allowed. */
  if (response == 0)
    {
      /* A portal that answers yes without saying what to: background
       * running is what was asked. */
      background = TRUE;
      g_variant_lookup (results, "background", "b", &background);
      g_variant_lookup (results, "autostart", "b", &autostart);
    }
  g_debug ("Background portal: response %u, background %d, autostart %d", response, background,
           autostart);

  request->answered = TRUE;
  if (request->generation == self->generation)
    set_answer (self, background, autostart, request->autostart_asked);
  request_complete (task, NULL);
}

static void
follow_request (GTask *task, const char *handle)
{
  Request *request = g_task_get_task_data (task);

  unsubscribe (request);
  g_free (request->handle);
  request->handle = g_strdup (handle);
  request->response_id = g_dbus_connection_signal_subscribe (
      request->connection, PORTAL_BUS_NAME, REQUEST_IFACE, "Response", handle, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, response_cb, g_object_ref (task), g_object_unref);
}

static void
request_background_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  const char *handle;

  if (reply == NULL)
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      if (request->done)
        return;
      g_dbus_error_strip_remote_error (error);
      /* No portal, or one without Background: Handset goes on as it would
       * outside a sandbox. */
      g_warning ("The Background portal could not be asked (%s: %s); Handset keeps running in "
                 "the background without its permission",
                 remote ? remote : "error", error->message);
      request_complete (task, g_steal_pointer (&error));
      return;
    }

  g_variant_get (reply, "(&o)", &handle);
  if (request->done)
    {
      /* Cancelled while the portal made the request: it is not wanted. */
      if (!request->answered)
        close_request (request->connection, handle);
      return;
    }
  /* Portals older than the handle_token option make a path of their own. */
  if (g_strcmp0 (handle, request->handle) != 0)
    follow_request (task, handle);
}

static gboolean
cancelled_idle (gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);

  if (!request->done)
    {
      if (request->handle != NULL)
        close_request (request->connection, request->handle);
      request_complete (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                   "The background request was cancelled"));
    }

  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  /* Not here: the handler cannot disconnect itself. */
  g_idle_add_full (G_PRIORITY_DEFAULT, cancelled_idle, g_object_ref (user_data), g_object_unref);
}

/* The path the portal gives the request, from our unique name and the
 * token: known before the call, so no Response can come first. */
static char *
request_path (GDBusConnection *connection, const char *token)
{
  g_autofree char *sender = g_strdup (g_dbus_connection_get_unique_name (connection) + 1);

  g_strdelimit (sender, ".", '_');

  return g_strdup_printf (PORTAL_OBJECT_PATH "/request/%s/%s", sender, token);
}

static void
handset_background_portal_get_property (GObject *object,
                                        guint prop_id,
                                        GValue *value,
                                        GParamSpec *pspec)
{
  HandsetBackgroundPortal *self = HANDSET_BACKGROUND_PORTAL (object);

  switch (prop_id)
    {
      case PROP_CONNECTION:
        g_value_set_object (value, self->connection);
        break;
      case PROP_ALLOWED:
        g_value_set_boolean (value, self->allowed);
        break;
      case PROP_AUTOSTART:
        g_value_set_boolean (value, self->autostart);
        break;
      case PROP_MESSAGE:
        g_value_set_string (value, self->message);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_background_portal_set_property (GObject *object,
                                        guint prop_id,
                                        const GValue *value,
                                        GParamSpec *pspec)
{
  HandsetBackgroundPortal *self = HANDSET_BACKGROUND_PORTAL (object);

  switch (prop_id)
    {
      case PROP_CONNECTION:
        self->connection = g_value_dup_object (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_background_portal_finalize (GObject *object)
{
  HandsetBackgroundPortal *self = HANDSET_BACKGROUND_PORTAL (object);

  g_clear_object (&self->connection);
  g_free (self->message);

  G_OBJECT_CLASS (handset_background_portal_parent_class)->finalize (object);
}

static void
handset_background_portal_class_init (HandsetBackgroundPortalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_background_portal_get_property;
  object_class->set_property = handset_background_portal_set_property;
  object_class->finalize = handset_background_portal_finalize;

  props[PROP_CONNECTION] =
      g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_ALLOWED] =
      g_param_spec_boolean ("allowed", NULL, NULL, TRUE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_AUTOSTART] =
      g_param_spec_boolean ("autostart", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_MESSAGE] =
      g_param_spec_string ("message", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_background_portal_init (HandsetBackgroundPortal *self)
{
  /* Until a portal says no, Handset runs as it does outside a sandbox. */
  self->allowed = TRUE;
}

/**
 * handset_background_portal_is_sandboxed:
 *
 * Whether Handset runs inside Flatpak, so that the Background portal is
 * to be asked. `HANDSET_FLATPAK_INFO` names another file to look for, for
 * tests.
 */
gboolean
handset_background_portal_is_sandboxed (void)
{
  const char *path = g_getenv ("HANDSET_FLATPAK_INFO");

  return g_file_test (path != NULL && *path != '\0' ? path : HANDSET_FLATPAK_INFO_PATH,
                      G_FILE_TEST_EXISTS);
}

/**
 * handset_background_portal_new:
 * @connection: the session bus
 */
HandsetBackgroundPortal *
handset_background_portal_new (GDBusConnection *connection)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  return g_object_new (HANDSET_TYPE_BACKGROUND_PORTAL, "connection", connection, NULL);
}

/**
 * handset_background_portal_request_async:
 * @parent_window: the portal's handle of the window asking ("x11:XID"), or ""
 * @autostart: whether Handset should start with the desktop session
 * @commandline: what the session runs to start Handset
 *
 * Asks the portal to let Handset run in the background, and start with
 * the session if @autostart. The answer updates the properties; a
 * request made later wins over an earlier one still waiting.
 */
void
handset_background_portal_request_async (HandsetBackgroundPortal *self,
                                         const char *parent_window,
                                         gboolean autostart,
                                         const char *const *commandline,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *token = NULL;
  GVariantBuilder options;
  Request *request;

  g_return_if_fail (HANDSET_IS_BACKGROUND_PORTAL (self));
  g_return_if_fail (commandline != NULL && commandline[0] != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_background_portal_request_async);

  request = g_new0 (Request, 1);
  request->connection = g_object_ref (self->connection);
  request->generation = ++self->generation;
  request->autostart_asked = autostart;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  token = g_strdup_printf ("handset_%u_%08x", request->generation, g_random_int ());
  {
    g_autofree char *path = request_path (self->connection, token);

    follow_request (task, path);
  }

  if (cancellable != NULL)
    {
      request->cancellable = g_object_ref (cancellable);
      request->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                     g_object_ref (task), g_object_unref);
    }

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (
      &options, "{sv}", "reason",
      g_variant_new_string (_ ("Ring for incoming calls when the window is closed")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  /* Started with the session, Handset runs its command line, not a D-Bus
   * activation: the desktop file's D-Bus activation opens a window. */
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  /* Not cancelled with the task: a request the portal made is closed. */
  g_dbus_connection_call (self->connection, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, BACKGROUND_IFACE,
                          "RequestBackground",
                          g_variant_new ("(sa{sv})", parent_window ? parent_window : "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          request_background_cb, g_object_ref (task));
}

/**
 * handset_background_portal_request_finish:
 *
 * Returns: %TRUE when the portal answered, yes or no (see the
 *   properties); %FALSE with @error when it could not be asked
 */
gboolean
handset_background_portal_request_finish (HandsetBackgroundPortal *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_background_portal_get_allowed:
 *
 * Returns: %FALSE once the portal refused background running
 */
gboolean
handset_background_portal_get_allowed (HandsetBackgroundPortal *self)
{
  g_return_val_if_fail (HANDSET_IS_BACKGROUND_PORTAL (self), TRUE);

  return self->allowed;
}

/**
 * handset_background_portal_get_autostart:
 *
 * Returns: whether the portal made Handset start with the session
 */
gboolean
handset_background_portal_get_autostart (HandsetBackgroundPortal *self)
{
  g_return_val_if_fail (HANDSET_IS_BACKGROUND_PORTAL (self), FALSE);

  return self->autostart;
}

/**
 * handset_background_portal_get_message:
 *
 * Returns: (nullable): what the portal refused, for people, or %NULL
 */
const char *
handset_background_portal_get_message (HandsetBackgroundPortal *self)
{
  g_return_val_if_fail (HANDSET_IS_BACKGROUND_PORTAL (self), NULL);

  return self->message;
}
