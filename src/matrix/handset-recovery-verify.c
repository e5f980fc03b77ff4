/* handset-recovery-verify.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This device verified with the account's recovery key, or its passphrase
 * where it has one (the key derived from it in a thread): the key checked
 * against the default Secret Storage key's description, the self-signing
 * key read from Secret Storage and checked against the published one, this
 * device signed with it, and the signature looked for on the server.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-json.h"
#include "handset-olm.h"
#include "handset-recovery-private.h"
#include "handset-secret-storage.h"

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
  handset_recovery_query_own_keys (task, verify_done);
}

static void
verify_secret_cb (GTask *task)
{
  HandsetRecovery *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  JsonObject *encrypted = handset_json_get_object (
      handset_json_get_object (handset_recovery_task_content (task), "encrypted"), job->key_id);
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
  handset_recovery_sign_this_device (task, verify_signed);
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
  handset_recovery_get_account_data (
      task, handset_signing_key_secret_name (HANDSET_SIGNING_KEY_SELF_SIGNING), verify_secret_cb);
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
  handset_recovery_read_default_key (task, verify_description_cb);
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
  g_task_set_task_data (task, job, (GDestroyNotify) handset_recovery_job_free);
  handset_recovery_query_own_keys (task, verify_keys_cb);
}

gboolean
handset_recovery_verify_finish (HandsetRecovery *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
