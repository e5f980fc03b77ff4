/* handset-matrix-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One async call per Client-Server API request, on libsoup 3. Every request
 * goes through one path that adds the access token, maps Matrix errors to
 * HANDSET_MATRIX_ERROR, waits out M_LIMIT_EXCEEDED, retries idempotent
 * requests after network errors, and logs the method, the path and the
 * status: never a query, a body or a header, so no token or password ever
 * reaches a log.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "handset-json.h"
#include "handset-matrix-client.h"
#include "handset-mxc.h"
#include "handset-olm.h"

/* Long-polls of /sync last 30 s; the I/O timeout must outlast them. */
#define IO_TIMEOUT_S            90
#define DEFAULT_NETWORK_RETRIES 8
#define NETWORK_RETRY_FIRST_MS  500
#define NETWORK_RETRY_MAX_MS    30000
#define RATE_LIMIT_DEFAULT_MS   1000
#define RATE_LIMIT_MAX_MS       120000
#define RATE_LIMIT_MAX_ATTEMPTS 20
#define SSO_TIMEOUT_S           (10 * 60)

struct _HandsetMatrixClient
{
  GObject parent_instance;

  SoupSession *session;
  char *homeserver;
  char *user_id;
  char *device_id;
  char *access_token;
  gboolean needs_login;
  guint network_retry_limit;
  guint txn_counter;
  gboolean media_legacy; /* no authenticated media: /_matrix/media/v3 */
};

G_DEFINE_FINAL_TYPE (HandsetMatrixClient, handset_matrix_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_HOMESERVER,
  PROP_USER_ID,
  PROP_DEVICE_ID,
  PROP_NEEDS_LOGIN,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

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

static void
set_needs_login (HandsetMatrixClient *self, gboolean needs_login)
{
  if (self->needs_login == needs_login)
    return;

  self->needs_login = needs_login;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NEEDS_LOGIN]);
}

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
      set_needs_login (self, TRUE);

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

static char *
escape_segment (const char *segment)
{
  return g_uri_escape_string (segment, NULL, FALSE);
}

static const char *
object_get_string (JsonObject *object, const char *member)
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

static JsonNode *
node_from_builder (JsonBuilder *builder)
{
  return json_builder_get_root (builder);
}

/* ------------------------------------------------------------------ object */

static void
handset_matrix_client_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);

  switch (prop_id)
    {
      case PROP_HOMESERVER:
        g_value_set_string (value, self->homeserver);
        break;
      case PROP_USER_ID:
        g_value_set_string (value, self->user_id);
        break;
      case PROP_DEVICE_ID:
        g_value_set_string (value, self->device_id);
        break;
      case PROP_NEEDS_LOGIN:
        g_value_set_boolean (value, self->needs_login);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_matrix_client_set_property (GObject *object,
                                    guint prop_id,
                                    const GValue *value,
                                    GParamSpec *pspec)
{
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);

  switch (prop_id)
    {
      case PROP_HOMESERVER:
        {
          const char *homeserver = g_value_get_string (value);
          gsize len = homeserver ? strlen (homeserver) : 0;

          /* Stored without a trailing slash, so paths append cleanly. */
          while (len > 0 && homeserver[len - 1] == '/')
            len--;
          g_free (self->homeserver);
          self->homeserver = homeserver ? g_strndup (homeserver, len) : NULL;
        }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_matrix_client_finalize (GObject *object)
{
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->homeserver);
  g_free (self->user_id);
  g_free (self->device_id);
  if (self->access_token != NULL)
    {
      memset (self->access_token, 0, strlen (self->access_token));
      g_free (self->access_token);
    }

  G_OBJECT_CLASS (handset_matrix_client_parent_class)->finalize (object);
}

static void
handset_matrix_client_class_init (HandsetMatrixClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_matrix_client_get_property;
  object_class->set_property = handset_matrix_client_set_property;
  object_class->finalize = handset_matrix_client_finalize;

  props[PROP_HOMESERVER] =
      g_param_spec_string ("homeserver", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_USER_ID] =
      g_param_spec_string ("user-id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_DEVICE_ID] = g_param_spec_string ("device-id", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_NEEDS_LOGIN] =
      g_param_spec_boolean ("needs-login", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_matrix_client_init (HandsetMatrixClient *self)
{
  self->session = soup_session_new_with_options ("timeout", IO_TIMEOUT_S, "user-agent",
                                                 "Handset/" PACKAGE_VERSION, NULL);
  self->network_retry_limit = DEFAULT_NETWORK_RETRIES;
}

/**
 * handset_matrix_client_new:
 * @homeserver: (nullable): the base URL of the homeserver, as discovery
 *   found it
 */
HandsetMatrixClient *
handset_matrix_client_new (const char *homeserver)
{
  return g_object_new (HANDSET_TYPE_MATRIX_CLIENT, "homeserver", homeserver, NULL);
}

const char *
handset_matrix_client_get_homeserver (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->homeserver;
}

const char *
handset_matrix_client_get_user_id (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->user_id;
}

const char *
handset_matrix_client_get_device_id (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->device_id;
}

gboolean
handset_matrix_client_get_needs_login (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), FALSE);

  return self->needs_login;
}

gboolean
handset_matrix_client_has_access_token (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), FALSE);

  return self->access_token != NULL;
}

/**
 * handset_matrix_client_get_access_token:
 *
 * For the secret store only: the token must never be logged or shown.
 */
const char *
handset_matrix_client_get_access_token (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return self->access_token;
}

/**
 * handset_matrix_client_set_session:
 *
 * Sets who this client acts as, for a session restored from the secret
 * store. %NULL for all three forgets the session.
 */
void
handset_matrix_client_set_session (HandsetMatrixClient *self,
                                   const char *user_id,
                                   const char *device_id,
                                   const char *access_token)
{
  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  if (g_strcmp0 (self->user_id, user_id) != 0)
    {
      g_free (self->user_id);
      self->user_id = g_strdup (user_id);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_USER_ID]);
    }
  if (g_strcmp0 (self->device_id, device_id) != 0)
    {
      g_free (self->device_id);
      self->device_id = g_strdup (device_id);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEVICE_ID]);
    }
  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_free (self->access_token);
  self->access_token = g_strdup (access_token);

  set_needs_login (self, FALSE);
}

/**
 * handset_matrix_client_set_network_retry_limit:
 *
 * How often an idempotent request is sent again after a network error.
 */
void
handset_matrix_client_set_network_retry_limit (HandsetMatrixClient *self, guint attempts)
{
  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  self->network_retry_limit = attempts;
}

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
    base_url = object_get_string (json_node_get_object (homeserver), "base_url");

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
      type = object_get_string (json_node_get_object (flow), "type");
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

  user_id = object_get_string (response, "user_id");
  device_id = object_get_string (response, "device_id");
  token = object_get_string (response, "access_token");
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
  body = node_from_builder (builder);

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
  body = node_from_builder (builder);

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
                               self->homeserver, escaped);

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
  else if (object_get_string (response, "user_id") == NULL)
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
    *device_id = g_strdup (object_get_string (response, "device_id"));

  return g_strdup (object_get_string (response, "user_id"));
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

/* ------------------------------------------------------------------ rooms */

/**
 * handset_matrix_client_new_transaction_id:
 *
 * Returns: (transfer full): a transaction ID unique to this client; reuse
 *   it for every retry of one send, so the server stores the event once
 */
char *
handset_matrix_client_new_transaction_id (HandsetMatrixClient *self)
{
  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (self), NULL);

  return g_strdup_printf ("hs%" G_GINT64_FORMAT ".%u.%08x", g_get_real_time (), ++self->txn_counter,
                          g_random_int ());
}

/* Requests whose answer is one string member of the response. */
static void
string_member_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  const char *member = g_task_get_task_data (task);
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (GError) error = NULL;
  const char *value;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  value = object_get_string (response, member);
  if (value == NULL)
    g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                             _ ("The homeserver’s answer lacks “%s”"), member);
  else
    g_task_return_pointer (task, g_strdup (value), g_free);
}

static GTask *
string_member_task (HandsetMatrixClient *self,
                    const char *member,
                    GCancellable *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer user_data,
                    gpointer source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, (gpointer) member, NULL);

  return task;
}

/**
 * handset_matrix_client_send_event_async:
 * @txn_id: (nullable): the transaction ID; %NULL makes a new one
 *
 * Sends a room event. After a network error the same transaction ID is
 * sent again, so however often it is retried, the server stores it once.
 */
void
handset_matrix_client_send_event_async (HandsetMatrixClient *self,
                                        const char *room_id,
                                        const char *type,
                                        JsonObject *content,
                                        const char *txn_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GTask *task = string_member_task (self, "event_id", cancellable, callback, user_data,
                                    handset_matrix_client_send_event_async);
  g_autofree char *room = escape_segment (room_id);
  g_autofree char *event_type = escape_segment (type);
  g_autofree char *txn =
      txn_id ? escape_segment (txn_id) : handset_matrix_client_new_transaction_id (self);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/send/%s/%s", room, event_type, txn);
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), content);

  handset_matrix_client_request_async (self, "PUT", path, NULL, body,
                                       HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                                       cancellable, string_member_cb, task);
}

/**
 * handset_matrix_client_send_event_finish:
 *
 * Returns: (transfer full): the event ID
 */
char *
handset_matrix_client_send_event_finish (HandsetMatrixClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
handset_matrix_client_create_direct_room_async (HandsetMatrixClient *self,
                                                const char *invitee,
                                                JsonObject *creation_content,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data)
{
  GTask *task = string_member_task (self, "room_id", cancellable, callback, user_data,
                                    handset_matrix_client_create_direct_room_async);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "preset");
  json_builder_add_string_value (builder, "trusted_private_chat");
  json_builder_set_member_name (builder, "is_direct");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "invite");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, invitee);
  json_builder_end_array (builder);
  if (creation_content != NULL)
    {
      json_builder_set_member_name (builder, "creation_content");
      json_builder_add_value (builder,
                              json_node_init_object (json_node_alloc (), creation_content));
    }
  json_builder_end_object (builder);
  body = node_from_builder (builder);

  /* Not retried after a network error: a retry could make a second room. */
  handset_matrix_client_request_async (self, "POST", "/_matrix/client/v3/createRoom", NULL, body,
                                       HANDSET_REQUEST_AUTH, cancellable, string_member_cb, task);
}

/**
 * handset_matrix_client_create_direct_room_finish:
 *
 * Returns: (transfer full): the new room's ID
 */
char *
handset_matrix_client_create_direct_room_finish (HandsetMatrixClient *self,
                                                 GAsyncResult *result,
                                                 GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
handset_matrix_client_join_async (HandsetMatrixClient *self,
                                  const char *room_id_or_alias,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = string_member_task (self, "room_id", cancellable, callback, user_data,
                                    handset_matrix_client_join_async);
  g_autofree char *room = escape_segment (room_id_or_alias);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/join/%s", room);
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());

  handset_matrix_client_request_async (self, "POST", path, NULL, body,
                                       HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                                       cancellable, string_member_cb, task);
}

/**
 * handset_matrix_client_join_finish:
 *
 * Returns: (transfer full): the joined room's ID
 */
char *
handset_matrix_client_join_finish (HandsetMatrixClient *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ account data */

static void
object_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;
  JsonObject *response;

  response = handset_matrix_client_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (response == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, response, (GDestroyNotify) json_object_unref);
}

static void
object_request (HandsetMatrixClient *self,
                const char *method,
                const char *path,
                JsonNode *body,
                HandsetRequestFlags flags,
                GCancellable *cancellable,
                GAsyncReadyCallback callback,
                gpointer user_data,
                gpointer source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  handset_matrix_client_request_async (self, method, path, NULL, body, flags, cancellable,
                                       object_cb, task);
}

static char *
account_data_path (HandsetMatrixClient *self, const char *type)
{
  g_autofree char *user = escape_segment (self->user_id ? self->user_id : "");
  g_autofree char *escaped_type = escape_segment (type);

  return g_strdup_printf ("/_matrix/client/v3/user/%s/account_data/%s", user, escaped_type);
}

void
handset_matrix_client_get_account_data_async (HandsetMatrixClient *self,
                                              const char *type,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data)
{
  g_autofree char *path = account_data_path (self, type);

  object_request (self, "GET", path, NULL, HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                  cancellable, callback, user_data, handset_matrix_client_get_account_data_async);
}

/**
 * handset_matrix_client_get_account_data_finish:
 *
 * Returns: (transfer full): the content; an error
 *   %HANDSET_MATRIX_ERROR_NOT_FOUND when there is none
 */
JsonObject *
handset_matrix_client_get_account_data_finish (HandsetMatrixClient *self,
                                               GAsyncResult *result,
                                               GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
handset_matrix_client_set_account_data_async (HandsetMatrixClient *self,
                                              const char *type,
                                              JsonObject *content,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data)
{
  g_autofree char *path = account_data_path (self, type);
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), content);

  /* A PUT of the whole content is idempotent. */
  object_request (self, "PUT", path, body, HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                  cancellable, callback, user_data, handset_matrix_client_set_account_data_async);
}

gboolean
handset_matrix_client_set_account_data_finish (HandsetMatrixClient *self,
                                               GAsyncResult *result,
                                               GError **error)
{
  g_autoptr (JsonObject) response = g_task_propagate_pointer (G_TASK (result), error);

  return response != NULL;
}

/**
 * handset_matrix_client_leave_async:
 *
 * Leaves a room, or declines an invitation to it.
 */
void
handset_matrix_client_leave_async (HandsetMatrixClient *self,
                                   const char *room_id,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autofree char *room = escape_segment (room_id);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/leave", room);
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());

  object_request (self, "POST", path, body, HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                  cancellable, callback, user_data, handset_matrix_client_leave_async);
}

gboolean
handset_matrix_client_leave_finish (HandsetMatrixClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (JsonObject) response = g_task_propagate_pointer (G_TASK (result), error);

  return response != NULL;
}

/* ------------------------------------------------------------------ people, devices */

void
handset_matrix_client_get_profile_async (HandsetMatrixClient *self,
                                         const char *user_id,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autofree char *user = escape_segment (user_id);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/profile/%s", user);

  object_request (self, "GET", path, NULL, HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                  cancellable, callback, user_data, handset_matrix_client_get_profile_async);
}

/**
 * handset_matrix_client_get_profile_finish:
 *
 * Returns: (transfer full): the profile: `displayname`, `avatar_url`
 */
JsonObject *
handset_matrix_client_get_profile_finish (HandsetMatrixClient *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
handset_matrix_client_get_devices_async (HandsetMatrixClient *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  object_request (self, "GET", "/_matrix/client/v3/devices", NULL,
                  HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK, cancellable, callback,
                  user_data, handset_matrix_client_get_devices_async);
}

/**
 * handset_matrix_client_get_devices_finish:
 *
 * Returns: (transfer full): our own devices: `device_id`, `display_name`
 */
JsonArray *
handset_matrix_client_get_devices_finish (HandsetMatrixClient *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_autoptr (JsonObject) response = g_task_propagate_pointer (G_TASK (result), error);
  JsonNode *devices;

  if (response == NULL)
    return NULL;

  devices = json_object_get_member (response, "devices");
  if (devices == NULL || !JSON_NODE_HOLDS_ARRAY (devices))
    {
      g_set_error_literal (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                           _ ("The homeserver sent no list of devices"));
      return NULL;
    }

  return json_array_ref (json_node_get_array (devices));
}

void
handset_matrix_client_query_keys_async (HandsetMatrixClient *self,
                                        const char *const *user_ids,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device_keys");
  json_builder_begin_object (builder);
  for (guint i = 0; user_ids[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, user_ids[i]);
      json_builder_begin_array (builder);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  body = node_from_builder (builder);

  object_request (self, "POST", "/_matrix/client/v3/keys/query", body,
                  HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK, cancellable, callback,
                  user_data, handset_matrix_client_query_keys_async);
}

/**
 * handset_matrix_client_query_keys_finish:
 *
 * Returns: (transfer full): the response of `/keys/query`
 */
JsonObject *
handset_matrix_client_query_keys_finish (HandsetMatrixClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * handset_matrix_client_keys_request_async:
 * @endpoint: `upload` or `claim`
 * @body: the request body
 *
 * POSTs to `/keys/upload` or `/keys/claim`, sent again after a network
 * error: an upload of the same keys is answered the same way; a claim sent
 * twice uses up one more one-time key of the other device, which costs it
 * a key and nothing else.
 */
void
handset_matrix_client_keys_request_async (HandsetMatrixClient *self,
                                          const char *endpoint,
                                          JsonObject *body,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/keys/%s", endpoint);
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), body);

  object_request (self, "POST", path, node, HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                  cancellable, callback, user_data, handset_matrix_client_keys_request_async);
}

/**
 * handset_matrix_client_keys_request_finish:
 *
 * Returns: (transfer full): the answer
 */
JsonObject *
handset_matrix_client_keys_request_finish (HandsetMatrixClient *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * handset_matrix_client_send_to_device_async:
 * @messages: user ID → device ID → content
 *
 * Sends to-device events, with one transaction ID however often it is
 * retried.
 */
void
handset_matrix_client_send_to_device_async (HandsetMatrixClient *self,
                                            const char *type,
                                            JsonObject *messages,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  g_autofree char *escaped_type = escape_segment (type);
  g_autofree char *txn = handset_matrix_client_new_transaction_id (self);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/sendToDevice/%s/%s", escaped_type, txn);
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) node = NULL;

  json_object_set_object_member (body, "messages", json_object_ref (messages));
  node = json_node_init_object (json_node_alloc (), body);
  object_request (self, "PUT", path, node, HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                  cancellable, callback, user_data, handset_matrix_client_send_to_device_async);
}

gboolean
handset_matrix_client_send_to_device_finish (HandsetMatrixClient *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  g_autoptr (JsonObject) answer = g_task_propagate_pointer (G_TASK (result), error);

  return answer != NULL;
}

void
handset_matrix_client_get_turn_server_async (HandsetMatrixClient *self,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  object_request (self, "GET", "/_matrix/client/v3/voip/turnServer", NULL,
                  HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK, cancellable, callback,
                  user_data, handset_matrix_client_get_turn_server_async);
}

/**
 * handset_matrix_client_get_turn_server_finish:
 *
 * Returns: (transfer full): the response of `/voip/turnServer`, which is
 *   empty when the homeserver offers no TURN
 */
JsonObject *
handset_matrix_client_get_turn_server_finish (HandsetMatrixClient *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ media */

typedef struct
{
  char *server_name;
  char *media_id;
  int width;
  int height;
  gboolean legacy;
  char *content_type;
} Thumbnail;

static void
thumbnail_free (Thumbnail *thumbnail)
{
  g_free (thumbnail->server_name);
  g_free (thumbnail->media_id);
  g_free (thumbnail->content_type);
  g_free (thumbnail);
}

static void thumbnail_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
thumbnail_request (GTask *task)
{
  HandsetMatrixClient *self = g_task_get_source_object (task);
  Thumbnail *thumbnail = g_task_get_task_data (task);
  g_autofree char *server = escape_segment (thumbnail->server_name);
  g_autofree char *media_id = escape_segment (thumbnail->media_id);
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;

  /* Authenticated media (Matrix 1.11) first; the unauthenticated
   * endpoint only for servers that do not know it. */
  path = g_strdup_printf ("%s/%s/%s",
                          thumbnail->legacy ? "/_matrix/media/v3/thumbnail"
                                            : "/_matrix/client/v1/media/thumbnail",
                          server, media_id);
  query = g_strdup_printf ("width=%d&height=%d&method=crop", thumbnail->width, thumbnail->height);

  handset_matrix_client_request_bytes_async (self, "GET", path, query, NULL,
                                             HANDSET_REQUEST_AUTH | HANDSET_REQUEST_RETRY_NETWORK,
                                             g_task_get_cancellable (task), thumbnail_cb, task);
}

static void
thumbnail_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetMatrixClient *self = HANDSET_MATRIX_CLIENT (object);
  Thumbnail *thumbnail = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  GBytes *bytes;

  g_clear_pointer (&thumbnail->content_type, g_free);
  bytes =
      handset_matrix_client_request_bytes_finish (self, result, &thumbnail->content_type, &error);
  if (bytes != NULL)
    {
      g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
      return;
    }

  /* 404 without an errcode and M_UNRECOGNIZED both map here: the
   * endpoint is missing, not the media. */
  if (!thumbnail->legacy &&
      g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNRECOGNIZED))
    {
      g_debug ("The homeserver has no authenticated media; using the older media API");
      self->media_legacy = TRUE;
      thumbnail->legacy = TRUE;
      thumbnail_request (g_steal_pointer (&task));
      return;
    }

  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * handset_matrix_client_get_thumbnail_async:
 * @mxc_uri: an `mxc://server/media-id` URI
 *
 * Downloads a thumbnail, cropped to @width × @height, through the
 * authenticated media API, or through `/_matrix/media/v3` when the
 * homeserver does not have that (it is then remembered for this client).
 */
void
handset_matrix_client_get_thumbnail_async (HandsetMatrixClient *self,
                                           const char *mxc_uri,
                                           int width,
                                           int height,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  GTask *task;
  Thumbnail *thumbnail;

  g_return_if_fail (HANDSET_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_matrix_client_get_thumbnail_async);
  thumbnail = g_new0 (Thumbnail, 1);
  g_task_set_task_data (task, thumbnail, (GDestroyNotify) thumbnail_free);

  if (!handset_mxc_parse (mxc_uri, &thumbnail->server_name, &thumbnail->media_id) || width <= 0 ||
      height <= 0)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                               _ ("“%s” is not a Matrix media address"), mxc_uri ? mxc_uri : "");
      g_object_unref (task);
      return;
    }

  thumbnail->width = width;
  thumbnail->height = height;
  thumbnail->legacy = self->media_legacy;
  thumbnail_request (task);
}

/**
 * handset_matrix_client_get_thumbnail_finish:
 * @content_type: (out) (optional): the image's content type
 *
 * Returns: (transfer full): the image
 */
GBytes *
handset_matrix_client_get_thumbnail_finish (HandsetMatrixClient *self,
                                            GAsyncResult *result,
                                            char **content_type,
                                            GError **error)
{
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (content_type != NULL)
    {
      Thumbnail *thumbnail = g_task_get_task_data (G_TASK (result));

      *content_type = bytes ? g_strdup (thumbnail->content_type) : NULL;
    }

  return bytes;
}
