/* handset-recovery.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This device in its user's identity. An account with cross-signing keeps
 * the private keys in Secret Storage (account data, encrypted under the
 * key the recovery key is); with the recovery key this device reads the
 * self-signing key and signs itself. An account without cross-signing gets
 * it here: three new keys, uploaded, kept in a new Secret Storage whose
 * recovery key is shown once. The private keys live in memory for as long
 * as that takes and are never written to disk.
 *
 * This file holds the object, its state, the steps the others are made of
 * (our own keys asked for, account data and the default Secret Storage key
 * read, this device signed) and the refresh; verifying this device is in
 * handset-recovery-verify.c, setting cross-signing up in
 * handset-recovery-set-up.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "handset-device-keys.h"
#include "handset-json.h"
#include "handset-matrix-error.h"
#include "handset-olm.h"
#include "handset-recovery-private.h"
#include "handset-secret-storage.h"
#include "handset-signing-keys.h"

/* How long to wait for this device's own keys to reach the server. */
#define OWN_KEYS_ATTEMPTS 20
#define OWN_KEYS_RETRY_MS 500

G_DEFINE_FINAL_TYPE (HandsetRecovery, handset_recovery, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

void
handset_recovery_job_free (Job *job)
{
  handset_wipe_string (job->input);
  handset_wipe_string (job->password);
  g_free (job->key_id);
  g_clear_pointer (&job->description, json_object_unref);
  if (job->key != NULL)
    {
      handset_wipe (job->key, HANDSET_SECRET_STORAGE_KEY_SIZE);
      g_free (job->key);
    }
  g_clear_pointer (&job->keys, handset_signing_keys_free);
  g_free (job);
}

static void
set_state (HandsetRecovery *self, HandsetRecoveryState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
handset_recovery_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetRecovery *self = HANDSET_RECOVERY (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_int (value, self->state);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_recovery_finalize (GObject *object)
{
  HandsetRecovery *self = HANDSET_RECOVERY (object);

  g_clear_object (&self->client);
  g_clear_object (&self->encryption);
  g_clear_pointer (&self->uploaded_keys, handset_signing_keys_free);

  G_OBJECT_CLASS (handset_recovery_parent_class)->finalize (object);
}

static void
handset_recovery_class_init (HandsetRecoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_recovery_get_property;
  object_class->finalize = handset_recovery_finalize;

  /**
   * HandsetRecovery:state:
   *
   * Where this device stands (a #HandsetRecoveryState).
   */
  props[PROP_STATE] =
      g_param_spec_int ("state", NULL, NULL, HANDSET_RECOVERY_STATE_UNKNOWN,
                        HANDSET_RECOVERY_STATE_VERIFIED, HANDSET_RECOVERY_STATE_UNKNOWN,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_recovery_init (HandsetRecovery *self)
{
}

HandsetRecovery *
handset_recovery_new (HandsetMatrixClient *client, HandsetEncryption *encryption)
{
  HandsetRecovery *self = g_object_new (HANDSET_TYPE_RECOVERY, NULL);

  self->client = g_object_ref (client);
  self->encryption = g_object_ref (encryption);

  return self;
}

HandsetRecoveryState
handset_recovery_get_state (HandsetRecovery *self)
{
  g_return_val_if_fail (HANDSET_IS_RECOVERY (self), HANDSET_RECOVERY_STATE_UNKNOWN);
  return self->state;
}

/**
 * handset_recovery_get_uses_passphrase:
 *
 * Returns: whether the account's recovery key can also be given as a
 *   passphrase (known after a refresh)
 */
gboolean
handset_recovery_get_uses_passphrase (HandsetRecovery *self)
{
  g_return_val_if_fail (HANDSET_IS_RECOVERY (self), FALSE);
  return self->uses_passphrase;
}

static HandsetCryptoMachine *
machine_of (HandsetRecovery *self, GError **error)
{
  HandsetCryptoMachine *machine = handset_encryption_get_machine (self->encryption);

  if (machine == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                         _ ("End-to-end encryption is not running on this device"));
  return machine;
}

static void
update_state (HandsetRecovery *self)
{
  HandsetCryptoMachine *machine = handset_encryption_get_machine (self->encryption);
  const char *user_id = handset_matrix_client_get_user_id (self->client);
  const char *master = NULL, *self_signing = NULL;

  if (machine == NULL)
    {
      set_state (self, HANDSET_RECOVERY_STATE_UNKNOWN);
      return;
    }
  handset_crypto_machine_get_cross_signing_keys (machine, user_id, &master, &self_signing, NULL);
  if (master == NULL || self_signing == NULL)
    set_state (self, HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING);
  else if (handset_crypto_machine_get_own_device_cross_signed (machine))
    set_state (self, HANDSET_RECOVERY_STATE_VERIFIED);
  else
    set_state (self, HANDSET_RECOVERY_STATE_NOT_VERIFIED);
}

/* ------------------------------------------------------------ steps */

static void query_own_keys_now (GTask *task);

static gboolean
query_again_cb (gpointer user_data)
{
  query_own_keys_now (user_data);
  return G_SOURCE_REMOVE;
}

static void
query_own_keys_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  HandsetRecovery *self = g_task_get_source_object (task);
  StepFunc next = g_object_get_data (G_OBJECT (task), "next");
  guint attempts = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "attempts"));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer = NULL;
  HandsetCryptoMachine *machine;
  const char *asked[] = { handset_matrix_client_get_user_id (self->client), NULL };

  answer = handset_matrix_client_query_keys_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  machine = machine_of (self, &error);
  if (machine == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  handset_crypto_machine_receive_keys_query (machine, asked, answer);
  /* A device that has just started may not have published its keys yet:
   * nothing could sign them. */
  if (handset_crypto_machine_get_device (machine, asked[0],
                                         handset_crypto_machine_get_device_id (machine)) == NULL)
    {
      if (attempts >= OWN_KEYS_ATTEMPTS)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   _ ("This device's keys are not on the homeserver yet. Try "
                                      "again in a moment."));
          return;
        }
      g_object_set_data (G_OBJECT (task), "attempts", GUINT_TO_POINTER (attempts + 1));
      g_timeout_add (OWN_KEYS_RETRY_MS, query_again_cb, g_steal_pointer (&task));
      return;
    }
  update_state (self);
  next (g_steal_pointer (&task));
}

static void
query_own_keys_now (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  const char *users[] = { handset_matrix_client_get_user_id (self->client), NULL };

  handset_matrix_client_query_keys_async (self->client, users, g_task_get_cancellable (task),
                                          query_own_keys_cb, task);
}

static void
encryption_started_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!handset_encryption_start_finish (HANDSET_ENCRYPTION (object), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  query_own_keys_now (task);
}

/* Once the encryption runs, asks the server for our own keys, then goes
 * on with @next. */
void
handset_recovery_query_own_keys (GTask *task, StepFunc next)
{
  HandsetRecovery *self = g_task_get_source_object (task);

  g_object_set_data (G_OBJECT (task), "next", next);
  g_object_set_data (G_OBJECT (task), "attempts", GUINT_TO_POINTER (0));
  handset_encryption_start_async (self->encryption, g_task_get_cancellable (task),
                                  encryption_started_cb, task);
}

static void
account_data_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StepFunc next = g_object_get_data (G_OBJECT (task), "next");
  g_autoptr (GError) error = NULL;
  JsonObject *content;

  content = handset_matrix_client_get_account_data_finish (HANDSET_MATRIX_CLIENT (object), result,
                                                           &error);
  if (content == NULL &&
      !g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* NULL when there is none. */
  g_object_set_data_full (G_OBJECT (task), "content", content,
                          content ? (GDestroyNotify) json_object_unref : NULL);
  next (g_steal_pointer (&task));
}

/* Reads account data of @type into the task's "content", then @next. */
void
handset_recovery_get_account_data (GTask *task, const char *type, StepFunc next)
{
  HandsetRecovery *self = g_task_get_source_object (task);

  g_object_set_data (G_OBJECT (task), "next", next);
  handset_matrix_client_get_account_data_async (self->client, type, g_task_get_cancellable (task),
                                                account_data_cb, task);
}

JsonObject *
handset_recovery_task_content (GTask *task)
{
  return g_object_get_data (G_OBJECT (task), "content");
}

/* The account's default Secret Storage key: its ID, then its description. */
static void default_key_description_cb (GTask *task);

static void
default_key_id_cb (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  const char *key_id = handset_json_get_string (handset_recovery_task_content (task), "key");
  g_autofree char *type = NULL;

  if (key_id == NULL || *key_id == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("This account has no recovery key. Set up recovery from a "
                                  "device that is already verified, or reset it."));
      g_object_unref (task);
      return;
    }
  job->key_id = g_strdup (key_id);
  type = g_strconcat ("m.secret_storage.key.", key_id, NULL);
  handset_recovery_get_account_data (task, type, default_key_description_cb);
}

static void
default_key_description_cb (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  StepFunc next = g_object_get_data (G_OBJECT (task), "after-description");
  JsonObject *description = handset_recovery_task_content (task);

  if (description == NULL ||
      g_strcmp0 (handset_json_get_string (description, "algorithm"), SECRET_STORAGE_ALGORITHM) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _ ("This account's recovery key is of a kind Handset does not "
                                  "know"));
      g_object_unref (task);
      return;
    }
  job->description = json_object_ref (description);
  next (task);
}

/* Reads the account's default Secret Storage key into the job (its ID and
 * description), then @next. */
void
handset_recovery_read_default_key (GTask *task, StepFunc next)
{
  g_object_set_data (G_OBJECT (task), "after-description", next);
  handset_recovery_get_account_data (task, DEFAULT_KEY_TYPE, default_key_id_cb);
}

/* ------------------------------------------------------------ refresh */

static void
refresh_description_cb (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  self->uses_passphrase = handset_json_get_object (job->description, "passphrase") != NULL;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
refresh_keys_cb (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);

  if (self->state != HANDSET_RECOVERY_STATE_NOT_VERIFIED)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  handset_recovery_read_default_key (task, refresh_description_cb);
}

/**
 * handset_recovery_refresh_async:
 *
 * Asks the server for this account's cross-signing keys and where this
 * device stands; #HandsetRecovery:state says the answer.
 */
void
handset_recovery_refresh_async (HandsetRecovery *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_recovery_refresh_async);
  g_task_set_task_data (task, g_new0 (Job, 1), (GDestroyNotify) handset_recovery_job_free);
  handset_recovery_query_own_keys (task, refresh_keys_cb);
}

gboolean
handset_recovery_refresh_finish (HandsetRecovery *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------ signing this device */

static void
signatures_uploaded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StepFunc next = g_object_get_data (G_OBJECT (task), "next");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer = NULL;
  JsonObject *failures;

  answer =
      handset_matrix_client_keys_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  failures = handset_json_get_object (answer, "failures");
  if (failures != NULL && json_object_get_size (failures) > 0)
    {
      g_autofree char *text =
          json_to_string (json_node_init_object (json_node_alloc (), failures), FALSE);

      g_message ("The homeserver refused this device's cross-signature: %s", text);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _ ("The homeserver refused this device's signature"));
      return;
    }
  next (g_steal_pointer (&task));
}

/* Signs this device's keys with the self-signing key and uploads the
 * signature, then @next. */
void
handset_recovery_sign_this_device (GTask *task, StepFunc next)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) device_keys = NULL;
  g_autoptr (JsonObject) body = json_object_new ();
  JsonObject *of_user = json_object_new ();
  HandsetCryptoMachine *machine = machine_of (self, &error);

  if (machine == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  device_keys = handset_crypto_machine_build_device_keys (machine);
  if (!handset_signing_keys_sign (job->keys, HANDSET_SIGNING_KEY_SELF_SIGNING, device_keys, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  json_object_set_object_member (of_user, handset_crypto_machine_get_device_id (machine),
                                 g_steal_pointer (&device_keys));
  json_object_set_object_member (body, handset_matrix_client_get_user_id (self->client), of_user);
  g_object_set_data (G_OBJECT (task), "next", next);
  handset_matrix_client_keys_request_async (self->client, "signatures/upload", body,
                                            g_task_get_cancellable (task), signatures_uploaded_cb,
                                            task);
}
