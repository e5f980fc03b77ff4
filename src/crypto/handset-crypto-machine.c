/* handset-crypto-machine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The end-to-end encryption of one device, without any I/O: it is fed what
 * /sync brings (to-device events, device-list changes, one-time-key counts)
 * and the answers of the key endpoints, and it builds the request bodies
 * and to-device messages it wants sent. src/matrix sends them. Everything
 * it learns is written to the crypto store at once, pickled with the
 * pickle key where it is secret. This file holds the account, the devices
 * and Olm; handset-crypto-megolm.c holds the room keys.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include "handset-canonical-json.h"
#include "handset-crypto-machine-private.h"
#include "handset-json.h"
#include "handset-cross-signing.h"
#include "handset-olm.h"

#define KEY_ACCOUNT          "account"
#define KEY_DEVICE_KEYS_SENT "device-keys-uploaded"
/* Olm sessions kept per device: the spec asks for at least 4. */
#define MAX_OLM_SESSIONS_PER_DEVICE 8
/* A device that had no one-time key is not asked again before this. */
#define CLAIM_RETRY_US (G_GINT64_CONSTANT (300) * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (HandsetCryptoMachine, handset_crypto_machine, G_TYPE_OBJECT)

/* ------------------------------------------------------------ small helpers */

JsonObject *
handset_crypto_ensure_object (JsonObject *object, const char *member)
{
  JsonObject *child = handset_json_get_object (object, member);

  if (child == NULL)
    {
      child = json_object_new ();
      json_object_set_object_member (object, member, child);
    }

  return child;
}

char *
handset_crypto_object_to_string (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);

  return json_to_string (node, FALSE);
}

/* Decrypted plaintexts are as hostile as anything else a remote party
 * sends: no larger than an event may be, and no deeper than the parser
 * can take. */
#define MAX_PLAINTEXT (256 * 1024)

JsonObject *
handset_crypto_object_from_string (const char *text)
{
  g_autoptr (JsonNode) node = NULL;
  gsize length;

  if (text == NULL)
    return NULL;
  length = strlen (text);
  if (length > MAX_PLAINTEXT || !handset_json_depth_ok (text, length, HANDSET_JSON_MAX_DEPTH))
    return NULL;
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_object_ref (json_node_get_object (node));
}

char *
handset_crypto_device_slot (const char *user_id, const char *device_id)
{
  return g_strconcat (user_id, " ", device_id, NULL);
}

/* The device of @user_id whose identity key is @curve25519: keys are
 * looked up per user, so no user can claim another's key. */
HandsetDeviceKeys *
handset_crypto_machine_find_device_by_key (HandsetCryptoMachine *self,
                                           const char *user_id,
                                           const char *curve25519)
{
  GHashTable *of_user = user_id ? g_hash_table_lookup (self->devices, user_id) : NULL;
  GHashTableIter iter;
  gpointer value;

  if (of_user == NULL || curve25519 == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, of_user);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((HandsetDeviceKeys *) value)->curve25519, curve25519) == 0)
      return value;

  return NULL;
}

/* Signs @object in place with our ed25519 key. */
static void
sign_object (HandsetCryptoMachine *self, JsonObject *object)
{
  g_autofree char *canonical = handset_canonical_json_for_signing (object, NULL);
  g_autofree char *signature = NULL;
  g_autofree char *key_id = g_strconcat ("ed25519:", self->device_id, NULL);

  g_return_if_fail (canonical != NULL);
  signature = handset_olm_account_sign (self->account, canonical, strlen (canonical));
  json_object_set_string_member (
      handset_crypto_ensure_object (handset_crypto_ensure_object (object, "signatures"),
                                    self->user_id),
      key_id, signature);
}

static void
identity_free (Identity *identity)
{
  g_free (identity->master);
  g_free (identity->self_signing);
  g_free (identity->user_signing);
  g_clear_pointer (&identity->master_json, json_object_unref);
  g_free (identity);
}

static void
olm_entry_free (OlmEntry *entry)
{
  handset_olm_session_free (entry->session);
  g_free (entry);
}

static void
inbound_entry_free (InboundEntry *entry)
{
  handset_megolm_inbound_free (entry->session);
  g_free (entry->room_id);
  g_free (entry->sender_key);
  g_free (entry->sender_user);
  g_free (entry->signing_key);
  g_free (entry);
}

static void
outbound_entry_free (OutboundEntry *entry)
{
  handset_megolm_outbound_free (entry->session);
  g_hash_table_unref (entry->shared_with);
  g_free (entry);
}

/* ------------------------------------------------------------ persistence */

static void
save_account (HandsetCryptoMachine *self)
{
  g_autoptr (GError) error = NULL;
  char *pickle = handset_olm_account_pickle (self->account, self->pickle_key);

  if (!handset_crypto_store_set_value (self->store, KEY_ACCOUNT, pickle, &error))
    g_warning ("The Olm account could not be saved: %s", error->message);
  handset_wipe_string (pickle);
}

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

void
handset_crypto_machine_save_inbound (HandsetCryptoMachine *self, InboundEntry *entry)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autofree char *extra_json = NULL;
  HandsetCryptoRow row = { 0 };

  json_object_set_string_member (extra, "sender_key", entry->sender_key);
  json_object_set_string_member (extra, "sender", entry->sender_user);
  json_object_set_string_member (extra, "ed25519", entry->signing_key);
  extra_json = handset_crypto_object_to_string (extra);
  row.key1 = entry->room_id;
  row.key2 = (char *) handset_megolm_inbound_get_id (entry->session);
  row.extra = extra_json;
  row.pickle = handset_megolm_inbound_pickle (entry->session, self->pickle_key);
  if (!handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_INBOUND_GROUP_SESSIONS, &row,
                                 &error))
    g_warning ("A room key could not be saved: %s", error->message);
  handset_wipe_string (row.pickle);
}

void
handset_crypto_machine_save_outbound (HandsetCryptoMachine *self,
                                      const char *room_id,
                                      OutboundEntry *entry)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autofree char *extra_json = NULL;
  JsonObject *shared = json_object_new ();
  HandsetCryptoRow row = { 0 };
  GHashTableIter iter;
  gpointer slot, key;

  g_hash_table_iter_init (&iter, entry->shared_with);
  while (g_hash_table_iter_next (&iter, &slot, &key))
    json_object_set_string_member (shared, slot, key);
  json_object_set_object_member (extra, "shared_with", shared);
  json_object_set_int_member (extra, "messages", entry->messages);
  extra_json = handset_crypto_object_to_string (extra);
  row.key1 = (char *) room_id;
  row.key2 = "";
  row.extra = extra_json;
  row.stamp = entry->created;
  row.pickle = handset_megolm_outbound_pickle (entry->session, self->pickle_key);
  if (!handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_OUTBOUND_GROUP_SESSIONS, &row,
                                 &error))
    g_warning ("A room's outgoing key could not be saved: %s", error->message);
  handset_wipe_string (row.pickle);
}

static void
save_user (HandsetCryptoMachine *self, const char *user_id, gboolean outdated)
{
  HandsetCryptoRow row = { 0 };

  row.key1 = (char *) user_id;
  row.key2 = "";
  row.extra = outdated ? "{\"outdated\":true}" : "{\"outdated\":false}";
  handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_USERS, &row, NULL);
}

static void
save_identity (HandsetCryptoMachine *self, const char *user_id, Identity *identity)
{
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autofree char *json = NULL;
  HandsetCryptoRow row = { 0 };

  json_object_set_string_member (extra, "master", identity->master);
  if (identity->self_signing != NULL)
    json_object_set_string_member (extra, "self_signing", identity->self_signing);
  if (identity->user_signing != NULL)
    json_object_set_string_member (extra, "user_signing", identity->user_signing);
  if (identity->master_json != NULL)
    json_object_set_object_member (extra, "master_json", json_object_ref (identity->master_json));
  json_object_set_boolean_member (extra, "changed", identity->changed);
  json = handset_crypto_object_to_string (extra);
  row.key1 = (char *) user_id;
  row.key2 = "";
  row.extra = json;
  handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_IDENTITIES, &row, NULL);
}

static void
load_store (HandsetCryptoMachine *self)
{
  g_autoptr (GPtrArray) rows = NULL;

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_IDENTITIES);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);
      g_autoptr (JsonObject) extra = handset_crypto_object_from_string (row->extra);
      Identity *identity;
      JsonNode *changed;

      if (extra == NULL || handset_json_get_string (extra, "master") == NULL)
        continue;
      identity = g_new0 (Identity, 1);
      identity->master = g_strdup (handset_json_get_string (extra, "master"));
      identity->self_signing = g_strdup (handset_json_get_string (extra, "self_signing"));
      identity->user_signing = g_strdup (handset_json_get_string (extra, "user_signing"));
      if (handset_json_get_object (extra, "master_json") != NULL)
        identity->master_json = json_object_ref (handset_json_get_object (extra, "master_json"));
      changed = json_object_get_member (extra, "changed");
      identity->changed = changed != NULL && JSON_NODE_HOLDS_VALUE (changed) &&
                          json_node_get_value_type (changed) == G_TYPE_BOOLEAN &&
                          json_node_get_boolean (changed);
      g_hash_table_insert (self->identities, g_strdup (row->key1), identity);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_OLM_SESSIONS);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);
      g_autoptr (GError) error = NULL;
      HandsetOlmSession *session =
          handset_olm_session_unpickle (row->pickle, self->pickle_key, &error);
      GPtrArray *list;
      OlmEntry *entry;

      if (session == NULL)
        {
          g_warning ("An Olm session could not be read: %s", error->message);
          continue;
        }
      list = g_hash_table_lookup (self->olm_sessions, row->key1);
      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func ((GDestroyNotify) olm_entry_free);
          g_hash_table_insert (self->olm_sessions, g_strdup (row->key1), list);
        }
      entry = g_new0 (OlmEntry, 1);
      entry->session = session;
      entry->last_used = row->stamp;
      g_ptr_array_add (list, entry);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_INBOUND_GROUP_SESSIONS);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) extra = handset_crypto_object_from_string (row->extra);
      HandsetMegolmInbound *session =
          handset_megolm_inbound_unpickle (row->pickle, self->pickle_key, &error);
      InboundEntry *entry;

      if (session == NULL || extra == NULL)
        {
          g_warning ("A room key could not be read: %s", error ? error->message : "no facts");
          handset_megolm_inbound_free (session);
          continue;
        }
      entry = g_new0 (InboundEntry, 1);
      entry->session = session;
      entry->room_id = g_strdup (row->key1);
      entry->sender_key = g_strdup (handset_json_get_string (extra, "sender_key"));
      entry->sender_user = g_strdup (handset_json_get_string (extra, "sender"));
      entry->signing_key = g_strdup (handset_json_get_string (extra, "ed25519"));
      g_hash_table_insert (self->inbound, g_strconcat (row->key1, " ", row->key2, NULL), entry);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_OUTBOUND_GROUP_SESSIONS);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);
      g_autoptr (JsonObject) extra = handset_crypto_object_from_string (row->extra);
      HandsetMegolmOutbound *session =
          handset_megolm_outbound_unpickle (row->pickle, self->pickle_key, NULL);
      JsonObject *shared = handset_json_get_object (extra, "shared_with");
      OutboundEntry *entry;
      gint64 messages = 0;

      if (session == NULL || extra == NULL)
        {
          handset_megolm_outbound_free (session);
          continue;
        }
      entry = g_new0 (OutboundEntry, 1);
      entry->session = session;
      entry->created = row->stamp;
      handset_json_get_int (extra, "messages", &messages);
      entry->messages = (guint) messages;
      entry->shared_with = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      if (shared != NULL)
        {
          g_autoptr (GList) members = json_object_get_members (shared);

          for (GList *l = members; l != NULL; l = l->next)
            g_hash_table_insert (entry->shared_with, g_strdup (l->data),
                                 g_strdup (handset_json_get_string (shared, l->data)));
        }
      g_hash_table_insert (self->outbound, g_strdup (row->key1), entry);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_DEVICES);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);
      HandsetDeviceKeys *device = handset_device_keys_from_json (row->extra, NULL);
      GHashTable *of_user;

      if (device == NULL)
        continue;
      if (row->stamp == 1)
        {
          /* Deleted: its keys stay, so its ID cannot come back with others. */
          g_hash_table_insert (
              self->gone, handset_crypto_device_slot (device->user_id, device->device_id), device);
          continue;
        }
      of_user = g_hash_table_lookup (self->devices, device->user_id);
      if (of_user == NULL)
        {
          of_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) handset_device_keys_free);
          g_hash_table_insert (self->devices, g_strdup (device->user_id), of_user);
        }
      g_hash_table_insert (of_user, g_strdup (device->device_id), device);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_USERS);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);
      gboolean outdated = row->extra == NULL || strstr (row->extra, "true") != NULL;

      g_hash_table_insert (self->tracked, g_strdup (row->key1), GINT_TO_POINTER (outdated));
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  rows = handset_crypto_store_list (self->store, HANDSET_CRYPTO_TABLE_MESSAGE_INDICES);
  for (guint i = 0; i < rows->len; i++)
    {
      HandsetCryptoRow *row = g_ptr_array_index (rows, i);

      g_hash_table_insert (self->indices, g_strconcat (row->key1, " ", row->key2, NULL),
                           g_strdup (row->extra));
    }
}

/* ------------------------------------------------------------ object */

static gint64
real_now_us (void)
{
  return g_get_real_time ();
}

static void
handset_crypto_machine_finalize (GObject *object)
{
  HandsetCryptoMachine *self = HANDSET_CRYPTO_MACHINE (object);

  {
    volatile guint8 *key = self->pickle_key;

    for (gsize i = 0; i < sizeof self->pickle_key; i++)
      key[i] = 0;
  }
  g_free (self->user_id);
  g_free (self->device_id);
  g_clear_object (&self->store);
  g_clear_pointer (&self->account, handset_olm_account_free);
  g_hash_table_unref (self->olm_sessions);
  g_hash_table_unref (self->gone);
  g_hash_table_unref (self->querying);
  g_hash_table_unref (self->identities);
  g_hash_table_unref (self->devices);
  g_hash_table_unref (self->tracked);
  g_hash_table_unref (self->inbound);
  g_hash_table_unref (self->withheld);
  g_hash_table_unref (self->refusing);
  g_hash_table_unref (self->outbound);
  g_hash_table_unref (self->indices);
  g_hash_table_unref (self->unwedged);
  g_hash_table_unref (self->unwedge_pending);
  g_hash_table_unref (self->claim_failed);
  g_clear_pointer (&self->unwedge_out, json_object_unref);

  G_OBJECT_CLASS (handset_crypto_machine_parent_class)->finalize (object);
}

static void
handset_crypto_machine_class_init (HandsetCryptoMachineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_crypto_machine_finalize;
}

static void
handset_crypto_machine_init (HandsetCryptoMachine *self)
{
  self->now_us = real_now_us;
  self->one_time_key_count = -1;
  self->olm_sessions =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->devices =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) handset_device_keys_free);
  self->querying = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->identities =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) identity_free);
  self->tracked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->withheld = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->refusing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->inbound =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) inbound_entry_free);
  self->outbound =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) outbound_entry_free);
  self->indices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->unwedged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->unwedge_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->claim_failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * handset_crypto_machine_new:
 * @store: where this device's keys are kept
 * @pickle_key: the 32-byte key every secret is pickled with
 *
 * Opens the device's Olm account from @store, or makes a new one when the
 * store holds none. A store whose account @pickle_key cannot open is an
 * error (%HANDSET_OLM_ERROR_BAD_PICKLE_KEY): it is never overwritten.
 *
 * Returns: (transfer full) (nullable): the machine
 */
HandsetCryptoMachine *
handset_crypto_machine_new (const char *user_id,
                            const char *device_id,
                            HandsetCryptoStore *store,
                            const guint8 *pickle_key,
                            GError **error)
{
  g_autoptr (HandsetCryptoMachine) self = g_object_new (HANDSET_TYPE_CRYPTO_MACHINE, NULL);
  g_autofree char *pickle = NULL;
  g_autofree char *uploaded = NULL;

  self->user_id = g_strdup (user_id);
  self->device_id = g_strdup (device_id);
  self->store = g_object_ref (store);
  memcpy (self->pickle_key, pickle_key, sizeof self->pickle_key);

  pickle = handset_crypto_store_get_value (store, KEY_ACCOUNT);
  if (pickle == NULL)
    {
      self->account = handset_olm_account_new ();
      self->is_new = TRUE;
      self->one_time_key_count = 0;
      self->need_fallback_key = TRUE;
      save_account (self);
      g_message ("A new encryption identity for device %s", device_id);
    }
  else
    {
      self->account = handset_olm_account_unpickle (pickle, self->pickle_key, error);
      if (self->account == NULL)
        return NULL;
      uploaded = handset_crypto_store_get_value (store, KEY_DEVICE_KEYS_SENT);
      self->device_keys_uploaded = g_strcmp0 (uploaded, "yes") == 0;
      load_store (self);
    }

  return g_steal_pointer (&self);
}

const char *
handset_crypto_machine_get_user_id (HandsetCryptoMachine *self)
{
  return self->user_id;
}

const char *
handset_crypto_machine_get_device_id (HandsetCryptoMachine *self)
{
  return self->device_id;
}

const char *
handset_crypto_machine_get_curve25519 (HandsetCryptoMachine *self)
{
  return handset_olm_account_get_curve25519 (self->account);
}

const char *
handset_crypto_machine_get_ed25519 (HandsetCryptoMachine *self)
{
  return handset_olm_account_get_ed25519 (self->account);
}

/* The account was made by this run, not read from the store. */
gboolean
handset_crypto_machine_is_new (HandsetCryptoMachine *self)
{
  return self->is_new;
}

/* For tests: the clock that rotation and unwedging go by. */
void
handset_crypto_machine_set_clock (HandsetCryptoMachine *self, gint64 (*now_us) (void))
{
  self->now_us = now_us ? now_us : real_now_us;
}

/* ------------------------------------------------------------ own keys */

static JsonObject *
build_device_keys (HandsetCryptoMachine *self)
{
  JsonObject *keys = json_object_new ();
  JsonObject *key_map = json_object_new ();
  JsonArray *algorithms = json_array_new ();
  g_autofree char *curve_id = g_strconcat ("curve25519:", self->device_id, NULL);
  g_autofree char *ed_id = g_strconcat ("ed25519:", self->device_id, NULL);

  json_object_set_string_member (keys, "user_id", self->user_id);
  json_object_set_string_member (keys, "device_id", self->device_id);
  json_array_add_string_element (algorithms, HANDSET_OLM_ALGORITHM);
  json_array_add_string_element (algorithms, HANDSET_MEGOLM_ALGORITHM);
  json_object_set_array_member (keys, "algorithms", algorithms);
  json_object_set_string_member (key_map, curve_id,
                                 handset_olm_account_get_curve25519 (self->account));
  json_object_set_string_member (key_map, ed_id, handset_olm_account_get_ed25519 (self->account));
  json_object_set_object_member (keys, "keys", key_map);
  sign_object (self, keys);

  return keys;
}

/**
 * handset_crypto_machine_build_device_keys:
 *
 * Returns: (transfer full): this device's keys as it publishes them,
 *   signed by the device, for a cross-signing key to sign as well
 */
JsonObject *
handset_crypto_machine_build_device_keys (HandsetCryptoMachine *self)
{
  return build_device_keys (self);
}

static JsonObject *
signed_keys (HandsetCryptoMachine *self, GHashTable *keys, gboolean fallback)
{
  JsonObject *out = json_object_new ();
  GHashTableIter iter;
  gpointer id, key;

  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &id, &key))
    {
      g_autofree char *name = g_strconcat ("signed_curve25519:", (char *) id, NULL);
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "key", key);
      if (fallback)
        json_object_set_boolean_member (entry, "fallback", TRUE);
      sign_object (self, entry);
      json_object_set_object_member (out, name, entry);
    }

  return out;
}

/**
 * handset_crypto_machine_build_keys_upload:
 *
 * Returns: (transfer full) (nullable): the body of a /keys/upload request
 *   that publishes what the server lacks (the device keys once, one-time
 *   keys up to half of what the account can hold, a fallback key), or
 *   %NULL when there is nothing to publish
 */
JsonObject *
handset_crypto_machine_build_keys_upload (HandsetCryptoMachine *self)
{
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (GHashTable) one_time = NULL;
  g_autoptr (GHashTable) fallback = NULL;
  gboolean changed = FALSE;

  if (!self->device_keys_uploaded)
    json_object_set_object_member (body, "device_keys", build_device_keys (self));

  if (self->one_time_key_count >= 0)
    {
      gint64 target = (gint64) handset_olm_account_get_max_one_time_keys (self->account) / 2;
      gint64 unpublished;

      one_time = handset_olm_account_get_one_time_keys (self->account);
      unpublished = g_hash_table_size (one_time);
      /* The count comes from the server: any gint64. Compared so that
       * nothing overflows. */
      if (self->one_time_key_count < target - unpublished)
        {
          handset_olm_account_generate_one_time_keys (
              self->account, (gsize) (target - unpublished - self->one_time_key_count));
          g_hash_table_unref (one_time);
          one_time = handset_olm_account_get_one_time_keys (self->account);
          changed = TRUE;
        }
      if (g_hash_table_size (one_time) > 0)
        json_object_set_object_member (body, "one_time_keys", signed_keys (self, one_time, FALSE));
    }

  if (self->need_fallback_key)
    {
      handset_olm_account_generate_fallback_key (self->account);
      self->need_fallback_key = FALSE;
      self->fallback_rotated = self->now_us ();
      changed = TRUE;
    }
  fallback = handset_olm_account_get_unpublished_fallback_key (self->account);
  if (g_hash_table_size (fallback) > 0)
    json_object_set_object_member (body, "fallback_keys", signed_keys (self, fallback, TRUE));

  if (changed)
    save_account (self);

  if (json_object_get_size (body) == 0)
    return NULL;

  return g_steal_pointer (&body);
}

/**
 * handset_crypto_machine_keys_uploaded:
 * @response: the answer of /keys/upload to the last built body
 */
void
handset_crypto_machine_keys_uploaded (HandsetCryptoMachine *self, JsonObject *response)
{
  gint64 count;

  handset_olm_account_mark_keys_as_published (self->account);
  save_account (self);
  if (!self->device_keys_uploaded)
    {
      self->device_keys_uploaded = TRUE;
      handset_crypto_store_set_value (self->store, KEY_DEVICE_KEYS_SENT, "yes", NULL);
    }
  if (handset_json_get_int (handset_json_get_object (response, "one_time_key_counts"),
                            "signed_curve25519", &count))
    self->one_time_key_count = MAX (count, 0);
}

/**
 * handset_crypto_machine_receive_key_counts:
 * @one_time_key_counts: (nullable): `device_one_time_keys_count` of /sync
 * @unused_fallback_key_types: (nullable): `device_unused_fallback_key_types`
 *
 * After this, handset_crypto_machine_build_keys_upload() tops the keys up.
 */
void
handset_crypto_machine_receive_key_counts (HandsetCryptoMachine *self,
                                           JsonObject *one_time_key_counts,
                                           JsonArray *unused_fallback_key_types)
{
  gint64 count = 0;
  gboolean has_fallback = FALSE;

  if (one_time_key_counts != NULL)
    {
      handset_json_get_int (one_time_key_counts, "signed_curve25519", &count);
      self->one_time_key_count = MAX (count, 0);
    }
  /* Absent means "not said", not "none left". */
  if (unused_fallback_key_types == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (unused_fallback_key_types); i++)
    {
      JsonNode *node = json_array_get_element (unused_fallback_key_types, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), "signed_curve25519") == 0)
        has_fallback = TRUE;
    }
  /* A new one once the server says ours was used; at most once an hour,
   * as a sync made before our last upload says so too, and a key replaced
   * twice in a row is lost to the peer that just claimed it. */
  if (!has_fallback && self->device_keys_uploaded &&
      self->now_us () - self->fallback_rotated >= HANDSET_OLM_UNWEDGE_INTERVAL_US)
    {
      g_autoptr (GHashTable) unpublished =
          handset_olm_account_get_unpublished_fallback_key (self->account);

      if (g_hash_table_size (unpublished) == 0)
        self->need_fallback_key = TRUE;
    }
}

/* ------------------------------------------------------------ devices */

/**
 * handset_crypto_machine_track_users:
 *
 * Starts following the devices of @user_ids; new ones are outdated until a
 * /keys/query answer names their devices.
 */
void
handset_crypto_machine_track_users (HandsetCryptoMachine *self, const char *const *user_ids)
{
  for (guint i = 0; user_ids != NULL && user_ids[i] != NULL; i++)
    if (!g_hash_table_contains (self->tracked, user_ids[i]))
      {
        g_hash_table_insert (self->tracked, g_strdup (user_ids[i]), GINT_TO_POINTER (TRUE));
        save_user (self, user_ids[i], TRUE);
      }
}

static void
mark_outdated (HandsetCryptoMachine *self, const char *user_id)
{
  /* A query already out may answer with the list from before the change. */
  if (g_hash_table_contains (self->querying, user_id))
    g_hash_table_insert (self->querying, g_strdup (user_id), GINT_TO_POINTER (TRUE));
  if (g_hash_table_contains (self->tracked, user_id))
    {
      g_hash_table_insert (self->tracked, g_strdup (user_id), GINT_TO_POINTER (TRUE));
      save_user (self, user_id, TRUE);
    }
}

/**
 * handset_crypto_machine_mark_user_outdated:
 *
 * Follows @user_id's devices, and has them fetched again.
 */
void
handset_crypto_machine_mark_user_outdated (HandsetCryptoMachine *self, const char *user_id)
{
  const char *users[] = { user_id, NULL };

  handset_crypto_machine_track_users (self, users);
  mark_outdated (self, user_id);
}

/**
 * handset_crypto_machine_receive_device_list_changes:
 * @changed: (nullable): `device_lists.changed` of /sync
 * @left: (nullable): `device_lists.left`
 */
void
handset_crypto_machine_receive_device_list_changes (HandsetCryptoMachine *self,
                                                    JsonArray *changed,
                                                    JsonArray *left)
{
  for (guint i = 0; changed != NULL && i < json_array_get_length (changed); i++)
    {
      JsonNode *node = json_array_get_element (changed, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        mark_outdated (self, json_node_get_string (node));
    }
  for (guint i = 0; left != NULL && i < json_array_get_length (left); i++)
    {
      JsonNode *node = json_array_get_element (left, i);
      const char *user_id;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      user_id = json_node_get_string (node);
      /* No room shared any more: its devices are not followed. The keys
       * stay, for the events already received. */
      if (g_strcmp0 (user_id, self->user_id) != 0 && g_hash_table_remove (self->tracked, user_id))
        handset_crypto_store_delete (self->store, HANDSET_CRYPTO_TABLE_USERS, user_id, "", NULL);
    }
}

/**
 * handset_crypto_machine_get_outdated_users:
 *
 * Returns: (transfer full): the users whose device lists /keys/query must
 *   fetch
 */
GStrv
handset_crypto_machine_get_outdated_users (HandsetCryptoMachine *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer user_id, outdated;

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, &user_id, &outdated))
    if (GPOINTER_TO_INT (outdated))
      g_strv_builder_add (builder, user_id);

  return g_strv_builder_end (builder);
}

gboolean
handset_crypto_machine_is_user_outdated (HandsetCryptoMachine *self, const char *user_id)
{
  gpointer outdated;

  if (!g_hash_table_lookup_extended (self->tracked, user_id, NULL, &outdated))
    return TRUE;

  return GPOINTER_TO_INT (outdated);
}

static void
save_device (HandsetCryptoMachine *self, HandsetDeviceKeys *device, gboolean gone)
{
  g_autofree char *json = handset_device_keys_to_json (device);
  HandsetCryptoRow row = { 0 };

  row.key1 = device->user_id;
  row.key2 = device->device_id;
  row.extra = json;
  row.stamp = gone ? 1 : 0;
  handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_DEVICES, &row, NULL);
}

/* A deleted device keeps its keys as a tombstone: if its ID comes back,
 * it must come back with the same keys. */
static void
remove_device (HandsetCryptoMachine *self, GHashTable *of_user, HandsetDeviceKeys *device)
{
  gpointer key = NULL;

  if (g_hash_table_steal_extended (of_user, device->device_id, &key, NULL))
    g_free (key);
  save_device (self, device, TRUE);
  g_hash_table_insert (self->gone, handset_crypto_device_slot (device->user_id, device->device_id),
                       device);
}

static void
receive_user_devices (HandsetCryptoMachine *self, const char *user_id, JsonObject *devices)
{
  GHashTable *of_user = g_hash_table_lookup (self->devices, user_id);
  g_autoptr (GList) names = json_object_get_members (devices);
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer device_id, known;

  if (of_user == NULL)
    {
      of_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) handset_device_keys_free);
      g_hash_table_insert (self->devices, g_strdup (user_id), of_user);
    }

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *id = l->data;
      g_autoptr (GError) error = NULL;
      HandsetDeviceKeys *device;
      HandsetDeviceKeys *old = g_hash_table_lookup (of_user, id);
      g_autofree char *slot = handset_crypto_device_slot (user_id, id);
      HandsetDeviceKeys *was = g_hash_table_lookup (self->gone, slot);

      device =
          handset_device_keys_parse (handset_json_get_object (devices, id), user_id, id, &error);
      if (device == NULL)
        {
          g_message ("Keys of device %s of %s rejected: %s", id, user_id, error->message);
          continue;
        }
      if (old == NULL)
        old = was;
      if (old != NULL && (g_strcmp0 (old->ed25519, device->ed25519) != 0 ||
                          g_strcmp0 (old->curve25519, device->curve25519) != 0))
        {
          /* A device ID does not change its keys: someone else's keys. */
          g_message ("Device %s of %s came with other keys than before; rejected", id, user_id);
          handset_device_keys_free (device);
          continue;
        }
      {
        HandsetDeviceKeys *twin =
            handset_crypto_machine_find_device_by_key (self, user_id, device->curve25519);

        if (twin != NULL && !g_str_equal (twin->device_id, id))
          {
            g_message ("Device %s of %s claims the key of its device %s; rejected", id, user_id,
                       twin->device_id);
            handset_device_keys_free (device);
            continue;
          }
      }
      if (was != NULL)
        g_hash_table_remove (self->gone, slot);
      g_hash_table_insert (of_user, g_strdup (id), device);
      save_device (self, device, FALSE);
    }

  /* Devices the answer no longer names are gone. */
  g_hash_table_iter_init (&iter, of_user);
  while (g_hash_table_iter_next (&iter, &device_id, &known))
    if (!json_object_has_member (devices, device_id))
      g_ptr_array_add (gone, known);
  for (guint i = 0; i < gone->len; i++)
    {
      HandsetDeviceKeys *device = g_ptr_array_index (gone, i);

      g_debug ("Device %s of %s is gone", device->device_id, user_id);
      remove_device (self, of_user, device);
    }
}

/* The user's cross-signing keys from a /keys/query answer. A master key
 * other than the one seen before marks the identity changed, until the
 * person accepts it. Only our own user-signing key is published to us. */
static void
receive_identity (HandsetCryptoMachine *self, const char *user_id, JsonObject *response)
{
  g_autoptr (HandsetCrossSigningKey) master = NULL;
  g_autoptr (HandsetCrossSigningKey) self_signing = NULL;
  g_autoptr (HandsetCrossSigningKey) user_signing = NULL;
  g_autoptr (GError) error = NULL;
  Identity *identity = g_hash_table_lookup (self->identities, user_id);
  JsonObject *master_json =
      handset_json_get_object (handset_json_get_object (response, "master_keys"), user_id);
  JsonObject *ssk_json =
      handset_json_get_object (handset_json_get_object (response, "self_signing_keys"), user_id);
  JsonObject *usk_json =
      handset_json_get_object (handset_json_get_object (response, "user_signing_keys"), user_id);

  if (master_json == NULL)
    return;
  master = handset_cross_signing_key_parse (master_json, user_id, "master", NULL, &error);
  if (master == NULL)
    {
      g_message ("The master key of %s was rejected: %s", user_id, error->message);
      return;
    }
  if (ssk_json != NULL)
    {
      self_signing = handset_cross_signing_key_parse (ssk_json, user_id, "self_signing",
                                                      master->ed25519, &error);
      if (self_signing == NULL)
        g_message ("The self-signing key of %s was rejected: %s", user_id, error->message);
      g_clear_error (&error);
    }
  if (usk_json != NULL && g_str_equal (user_id, self->user_id))
    {
      user_signing = handset_cross_signing_key_parse (usk_json, user_id, "user_signing",
                                                      master->ed25519, &error);
      if (user_signing == NULL)
        g_message ("The user-signing key of %s was rejected: %s", user_id, error->message);
    }

  if (identity == NULL)
    {
      identity = g_new0 (Identity, 1);
      identity->master = g_strdup (master->ed25519);
      g_hash_table_insert (self->identities, g_strdup (user_id), identity);
    }
  else if (!g_str_equal (identity->master, master->ed25519))
    {
      g_message ("The identity of %s changed (a new master key)", user_id);
      g_free (identity->master);
      identity->master = g_strdup (master->ed25519);
      identity->changed = TRUE;
    }
  g_free (identity->self_signing);
  identity->self_signing = self_signing ? g_strdup (self_signing->ed25519) : NULL;
  g_free (identity->user_signing);
  identity->user_signing = user_signing ? g_strdup (user_signing->ed25519) : NULL;
  g_clear_pointer (&identity->master_json, json_object_unref);
  identity->master_json = json_object_ref (master->json);
  save_identity (self, user_id, identity);
}

/**
 * handset_crypto_machine_get_cross_signing_keys:
 * @master: (out) (optional) (transfer none): the master key
 * @self_signing: (out) (optional) (transfer none): the self-signing key
 * @user_signing: (out) (optional) (transfer none): the user-signing key
 *
 * The public cross-signing keys of @user_id as last seen (each checked
 * against the master key), or %NULL.
 *
 * Returns: whether @user_id has a master key
 */
gboolean
handset_crypto_machine_get_cross_signing_keys (HandsetCryptoMachine *self,
                                               const char *user_id,
                                               const char **master,
                                               const char **self_signing,
                                               const char **user_signing)
{
  Identity *identity = g_hash_table_lookup (self->identities, user_id);

  if (master != NULL)
    *master = identity ? identity->master : NULL;
  if (self_signing != NULL)
    *self_signing = identity ? identity->self_signing : NULL;
  if (user_signing != NULL)
    *user_signing = identity ? identity->user_signing : NULL;

  return identity != NULL;
}

/**
 * handset_crypto_machine_get_user_verified:
 *
 * Returns: whether we verified @user_id: their master key carries a
 *   signature by our user-signing key, itself signed by our master key.
 *   For ourselves, whether this device is cross-signed.
 */
gboolean
handset_crypto_machine_get_user_verified (HandsetCryptoMachine *self, const char *user_id)
{
  Identity *ours = g_hash_table_lookup (self->identities, self->user_id);
  Identity *theirs = g_hash_table_lookup (self->identities, user_id);

  if (g_strcmp0 (user_id, self->user_id) == 0)
    return handset_crypto_machine_get_own_device_cross_signed (self);
  return ours != NULL && ours->user_signing != NULL && theirs != NULL &&
         theirs->master_json != NULL &&
         handset_json_signed_by_key (theirs->master_json, self->user_id, ours->user_signing);
}

/**
 * handset_crypto_machine_get_own_device_cross_signed:
 *
 * Returns: whether this device's keys, as the server last gave them, carry
 *   our self-signing key's signature
 */
gboolean
handset_crypto_machine_get_own_device_cross_signed (HandsetCryptoMachine *self)
{
  HandsetDeviceKeys *device =
      handset_crypto_machine_get_device (self, self->user_id, self->device_id);

  return device != NULL &&
         g_strcmp0 (device->ed25519, handset_crypto_machine_get_ed25519 (self)) == 0 &&
         handset_crypto_machine_device_is_cross_signed (self, device);
}

/**
 * handset_crypto_machine_set_only_cross_signed:
 *
 * When on, room keys go only to devices their owner cross-signed, and not
 * to those of a user whose identity changed unaccepted (Element's
 * "exclude insecure devices").
 */
void
handset_crypto_machine_set_only_cross_signed (HandsetCryptoMachine *self, gboolean only)
{
  self->only_cross_signed = only;
}

gboolean
handset_crypto_machine_get_only_cross_signed (HandsetCryptoMachine *self)
{
  return self->only_cross_signed;
}

/**
 * handset_crypto_machine_device_is_trusted:
 *
 * Returns: whether @device may be given room keys under the current
 *   policy (always, unless only cross-signed devices are)
 */
gboolean
handset_crypto_machine_device_is_trusted (HandsetCryptoMachine *self, HandsetDeviceKeys *device)
{
  if (!self->only_cross_signed)
    return TRUE;
  return handset_crypto_machine_device_is_cross_signed (self, device) &&
         !handset_crypto_machine_get_identity_changed (self, device->user_id);
}

/**
 * handset_crypto_machine_device_is_cross_signed:
 *
 * Returns: whether @device is signed by its owner's self-signing key,
 *   itself signed by their master key
 */
gboolean
handset_crypto_machine_device_is_cross_signed (HandsetCryptoMachine *self,
                                               HandsetDeviceKeys *device)
{
  Identity *identity = g_hash_table_lookup (self->identities, device->user_id);

  return identity != NULL && identity->self_signing != NULL &&
         handset_json_signed_by_key (device->json, device->user_id, identity->self_signing);
}

/**
 * handset_crypto_machine_get_identity_changed:
 *
 * Returns: whether @user_id's master key changed since Handset first saw
 *   it (they reset their identity, or someone else's stands in for it)
 */
gboolean
handset_crypto_machine_get_identity_changed (HandsetCryptoMachine *self, const char *user_id)
{
  Identity *identity = g_hash_table_lookup (self->identities, user_id);

  return identity != NULL && identity->changed;
}

/**
 * handset_crypto_machine_accept_identity:
 *
 * The person accepts @user_id's new identity: no more warnings for it.
 */
void
handset_crypto_machine_accept_identity (HandsetCryptoMachine *self, const char *user_id)
{
  Identity *identity = g_hash_table_lookup (self->identities, user_id);

  if (identity == NULL || !identity->changed)
    return;
  identity->changed = FALSE;
  save_identity (self, user_id, identity);
}

/**
 * handset_crypto_machine_receive_keys_query:
 * @asked: the users the request asked for
 * @response: its answer
 */
void
handset_crypto_machine_receive_keys_query (HandsetCryptoMachine *self,
                                           const char *const *asked,
                                           JsonObject *response)
{
  JsonObject *device_keys = handset_json_get_object (response, "device_keys");

  for (guint i = 0; asked != NULL && asked[i] != NULL; i++)
    {
      JsonObject *devices = handset_json_get_object (device_keys, asked[i]);
      gpointer changed = NULL;
      gpointer key = NULL;

      if (g_hash_table_steal_extended (self->querying, asked[i], &key, &changed))
        g_free (key);
      /* A user whose server did not answer stays outdated. */
      if (devices == NULL)
        continue;
      receive_identity (self, asked[i], response);
      receive_user_devices (self, asked[i], devices);
      /* Changed while the query was out: this answer may be older. */
      if (GPOINTER_TO_INT (changed))
        continue;
      if (g_hash_table_contains (self->tracked, asked[i]))
        {
          g_hash_table_insert (self->tracked, g_strdup (asked[i]), GINT_TO_POINTER (FALSE));
          save_user (self, asked[i], FALSE);
        }
    }
}

/**
 * handset_crypto_machine_keys_query_started:
 *
 * Says that a /keys/query for @user_ids went out: a change to their device
 * lists before its answer keeps them outdated.
 */
void
handset_crypto_machine_keys_query_started (HandsetCryptoMachine *self, const char *const *user_ids)
{
  for (guint i = 0; user_ids != NULL && user_ids[i] != NULL; i++)
    g_hash_table_insert (self->querying, g_strdup (user_ids[i]), GINT_TO_POINTER (FALSE));
}

/**
 * handset_crypto_machine_get_devices:
 *
 * Returns: (transfer container) (element-type HandsetDeviceKeys): the
 *   known devices of @user_id, not ours
 */
GPtrArray *
handset_crypto_machine_get_devices (HandsetCryptoMachine *self, const char *user_id)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTable *of_user = g_hash_table_lookup (self->devices, user_id);
  GHashTableIter iter;
  gpointer device;

  if (of_user == NULL)
    return out;
  g_hash_table_iter_init (&iter, of_user);
  while (g_hash_table_iter_next (&iter, NULL, &device))
    if (g_strcmp0 (user_id, self->user_id) != 0 ||
        g_strcmp0 (((HandsetDeviceKeys *) device)->device_id, self->device_id) != 0)
      g_ptr_array_add (out, device);

  return out;
}

/**
 * handset_crypto_machine_get_device:
 *
 * Returns: (transfer none) (nullable): the keys of one device
 */
HandsetDeviceKeys *
handset_crypto_machine_get_device (HandsetCryptoMachine *self,
                                   const char *user_id,
                                   const char *device_id)
{
  GHashTable *of_user = g_hash_table_lookup (self->devices, user_id);

  return of_user ? g_hash_table_lookup (of_user, device_id) : NULL;
}

/* ------------------------------------------------------------ Olm sessions */

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
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) olm_entry_free);
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
  json_object_set_object_member (payload, "sender_device_keys", build_device_keys (self));

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
  save_account (self);
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
    {
      const char *users[] = { sender, NULL };

      handset_crypto_machine_track_users (self, users);
      mark_outdated (self, sender);
    }
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

/**
 * handset_crypto_machine_forget:
 *
 * Deletes every key of this device from the store, at logout.
 */
gboolean
handset_crypto_machine_forget (HandsetCryptoMachine *self, GError **error)
{
  return handset_crypto_store_clear (self->store, error);
}
