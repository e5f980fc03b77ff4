/* handset-crypto-olm-sessions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crypto machine's Olm sessions: one-time keys claimed to start them,
 * to-device events encrypted and decrypted with them, and the new session
 * made with a device whose old one broke (unwedging).
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include "handset-crypto-machine-private.h"
#include "handset-json.h"

/* Olm sessions kept per device: the spec asks for at least 4. */
#define MAX_OLM_SESSIONS_PER_DEVICE 8
/* A device that had no one-time key is not asked again before this. */
#define CLAIM_RETRY_US (G_GINT64_CONSTANT (300) * G_USEC_PER_SEC)

/* ------------------------------------------------------------ Olm sessions */

static void
save_olm_session (HandsetCryptoMachine *self, const char *curve25519, OlmEntry *entry)
{
  g_autoptr (GError) error = NULL;
  HandsetCryptoRow row = { 0 };

  row.key1 = (char *) curve25519;
  row.key2 = (char *) handset_olm_session_get_id (entry->session);
  row.pickle = handset_olm_session_pickle (entry->session, self->pickle_key);
  row.stamp = entry->last_used;
  if (!handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_OLM_SESSIONS, &row, &error))
    g_warning ("An Olm session could not be saved: %s", error->message);
  handset_wipe_string (row.pickle);
}

static OlmEntry *
newest_session (HandsetCryptoMachine *self, const char *curve25519)
{
  GPtrArray *list = g_hash_table_lookup (self->olm_sessions, curve25519);
  OlmEntry *best = NULL;

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      OlmEntry *entry = g_ptr_array_index (list, i);

      if (best == NULL || entry->last_used >= best->last_used)
        best = entry;
    }

  return best;
}

static OlmEntry *
add_session (HandsetCryptoMachine *self, const char *curve25519, HandsetOlmSession *session)
{
  GPtrArray *list = g_hash_table_lookup (self->olm_sessions, curve25519);
  OlmEntry *entry;

  if (list == NULL)
    {
      list =
          g_ptr_array_new_with_free_func ((GDestroyNotify) handset_crypto_machine_olm_entry_free);
      g_hash_table_insert (self->olm_sessions, g_strdup (curve25519), list);
    }
  /* The least recently used goes when a device has too many. */
  while (list->len >= MAX_OLM_SESSIONS_PER_DEVICE)
    {
      guint oldest = 0;

      for (guint i = 1; i < list->len; i++)
        if (((OlmEntry *) g_ptr_array_index (list, i))->last_used <
            ((OlmEntry *) g_ptr_array_index (list, oldest))->last_used)
          oldest = i;
      handset_crypto_store_delete (
          self->store, HANDSET_CRYPTO_TABLE_OLM_SESSIONS, curve25519,
          handset_olm_session_get_id (((OlmEntry *) g_ptr_array_index (list, oldest))->session),
          NULL);
      g_ptr_array_remove_index (list, oldest);
    }
  entry = g_new0 (OlmEntry, 1);
  entry->session = session;
  entry->last_used = self->now_us ();
  g_ptr_array_add (list, entry);
  save_olm_session (self, curve25519, entry);

  return entry;
}

/**
 * handset_crypto_machine_build_keys_claim:
 *
 * Returns: (transfer full) (nullable): the body of a /keys/claim request
 *   for every device of @user_ids that has no Olm session with us (and
 *   every device that needs a fresh one), or %NULL when none is missing
 */
JsonObject *
handset_crypto_machine_build_keys_claim (HandsetCryptoMachine *self, const char *const *user_ids)
{
  g_autoptr (JsonObject) body = json_object_new ();
  JsonObject *wanted = json_object_new ();
  gint64 now = self->now_us ();

  json_object_set_object_member (body, "one_time_keys", wanted);
  json_object_set_int_member (body, "timeout", 10000);

  for (guint i = 0; user_ids != NULL && user_ids[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) devices = handset_crypto_machine_get_devices (self, user_ids[i]);

      for (guint j = 0; j < devices->len; j++)
        {
          HandsetDeviceKeys *device = g_ptr_array_index (devices, j);
          gint64 *failed = g_hash_table_lookup (self->claim_failed, device->curve25519);

          if (newest_session (self, device->curve25519) != NULL &&
              !g_hash_table_contains (self->unwedge_pending, device->curve25519))
            continue;
          if (failed != NULL && now - *failed < CLAIM_RETRY_US)
            continue;
          json_object_set_string_member (handset_crypto_ensure_object (wanted, device->user_id),
                                         device->device_id, "signed_curve25519");
        }
    }

  if (json_object_get_size (wanted) == 0)
    return NULL;

  return g_steal_pointer (&body);
}

/**
 * handset_crypto_machine_build_unwedge_claim:
 *
 * Returns: (transfer full) (nullable): the body of a /keys/claim request
 *   for the devices whose Olm session broke (a message from them could not
 *   be decrypted), or %NULL when there are none whose keys are known
 */
JsonObject *
handset_crypto_machine_build_unwedge_claim (HandsetCryptoMachine *self)
{
  g_autoptr (JsonObject) body = json_object_new ();
  JsonObject *wanted = json_object_new ();
  GHashTableIter users;
  gpointer user_id, of_user;

  json_object_set_object_member (body, "one_time_keys", wanted);
  json_object_set_int_member (body, "timeout", 10000);
  if (g_hash_table_size (self->unwedge_pending) == 0)
    return NULL;

  g_hash_table_iter_init (&users, self->devices);
  while (g_hash_table_iter_next (&users, &user_id, &of_user))
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, of_user);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          HandsetDeviceKeys *device = value;

          gint64 *failed = g_hash_table_lookup (self->claim_failed, device->curve25519);

          if (failed != NULL && self->now_us () - *failed < CLAIM_RETRY_US)
            continue;
          if (g_hash_table_contains (self->unwedge_pending, device->curve25519))
            json_object_set_string_member (handset_crypto_ensure_object (wanted, device->user_id),
                                           device->device_id, "signed_curve25519");
        }
    }

  if (json_object_get_size (wanted) == 0)
    return NULL;

  return g_steal_pointer (&body);
}

/* Devices asked for that got no key are not asked again for a while. */
static void
note_failed_claims (HandsetCryptoMachine *self, JsonObject *body)
{
  JsonObject *wanted = handset_json_get_object (body, "one_time_keys");
  g_autoptr (GList) users = wanted ? json_object_get_members (wanted) : NULL;

  for (GList *u = users; u != NULL; u = u->next)
    {
      JsonObject *by_device = handset_json_get_object (wanted, u->data);
      g_autoptr (GList) devices = json_object_get_members (by_device);

      for (GList *d = devices; d != NULL; d = d->next)
        {
          HandsetDeviceKeys *device = handset_crypto_machine_get_device (self, u->data, d->data);
          gint64 *when;

          if (device == NULL || newest_session (self, device->curve25519) != NULL)
            continue;
          when = g_new (gint64, 1);
          *when = self->now_us ();
          g_hash_table_insert (self->claim_failed, g_strdup (device->curve25519), when);
        }
    }
}

static void
queue_dummy (HandsetCryptoMachine *self, HandsetDeviceKeys *device)
{
  g_autoptr (JsonObject) content = json_object_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *encrypted;

  encrypted = handset_crypto_machine_encrypt_to_device (self, device, "m.dummy", content, &error);
  if (encrypted == NULL)
    {
      g_message ("No m.dummy for device %s: %s", device->device_id, error->message);
      return;
    }
  if (self->unwedge_out == NULL)
    self->unwedge_out = json_object_new ();
  json_object_set_object_member (handset_crypto_ensure_object (self->unwedge_out, device->user_id),
                                 device->device_id, encrypted);
}

/**
 * handset_crypto_machine_receive_keys_claim:
 *
 * Starts an Olm session with each device whose signed one-time key came.
 */
void
handset_crypto_machine_receive_keys_claim (HandsetCryptoMachine *self,
                                           JsonObject *request,
                                           JsonObject *response)
{
  JsonObject *by_user = handset_json_get_object (response, "one_time_keys");
  g_autoptr (GList) users = by_user ? json_object_get_members (by_user) : NULL;

  for (GList *u = users; u != NULL; u = u->next)
    {
      JsonObject *by_device = handset_json_get_object (by_user, u->data);
      g_autoptr (GList) devices = by_device ? json_object_get_members (by_device) : NULL;

      for (GList *d = devices; d != NULL; d = d->next)
        {
          HandsetDeviceKeys *device = handset_crypto_machine_get_device (self, u->data, d->data);
          JsonObject *keys = handset_json_get_object (by_device, d->data);
          g_autoptr (GList) key_ids = keys ? json_object_get_members (keys) : NULL;
          g_autofree char *ed_id = NULL;
          g_autoptr (GError) error = NULL;
          JsonObject *key;
          HandsetOlmSession *session;

          if (device == NULL || key_ids == NULL)
            continue;
          key = handset_json_get_object (keys, key_ids->data);
          ed_id = g_strconcat ("ed25519:", device->device_id, NULL);
          if (!g_str_has_prefix (key_ids->data, "signed_curve25519:") ||
              handset_json_get_string (key, "key") == NULL ||
              !handset_json_verify_signature (key, device->user_id, ed_id, device->ed25519, &error))
            {
              g_message ("One-time key of device %s of %s rejected: %s", device->device_id,
                         device->user_id, error ? error->message : "not a signed curve25519 key");
              continue;
            }
          session = handset_olm_session_new_outbound (self->account, device->curve25519,
                                                      handset_json_get_string (key, "key"), &error);
          if (session == NULL)
            {
              g_message ("No Olm session with device %s of %s: %s", device->device_id,
                         device->user_id, error->message);
              continue;
            }
          add_session (self, device->curve25519, session);
          g_hash_table_remove (self->claim_failed, device->curve25519);
          if (g_hash_table_remove (self->unwedge_pending, device->curve25519))
            queue_dummy (self, device);
        }
    }
  note_failed_claims (self, request);
}

/* ------------------------------------------------------------ to-device */

/**
 * handset_crypto_machine_encrypt_to_device:
 *
 * Encrypts one to-device event for @device with the Olm session last used
 * with it.
 *
 * Returns: (transfer full) (nullable): the m.room.encrypted content
 */
JsonObject *
handset_crypto_machine_encrypt_to_device (HandsetCryptoMachine *self,
                                          HandsetDeviceKeys *device,
                                          const char *type,
                                          JsonObject *content,
                                          GError **error)
{
  OlmEntry *entry = newest_session (self, device->curve25519);
  g_autoptr (JsonObject) payload = NULL;
  JsonObject *out, *ciphertext, *message;
  JsonObject *keys;
  char *plaintext;
  char *body;
  int message_type = 0;

  if (entry == NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION,
                   "no Olm session with device %s of %s", device->device_id, device->user_id);
      return NULL;
    }

  payload = json_object_new ();
  json_object_set_string_member (payload, "type", type);
  json_object_set_object_member (payload, "content", json_object_ref (content));
  json_object_set_string_member (payload, "sender", self->user_id);
  json_object_set_string_member (payload, "sender_device", self->device_id);
  json_object_set_string_member (payload, "recipient", device->user_id);
  keys = json_object_new ();
  json_object_set_string_member (keys, "ed25519", device->ed25519);
  json_object_set_object_member (payload, "recipient_keys", keys);
  keys = json_object_new ();
  json_object_set_string_member (keys, "ed25519", handset_olm_account_get_ed25519 (self->account));
  json_object_set_object_member (payload, "keys", keys);
  json_object_set_object_member (payload, "sender_device_keys",
                                 handset_crypto_machine_build_device_keys (self));

  plaintext = handset_crypto_object_to_string (payload);
  body = handset_olm_session_encrypt (entry->session, plaintext, &message_type);
  handset_wipe_string (plaintext);
  entry->last_used = self->now_us ();
  save_olm_session (self, device->curve25519, entry);

  message = json_object_new ();
  json_object_set_int_member (message, "type", message_type);
  json_object_set_string_member (message, "body", body);
  g_free (body);
  ciphertext = json_object_new ();
  json_object_set_object_member (ciphertext, device->curve25519, message);
  out = json_object_new ();
  json_object_set_string_member (out, "algorithm", HANDSET_OLM_ALGORITHM);
  json_object_set_string_member (out, "sender_key",
                                 handset_olm_account_get_curve25519 (self->account));
  json_object_set_object_member (out, "ciphertext", ciphertext);

  return out;
}

static char *
olm_decrypt (HandsetCryptoMachine *self,
             const char *sender_key,
             int type,
             const char *body,
             GError **error)
{
  GPtrArray *list = g_hash_table_lookup (self->olm_sessions, sender_key);
  g_autoptr (GError) local_error = NULL;
  HandsetOlmSession *session;
  OlmEntry *entry;
  char *plaintext;

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      entry = g_ptr_array_index (list, i);
      if (type == HANDSET_OLM_MESSAGE_PRE_KEY &&
          !handset_olm_session_matches_inbound (entry->session, sender_key, body))
        continue;
      plaintext = handset_olm_session_decrypt (entry->session, type, body, NULL);
      if (plaintext != NULL)
        {
          entry->last_used = self->now_us ();
          save_olm_session (self, sender_key, entry);
          return plaintext;
        }
      if (type == HANDSET_OLM_MESSAGE_PRE_KEY)
        {
          /* It matched, yet does not decrypt: damaged, or a replay of a
           * message this session already read. A new session from it
           * would read a replay again (when it was made with our fallback
           * key, which stays): none is made. */
          g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION,
                               "a pre-key message of a known Olm session does not decrypt");
          return NULL;
        }
    }

  if (type != HANDSET_OLM_MESSAGE_PRE_KEY)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION,
                           "no Olm session decrypts it");
      return NULL;
    }

  session = handset_olm_session_new_inbound (self->account, sender_key, body, &local_error);
  if (session == NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION,
                   "a new Olm session could not be made: %s", local_error->message);
      return NULL;
    }
  plaintext = handset_olm_session_decrypt (session, type, body, &local_error);
  if (plaintext == NULL)
    {
      handset_olm_session_free (session);
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION,
                   "the first message of a new Olm session does not decrypt: %s",
                   local_error->message);
      return NULL;
    }
  /* One-time keys are for one use. */
  handset_olm_account_remove_one_time_keys (self->account, session);
  handset_crypto_machine_save_account (self);
  add_session (self, sender_key, session);

  return plaintext;
}

/* Unwedged devices are remembered for an hour; past this many, the
 * oldest are forgotten, so junk cannot grow the tables for ever. */
#define MAX_UNWEDGED 1024

static void
plan_unwedge (HandsetCryptoMachine *self, const char *sender, const char *sender_key)
{
  gint64 *last = g_hash_table_lookup (self->unwedged, sender_key);
  gint64 now = self->now_us ();
  HandsetDeviceKeys *device = handset_crypto_machine_find_device_by_key (self, sender, sender_key);
  GHashTable *of_sender = g_hash_table_lookup (self->devices, sender);
  gint64 *when;

  if (last != NULL && now - *last < HANDSET_OLM_UNWEDGE_INTERVAL_US)
    return;
  /* Only for a key that is the sender's, or while the sender's devices are
   * not known: anyone may send garbage that names another's key. */
  if (device == NULL && of_sender != NULL && g_hash_table_size (of_sender) > 0 &&
      !handset_crypto_machine_is_user_outdated (self, sender))
    {
      g_message ("An undecryptable message from %s names a key none of their devices has", sender);
      return;
    }
  if (g_hash_table_size (self->unwedged) >= MAX_UNWEDGED)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->unwedged);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now - *(gint64 *) value >= HANDSET_OLM_UNWEDGE_INTERVAL_US)
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (self->unwedged) >= MAX_UNWEDGED)
        return;
    }
  if (g_hash_table_size (self->unwedge_pending) >= MAX_UNWEDGED)
    return;
  when = g_new (gint64, 1);
  *when = now;
  g_hash_table_insert (self->unwedged, g_strdup (sender_key), when);
  g_hash_table_add (self->unwedge_pending, g_strdup (sender_key));
  /* Its device must be known to claim a key of it. */
  if (device == NULL)
    handset_crypto_machine_mark_user_outdated (self, sender);
  g_message ("A message from %s could not be decrypted: a new Olm session will be made", sender);
}

/**
 * handset_crypto_machine_take_unwedge_messages:
 *
 * Returns: (transfer full) (nullable): to-device m.room.encrypted messages
 *   (user → device → content) of m.dummy events that start the new
 *   sessions made to unwedge broken ones
 */
JsonObject *
handset_crypto_machine_take_unwedge_messages (HandsetCryptoMachine *self)
{
  return g_steal_pointer (&self->unwedge_out);
}

static gboolean
check_sender_device_keys (JsonObject *payload,
                          const char *sender,
                          const char *sender_key,
                          const char *ed25519,
                          GError **error)
{
  JsonObject *object = handset_json_get_object (payload, "sender_device_keys");
  g_autoptr (HandsetDeviceKeys) device = NULL;

  if (object == NULL)
    return TRUE;
  device = handset_device_keys_parse (object, sender, handset_json_get_string (object, "device_id"),
                                      error);
  if (device == NULL)
    return FALSE;
  if (g_strcmp0 (device->curve25519, sender_key) != 0 || g_strcmp0 (device->ed25519, ed25519) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                           "the sender's device keys do not match the keys it used");
      return FALSE;
    }

  return TRUE;
}

/**
 * handset_crypto_machine_decrypt_to_device:
 * @event: a to-device m.room.encrypted event
 *
 * Decrypts it with Olm and checks who sent it and to whom. Room keys it
 * carries are kept. When it cannot be decrypted, a new session with its
 * sender is planned (at most once an hour per device).
 *
 * Returns: (transfer full) (nullable): the decrypted event (`type`,
 *   `content`, `sender`)
 */
JsonObject *
handset_crypto_machine_decrypt_to_device (HandsetCryptoMachine *self,
                                          JsonObject *event,
                                          GError **error)
{
  JsonObject *content = handset_json_get_object (event, "content");
  const char *sender = handset_json_get_string (event, "sender");
  const char *sender_key = handset_json_get_string (content, "sender_key");
  JsonObject *mine = handset_json_get_object (handset_json_get_object (content, "ciphertext"),
                                              handset_olm_account_get_curve25519 (self->account));
  g_autoptr (JsonObject) payload = NULL;
  g_autoptr (GError) local_error = NULL;
  HandsetDeviceKeys *device;
  const char *type, *ed25519;
  char *plaintext;
  gint64 message_type = -1;
  JsonObject *out;

  if (g_strcmp0 (handset_json_get_string (content, "algorithm"), HANDSET_OLM_ALGORITHM) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM,
                           "not encrypted with Olm v1");
      return NULL;
    }
  if (sender == NULL || sender_key == NULL ||
      handset_json_get_object (content, "ciphertext") == NULL)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "an Olm message without sender, sender key or ciphertext");
      return NULL;
    }
  if (mine == NULL)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NOT_FOR_US,
                           "an Olm message for another device");
      return NULL;
    }
  if (!handset_json_get_int (mine, "type", &message_type) ||
      handset_json_get_string (mine, "body") == NULL ||
      (message_type != HANDSET_OLM_MESSAGE_PRE_KEY && message_type != HANDSET_OLM_MESSAGE_NORMAL))
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "an Olm message of no known type");
      return NULL;
    }

  plaintext = olm_decrypt (self, sender_key, (int) message_type,
                           handset_json_get_string (mine, "body"), &local_error);
  if (plaintext == NULL)
    {
      plan_unwedge (self, sender, sender_key);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  payload = handset_crypto_object_from_string (plaintext);
  handset_wipe_string (plaintext);

  type = handset_json_get_string (payload, "type");
  ed25519 = handset_json_get_string (handset_json_get_object (payload, "keys"), "ed25519");
  if (payload == NULL || type == NULL || handset_json_get_object (payload, "content") == NULL ||
      ed25519 == NULL)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "a decrypted Olm message that is not an event");
      return NULL;
    }
  /* The checks of the spec's "Validation of incoming decrypted events". */
  if (g_strcmp0 (handset_json_get_string (payload, "sender"), sender) != 0 ||
      g_strcmp0 (handset_json_get_string (payload, "recipient"), self->user_id) != 0 ||
      g_strcmp0 (
          handset_json_get_string (handset_json_get_object (payload, "recipient_keys"), "ed25519"),
          handset_olm_account_get_ed25519 (self->account)) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                           "a decrypted Olm message names another sender or recipient");
      return NULL;
    }
  device = handset_crypto_machine_find_device_by_key (self, sender, sender_key);
  if (device != NULL && g_strcmp0 (device->ed25519, ed25519) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                           "a decrypted Olm message whose keys belong to another device");
      return NULL;
    }
  if (!check_sender_device_keys (payload, sender, sender_key, ed25519, error))
    return NULL;
  if (device == NULL)
    {
      /* Not known yet: its keys are fetched, and checked from then on. */
      const char *users[] = { sender, NULL };

      handset_crypto_machine_track_users (self, users);
    }

  if (g_str_equal (type, "m.room_key"))
    handset_crypto_machine_receive_room_key (self, sender, sender_key, ed25519,
                                             handset_json_get_object (payload, "content"));
  else if (g_str_equal (type, "m.forwarded_room_key"))
    /* Only the user's own verified devices may forward keys, and this
     * device verifies none yet. */
    g_message ("A forwarded room key from %s was refused: not from a verified device of ours",
               sender);

  out = json_object_new ();
  json_object_set_string_member (out, "type", type);
  json_object_set_object_member (out, "content",
                                 json_object_ref (handset_json_get_object (payload, "content")));
  json_object_set_string_member (out, "sender", sender);
  json_object_set_string_member (out, "sender_key", sender_key);

  return out;
}
