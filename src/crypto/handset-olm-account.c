/* handset-olm-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An Olm account on libolm: this device's identity keys, its signatures,
 * its one-time and fallback keys.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "handset-olm-private.h"

/* ------------------------------------------------------------ account */

/* Reads the identity keys once: they never change. */
static gboolean
account_read_identity_keys (HandsetOlmAccount *self, GError **error)
{
  gsize length = olm_account_identity_keys_length (self->olm);
  g_autofree char *json = g_malloc (length + 1);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *curve25519;
  const char *ed25519;
  size_t written;

  written = olm_account_identity_keys (self->olm, json, length);
  if (written == olm_error ())
    {
      handset_olm_set_object_error (error, &handset_olm_account_kind, self->olm, INPUT_KEY,
                                    "The account's identity keys could not be read");
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, json, (gssize) written, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_FAILED,
                           "The account's identity keys are not JSON");
      return FALSE;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  curve25519 = json_object_get_string_member_with_default (object, "curve25519", NULL);
  ed25519 = json_object_get_string_member_with_default (object, "ed25519", NULL);
  if (curve25519 == NULL || ed25519 == NULL)
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_FAILED,
                           "The account has no identity keys");
      return FALSE;
    }

  self->curve25519 = g_strdup (curve25519);
  self->ed25519 = g_strdup (ed25519);
  return TRUE;
}

void
handset_olm_account_free (HandsetOlmAccount *self)
{
  if (self == NULL)
    return;

  handset_olm_object_free (&handset_olm_account_kind, self->olm);
  g_free (self->curve25519);
  g_free (self->ed25519);
  g_free (self);
}

/**
 * handset_olm_account_new:
 *
 * A new account with fresh identity keys.
 */
HandsetOlmAccount *
handset_olm_account_new (void)
{
  g_autoptr (HandsetOlmAccount) self = g_new0 (HandsetOlmAccount, 1);
  g_autoptr (GError) error = NULL;

  self->olm = handset_olm_object_create (&handset_olm_account_kind, NULL);
  if (self->olm == NULL)
    return NULL;

  if (!account_read_identity_keys (self, &error))
    {
      g_critical ("%s", error->message);
      return NULL;
    }

  return g_steal_pointer (&self);
}

HandsetOlmAccount *
handset_olm_account_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetOlmAccount) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetOlmAccount, 1);
  self->olm = handset_olm_object_unpickle (&handset_olm_account_kind, pickle, key, NULL, error);
  if (self->olm == NULL || !account_read_identity_keys (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

char *
handset_olm_account_pickle (HandsetOlmAccount *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return handset_olm_object_pickle (&handset_olm_account_kind, self->olm, key);
}

const char *
handset_olm_account_get_curve25519 (HandsetOlmAccount *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->curve25519;
}

const char *
handset_olm_account_get_ed25519 (HandsetOlmAccount *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ed25519;
}

/**
 * handset_olm_account_sign:
 *
 * Returns: the account's ed25519 signature of @message, unpadded base64.
 */
char *
handset_olm_account_sign (HandsetOlmAccount *self, const char *message, gsize message_len)
{
  gsize length;
  char *signature;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (message != NULL || message_len == 0, NULL);

  length = olm_account_signature_length (self->olm);
  signature = g_malloc (length + 1);
  written = olm_account_sign (self->olm, message ? message : "", message_len, signature, length);
  if (written == olm_error ())
    {
      g_critical ("The Olm account could not sign: %s", olm_account_last_error (self->olm));
      g_free (signature);
      return NULL;
    }

  signature[written] = '\0';
  return signature;
}

gsize
handset_olm_account_get_max_one_time_keys (HandsetOlmAccount *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return olm_account_max_number_of_one_time_keys (self->olm);
}

/**
 * handset_olm_account_generate_one_time_keys:
 *
 * Adds @count one-time keys. The account keeps at most
 * handset_olm_account_get_max_one_time_keys(), dropping the oldest.
 */
void
handset_olm_account_generate_one_time_keys (HandsetOlmAccount *self, gsize count)
{
  gsize random_length;
  guint8 *entropy;
  size_t result;

  g_return_if_fail (self != NULL);

  /* More than the account keeps would only be dropped again. */
  count = MIN (count, olm_account_max_number_of_one_time_keys (self->olm));
  if (count == 0)
    return;

  random_length = olm_account_generate_one_time_keys_random_length (self->olm, count);
  entropy = handset_olm_random_buffer (random_length);
  result = olm_account_generate_one_time_keys (self->olm, count, entropy, random_length);
  handset_olm_wipe_free (entropy, random_length);

  if (result == olm_error ())
    g_critical ("No one-time keys could be generated: %s", olm_account_last_error (self->olm));
}

/* The one-time or fallback keys libolm writes with @keys, as key ID → key;
 * none, with a critical, when it fails. */
static GHashTable *
account_read_keys (HandsetOlmAccount *self,
                   size_t (*keys_length) (const OlmAccount *account),
                   size_t (*keys) (OlmAccount *account, void *json, size_t length),
                   const char *what)
{
  gsize length = keys_length (self->olm);
  g_autofree char *json = g_malloc (length + 1);
  size_t written = keys (self->olm, json, length);

  if (written == olm_error ())
    {
      g_critical ("%s could not be read: %s", what, olm_account_last_error (self->olm));
      return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }

  return handset_olm_parse_keys_json (json, written);
}

GHashTable *
handset_olm_account_get_one_time_keys (HandsetOlmAccount *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return account_read_keys (self, olm_account_one_time_keys_length, olm_account_one_time_keys,
                            "The one-time keys");
}

void
handset_olm_account_generate_fallback_key (HandsetOlmAccount *self)
{
  gsize random_length;
  guint8 *entropy;
  size_t result;

  g_return_if_fail (self != NULL);

  random_length = olm_account_generate_fallback_key_random_length (self->olm);
  entropy = handset_olm_random_buffer (random_length);
  result = olm_account_generate_fallback_key (self->olm, entropy, random_length);
  handset_olm_wipe_free (entropy, random_length);

  if (result == olm_error ())
    g_critical ("No fallback key could be generated: %s", olm_account_last_error (self->olm));
}

GHashTable *
handset_olm_account_get_unpublished_fallback_key (HandsetOlmAccount *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return account_read_keys (self, olm_account_unpublished_fallback_key_length,
                            olm_account_unpublished_fallback_key, "The fallback key");
}

void
handset_olm_account_mark_keys_as_published (HandsetOlmAccount *self)
{
  g_return_if_fail (self != NULL);

  olm_account_mark_keys_as_published (self->olm);
}

gboolean
handset_olm_account_remove_one_time_keys (HandsetOlmAccount *self, HandsetOlmSession *session)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (session != NULL, FALSE);

  if (olm_remove_one_time_keys (self->olm, session->olm) == olm_error ())
    return FALSE;

  /* libolm also answers success for a fallback key, which it keeps. A key
   * that was really dropped cannot be dropped twice: if the second call
   * succeeds too, the session used a fallback key. */
  return olm_remove_one_time_keys (self->olm, session->olm) == olm_error ();
}
