/* handset-account-login.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Logging an account in (password or the browser, SSO), its session saved
 * (the access token in the Secret Service), a session dropped when it
 * cannot go on, and logging out.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

#include "handset-account-private.h"
#include "handset-crypto-store.h"
#include "handset-room-store.h"

/* ------------------------------------------------------------------ login */

typedef struct
{
  char *user;
  char *password;
  HandsetOpenUriFunc open_uri;
  gpointer open_uri_data;
  HandsetMatrixClient *client;
} Login;

static void
login_free (Login *login)
{
  g_free (login->user);
  if (login->password != NULL)
    {
      memset (login->password, 0, strlen (login->password));
      g_free (login->password);
    }
  g_clear_object (&login->client);
  g_free (login);
}

static void
login_failed (GTask *task, GError *error)
{
  HandsetAccount *self = g_task_get_source_object (task);

  handset_account_set_state (self, self->user_id && self->client == NULL
                                       ? HANDSET_ACCOUNT_STATE_NEEDS_LOGIN
                                       : HANDSET_ACCOUNT_STATE_LOGGED_OUT);
  g_task_return_error (task, error);
}

static void
save_token_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetAccount *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (!handset_secret_store_save_token_finish (HANDSET_SECRET_STORE (object), result, &error))
    {
      /* Logged in all the same, for this run. */
      g_autofree char *message = g_strdup_printf (
          _ ("You are logged in, but Handset cannot remember it after it quits. %s"),
          error->message);

      g_message ("%s", message);
      handset_account_set_remembered (self, FALSE);
      handset_account_set_keyring_locked (
          self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED));
      handset_account_set_message (self, message);
    }
  else
    {
      g_debug ("The keyring keeps the token of device %s",
               handset_matrix_client_get_device_id (handset_account_get_client (self)));
      handset_account_set_remembered (self, TRUE);
      handset_account_set_keyring_locked (self, FALSE);
      handset_account_set_message (self, NULL);
    }

  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGED_IN);
  g_task_return_boolean (task, TRUE);
}

static void
logged_in (GTask *task)
{
  HandsetAccount *self = g_task_get_source_object (task);
  Login *login = g_task_get_task_data (task);
  HandsetMatrixClient *client = login->client;
  g_autoptr (GError) error = NULL;
  const char *homeserver = handset_matrix_client_get_homeserver (client);
  const char *user_id = handset_matrix_client_get_user_id (client);
  const char *device_id = handset_matrix_client_get_device_id (client);

  /* The session this one replaces is the one the store names as it is
   * written down (another login may have come in since this one began),
   * read in the same transaction. A new session starts from a new sync
   * position. */
  if (!handset_store_begin (self->store, &error))
    g_warning ("The session could not be written down: %s", error->message);
  else
    {
      g_clear_pointer (&self->replaced_homeserver, g_free);
      g_clear_pointer (&self->replaced_user_id, g_free);
      g_clear_pointer (&self->replaced_device_id, g_free);
      g_clear_pointer (&self->replaced_position, g_free);
      handset_account_get_saved_session (self, &self->replaced_homeserver, &self->replaced_user_id,
                                         &self->replaced_device_id);
      self->replaced_position = handset_account_get_saved_position (self, self->replaced_user_id,
                                                                    self->replaced_device_id);
      handset_store_delete_prefix (self->store, "sync.since:", NULL);
      if (!handset_store_set (self->store, KEY_HOMESERVER, homeserver, &error) ||
          !handset_store_set (self->store, KEY_USER_ID, user_id, &error) ||
          !handset_store_set (self->store, KEY_DEVICE_ID, device_id, &error) ||
          !handset_store_commit (self->store, &error))
        {
          handset_store_rollback (self->store);
          g_warning ("The session could not be written down: %s", error->message);
        }
    }
  g_debug ("Logged in as %s (device %s); its token goes to the keyring", user_id, device_id);

  handset_account_set_identity (self, homeserver, user_id);
  handset_account_use_client (self, client);

  handset_secret_store_save_token_async (self->secrets, homeserver, user_id, device_id,
                                         handset_matrix_client_get_access_token (client), NULL,
                                         save_token_cb, g_object_ref (task));
}

static void
login_password_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;

  if (!handset_matrix_client_login_password_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    login_failed (task, error);
  else
    logged_in (task);
}

static void
login_sso_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;

  if (!handset_matrix_client_login_sso_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    login_failed (task, error);
  else
    logged_in (task);
}

static char *
device_display_name (void)
{
  return g_strdup_printf (_ ("Handset on %s"), g_get_host_name ());
}

static void
discover_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  Login *login = g_task_get_task_data (task);
  g_autofree char *device_name = device_display_name ();
  GError *error = NULL;
  g_autofree char *homeserver = NULL;

  homeserver = handset_matrix_discover_finish (result, &error);
  if (homeserver == NULL)
    {
      login_failed (task, error);
      return;
    }

  login->client = handset_matrix_client_new (homeserver);
  if (login->password != NULL)
    handset_matrix_client_login_password_async (login->client, login->user, login->password,
                                                device_name, g_task_get_cancellable (task),
                                                login_password_cb, g_object_ref (task));
  else
    handset_matrix_client_login_sso_async (login->client, device_name, login->open_uri,
                                           login->open_uri_data, g_task_get_cancellable (task),
                                           login_sso_cb, g_object_ref (task));
}

/**
 * handset_account_login_password_async:
 * @homeserver: (nullable): the homeserver's address or server name; %NULL
 *   finds it from @user
 * @user: a Matrix ID, or with @homeserver just the user name
 */
void
handset_account_login_password_async (HandsetAccount *self,
                                      const char *homeserver,
                                      const char *user,
                                      const char *password,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Login *login = g_new0 (Login, 1);

  g_task_set_source_tag (task, handset_account_login_password_async);
  g_task_set_task_data (task, login, (GDestroyNotify) login_free);
  login->user = g_strdup (user);
  login->password = g_strdup (password);

  /* A restore still reading the keyring must not end this login. */
  self->restore_generation++;
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGING_IN);
  handset_matrix_discover_async (homeserver && *homeserver ? homeserver : user, cancellable,
                                 discover_cb, task);
}

gboolean
handset_account_login_password_finish (HandsetAccount *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_account_login_sso_async:
 * @homeserver: the homeserver's address, a server name or a Matrix ID
 * @open_uri: (nullable): opens the login page; %NULL for the desktop's
 *   browser
 */
void
handset_account_login_sso_async (HandsetAccount *self,
                                 const char *homeserver,
                                 HandsetOpenUriFunc open_uri,
                                 gpointer open_uri_data,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Login *login = g_new0 (Login, 1);

  g_task_set_source_tag (task, handset_account_login_sso_async);
  g_task_set_task_data (task, login, (GDestroyNotify) login_free);
  login->open_uri = open_uri;
  login->open_uri_data = open_uri_data;

  /* A restore still reading the keyring must not end this login. */
  self->restore_generation++;
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGING_IN);
  handset_matrix_discover_async (homeserver, cancellable, discover_cb, task);
}

gboolean
handset_account_login_sso_finish (HandsetAccount *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_account_require_login:
 * @message: why, for the person
 *
 * The session cannot go on (its encryption keys are lost): it is dropped
 * here, and the next login makes a new device. Nothing is deleted from
 * the database.
 */
void
handset_account_require_login (HandsetAccount *self, const char *message)
{
  g_message ("A new login is needed: %s", message);
  handset_store_delete_prefix (self->store, "session.device_id", NULL);
  handset_store_delete_prefix (self->store, "sync.since:", NULL);
  handset_account_use_client (self, NULL);
  handset_account_set_remembered (self, FALSE);
  handset_account_set_message (self, message);
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_NEEDS_LOGIN);
}

/* The sync position kept for a session, as handset-sync.c names it. */
static char *
position_key (const char *user_id, const char *device_id)
{
  return g_strdup_printf ("sync.since:%s/%s", user_id, device_id);
}

/**
 * handset_account_get_saved_position:
 *
 * Returns: (nullable): the sync position the store keeps for the session
 *   of @user_id and @device_id
 */
char *
handset_account_get_saved_position (HandsetAccount *self,
                                    const char *user_id,
                                    const char *device_id)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  if (user_id == NULL || device_id == NULL)
    return NULL;
  key = position_key (user_id, device_id);
  return handset_store_get (self->store, key);
}

/**
 * handset_account_get_replaced_session:
 * @homeserver: (out) (optional): its homeserver
 * @user_id: (out) (optional): its user
 * @device_id: (out) (optional): its device
 * @position: (out) (optional) (nullable): its sync position then
 *
 * The session the store named when a login here was written down: the
 * one it replaces.
 *
 * Returns: FALSE when it replaced none
 */
gboolean
handset_account_get_replaced_session (HandsetAccount *self,
                                      char **homeserver,
                                      char **user_id,
                                      char **device_id,
                                      char **position)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), FALSE);

  if (self->replaced_device_id == NULL)
    return FALSE;
  if (homeserver != NULL)
    *homeserver = g_strdup (self->replaced_homeserver);
  if (user_id != NULL)
    *user_id = g_strdup (self->replaced_user_id);
  if (device_id != NULL)
    *device_id = g_strdup (self->replaced_device_id);
  if (position != NULL)
    *position = g_strdup (self->replaced_position);
  return TRUE;
}

/* The session of @device_id (none when %NULL) written as the store's. */
static gboolean
write_session (HandsetAccount *self,
               const char *homeserver,
               const char *user_id,
               const char *device_id,
               const char *position,
               GError **error)
{
  g_autofree char *key = NULL;
  g_autofree char *current = NULL;

  if (homeserver == NULL || user_id == NULL || device_id == NULL)
    return handset_store_delete_prefix (self->store, KEY_HOMESERVER, error) &&
           handset_store_delete_prefix (self->store, KEY_USER_ID, error) &&
           handset_store_delete_prefix (self->store, KEY_DEVICE_ID, error);

  if (!handset_store_set (self->store, KEY_HOMESERVER, homeserver, error) ||
      !handset_store_set (self->store, KEY_USER_ID, user_id, error) ||
      !handset_store_set (self->store, KEY_DEVICE_ID, device_id, error))
    return FALSE;
  /* Not over a newer position, which the session wrote meanwhile. */
  key = position_key (user_id, device_id);
  current = handset_store_get (self->store, key);
  return position == NULL || current != NULL ||
         handset_store_set (self->store, key, position, error);
}

/**
 * handset_account_put_back_session:
 * @login_device_id: the device of the login that is not kept
 * @homeserver: (nullable): the session the store named before a login
 *   that is not kept; %NULL when it named none
 * @user_id: (nullable): its user
 * @device_id: (nullable): its device
 * @position: (nullable): its sync position, as the store kept it then
 *
 * A login written down here that cannot be kept (the running instance did
 * not take it, or the keyring cannot keep its token): the store names
 * again the session it replaced, or none, so that the next start
 * restores the session the running instance still uses. The sync
 * position is put back unless that session has written a newer one
 * since. A store that names another device than @login_device_id by now
 * (a later login's) is left as it is. Nothing in the keyring is touched:
 * its tokens are per device.
 */
gboolean
handset_account_put_back_session (HandsetAccount *self,
                                  const char *login_device_id,
                                  const char *homeserver,
                                  const char *user_id,
                                  const char *device_id,
                                  const char *position,
                                  GError **error)
{
  g_autofree char *saved_device = NULL;

  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), FALSE);

  if (!handset_store_begin (self->store, error))
    return FALSE;
  saved_device = handset_store_get (self->store, KEY_DEVICE_ID);
  if ((g_strcmp0 (saved_device, login_device_id) != 0 ||
       write_session (self, homeserver, user_id, device_id, position, error)) &&
      handset_store_commit (self->store, error))
    return TRUE;

  handset_store_rollback (self->store);
  return FALSE;
}

/* ------------------------------------------------------------------ logout */

/* This device's encryption keys go with its session. Its IDs are read
 * from the database: the client may have forgotten them by now. */
static void
forget_encryption (HandsetAccount *self)
{
  g_autoptr (HandsetCryptoStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *user_id = handset_store_get (self->store, KEY_USER_ID);
  g_autofree char *device_id = handset_store_get (self->store, KEY_DEVICE_ID);

  if (user_id == NULL || device_id == NULL)
    return;
  store = handset_crypto_store_new (handset_store_get_db (self->store), user_id, device_id);
  if (!handset_crypto_store_open (store, &error) || !handset_crypto_store_clear (store, &error))
    g_warning ("The encryption keys could not be deleted: %s", error->message);
}

static void
forget_session (HandsetAccount *self)
{
  g_autoptr (GError) error = NULL;

  forget_encryption (self);
  handset_store_delete_prefix (self->store, "session.", NULL);
  handset_store_delete_prefix (self->store, "sync.since:", NULL);
  /* The rooms kept with the sync position: their names and members. */
  handset_store_delete_prefix (self->store, "sync.rooms:", NULL);
  if (!handset_room_store_forget (self->store, NULL, &error))
    g_warning ("The rooms could not be deleted: %s", error->message);
  handset_account_use_client (self, NULL);
  handset_account_set_identity (self, NULL, NULL);
  handset_account_set_remembered (self, FALSE);
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
}

static void
clear_secret_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_secret_store_clear_finish (HANDSET_SECRET_STORE (object), result, &error))
    g_warning ("The login could not be removed from the keyring: %s", error->message);

  g_task_return_boolean (task, TRUE);
}

static void
server_logout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetAccount *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  /* Logged out here whatever the server says: the token is forgotten. */
  if (!handset_matrix_client_logout_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    {
      g_autofree char *message = g_strdup_printf (
          _ ("You are logged out here, but the homeserver could not be told: %s"), error->message);

      g_message ("%s", message);
      handset_account_set_message (self, message);
    }
  else
    {
      handset_account_set_message (self, NULL);
    }

  forget_session (self);
  handset_secret_store_clear_async (self->secrets, NULL, clear_secret_cb, g_object_ref (task));
}

/**
 * handset_account_logout_async:
 *
 * Ends the session at the homeserver and forgets it here: the token leaves
 * the keyring, the session and the sync position leave the database.
 */
void
handset_account_logout_async (HandsetAccount *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_account_logout_async);

  if (self->client != NULL && handset_matrix_client_has_access_token (self->client))
    {
      if (self->sync != NULL)
        handset_sync_stop (self->sync);
      handset_matrix_client_set_network_retry_limit (self->client, 1);
      handset_matrix_client_logout_async (self->client, cancellable, server_logout_cb, task);
      return;
    }

  forget_session (self);
  handset_secret_store_clear_async (self->secrets, NULL, clear_secret_cb, task);
}

gboolean
handset_account_logout_finish (HandsetAccount *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
