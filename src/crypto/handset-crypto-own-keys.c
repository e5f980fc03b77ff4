/* handset-crypto-own-keys.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crypto machine's own keys, as it publishes them: the device keys
 * once, one-time keys topped up to what the server lacks, and a fallback
 * key made anew once the server says it was used.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include "handset-canonical-json.h"
#include "handset-crypto-machine-private.h"
#include "handset-json.h"

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
    handset_crypto_machine_save_account (self);

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
  handset_crypto_machine_save_account (self);
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
