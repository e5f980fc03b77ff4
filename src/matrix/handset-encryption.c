/* handset-encryption.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * End-to-end encryption for one logged-in device: the I/O around the
 * crypto machine. It opens the machine with the pickle key from the
 * keyring, publishes the device's keys, fetches other devices' keys,
 * claims one-time keys, sends room keys, and encrypts every event sent
 * into an encrypted room. On the way in, it decrypts, so the layers above
 * see clear events marked with how they came.
 *
 * This file has the object, its start and the key work (upload, query,
 * claim); decrypting is in handset-encryption-incoming.c, sending in
 * handset-encryption-outgoing.c.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-encryption-private.h"

G_DEFINE_FINAL_TYPE (HandsetEncryption, handset_encryption, G_TYPE_OBJECT)

guint handset_encryption_signals[N_SIGNALS];

void
handset_encryption_pending_free (Pending *pending)
{
  g_free (pending->room_id);
  json_object_unref (pending->event);
  g_free (pending->encryption.sender_device);
  g_free (pending);
}

void
handset_encryption_send_job_free (SendJob *job)
{
  g_free (job->room_id);
  g_free (job->type);
  g_clear_pointer (&job->content, json_object_unref);
  g_clear_object (&job->task);
  g_free (job);
}

void
handset_encryption_queue_free (GQueue *queue)
{
  g_queue_free_full (queue, (GDestroyNotify) handset_encryption_send_job_free);
}

/* ------------------------------------------------------------ object */

static void
handset_encryption_dispose (GObject *object)
{
  HandsetEncryption *self = HANDSET_ENCRYPTION (object);

  handset_encryption_stop (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->machine);
  g_clear_object (&self->client);
  g_clear_object (&self->rooms);
  g_clear_object (&self->secrets);
  g_clear_object (&self->store);
  g_clear_pointer (&self->queues, g_hash_table_unref);
  g_clear_pointer (&self->busy, g_hash_table_unref);

  G_OBJECT_CLASS (handset_encryption_parent_class)->dispose (object);
}

static void
handset_encryption_class_init (HandsetEncryptionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_encryption_dispose;

  /**
   * HandsetEncryption::late-batch:
   * @batch: room events decrypted after the batch they came in, as a
   *   batch of their own whose time is that of the batch they came in
   */
  handset_encryption_signals[SIGNAL_LATE_BATCH] =
      g_signal_new ("late-batch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, HANDSET_TYPE_SYNC_BATCH | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * HandsetEncryption::waiting-for-keys:
   * @room_id: the room
   * @sender: who sent an event that cannot be read yet
   */
  handset_encryption_signals[SIGNAL_WAITING_FOR_KEYS] =
      g_signal_new ("waiting-for-keys", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * HandsetEncryption::keys-lost:
   * @message: what happened, for the person
   *
   * The device's stored keys cannot be opened (the keyring lost or changed
   * their key): this device cannot go on, and a new login makes another.
   * Nothing was deleted.
   */
  handset_encryption_signals[SIGNAL_KEYS_LOST] =
      g_signal_new ("keys-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * HandsetEncryption::keys-withheld:
   * @room_id: the room
   * @sender: who sent an event that will not be readable here
   * @code: why their device withheld its key (`m.unverified`: it shares
   *   keys only with verified devices, and this one is not)
   */
  handset_encryption_signals[SIGNAL_KEYS_WITHHELD] =
      g_signal_new ("keys-withheld", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
handset_encryption_init (HandsetEncryption *self)
{
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->pending);
  self->queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) handset_encryption_queue_free);
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * handset_encryption_new:
 * @client: a logged-in client
 * @store: the profile's database, for the encryption state
 * @secrets: the profile's keyring items, for the key of that state
 * @rooms: the account's rooms, for who is in which encrypted room
 */
HandsetEncryption *
handset_encryption_new (HandsetMatrixClient *client,
                        HandsetStore *store,
                        HandsetSecretStore *secrets,
                        HandsetRooms *rooms)
{
  HandsetEncryption *self = g_object_new (HANDSET_TYPE_ENCRYPTION, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->secrets = g_object_ref (secrets);
  self->rooms = g_object_ref (rooms);

  return self;
}

/**
 * handset_encryption_stop:
 *
 * Stops for good (at logout, or when the session ends): requests in
 * flight are cancelled, events waiting to be sent fail, and nothing more
 * is written to the database or the keyring.
 */
void
handset_encryption_stop (HandsetEncryption *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (HANDSET_IS_ENCRYPTION (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->pending, (GDestroyNotify) handset_encryption_pending_free);
  if (self->queues != NULL)
    {
      g_hash_table_iter_init (&iter, self->queues);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          GQueue *queue = value;
          SendJob *job;

          while ((job = g_queue_pop_head (queue)) != NULL)
            {
              g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                       "the encryption was stopped");
              handset_encryption_send_job_free (job);
            }
        }
      g_hash_table_remove_all (self->queues);
    }
  if (self->busy != NULL)
    g_hash_table_remove_all (self->busy);
}

gboolean
handset_encryption_get_ready (HandsetEncryption *self)
{
  return self->machine != NULL;
}

/**
 * handset_encryption_get_machine:
 *
 * Returns: (transfer none) (nullable): the crypto machine, once started
 */
HandsetCryptoMachine *
handset_encryption_get_machine (HandsetEncryption *self)
{
  return self->machine;
}

/* ------------------------------------------------------------ start */

/* Ends the start in flight, and every start that waited for it. */
static void
finish_start (GTask *task, GError *error)
{
  HandsetEncryption *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->starting);

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *other = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (other, g_error_copy (error));
      else
        g_task_return_boolean (other, TRUE);
      g_object_unref (other);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
open_machine (HandsetEncryption *self, GBytes *key, GError **error)
{
  HandsetStore *store = self->store;
  g_autoptr (HandsetCryptoStore) crypto_store = NULL;
  g_autoptr (GError) local_error = NULL;

  if (g_bytes_get_size (key) != HANDSET_OLM_PICKLE_KEY_SIZE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("The keyring holds a damaged encryption key for this device"));
      return FALSE;
    }
  crypto_store = handset_crypto_store_new (handset_store_get_db (store),
                                           handset_matrix_client_get_user_id (self->client),
                                           handset_matrix_client_get_device_id (self->client));
  if (!handset_crypto_store_open (crypto_store, error))
    return FALSE;
  self->machine =
      handset_crypto_machine_new (handset_matrix_client_get_user_id (self->client),
                                  handset_matrix_client_get_device_id (self->client), crypto_store,
                                  g_bytes_get_data (key, NULL), &local_error);
  if (self->machine == NULL)
    {
      if (g_error_matches (local_error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_PICKLE_KEY))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _ ("The keyring's encryption key for this device does not open its "
                                "stored keys"));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_debug ("Encryption ready for device %s", handset_crypto_machine_get_device_id (self->machine));
  {
    /* Our own devices and cross-signing keys are followed like anyone's:
     * a signature made on another device shows here. */
    const char *own[] = { handset_matrix_client_get_user_id (self->client), NULL };

    handset_crypto_machine_track_users (self->machine, own);
  }
  handset_encryption_kick_key_work (self);

  return TRUE;
}

/* The keys are lost: this device cannot go on; a new login makes another.
 * What the database holds stays. */
static void
keys_lost (GTask *task, GError *error)
{
  HandsetEncryption *self = g_task_get_source_object (task);
  g_autofree char *message =
      g_strdup_printf (_ ("Handset can no longer read this device's encryption keys (%s). Log in "
                          "again: Handset will be a new device, and calls in encrypted chats "
                          "work again."),
                       error->message);

  g_signal_emit (self, handset_encryption_signals[SIGNAL_KEYS_LOST], 0, message);
  finish_start (task, error);
}

/* Stopped (logged out, say) while the keyring answered: nothing more is
 * written anywhere. */
static gboolean
start_stopped (GTask *task)
{
  HandsetEncryption *self = g_task_get_source_object (task);

  if (!self->stopped)
    return FALSE;
  finish_start (
      task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the encryption was stopped"));
  return TRUE;
}

static void
key_saved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetEncryption *self = g_task_get_source_object (task);
  GBytes *key = g_task_get_task_data (task);
  GError *error = NULL;

  if (!handset_secret_store_save_pickle_key_finish (HANDSET_SECRET_STORE (object), result, &error))
    {
      finish_start (task, error);
      return;
    }
  if (start_stopped (task))
    return;
  if (!open_machine (self, key, &error))
    finish_start (task, error);
  else
    finish_start (task, NULL);
}

static void
wipe_key (gpointer data)
{
  memset (data, 0, HANDSET_OLM_PICKLE_KEY_SIZE);
  g_free (data);
}

static void
key_loaded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetEncryption *self = g_task_get_source_object (task);
  g_autoptr (GBytes) key = NULL;
  GError *error = NULL;

  key = handset_secret_store_load_pickle_key_finish (HANDSET_SECRET_STORE (object), result, &error);
  if (start_stopped (task))
    {
      g_clear_error (&error);
      return;
    }
  if (key != NULL)
    {
      if (!open_machine (self, key, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
            keys_lost (task, error);
          else
            finish_start (task, error);
          return;
        }
      finish_start (task, NULL);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      HandsetStore *store = self->store;
      g_autoptr (HandsetCryptoStore) crypto_store = handset_crypto_store_new (
          handset_store_get_db (store), handset_matrix_client_get_user_id (self->client),
          handset_matrix_client_get_device_id (self->client));
      g_autofree char *account = NULL;
      guint8 *raw = g_malloc (HANDSET_OLM_PICKLE_KEY_SIZE);
      GBytes *new_key;

      if (handset_crypto_store_open (crypto_store, NULL))
        account = handset_crypto_store_get_value (crypto_store, "account");
      if (account != NULL)
        {
          /* Keys in the database, no key to open them: never overwrite. */
          g_free (raw);
          keys_lost (task, error);
          return;
        }
      g_clear_error (&error);
      handset_olm_random_bytes (raw, HANDSET_OLM_PICKLE_KEY_SIZE);
      /* Wiped when the last reference goes. */
      new_key = g_bytes_new_with_free_func (raw, HANDSET_OLM_PICKLE_KEY_SIZE, wipe_key, raw);
      g_task_set_task_data (task, new_key, (GDestroyNotify) g_bytes_unref);
      handset_secret_store_save_pickle_key_async (
          self->secrets, handset_matrix_client_get_homeserver (self->client),
          handset_matrix_client_get_user_id (self->client),
          handset_matrix_client_get_device_id (self->client), new_key, self->cancellable,
          key_saved_cb, g_object_ref (task));
      return;
    }

  finish_start (task, error);
}

/**
 * handset_encryption_start_async:
 *
 * Opens this device's encryption state with its key from the keyring (a
 * new device gets a new key), then publishes its keys. Start /sync only
 * after this finished: to-device events must not come before.
 */
void
handset_encryption_start_async (HandsetEncryption *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_encryption_start_async);
  if (self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
      g_object_unref (task);
      return;
    }
  if (self->machine != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  /* One start at a time: a second one waits for the first. Two would make
   * two pickle keys, and the keyring would keep the wrong one. */
  if (self->starting != NULL)
    {
      g_ptr_array_add (self->starting, task);
      return;
    }
  self->starting = g_ptr_array_new ();
  handset_secret_store_load_pickle_key_async (
      self->secrets, handset_matrix_client_get_homeserver (self->client),
      handset_matrix_client_get_user_id (self->client),
      handset_matrix_client_get_device_id (self->client), self->cancellable, key_loaded_cb, task);
}

gboolean
handset_encryption_start_finish (HandsetEncryption *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------ key upload and query */

static void
uploaded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetEncryption) self = user_data;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (GError) error = NULL;

  answer =
      handset_matrix_client_keys_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  self->uploading = FALSE;
  if (self->machine == NULL || self->stopped)
    return;
  if (answer == NULL)
    {
      g_message ("This device's keys could not be published: %s", error->message);
      return;
    }
  handset_crypto_machine_keys_uploaded (self->machine, answer);
  g_debug ("Device keys published");
  if (self->upload_again)
    {
      self->upload_again = FALSE;
      handset_encryption_kick_key_work (self);
    }
}

static void
upload_keys (HandsetEncryption *self)
{
  g_autoptr (JsonObject) body = NULL;

  if (self->uploading)
    {
      self->upload_again = TRUE;
      return;
    }
  body = handset_crypto_machine_build_keys_upload (self->machine);
  if (body == NULL)
    return;
  self->uploading = TRUE;
  handset_matrix_client_keys_request_async (self->client, "upload", body, self->cancellable,
                                            uploaded_cb, g_object_ref (self));
}

typedef struct
{
  HandsetEncryption *self;
  GStrv users;
  GTask *task; /* nullable: who waits for the answer */
} Query;

static void
queried_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Query *query = user_data;
  HandsetEncryption *self = query->self;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (GError) error = NULL;

  answer = handset_matrix_client_query_keys_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (query->task == NULL)
    self->querying = FALSE;
  if (answer == NULL)
    g_message ("Device keys could not be fetched: %s", error->message);
  else if (self->machine != NULL && !self->stopped)
    {
      handset_crypto_machine_receive_keys_query (self->machine, (const char *const *) query->users,
                                                 answer);
      /* Events may have waited for these devices. */
      if (self->pending.length > 0)
        handset_encryption_retry_pending (self);
    }
  if (query->task != NULL)
    {
      g_task_return_boolean (query->task, TRUE);
      g_object_unref (query->task);
    }
  g_strfreev (query->users);
  g_object_unref (self);
  g_free (query);
}

void
handset_encryption_query_keys (HandsetEncryption *self, GStrv users, GTask *task)
{
  Query *query = g_new0 (Query, 1);

  query->self = g_object_ref (self);
  query->users = users;
  query->task = task;
  handset_crypto_machine_keys_query_started (self->machine, (const char *const *) users);
  handset_matrix_client_query_keys_async (self->client, (const char *const *) users,
                                          self->cancellable, queried_cb, query);
}

static void
to_device_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!handset_matrix_client_send_to_device_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    g_message ("To-device messages could not be sent: %s", error->message);
}

typedef struct
{
  HandsetEncryption *self;
  JsonObject *request;
} Claim;

static Claim *
claim_new (HandsetEncryption *self, JsonObject *request)
{
  Claim *claim = g_new0 (Claim, 1);

  claim->self = g_object_ref (self);
  claim->request = json_object_ref (request);

  return claim;
}

/* New sessions with devices whose session broke: then each gets m.dummy,
 * so that it starts using the new one. */
static void
unwedge_claimed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Claim *claim = user_data;
  HandsetEncryption *self = claim->self;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (GError) error = NULL;

  answer =
      handset_matrix_client_keys_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  self->claiming = FALSE;
  if (answer == NULL)
    g_message ("One-time keys could not be claimed: %s", error->message);
  else if (self->machine != NULL && !self->stopped)
    {
      handset_crypto_machine_receive_keys_claim (self->machine, claim->request, answer);
      handset_encryption_kick_key_work (self);
    }
  json_object_unref (claim->request);
  g_object_unref (claim->self);
  g_free (claim);
}

/* Whatever the machine wants done in the background: publish keys, fetch
 * outdated device lists, send the m.dummy of unwedged sessions. */
void
handset_encryption_kick_key_work (HandsetEncryption *self)
{
  g_auto (GStrv) outdated = NULL;
  g_autoptr (JsonObject) dummies = NULL;

  if (self->machine == NULL || self->stopped)
    return;
  self->need_query = FALSE;
  upload_keys (self);
  outdated = handset_crypto_machine_get_outdated_users (self->machine);
  if (outdated[0] != NULL && !self->querying)
    {
      self->querying = TRUE;
      handset_encryption_query_keys (self, g_steal_pointer (&outdated), NULL);
    }
  if (!self->claiming)
    {
      g_autoptr (JsonObject) claim = handset_crypto_machine_build_unwedge_claim (self->machine);

      if (claim != NULL)
        {
          self->claiming = TRUE;
          handset_matrix_client_keys_request_async (self->client, "claim", claim, self->cancellable,
                                                    unwedge_claimed_cb, claim_new (self, claim));
        }
    }
  dummies = handset_crypto_machine_take_unwedge_messages (self->machine);
  if (dummies != NULL)
    handset_matrix_client_send_to_device_async (self->client, "m.room.encrypted", dummies,
                                                self->cancellable, to_device_sent_cb, NULL);
}
