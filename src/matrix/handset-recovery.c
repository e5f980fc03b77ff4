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
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "handset-device-keys.h"
#include "handset-json.h"
#include "handset-matrix-error.h"
#include "handset-olm.h"
#include "handset-recovery.h"
#include "handset-secret-storage.h"
#include "handset-signing-keys.h"

#define SECRET_STORAGE_ALGORITHM "m.secret_storage.v1.aes-hmac-sha2"
#define DEFAULT_KEY_TYPE         "m.secret_storage.default_key"
/* How long to wait for this device's own keys to reach the server. */
#define OWN_KEYS_ATTEMPTS 20
#define OWN_KEYS_RETRY_MS 500

struct _HandsetRecovery
{
  GObject parent_instance;

  HandsetMatrixClient *client;
  HandsetEncryption *encryption;
  HandsetRecoveryState state;
  gboolean uses_passphrase;
  /* Keys made by a set-up whose upload went through but whose Secret
   * Storage did not: the next attempt stores these, not new ones. */
  HandsetSigningKeys *uploaded_keys;
};

G_DEFINE_FINAL_TYPE (HandsetRecovery, handset_recovery, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* One verification or set-up, step by step. */
typedef struct
{
  guint step;
  char *input; /* the recovery key or passphrase */
  char *password;
  char *key_id;
  JsonObject *description;
  guint8 *key; /* the Secret Storage key */
  HandsetSigningKeys *keys;
  guint n_pending;
  gboolean from_passphrase; /* the key was derived from what was typed */
} Job;

static void
job_free (Job *job)
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

typedef void (*StepFunc) (GTask *task);

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
static void
query_own_keys (GTask *task, StepFunc next)
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
static void
get_account_data (GTask *task, const char *type, StepFunc next)
{
  HandsetRecovery *self = g_task_get_source_object (task);

  g_object_set_data (G_OBJECT (task), "next", next);
  handset_matrix_client_get_account_data_async (self->client, type, g_task_get_cancellable (task),
                                                account_data_cb, task);
}

static JsonObject *
task_content (GTask *task)
{
  return g_object_get_data (G_OBJECT (task), "content");
}

/* The account's default Secret Storage key: its ID, then its description. */
static void default_key_description_cb (GTask *task);

static void
default_key_id_cb (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  const char *key_id = handset_json_get_string (task_content (task), "key");
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
  get_account_data (task, type, default_key_description_cb);
}

static void
default_key_description_cb (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  StepFunc next = g_object_get_data (G_OBJECT (task), "after-description");
  JsonObject *description = task_content (task);

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

static void
read_default_key (GTask *task, StepFunc next)
{
  g_object_set_data (G_OBJECT (task), "after-description", next);
  get_account_data (task, DEFAULT_KEY_TYPE, default_key_id_cb);
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
  read_default_key (task, refresh_description_cb);
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
  g_task_set_task_data (task, g_new0 (Job, 1), (GDestroyNotify) job_free);
  query_own_keys (task, refresh_keys_cb);
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
static void
sign_this_device (GTask *task, StepFunc next)
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

/* ------------------------------------------------------------ verify */

static void
verify_done (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);

  if (self->state != HANDSET_RECOVERY_STATE_VERIFIED)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             _ ("The homeserver did not keep this device's signature"));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
verify_signed (GTask *task)
{
  query_own_keys (task, verify_done);
}

static void
verify_secret_cb (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  JsonObject *encrypted = handset_json_get_object (
      handset_json_get_object (task_content (task), "encrypted"), job->key_id);
  const char *name = handset_signing_key_secret_name (HANDSET_SIGNING_KEY_SELF_SIGNING);
  const char *expected = NULL;
  g_autoptr (GError) error = NULL;
  char *secret;

  if (encrypted == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("The account's recovery does not hold its self-signing key"));
      g_object_unref (task);
      return;
    }
  secret =
      handset_secret_storage_decrypt (job->key, name, handset_json_get_string (encrypted, "iv"),
                                      handset_json_get_string (encrypted, "ciphertext"),
                                      handset_json_get_string (encrypted, "mac"), &error);
  if (secret != NULL)
    {
      handset_crypto_machine_get_cross_signing_keys (
          handset_encryption_get_machine (self->encryption),
          handset_matrix_client_get_user_id (self->client), NULL, &expected, NULL);
      job->keys = handset_signing_keys_new (handset_matrix_client_get_user_id (self->client));
      handset_signing_keys_set_secret (job->keys, HANDSET_SIGNING_KEY_SELF_SIGNING, secret,
                                       expected, &error);
      handset_wipe_string (secret);
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  sign_this_device (task, verify_signed);
}

static void
verify_key_ready (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!handset_secret_storage_check_key (job->key, handset_json_get_string (job->description, "iv"),
                                         handset_json_get_string (job->description, "mac"), &error))
    {
      /* What was typed was taken as the passphrase: say that. */
      if (job->from_passphrase &&
          g_error_matches (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,
                               _ ("This is neither the recovery key nor the passphrase of this "
                                  "account"));
        }
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  get_account_data (task, handset_signing_key_secret_name (HANDSET_SIGNING_KEY_SELF_SIGNING),
                    verify_secret_cb);
}

static void
derive_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  JsonObject *passphrase = handset_json_get_object (job->description, "passphrase");
  gint64 iterations = 0;
  GError *error = NULL;

  handset_json_get_int (passphrase, "iterations", &iterations);
  job->key = handset_secret_storage_key_from_passphrase (
      job->input, handset_json_get_string (passphrase, "salt"),
      iterations > 0 && iterations <= G_MAXUINT ? (guint) iterations : 0, &error);
  if (job->key == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
derived_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  verify_key_ready (task);
}

static void
verify_description_cb (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  JsonObject *passphrase = handset_json_get_object (job->description, "passphrase");
  g_autoptr (GError) error = NULL;

  job->key = handset_recovery_key_decode (job->input, &error);
  if (job->key != NULL)
    {
      verify_key_ready (task);
      return;
    }
  /* Not a recovery key: a passphrase, where the account has one. */
  if (passphrase != NULL &&
      g_strcmp0 (handset_json_get_string (passphrase, "algorithm"), "m.pbkdf2") == 0)
    {
      GTask *derive = g_task_new (NULL, g_task_get_cancellable (task), derived_cb, task);

      job->from_passphrase = TRUE;
      g_task_set_task_data (derive, job, NULL);
      g_task_run_in_thread (derive, derive_thread);
      g_object_unref (derive);
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

static void
verify_keys_cb (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);

  if (self->state == HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _ ("This account has no cross-signing yet: set it up first"));
      g_object_unref (task);
      return;
    }
  read_default_key (task, verify_description_cb);
}

/**
 * handset_recovery_verify_async:
 * @recovery_key: the recovery key (spaces allowed), or the passphrase
 *   where the account has one
 *
 * Reads the self-signing key from Secret Storage with @recovery_key,
 * checks it against the published one and signs this device with it. A
 * wrong key fails with %HANDSET_CRYPTO_ERROR_BAD_SIGNATURE and may be
 * tried again.
 */
void
handset_recovery_verify_async (HandsetRecovery *self,
                               const char *recovery_key,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, handset_recovery_verify_async);
  job->input = g_strstrip (g_strdup (recovery_key ? recovery_key : ""));
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  query_own_keys (task, verify_keys_cb);
}

gboolean
handset_recovery_verify_finish (HandsetRecovery *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------ set up */

static void
set_up_done (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  if (self->state != HANDSET_RECOVERY_STATE_VERIFIED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _ ("The homeserver did not keep this device's signature"));
      g_object_unref (task);
      return;
    }
  g_task_return_pointer (task, handset_recovery_key_encode (job->key), g_free);
  g_object_unref (task);
}

static void
set_up_signed (GTask *task)
{
  query_own_keys (task, set_up_done);
}

static void
stored_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  job->n_pending--;
  if (!handset_matrix_client_set_account_data_finish (HANDSET_MATRIX_CLIENT (object), result,
                                                      &error) &&
      g_object_get_data (G_OBJECT (task), "error") == NULL)
    g_object_set_data_full (G_OBJECT (task), "error", g_steal_pointer (&error),
                            (GDestroyNotify) g_error_free);
  if (job->n_pending > 0)
    return;
  if (g_object_get_data (G_OBJECT (task), "error") != NULL)
    {
      GError *first = g_object_steal_data (G_OBJECT (task), "error");

      g_task_return_error (task, first);
      g_object_unref (task);
      return;
    }
  if (g_object_get_data (G_OBJECT (task), "default-key-set") == NULL)
    {
      /* Last, the default key: only now does the account's recovery
       * hold all three keys. */
      g_autoptr (JsonObject) content = json_object_new ();

      g_object_set_data (G_OBJECT (task), "default-key-set", GINT_TO_POINTER (TRUE));
      json_object_set_string_member (content, "key", job->key_id);
      job->n_pending = 1;
      handset_matrix_client_set_account_data_async (self->client, DEFAULT_KEY_TYPE, content,
                                                    g_task_get_cancellable (task), stored_cb, task);
      return;
    }
  /* Stored: the keys need no keeping any more. */
  g_clear_pointer (&self->uploaded_keys, handset_signing_keys_free);
  sign_this_device (task, set_up_signed);
}

static void
put (GTask *task, const char *type, JsonObject *content)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job->n_pending++;
  handset_matrix_client_set_account_data_async (self->client, type, content,
                                                g_task_get_cancellable (task), stored_cb, task);
}

/* A new Secret Storage key, its description and the three private keys
 * encrypted under it. */
static void
store_secrets (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  g_autoptr (JsonObject) description = json_object_new ();
  g_autofree char *type = NULL;
  g_autofree char *iv = NULL, *mac = NULL;
  guint8 id_bytes[24];

  job->key = g_malloc (HANDSET_SECRET_STORAGE_KEY_SIZE);
  handset_olm_random_bytes (job->key, HANDSET_SECRET_STORAGE_KEY_SIZE);
  handset_olm_random_bytes (id_bytes, sizeof id_bytes);
  job->key_id = g_base64_encode (id_bytes, sizeof id_bytes);
  g_strdelimit (job->key_id, "+/=", 'A');
  handset_secret_storage_make_check (job->key, &iv, &mac);
  json_object_set_string_member (description, "algorithm", SECRET_STORAGE_ALGORITHM);
  json_object_set_string_member (description, "iv", iv);
  json_object_set_string_member (description, "mac", mac);
  type = g_strconcat ("m.secret_storage.key.", job->key_id, NULL);
  put (task, type, description);

  for (guint usage = 0; usage < HANDSET_SIGNING_KEY_N; usage++)
    {
      const char *name = handset_signing_key_secret_name (usage);
      g_autoptr (JsonObject) content = json_object_new ();
      JsonObject *encrypted = json_object_new ();
      JsonObject *entry = json_object_new ();
      char *secret = handset_signing_keys_get_secret (job->keys, usage);
      g_autofree char *s_iv = NULL, *s_ciphertext = NULL, *s_mac = NULL;

      handset_secret_storage_encrypt (job->key, name, secret, &s_iv, &s_ciphertext, &s_mac);
      handset_wipe_string (secret);
      json_object_set_string_member (entry, "iv", s_iv);
      json_object_set_string_member (entry, "ciphertext", s_ciphertext);
      json_object_set_string_member (entry, "mac", s_mac);
      json_object_set_object_member (encrypted, job->key_id, entry);
      json_object_set_object_member (content, "encrypted", encrypted);
      put (task, name, content);
    }
}

static JsonObject *
password_auth (HandsetRecovery *self, const char *password)
{
  JsonObject *auth = json_object_new ();
  JsonObject *identifier = json_object_new ();

  json_object_set_string_member (identifier, "type", "m.id.user");
  json_object_set_string_member (identifier, "user",
                                 handset_matrix_client_get_user_id (self->client));
  json_object_set_string_member (auth, "type", "m.login.password");
  json_object_set_object_member (auth, "identifier", identifier);
  json_object_set_string_member (auth, "password", password);

  return auth;
}

static void
keys_uploaded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer = NULL;

  answer =
      handset_matrix_client_keys_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_AUTH_REQUIRED) &&
          job->password == NULL)
        {
          g_clear_error (&error);
          g_set_error_literal (&error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_AUTH_REQUIRED,
                               _ ("Your homeserver asks for your password to set up "
                                  "cross-signing"));
        }
      else if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_AUTH_REQUIRED) ||
               g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_FORBIDDEN))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_FORBIDDEN,
                               _ ("The password is not right"));
        }
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  /* Published: kept in memory until Secret Storage holds them. */
  g_clear_pointer (&self->uploaded_keys, handset_signing_keys_free);
  self->uploaded_keys = handset_signing_keys_copy (job->keys);
  store_secrets (task);
}

static void
upload_keys (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr (JsonObject) body = json_object_new ();
  static const char *const members[] = { "master_key", "self_signing_key", "user_signing_key" };

  for (guint usage = 0; usage < HANDSET_SIGNING_KEY_N; usage++)
    json_object_set_object_member (body, members[usage],
                                   handset_signing_keys_build_public (job->keys, usage, NULL));
  if (job->password != NULL)
    json_object_set_object_member (body, "auth", password_auth (self, job->password));
  handset_matrix_client_keys_request_async (self->client, "device_signing/upload", body,
                                            g_task_get_cancellable (task), keys_uploaded_cb, task);
}

static void
set_up_keys_cb (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  const char *master = NULL;

  handset_crypto_machine_get_cross_signing_keys (handset_encryption_get_machine (self->encryption),
                                                 handset_matrix_client_get_user_id (self->client),
                                                 &master, NULL, NULL);
  /* Published by an attempt whose Secret Storage failed: store those. */
  if (self->uploaded_keys != NULL && master != NULL &&
      g_strcmp0 (master, handset_signing_keys_get_public (self->uploaded_keys,
                                                          HANDSET_SIGNING_KEY_MASTER)) == 0)
    {
      job->keys = handset_signing_keys_copy (self->uploaded_keys);
      store_secrets (task);
      return;
    }
  if (self->state != HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _ ("This account already has cross-signing: verify this device "
                                  "with its recovery key"));
      g_object_unref (task);
      return;
    }
  job->keys = handset_signing_keys_generate (handset_matrix_client_get_user_id (self->client));
  upload_keys (task);
}

/**
 * handset_recovery_set_up_async:
 * @password: (nullable): the account's password, where the homeserver
 *   asks for it (%HANDSET_MATRIX_ERROR_AUTH_REQUIRED without it)
 *
 * Sets up cross-signing for an account that has none: three new keys,
 * published; a new Secret Storage holding them; this device signed.
 * Finishes with the new recovery key, to be shown once.
 */
void
handset_recovery_set_up_async (HandsetRecovery *self,
                               const char *password,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, handset_recovery_set_up_async);
  job->password = g_strdup (password);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  query_own_keys (task, set_up_keys_cb);
}

/**
 * handset_recovery_set_up_finish:
 *
 * Returns: (transfer full): the new recovery key, in groups of four
 */
char *
handset_recovery_set_up_finish (HandsetRecovery *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
