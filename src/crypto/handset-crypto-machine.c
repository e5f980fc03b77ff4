/* handset-crypto-machine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The end-to-end encryption of one device, without any I/O: it is fed what
 * /sync brings (to-device events, device-list changes, one-time-key counts)
 * and the answers of the key endpoints, and it builds the request bodies
 * and to-device messages it wants sent. src/matrix sends them. Everything
 * it learns is written to the crypto store at once, pickled with the
 * pickle key where it is secret. This file holds the machine itself: its
 * state, what it saves and reads back from the store. The rest is split by
 * job, sharing handset-crypto-machine-private.h:
 * handset-crypto-own-keys.c (this device's keys, published),
 * handset-crypto-devices.c (the devices and identities of the users
 * followed), handset-crypto-olm-sessions.c (Olm sessions, to-device
 * messages) and handset-crypto-megolm.c (room keys).
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include "handset-crypto-machine-private.h"
#include "handset-json.h"
#include "handset-olm.h"

#define KEY_ACCOUNT "account"

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

static void
identity_free (Identity *identity)
{
  g_free (identity->master);
  g_free (identity->self_signing);
  g_free (identity->user_signing);
  g_clear_pointer (&identity->master_json, json_object_unref);
  g_free (identity);
}

void
handset_crypto_machine_olm_entry_free (OlmEntry *entry)
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

void
handset_crypto_machine_save_account (HandsetCryptoMachine *self)
{
  g_autoptr (GError) error = NULL;
  char *pickle = handset_olm_account_pickle (self->account, self->pickle_key);

  if (!handset_crypto_store_set_value (self->store, KEY_ACCOUNT, pickle, &error))
    g_warning ("The Olm account could not be saved: %s", error->message);
  handset_wipe_string (pickle);
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
          list = g_ptr_array_new_with_free_func (
              (GDestroyNotify) handset_crypto_machine_olm_entry_free);
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
      handset_crypto_machine_save_account (self);
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
