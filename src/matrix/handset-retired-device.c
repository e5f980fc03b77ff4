/* handset-retired-device.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A device of the profile that a new login replaced: logged out at its
 * homeserver with the token the keyring still keeps for it, then that
 * token, its encryption key and its encryption state forgotten here. A
 * replaced session left alone would stay a live device of the account
 * that nothing uses. The same for the device of a login that cannot be
 * kept, logged out with the token held in memory.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <libsecret/secret.h>

#include "handset-crypto-store.h"
#include "handset-matrix-client.h"
#include "handset-retired-device.h"
#include "handset-secret-store.h"
#include "handset-store.h"

typedef struct
{
  char *homeserver;
  char *user_id;
  char *device_id;
  GError *server_error; /* the homeserver could not be told */
} Retired;

static void
retired_free (Retired *retired)
{
  g_free (retired->homeserver);
  g_free (retired->user_id);
  g_free (retired->device_id);
  g_clear_error (&retired->server_error);
  g_free (retired);
}

static void
cleared_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetAccount *account = g_task_get_source_object (task);
  Retired *retired = g_task_get_task_data (task);
  g_autoptr (HandsetCryptoStore) crypto = NULL;
  g_autoptr (GError) error = NULL;

  if (!handset_secret_store_clear_token_finish (HANDSET_SECRET_STORE (object), result, &error))
    g_message ("The replaced login stays in the keyring: %s", error->message);
  g_clear_error (&error);

  crypto = handset_crypto_store_new (handset_store_get_db (handset_account_get_store (account)),
                                     retired->user_id, retired->device_id);
  if (!handset_crypto_store_open (crypto, &error) || !handset_crypto_store_clear (crypto, &error))
    g_message ("The replaced device's encryption keys stay: %s", error->message);

  if (retired->server_error != NULL)
    g_task_return_error (task, g_steal_pointer (&retired->server_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
forget_here (GTask *task)
{
  HandsetAccount *account = g_task_get_source_object (task);
  Retired *retired = g_task_get_task_data (task);

  handset_secret_store_clear_token_async (handset_account_get_secret_store (account),
                                          retired->homeserver, retired->user_id, retired->device_id,
                                          g_task_get_cancellable (task), cleared_cb, task);
}

static void
logged_out_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  Retired *retired = g_task_get_task_data (task);

  handset_matrix_client_logout_finish (HANDSET_MATRIX_CLIENT (object), result,
                                       &retired->server_error);
  forget_here (task);
}

static void
token_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  Retired *retired = g_task_get_task_data (task);
  g_autoptr (HandsetMatrixClient) client = NULL;
  char *token;

  token = handset_secret_store_load_token_finish (HANDSET_SECRET_STORE (object), result,
                                                  &retired->server_error);
  if (token == NULL)
    {
      /* Nothing to log out with: the device is gone, or the keyring is.
       * A token the keyring does not hold was forgotten here already, by
       * whoever logged the device out (a login that was not kept forgets
       * its own device so): nothing is left to say. */
      if (g_error_matches (retired->server_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_clear_error (&retired->server_error);
      forget_here (task);
      return;
    }
  client = handset_matrix_client_new (retired->homeserver);
  handset_matrix_client_set_session (client, retired->user_id, retired->device_id, token);
  handset_matrix_client_set_network_retry_limit (client, 1);
  secret_password_free (token);
  handset_matrix_client_logout_async (client, g_task_get_cancellable (task), logged_out_cb, task);
}

/**
 * handset_retired_device_forget_async:
 * @account: the profile's account; its current session must be another
 *
 * Logs @device_id out at @homeserver and forgets it here. Finishes with
 * an error when the homeserver could not be told (what is kept here is
 * forgotten all the same).
 */
void
handset_retired_device_forget_async (HandsetAccount *account,
                                     const char *homeserver,
                                     const char *user_id,
                                     const char *device_id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task = g_task_new (account, cancellable, callback, user_data);
  Retired *retired = g_new0 (Retired, 1);

  g_task_set_source_tag (task, handset_retired_device_forget_async);
  retired->homeserver = g_strdup (homeserver);
  retired->user_id = g_strdup (user_id);
  retired->device_id = g_strdup (device_id);
  g_task_set_task_data (task, retired, (GDestroyNotify) retired_free);
  handset_secret_store_load_token_async (handset_account_get_secret_store (account), homeserver,
                                         user_id, device_id, cancellable, token_cb, task);
}

/**
 * handset_retired_device_forget_client_async:
 * @account: the profile's account
 * @client: the session of a device whose token only this process holds
 *   (a login that cannot be kept), which must not be the session the
 *   store names
 *
 * Logs @client's device out at its homeserver with the token @client
 * holds, then forgets that device here (its keyring items and its
 * encryption state) as handset_retired_device_forget_async() does. The
 * profile's other sessions are left alone.
 */
void
handset_retired_device_forget_client_async (HandsetAccount *account,
                                            HandsetMatrixClient *client,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  GTask *task = g_task_new (account, cancellable, callback, user_data);
  Retired *retired = g_new0 (Retired, 1);

  g_task_set_source_tag (task, handset_retired_device_forget_async);
  retired->homeserver = g_strdup (handset_matrix_client_get_homeserver (client));
  retired->user_id = g_strdup (handset_matrix_client_get_user_id (client));
  retired->device_id = g_strdup (handset_matrix_client_get_device_id (client));
  g_task_set_task_data (task, retired, (GDestroyNotify) retired_free);
  handset_matrix_client_set_network_retry_limit (client, 1);
  handset_matrix_client_logout_async (client, cancellable, logged_out_cb, task);
}

gboolean
handset_retired_device_forget_finish (HandsetAccount *account, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
