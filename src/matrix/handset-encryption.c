/* handset-encryption.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * End-to-end encryption for one logged-in device: the I/O around the
 * crypto machine. It opens the machine with the pickle key from the
 * keyring, publishes the device's keys, fetches other devices' keys,
 * claims one-time keys, sends room keys, and encrypts every event sent
 * into an encrypted room. On the way in, it decrypts: to-device events
 * first (they carry the room keys), then the rooms' timelines, so the
 * layers above see clear events marked with how they came. Events whose
 * key has not come yet wait, and go up as a late batch when it comes.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-crypto-store.h"
#include "handset-encryption.h"
#include "handset-olm.h"

typedef struct
{
  char *room_id;
  JsonObject *event;
  gint64 received_us; /* of the batch it came in */
  gint64 added_us;
  HandsetEventEncryption encryption; /* once decrypted */
  gboolean refetched;                /* its sender's devices were fetched again for it */
} Pending;

typedef struct
{
  char *room_id;
  char *type;
  JsonObject *content;
  GTask *task;
  gboolean queried; /* device keys were fetched for it once */
} SendJob;

struct _HandsetEncryption
{
  GObject parent_instance;

  HandsetStore *store;
  HandsetSecretStore *secrets;
  HandsetRooms *rooms;
  HandsetMatrixClient *client;
  HandsetCryptoMachine *machine;
  GCancellable *cancellable;

  GQueue pending;     /* Pending, oldest first */
  GHashTable *queues; /* room ID → GQueue of SendJob */
  GHashTable *busy;   /* room IDs whose head job is being prepared */
  gboolean uploading;
  gboolean querying;
  gboolean claiming;
  gboolean need_query; /* a sender's devices must be fetched again */
  gboolean stopped;
  GPtrArray *starting; /* GTasks waiting for the one start in flight */
  gboolean upload_again;
};

G_DEFINE_FINAL_TYPE (HandsetEncryption, handset_encryption, G_TYPE_OBJECT)

enum
{
  SIGNAL_LATE_BATCH,
  SIGNAL_WAITING_FOR_KEYS,
  SIGNAL_KEYS_LOST,
  SIGNAL_KEYS_WITHHELD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void process_queue (HandsetEncryption *self, const char *room_id);
static void kick_key_work (HandsetEncryption *self);
static void retry_pending (HandsetEncryption *self);

static void
pending_free (Pending *pending)
{
  g_free (pending->room_id);
  json_object_unref (pending->event);
  g_free (pending->encryption.sender_device);
  g_free (pending);
}

static void
send_job_free (SendJob *job)
{
  g_free (job->room_id);
  g_free (job->type);
  g_clear_pointer (&job->content, json_object_unref);
  g_clear_object (&job->task);
  g_free (job);
}

static void
queue_free (GQueue *queue)
{
  g_queue_free_full (queue, (GDestroyNotify) send_job_free);
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
  signals[SIGNAL_LATE_BATCH] =
      g_signal_new ("late-batch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, HANDSET_TYPE_SYNC_BATCH | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * HandsetEncryption::waiting-for-keys:
   * @room_id: the room
   * @sender: who sent an event that cannot be read yet
   */
  signals[SIGNAL_WAITING_FOR_KEYS] =
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
  signals[SIGNAL_KEYS_LOST] =
      g_signal_new ("keys-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * HandsetEncryption::keys-withheld:
   * @room_id: the room
   * @sender: who sent an event that will not be readable here
   * @code: why their device withheld its key (`m.unverified`: it shares
   *   keys only with verified devices, and this one is not)
   */
  signals[SIGNAL_KEYS_WITHHELD] =
      g_signal_new ("keys-withheld", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
handset_encryption_init (HandsetEncryption *self)
{
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->pending);
  self->queues =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) queue_free);
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
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
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
              send_job_free (job);
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
  kick_key_work (self);

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

  g_signal_emit (self, signals[SIGNAL_KEYS_LOST], 0, message);
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
      kick_key_work (self);
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
        retry_pending (self);
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

static void
query_keys (HandsetEncryption *self, GStrv users, GTask *task)
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
      kick_key_work (self);
    }
  json_object_unref (claim->request);
  g_object_unref (claim->self);
  g_free (claim);
}

/* Whatever the machine wants done in the background: publish keys, fetch
 * outdated device lists, send the m.dummy of unwedged sessions. */
static void
kick_key_work (HandsetEncryption *self)
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
      query_keys (self, g_steal_pointer (&outdated), NULL);
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

/* ------------------------------------------------------------ incoming */

static void
deliver_late (HandsetEncryption *self, GPtrArray *decrypted)
{
  /* One late batch per time of arrival, oldest first. */
  while (decrypted->len > 0)
    {
      Pending *first = g_ptr_array_index (decrypted, 0);
      gint64 received = first->received_us;
      g_autoptr (HandsetSyncBatch) batch = handset_sync_batch_new_late (received);

      for (guint i = 0; i < decrypted->len;)
        {
          Pending *p = g_ptr_array_index (decrypted, i);
          if (p->received_us != received)
            {
              i++;
              continue;
            }
          handset_sync_batch_add_late_event (batch, p->room_id, p->event, &p->encryption);
          g_ptr_array_remove_index (decrypted, i);
        }
      g_debug ("%u room events decrypted late", handset_sync_batch_get_n_events (batch));
      g_signal_emit (self, signals[SIGNAL_LATE_BATCH], 0, batch);
    }
}

/* An event dropped because its sender's device withheld the key: said,
 * with the code the notice gave. */
static void
dropped (HandsetEncryption *self, const char *room_id, JsonObject *event, GError *error)
{
  const char *sender = handset_event_get_string (event, "sender");
  const char *code;

  g_message ("An encrypted event %s in %s was dropped: %s",
             handset_event_get_string (event, "event_id"), room_id, error->message);
  if (!g_error_matches (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_WITHHELD) ||
      sender == NULL)
    return;
  code = handset_crypto_machine_get_withheld_code (
      self->machine, room_id,
      handset_event_get_string (handset_event_get_object (event, "content"), "session_id"));
  g_signal_emit (self, signals[SIGNAL_KEYS_WITHHELD], 0, room_id, sender, code ? code : "");
}

typedef enum
{
  DECRYPT_OK,   /* *clear is the event */
  DECRYPT_WAIT, /* its key, or its sender's device keys, have not come yet */
  DECRYPT_DROP, /* it fails a check: never */
} DecryptResult;

/* An event that decrypts counts only once the device that sent it is one
 * its user's homeserver lists: else a server could forge a sender, a room
 * key and a call. The sender's devices are fetched again once before the
 * event is given up. */
static DecryptResult
decrypt_one (HandsetEncryption *self,
             const char *room_id,
             JsonObject *event,
             HandsetEventEncryption *encryption,
             gboolean *refetched,
             JsonObject **clear,
             GError **error)
{
  g_autoptr (HandsetDecryptionInfo) info = NULL;
  g_autoptr (JsonObject) out = NULL;
  const char *sender = handset_event_get_string (event, "sender");

  out = handset_crypto_machine_decrypt_room_event (self->machine, room_id, event, &info, error);
  if (out == NULL)
    return g_error_matches (*error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY)
               ? DECRYPT_WAIT
               : DECRYPT_DROP;

  if (!info->device_known)
    {
      const char *users[] = { sender, NULL };

      handset_crypto_machine_track_users (self->machine, users);
      if (handset_crypto_machine_is_user_outdated (self->machine, sender))
        return DECRYPT_WAIT;
      if (!*refetched)
        {
          *refetched = TRUE;
          handset_crypto_machine_mark_user_outdated (self->machine, sender);
          self->need_query = TRUE;
          return DECRYPT_WAIT;
        }
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                   "it was sent from a device that %s's homeserver does not list", sender);
      return DECRYPT_DROP;
    }

  g_free (encryption->sender_device);
  encryption->encrypted = TRUE;
  encryption->sender_device = g_strdup (info->sender_device);
  encryption->device_known = info->device_known;
  encryption->cross_signed = info->cross_signed;
  encryption->user_verified = info->user_verified;
  encryption->identity_changed = info->identity_changed;
  *clear = g_steal_pointer (&out);

  return DECRYPT_OK;
}

/* Tries the waiting events again: after room keys or device keys came. */
static void
retry_pending (HandsetEncryption *self)
{
  g_autoptr (GPtrArray) decrypted = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  gint64 now = g_get_monotonic_time ();
  GList *l = self->pending.head;

  if (self->machine == NULL)
    return;

  while (l != NULL)
    {
      GList *next = l->next;
      Pending *p = l->data;
      g_autoptr (GError) error = NULL;
      JsonObject *clear = NULL;

      if (now - p->added_us > HANDSET_ENCRYPTION_PENDING_MAX_MS * 1000)
        {
          g_debug ("An event in %s waited too long for its keys; dropped", p->room_id);
          g_queue_delete_link (&self->pending, l);
          pending_free (p);
          l = next;
          continue;
        }
      switch (
          decrypt_one (self, p->room_id, p->event, &p->encryption, &p->refetched, &clear, &error))
        {
          case DECRYPT_OK:
            g_queue_delete_link (&self->pending, l);
            json_object_unref (p->event);
            p->event = clear;
            g_ptr_array_add (decrypted, p);
            break;
          case DECRYPT_DROP:
            g_queue_delete_link (&self->pending, l);
            dropped (self, p->room_id, p->event, error);
            pending_free (p);
            break;
          case DECRYPT_WAIT:
          default:
            break;
        }
      l = next;
    }

  if (decrypted->len > 0)
    deliver_late (self, decrypted);
  if (self->need_query)
    kick_key_work (self);
}

/**
 * handset_encryption_handle_to_device:
 *
 * The first step for each sync batch: key counts and device-list changes,
 * then the to-device events, whose room keys may unlock events that were
 * waiting (they go up at once, as a late batch).
 */
void
handset_encryption_handle_to_device (HandsetEncryption *self, HandsetSyncBatch *batch)
{
  GPtrArray *to_device = handset_sync_batch_get_to_device (batch);
  JsonObject *counts;
  JsonArray *fallback, *changed, *left;
  gboolean new_keys = FALSE;

  if (self->machine == NULL || self->stopped)
    return;

  handset_sync_batch_get_key_counts (batch, &counts, &fallback);
  handset_crypto_machine_receive_key_counts (self->machine, counts, fallback);
  handset_sync_batch_get_device_lists (batch, &changed, &left);
  handset_crypto_machine_receive_device_list_changes (self->machine, changed, left);

  for (guint i = 0; i < to_device->len; i++)
    {
      JsonObject *event = g_ptr_array_index (to_device, i);
      g_autoptr (JsonObject) clear = NULL;
      g_autoptr (GError) error = NULL;
      const char *sender = handset_event_get_string (event, "sender");

      /* Sent in clear: a device that will not give us its room key. */
      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room_key.withheld") == 0)
        {
          new_keys |= handset_crypto_machine_receive_withheld (self->machine, event);
          continue;
        }
      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.encrypted") != 0)
        continue;
      clear = handset_crypto_machine_decrypt_to_device (self->machine, event, &error);
      if (clear == NULL)
        {
          g_message ("An encrypted message from %s was dropped: %s", sender ? sender : "(nobody)",
                     error->message);
          continue;
        }
      if (g_strcmp0 (handset_event_get_string (clear, "type"), "m.room_key") == 0)
        new_keys = TRUE;
    }

  if (new_keys && self->pending.length > 0)
    retry_pending (self);
}

static void
track_members (HandsetEncryption *self, const char *room_id)
{
  HandsetRoom *room = handset_rooms_lookup (self->rooms, room_id);
  g_autoptr (GPtrArray) members = NULL;

  if (room == NULL || !handset_room_is_encrypted (room))
    return;
  members = handset_room_get_members (room);
  g_ptr_array_add (members, NULL);
  handset_crypto_machine_track_users (self->machine, (const char *const *) members->pdata);
}

/**
 * handset_encryption_decrypt_rooms:
 *
 * The second step, after the rooms took the batch's state: every
 * m.room.encrypted timeline event is replaced by what it decrypts to.
 * Those whose key has not come wait; those that fail a check are dropped
 * with a log line.
 */
void
handset_encryption_decrypt_rooms (HandsetEncryption *self, HandsetSyncBatch *batch)
{
  if (self->machine == NULL || self->stopped)
    return;

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      if (room->membership != HANDSET_MEMBERSHIP_JOIN)
        continue;
      track_members (self, room->room_id);

      for (guint j = 0; j < room->timeline->len; j++)
        {
          JsonObject *event = g_ptr_array_index (room->timeline, j);
          HandsetEventEncryption encryption = { 0 };
          g_autoptr (JsonObject) clear = NULL;
          g_autoptr (GError) error = NULL;
          gboolean refetched = FALSE;
          DecryptResult result;

          if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.encrypted") != 0)
            continue;
          result =
              decrypt_one (self, room->room_id, event, &encryption, &refetched, &clear, &error);
          if (result == DECRYPT_OK)
            {
              handset_sync_batch_replace_event (batch, room->timeline, j, clear, &encryption);
              g_free (encryption.sender_device);
              continue;
            }
          if (result == DECRYPT_WAIT)
            {
              Pending *p = g_new0 (Pending, 1);
              const char *sender = handset_event_get_string (event, "sender");

              p->refetched = refetched;
              p->room_id = g_strdup (room->room_id);
              p->event = json_object_ref (event);
              p->received_us = handset_sync_batch_get_received_time (batch);
              p->added_us = g_get_monotonic_time ();
              g_queue_push_tail (&self->pending, p);
              while (self->pending.length > HANDSET_ENCRYPTION_PENDING_MAX)
                pending_free (g_queue_pop_head (&self->pending));
              g_debug ("An event in %s waits for keys: %s", room->room_id,
                       error ? error->message : "its sender's devices are being fetched");
              if (sender != NULL)
                g_signal_emit (self, signals[SIGNAL_WAITING_FOR_KEYS], 0, room->room_id, sender);
            }
          else
            {
              dropped (self, room->room_id, event, error);
            }
        }
    }

  kick_key_work (self);
}

guint
handset_encryption_get_n_pending (HandsetEncryption *self)
{
  return self->pending.length;
}

/* ------------------------------------------------------------ outgoing */

gboolean
handset_encryption_room_is_encrypted (HandsetEncryption *self, const char *room_id)
{
  HandsetRoom *room = handset_rooms_lookup (self->rooms, room_id);

  return room != NULL && handset_room_is_encrypted (room);
}

/* Who may read what we send: joined members, and invited ones unless the
 * room shows history to joined members only. */
static GPtrArray *
recipients (HandsetEncryption *self, const char *room_id)
{
  HandsetRoom *room = handset_rooms_lookup (self->rooms, room_id);
  g_autoptr (GPtrArray) members = room ? handset_room_get_members (room) : g_ptr_array_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gboolean invited_too =
      room == NULL || g_strcmp0 (handset_room_get_history_visibility (room), "joined") != 0;

  for (guint i = 0; i < members->len; i++)
    {
      const char *user_id = g_ptr_array_index (members, i);

      if (invited_too || g_strcmp0 (handset_room_get_membership (room, user_id), "join") == 0)
        g_ptr_array_add (out, g_strdup (user_id));
    }
  /* Our other devices read along. */
  if (!g_ptr_array_find_with_equal_func (out, handset_matrix_client_get_user_id (self->client),
                                         g_str_equal, NULL))
    g_ptr_array_add (out, g_strdup (handset_matrix_client_get_user_id (self->client)));
  g_ptr_array_add (out, NULL);

  return out;
}

static void
finish_job (HandsetEncryption *self, const char *room_id, GError *error, char *event_id)
{
  GQueue *queue = g_hash_table_lookup (self->queues, room_id);
  SendJob *job = queue ? g_queue_pop_head (queue) : NULL;
  g_autofree char *room = g_strdup (room_id);

  g_hash_table_remove (self->busy, room);
  if (job != NULL)
    {
      if (error != NULL)
        g_task_return_error (job->task, error);
      else
        g_task_return_pointer (job->task, event_id, g_free);
      send_job_free (job);
    }
  else
    {
      g_clear_error (&error);
      g_free (event_id);
    }
  process_queue (self, room);
}

static void
event_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;
  char *event_id;

  event_id =
      handset_matrix_client_send_event_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (event_id == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, event_id, g_free);
}

typedef struct
{
  HandsetEncryption *self;
  char *room_id;
} JobRef;

static JobRef *
job_ref_new (HandsetEncryption *self, const char *room_id)
{
  JobRef *ref = g_new0 (JobRef, 1);

  ref->self = g_object_ref (self);
  ref->room_id = g_strdup (room_id);

  return ref;
}

static void
job_ref_free (JobRef *ref)
{
  g_object_unref (ref->self);
  g_free (ref->room_id);
  g_free (ref);
}

static SendJob *
head_job (HandsetEncryption *self, const char *room_id)
{
  GQueue *queue = g_hash_table_lookup (self->queues, room_id);

  return queue ? g_queue_peek_head (queue) : NULL;
}

static void prepare_job (HandsetEncryption *self, const char *room_id);

static void
job_query_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;

  if (!ref->self->stopped)
    prepare_job (ref->self, ref->room_id);
  job_ref_free (ref);
}

static void
job_claim_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;
  HandsetEncryption *self = ref->self;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (GError) error = NULL;

  answer =
      handset_matrix_client_keys_request_finish (HANDSET_MATRIX_CLIENT (object), result, &error);
  if (self->stopped)
    {
      job_ref_free (ref);
      return;
    }
  if (answer == NULL)
    g_message ("One-time keys could not be claimed: %s", error->message);
  else
    {
      SendJob *job = head_job (self, ref->room_id);
      JsonObject *claimed = job ? g_object_get_data (G_OBJECT (job->task), "claim") : NULL;

      handset_crypto_machine_receive_keys_claim (self->machine, claimed, answer);
    }
  {
    SendJob *job = head_job (self, ref->room_id);

    if (job != NULL)
      g_object_set_data (G_OBJECT (job->task), "claimed", GINT_TO_POINTER (TRUE));
  }
  prepare_job (self, ref->room_id);
  job_ref_free (ref);
}

static void
job_keys_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  JobRef *ref = user_data;
  HandsetEncryption *self = ref->self;
  g_autoptr (GError) error = NULL;

  if (!handset_matrix_client_send_to_device_finish (HANDSET_MATRIX_CLIENT (object), result, &error))
    {
      if (!self->stopped)
        {
          /* Some devices may lack the key: the next event starts a new one. */
          handset_crypto_machine_discard_room_key (self->machine, ref->room_id);
          finish_job (self, ref->room_id,
                      g_error_new (error->domain, error->code,
                                   _ ("The call's encryption keys could not be sent: %s"),
                                   error->message),
                      NULL);
        }
      job_ref_free (ref);
      return;
    }
  if (!self->stopped)
    prepare_job (self, ref->room_id);
  job_ref_free (ref);
}

/* Readies the head job of a room's queue, one step per call: device keys,
 * Olm sessions, the room key; then encrypts and sends it and goes on with
 * the next job. */
static void
prepare_job (HandsetEncryption *self, const char *room_id)
{
  SendJob *job = head_job (self, room_id);
  g_autoptr (GPtrArray) users = NULL;
  g_autoptr (GPtrArray) outdated = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonObject) claim = NULL;
  g_autoptr (JsonObject) room_key_messages = NULL;
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (GError) error = NULL;
  HandsetRoomEncryptionSettings settings = { 0 };
  HandsetRoom *room;
  GTask *send_task;

  if (job == NULL)
    return;
  users = recipients (self, room_id);
  handset_crypto_machine_track_users (self->machine, (const char *const *) users->pdata);

  /* 1. Everyone's device keys, fetched once for this job. */
  for (guint i = 0; users->pdata[i] != NULL; i++)
    if (handset_crypto_machine_is_user_outdated (self->machine, users->pdata[i]))
      g_ptr_array_add (outdated, g_strdup (users->pdata[i]));
  if (outdated->len > 0 && !job->queried)
    {
      GTask *task = g_task_new (self, self->cancellable, job_query_cb, job_ref_new (self, room_id));

      job->queried = TRUE;
      g_ptr_array_add (outdated, NULL);
      query_keys (self, (GStrv) g_ptr_array_steal (outdated, NULL), task);
      return;
    }

  /* 2. An Olm session with each of their devices, claimed once. */
  if (g_object_get_data (G_OBJECT (job->task), "claimed") == NULL)
    claim =
        handset_crypto_machine_build_keys_claim (self->machine, (const char *const *) users->pdata);
  if (claim != NULL)
    {
      g_object_set_data_full (G_OBJECT (job->task), "claim", json_object_ref (claim),
                              (GDestroyNotify) json_object_unref);
      handset_matrix_client_keys_request_async (self->client, "claim", claim, self->cancellable,
                                                job_claim_cb, job_ref_new (self, room_id));
      return;
    }

  /* 3. The room key to every device that lacks it. */
  room = handset_rooms_lookup (self->rooms, room_id);
  if (room != NULL)
    {
      gint64 msgs;

      handset_room_get_rotation (room, &settings.rotation_period_ms, &msgs);
      settings.rotation_period_msgs = (guint) MIN (msgs, G_MAXUINT);
    }
  room_key_messages = handset_crypto_machine_share_room_key (
      self->machine, room_id, (const char *const *) users->pdata, &settings);
  if (room_key_messages != NULL)
    {
      handset_matrix_client_send_to_device_async (self->client, "m.room.encrypted",
                                                  room_key_messages, self->cancellable,
                                                  job_keys_sent_cb, job_ref_new (self, room_id));
      return;
    }

  /* A preparation only: the room key is where it must be. */
  if (job->type == NULL)
    {
      finish_job (self, room_id, NULL, g_strdup (""));
      return;
    }

  /* 4. The event itself. */
  encrypted = handset_crypto_machine_encrypt_room_event (self->machine, room_id, job->type,
                                                         job->content, &error);
  if (encrypted == NULL)
    {
      finish_job (self, room_id, g_steal_pointer (&error), NULL);
      return;
    }
  {
    GQueue *queue = g_hash_table_lookup (self->queues, room_id);
    SendJob *done = g_queue_pop_head (queue);

    send_task = g_steal_pointer (&done->task);
    send_job_free (done);
  }
  handset_matrix_client_send_event_async (self->client, room_id, "m.room.encrypted", encrypted,
                                          NULL, g_task_get_cancellable (send_task), event_sent_cb,
                                          send_task);
  g_hash_table_remove (self->busy, room_id);
  process_queue (self, room_id);
}

static void
process_queue (HandsetEncryption *self, const char *room_id)
{
  if (g_hash_table_contains (self->busy, room_id) || head_job (self, room_id) == NULL)
    return;
  g_hash_table_add (self->busy, g_strdup (room_id));
  prepare_job (self, room_id);
}

/* Queues a job for the room: an event to send (@type and @content), or a
 * preparation (%NULL), done in the room's order. */
static void
enqueue (HandsetEncryption *self,
         const char *room_id,
         const char *type,
         JsonObject *content,
         GTask *task)
{
  GQueue *queue = g_hash_table_lookup (self->queues, room_id);
  SendJob *job = g_new0 (SendJob, 1);

  job->room_id = g_strdup (room_id);
  job->type = g_strdup (type);
  job->content = content ? json_object_ref (content) : NULL;
  job->task = task;
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->queues, g_strdup (room_id), queue);
    }
  g_queue_push_tail (queue, job);
  process_queue (self, room_id);
}

/**
 * handset_encryption_send_event_async:
 *
 * Sends a room event: encrypted with Megolm in an encrypted room (after
 * its key went to every device of every member), in clear elsewhere.
 * Events of one room go out in the order they were given.
 */
void
handset_encryption_send_event_async (HandsetEncryption *self,
                                     const char *room_id,
                                     const char *type,
                                     JsonObject *content,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, handset_encryption_send_event_async);

  if (!handset_encryption_room_is_encrypted (self, room_id))
    {
      g_task_set_task_data (task, GINT_TO_POINTER (FALSE), NULL);
      handset_matrix_client_send_event_async (self->client, room_id, type, content, NULL,
                                              cancellable, event_sent_cb, task);
      return;
    }
  g_task_set_task_data (task, GINT_TO_POINTER (TRUE), NULL);
  if (self->machine == NULL || self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _ ("This chat is encrypted, and Handset's encryption could not "
                                  "be started"));
      g_object_unref (task);
      return;
    }

  enqueue (self, room_id, type, content, task);
}

static void
prepared_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *done = NULL;

  done = g_task_propagate_pointer (G_TASK (result), &error);
  if (done == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("The room key could not be shared ahead: %s", error->message);
}

/**
 * handset_encryption_prepare_room:
 *
 * Gets an encrypted room ready for what Handset is about to send (the
 * answer to a call that rings, say): device keys, Olm sessions, and our
 * room key with every device, in the background and in the room's order,
 * so the event itself goes out at once. Nothing for a room in clear.
 */
void
handset_encryption_prepare_room (HandsetEncryption *self, const char *room_id)
{
  GTask *task;

  g_return_if_fail (HANDSET_IS_ENCRYPTION (self));

  if (self->machine == NULL || self->stopped ||
      !handset_encryption_room_is_encrypted (self, room_id))
    return;
  task = g_task_new (self, NULL, prepared_cb, NULL);
  g_task_set_source_tag (task, handset_encryption_prepare_room);
  enqueue (self, room_id, NULL, NULL, task);
}

/**
 * handset_encryption_prepare_room_fresh:
 *
 * Like handset_encryption_prepare_room(), but asks the server for the
 * members' devices again first: a device that signed in a moment ago, that
 * no sync has told of yet, gets the room key too. Before a call invite, so
 * that every device of the callee can read it and ring; a device that
 * appears later cannot read an invite sent before it had the key.
 */
void
handset_encryption_prepare_room_fresh (HandsetEncryption *self, const char *room_id)
{
  g_autoptr (GPtrArray) users = NULL;

  g_return_if_fail (HANDSET_IS_ENCRYPTION (self));

  if (self->machine == NULL || self->stopped ||
      !handset_encryption_room_is_encrypted (self, room_id))
    return;
  users = recipients (self, room_id);
  for (guint i = 0; users->pdata[i] != NULL; i++)
    handset_crypto_machine_mark_user_outdated (self->machine, users->pdata[i]);
  handset_encryption_prepare_room (self, room_id);
}

/**
 * handset_encryption_send_event_finish:
 * @encrypted: (out) (optional): whether it went encrypted
 *
 * Returns: (transfer full): the event ID
 */
char *
handset_encryption_send_event_finish (HandsetEncryption *self,
                                      GAsyncResult *result,
                                      gboolean *encrypted,
                                      GError **error)
{
  if (encrypted != NULL)
    *encrypted = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));

  return g_task_propagate_pointer (G_TASK (result), error);
}
