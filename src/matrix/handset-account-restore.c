/* handset-account-restore.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session kept in the store and its token in the keyring, restored
 * without the network: at start-up, or when `handset login` in another
 * process hands a new one over (its token then looked for again a few
 * times, as it may be listed a moment late). Only the latest restore may
 * finish one.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "handset-account-private.h"

/* A session handed over by `handset login` in another process is in the
 * keyring before the handover is asked for; a lookup that does not find
 * it yet is made again, this often, this long apart, before the restore
 * gives up. */
#define HANDED_OVER_LOOKUPS   15
#define HANDED_OVER_LOOKUP_MS 200

/* A restore: which one it is, the session it read, and how many more
 * times a token not found is looked for. */
typedef struct
{
  guint generation;
  char *homeserver;
  char *user_id;
  char *device_id;
  guint lookups_left;
} Restore;

static void
restore_free (Restore *restore)
{
  g_free (restore->homeserver);
  g_free (restore->user_id);
  g_free (restore->device_id);
  g_free (restore);
}

static void restore_token_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static gboolean
look_again (gpointer user_data)
{
  GTask *task = user_data;
  HandsetAccount *self = g_task_get_source_object (task);
  Restore *restore = g_task_get_task_data (task);

  /* Superseded, or the account is going. */
  if (restore->generation != self->restore_generation || self->secrets == NULL)
    {
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  handset_secret_store_load_token_async (self->secrets, restore->homeserver, restore->user_id,
                                         restore->device_id, g_task_get_cancellable (task),
                                         restore_token_cb, task);
  return G_SOURCE_REMOVE;
}

static void
restore_token_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetAccount *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  Restore *restore = g_task_get_task_data (task);
  char *token;

  token = handset_secret_store_load_token_finish (HANDSET_SECRET_STORE (object), result, &error);
  /* A later restore (another login handed over) has begun: this one
   * changes nothing. */
  if (restore->generation != self->restore_generation)
    {
      if (token != NULL)
        secret_password_free (token);
      g_task_return_boolean (task, FALSE);
      return;
    }
  if (token == NULL && restore->lookups_left > 0 &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      restore->lookups_left--;
      g_debug ("The token of device %s is not in the keyring yet; looking again",
               restore->device_id);
      g_timeout_add (HANDED_OVER_LOOKUP_MS, look_again, g_steal_pointer (&task));
      return;
    }
  if (token == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* The session is known but its token is not: log in again, with the
       * Matrix ID already filled in; or unlock the keyring that has it. */
      g_message ("Session of %s (device %s) not restored: %s", self->user_id, restore->device_id,
                 error->message);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        {
          g_autofree char *message = g_strdup_printf (
              _ ("The keyring that keeps the login of %s is locked. Unlock it, or log in "
                 "again."),
              self->user_id);

          handset_account_set_keyring_locked (self, TRUE);
          handset_account_set_message (self, message);
        }
      else
        handset_account_set_message (self, error->message);
      handset_account_set_state (self, HANDSET_ACCOUNT_STATE_NEEDS_LOGIN);
      g_task_return_boolean (task, FALSE);
      return;
    }

  /* The device whose token this is: the store may name another by now
   * (`handset login` in another process writes it). */
  client = handset_matrix_client_new (self->homeserver);
  handset_matrix_client_set_session (client, self->user_id, restore->device_id, token);
  secret_password_free (token);

  handset_account_use_client (self, client);
  handset_account_set_remembered (self, TRUE);
  handset_account_set_keyring_locked (self, FALSE);
  handset_account_set_message (self, NULL);
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGED_IN);
  g_task_return_boolean (task, TRUE);
}

static void
restore_start (HandsetAccount *self,
               guint lookups,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *homeserver = handset_store_get (self->store, KEY_HOMESERVER);
  g_autofree char *user_id = handset_store_get (self->store, KEY_USER_ID);
  g_autofree char *device_id = handset_store_get (self->store, KEY_DEVICE_ID);

  Restore *restore = g_new0 (Restore, 1);

  g_task_set_source_tag (task, handset_account_restore_async);
  restore->generation = ++self->restore_generation;
  restore->homeserver = g_strdup (homeserver);
  restore->user_id = g_strdup (user_id);
  restore->device_id = g_strdup (device_id);
  restore->lookups_left = lookups;
  g_task_set_task_data (task, restore, (GDestroyNotify) restore_free);

  if (homeserver == NULL || user_id == NULL || device_id == NULL)
    {
      handset_account_set_state (self, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
      return;
    }

  g_debug ("Restoring the session of %s (device %s)", user_id, device_id);
  /* The session this one follows (a login handed over replaces it) says
   * nothing more: a request of its that the homeserver refuses now must
   * not end the restore's session. */
  handset_account_use_client (self, NULL);
  handset_account_set_identity (self, homeserver, user_id);
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_RESTORING);
  handset_secret_store_load_token_async (self->secrets, homeserver, user_id, device_id, cancellable,
                                         restore_token_cb, task);
}

/**
 * handset_account_restore_async:
 *
 * Restores the session of the last run, without the network: a token the
 * server has since forgotten shows up at the first request.
 */
void
handset_account_restore_async (HandsetAccount *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  restore_start (self, 0, cancellable, callback, user_data);
}

/**
 * handset_account_restore_handed_over_async:
 *
 * Restores the session that `handset login` in another process wrote
 * down and handed over: its token is in the keyring already, so one the
 * keyring does not list at once is looked for again for a few seconds
 * before the restore gives up (finished with handset_account_restore_finish()).
 */
void
handset_account_restore_handed_over_async (HandsetAccount *self,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  restore_start (self, HANDED_OVER_LOOKUPS, cancellable, callback, user_data);
}

/**
 * handset_account_restore_finish:
 *
 * Returns: %TRUE when a session was restored
 */
gboolean
handset_account_restore_finish (HandsetAccount *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_account_get_secret_store:
 *
 * Returns: (transfer none): the profile's keyring items
 */
HandsetSecretStore *
handset_account_get_secret_store (HandsetAccount *self)
{
  return self->secrets;
}
