/* handset-secret-storage.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Secret Storage (`m.secret_storage.v1.aes-hmac-sha2`) and the recovery
 * key that opens it: the 48-character base58 key Element shows, or a
 * passphrase. Secrets (the private cross-signing keys) are kept in the
 * user's account data, encrypted with AES-CTR-256 and authenticated with
 * HMAC-SHA-256 under keys derived by HKDF-SHA-256 from the storage key.
 * The primitives come from nettle; nothing here touches the network.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/pbkdf2.h>

#include "handset-device-keys.h"
#include "handset-olm.h"
#include "handset-secret-storage.h"

#define KEY_SIZE HANDSET_SECRET_STORAGE_KEY_SIZE
/* 0x8B 0x01, the key, and a parity byte */
#define RECOVERY_SIZE (2 + KEY_SIZE + 1)

static const char base58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58 of exactly @size bytes; FALSE for anything else. */
static gboolean
base58_decode (const char *text, guint8 *out, gsize size)
{
  guint8 *acc = g_malloc0 (size);
  gboolean ok = TRUE;
  gsize digits = 0;

  for (const char *c = text; *c != '\0' && ok; c++)
    {
      const char *at;
      guint carry;

      if (g_ascii_isspace (*c))
        continue;
      at = strchr (base58_alphabet, *c);
      if (at == NULL)
        {
          ok = FALSE;
          break;
        }
      carry = (guint) (at - base58_alphabet);
      for (gsize i = size; i > 0; i--)
        {
          carry += 58 * acc[i - 1];
          acc[i - 1] = carry & 0xff;
          carry >>= 8;
        }
      /* More than @size bytes. */
      if (carry != 0)
        ok = FALSE;
      digits++;
    }
  if (ok && digits > 0)
    memcpy (out, acc, size);
  handset_wipe (acc, size);
  g_free (acc);

  return ok && digits > 0;
}

/**
 * handset_recovery_key_decode:
 * @text: the recovery key as the person typed it (spaces do not matter)
 *
 * Returns: (transfer full) (nullable): the 32-byte storage key, or %NULL
 *   with an error that says what is wrong with @text
 */
guint8 *
handset_recovery_key_decode (const char *text, GError **error)
{
  guint8 raw[RECOVERY_SIZE];
  guint8 parity = 0;
  guint8 *key;

  if (text == NULL || !base58_decode (text, raw, sizeof raw))
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           _ ("This is not a recovery key: check that it is copied whole"));
      return NULL;
    }
  for (gsize i = 0; i < sizeof raw; i++)
    parity ^= raw[i];
  if (raw[0] != 0x8b || raw[1] != 0x01 || parity != 0)
    {
      handset_wipe (raw, sizeof raw);
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           _ ("This recovery key has a typing error in it"));
      return NULL;
    }
  key = g_malloc (KEY_SIZE);
  memcpy (key, raw + 2, KEY_SIZE);
  handset_wipe (raw, sizeof raw);

  return key;
}

/**
 * handset_recovery_key_encode:
 *
 * Returns: (transfer full): @key as the person is shown it, in groups of
 *   four characters
 */
char *
handset_recovery_key_encode (const guint8 *key)
{
  guint8 raw[RECOVERY_SIZE];
  char digits[64];
  gsize n = 0;
  guint8 parity = 0;
  g_autoptr (GString) out = g_string_new (NULL);

  raw[0] = 0x8b;
  raw[1] = 0x01;
  memcpy (raw + 2, key, KEY_SIZE);
  for (gsize i = 0; i < RECOVERY_SIZE - 1; i++)
    parity ^= raw[i];
  raw[RECOVERY_SIZE - 1] = parity;

  /* Repeated division by 58 of the big-endian number. */
  for (;;)
    {
      guint remainder = 0;
      gboolean zero = TRUE;

      for (gsize i = 0; i < sizeof raw; i++)
        {
          guint value = remainder * 256 + raw[i];

          raw[i] = value / 58;
          remainder = value % 58;
          zero = zero && raw[i] == 0;
        }
      digits[n++] = base58_alphabet[remainder];
      if (zero)
        break;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, digits[n - 1 - i]);
    }
  handset_wipe (raw, sizeof raw);
  handset_wipe (digits, sizeof digits);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * handset_secret_storage_key_from_passphrase:
 *
 * The storage key of the `m.pbkdf2` passphrase form: PBKDF2 with
 * HMAC-SHA-512 over the account data's salt and iterations.
 *
 * Returns: (transfer full) (nullable): the 32-byte key
 */
guint8 *
handset_secret_storage_key_from_passphrase (const char *passphrase,
                                            const char *salt,
                                            guint iterations,
                                            GError **error)
{
  guint8 *key;

  /* Element uses 500 000; a server could ask for billions, and hang us. */
  if (iterations == 0 || iterations > 10000000 || salt == NULL || passphrase == NULL)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           _ ("The account's passphrase settings cannot be used"));
      return NULL;
    }
  key = g_malloc (KEY_SIZE);
  pbkdf2_hmac_sha512 (strlen (passphrase), (const guint8 *) passphrase, iterations, strlen (salt),
                      (const guint8 *) salt, KEY_SIZE, key);

  return key;
}

/* The AES and MAC keys for the secret called @name (HKDF-SHA-256, a salt of
 * 32 zero bytes). */
static void
derive (const guint8 *key, const char *name, guint8 *aes_key, guint8 *mac_key)
{
  struct hmac_sha256_ctx ctx;
  guint8 salt[SHA256_DIGEST_SIZE] = { 0 };
  guint8 prk[SHA256_DIGEST_SIZE];
  guint8 out[2 * KEY_SIZE];

  hmac_sha256_set_key (&ctx, sizeof salt, salt);
  hkdf_extract (&ctx, (nettle_hash_update_func *) hmac_sha256_update,
                (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE, KEY_SIZE, key,
                prk);
  hmac_sha256_set_key (&ctx, sizeof prk, prk);
  hkdf_expand (&ctx, (nettle_hash_update_func *) hmac_sha256_update,
               (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE, strlen (name),
               (const guint8 *) name, sizeof out, out);
  memcpy (aes_key, out, KEY_SIZE);
  memcpy (mac_key, out + KEY_SIZE, KEY_SIZE);
  handset_wipe (out, sizeof out);
  handset_wipe (prk, sizeof prk);
  handset_wipe (&ctx, sizeof ctx);
}

static void
aes_ctr (const guint8 *aes_key, const guint8 *iv, const guint8 *in, gsize length, guint8 *out)
{
  struct aes256_ctx ctx;
  guint8 counter[AES_BLOCK_SIZE];

  memcpy (counter, iv, AES_BLOCK_SIZE);
  aes256_set_encrypt_key (&ctx, aes_key);
  ctr_crypt (&ctx, (nettle_cipher_func *) aes256_encrypt, AES_BLOCK_SIZE, counter, length, out, in);
  handset_wipe (&ctx, sizeof ctx);
}

static void
hmac (const guint8 *mac_key, const guint8 *data, gsize length, guint8 *out)
{
  struct hmac_sha256_ctx ctx;

  hmac_sha256_set_key (&ctx, KEY_SIZE, mac_key);
  hmac_sha256_update (&ctx, length, data);
  hmac_sha256_digest (&ctx, SHA256_DIGEST_SIZE, out);
  handset_wipe (&ctx, sizeof ctx);
}

/**
 * handset_base64_decode_any:
 *
 * Base64, padded or not (the spec asks for both to be read).
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL if @text is not
 *   base64
 */
guint8 *
handset_base64_decode_any (const char *text, gsize *length)
{
  g_autofree char *padded = NULL;
  gsize n;

  if (text == NULL)
    return NULL;
  n = strlen (text);
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/' && text[i] != '=')
      return NULL;
  padded = g_strnfill (n + (4 - n % 4) % 4, '=');
  memcpy (padded, text, n);

  return g_base64_decode (padded, length);
}

/**
 * handset_base64_encode_unpadded:
 *
 * Returns: (transfer full): @data in base64 without padding, as Matrix
 *   writes it
 */
char *
handset_base64_encode_unpadded (const guint8 *data, gsize length)
{
  char *text = g_base64_encode (data, length);
  char *end = text + strlen (text);

  while (end > text && end[-1] == '=')
    *--end = '\0';

  return text;
}

/* Checks @mac over @ciphertext, in constant time. */
static gboolean
check_mac (const guint8 *mac_key, const guint8 *ciphertext, gsize length, const char *mac)
{
  g_autofree guint8 *expected = NULL;
  gsize expected_length = 0;
  guint8 actual[SHA256_DIGEST_SIZE];
  gboolean ok;

  expected = handset_base64_decode_any (mac, &expected_length);
  if (expected == NULL || expected_length != SHA256_DIGEST_SIZE)
    return FALSE;
  hmac (mac_key, ciphertext, length, actual);
  ok = memeql_sec (actual, expected, SHA256_DIGEST_SIZE);

  return ok;
}

/**
 * handset_secret_storage_check_key:
 * @iv: (nullable): the key description's `iv`
 * @mac: (nullable): its `mac`
 *
 * Whether @key is the storage key the account data describes: the MAC of
 * 32 zero bytes encrypted under the empty name must match. Without `iv`
 * and `mac` any key is taken, as the spec says.
 */
gboolean
handset_secret_storage_check_key (const guint8 *key,
                                  const char *iv,
                                  const char *mac,
                                  GError **error)
{
  guint8 aes_key[KEY_SIZE], mac_key[KEY_SIZE];
  guint8 zeros[32] = { 0 };
  guint8 ciphertext[32];
  g_autofree guint8 *iv_raw = NULL;
  gsize iv_length = 0;
  gboolean ok;

  if (iv == NULL && mac == NULL)
    return TRUE;
  iv_raw = handset_base64_decode_any (iv, &iv_length);
  if (iv_raw == NULL || iv_length != AES_BLOCK_SIZE)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           _ ("The account's recovery key description is damaged"));
      return FALSE;
    }
  derive (key, "", aes_key, mac_key);
  aes_ctr (aes_key, iv_raw, zeros, sizeof zeros, ciphertext);
  ok = check_mac (mac_key, ciphertext, sizeof ciphertext, mac);
  handset_wipe (aes_key, sizeof aes_key);
  handset_wipe (mac_key, sizeof mac_key);
  if (!ok)
    g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,
                         _ ("This is not the recovery key of this account"));

  return ok;
}

/**
 * handset_secret_storage_make_check:
 * @iv: (out): the new key description's `iv`
 * @mac: (out): its `mac`
 *
 * What a new storage key's description carries so that clients can tell
 * the right key from a wrong one (the inverse of
 * handset_secret_storage_check_key()).
 */
void
handset_secret_storage_make_check (const guint8 *key, char **iv, char **mac)
{
  guint8 aes_key[KEY_SIZE], mac_key[KEY_SIZE];
  guint8 zeros[32] = { 0 };
  guint8 ciphertext[32];
  guint8 iv_raw[AES_BLOCK_SIZE];
  guint8 digest[SHA256_DIGEST_SIZE];

  handset_olm_random_bytes (iv_raw, sizeof iv_raw);
  iv_raw[8] &= 0x7f;
  derive (key, "", aes_key, mac_key);
  aes_ctr (aes_key, iv_raw, zeros, sizeof zeros, ciphertext);
  hmac (mac_key, ciphertext, sizeof ciphertext, digest);
  *iv = handset_base64_encode_unpadded (iv_raw, sizeof iv_raw);
  *mac = handset_base64_encode_unpadded (digest, sizeof digest);
  handset_wipe (aes_key, sizeof aes_key);
  handset_wipe (mac_key, sizeof mac_key);
}

/**
 * handset_secret_storage_decrypt:
 * @name: the secret's name (its account data type), e.g.
 *   `m.cross_signing.self_signing`
 *
 * Returns: (transfer full) (nullable): the secret, once its MAC checked;
 *   wipe it when done
 */
char *
handset_secret_storage_decrypt (const guint8 *key,
                                const char *name,
                                const char *iv,
                                const char *ciphertext,
                                const char *mac,
                                GError **error)
{
  guint8 aes_key[KEY_SIZE], mac_key[KEY_SIZE];
  g_autofree guint8 *iv_raw = NULL;
  g_autofree guint8 *data = NULL;
  gsize iv_length = 0, length = 0;
  char *plaintext;

  iv_raw = handset_base64_decode_any (iv, &iv_length);
  data = handset_base64_decode_any (ciphertext, &length);
  if (iv_raw == NULL || iv_length != AES_BLOCK_SIZE || data == NULL || length > 65536)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                   _ ("The stored secret %s is damaged"), name);
      return NULL;
    }
  derive (key, name, aes_key, mac_key);
  if (!check_mac (mac_key, data, length, mac))
    {
      handset_wipe (aes_key, sizeof aes_key);
      handset_wipe (mac_key, sizeof mac_key);
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE,
                   _ ("The stored secret %s was not made with this recovery key"), name);
      return NULL;
    }
  plaintext = g_malloc (length + 1);
  aes_ctr (aes_key, iv_raw, data, length, (guint8 *) plaintext);
  plaintext[length] = '\0';
  handset_wipe (aes_key, sizeof aes_key);
  handset_wipe (mac_key, sizeof mac_key);

  return plaintext;
}

/**
 * handset_secret_storage_encrypt:
 * @iv: (out): a new random IV, with bit 63 clear, as the spec asks
 *
 * Encrypts @secret for the account data (unpadded base64 out).
 */
void
handset_secret_storage_encrypt (const guint8 *key,
                                const char *name,
                                const char *secret,
                                char **iv,
                                char **ciphertext,
                                char **mac)
{
  guint8 aes_key[KEY_SIZE], mac_key[KEY_SIZE];
  guint8 iv_raw[AES_BLOCK_SIZE];
  guint8 digest[SHA256_DIGEST_SIZE];
  gsize length = strlen (secret);
  g_autofree guint8 *data = g_malloc (length + 1);

  handset_olm_random_bytes (iv_raw, sizeof iv_raw);
  iv_raw[8] &= 0x7f;
  derive (key, name, aes_key, mac_key);
  aes_ctr (aes_key, iv_raw, (const guint8 *) secret, length, data);
  hmac (mac_key, data, length, digest);
  *iv = handset_base64_encode_unpadded (iv_raw, sizeof iv_raw);
  *ciphertext = handset_base64_encode_unpadded (data, length);
  *mac = handset_base64_encode_unpadded (digest, sizeof digest);
  handset_wipe (aes_key, sizeof aes_key);
  handset_wipe (mac_key, sizeof mac_key);
}
