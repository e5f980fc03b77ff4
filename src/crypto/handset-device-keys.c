/* handset-device-keys.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keys a device publishes (/keys/upload, /keys/query), checked before
 * anything trusts them: the user and device IDs inside must be the ones
 * the answer filed them under, both identity keys must be there, and the
 * object must carry a valid signature by its own ed25519 key.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include "handset-canonical-json.h"
#include "handset-json.h"
#include "handset-device-keys.h"
#include "handset-olm.h"

GQuark
handset_crypto_error_quark (void)
{
  return g_quark_from_static_string ("handset-crypto-error-quark");
}

/**
 * handset_json_verify_signature:
 * @key_id: e.g. `ed25519:DEVICEID`
 *
 * Checks that @object carries a valid signature of @user_id's key @key_id,
 * whose public half is @ed25519.
 */
gboolean
handset_json_verify_signature (JsonObject *object,
                               const char *user_id,
                               const char *key_id,
                               const char *ed25519,
                               GError **error)
{
  const char *signature = handset_json_get_string (
      handset_json_get_object (handset_json_get_object (object, "signatures"), user_id), key_id);
  g_autofree char *canonical = NULL;
  g_autoptr (GError) local_error = NULL;

  if (signature == NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,
                   "no signature by %s of %s", key_id, user_id);
      return FALSE;
    }
  canonical = handset_canonical_json_for_signing (object, &local_error);
  if (canonical == NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   "not canonical JSON: %s", local_error->message);
      return FALSE;
    }
  if (!handset_olm_ed25519_verify (ed25519, canonical, strlen (canonical), signature, &local_error))
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,
                   "the signature by %s of %s does not verify: %s", key_id, user_id,
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
has_string (JsonArray *array, const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), value) == 0)
        return TRUE;
    }

  return FALSE;
}

/**
 * handset_device_keys_parse:
 * @object: a device's keys as /keys/query returns them
 * @user_id: the user the answer filed them under
 * @device_id: the device the answer filed them under
 *
 * Returns: (transfer full) (nullable): the checked keys
 */
HandsetDeviceKeys *
handset_device_keys_parse (JsonObject *object,
                           const char *user_id,
                           const char *device_id,
                           GError **error)
{
  g_autoptr (HandsetDeviceKeys) self = NULL;
  g_autofree char *curve_id = NULL;
  g_autofree char *ed_id = NULL;
  JsonObject *keys;
  JsonNode *algorithms;

  if (object == NULL || g_strcmp0 (handset_json_get_string (object, "user_id"), user_id) != 0 ||
      g_strcmp0 (handset_json_get_string (object, "device_id"), device_id) != 0)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   "the keys of device %s of %s name another device", device_id, user_id);
      return NULL;
    }

  keys = handset_json_get_object (object, "keys");
  curve_id = g_strconcat ("curve25519:", device_id, NULL);
  ed_id = g_strconcat ("ed25519:", device_id, NULL);
  if (handset_json_get_string (keys, curve_id) == NULL ||
      handset_json_get_string (keys, ed_id) == NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   "device %s of %s has no identity keys", device_id, user_id);
      return NULL;
    }
  algorithms = json_object_get_member (object, "algorithms");
  if (algorithms == NULL || !JSON_NODE_HOLDS_ARRAY (algorithms) ||
      !has_string (json_node_get_array (algorithms), HANDSET_OLM_ALGORITHM))
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM,
                   "device %s of %s does not speak Olm v1", device_id, user_id);
      return NULL;
    }

  if (!handset_json_verify_signature (object, user_id, ed_id, handset_json_get_string (keys, ed_id),
                                      error))
    return NULL;

  self = g_new0 (HandsetDeviceKeys, 1);
  self->user_id = g_strdup (user_id);
  self->device_id = g_strdup (device_id);
  self->curve25519 = g_strdup (handset_json_get_string (keys, curve_id));
  self->ed25519 = g_strdup (handset_json_get_string (keys, ed_id));
  self->display_name = g_strdup (handset_json_get_string (
      handset_json_get_object (object, "unsigned"), "device_display_name"));
  self->json = json_object_ref (object);

  return g_steal_pointer (&self);
}

void
handset_device_keys_free (HandsetDeviceKeys *self)
{
  if (self == NULL)
    return;
  g_free (self->user_id);
  g_free (self->device_id);
  g_free (self->curve25519);
  g_free (self->ed25519);
  g_free (self->display_name);
  g_clear_pointer (&self->json, json_object_unref);
  g_free (self);
}

char *
handset_device_keys_to_json (HandsetDeviceKeys *self)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, self->json);

  return json_to_string (node, FALSE);
}

/**
 * handset_device_keys_from_json:
 *
 * Reads keys written by handset_device_keys_to_json(), checking them again.
 */
HandsetDeviceKeys *
handset_device_keys_from_json (const char *json, GError **error)
{
  g_autoptr (JsonNode) node = json_from_string (json, error);
  JsonObject *object;

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "stored device keys are not an object");
      return NULL;
    }
  object = json_node_get_object (node);

  return handset_device_keys_parse (object, handset_json_get_string (object, "user_id"),
                                    handset_json_get_string (object, "device_id"), error);
}
