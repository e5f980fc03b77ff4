/* handset-portal-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Camera and ScreenCast portals share: a method that answers
 * through an org.freedesktop.portal.Request object's Response signal,
 * followed from before the call (the path is made of our unique name and
 * the handle_token, so no Response can come first), and
 * OpenPipeWireRemote, whose answer is a file descriptor.
 *
 * Plain GDBus rather than libportal, as the Background portal's client
 * does: a few methods do not need another library in the Flatpak.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "handset-portal-request.h"

#define REQUEST_IFACE     "org.freedesktop.portal.Request"
#define FLATPAK_INFO_PATH "/.flatpak-info"

typedef struct
{
  GDBusConnection *connection;
  char *handle; /* the Request object's path */
  guint response_id;
  GCancellable *cancellable;
  gulong cancelled_id;
  gboolean done;
} Request;

typedef struct
{
  HandsetPortalResponse response;
  GVariant *results;
} Answer;

static void
request_free (Request *request)
{
  g_clear_object (&request->connection);
  g_free (request->handle);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->results, g_variant_unref);
  g_free (answer);
}

/**
 * handset_portal_sandboxed:
 *
 * Whether Handset runs inside Flatpak, where the camera and the screen
 * are the portals' to give. `HANDSET_FLATPAK_INFO` names another file to
 * look for, for tests.
 */
gboolean
handset_portal_sandboxed (void)
{
  const char *path = g_getenv ("HANDSET_FLATPAK_INFO");

  return g_file_test (path != NULL && *path != '\0' ? path : FLATPAK_INFO_PATH, G_FILE_TEST_EXISTS);
}

/**
 * handset_portal_new_token:
 *
 * Returns: (transfer full): a handle_token (or session_handle_token) not
 *   used before by this process
 */
char *
handset_portal_new_token (void)
{
  static guint counter;

  return g_strdup_printf ("handset_%u_%08x", ++counter, g_random_int ());
}

/**
 * handset_portal_error_is_missing:
 *
 * Returns: whether @error says there is no portal, or none with the
 *   interface or method asked for
 */
gboolean
handset_portal_error_is_missing (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
}

/**
 * handset_portal_error:
 * @error: (transfer full): why a portal could not be asked
 * @portal: its name, for the log: "Camera", "ScreenCast"
 * @missing: what to tell the person when there is no such portal
 * @failed: what to tell the person when it failed otherwise
 *
 * Returns: (transfer full): an error a person can read (@missing as
 *   %G_IO_ERROR_NOT_SUPPORTED, @failed as %G_IO_ERROR_FAILED), or @error
 *   itself when it says the asking was cancelled
 */
GError *
handset_portal_error (GError *error, const char *portal, const char *missing, const char *failed)
{
  GError *readable;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  g_message ("The %s portal could not be asked: %s", portal, error->message);
  if (handset_portal_error_is_missing (error))
    readable = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, missing);
  else
    readable = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, failed);
  g_error_free (error);

  return readable;
}

static void
closed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, NULL);

  /* Kept for the call: a connection let go drops the calls it queued. */
  g_object_unref (object);
}

static void
close_request (GDBusConnection *connection, const char *handle)
{
  g_dbus_connection_call (connection, HANDSET_PORTAL_BUS_NAME, handle, REQUEST_IFACE, "Close", NULL,
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, closed_cb,
                          g_object_ref (connection));
}

static void
request_complete (GTask *task, Answer *answer, GError *error)
{
  Request *request = g_task_get_task_data (task);

  if (request->done)
    {
      g_clear_error (&error);
      g_clear_pointer (&answer, answer_free);
      return;
    }
  request->done = TRUE;
  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
  request->response_id = 0;
  if (request->cancelled_id != 0)
    g_cancellable_disconnect (request->cancellable, request->cancelled_id);
  request->cancelled_id = 0;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) answer_free);
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
  GTask *task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);
  Answer *answer;
  guint32 response;

  if (request->done || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;

  answer = g_new0 (Answer, 1);
  g_variant_get (parameters, "(u@a{sv})", &response, &answer->results);
  answer->response =
      response <= HANDSET_PORTAL_RESPONSE_OTHER ? response : HANDSET_PORTAL_RESPONSE_OTHER;
  g_debug ("Portal request %s: response %u", path, response);
  g_object_ref (task);
  request_complete (task, answer, NULL);
  g_object_unref (task);
}

static void
follow_request (GTask *task, const char *handle)
{
  Request *request = g_task_get_task_data (task);

  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
  g_free (request->handle);
  request->handle = g_strdup (handle);
  request->response_id = g_dbus_connection_signal_subscribe (
      request->connection, HANDSET_PORTAL_BUS_NAME, REQUEST_IFACE, "Response", handle, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, response_cb, g_object_ref (task), g_object_unref);
}

static void
call_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  const char *handle;

  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      request_complete (task, NULL, g_steal_pointer (&error));
      return;
    }

  g_variant_get (reply, "(&o)", &handle);
  if (request->done)
    {
      /* Cancelled while the portal made the request: it is not wanted. */
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
      close_request (request->connection, request->handle);
      request_complete (task, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "The portal request was cancelled"));
    }

  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  /* Not here: the handler cannot disconnect itself. */
  g_idle_add_full (G_PRIORITY_DEFAULT, cancelled_idle, g_object_ref (user_data), g_object_unref);
}

/**
 * handset_portal_request_async:
 * @iface: the portal's interface, such as org.freedesktop.portal.Camera
 * @method: a method that returns a Request object's path
 * @parameters: (transfer floating): its parameters, whose options carry
 *   @token as "handle_token"
 * @token: the handle_token, from handset_portal_new_token()
 *
 * Calls @method and waits for the request's Response.
 */
void
handset_portal_request_async (GDBusConnection *connection,
                              const char *iface,
                              const char *method,
                              GVariant *parameters,
                              const char *token,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *path = NULL;
  Request *request;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (token != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_portal_request_async);
  request = g_new0 (Request, 1);
  request->connection = g_object_ref (connection);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  /* The path the portal gives the request, from our unique name and the
   * token: known before the call, so no Response can come first. */
  sender = g_strdup (g_dbus_connection_get_unique_name (connection) + 1);
  g_strdelimit (sender, ".", '_');
  path = g_strdup_printf (HANDSET_PORTAL_OBJECT_PATH "/request/%s/%s", sender, token);
  follow_request (task, path);

  if (cancellable != NULL)
    {
      request->cancellable = g_object_ref (cancellable);
      request->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                     g_object_ref (task), g_object_unref);
    }

  /* Not cancelled with the task: a request the portal made is closed. */
  g_dbus_connection_call (connection, HANDSET_PORTAL_BUS_NAME, HANDSET_PORTAL_OBJECT_PATH, iface,
                          method, parameters, G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, call_cb, g_object_ref (task));
}

/**
 * handset_portal_request_finish:
 * @response: (out): the request's answer
 *
 * Returns: (transfer full) (nullable): the results (a{sv}), whatever the
 *   @response; %NULL with @error when the portal could not be asked
 */
GVariant *
handset_portal_request_finish (GAsyncResult *result,
                               HandsetPortalResponse *response,
                               GError **error)
{
  Answer *answer;
  GVariant *results;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  answer = g_task_propagate_pointer (G_TASK (result), error);
  if (answer == NULL)
    return NULL;
  *response = answer->response;
  results = g_steal_pointer (&answer->results);
  answer_free (answer);

  return results;
}

static void
close_fd (gpointer data)
{
  g_close (GPOINTER_TO_INT (data) - 1, NULL);
}

/**
 * handset_portal_task_return_fd:
 * @fd: (transfer full): a descriptor
 *
 * Returns @fd from @task. A descriptor no one takes (the task cancelled
 * after it came, its result never asked for) is closed with the task.
 */
void
handset_portal_task_return_fd (GTask *task, int fd)
{
  g_return_if_fail (fd >= 0);

  g_task_return_pointer (task, GINT_TO_POINTER (fd + 1), close_fd);
}

/**
 * handset_portal_task_propagate_fd:
 *
 * Returns: the descriptor handset_portal_task_return_fd() gave, which the
 *   caller closes; -1 with @error
 */
int
handset_portal_task_propagate_fd (GTask *task, GError **error)
{
  gpointer fd = g_task_propagate_pointer (task, error);

  return fd != NULL ? GPOINTER_TO_INT (fd) - 1 : -1;
}

static void
open_remote_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) fd_list = NULL;
  g_autoptr (GVariant) reply = NULL;
  int index;
  int fd;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (object), &fd_list,
                                                           result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_variant_get (reply, "(h)", &index);
  if (fd_list == NULL || index < 0 || index >= g_unix_fd_list_get_length (fd_list))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "The portal answered OpenPipeWireRemote without a descriptor");
      return;
    }
  fd = g_unix_fd_list_get (fd_list, index, &error);
  if (fd < 0)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    handset_portal_task_return_fd (task, fd);
}

/**
 * handset_portal_open_pipewire_remote_async:
 * @iface: org.freedesktop.portal.Camera or org.freedesktop.portal.ScreenCast
 * @parameters: (transfer floating): the method's parameters
 *
 * Calls OpenPipeWireRemote, which answers with a connection to PipeWire
 * that sees only what the portal allowed.
 */
void
handset_portal_open_pipewire_remote_async (GDBusConnection *connection,
                                           const char *iface,
                                           GVariant *parameters,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_portal_open_pipewire_remote_async);
  g_dbus_connection_call_with_unix_fd_list (
      connection, HANDSET_PORTAL_BUS_NAME, HANDSET_PORTAL_OBJECT_PATH, iface, "OpenPipeWireRemote",
      parameters, G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, cancellable,
      open_remote_cb, task);
}

/**
 * handset_portal_open_pipewire_remote_finish:
 *
 * Returns: the descriptor, which the caller closes; -1 with @error
 */
int
handset_portal_open_pipewire_remote_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return handset_portal_task_propagate_fd (G_TASK (result), error);
}
