/* handset-cross-signing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cross-signing public keys, as /keys/query returns them. A user's master
 * key is the root of their identity; it signs their self-signing key
 * (which signs their devices) and their user-signing key (which signs
 * the master keys of users they verified). These checks say whether a
 * device is one its owner signed; nothing here holds a private key.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include "handset-cross-signing.h"
#include "handset-json.h"

/**
 * handset_json_signed_by_key:
 * @ed25519: a public key of @user_id's (the key ID is `ed25519:<key>`,
 *   as cross-signing keys are named)
 *
 * Returns: whether @object carries a valid signature by that key
 */
gboolean
handset_json_signed_by_key (JsonObject *object, const char *user_id, const char *ed25519)
{
  g_autofree char *key_id = g_strconcat ("ed25519:", ed25519, NULL);

  return handset_json_verify_signature (object, user_id, key_id, ed25519, NULL);
}

static gboolean
has_usage (JsonObject *object, const char *usage)
{
  JsonNode *node = json_object_get_member (object, "usage");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (element), usage) == 0)
        return TRUE;
    }

  return FALSE;
}

/**
 * handset_cross_signing_key_parse:
 * @object: the key, as /keys/query returns it
 * @user_id: the user the answer filed it under
 * @usage: `master`, `self_signing` or `user_signing`
 * @master_ed25519: (nullable): the user's master key, which must have
 *   signed it (for all but the master key itself)
 *
 * Returns: (transfer full) (nullable): the checked key
 */
HandsetCrossSigningKey *
handset_cross_signing_key_parse (JsonObject *object,
                                 const char *user_id,
                                 const char *usage,
                                 const char *master_ed25519,
                                 GError **error)
{
  g_autoptr (HandsetCrossSigningKey) self = NULL;
  JsonObject *keys = handset_json_get_object (object, "keys");
  g_autoptr (GList) names = keys ? json_object_get_members (keys) : NULL;
  const char *name, *value;

  if (object == NULL || g_strcmp0 (handset_json_get_string (object, "user_id"), user_id) != 0 ||
      !has_usage (object, usage))
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   "the %s key of %s names another user or use", usage, user_id);
      return NULL;
    }
  if (names == NULL || names->next != NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   "the %s key of %s does not hold exactly one key", usage, user_id);
      return NULL;
    }
  name = names->data;
  value = handset_json_get_string (keys, name);
  if (!g_str_has_prefix (name, "ed25519:") || value == NULL ||
      !g_str_equal (name + strlen ("ed25519:"), value))
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   "the %s key of %s is not an ed25519 key", usage, user_id);
      return NULL;
    }
  if (master_ed25519 != NULL && !handset_json_signed_by_key (object, user_id, master_ed25519))
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,
                   "the %s key of %s is not signed by their master key", usage, user_id);
      return NULL;
    }

  self = g_new0 (HandsetCrossSigningKey, 1);
  self->user_id = g_strdup (user_id);
  self->usage = g_strdup (usage);
  self->ed25519 = g_strdup (value);
  self->json = json_object_ref (object);

  return g_steal_pointer (&self);
}

void
handset_cross_signing_key_free (HandsetCrossSigningKey *self)
{
  if (self == NULL)
    return;
  g_free (self->user_id);
  g_free (self->usage);
  g_free (self->ed25519);
  g_clear_pointer (&self->json, json_object_unref);
  g_free (self);
}
