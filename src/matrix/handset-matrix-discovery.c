/* handset-matrix-discovery.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which homeserver a Matrix ID or a server name means: the server's
 * .well-known answer, checked by asking the homeserver it names for its
 * versions (/versions, whose call is here too); plain http:// only on this
 * machine.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "handset-matrix-client-private.h"

/* ------------------------------------------------------------------ versions */

static GStrv
versions_from_response (JsonObject *response, GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (response, "versions");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                           _ ("This server does not answer like a Matrix homeserver"));
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
    }

  return g_strv_builder_end (builder);
}

static void
versions_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  GStrv versions;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  versions = versions_from_response (response, &error);
  if (versions == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, versions, (GDestroyNotify) g_strfreev);
}

void
handset_matrix_client_get_versions_async (HandsetMatrixClient *self,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_matrix_client_get_versions_async);
  handset_matrix_client_request_async (self, "GET", "/_matrix/client/versions", NULL, NULL,
                                       HANDSET_REQUEST_RETRY_NETWORK, cancellable, versions_cb,
                                       task);
}

/**
 * handset_matrix_client_get_versions_finish:
 *
 * Returns: (transfer full): the spec versions the homeserver supports
 */
GStrv
handset_matrix_client_get_versions_finish (HandsetMatrixClient *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ discovery */

typedef struct
{
  HandsetMatrixClient *probe;
  char *server_name;
  char *candidate;
} Discovery;

static void
discovery_free (Discovery *discovery)
{
  g_clear_object (&discovery->probe);
  g_free (discovery->server_name);
  g_free (discovery->candidate);
  g_free (discovery);
}

/* Server names on the loopback interface, with or without a port. */
static gboolean
is_loopback_host (const char *server_name)
{
  g_autofree char *host = NULL;
  const char *colon;

  if (g_str_has_prefix (server_name, "[::1]"))
    return server_name[5] == '\0' || server_name[5] == ':';

  colon = strchr (server_name, ':');
  host = colon ? g_strndup (server_name, (gsize) (colon - server_name)) : g_strdup (server_name);

  return g_str_equal (host, "localhost") || g_str_has_prefix (host, "127.");
}

static gboolean
supports_v3 (GStrv versions)
{
  /* The v3 endpoints exist from Matrix 1.1 on. */
  for (guint i = 0; versions[i] != NULL; i++)
    {
      if (g_str_has_prefix (versions[i], "v1.") && versions[i][3] != '0')
        return TRUE;
    }

  return FALSE;
}

static void
discovery_versions_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) versions = NULL;

  versions =
      handset_matrix_client_get_versions_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (versions == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                                 _ ("No Matrix homeserver answers at %s: %s"), discovery->candidate,
                                 error->message);
      return;
    }

  if (!supports_v3 (versions))
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNSUPPORTED,
                               _ ("The homeserver at %s is too old for Handset: it must support "
                                  "Matrix 1.1 or newer"),
                               discovery->candidate);
      return;
    }

  g_task_return_pointer (task, g_strdup (handset_matrix_client_get_homeserver (discovery->probe)),
                         g_free);
}

/* Plain HTTP only to this machine: anywhere else, anyone on the way could
 * read the password and the access token, and change what comes back. */
static gboolean
refuses_plain_http (const char *candidate, GError **error)
{
  g_autoptr (GUri) uri = g_uri_parse (candidate, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 || host == NULL)
    return FALSE;
  if (g_str_equal (host, "localhost") || g_str_has_prefix (host, "127.") ||
      g_str_equal (host, "::1"))
    return FALSE;

  g_set_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
               _ ("Handset does not connect to %s: plain HTTP would let anyone on the way read "
                  "your password and change what the server says. Use its https:// address."),
               candidate);
  return TRUE;
}

static void
discovery_check_candidate (GTask *task, const char *candidate)
{
  Discovery *discovery = g_task_get_task_data (task);
  GError *error = NULL;

  if (refuses_plain_http (candidate, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_clear_object (&discovery->probe);
  g_free (discovery->candidate);
  discovery->candidate = g_strdup (candidate);
  discovery->probe = handset_matrix_client_new (candidate);
  handset_matrix_client_set_network_retry_limit (discovery->probe, 0);
  handset_matrix_client_get_versions_async (discovery->probe, g_task_get_cancellable (task),
                                            discovery_versions_cb, g_object_ref (task));
}

static void
well_known_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) response = NULL;
  g_autofree char *fallback = NULL;
  JsonNode *homeserver;
  const char *base_url = NULL;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (response == NULL)
    {
      /* No .well-known: the server name itself may be the homeserver. A
       * .well-known that exists but is broken stops discovery (the spec's
       * FAIL_PROMPT). */
      if (!g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NOT_FOUND) &&
          !g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNRECOGNIZED) &&
          !g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NETWORK))
        {
          g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                                   _ ("The server %s publishes broken homeserver information: %s"),
                                   discovery->server_name, error->message);
          return;
        }

      fallback = g_strdup (handset_matrix_client_get_homeserver (HANDSET_MATRIX_CLIENT (object)));
      discovery_check_candidate (task, fallback);
      return;
    }

  homeserver = json_object_get_member (response, "m.homeserver");
  if (homeserver != NULL && JSON_NODE_HOLDS_OBJECT (homeserver))
    base_url = handset_matrix_object_get_string (json_node_get_object (homeserver), "base_url");

  if (base_url == NULL ||
      !(g_str_has_prefix (base_url, "https://") || g_str_has_prefix (base_url, "http://")))
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                               _ ("The server %s publishes no usable homeserver address"),
                               discovery->server_name);
      return;
    }

  discovery_check_candidate (task, base_url);
}

/**
 * handset_matrix_discover_async:
 * @user_id_or_server: a Matrix ID (`@alice:example.org`), a server name
 *   (`example.org`) or a homeserver URL (`https://matrix.example.org`)
 *
 * Finds the homeserver's base URL: from `.well-known/matrix/client` of the
 * server name, or the server name itself, and checks that a homeserver
 * answers there. Server names on the loopback interface are reached over
 * plain HTTP, every other one over HTTPS.
 */
void
handset_matrix_discover_async (const char *user_id_or_server,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (HandsetMatrixClient) well_known = NULL;
  g_autofree char *input = g_strstrip (g_strdup (user_id_or_server ? user_id_or_server : ""));
  g_autofree char *base = NULL;
  Discovery *discovery = g_new0 (Discovery, 1);
  const char *server_name;

  g_task_set_source_tag (task, handset_matrix_discover_async);
  g_task_set_task_data (task, discovery, (GDestroyNotify) discovery_free);

  if (g_str_has_prefix (input, "https://") || g_str_has_prefix (input, "http://"))
    {
      g_autoptr (GUri) uri = g_uri_parse (input, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
        {
          g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                                   _ ("“%s” is not a homeserver address"), input);
          return;
        }
      discovery->server_name = g_strdup (g_uri_get_host (uri));
      discovery_check_candidate (task, input);
      return;
    }

  server_name = input;
  if (input[0] == '@')
    {
      server_name = strchr (input, ':');
      if (server_name == NULL || server_name[1] == '\0' || server_name == input + 1)
        {
          g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                                   _ ("“%s” is not a Matrix ID: it looks like @name:example.org"),
                                   input);
          return;
        }
      server_name++;
    }

  if (*server_name == '\0' || strpbrk (server_name, "/?#@ \t") != NULL)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                               _ ("“%s” is neither a Matrix ID nor a server name"), input);
      return;
    }

  discovery->server_name = g_strdup (server_name);
  base = g_strconcat (is_loopback_host (server_name) ? "http://" : "https://", server_name, NULL);
  well_known = handset_matrix_client_new (base);
  handset_matrix_client_set_network_retry_limit (well_known, 0);
  handset_matrix_client_request_async (well_known, "GET", "/.well-known/matrix/client", NULL, NULL,
                                       HANDSET_REQUEST_NONE, cancellable, well_known_cb,
                                       g_object_ref (task));
}

/**
 * handset_matrix_discover_finish:
 *
 * Returns: (transfer full): the homeserver's base URL, without a trailing
 *   slash
 */
char *
handset_matrix_discover_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
