/* handset-matrix-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One request of the Client-Server API, from its start to its answer, on
 * libsoup 3: the access token added, the answer read up to a size that
 * depends on the path, Matrix errors mapped to HANDSET_MATRIX_ERROR,
 * M_LIMIT_EXCEEDED waited out, idempotent requests sent again after network
 * errors and 5xx answers; and the method, the path and the status logged,
 * never a query, a body or a header, so no token or password ever reaches
 * a log. Also the helpers the endpoints share: a path segment escaped, an
 * answer parsed, a string member read.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "handset-json.h"
#include "handset-matrix-client-private.h"

#define NETWORK_RETRY_FIRST_MS  500
#define NETWORK_RETRY_MAX_MS    30000
#define RATE_LIMIT_DEFAULT_MS   1000
#define RATE_LIMIT_MAX_MS       120000
#define RATE_LIMIT_MAX_ATTEMPTS 20

typedef struct
{
  char *method;
  char *path;
  char *url;
  GBytes *body;
  HandsetRequestFlags flags;
  guint network_attempts;
  guint rate_limit_attempts;
  char *content_type;
} Request;

static void
request_free (Request *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->url);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request->content_type);
  g_free (request);
}

static void send_request (GTask *task);

static gboolean
is_network_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  return error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
         error->domain == SOUP_SESSION_ERROR || error->domain == G_TLS_ERROR;
}

static gboolean
retry_cb (gpointer user_data)
{
  GTask *task = G_TASK (user_data);

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  /* send_request() hands its reference to the request in flight. */
  send_request (g_object_ref (task));

  return G_SOURCE_REMOVE;
}

/* Waits @delay_ms, or less when the task is cancelled, then sends again. */
static void
retry_later (GTask *task, guint delay_ms)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr (GSource) source = g_timeout_source_new (delay_ms);

  if (cancellable != NULL)
    {
      g_autoptr (GSource) cancel_source = g_cancellable_source_new (cancellable);

      /* A ready child source dispatches the parent: cancelling ends the wait. */
      g_source_set_dummy_callback (cancel_source);
      g_source_add_child_source (source, cancel_source);
    }

  g_source_set_callback (source, retry_cb, task, g_object_unref);
  g_source_set_name (source, "[handset] request retry");
  g_source_attach (source, g_task_get_context (task));
  /* The source holds the task until it fires. */
  g_object_ref (task);
}

/**
 * handset_matrix_parse_object:
 *
 * Parses a response body that must be a JSON object.
 *
 * Returns: (transfer full) (nullable): the object
 */
JsonObject *
handset_matrix_parse_object (GBytes *bytes, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (bytes != NULL && !handset_json_depth_ok (g_bytes_get_data (bytes, NULL),
                                               g_bytes_get_size (bytes), HANDSET_JSON_MAX_DEPTH))
    {
      g_set_error_literal (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                           _ ("The homeserver sent an answer nested too deep to read"));
      return NULL;
    }
  if (bytes == NULL || g_bytes_get_size (bytes) == 0 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), &local_error))
    {
      g_set_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                   _ ("The homeserver sent an answer that is not valid JSON%s%s"),
                   local_error ? ": " : "", local_error ? local_error->message : "");
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                           _ ("The homeserver sent an answer of the wrong shape"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* The largest answer read: a sync of a large account, device lists and
 * media may be big; anything else is small. More is refused, not read. */
#define MAX_BODY_SYNC  (64 * 1024 * 1024)
#define MAX_BODY_LARGE (16 * 1024 * 1024)
#define MAX_BODY       (1024 * 1024)
#define READ_CHUNK     (64 * 1024)

static gsize
max_body (const Request *request)
{
  if (g_str_has_prefix (request->path, "/_matrix/client/v3/sync"))
    return MAX_BODY_SYNC;
  if (strstr (request->path, "/keys/query") != NULL || strstr (request->path, "/media/") != NULL)
    return MAX_BODY_LARGE;
  return MAX_BODY;
}

static void handle_response (GTask *task, GBytes *bytes, GError *error);

typedef struct
{
  GTask *task; /* a reference */
  GInputStream *stream;
  GByteArray *data;
  gsize max;
} BodyRead;

static void
body_read_free (BodyRead *read)
{
  g_object_unref (read->task);
  g_object_unref (read->stream);
  if (read->data != NULL)
    g_byte_array_unref (read->data);
  g_free (read);
}

static void read_more (BodyRead *read);

static GError *
too_large (BodyRead *read)
{
  return g_error_new (HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                      _ ("The homeserver sent an answer too large to read (more than %u MB)"),
                      (guint) (read->max / (1024 * 1024)));
}

static void
chunk_read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  BodyRead *read = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chunk =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  if (chunk != NULL && read->data->len + g_bytes_get_size (chunk) > read->max)
    {
      g_input_stream_close_async (read->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      error = too_large (read);
      g_clear_pointer (&chunk, g_bytes_unref);
    }
  if (chunk == NULL)
    {
      handle_response (read->task, NULL, error);
      body_read_free (read);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_autoptr (GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&read->data));

      handle_response (read->task, body, NULL);
      body_read_free (read);
      return;
    }
  g_byte_array_append (read->data, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_more (read);
}

static void
read_more (BodyRead *read)
{
  g_input_stream_read_bytes_async (read->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (read->task), chunk_read_cb, read);
}

static void
sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);
  SoupMessage *msg = g_object_get_data (G_OBJECT (task), "message");
  g_autoptr (GError) error = NULL;
  GInputStream *stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  BodyRead *read;
  goffset length;

  if (stream == NULL)
    {
      handle_response (task, NULL, error);
      return;
    }
  read = g_new0 (BodyRead, 1);
  read->task = g_object_ref (task);
  read->stream = stream;
  read->max = max_body (request);
  read->data = g_byte_array_new ();
  /* Said to be too large: not read at all. */
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  if (length > 0 && (guint64) length > read->max)
    {
      g_autoptr (GError) large = too_large (read);

      g_input_stream_close_async (read->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      handle_response (task, NULL, large);
      body_read_free (read);
      return;
    }
  read_more (read);
}

/* A request that may be sent again goes again after a delay that doubles
 * with each try, as long as tries are left. Returns whether it does. */
static gboolean
retry_with_backoff (HandsetMatrixClient *self, GTask *task)
{
  Request *request = g_task_get_task_data (task);
  guint delay = NETWORK_RETRY_FIRST_MS << MIN (request->network_attempts, 10);

  if (!(request->flags & HANDSET_REQUEST_RETRY_NETWORK) ||
      request->network_attempts >= self->network_retry_limit)
    return FALSE;
  request->network_attempts++;
  retry_later (task, MIN (delay, NETWORK_RETRY_MAX_MS));

  return TRUE;
}

/* The answer to a request, read (@bytes) or not (@error). */
static void
handle_response (GTask *task_in, GBytes *body, GError *error_in)
{
  g_autoptr (GTask) task = g_object_ref (task_in);
  HandsetMatrixClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  SoupMessage *msg = g_object_get_data (G_OBJECT (task), "message");
  g_autoptr (GBytes) bytes = body ? g_bytes_ref (body) : NULL;
  g_autoptr (GError) error = error_in ? g_error_copy (error_in) : NULL;
  g_autoptr (JsonObject) object_body = NULL;
  guint status;

  if (error != NULL)
    {
      /* Cancelled, or an answer refused here (too large): said as it is. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          error->domain == HANDSET_MATRIX_ERROR)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_debug ("%s %s: %s", request->method, request->path, error->message);

      if (is_network_error (error) && retry_with_backoff (self, task))
        return;

      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NETWORK,
                               _ ("Could not reach the homeserver at %s: %s"), self->homeserver,
                               error->message);
      return;
    }

  status = soup_message_get_status (msg);
  g_debug ("%s %s -> %u", request->method, request->path, status);

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      const char *type =
          soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);

      g_free (request->content_type);
      request->content_type = g_strdup (type);
      g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
      return;
    }

  /* The server failed (a proxy in front of it, a restart): as a network
   * error, tried again later, the same request (a send keeps its
   * transaction ID). */
  if (status >= 500 && status < 600 && retry_with_backoff (self, task))
    {
      g_debug ("%s %s: %u, tried again later", request->method, request->path, status);
      return;
    }

  /* A Matrix error body, when there is one. */
  object_body = handset_matrix_parse_object (bytes, NULL);
  {
    const char *errcode = NULL;
    const char *message = NULL;

    if (object_body != NULL)
      {
        JsonNode *node = json_object_get_member (object_body, "errcode");

        if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
            json_node_get_value_type (node) == G_TYPE_STRING)
          errcode = json_node_get_string (node);
        node = json_object_get_member (object_body, "error");
        if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
            json_node_get_value_type (node) == G_TYPE_STRING)
          message = json_node_get_string (node);
      }

    if ((g_strcmp0 (errcode, "M_LIMIT_EXCEEDED") == 0 || (errcode == NULL && status == 429)) &&
        request->rate_limit_attempts < RATE_LIMIT_MAX_ATTEMPTS)
      {
        gint64 wait_ms = RATE_LIMIT_DEFAULT_MS;

        if (object_body != NULL && json_object_has_member (object_body, "retry_after_ms"))
          {
            JsonNode *node = json_object_get_member (object_body, "retry_after_ms");

            if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
              wait_ms = json_node_get_int (node);
          }
        wait_ms = CLAMP (wait_ms, 10, RATE_LIMIT_MAX_MS);
        g_debug ("%s %s: rate limited, waiting %" G_GINT64_FORMAT " ms", request->method,
                 request->path, wait_ms);
        request->rate_limit_attempts++;
        retry_later (task, (guint) wait_ms);
        return;
      }

    if (g_strcmp0 (errcode, "M_UNKNOWN_TOKEN") == 0 && (request->flags & HANDSET_REQUEST_AUTH))
      handset_matrix_client_set_needs_login (self, TRUE);

    g_task_return_error (task, handset_matrix_error_new_from_response (status, errcode, message));
  }
}

static void
send_request (GTask *task)
{
  HandsetMatrixClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr (SoupMessage) msg = NULL;

  msg = soup_message_new (request->method, request->url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NO_HOMESERVER,
                               _ ("“%s” is not a homeserver address"), self->homeserver);
      g_object_unref (task);
      return;
    }

  if ((request->flags & HANDSET_REQUEST_AUTH) && self->access_token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->access_token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }

  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", request->body);

  g_object_set_data_full (G_OBJECT (task), "message", g_object_ref (msg), g_object_unref);
  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           sent_cb, task);
}

static void
start_request (HandsetMatrixClient *self,
               const char *method,
               const char *path,
               const char *query,
               JsonNode *body,
               HandsetRequestFlags flags,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data,
               gpointer source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Request *request = g_new0 (Request, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  request->method = g_strdup (method);
  request->path = g_strdup (path);
  request->flags = flags;
  if (query != NULL && *query != '\0')
    request->url = g_strconcat (self->homeserver ? self->homeserver : "", path, "?", query, NULL);
  else
    request->url = g_strconcat (self->homeserver ? self->homeserver : "", path, NULL);
  if (body != NULL)
    {
      gsize length = 0;
      char *text = json_to_string (body, FALSE);

      length = strlen (text);
      request->body = g_bytes_new_take (text, length);
    }

  if ((flags & HANDSET_REQUEST_AUTH) && self->access_token == NULL)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_MISSING_TOKEN,
                               _ ("You are not logged in. Log in first."));
      g_object_unref (task);
      return;
    }

  send_request (task);
}

void
handset_matrix_client_request_bytes_async (HandsetMatrixClient *self,
                                           const char *method,
                                           const char *path,
                                           const char *query,
                                           JsonNode *body,
                                           HandsetRequestFlags flags,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  start_request (self, method, path, query, body, flags, cancellable, callback, user_data,
                 handset_matrix_client_request_bytes_async);
}

/**
 * handset_matrix_client_request_bytes_finish:
 * @content_type: (out) (optional): the response's content type
 *
 * Returns: (transfer full): the body of a successful response
 */
GBytes *
handset_matrix_client_request_bytes_finish (HandsetMatrixClient *self,
                                            GAsyncResult *result,
                                            char **content_type,
                                            GError **error)
{
  GBytes *bytes = g_task_propagate_pointer (G_TASK (result), error);

  if (content_type != NULL)
    {
      Request *request = g_task_get_task_data (G_TASK (result));

      *content_type = bytes ? g_strdup (request->content_type) : NULL;
    }

  return bytes;
}

static void
request_json_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object_body;

  bytes = handset_matrix_client_request_bytes_finish (HANDSET_MATRIX_CLIENT (object), result, NULL,
                                                      &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  object_body = handset_matrix_parse_object (bytes, &error);
  if (object_body == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, object_body, (GDestroyNotify) json_object_unref);
}

/**
 * handset_matrix_client_request_async:
 * @path: the path, starting with `/_matrix/`, its segments already escaped
 * @query: (nullable): the query string, already escaped
 * @body: (nullable): the JSON body
 */
void
handset_matrix_client_request_async (HandsetMatrixClient *self,
                                     const char *method,
                                     const char *path,
                                     const char *query,
                                     JsonNode *body,
                                     HandsetRequestFlags flags,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task;

  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_matrix_client_request_async);
  handset_matrix_client_request_bytes_async (self, method, path, query, body, flags, cancellable,
                                             request_json_cb, task);
}

/**
 * handset_matrix_client_request_finish:
 *
 * Returns: (transfer full): the response, a JSON object
 */
JsonObject *
handset_matrix_client_request_finish (HandsetMatrixClient *self,
                                      GAsyncResult *result,
                                      GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ helpers */

/* A path segment, escaped. */
char *
handset_matrix_escape_segment (const char *segment)
{
  return g_uri_escape_string (segment, NULL, FALSE);
}

/* A string member of @object (nullable), or %NULL when it is not one. */
const char *
handset_matrix_object_get_string (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}
