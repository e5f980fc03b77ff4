/* handset-matrix-login.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Logging in (the server's login flows, a password, or single sign-on in
 * the browser with a listener on 127.0.0.1 that checks a random state),
 * whoami and logout.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "handset-matrix-client-private.h"
#include "handset-olm.h"

/* How long single sign-on waits for the browser. */
#define SSO_TIMEOUT_S (10 * 60)

/* ------------------------------------------------------------------ login */

static void
login_flows_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *flows;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  flows = json_object_get_member (response, "flows");
  if (flows == NULL || !JSON_NODE_HOLDS_ARRAY (flows))
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                               _ ("The homeserver did not say how to log in"));
      return;
    }

  for (guint i = 0; i < json_array_get_length (json_node_get_array (flows)); i++)
    {
      JsonNode *flow = json_array_get_element (json_node_get_array (flows), i);
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (flow))
        continue;
      type = handset_matrix_object_get_string (json_node_get_object (flow), "type");
      if (type != NULL)
        g_strv_builder_add (builder, type);
    }

  g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
}

void
handset_matrix_client_get_login_flows_async (HandsetMatrixClient *self,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_matrix_client_get_login_flows_async);
  handset_matrix_client_request_async (self, "GET", "/_matrix/client/v3/login", NULL, NULL,
                                       HANDSET_REQUEST_RETRY_NETWORK, cancellable, login_flows_cb,
                                       task);
}

/**
 * handset_matrix_client_get_login_flows_finish:
 *
 * Returns: (transfer full): the login types the homeserver offers, such as
 *   `m.login.password` and `m.login.sso`
 */
GStrv
handset_matrix_client_get_login_flows_finish (HandsetMatrixClient *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
login_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  const char *user_id, *device_id, *token;

  response = handset_matrix_client_request_finish (self, result, &error);
  if (response == NULL)
    {
      if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_FORBIDDEN))
        g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_FORBIDDEN,
                                 _ ("The Matrix ID or the password is wrong."));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  user_id = handset_matrix_object_get_string (response, "user_id");
  device_id = handset_matrix_object_get_string (response, "device_id");
  token = handset_matrix_object_get_string (response, "access_token");
  if (user_id == NULL || device_id == NULL || token == NULL)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                               _ ("The homeserver accepted the login but sent no session"));
      return;
    }

  handset_matrix_client_set_session (self, user_id, device_id, token);
  g_debug ("Logged in as %s, device %s", user_id, device_id);
  g_task_return_boolean (task, TRUE);
}

static void
add_device_name (JsonBuilder *builder, const char *device_display_name)
{
  if (device_display_name == NULL)
    return;
  json_builder_set_member_name (builder, "initial_device_display_name");
  json_builder_add_string_value (builder, device_display_name);
}

/**
 * handset_matrix_client_login_password_async:
 * @user: a Matrix ID or the local part of one
 */
void
handset_matrix_client_login_password_async (HandsetMatrixClient *self,
                                            const char *user,
                                            const char *password,
                                            const char *device_display_name,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  g_task_set_source_tag (task, handset_matrix_client_login_password_async);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "m.login.password");
  json_builder_set_member_name (builder, "identifier");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "m.id.user");
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, user);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  add_device_name (builder, device_display_name);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  handset_matrix_client_request_async (self, "POST", "/_matrix/client/v3/login", NULL, body,
                                       HANDSET_REQUEST_NONE, cancellable, login_cb, task);
}

gboolean
handset_matrix_client_login_password_finish (HandsetMatrixClient *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* SSO: the browser logs in at the homeserver, which sends it back to a
 * one-shot HTTP server of ours on 127.0.0.1 with a login token. */
typedef struct
{
  SoupServer *server;
  char *device_display_name;
  GSource *wait_source;
  gboolean got_token;
  char *state; /* random, in our redirect: only the browser we sent has it */
} SsoLogin;

static void
sso_stop_waiting (SsoLogin *sso)
{
  if (sso->wait_source != NULL)
    {
      g_source_destroy (sso->wait_source);
      g_clear_pointer (&sso->wait_source, g_source_unref);
    }
}

static void
sso_login_free (SsoLogin *sso)
{
  sso_stop_waiting (sso);
  if (sso->server != NULL)
    soup_server_disconnect (sso->server);
  g_clear_object (&sso->server);
  g_free (sso->device_display_name);
  g_free (sso->state);
  g_free (sso);
}

static void
sso_callback (SoupServer *server,
              SoupServerMessage *msg,
              const char *path,
              GHashTable *query,
              gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  SsoLogin *sso = g_task_get_task_data (task);
  HandsetMatrixClient *self = g_task_get_source_object (task);
  const char *token = query ? g_hash_table_lookup (query, "loginToken") : NULL;
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  const char *page;
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonNode) body = NULL;

  /* A token without our state is not the login this Handset asked for
   * (another program, or a page that sends its own account's token). */
  if (token == NULL || *token == '\0' || sso->got_token || state == NULL ||
      strlen (state) != strlen (sso->state) || g_strcmp0 (state, sso->state) != 0)
    {
      page = "<!DOCTYPE html><title>Handset</title><p>This is not a login for Handset.</p>";
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, page,
                                        strlen (page));
      return;
    }

  sso->got_token = TRUE;
  page = "<!DOCTYPE html><title>Handset</title>"
         "<p>You are logged in to Handset. You can close this window.</p>";
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, page,
                                    strlen (page));

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "m.login.token");
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  add_device_name (builder, sso->device_display_name);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  handset_matrix_client_request_async (self, "POST", "/_matrix/client/v3/login", NULL, body,
                                       HANDSET_REQUEST_NONE, g_task_get_cancellable (task),
                                       login_cb, g_object_ref (task));
  /* The wait is over: its reference to the task goes with it. */
  sso_stop_waiting (sso);
}

/* The browser did not come back in time, or the login was cancelled. */
static gboolean
sso_wait_ended_cb (gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  SsoLogin *sso = g_task_get_task_data (task);

  sso->got_token = TRUE;
  g_clear_pointer (&sso->wait_source, g_source_unref);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_SSO_FAILED,
                             _ ("The login in the browser did not finish in time"));

  return G_SOURCE_REMOVE;
}

static void
default_open_uri (const char *uri, gpointer user_data)
{
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, NULL, NULL);
}

/**
 * handset_matrix_client_login_sso_async:
 * @open_uri: (nullable): opens the login page in a browser; %NULL for the
 *   desktop's default browser
 */
void
handset_matrix_client_login_sso_async (HandsetMatrixClient *self,
                                       const char *device_display_name,
                                       HandsetOpenUriFunc open_uri,
                                       gpointer open_uri_data,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SsoLogin *sso = g_new0 (SsoLogin, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSList) uris = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autofree char *redirect = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *login_uri = NULL;

  g_task_set_source_tag (task, handset_matrix_client_login_sso_async);
  g_task_set_task_data (task, sso, (GDestroyNotify) sso_login_free);
  sso->device_display_name = g_strdup (device_display_name);

  sso->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (sso->server, "/", sso_callback, task, NULL);
  if (!soup_server_listen (sso->server, address, 0, &error))
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_SSO_FAILED,
                               _ ("Could not wait for the browser login: %s"), error->message);
      g_object_unref (task);
      return;
    }

  {
    guint8 random[16];
    GString *hex = g_string_new (NULL);

    handset_olm_random_bytes (random, sizeof random);
    for (guint i = 0; i < sizeof random; i++)
      g_string_append_printf (hex, "%02x", random[i]);
    sso->state = g_string_free (hex, FALSE);
  }
  uris = soup_server_get_uris (sso->server);
  {
    g_autofree char *base = g_uri_to_string (uris->data);

    redirect = g_strdup_printf ("%s?state=%s", base, sso->state);
  }
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  escaped = g_uri_escape_string (redirect, NULL, FALSE);
  login_uri = g_strdup_printf ("%s/_matrix/client/v3/login/sso/redirect?redirectUrl=%s",
                               handset_matrix_client_get_homeserver (self), escaped);

  /* The wait holds the task's first reference until the browser comes
   * back, the time runs out or the login is cancelled. */
  sso->wait_source = g_timeout_source_new_seconds (SSO_TIMEOUT_S);
  if (cancellable != NULL)
    {
      g_autoptr (GSource) cancel_source = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel_source);
      g_source_add_child_source (sso->wait_source, cancel_source);
    }
  g_source_set_callback (sso->wait_source, sso_wait_ended_cb, task, g_object_unref);
  g_source_attach (sso->wait_source, NULL);
  (open_uri ? open_uri : default_open_uri) (login_uri, open_uri_data);
}

gboolean
handset_matrix_client_login_sso_finish (HandsetMatrixClient *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ whoami, logout */

static void
whoami_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (response == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (handset_matrix_object_get_string (response, "user_id") == NULL)
    g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                             _ ("The homeserver did not say who is logged in"));
  else
    g_task_return_pointer (task, g_steal_pointer (&response), (GDestroyNotify) json_object_unref);
}

void
handset_matrix_client_whoami_async (HandsetMatrixClient *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_matrix_client_whoami_async);
  handset_matrix_client_request_async (self, "GET", "/_matrix/client/v3/account/whoami", NULL, NULL,
                                       HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                                       cancellable, whoami_cb, task);
}

/**
 * handset_matrix_client_whoami_finish:
 * @device_id: (out) (optional): the device ID of this session
 *
 * Returns: (transfer full): the user ID of this session
 */
char *
handset_matrix_client_whoami_finish (HandsetMatrixClient *self,
                                     GAsyncResult *result,
                                     char **device_id,
                                     GError **error)
{
  g_autoptr (JsonObject) response = g_task_propagate_pointer (G_TASK (result), error);

  if (response == NULL)
    return NULL;
  if (device_id != NULL)
    *device_id = g_strdup (handset_matrix_object_get_string (response, "device_id"));

  return g_strdup (handset_matrix_object_get_string (response, "user_id"));
}

static void
logout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;

  response = handset_matrix_client_request_finish (self, result, &error);

  /* A token the server no longer knows is as good as logged out. */
  if (response == NULL &&
      !g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  handset_matrix_client_set_session (self, NULL, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

void
handset_matrix_client_logout_async (HandsetMatrixClient *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_matrix_client_logout_async);
  handset_matrix_client_request_async (self, "POST", "/_matrix/client/v3/logout", NULL, NULL,
                                       HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                                       cancellable, logout_cb, task);
}

gboolean
handset_matrix_client_logout_finish (HandsetMatrixClient *self,
                                     GAsyncResult *result,
                                     GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
