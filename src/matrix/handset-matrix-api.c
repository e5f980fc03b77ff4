/* handset-matrix-api.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Client-Server API endpoints besides login: sending events, direct
 * rooms, joining and leaving, account data, profiles, devices and keys,
 * to-device messages, TURN servers and media thumbnails, each one async
 * call through handset_matrix_client_request_async().
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "handset-matrix-client-private.h"
#include "handset-mxc.h"

/* ------------------------------------------------------------------ rooms */

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

  value = handset_matrix_object_get_string (response, member);
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
  g_autofree char *room = handset_matrix_escape_segment (room_id);
  g_autofree char *event_type = handset_matrix_escape_segment (type);
  g_autofree char *txn = txn_id ? handset_matrix_escape_segment (txn_id)
                                : handset_matrix_client_new_transaction_id (self);
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
  body = json_builder_get_root (builder);

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
  g_autofree char *room = handset_matrix_escape_segment (room_id_or_alias);
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
  g_autofree char *user = handset_matrix_escape_segment (
      handset_matrix_client_get_user_id (self) ? handset_matrix_client_get_user_id (self) : "");
  g_autofree char *escaped_type = handset_matrix_escape_segment (type);

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
  g_autofree char *room = handset_matrix_escape_segment (room_id);
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
  g_autofree char *user = handset_matrix_escape_segment (user_id);
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
  body = json_builder_get_root (builder);

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
  g_autofree char *escaped_type = handset_matrix_escape_segment (type);
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
  g_autofree char *server = handset_matrix_escape_segment (thumbnail->server_name);
  g_autofree char *media_id = handset_matrix_escape_segment (thumbnail->media_id);
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
      handset_matrix_client_set_media_legacy (self, TRUE);
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
  thumbnail->legacy = handset_matrix_client_get_media_legacy (self);
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
