/* handset-secret-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_SECRET_STORE (handset_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (HandsetSecretStore, handset_secret_store, HANDSET, SECRET_STORE, GObject)

HandsetSecretStore *handset_secret_store_new (const char *profile);

void handset_secret_store_save_token_async (HandsetSecretStore *self,
                                            const char *homeserver,
                                            const char *user_id,
                                            const char *device_id,
                                            const char *access_token,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean handset_secret_store_save_token_finish (HandsetSecretStore *self,
                                                 GAsyncResult *result,
                                                 GError **error);

void handset_secret_store_load_token_async (HandsetSecretStore *self,
                                            const char *homeserver,
                                            const char *user_id,
                                            const char *device_id,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
char *handset_secret_store_load_token_finish (HandsetSecretStore *self,
                                              GAsyncResult *result,
                                              GError **error);

void handset_secret_store_unlock_async (HandsetSecretStore *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean
handset_secret_store_unlock_finish (HandsetSecretStore *self, GAsyncResult *result, GError **error);

void handset_secret_store_save_pickle_key_async (HandsetSecretStore *self,
                                                 const char *homeserver,
                                                 const char *user_id,
                                                 const char *device_id,
                                                 GBytes *key,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean handset_secret_store_save_pickle_key_finish (HandsetSecretStore *self,
                                                      GAsyncResult *result,
                                                      GError **error);
void handset_secret_store_load_pickle_key_async (HandsetSecretStore *self,
                                                 const char *homeserver,
                                                 const char *user_id,
                                                 const char *device_id,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
GBytes *handset_secret_store_load_pickle_key_finish (HandsetSecretStore *self,
                                                     GAsyncResult *result,
                                                     GError **error);

void handset_secret_store_clear_async (HandsetSecretStore *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean
handset_secret_store_clear_finish (HandsetSecretStore *self, GAsyncResult *result, GError **error);
void handset_secret_store_clear_token_async (HandsetSecretStore *self,
                                             const char *homeserver,
                                             const char *user_id,
                                             const char *device_id,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean handset_secret_store_clear_token_finish (HandsetSecretStore *self,
                                                  GAsyncResult *result,
                                                  GError **error);

void handset_secret_store_save_relay_password_async (HandsetSecretStore *self,
                                                     const char *server,
                                                     const char *password,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
gboolean handset_secret_store_save_relay_password_finish (HandsetSecretStore *self,
                                                          GAsyncResult *result,
                                                          GError **error);
void handset_secret_store_load_relay_password_async (HandsetSecretStore *self,
                                                     const char *server,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
char *handset_secret_store_load_relay_password_finish (HandsetSecretStore *self,
                                                       GAsyncResult *result,
                                                       GError **error);

G_END_DECLS
