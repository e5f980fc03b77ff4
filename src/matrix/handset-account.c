/* handset-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who we are on Matrix, for one profile: the session kept across restarts
 * (its non-secret half in the profile's database, the access token in the
 * Secret Service), "needs login again" when the server forgets the
 * token, the keyring unlocked on request. Restoring the session is
 * handset-account-restore.c's, logging in and out
 * handset-account-login.c's.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "handset-account-private.h"
#include "handset-crypto-store.h"

G_DEFINE_FINAL_TYPE (HandsetAccount, handset_account, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (HandsetAccountState,
                    handset_account_state,
                    G_DEFINE_ENUM_VALUE (HANDSET_ACCOUNT_STATE_LOGGED_OUT, "logged-out"),
                    G_DEFINE_ENUM_VALUE (HANDSET_ACCOUNT_STATE_RESTORING, "restoring"),
                    G_DEFINE_ENUM_VALUE (HANDSET_ACCOUNT_STATE_LOGGING_IN, "logging-in"),
                    G_DEFINE_ENUM_VALUE (HANDSET_ACCOUNT_STATE_LOGGED_IN, "logged-in"),
                    G_DEFINE_ENUM_VALUE (HANDSET_ACCOUNT_STATE_NEEDS_LOGIN, "needs-login"))

enum
{
  PROP_0,
  PROP_STATE,
  PROP_USER_ID,
  PROP_REMEMBERED,
  PROP_MESSAGE,
  PROP_KEYRING_LOCKED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

void
handset_account_set_state (HandsetAccount *self, HandsetAccountState state)
{
  if (self->state == state)
    return;

  g_debug ("Account state: %d → %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

void
handset_account_set_message (HandsetAccount *self, const char *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;

  g_free (self->message);
  self->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MESSAGE]);
}

void
handset_account_set_remembered (HandsetAccount *self, gboolean remembered)
{
  if (self->remembered == remembered)
    return;

  self->remembered = remembered;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REMEMBERED]);
}

void
handset_account_set_keyring_locked (HandsetAccount *self, gboolean locked)
{
  if (self->keyring_locked == locked)
    return;

  self->keyring_locked = locked;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_KEYRING_LOCKED]);
}

void
handset_account_set_identity (HandsetAccount *self, const char *homeserver, const char *user_id)
{
  if (g_strcmp0 (self->homeserver, homeserver) != 0)
    {
      g_free (self->homeserver);
      self->homeserver = g_strdup (homeserver);
    }
  if (g_strcmp0 (self->user_id, user_id) != 0)
    {
      g_free (self->user_id);
      self->user_id = g_strdup (user_id);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_USER_ID]);
    }
}

static void
client_needs_login_cb (HandsetMatrixClient *client, GParamSpec *pspec, HandsetAccount *self)
{
  if (!handset_matrix_client_get_needs_login (client))
    return;

  if (self->sync != NULL)
    handset_sync_stop (self->sync);
  handset_account_set_message (self, _ ("The homeserver ended this session. Log in again."));
  handset_account_set_state (self, HANDSET_ACCOUNT_STATE_NEEDS_LOGIN);
}

/* Replaces the client (and the sync loop on it) with one for a session. */
void
handset_account_use_client (HandsetAccount *self, HandsetMatrixClient *client)
{
  if (self->sync != NULL)
    handset_sync_stop (self->sync);
  g_clear_object (&self->sync);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  if (client == NULL)
    return;

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::needs-login", G_CALLBACK (client_needs_login_cb), self,
                           G_CONNECT_DEFAULT);
  self->sync = handset_sync_new (client, self->store);
}

static void
handset_account_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetAccount *self = HANDSET_ACCOUNT (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      case PROP_USER_ID:
        g_value_set_string (value, self->user_id);
        break;
      case PROP_REMEMBERED:
        g_value_set_boolean (value, self->remembered);
        break;
      case PROP_MESSAGE:
        g_value_set_string (value, self->message);
        break;
      case PROP_KEYRING_LOCKED:
        g_value_set_boolean (value, self->keyring_locked);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_account_dispose (GObject *object)
{
  HandsetAccount *self = HANDSET_ACCOUNT (object);

  handset_account_use_client (self, NULL);
  g_clear_object (&self->secrets);
  g_clear_object (&self->store);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (handset_account_parent_class)->dispose (object);
}

static void
handset_account_finalize (GObject *object)
{
  HandsetAccount *self = HANDSET_ACCOUNT (object);

  g_free (self->user_id);
  g_free (self->homeserver);
  g_free (self->message);
  g_free (self->replaced_homeserver);
  g_free (self->replaced_user_id);
  g_free (self->replaced_device_id);
  g_free (self->replaced_position);

  G_OBJECT_CLASS (handset_account_parent_class)->finalize (object);
}

static void
handset_account_class_init (HandsetAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_account_get_property;
  object_class->dispose = handset_account_dispose;
  object_class->finalize = handset_account_finalize;

  props[PROP_STATE] = g_param_spec_enum (
      "state", NULL, NULL, HANDSET_TYPE_ACCOUNT_STATE, HANDSET_ACCOUNT_STATE_LOGGED_OUT,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_USER_ID] =
      g_param_spec_string ("user-id", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_REMEMBERED] =
      g_param_spec_boolean ("remembered", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_MESSAGE] =
      g_param_spec_string ("message", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HandsetAccount:keyring-locked:
   *
   * The session is kept, or would be, in a keyring that is locked: it
   * could not be restored, or a login cannot be remembered, until it is
   * unlocked (handset_account_unlock_keyring_async()).
   */
  props[PROP_KEYRING_LOCKED] =
      g_param_spec_boolean ("keyring-locked", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_account_init (HandsetAccount *self)
{
}

/**
 * handset_account_new:
 *
 * Opens the profile's database; nothing talks to the network or the
 * keyring until handset_account_restore_async() or a login.
 */
HandsetAccount *
handset_account_new (HandsetProfile *profile, GError **error)
{
  g_autoptr (HandsetAccount) self = g_object_new (HANDSET_TYPE_ACCOUNT, NULL);
  g_autofree char *path = NULL;

  g_return_val_if_fail (HANDSET_IS_PROFILE (profile), NULL);

  self->profile = g_object_ref (profile);
  if (!handset_profile_ensure_dirs (profile, error))
    return NULL;

  path = g_build_filename (handset_profile_get_data_dir (profile), "handset.db", NULL);
  self->store = handset_store_new (path, error);
  if (self->store == NULL)
    return NULL;

  self->secrets = handset_secret_store_new (handset_profile_get_secret_namespace (profile));

  return g_steal_pointer (&self);
}

/**
 * handset_account_get_saved_user_id:
 *
 * Returns: (transfer full) (nullable): the user of the session the
 *   profile keeps, read from its store, whether or not it is restored
 */
char *
handset_account_get_saved_user_id (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return handset_store_get (self->store, KEY_USER_ID);
}

/**
 * handset_account_get_saved_session:
 * @homeserver: (out) (optional): its homeserver
 * @user_id: (out) (optional): its user
 * @device_id: (out) (optional): its device
 *
 * The session the profile keeps, as its store says now (another process,
 * `handset login`, may have written it since this one read it).
 *
 * Returns: whether there is one
 */
gboolean
handset_account_get_saved_session (HandsetAccount *self,
                                   char **homeserver,
                                   char **user_id,
                                   char **device_id)
{
  g_autofree char *h = NULL;
  g_autofree char *u = NULL;
  g_autofree char *d = NULL;

  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), FALSE);

  h = handset_store_get (self->store, KEY_HOMESERVER);
  u = handset_store_get (self->store, KEY_USER_ID);
  d = handset_store_get (self->store, KEY_DEVICE_ID);
  if (h == NULL || u == NULL || d == NULL)
    return FALSE;
  if (homeserver != NULL)
    *homeserver = g_steal_pointer (&h);
  if (user_id != NULL)
    *user_id = g_steal_pointer (&u);
  if (device_id != NULL)
    *device_id = g_steal_pointer (&d);

  return TRUE;
}

HandsetAccountState
handset_account_get_state (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), HANDSET_ACCOUNT_STATE_LOGGED_OUT);

  return self->state;
}

HandsetProfile *
handset_account_get_profile (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->profile;
}

HandsetStore *
handset_account_get_store (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->store;
}

/**
 * handset_account_get_client:
 *
 * Returns: (transfer none) (nullable): the client of the current session
 */
HandsetMatrixClient *
handset_account_get_client (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->client;
}

/**
 * handset_account_get_sync:
 *
 * The sync loop of the current session, not started: start it once every
 * listener is connected, so none misses the first batch.
 *
 * Returns: (transfer none) (nullable): the sync loop
 */
HandsetSync *
handset_account_get_sync (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->sync;
}

const char *
handset_account_get_user_id (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->user_id;
}

const char *
handset_account_get_homeserver (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->homeserver;
}

/**
 * handset_account_get_remembered:
 *
 * Returns: whether the session will survive a restart
 */
gboolean
handset_account_get_remembered (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), FALSE);

  return self->remembered;
}

/**
 * handset_account_get_message:
 *
 * Returns: (nullable): something the person should know about the
 *   session, such as that it cannot be remembered
 */
const char *
handset_account_get_message (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), NULL);

  return self->message;
}

/**
 * handset_account_get_keyring_locked:
 *
 * Returns: whether the session is, or would be, in a locked keyring
 */
gboolean
handset_account_get_keyring_locked (HandsetAccount *self)
{
  g_return_val_if_fail (HANDSET_IS_ACCOUNT (self), FALSE);

  return self->keyring_locked;
}

/* ------------------------------------------------------------------ the keyring */

static void
unlock_restored_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;

  if (handset_account_restore_finish (HANDSET_ACCOUNT (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                             handset_account_get_message (HANDSET_ACCOUNT (object)));
}

static void
unlock_saved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetAccount *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!handset_secret_store_save_token_finish (HANDSET_SECRET_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  handset_account_set_remembered (self, TRUE);
  handset_account_set_keyring_locked (self, FALSE);
  handset_account_set_message (self, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
unlocked_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetAccount *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!handset_secret_store_unlock_finish (HANDSET_SECRET_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* Unlocked: what could not be done, done now. */
  cancellable = g_task_get_cancellable (task);
  if (self->state == HANDSET_ACCOUNT_STATE_NEEDS_LOGIN)
    handset_account_restore_async (self, cancellable, unlock_restored_cb, g_steal_pointer (&task));
  else if (self->state == HANDSET_ACCOUNT_STATE_LOGGED_IN && !self->remembered &&
           self->client != NULL)
    handset_secret_store_save_token_async (self->secrets, self->homeserver, self->user_id,
                                           handset_matrix_client_get_device_id (self->client),
                                           handset_matrix_client_get_access_token (self->client),
                                           cancellable, unlock_saved_cb, g_steal_pointer (&task));
  else
    {
      handset_account_set_keyring_locked (self, FALSE);
      g_task_return_boolean (task, TRUE);
    }
}

/**
 * handset_account_unlock_keyring_async:
 *
 * Unlocks the keyring (the desktop asks for its password), then restores
 * the session it keeps, or remembers the session of this run in it.
 */
void
handset_account_unlock_keyring_async (HandsetAccount *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_account_unlock_keyring_async);
  handset_secret_store_unlock_async (self->secrets, cancellable, unlocked_cb, task);
}

gboolean
handset_account_unlock_keyring_finish (HandsetAccount *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
