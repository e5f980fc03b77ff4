/* handset-recovery-set-up.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cross-signing set up for an account without it: three new keys, uploaded
 * (with the account's password where the homeserver asks for it), then a
 * new Secret Storage key, its description and the three private keys
 * encrypted under it, the key made the default last, and this device
 * signed. Keys whose upload went through while their Secret Storage did
 * not are kept on the object, and the next attempt stores those.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-matrix-error.h"
#include "handset-olm.h"
#include "handset-recovery-private.h"
#include "handset-secret-storage.h"

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
  handset_recovery_query_own_keys (task, set_up_done);
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
  handset_recovery_sign_this_device (task, set_up_signed);
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
  g_task_set_task_data (task, job, (GDestroyNotify) handset_recovery_job_free);
  handset_recovery_query_own_keys (task, set_up_keys_cb);
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
