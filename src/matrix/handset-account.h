/* handset-account.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-matrix-client.h"
#include "handset-profile.h"
#include "handset-secret-store.h"
#include "handset-store.h"
#include "handset-sync.h"

G_BEGIN_DECLS

typedef enum
{
  HANDSET_ACCOUNT_STATE_LOGGED_OUT,
  HANDSET_ACCOUNT_STATE_RESTORING,
  HANDSET_ACCOUNT_STATE_LOGGING_IN,
  HANDSET_ACCOUNT_STATE_LOGGED_IN,
  HANDSET_ACCOUNT_STATE_NEEDS_LOGIN,
} HandsetAccountState;

#define HANDSET_TYPE_ACCOUNT_STATE (handset_account_state_get_type ())
GType handset_account_state_get_type (void) G_GNUC_CONST;

#define HANDSET_TYPE_ACCOUNT (handset_account_get_type ())
G_DECLARE_FINAL_TYPE (HandsetAccount, handset_account, HANDSET, ACCOUNT, GObject)

HandsetAccount *handset_account_new (HandsetProfile *profile, GError **error);

char *handset_account_get_saved_user_id (HandsetAccount *self);
gboolean handset_account_get_saved_session (HandsetAccount *self,
                                            char **homeserver,
                                            char **user_id,
                                            char **device_id);
HandsetAccountState handset_account_get_state (HandsetAccount *self);
HandsetProfile *handset_account_get_profile (HandsetAccount *self);
HandsetStore *handset_account_get_store (HandsetAccount *self);
HandsetMatrixClient *handset_account_get_client (HandsetAccount *self);
HandsetSync *handset_account_get_sync (HandsetAccount *self);
const char *handset_account_get_user_id (HandsetAccount *self);
const char *handset_account_get_homeserver (HandsetAccount *self);
gboolean handset_account_get_remembered (HandsetAccount *self);
const char *handset_account_get_message (HandsetAccount *self);
gboolean handset_account_get_keyring_locked (HandsetAccount *self);
HandsetSecretStore *handset_account_get_secret_store (HandsetAccount *self);
void handset_account_require_login (HandsetAccount *self, const char *message);

void handset_account_restore_handed_over_async (HandsetAccount *self,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
void handset_account_restore_async (HandsetAccount *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
handset_account_restore_finish (HandsetAccount *self, GAsyncResult *result, GError **error);

void handset_account_login_password_async (HandsetAccount *self,
                                           const char *homeserver,
                                           const char *user,
                                           const char *password,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean
handset_account_login_password_finish (HandsetAccount *self, GAsyncResult *result, GError **error);

void handset_account_login_sso_async (HandsetAccount *self,
                                      const char *homeserver,
                                      HandsetOpenUriFunc open_uri,
                                      gpointer open_uri_data,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean
handset_account_login_sso_finish (HandsetAccount *self, GAsyncResult *result, GError **error);

void handset_account_logout_async (HandsetAccount *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean handset_account_logout_finish (HandsetAccount *self, GAsyncResult *result, GError **error);
char *handset_account_get_saved_position (HandsetAccount *self,
                                          const char *user_id,
                                          const char *device_id);
gboolean handset_account_get_replaced_session (HandsetAccount *self,
                                               char **homeserver,
                                               char **user_id,
                                               char **device_id,
                                               char **position);
gboolean handset_account_put_back_session (HandsetAccount *self,
                                           const char *login_device_id,
                                           const char *homeserver,
                                           const char *user_id,
                                           const char *device_id,
                                           const char *position,
                                           GError **error);

void handset_account_unlock_keyring_async (HandsetAccount *self,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean
handset_account_unlock_keyring_finish (HandsetAccount *self, GAsyncResult *result, GError **error);

G_END_DECLS
