/* handset-matrix-client.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "handset-matrix-error.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_MATRIX_CLIENT (handset_matrix_client_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMatrixClient, handset_matrix_client, HANDSET, MATRIX_CLIENT, GObject)

typedef enum
{
  HANDSET_REQUEST_NONE = 0,
  HANDSET_REQUEST_AUTH = 1 << 0,          /* send the access token */
  HANDSET_REQUEST_RETRY_NETWORK = 1 << 1, /* idempotent: retry after network errors */
} HandsetRequestFlags;

/**
 * HandsetOpenUriFunc:
 *
 * Opens @uri in the person's browser. The default uses the desktop's URI
 * launcher (g_app_info_launch_default_for_uri_async(), which goes through
 * the portal inside Flatpak); tests put their own in its place.
 */
typedef void (*HandsetOpenUriFunc) (const char *uri, gpointer user_data);

HandsetMatrixClient *handset_matrix_client_new (const char *homeserver);

const char *handset_matrix_client_get_homeserver (HandsetMatrixClient *self);
const char *handset_matrix_client_get_user_id (HandsetMatrixClient *self);
const char *handset_matrix_client_get_device_id (HandsetMatrixClient *self);
gboolean handset_matrix_client_get_needs_login (HandsetMatrixClient *self);
gboolean handset_matrix_client_has_access_token (HandsetMatrixClient *self);
const char *handset_matrix_client_get_access_token (HandsetMatrixClient *self);
void handset_matrix_client_set_session (HandsetMatrixClient *self,
                                        const char *user_id,
                                        const char *device_id,
                                        const char *access_token);
void handset_matrix_client_set_network_retry_limit (HandsetMatrixClient *self, guint attempts);

/* The generic request: every endpoint below goes through it. */
void handset_matrix_client_request_async (HandsetMatrixClient *self,
                                          const char *method,
                                          const char *path,
                                          const char *query,
                                          JsonNode *body,
                                          HandsetRequestFlags flags,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
JsonObject *handset_matrix_client_request_finish (HandsetMatrixClient *self,
                                                  GAsyncResult *result,
                                                  GError **error);
void handset_matrix_client_request_bytes_async (HandsetMatrixClient *self,
                                                const char *method,
                                                const char *path,
                                                const char *query,
                                                JsonNode *body,
                                                HandsetRequestFlags flags,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
GBytes *handset_matrix_client_request_bytes_finish (HandsetMatrixClient *self,
                                                    GAsyncResult *result,
                                                    char **content_type,
                                                    GError **error);

JsonObject *handset_matrix_parse_object (GBytes *bytes, GError **error);

/* Discovery and login */
void handset_matrix_discover_async (const char *user_id_or_server,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
char *handset_matrix_discover_finish (GAsyncResult *result, GError **error);

void handset_matrix_client_get_versions_async (HandsetMatrixClient *self,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
GStrv handset_matrix_client_get_versions_finish (HandsetMatrixClient *self,
                                                 GAsyncResult *result,
                                                 GError **error);

void handset_matrix_client_get_login_flows_async (HandsetMatrixClient *self,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
GStrv handset_matrix_client_get_login_flows_finish (HandsetMatrixClient *self,
                                                    GAsyncResult *result,
                                                    GError **error);

void handset_matrix_client_login_password_async (HandsetMatrixClient *self,
                                                 const char *user,
                                                 const char *password,
                                                 const char *device_display_name,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean handset_matrix_client_login_password_finish (HandsetMatrixClient *self,
                                                      GAsyncResult *result,
                                                      GError **error);

void handset_matrix_client_login_sso_async (HandsetMatrixClient *self,
                                            const char *device_display_name,
                                            HandsetOpenUriFunc open_uri,
                                            gpointer open_uri_data,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean handset_matrix_client_login_sso_finish (HandsetMatrixClient *self,
                                                 GAsyncResult *result,
                                                 GError **error);

void handset_matrix_client_whoami_async (HandsetMatrixClient *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
char *handset_matrix_client_whoami_finish (HandsetMatrixClient *self,
                                           GAsyncResult *result,
                                           char **device_id,
                                           GError **error);

void handset_matrix_client_logout_async (HandsetMatrixClient *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean handset_matrix_client_logout_finish (HandsetMatrixClient *self,
                                              GAsyncResult *result,
                                              GError **error);

/* Rooms and events */
char *handset_matrix_client_new_transaction_id (HandsetMatrixClient *self);
void handset_matrix_client_send_event_async (HandsetMatrixClient *self,
                                             const char *room_id,
                                             const char *type,
                                             JsonObject *content,
                                             const char *txn_id,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
char *handset_matrix_client_send_event_finish (HandsetMatrixClient *self,
                                               GAsyncResult *result,
                                               GError **error);

void handset_matrix_client_create_direct_room_async (HandsetMatrixClient *self,
                                                     const char *invitee,
                                                     JsonObject *creation_content,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
void handset_matrix_client_leave_async (HandsetMatrixClient *self,
                                        const char *room_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean handset_matrix_client_leave_finish (HandsetMatrixClient *self,
                                             GAsyncResult *result,
                                             GError **error);
char *handset_matrix_client_create_direct_room_finish (HandsetMatrixClient *self,
                                                       GAsyncResult *result,
                                                       GError **error);

void handset_matrix_client_join_async (HandsetMatrixClient *self,
                                       const char *room_id_or_alias,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
char *
handset_matrix_client_join_finish (HandsetMatrixClient *self, GAsyncResult *result, GError **error);

void handset_matrix_client_get_account_data_async (HandsetMatrixClient *self,
                                                   const char *type,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
JsonObject *handset_matrix_client_get_account_data_finish (HandsetMatrixClient *self,
                                                           GAsyncResult *result,
                                                           GError **error);
void handset_matrix_client_set_account_data_async (HandsetMatrixClient *self,
                                                   const char *type,
                                                   JsonObject *content,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
gboolean handset_matrix_client_set_account_data_finish (HandsetMatrixClient *self,
                                                        GAsyncResult *result,
                                                        GError **error);

/* People and devices */
void handset_matrix_client_get_profile_async (HandsetMatrixClient *self,
                                              const char *user_id,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
JsonObject *handset_matrix_client_get_profile_finish (HandsetMatrixClient *self,
                                                      GAsyncResult *result,
                                                      GError **error);

void handset_matrix_client_get_devices_async (HandsetMatrixClient *self,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
JsonArray *handset_matrix_client_get_devices_finish (HandsetMatrixClient *self,
                                                     GAsyncResult *result,
                                                     GError **error);

void handset_matrix_client_query_keys_async (HandsetMatrixClient *self,
                                             const char *const *user_ids,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
JsonObject *handset_matrix_client_query_keys_finish (HandsetMatrixClient *self,
                                                     GAsyncResult *result,
                                                     GError **error);

void handset_matrix_client_keys_request_async (HandsetMatrixClient *self,
                                               const char *endpoint,
                                               JsonObject *body,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
JsonObject *handset_matrix_client_keys_request_finish (HandsetMatrixClient *self,
                                                       GAsyncResult *result,
                                                       GError **error);
void handset_matrix_client_send_to_device_async (HandsetMatrixClient *self,
                                                 const char *type,
                                                 JsonObject *messages,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean handset_matrix_client_send_to_device_finish (HandsetMatrixClient *self,
                                                      GAsyncResult *result,
                                                      GError **error);

void handset_matrix_client_get_turn_server_async (HandsetMatrixClient *self,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
JsonObject *handset_matrix_client_get_turn_server_finish (HandsetMatrixClient *self,
                                                          GAsyncResult *result,
                                                          GError **error);

void handset_matrix_client_get_thumbnail_async (HandsetMatrixClient *self,
                                                const char *mxc_uri,
                                                int width,
                                                int height,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
GBytes *handset_matrix_client_get_thumbnail_finish (HandsetMatrixClient *self,
                                                    GAsyncResult *result,
                                                    char **content_type,
                                                    GError **error);

G_END_DECLS
