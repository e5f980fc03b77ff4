/* test-secret-storage.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recovery key and Secret Storage against known answers. The vectors
 * were made with an independent implementation (Node's OpenSSL crypto and
 * the bs58 package that matrix-js-sdk uses), from the key 03 0a 11 … (byte
 * i is 7 i + 3) and the IV a0 a1 … af with bit 63 cleared.
 */

#include "config.h"

#include <string.h>

#include "handset-device-keys.h"
#include "handset-cross-signing.h"
#include "handset-secret-storage.h"
#include "handset-signing-keys.h"

#define RECOVERY_KEY      "EsT1 t3bE JPZs Bz9H xApv jfQh PY9X gmGM bhbN Kz2L 2t9n aeKB"
#define IV                "oKGio6SlpqcoqaqrrK2urw"
#define CHECK_MAC         "m7ezWnXZGrrxyQA89P9Jgs6Ox0CWVIViKY+aNa6Viss"
#define SECRET_NAME       "m.cross_signing.self_signing"
#define SECRET            "c2VsZi1zaWduaW5nIHByaXZhdGUga2V5IHNlZWQgMzJieXRlcw"
#define SECRET_CIPHERTEXT "MkW/P88J2zxRt5elN4kRmpilKy4HligsDlAmEjtZBtmN66OYHftCH3gBk0q5mUurCPs"
#define SECRET_MAC        "Kes9QsqjC+Vbh2gz7345DV80fUefJUjmpYxHq6KU9Bw"

static void
known_key (guint8 *key)
{
  for (guint i = 0; i < HANDSET_SECRET_STORAGE_KEY_SIZE; i++)
    key[i] = (guint8) (i * 7 + 3);
}

static void
test_recovery_key (void)
{
  guint8 expected[HANDSET_SECRET_STORAGE_KEY_SIZE];
  g_autofree guint8 *key = NULL;
  g_autofree guint8 *again = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  known_key (expected);
  key = handset_recovery_key_decode (RECOVERY_KEY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_cmpmem (key, sizeof expected, expected, sizeof expected);

  /* Spaces do not matter; encoding gives the same text back. */
  again = handset_recovery_key_decode ("EsT1t3bEJPZsBz9HxApvjfQhPY9XgmGMbhbNKz2L2t9naeKB", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (again, sizeof expected, expected, sizeof expected);
  text = handset_recovery_key_encode (expected);
  g_assert_cmpstr (text, ==, RECOVERY_KEY);
}

static void
test_recovery_key_typos (void)
{
  const char *bad[] = {
    "",
    "EsT1 t3bE JPZs Bz9H xApv jfQh PY9X gmGM bhbN Kz2L 2t9n aeKC",  /* parity */
    "EsT1 t3bE JPZs Bz9H xApv jfQh PY9X gmGM bhbN Kz2L 2t9n aeK",   /* short */
    "EsT1 t3bE JPZs Bz9H xApv jfQh PY9X gmGM bhbN Kz2L 2t9n aeKB1", /* long */
    "EsT0 t3bE JPZs Bz9H xApv jfQh PY9X gmGM bhbN Kz2L 2t9n aeKB",  /* 0 is not base58 */
    "not a key at all",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *key = handset_recovery_key_decode (bad[i], &error);

      g_assert_null (key);
      g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_check_key (void)
{
  guint8 key[HANDSET_SECRET_STORAGE_KEY_SIZE];
  g_autoptr (GError) error = NULL;

  known_key (key);
  g_assert_true (handset_secret_storage_check_key (key, IV, CHECK_MAC, &error));
  g_assert_no_error (error);
  /* Padded base64 is read too. */
  g_assert_true (handset_secret_storage_check_key (key, IV "==", CHECK_MAC "=", &error));
  g_assert_no_error (error);
  /* Without iv and mac any key is taken. */
  g_assert_true (handset_secret_storage_check_key (key, NULL, NULL, &error));

  /* Another key: a clear error, and the person may try again. */
  key[5] ^= 1;
  g_assert_false (handset_secret_storage_check_key (key, IV, CHECK_MAC, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (handset_secret_storage_check_key (key, "%%%", CHECK_MAC, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
}

static void
test_decrypt_secret (void)
{
  guint8 key[HANDSET_SECRET_STORAGE_KEY_SIZE];
  g_autoptr (GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *iv = NULL;
  g_autofree char *ciphertext = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *round = NULL;

  known_key (key);
  secret =
      handset_secret_storage_decrypt (key, SECRET_NAME, IV, SECRET_CIPHERTEXT, SECRET_MAC, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, SECRET);

  /* Under another name (the HKDF info) the MAC does not match. */
  g_clear_pointer (&secret, g_free);
  secret = handset_secret_storage_decrypt (key, "m.cross_signing.user_signing", IV,
                                           SECRET_CIPHERTEXT, SECRET_MAC, &error);
  g_assert_null (secret);
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* Our own encryption reads back, with a new IV whose bit 63 is clear. */
  handset_secret_storage_encrypt (key, SECRET_NAME, SECRET, &iv, &ciphertext, &mac);
  g_assert_cmpstr (iv, !=, IV);
  round = handset_secret_storage_decrypt (key, SECRET_NAME, iv, ciphertext, mac, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (round, ==, SECRET);
  {
    gsize length = 0;
    g_autofree char *padded = g_strconcat (iv, "==", NULL);
    g_autofree guint8 *raw = g_base64_decode (padded, &length);

    g_assert_cmpuint (length, ==, 16);
    g_assert_cmpuint (raw[8] & 0x80, ==, 0);
  }
}

static void
test_passphrase (void)
{
  static const guint8 expected[] = {
    0x0d, 0xd7, 0x8f, 0x53, 0x24, 0x68, 0x72, 0x00, 0x25, 0xd3, 0x75, 0x00, 0x0f, 0x9d, 0xa1, 0x5a,
    0xbd, 0xd3, 0xe4, 0xf2, 0x40, 0x27, 0xe5, 0xe6, 0x69, 0x63, 0xd6, 0x6b, 0x22, 0x9e, 0x41, 0xf6,
  };
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *key = handset_secret_storage_key_from_passphrase (
      "correct horse battery staple", "saltsaltsalt", 1000, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (key, sizeof expected, expected, sizeof expected);

  /* A server asking for absurd work is refused. */
  g_assert_null (handset_secret_storage_key_from_passphrase ("x", "s", 0, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (handset_secret_storage_key_from_passphrase ("x", "s", G_MAXUINT, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
}

/* A new storage key's description tells it from any other key. */
static void
test_make_check (void)
{
  guint8 key[HANDSET_SECRET_STORAGE_KEY_SIZE], other[HANDSET_SECRET_STORAGE_KEY_SIZE];
  g_autofree char *iv = NULL;
  g_autofree char *mac = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *iv_raw = NULL;
  gsize iv_length = 0;

  known_key (key);
  memcpy (other, key, sizeof other);
  other[31] ^= 1;
  handset_secret_storage_make_check (key, &iv, &mac);
  iv_raw = handset_base64_decode_any (iv, &iv_length);
  g_assert_cmpuint (iv_length, ==, 16);
  g_assert_cmpuint (iv_raw[8] & 0x80, ==, 0);
  g_assert_true (handset_secret_storage_check_key (key, iv, mac, &error));
  g_assert_no_error (error);
  g_assert_false (handset_secret_storage_check_key (other, iv, mac, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE);
}

/* Private cross-signing keys: through Secret Storage and back, checked
 * against the published public key; the public keys they build carry the
 * master key's signature. */
static void
test_signing_keys (void)
{
  g_autoptr (HandsetSigningKeys) made = handset_signing_keys_generate ("@a:example.org");
  g_autoptr (HandsetSigningKeys) read = handset_signing_keys_new ("@a:example.org");
  g_autoptr (HandsetCrossSigningKey) master = NULL;
  g_autoptr (HandsetCrossSigningKey) ssk = NULL;
  g_autoptr (JsonObject) master_json = NULL;
  g_autoptr (JsonObject) ssk_json = NULL;
  g_autoptr (GError) error = NULL;
  guint8 key[HANDSET_SECRET_STORAGE_KEY_SIZE];
  g_autofree char *secret = NULL;
  g_autofree char *iv = NULL, *ciphertext = NULL, *mac = NULL;
  g_autofree char *back = NULL;
  const char *name = handset_signing_key_secret_name (HANDSET_SIGNING_KEY_SELF_SIGNING);
  const char *ssk_public = handset_signing_keys_get_public (made, HANDSET_SIGNING_KEY_SELF_SIGNING);

  g_assert_cmpstr (name, ==, "m.cross_signing.self_signing");
  known_key (key);
  secret = handset_signing_keys_get_secret (made, HANDSET_SIGNING_KEY_SELF_SIGNING);
  g_assert_cmpuint (strlen (secret), ==, 43);
  handset_secret_storage_encrypt (key, name, secret, &iv, &ciphertext, &mac);
  back = handset_secret_storage_decrypt (key, name, iv, ciphertext, mac, &error);
  g_assert_no_error (error);

  /* Another published key: refused, and nothing is kept. */
  g_assert_false (handset_signing_keys_set_secret (
      read, HANDSET_SIGNING_KEY_SELF_SIGNING, back,
      handset_signing_keys_get_public (made, HANDSET_SIGNING_KEY_MASTER), &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (handset_signing_keys_has (read, HANDSET_SIGNING_KEY_SELF_SIGNING));
  g_assert_false (handset_signing_keys_set_secret (read, HANDSET_SIGNING_KEY_SELF_SIGNING,
                                                   "not-base64!", NULL, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (handset_signing_keys_set_secret (read, HANDSET_SIGNING_KEY_SELF_SIGNING, back,
                                                  ssk_public, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (handset_signing_keys_get_public (read, HANDSET_SIGNING_KEY_SELF_SIGNING), ==,
                   ssk_public);

  /* Without the master key it cannot sign a public key; with it, the
   * chain master → self-signing checks out. */
  g_assert_null (
      handset_signing_keys_build_public (read, HANDSET_SIGNING_KEY_SELF_SIGNING, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
  g_clear_error (&error);
  master_json = handset_signing_keys_build_public (made, HANDSET_SIGNING_KEY_MASTER, &error);
  ssk_json = handset_signing_keys_build_public (made, HANDSET_SIGNING_KEY_SELF_SIGNING, &error);
  g_assert_no_error (error);
  master = handset_cross_signing_key_parse (master_json, "@a:example.org", "master", NULL, &error);
  g_assert_no_error (error);
  ssk = handset_cross_signing_key_parse (ssk_json, "@a:example.org", "self_signing",
                                         master->ed25519, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ssk->ed25519, ==, ssk_public);
  /* Tampered with after signing: the chain breaks. */
  json_object_set_string_member (ssk_json, "user_id", "@b:example.org");
  g_assert_false (handset_json_signed_by_key (ssk_json, "@a:example.org", master->ed25519));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secret-storage/recovery-key", test_recovery_key);
  g_test_add_func ("/secret-storage/recovery-key-typos", test_recovery_key_typos);
  g_test_add_func ("/secret-storage/check-key", test_check_key);
  g_test_add_func ("/secret-storage/decrypt-secret", test_decrypt_secret);
  g_test_add_func ("/secret-storage/passphrase", test_passphrase);
  g_test_add_func ("/secret-storage/make-check", test_make_check);
  g_test_add_func ("/secret-storage/signing-keys", test_signing_keys);

  return g_test_run ();
}
