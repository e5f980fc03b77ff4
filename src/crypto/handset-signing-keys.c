/* handset-signing-keys.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The private halves of cross-signing. A key is its 32-byte ed25519 seed;
 * Secret Storage keeps it as unpadded base64 under the names
 * m.cross_signing.master, .self_signing and .user_signing.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "handset-canonical-json.h"
#include "handset-device-keys.h"
#include "handset-olm.h"
#include "handset-secret-storage.h"
#include "handset-signing-keys.h"

struct _HandsetSigningKeys
{
  char *user_id;
  gboolean has[HANDSET_SIGNING_KEY_N];
  guint8 seed[HANDSET_SIGNING_KEY_N][HANDSET_SIGNING_SEED_SIZE];
  char *public_key[HANDSET_SIGNING_KEY_N];
};

static const char *const usage_names[] = { "master", "self_signing", "user_signing" };
static const char *const secret_names[] = { "m.cross_signing.master",
                                            "m.cross_signing.self_signing",
                                            "m.cross_signing.user_signing" };

const char *
handset_signing_key_usage_name (HandsetSigningKeyUsage usage)
{
  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N, NULL);
  return usage_names[usage];
}

/* The key's name in Secret Storage (its account data type). */
const char *
handset_signing_key_secret_name (HandsetSigningKeyUsage usage)
{
  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N, NULL);
  return secret_names[usage];
}

HandsetSigningKeys *
handset_signing_keys_new (const char *user_id)
{
  HandsetSigningKeys *self = g_new0 (HandsetSigningKeys, 1);

  self->user_id = g_strdup (user_id);
  return self;
}

static char *
public_of (const guint8 *seed, GError **error)
{
  char *public_key = NULL;
  g_autofree char *signature =
      handset_olm_sign_with_seed (seed, HANDSET_SIGNING_SEED_SIZE, "", 0, &public_key, error);

  if (signature == NULL)
    {
      g_free (public_key);
      return NULL;
    }
  return public_key;
}

static gboolean
set_seed (HandsetSigningKeys *self,
          HandsetSigningKeyUsage usage,
          const guint8 *seed,
          const char *expected_public,
          GError **error)
{
  g_autofree char *public_key = public_of (seed, error);

  if (public_key == NULL)
    return FALSE;
  if (expected_public != NULL && !g_str_equal (public_key, expected_public))
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   _ ("The stored %s key does not match the account's published key"),
                   usage_names[usage]);
      return FALSE;
    }
  memcpy (self->seed[usage], seed, HANDSET_SIGNING_SEED_SIZE);
  self->has[usage] = TRUE;
  g_free (self->public_key[usage]);
  self->public_key[usage] = g_steal_pointer (&public_key);

  return TRUE;
}

/**
 * handset_signing_keys_generate:
 *
 * Returns: (transfer full): three new keys, for an account that has no
 *   cross-signing yet
 */
HandsetSigningKeys *
handset_signing_keys_generate (const char *user_id)
{
  HandsetSigningKeys *self = handset_signing_keys_new (user_id);

  for (guint i = 0; i < HANDSET_SIGNING_KEY_N; i++)
    {
      guint8 seed[HANDSET_SIGNING_SEED_SIZE];

      handset_olm_random_bytes (seed, sizeof seed);
      if (!set_seed (self, i, seed, NULL, NULL))
        g_error ("libolm could not make a signing key from random bytes");
      handset_wipe (seed, sizeof seed);
    }

  return self;
}

/**
 * handset_signing_keys_copy:
 *
 * Returns: (transfer full): the same keys, to keep apart from @self
 */
HandsetSigningKeys *
handset_signing_keys_copy (HandsetSigningKeys *self)
{
  HandsetSigningKeys *copy = handset_signing_keys_new (self->user_id);

  memcpy (copy->has, self->has, sizeof copy->has);
  memcpy (copy->seed, self->seed, sizeof copy->seed);
  for (guint i = 0; i < HANDSET_SIGNING_KEY_N; i++)
    copy->public_key[i] = g_strdup (self->public_key[i]);

  return copy;
}

void
handset_signing_keys_free (HandsetSigningKeys *self)
{
  if (self == NULL)
    return;
  handset_wipe (self->seed, sizeof self->seed);
  for (guint i = 0; i < HANDSET_SIGNING_KEY_N; i++)
    g_free (self->public_key[i]);
  g_free (self->user_id);
  g_free (self);
}

/**
 * handset_signing_keys_set_secret:
 * @secret: the key as Secret Storage keeps it (base64 of the seed)
 * @expected_public: (nullable): the public key the account publishes
 *   for @usage; a secret that does not match it is refused
 */
gboolean
handset_signing_keys_set_secret (HandsetSigningKeys *self,
                                 HandsetSigningKeyUsage usage,
                                 const char *secret,
                                 const char *expected_public,
                                 GError **error)
{
  gsize length = 0;
  guint8 *seed;
  gboolean ok;

  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N, FALSE);

  seed = handset_base64_decode_any (secret, &length);
  if (seed == NULL || length != HANDSET_SIGNING_SEED_SIZE)
    {
      if (seed != NULL)
        handset_wipe (seed, length);
      g_free (seed);
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   _ ("The stored %s key is damaged"), usage_names[usage]);
      return FALSE;
    }
  ok = set_seed (self, usage, seed, expected_public, error);
  handset_wipe (seed, length);
  g_free (seed);

  return ok;
}

/**
 * handset_signing_keys_get_secret:
 *
 * Returns: (transfer full): the key as Secret Storage keeps it; wipe and
 *   free it once encrypted
 */
char *
handset_signing_keys_get_secret (HandsetSigningKeys *self, HandsetSigningKeyUsage usage)
{
  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N && self->has[usage], NULL);
  return handset_base64_encode_unpadded (self->seed[usage], HANDSET_SIGNING_SEED_SIZE);
}

gboolean
handset_signing_keys_has (HandsetSigningKeys *self, HandsetSigningKeyUsage usage)
{
  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N, FALSE);
  return self->has[usage];
}

const char *
handset_signing_keys_get_public (HandsetSigningKeys *self, HandsetSigningKeyUsage usage)
{
  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N, NULL);
  return self->public_key[usage];
}

/**
 * handset_signing_keys_sign:
 * @object: a JSON object to sign (device keys, a cross-signing key)
 *
 * Adds the key's signature of @object to its `signatures`, under the
 * user's ID and `ed25519:<public key>`.
 */
gboolean
handset_signing_keys_sign (HandsetSigningKeys *self,
                           HandsetSigningKeyUsage usage,
                           JsonObject *object,
                           GError **error)
{
  g_autofree char *canonical = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *key_id = NULL;
  JsonObject *signatures, *mine;

  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N, FALSE);
  if (!self->has[usage])
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY,
                   _ ("The %s key is not known on this device"), usage_names[usage]);
      return FALSE;
    }
  canonical = handset_canonical_json_for_signing (object, error);
  if (canonical == NULL)
    return FALSE;
  signature = handset_olm_sign_with_seed (self->seed[usage], HANDSET_SIGNING_SEED_SIZE, canonical,
                                          strlen (canonical), NULL, error);
  if (signature == NULL)
    return FALSE;

  if (!json_object_has_member (object, "signatures") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "signatures")))
    json_object_set_object_member (object, "signatures", json_object_new ());
  signatures = json_object_get_object_member (object, "signatures");
  if (!json_object_has_member (signatures, self->user_id) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (signatures, self->user_id)))
    json_object_set_object_member (signatures, self->user_id, json_object_new ());
  mine = json_object_get_object_member (signatures, self->user_id);
  key_id = g_strconcat ("ed25519:", self->public_key[usage], NULL);
  json_object_set_string_member (mine, key_id, signature);

  return TRUE;
}

/**
 * handset_signing_keys_build_public:
 *
 * Returns: (transfer full) (nullable): the public key of @usage as
 *   `/keys/device_signing/upload` takes it; all but the master key signed
 *   by the master key
 */
JsonObject *
handset_signing_keys_build_public (HandsetSigningKeys *self,
                                   HandsetSigningKeyUsage usage,
                                   GError **error)
{
  g_autoptr (JsonObject) object = json_object_new ();
  JsonArray *usages = json_array_new ();
  JsonObject *keys = json_object_new ();
  g_autofree char *key_id = NULL;

  g_return_val_if_fail (usage < HANDSET_SIGNING_KEY_N && self->has[usage], NULL);

  json_object_set_string_member (object, "user_id", self->user_id);
  json_array_add_string_element (usages, usage_names[usage]);
  json_object_set_array_member (object, "usage", usages);
  key_id = g_strconcat ("ed25519:", self->public_key[usage], NULL);
  json_object_set_string_member (keys, key_id, self->public_key[usage]);
  json_object_set_object_member (object, "keys", keys);
  if (usage != HANDSET_SIGNING_KEY_MASTER &&
      !handset_signing_keys_sign (self, HANDSET_SIGNING_KEY_MASTER, object, error))
    return NULL;

  return g_steal_pointer (&object);
}
