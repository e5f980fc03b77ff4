/* handset-olm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm and Megolm on libolm. The only file that includes libolm's headers.
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
#include <olm/olm.h>
#include <olm/pk.h>

#include "handset-olm.h"

/* Unpadded base64 of a 32-byte curve25519 or ed25519 key. */
#define KEY_BASE64_LENGTH 43
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

struct _HandsetOlmAccount
{
  OlmAccount *olm;
  char *curve25519;
  char *ed25519;
};

struct _HandsetOlmSession
{
  OlmSession *olm;
  char *id;
};

struct _HandsetMegolmOutbound
{
  OlmOutboundGroupSession *olm;
  char *id;
};

struct _HandsetMegolmInbound
{
  OlmInboundGroupSession *olm;
  char *id;
};

/* What the rejected input was: libolm's INVALID_BASE64 means a damaged
 * message for a message, and a malformed key or pickle otherwise. */
typedef enum
{
  INPUT_KEY,
  INPUT_PICKLE,
  INPUT_MESSAGE,
} InputKind;

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

static void
wipe_free (gpointer buffer, gsize length)
{
  if (buffer == NULL)
    return;
  handset_wipe (buffer, length);
  g_free (buffer);
}

/* A copy of @length bytes, NUL-terminated, for libolm to destroy. */
static char *
dup_input (const char *input, gsize length)
{
  char *copy = g_malloc (length + 1);

  memcpy (copy, input, length);
  copy[length] = '\0';
  return copy;
}

static guint8 *
random_buffer (gsize length)
{
  guint8 *buffer = g_malloc (MAX (length, 1));

  handset_olm_random_bytes (buffer, length);
  return buffer;
}

/* Unpadded base64 of the RFC 4648 alphabet: libolm maps any other byte to
 * some value without complaint, and takes a length of 4n+1 for an error. */
static gboolean
is_base64 (const char *string, gsize length)
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

static gboolean
is_key (const char *key)
{
  gsize length = strlen (key);

  return length == KEY_BASE64_LENGTH && is_base64 (key, length);
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

  if (!is_base64 (pickle, encoded_length) || raw_length < PICKLE_MAC_LENGTH + PICKLE_BLOCK_LENGTH ||
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
static gboolean
check_message (const char *message, gsize *length, GError **error)
{
  gsize message_length = strlen (message);

  if (message_length == 0 || !is_base64 (message, message_length))
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
static char *
plaintext_to_string (char *plaintext,
                     gsize size,
                     size_t written,
                     const char *not_text,
                     GError **error)
{
  if (memchr (plaintext, '\0', written) != NULL)
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE, not_text);
      wipe_free (plaintext, size);
      return NULL;
    }

  plaintext[written] = '\0';
  return plaintext;
}

/* {"curve25519":{"AAAAAQ":"key",...}}, as libolm writes one-time and
 * fallback keys, to key ID → key. */
static GHashTable *
parse_keys_json (const char *json, gsize length)
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

/* libolm has the same calls for each of its objects, under names of their
 * own (olm_pickle_account(), olm_pickle_session(), ...). An OlmKind holds
 * them for one kind of object, taking it untyped, so that what is done
 * alike to every kind (making, clearing, pickling, restoring, reading the
 * ID, reporting an error) is written once. */
typedef struct
{
  /* What the object is, in messages: "Olm account", "Megolm session". */
  const char *name;
  size_t (*size) (void);
  void *(*init) (void *memory);
  size_t (*clear) (void *olm);
  size_t (*pickle_length) (void *olm);
  size_t (*pickle) (void *olm, const void *key, size_t key_length, void *pickled, size_t length);
  size_t (*unpickle) (void *olm, const void *key, size_t key_length, void *pickled, size_t length);
  const char *(*last_error) (void *olm);
  enum OlmErrorCode (*last_error_code) (void *olm);
  /* NULL for an account, which has no ID. */
  size_t (*id_length) (void *olm);
  size_t (*id) (void *olm, void *id, size_t length);
  /* NULL for the sessions, which are made of another device's keys. */
  size_t (*create_random_length) (void *olm);
  size_t (*create) (void *olm, void *random, size_t length);
} OlmKind;

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

static const OlmKind account_kind = {
  OLM_KIND_FIELDS (account, "Olm account"),
  .create_random_length = untyped_account_create_random_length,
  .create = untyped_account_create,
};

/* Both ends compute an Olm session's ID from the keys that started it; a
 * Megolm session's is its ed25519 key. Neither ever changes. */
static const OlmKind session_kind = {
  OLM_KIND_FIELDS (session, "Olm session"),
  .id_length = untyped_session_id_length,
  .id = untyped_session_id,
};

static const OlmKind megolm_outbound_kind = {
  OLM_KIND_FIELDS (outbound_group_session, "Megolm session"),
  .id_length = untyped_outbound_group_session_id_length,
  .id = untyped_outbound_group_session_id,
  .create_random_length = untyped_outbound_group_session_create_random_length,
  .create = untyped_outbound_group_session_create,
};

static const OlmKind megolm_inbound_kind = {
  OLM_KIND_FIELDS (inbound_group_session, "Megolm session"),
  .id_length = untyped_inbound_group_session_id_length,
  .id = untyped_inbound_group_session_id,
};

static void *
object_new (const OlmKind *kind)
{
  return kind->init (g_malloc (kind->size ()));
}

static void
object_free (const OlmKind *kind, void *olm)
{
  if (olm == NULL)
    return;

  kind->clear (olm);
  g_free (olm);
}

static void
set_object_error (GError **error, const OlmKind *kind, void *olm, InputKind input, const char *what)
{
  set_olm_error (error, kind->last_error_code (olm), kind->last_error (olm), input, what);
}

/* Reads the ID once: it never changes. */
static char *
object_read_id (const OlmKind *kind, void *olm, GError **error)
{
  gsize length = kind->id_length (olm);
  char *id = g_malloc (length + 1);
  size_t written = kind->id (olm, id, length);

  if (written == olm_error ())
    {
      g_autofree char *what = g_strdup_printf ("The %s has no ID", kind->name);

      set_object_error (error, kind, olm, INPUT_KEY, what);
      g_free (id);
      return NULL;
    }

  id[written] = '\0';
  return id;
}

/* A new object of @kind made of fresh random bytes, with its ID in *@id
 * where the kind has one; %NULL, with a critical, when libolm fails. */
static void *
object_create (const OlmKind *kind, char **id)
{
  void *olm = object_new (kind);
  gsize random_length = kind->create_random_length (olm);
  guint8 *entropy = random_buffer (random_length);
  size_t result;

  result = kind->create (olm, entropy, random_length);
  wipe_free (entropy, random_length);

  if (result == olm_error ())
    {
      g_critical ("No %s could be created: %s", kind->name, kind->last_error (olm));
      object_free (kind, olm);
      return NULL;
    }

  if (id != NULL)
    {
      g_autoptr (GError) error = NULL;

      *id = object_read_id (kind, olm, &error);
      if (*id == NULL)
        {
          g_critical ("%s", error->message);
          object_free (kind, olm);
          return NULL;
        }
    }

  return olm;
}

/* A new object of @kind restored from @pickle, with its ID in *@id where
 * the kind has one; %NULL when @pickle is none or not under @key. */
static void *
object_unpickle (const OlmKind *kind,
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

  olm = object_new (kind);
  /* libolm decrypts the copy in place: it ends up holding the keys. */
  copy = dup_input (pickle, length);
  result = kind->unpickle (olm, key, HANDSET_OLM_PICKLE_KEY_SIZE, copy, length);
  wipe_free (copy, length);

  if (result == olm_error ())
    {
      g_autofree char *what = g_strdup_printf ("The %s could not be restored", kind->name);

      set_object_error (error, kind, olm, INPUT_PICKLE, what);
      object_free (kind, olm);
      return NULL;
    }

  if (id != NULL)
    {
      *id = object_read_id (kind, olm, error);
      if (*id == NULL)
        {
          object_free (kind, olm);
          return NULL;
        }
    }

  return olm;
}

/* @olm pickled under @key; the buffer is wiped if libolm fails half-way. */
static char *
object_pickle (const OlmKind *kind, void *olm, const guint8 *key)
{
  gsize length = kind->pickle_length (olm);
  char *pickle = g_malloc (length + 1);
  size_t written = kind->pickle (olm, key, HANDSET_OLM_PICKLE_KEY_SIZE, pickle, length);

  if (written == olm_error ())
    {
      g_critical ("The %s could not be pickled: %s", kind->name, kind->last_error (olm));
      wipe_free (pickle, length + 1);
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

  if (!is_key (public_key))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not an ed25519 key");
      return FALSE;
    }

  signature_length = strlen (signature);
  if (signature_length != SIGNATURE_BASE64_LENGTH || !is_base64 (signature, signature_length))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not an ed25519 signature");
      return FALSE;
    }

  memory = g_malloc (olm_utility_size ());
  utility = olm_utility (memory);
  /* libolm decodes the signature in place. */
  signature_copy = dup_input (signature, signature_length);
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
      set_object_error (error, &account_kind, self->olm, INPUT_KEY,
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

  object_free (&account_kind, self->olm);
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

  self->olm = object_create (&account_kind, NULL);
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
  self->olm = object_unpickle (&account_kind, pickle, key, NULL, error);
  if (self->olm == NULL || !account_read_identity_keys (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

char *
handset_olm_account_pickle (HandsetOlmAccount *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return object_pickle (&account_kind, self->olm, key);
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
  entropy = random_buffer (random_length);
  result = olm_account_generate_one_time_keys (self->olm, count, entropy, random_length);
  wipe_free (entropy, random_length);

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

  return parse_keys_json (json, written);
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
  entropy = random_buffer (random_length);
  result = olm_account_generate_fallback_key (self->olm, entropy, random_length);
  wipe_free (entropy, random_length);

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

/* ------------------------------------------------------------ Olm sessions */

void
handset_olm_session_free (HandsetOlmSession *self)
{
  if (self == NULL)
    return;

  object_free (&session_kind, self->olm);
  g_free (self->id);
  g_free (self);
}

/**
 * handset_olm_session_new_outbound:
 * @their_curve25519: the other device's identity key
 * @their_one_time_key: one of its one-time keys, or its fallback key
 *
 * Returns: a session whose first messages are pre-key messages, or %NULL
 * with %HANDSET_OLM_ERROR_INVALID for a malformed key.
 */
HandsetOlmSession *
handset_olm_session_new_outbound (HandsetOlmAccount *account,
                                  const char *their_curve25519,
                                  const char *their_one_time_key,
                                  GError **error)
{
  g_autoptr (HandsetOlmSession) self = NULL;
  gsize random_length;
  guint8 *entropy;
  size_t result;

  g_return_val_if_fail (account != NULL, NULL);
  g_return_val_if_fail (their_curve25519 != NULL, NULL);
  g_return_val_if_fail (their_one_time_key != NULL, NULL);

  if (!is_key (their_curve25519) || !is_key (their_one_time_key))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not a curve25519 key");
      return NULL;
    }

  self = g_new0 (HandsetOlmSession, 1);
  self->olm = object_new (&session_kind);
  random_length = olm_create_outbound_session_random_length (self->olm);
  entropy = random_buffer (random_length);
  result =
      olm_create_outbound_session (self->olm, account->olm, their_curve25519, KEY_BASE64_LENGTH,
                                   their_one_time_key, KEY_BASE64_LENGTH, entropy, random_length);
  wipe_free (entropy, random_length);

  if (result == olm_error ())
    {
      set_object_error (error, &session_kind, self->olm, INPUT_KEY,
                        "No Olm session could be started");
      return NULL;
    }

  self->id = object_read_id (&session_kind, self->olm, error);
  if (self->id == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

HandsetOlmSession *
handset_olm_session_new_inbound (HandsetOlmAccount *account,
                                 const char *their_curve25519,
                                 const char *pre_key_body,
                                 GError **error)
{
  g_autoptr (HandsetOlmSession) self = NULL;
  char *copy;
  gsize length;
  size_t result;

  g_return_val_if_fail (account != NULL, NULL);
  g_return_val_if_fail (their_curve25519 != NULL, NULL);
  g_return_val_if_fail (pre_key_body != NULL, NULL);

  if (!is_key (their_curve25519))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not a curve25519 key");
      return NULL;
    }

  if (!check_message (pre_key_body, &length, error))
    return NULL;

  self = g_new0 (HandsetOlmSession, 1);
  self->olm = object_new (&session_kind);
  /* Not olm_create_inbound_session_from(): libolm copies the sender's
   * identity key out of the message without checking that the message
   * has one, and a message without it (the field is optional) crashes.
   * olm_create_inbound_session() requires it; it must then be
   * @their_curve25519. */
  copy = dup_input (pre_key_body, length);
  result = olm_create_inbound_session (self->olm, account->olm, copy, length);
  wipe_free (copy, length);

  if (result == olm_error ())
    {
      set_object_error (error, &session_kind, self->olm, INPUT_MESSAGE,
                        "No Olm session could be started from the pre-key message");
      return NULL;
    }

  copy = dup_input (pre_key_body, length);
  result = olm_matches_inbound_session_from (self->olm, their_curve25519, KEY_BASE64_LENGTH, copy,
                                             length);
  wipe_free (copy, length);
  if (result != 1)
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE,
                           "The pre-key message is not from that key");
      return NULL;
    }

  self->id = object_read_id (&session_kind, self->olm, error);
  if (self->id == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * handset_olm_session_matches_inbound:
 *
 * Returns: whether the pre-key message @pre_key_body from @their_curve25519
 * belongs to this session: %FALSE for a malformed key or message too.
 */
gboolean
handset_olm_session_matches_inbound (HandsetOlmSession *self,
                                     const char *their_curve25519,
                                     const char *pre_key_body)
{
  char *copy;
  gsize length;
  size_t result;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (their_curve25519 != NULL, FALSE);
  g_return_val_if_fail (pre_key_body != NULL, FALSE);

  if (!is_key (their_curve25519) || !check_message (pre_key_body, &length, NULL))
    return FALSE;

  copy = dup_input (pre_key_body, length);
  result = olm_matches_inbound_session_from (self->olm, their_curve25519, KEY_BASE64_LENGTH, copy,
                                             length);
  wipe_free (copy, length);

  return result == 1;
}

HandsetOlmSession *
handset_olm_session_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetOlmSession) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetOlmSession, 1);
  self->olm = object_unpickle (&session_kind, pickle, key, &self->id, error);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

char *
handset_olm_session_pickle (HandsetOlmSession *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return object_pickle (&session_kind, self->olm, key);
}

const char *
handset_olm_session_get_id (HandsetOlmSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

gboolean
handset_olm_session_has_received (HandsetOlmSession *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return olm_session_has_received_message (self->olm) != 0;
}

/**
 * handset_olm_session_encrypt:
 * @message_type: (out): %HANDSET_OLM_MESSAGE_PRE_KEY or
 *   %HANDSET_OLM_MESSAGE_NORMAL
 *
 * Returns: the message body, unpadded base64.
 */
char *
handset_olm_session_encrypt (HandsetOlmSession *self, const char *plaintext, int *message_type)
{
  gsize plaintext_length;
  gsize random_length;
  gsize length;
  guint8 *entropy;
  char *message;
  size_t type;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (plaintext != NULL, NULL);

  type = olm_encrypt_message_type (self->olm);
  if (type == olm_error ())
    {
      g_critical ("The Olm session cannot encrypt: %s", olm_session_last_error (self->olm));
      return NULL;
    }

  plaintext_length = strlen (plaintext);
  length = olm_encrypt_message_length (self->olm, plaintext_length);
  message = g_malloc (length + 1);
  random_length = olm_encrypt_random_length (self->olm);
  entropy = random_buffer (random_length);
  written =
      olm_encrypt (self->olm, plaintext, plaintext_length, entropy, random_length, message, length);
  wipe_free (entropy, random_length);

  if (written == olm_error ())
    {
      g_critical ("The Olm session could not encrypt: %s", olm_session_last_error (self->olm));
      g_free (message);
      return NULL;
    }

  message[written] = '\0';
  if (message_type != NULL)
    *message_type =
        type == OLM_MESSAGE_TYPE_PRE_KEY ? HANDSET_OLM_MESSAGE_PRE_KEY : HANDSET_OLM_MESSAGE_NORMAL;
  return message;
}

/**
 * handset_olm_session_decrypt:
 *
 * Returns: the plaintext, or %NULL with %HANDSET_OLM_ERROR_BAD_MESSAGE for
 * a message that is not of this session, damaged, or not text.
 */
char *
handset_olm_session_decrypt (HandsetOlmSession *self,
                             int message_type,
                             const char *body,
                             GError **error)
{
  char *copy;
  char *plaintext;
  gsize length;
  size_t max_length;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  /* libolm takes any type other than 1 for a pre-key message. */
  if (message_type != HANDSET_OLM_MESSAGE_PRE_KEY && message_type != HANDSET_OLM_MESSAGE_NORMAL)
    {
      g_set_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE,
                   "No Olm message has type %d", message_type);
      return NULL;
    }

  if (!check_message (body, &length, error))
    return NULL;

  /* Both calls destroy their input: one copy each. */
  copy = dup_input (body, length);
  max_length = olm_decrypt_max_plaintext_length (self->olm, (size_t) message_type, copy, length);
  wipe_free (copy, length);
  if (max_length == olm_error ())
    {
      set_object_error (error, &session_kind, self->olm, INPUT_MESSAGE,
                        "The Olm message could not be decrypted");
      return NULL;
    }

  plaintext = g_malloc (max_length + 1);
  copy = dup_input (body, length);
  written = olm_decrypt (self->olm, (size_t) message_type, copy, length, plaintext, max_length);
  wipe_free (copy, length);
  if (written == olm_error ())
    {
      set_object_error (error, &session_kind, self->olm, INPUT_MESSAGE,
                        "The Olm message could not be decrypted");
      wipe_free (plaintext, max_length + 1);
      return NULL;
    }

  return plaintext_to_string (plaintext, max_length + 1, written, "The Olm message is not text",
                              error);
}

/* ------------------------------------------------------------ Megolm outbound */

void
handset_megolm_outbound_free (HandsetMegolmOutbound *self)
{
  if (self == NULL)
    return;

  object_free (&megolm_outbound_kind, self->olm);
  g_free (self->id);
  g_free (self);
}

HandsetMegolmOutbound *
handset_megolm_outbound_new (void)
{
  g_autoptr (HandsetMegolmOutbound) self = g_new0 (HandsetMegolmOutbound, 1);

  self->olm = object_create (&megolm_outbound_kind, &self->id);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

HandsetMegolmOutbound *
handset_megolm_outbound_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetMegolmOutbound) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetMegolmOutbound, 1);
  self->olm = object_unpickle (&megolm_outbound_kind, pickle, key, &self->id, error);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

char *
handset_megolm_outbound_pickle (HandsetMegolmOutbound *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return object_pickle (&megolm_outbound_kind, self->olm, key);
}

const char *
handset_megolm_outbound_get_id (HandsetMegolmOutbound *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

char *
handset_megolm_outbound_get_session_key (HandsetMegolmOutbound *self)
{
  gsize length;
  char *session_key;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);

  length = olm_outbound_group_session_key_length (self->olm);
  session_key = g_malloc (length + 1);
  written = olm_outbound_group_session_key (self->olm, (uint8_t *) session_key, length);
  if (written == olm_error ())
    {
      g_critical ("The Megolm session key could not be read: %s",
                  olm_outbound_group_session_last_error (self->olm));
      wipe_free (session_key, length + 1);
      return NULL;
    }

  session_key[written] = '\0';
  return session_key;
}

guint32
handset_megolm_outbound_get_message_index (HandsetMegolmOutbound *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return olm_outbound_group_session_message_index (self->olm);
}

char *
handset_megolm_outbound_encrypt (HandsetMegolmOutbound *self, const char *plaintext)
{
  gsize plaintext_length;
  gsize length;
  char *message;
  size_t written;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (plaintext != NULL, NULL);

  plaintext_length = strlen (plaintext);
  length = olm_group_encrypt_message_length (self->olm, plaintext_length);
  message = g_malloc (length + 1);
  written = olm_group_encrypt (self->olm, (const uint8_t *) plaintext, plaintext_length,
                               (uint8_t *) message, length);
  if (written == olm_error ())
    {
      g_critical ("The Megolm session could not encrypt: %s",
                  olm_outbound_group_session_last_error (self->olm));
      g_free (message);
      return NULL;
    }

  message[written] = '\0';
  return message;
}

/* ------------------------------------------------------------ Megolm inbound */

void
handset_megolm_inbound_free (HandsetMegolmInbound *self)
{
  if (self == NULL)
    return;

  object_free (&megolm_inbound_kind, self->olm);
  g_free (self->id);
  g_free (self);
}

typedef size_t (*MegolmInboundInitFunc) (OlmInboundGroupSession *session,
                                         const uint8_t *key,
                                         size_t key_length);

static HandsetMegolmInbound *
megolm_inbound_new_from_key (MegolmInboundInitFunc init,
                             const char *key,
                             const char *what,
                             GError **error)
{
  g_autoptr (HandsetMegolmInbound) self = NULL;
  gsize length = strlen (key);
  char *copy;
  size_t result;

  if (length == 0 || !is_base64 (key, length))
    {
      g_set_error_literal (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID,
                           "Not a Megolm session key");
      return NULL;
    }

  self = g_new0 (HandsetMegolmInbound, 1);
  self->olm = object_new (&megolm_inbound_kind);
  /* The key is a secret, and libolm may decode it in place. */
  copy = dup_input (key, length);
  result = init (self->olm, (const uint8_t *) copy, length);
  wipe_free (copy, length);

  if (result == olm_error ())
    {
      set_object_error (error, &megolm_inbound_kind, self->olm, INPUT_KEY, what);
      return NULL;
    }

  self->id = object_read_id (&megolm_inbound_kind, self->olm, error);
  if (self->id == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * handset_megolm_inbound_new:
 *
 * Returns: the session of @session_key, or %NULL with
 * %HANDSET_OLM_ERROR_INVALID for a malformed key and
 * %HANDSET_OLM_ERROR_BAD_SIGNATURE for one its signature does not cover.
 */
HandsetMegolmInbound *
handset_megolm_inbound_new (const char *session_key, GError **error)
{
  g_return_val_if_fail (session_key != NULL, NULL);

  return megolm_inbound_new_from_key (olm_init_inbound_group_session, session_key,
                                      "No Megolm session could be made of the key", error);
}

HandsetMegolmInbound *
handset_megolm_inbound_import (const char *exported_key, GError **error)
{
  g_return_val_if_fail (exported_key != NULL, NULL);

  return megolm_inbound_new_from_key (olm_import_inbound_group_session, exported_key,
                                      "No Megolm session could be imported", error);
}

HandsetMegolmInbound *
handset_megolm_inbound_unpickle (const char *pickle, const guint8 *key, GError **error)
{
  g_autoptr (HandsetMegolmInbound) self = NULL;

  g_return_val_if_fail (pickle != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (HandsetMegolmInbound, 1);
  self->olm = object_unpickle (&megolm_inbound_kind, pickle, key, &self->id, error);
  return self->olm != NULL ? g_steal_pointer (&self) : NULL;
}

char *
handset_megolm_inbound_pickle (HandsetMegolmInbound *self, const guint8 *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return object_pickle (&megolm_inbound_kind, self->olm, key);
}

const char *
handset_megolm_inbound_get_id (HandsetMegolmInbound *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

guint32
handset_megolm_inbound_get_first_known_index (HandsetMegolmInbound *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return olm_inbound_group_session_first_known_index (self->olm);
}

/**
 * handset_megolm_inbound_decrypt:
 * @message_index: (out) (optional): the index the message was sent at
 *
 * Returns: the plaintext, or %NULL with %HANDSET_OLM_ERROR_UNKNOWN_INDEX
 * for a message older than the key held, %HANDSET_OLM_ERROR_BAD_MESSAGE
 * for one not of this session, damaged, or not text.
 */
char *
handset_megolm_inbound_decrypt (HandsetMegolmInbound *self,
                                const char *ciphertext,
                                guint32 *message_index,
                                GError **error)
{
  char *copy;
  char *plaintext;
  gsize length;
  size_t max_length;
  size_t written;
  uint32_t sent_index = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (ciphertext != NULL, NULL);

  if (!check_message (ciphertext, &length, error))
    return NULL;

  /* Both calls destroy their input: one copy each. */
  copy = dup_input (ciphertext, length);
  max_length = olm_group_decrypt_max_plaintext_length (self->olm, (uint8_t *) copy, length);
  wipe_free (copy, length);
  if (max_length == olm_error ())
    {
      set_object_error (error, &megolm_inbound_kind, self->olm, INPUT_MESSAGE,
                        "The Megolm message could not be decrypted");
      return NULL;
    }

  plaintext = g_malloc (max_length + 1);
  copy = dup_input (ciphertext, length);
  written = olm_group_decrypt (self->olm, (uint8_t *) copy, length, (uint8_t *) plaintext,
                               max_length, &sent_index);
  wipe_free (copy, length);
  if (written == olm_error ())
    {
      set_object_error (error, &megolm_inbound_kind, self->olm, INPUT_MESSAGE,
                        "The Megolm message could not be decrypted");
      wipe_free (plaintext, max_length + 1);
      return NULL;
    }

  plaintext = plaintext_to_string (plaintext, max_length + 1, written,
                                   "The Megolm message is not text", error);
  if (plaintext != NULL && message_index != NULL)
    *message_index = sent_index;
  return plaintext;
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
  wipe_free (seed_copy, seed_length);
  olm_clear_pk_signing (signing);
  wipe_free (memory, size);
  if (public_key != NULL && signature != NULL)
    *public_key = g_steal_pointer (&key);
  g_free (key);

  return signature;
}
