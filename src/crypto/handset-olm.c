/* handset-olm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm and Megolm on libolm: what every kind of libolm object shares (inputs
 * checked, errors, making, pickling and restoring any of them), random
 * bytes, signatures. The account, the Olm sessions and the Megolm sessions
 * each have a file of their own; these files (handset-olm*.c,
 * handset-megolm.c) are the only ones that include libolm's headers.
 *
 * libolm decodes its inputs in place, so every input is copied first, and
 * it checks little of what it is given: lengths and the base64 alphabet
 * are checked here before anything reaches it. Buffers that held secrets
 * (random bytes, decoded pickles, session keys, plaintext) are wiped
 * before they are freed.
 */

/* explicit_bzero() */
#define _DEFAULT_SOURCE

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <json-glib/json-glib.h>

#include "handset-olm-private.h"

/* Unpadded base64 of a 64-byte ed25519 signature. */
#define SIGNATURE_BASE64_LENGTH 86
/* A pickle is AES-CBC blocks followed by an 8-byte MAC. */
#define PICKLE_MAC_LENGTH   8
#define PICKLE_BLOCK_LENGTH 16

GQuark
handset_olm_error_quark (void)
{
  return g_quark_from_static_string ("handset-olm-error-quark");
}

/* ------------------------------------------------------------ helpers */

/**
 * handset_wipe:
 *
 * Overwrites @length bytes of a secret (a key, a seed, a plaintext) with
 * zeros, in a way the compiler keeps.
 */
void
handset_wipe (gpointer data, gsize length)
{
  if (data != NULL)
    explicit_bzero (data, length);
}

/**
 * handset_wipe_string:
 * @text: (nullable) (transfer full): a secret string
 *
 * Wipes and frees @text.
 */
void
handset_wipe_string (char *text)
{
  if (text == NULL)
    return;
  explicit_bzero (text, strlen (text));
  g_free (text);
}

void
handset_olm_wipe_free (gpointer buffer, gsize length)
{
  if (buffer == NULL)
    return;
  handset_wipe (buffer, length);
  g_free (buffer);
}

/* A copy of @length bytes, NUL-terminated, for libolm to destroy. */
char *
handset_olm_dup_input (const char *input, gsize length)
{
  char *copy = g_malloc (length + 1);

  memcpy (copy, input, length);
  copy[length] = '\0';
  return copy;
}

guint8 *
handset_olm_random_buffer (gsize length)
{
  guint8 *buffer = g_malloc (MAX (length, 1));

  handset_olm_random_bytes (buffer, length);
  return buffer;
}

/* Unpadded base64 of the RFC 4648 alphabet: libolm maps any other byte to
 * some value without complaint, and takes a length of 4n+1 for an error. */
gboolean
handset_olm_is_base64 (const char *string, gsize length)
{
  if (length % 4 == 1)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = string[i];

      if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return FALSE;
    }

  return TRUE;
}

gboolean
handset_olm_is_key (const char *key)
{
  gsize length = strlen (key);

  return length == KEY_BASE64_LENGTH && handset_olm_is_base64 (key, length);
}

static void
set_olm_error (GError **error,
               enum OlmErrorCode code,
               const char *olm_message,
               InputKind kind,
               const char *what)
{
  HandsetOlmError handset_code;

  switch (code)
    {
      case OLM_BAD_ACCOUNT_KEY:
        handset_code = HANDSET_OLM_ERROR_BAD_PICKLE_KEY;
        break;
      case OLM_UNKNOWN_MESSAGE_INDEX:
        handset_code = HANDSET_OLM_ERROR_UNKNOWN_INDEX;
        break;
      case OLM_BAD_MESSAGE_MAC:
      case OLM_BAD_MESSAGE_FORMAT:
      case OLM_BAD_MESSAGE_VERSION:
      case OLM_BAD_MESSAGE_KEY_ID:
        handset_code = HANDSET_OLM_ERROR_BAD_MESSAGE;
        break;
      case OLM_INVALID_BASE64:
        handset_code =
            kind == INPUT_MESSAGE ? HANDSET_OLM_ERROR_BAD_MESSAGE : HANDSET_OLM_ERROR_INVALID;
        break;
      case OLM_BAD_SESSION_KEY:
      case OLM_CORRUPTED_PICKLE:
      case OLM_UNKNOWN_PICKLE_VERSION:
      case OLM_PICKLE_EXTRA_DATA:
      case OLM_BAD_LEGACY_ACCOUNT_PICKLE:
        handset_code = HANDSET_OLM_ERROR_INVALID;
        break;
      case OLM_BAD_SIGNATURE:
        /* A Megolm message signed by another session's key is no message
         * of this one. */
        handset_code =
            kind == INPUT_MESSAGE ? HANDSET_OLM_ERROR_BAD_MESSAGE : HANDSET_OLM_ERROR_BAD_SIGNATURE;
        break;
      default:
        handset_code = HANDSET_OLM_ERROR_FAILED;
        break;
    }

  /* libolm's messages are the names of its error codes: no key material. */
  g_set_error (error, HANDSET_OLM_ERROR, handset_code, "%s (%s)", what, olm_message);
}

/* Checks a pickle's shape before libolm decodes it: libolm reports most
 * malformed pickles as BAD_ACCOUNT_KEY, as if the key were wrong, and is
 * better not trusted with one shorter than its MAC. Sets *length on
 * success. */
static gboolean
check_pickle (const char *pickle, gsize *length, GError **error)
{
  gsize encoded_length = strlen (pickle);
  gsize raw_length = encoded_length / 4 * 3 + (encoded_length % 4 ? encoded_length % 4 - 1 : 0);

  if (!handset_olm_is_base64 (pickle, encoded_length) ||
      raw_length < PICKLE_MAC_LENGTH + PICKLE_BLOCK_LENGTH ||
      (raw_length - PICKLE_MAC_LENGTH) % PICKLE_BLOCK_LENGTH != 0)
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not an Olm pickle");
      return FALSE;
    }

  *length = encoded_length;
  return TRUE;
}

/* Checks that @message is non-empty unpadded base64. Sets *length on
 * success. */
gboolean
handset_olm_check_message (const char *message, gsize *length, GError **error)
{
  gsize message_length = strlen (message);

  if (message_length == 0 || !handset_olm_is_base64 (message, message_length))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE,
                           "Not an encrypted message");
      return FALSE;
    }

  *length = message_length;
  return TRUE;
}

/* The @written bytes libolm decrypted into @plaintext (of @size bytes), as
 * a string. A string is what the caller gets: one with a NUL inside, which
 * would cut it short, is wiped and refused with @not_text. */
char *
handset_olm_plaintext_to_string (char *plaintext,
                                 gsize size,
                                 size_t written,
                                 const char *not_text,
                                 GError **error)
{
  if (memchr (plaintext, '\0', written) != NULL)
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE, not_text);
      handset_olm_wipe_free (plaintext, size);
      return NULL;
    }

  plaintext[written] = '\0';
  return plaintext;
}

/* {"curve25519":{"AAAAAQ":"key",...}}, as libolm writes one-time and
 * fallback keys, to key ID → key. */
GHashTable *
handset_olm_parse_keys_json (const char *json, gsize length)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonNode *curve25519;
  JsonObjectIter iter;
  const char *key_id;
  JsonNode *key;

  if (!json_parser_load_from_data (parser, json, (gssize) length, &error))
    {
      g_critical ("libolm wrote keys that are not JSON: %s", error->message);
      return keys;
    }

  root = json_parser_get_root (parser);
  curve25519 = JSON_NODE_HOLDS_OBJECT (root)
                   ? json_object_get_member (json_node_get_object (root), "curve25519")
                   : NULL;
  if (curve25519 == NULL || !JSON_NODE_HOLDS_OBJECT (curve25519))
    {
      g_critical ("libolm wrote keys without a curve25519 object");
      return keys;
    }

  json_object_iter_init (&iter, json_node_get_object (curve25519));
  while (json_object_iter_next (&iter, &key_id, &key))
    {
      if (!JSON_NODE_HOLDS_VALUE (key) || json_node_get_value_type (key) != G_TYPE_STRING)
        continue;
      g_hash_table_insert (keys, g_strdup (key_id), g_strdup (json_node_get_string (key)));
    }

  return keys;
}

/* ------------------------------------------------------------ libolm objects */

/* The calls of libolm's kind @kind (account, session, ...), each on an
 * untyped object. */
#define OLM_KIND_CALLS(kind)                                                              \
  static void *untyped_##kind##_init (void *memory)                                       \
  {                                                                                       \
    return olm_##kind (memory);                                                           \
  }                                                                                       \
  static size_t untyped_##kind##_clear (void *olm)                                        \
  {                                                                                       \
    return olm_clear_##kind (olm);                                                        \
  }                                                                                       \
  static size_t untyped_##kind##_pickle_length (void *olm)                                \
  {                                                                                       \
    return olm_pickle_##kind##_length (olm);                                              \
  }                                                                                       \
  static size_t untyped_##kind##_pickle (void *olm, const void *key, size_t key_length,   \
                                         void *pickled, size_t length)                    \
  {                                                                                       \
    return olm_pickle_##kind (olm, key, key_length, pickled, length);                     \
  }                                                                                       \
  static size_t untyped_##kind##_unpickle (void *olm, const void *key, size_t key_length, \
                                           void *pickled, size_t length)                  \
  {                                                                                       \
    return olm_unpickle_##kind (olm, key, key_length, pickled, length);                   \
  }                                                                                       \
  static const char *untyped_##kind##_last_error (void *olm)                              \
  {                                                                                       \
    return olm_##kind##_last_error (olm);                                                 \
  }                                                                                       \
  static enum OlmErrorCode untyped_##kind##_last_error_code (void *olm)                   \
  {                                                                                       \
    return olm_##kind##_last_error_code (olm);                                            \
  }

/* The ID calls of the kinds that have one. */
#define OLM_KIND_ID_CALLS(kind)                                          \
  static size_t untyped_##kind##_id_length (void *olm)                   \
  {                                                                      \
    return olm_##kind##_id_length (olm);                                 \
  }                                                                      \
  static size_t untyped_##kind##_id (void *olm, void *id, size_t length) \
  {                                                                      \
    return olm_##kind##_id (olm, id, length);                            \
  }

/* The calls that make the kinds that are made of random bytes alone. */
#define OLM_KIND_CREATE_CALLS(kind, create)                                      \
  static size_t untyped_##kind##_create_random_length (void *olm)                \
  {                                                                              \
    return olm_##create##_random_length (olm);                                   \
  }                                                                              \
  static size_t untyped_##kind##_create (void *olm, void *random, size_t length) \
  {                                                                              \
    return olm_##create (olm, random, length);                                   \
  }

/* The members of an OlmKind that every kind has. */
#define OLM_KIND_FIELDS(kind, what)                                                 \
  .name = what, .size = olm_##kind##_size, .init = untyped_##kind##_init,           \
  .clear = untyped_##kind##_clear, .pickle_length = untyped_##kind##_pickle_length, \
  .pickle = untyped_##kind##_pickle, .unpickle = untyped_##kind##_unpickle,         \
  .last_error = untyped_##kind##_last_error, .last_error_code = untyped_##kind##_last_error_code

OLM_KIND_CALLS (account)
OLM_KIND_CREATE_CALLS (account, create_account)
OLM_KIND_CALLS (session)
OLM_KIND_ID_CALLS (session)
OLM_KIND_CALLS (outbound_group_session)
OLM_KIND_ID_CALLS (outbound_group_session)
OLM_KIND_CREATE_CALLS (outbound_group_session, init_outbound_group_session)
OLM_KIND_CALLS (inbound_group_session)
OLM_KIND_ID_CALLS (inbound_group_session)

const OlmKind handset_olm_account_kind = {
  OLM_KIND_FIELDS (account, "Olm account"),
  .create_random_length = untyped_account_create_random_length,
  .create = untyped_account_create,
};

/* Both ends compute an Olm session's ID from the keys that started it; a
 * Megolm session's is its ed25519 key. Neither ever changes. */
const OlmKind handset_olm_session_kind = {
  OLM_KIND_FIELDS (session, "Olm session"),
  .id_length = untyped_session_id_length,
  .id = untyped_session_id,
};

const OlmKind handset_olm_megolm_outbound_kind = {
  OLM_KIND_FIELDS (outbound_group_session, "Megolm session"),
  .id_length = untyped_outbound_group_session_id_length,
  .id = untyped_outbound_group_session_id,
  .create_random_length = untyped_outbound_group_session_create_random_length,
  .create = untyped_outbound_group_session_create,
};

const OlmKind handset_olm_megolm_inbound_kind = {
  OLM_KIND_FIELDS (inbound_group_session, "Megolm session"),
  .id_length = untyped_inbound_group_session_id_length,
  .id = untyped_inbound_group_session_id,
};

void *
handset_olm_object_new (const OlmKind *kind)
{
  return kind->init (g_malloc (kind->size ()));
}

void
handset_olm_object_free (const OlmKind *kind, void *olm)
{
  if (olm == NULL)
    return;

  kind->clear (olm);
  g_free (olm);
}

void
handset_olm_set_object_error (GError **error,
                              const OlmKind *kind,
                              void *olm,
                              InputKind input,
                              const char *what)
{
  set_olm_error (error, kind->last_error_code (olm), kind->last_error (olm), input, what);
}

/* Reads the ID once: it never changes. */
char *
handset_olm_object_read_id (const OlmKind *kind, void *olm, GError **error)
{
  gsize length = kind->id_length (olm);
  char *id = g_malloc (length + 1);
  size_t written = kind->id (olm, id, length);

  if (written == olm_error ())
    {
      g_autofree char *what = g_strdup_printf ("The %s has no ID", kind->name);

      handset_olm_set_object_error (error, kind, olm, INPUT_KEY, what);
      g_free (id);
      return NULL;
    }

  id[written] = '\0';
  return id;
}

/* A new object of @kind made of fresh random bytes, with its ID in *@id
 * where the kind has one; %NULL, with a critical, when libolm fails. */
void *
handset_olm_object_create (const OlmKind *kind, char **id)
{
  void *olm = handset_olm_object_new (kind);
  gsize random_length = kind->create_random_length (olm);
  guint8 *entropy = handset_olm_random_buffer (random_length);
  size_t result;

  result = kind->create (olm, entropy, random_length);
  handset_olm_wipe_free (entropy, random_length);

  if (result == olm_error ())
    {
      g_critical ("No %s could be created: %s", kind->name, kind->last_error (olm));
      handset_olm_object_free (kind, olm);
      return NULL;
    }

  if (id != NULL)
    {
      g_autoptr (GError) error = NULL;

      *id = handset_olm_object_read_id (kind, olm, &error);
      if (*id == NULL)
        {
          g_critical ("%s", error->message);
          handset_olm_object_free (kind, olm);
          return NULL;
        }
    }

  return olm;
}

/* A new object of @kind restored from @pickle, with its ID in *@id where
 * the kind has one; %NULL when @pickle is none or not under @key. */
void *
handset_olm_object_unpickle (const OlmKind *kind,
                             const char *pickle,
                             const guint8 *key,
                             char **id,
                             GError **error)
{
  void *olm;
  char *copy;
  gsize length;
  size_t result;

  if (!check_pickle (pickle, &length, error))
    return NULL;

  olm = handset_olm_object_new (kind);
  /* libolm decrypts the copy in place: it ends up holding the keys. */
  copy = handset_olm_dup_input (pickle, length);
  result = kind->unpickle (olm, key, HANDSET_OLM_PICKLE_KEY_SIZE, copy, length);
  handset_olm_wipe_free (copy, length);

  if (result == olm_error ())
    {
      g_autofree char *what = g_strdup_printf ("The %s could not be restored", kind->name);

      handset_olm_set_object_error (error, kind, olm, INPUT_PICKLE, what);
      handset_olm_object_free (kind, olm);
      return NULL;
    }

  if (id != NULL)
    {
      *id = handset_olm_object_read_id (kind, olm, error);
      if (*id == NULL)
        {
          handset_olm_object_free (kind, olm);
          return NULL;
        }
    }

  return olm;
}

/* @olm pickled under @key; the buffer is wiped if libolm fails half-way. */
char *
handset_olm_object_pickle (const OlmKind *kind, void *olm, const guint8 *key)
{
  gsize length = kind->pickle_length (olm);
  char *pickle = g_malloc (length + 1);
  size_t written = kind->pickle (olm, key, HANDSET_OLM_PICKLE_KEY_SIZE, pickle, length);

  if (written == olm_error ())
    {
      g_critical ("The %s could not be pickled: %s", kind->name, kind->last_error (olm));
      handset_olm_wipe_free (pickle, length + 1);
      return NULL;
    }

  pickle[written] = '\0';
  return pickle;
}

/* ------------------------------------------------------------ utility */

/**
 * handset_olm_random_bytes:
 *
 * Fills @buffer from the kernel's random number generator. Aborts when the
 * kernel cannot give any: there is no safe way on without them.
 */
void
handset_olm_random_bytes (guint8 *buffer, gsize length)
{
  gsize done = 0;

  g_return_if_fail (buffer != NULL || length == 0);

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_error ("The kernel gives no random bytes: %s", g_strerror (saved_errno));
        }
      done += (gsize) n;
    }
}

/**
 * handset_olm_ed25519_verify:
 * @public_key: an ed25519 key, unpadded base64
 * @signature: unpadded base64
 *
 * Returns: %TRUE when @signature is @public_key's signature of @message.
 * Otherwise %HANDSET_OLM_ERROR_BAD_SIGNATURE for a signature that does not
 * verify, %HANDSET_OLM_ERROR_INVALID for a malformed key or signature.
 */
gboolean
handset_olm_ed25519_verify (const char *public_key,
                            const char *message,
                            gsize message_len,
                            const char *signature,
                            GError **error)
{
  g_autofree guint8 *memory = NULL;
  g_autofree char *signature_copy = NULL;
  OlmUtility *utility;
  gsize signature_length;
  size_t result;

  g_return_val_if_fail (public_key != NULL, FALSE);
  g_return_val_if_fail (message != NULL || message_len == 0, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);

  if (!handset_olm_is_key (public_key))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not an ed25519 key");
      return FALSE;
    }

  signature_length = strlen (signature);
  if (signature_length != SIGNATURE_BASE64_LENGTH ||
      !handset_olm_is_base64 (signature, signature_length))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not an ed25519 signature");
      return FALSE;
    }

  memory = g_malloc (olm_utility_size ());
  utility = olm_utility (memory);
  /* libolm decodes the signature in place. */
  signature_copy = handset_olm_dup_input (signature, signature_length);
  result = olm_ed25519_verify (utility, public_key, KEY_BASE64_LENGTH, message ? message : "",
                               message_len, signature_copy, signature_length);

  if (result == olm_error ())
    {
      enum OlmErrorCode code = olm_utility_last_error_code (utility);

      if (code == OLM_BAD_MESSAGE_MAC)
        g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE,
                             "The ed25519 signature does not verify");
      else
        set_olm_error (error, code, olm_utility_last_error (utility), INPUT_KEY,
                       "The ed25519 signature could not be checked");
      olm_clear_utility (utility);
      return FALSE;
    }

  olm_clear_utility (utility);
  return TRUE;
}

/* ------------------------------------------------------------ signing with a seed */

/**
 * handset_olm_sign_with_seed:
 * @seed: a 32-byte ed25519 seed (a private cross-signing key, as Secret
 *   Storage keeps it)
 * @public_key: (out) (optional) (transfer full): its public key
 *
 * Returns: (transfer full) (nullable): the signature of @message
 */
char *
handset_olm_sign_with_seed (const guint8 *seed,
                            gsize seed_length,
                            const char *message,
                            gsize message_length,
                            char **public_key,
                            GError **error)
{
  gsize size = olm_pk_signing_size ();
  gsize key_length = olm_pk_signing_public_key_length ();
  gsize signature_length = olm_pk_signature_length ();
  guint8 *memory;
  OlmPkSigning *signing;
  char *key = NULL;
  char *signature = NULL;
  guint8 *seed_copy;

  if (seed_length != olm_pk_signing_seed_length ())
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "A signing seed of the wrong length");
      return NULL;
    }
  memory = g_malloc0 (size);
  signing = olm_pk_signing (memory);
  key = g_malloc0 (key_length + 1);
  /* libolm may overwrite the seed: a copy. */
  seed_copy = g_memdup2 (seed, seed_length);
  if (olm_pk_signing_key_from_seed (signing, key, key_length, seed_copy, seed_length) ==
      olm_error ())
    {
      g_set_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_FAILED,
                   "The signing key could not be made (%s)", olm_pk_signing_last_error (signing));
      g_free (key);
      key = NULL;
    }
  else
    {
      signature = g_malloc0 (signature_length + 1);
      if (olm_pk_sign (signing, (const uint8_t *) message, message_length, (uint8_t *) signature,
                       signature_length) == olm_error ())
        {
          g_set_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_FAILED,
                       "The message could not be signed (%s)", olm_pk_signing_last_error (signing));
          g_clear_pointer (&signature, g_free);
        }
    }
  handset_olm_wipe_free (seed_copy, seed_length);
  olm_clear_pk_signing (signing);
  handset_olm_wipe_free (memory, size);
  if (public_key != NULL && signature != NULL)
    *public_key = g_steal_pointer (&key);
  g_free (key);

  return signature;
}
