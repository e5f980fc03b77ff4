/* test-olm-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Olm account through Handset's wrapper (olm-fixture.c): random
 * bytes, identity, one-time and fallback keys, ed25519 signatures (of the
 * account and of a seed), the account's pickle, and pickles of every kind
 * made of hostile input: an error, never a crash. Freeing NULL is nothing.
 */

#include "config.h"

#include <string.h>

#include "olm-fixture.h"

static void
test_random_bytes (void)
{
  guint8 a[64] = { 0 };
  guint8 b[64] = { 0 };
  guint8 zero[64] = { 0 };

  handset_olm_random_bytes (a, sizeof a);
  handset_olm_random_bytes (b, sizeof b);
  g_assert_true (memcmp (a, zero, sizeof a) != 0);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  handset_olm_random_bytes (NULL, 0);
}

static void
test_account_keys (void)
{
  g_autoptr (HandsetOlmAccount) account = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) other = handset_olm_account_new ();
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GHashTable) published = NULL;
  g_autoptr (GHashTable) many = NULL;
  gsize max;

  g_assert_nonnull (account);
  assert_key_shape (handset_olm_account_get_curve25519 (account));
  assert_key_shape (handset_olm_account_get_ed25519 (account));
  g_assert_cmpstr (handset_olm_account_get_curve25519 (account), !=,
                   handset_olm_account_get_ed25519 (account));
  g_assert_cmpstr (handset_olm_account_get_curve25519 (account), !=,
                   handset_olm_account_get_curve25519 (other));

  keys = handset_olm_account_get_one_time_keys (account);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 0);
  g_clear_pointer (&keys, g_hash_table_unref);

  handset_olm_account_generate_one_time_keys (account, 5);
  keys = handset_olm_account_get_one_time_keys (account);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 5);
  {
    GHashTableIter iter;
    gpointer key_id;
    gpointer key;

    g_hash_table_iter_init (&iter, keys);
    while (g_hash_table_iter_next (&iter, &key_id, &key))
      {
        g_assert_cmpuint (strlen (key_id), >, 0);
        assert_key_shape (key);
      }
  }

  handset_olm_account_mark_keys_as_published (account);
  published = handset_olm_account_get_one_time_keys (account);
  g_assert_cmpuint (g_hash_table_size (published), ==, 0);

  /* The account keeps no more than its maximum. */
  max = handset_olm_account_get_max_one_time_keys (account);
  g_assert_cmpuint (max, >=, 50);
  handset_olm_account_generate_one_time_keys (other, max + 10);
  many = handset_olm_account_get_one_time_keys (other);
  g_assert_cmpuint (g_hash_table_size (many), ==, max);
  handset_olm_account_generate_one_time_keys (other, 0);
}

static void
test_fallback_key (void)
{
  g_autoptr (HandsetOlmAccount) alice = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) carol = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) bob = handset_olm_account_new ();
  g_autoptr (HandsetOlmSession) outbound = NULL;
  g_autoptr (HandsetOlmSession) inbound = NULL;
  g_autoptr (HandsetOlmSession) carol_outbound = NULL;
  g_autoptr (HandsetOlmSession) carol_inbound = NULL;
  g_autoptr (GHashTable) none = NULL;
  g_autoptr (GHashTable) fallback = NULL;
  g_autoptr (GHashTable) published = NULL;
  g_autoptr (GHashTable) one_time_keys = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fallback_key = NULL;
  g_autofree char *body = NULL;
  g_autofree char *carol_body = NULL;
  g_autofree char *plaintext = NULL;
  g_autofree char *carol_plaintext = NULL;
  const char *bob_key = handset_olm_account_get_curve25519 (bob);
  int type = -1;

  none = handset_olm_account_get_unpublished_fallback_key (bob);
  g_assert_cmpuint (g_hash_table_size (none), ==, 0);

  handset_olm_account_generate_fallback_key (bob);
  fallback = handset_olm_account_get_unpublished_fallback_key (bob);
  g_assert_cmpuint (g_hash_table_size (fallback), ==, 1);
  fallback_key = any_key (fallback);
  assert_key_shape (fallback_key);
  one_time_keys = handset_olm_account_get_one_time_keys (bob);
  g_assert_cmpuint (g_hash_table_size (one_time_keys), ==, 0);

  handset_olm_account_mark_keys_as_published (bob);
  published = handset_olm_account_get_unpublished_fallback_key (bob);
  g_assert_cmpuint (g_hash_table_size (published), ==, 0);

  outbound = handset_olm_session_new_outbound (alice, bob_key, fallback_key, &error);
  g_assert_no_error (error);
  body = handset_olm_session_encrypt (outbound, "via the fallback key", &type);
  g_assert_cmpint (type, ==, HANDSET_OLM_MESSAGE_PRE_KEY);

  inbound = handset_olm_session_new_inbound (bob, handset_olm_account_get_curve25519 (alice), body,
                                             &error);
  g_assert_no_error (error);
  /* The fallback key is kept: it is no one-time key to drop. */
  g_assert_false (handset_olm_account_remove_one_time_keys (bob, inbound));
  plaintext = handset_olm_session_decrypt (inbound, type, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "via the fallback key");
  assert_delivered (inbound, outbound, "answer", HANDSET_OLM_MESSAGE_NORMAL);

  /* So a second device can use it too. */
  carol_outbound = handset_olm_session_new_outbound (carol, bob_key, fallback_key, &error);
  g_assert_no_error (error);
  carol_body = handset_olm_session_encrypt (carol_outbound, "me too", &type);
  carol_inbound = handset_olm_session_new_inbound (bob, handset_olm_account_get_curve25519 (carol),
                                                   carol_body, &error);
  g_assert_no_error (error);
  g_assert_false (handset_olm_account_remove_one_time_keys (bob, carol_inbound));
  carol_plaintext = handset_olm_session_decrypt (carol_inbound, type, carol_body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (carol_plaintext, ==, "me too");
  g_assert_cmpstr (handset_olm_session_get_id (carol_inbound), !=,
                   handset_olm_session_get_id (inbound));
}

static void
assert_pickle_refused (const char *pickle, int code)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (handset_olm_account_unpickle (pickle, pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, code);
  g_clear_error (&error);
  g_assert_null (handset_olm_session_unpickle (pickle, pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, code);
  g_clear_error (&error);
  g_assert_null (handset_megolm_outbound_unpickle (pickle, pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, code);
  g_clear_error (&error);
  g_assert_null (handset_megolm_inbound_unpickle (pickle, pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, code);
  g_clear_error (&error);
}

static void
test_pickle_account (void)
{
  g_autoptr (HandsetOlmAccount) account = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) restored = NULL;
  g_autoptr (HandsetOlmAccount) wrong = NULL;
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GHashTable) restored_keys = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *pickle = NULL;
  g_autofree char *signature = NULL;
  GHashTableIter iter;
  gpointer key_id;
  gpointer key;

  handset_olm_account_generate_one_time_keys (account, 3);
  keys = handset_olm_account_get_one_time_keys (account);
  pickle = handset_olm_account_pickle (account, pickle_key);
  g_assert_nonnull (pickle);
  /* Encrypted: none of the keys shows. */
  g_assert_null (strstr (pickle, handset_olm_account_get_curve25519 (account)));

  restored = handset_olm_account_unpickle (pickle, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_olm_account_get_curve25519 (restored), ==,
                   handset_olm_account_get_curve25519 (account));
  g_assert_cmpstr (handset_olm_account_get_ed25519 (restored), ==,
                   handset_olm_account_get_ed25519 (account));
  restored_keys = handset_olm_account_get_one_time_keys (restored);
  g_assert_cmpuint (g_hash_table_size (restored_keys), ==, 3);
  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &key_id, &key))
    g_assert_cmpstr (g_hash_table_lookup (restored_keys, key_id), ==, key);

  signature = handset_olm_account_sign (restored, "signed", 6);
  g_assert_true (handset_olm_ed25519_verify (handset_olm_account_get_ed25519 (account), "signed", 6,
                                             signature, &error));
  g_assert_no_error (error);

  wrong = handset_olm_account_unpickle (pickle, wrong_pickle_key, &error);
  g_assert_null (wrong);
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_PICKLE_KEY);
  g_clear_error (&error);

  /* An account's pickle, right key and all, is no session. */
  g_assert_null (handset_olm_session_unpickle (pickle, pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_pickle_garbage (void)
{
  g_autoptr (GPtrArray) strings = hostile_strings ();
  g_autofree char *long_base64 = g_strnfill (224, 'Q');

  /* Not the shape of a pickle at all. */
  assert_pickle_refused ("", HANDSET_OLM_ERROR_INVALID);
  assert_pickle_refused ("not a pickle!", HANDSET_OLM_ERROR_INVALID);
  assert_pickle_refused ("AAAA", HANDSET_OLM_ERROR_INVALID);
  assert_pickle_refused ("\xff\xfe", HANDSET_OLM_ERROR_INVALID);

  /* Base64 of the right shape (168 bytes: 10 blocks and a MAC) whose MAC fails: libolm cannot tell
   * that from the wrong key. */
  assert_pickle_refused (long_base64, HANDSET_OLM_ERROR_BAD_PICKLE_KEY);

  for (guint i = 0; i < strings->len; i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (handset_olm_account_unpickle (strings->pdata[i], pickle_key, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == HANDSET_OLM_ERROR);
      g_clear_error (&error);
      g_assert_null (handset_olm_session_unpickle (strings->pdata[i], pickle_key, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_null (handset_megolm_outbound_unpickle (strings->pdata[i], pickle_key, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_null (handset_megolm_inbound_unpickle (strings->pdata[i], pickle_key, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
}

static void
test_ed25519 (void)
{
  g_autoptr (HandsetOlmAccount) account = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) other = handset_olm_account_new ();
  g_autoptr (GPtrArray) strings = hostile_strings ();
  g_autoptr (GError) error = NULL;
  const char *message = "{\"a\":1}";
  const char *ed25519 = handset_olm_account_get_ed25519 (account);
  g_autofree char *signature = handset_olm_account_sign (account, message, strlen (message));
  g_autofree char *other_signature = handset_olm_account_sign (other, message, strlen (message));
  g_autofree char *with_nul = handset_olm_account_sign (account, "a\0b", 3);
  g_autofree char *tampered = g_strdup (signature);
  g_autofree char *short_key = g_strndup (ed25519, 42);
  g_autofree char *short_signature = g_strndup (signature, 85);
  g_autofree char *bad_alphabet = g_strdup (signature);

  g_assert_nonnull (signature);
  g_assert_cmpuint (strlen (signature), ==, 86);

  g_assert_true (
      handset_olm_ed25519_verify (ed25519, message, strlen (message), signature, &error));
  g_assert_no_error (error);
  /* Only the given bytes are signed, NUL or not. */
  g_assert_true (handset_olm_ed25519_verify (ed25519, "a\0b", 3, with_nul, &error));
  g_assert_no_error (error);
  g_assert_false (handset_olm_ed25519_verify (ed25519, "a", 1, with_nul, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* A changed message, another signer, a changed signature. */
  g_assert_false (handset_olm_ed25519_verify (ed25519, "{\"a\":2}", 7, signature, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (
      handset_olm_ed25519_verify (ed25519, message, strlen (message), other_signature, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (handset_olm_ed25519_verify (handset_olm_account_get_ed25519 (other), message,
                                              strlen (message), signature, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
  g_assert_false (
      handset_olm_ed25519_verify (ed25519, message, strlen (message), tampered, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* Malformed keys and signatures. */
  g_assert_false (
      handset_olm_ed25519_verify (short_key, message, strlen (message), signature, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (
      handset_olm_ed25519_verify (ed25519, message, strlen (message), short_signature, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);
  bad_alphabet[3] = '*';
  g_assert_false (
      handset_olm_ed25519_verify (ed25519, message, strlen (message), bad_alphabet, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);

  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = strings->pdata[i];

      g_assert_false (handset_olm_ed25519_verify (ed25519, message, strlen (message), s, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (handset_olm_ed25519_verify (s, message, strlen (message), signature, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
      /* Any message is just bytes to verify. */
      g_assert_false (handset_olm_ed25519_verify (ed25519, s, strlen (s), signature, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
      g_clear_error (&error);
    }
}

static void
test_free_null (void)
{
  handset_olm_account_free (NULL);
  handset_olm_session_free (NULL);
  handset_megolm_outbound_free (NULL);
  handset_megolm_inbound_free (NULL);
}

/* A private cross-signing key, as Secret Storage keeps it (a seed), signs;
 * its public key checks the signature. */
static void
test_sign_with_seed (void)
{
  guint8 seed[32];
  g_autofree char *public_key = NULL;
  g_autofree char *again_key = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *again = NULL;
  g_autoptr (GError) error = NULL;
  const char *message = "{\"a\":1}";

  for (guint i = 0; i < sizeof seed; i++)
    seed[i] = (guint8) (i + 1);
  signature = handset_olm_sign_with_seed (seed, sizeof seed, message, strlen (message), &public_key,
                                          &error);
  g_assert_no_error (error);
  g_assert_nonnull (signature);
  g_assert_cmpuint (strlen (public_key), ==, 43);
  g_assert_true (
      handset_olm_ed25519_verify (public_key, message, strlen (message), signature, &error));
  g_assert_no_error (error);
  /* The same seed is the same key, and ed25519 signs deterministically. */
  again =
      handset_olm_sign_with_seed (seed, sizeof seed, message, strlen (message), &again_key, &error);
  g_assert_cmpstr (again_key, ==, public_key);
  g_assert_cmpstr (again, ==, signature);
  g_assert_false (handset_olm_ed25519_verify (public_key, "{\"a\":2}", 7, signature, &error));
  g_clear_error (&error);
  /* A seed of the wrong length is an error, not a crash. */
  g_assert_null (handset_olm_sign_with_seed (seed, 31, message, strlen (message), NULL, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/olm/random-bytes", test_random_bytes);
  g_test_add_func ("/olm/account-keys", test_account_keys);
  g_test_add_func ("/olm/fallback-key", test_fallback_key);
  g_test_add_func ("/olm/pickle-account", test_pickle_account);
  g_test_add_func ("/olm/pickle-garbage", test_pickle_garbage);
  g_test_add_func ("/olm/ed25519", test_ed25519);
  g_test_add_func ("/olm/free-null", test_free_null);
  g_test_add_func ("/olm/sign-with-seed", test_sign_with_seed);

  return g_test_run ();
}
