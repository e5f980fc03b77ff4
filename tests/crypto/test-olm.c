/* test-olm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm and Megolm through Handset's wrapper: two accounts that start a
 * session and talk both ways, one-time and fallback keys, Megolm's
 * ratchet, pickles, ed25519 signatures, and what hostile input gets:
 * an error, never a crash.
 */

#include "config.h"

#include <string.h>

#include "handset-olm.h"

#define ONE_MEGABYTE (1024 * 1024)

static const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
};

static const guint8 wrong_pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
};

/* Any one value of a key ID → key table, copied. */
static char *
any_key (GHashTable *keys)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, keys);
  g_assert_true (g_hash_table_iter_next (&iter, NULL, &value));
  return g_strdup (value);
}

static void
assert_key_shape (const char *key)
{
  g_assert_nonnull (key);
  g_assert_cmpuint (strlen (key), ==, 43);
}

/* Strings no wrapper may crash on. */
static GPtrArray *
hostile_strings (void)
{
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (strings, g_strdup (""));
  g_ptr_array_add (strings, g_strdup ("garbage, not base64!"));
  g_ptr_array_add (strings, g_strdup ("A"));
  g_ptr_array_add (strings, g_strdup ("AAAA"));
  g_ptr_array_add (strings, g_strdup ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  g_ptr_array_add (strings, g_strdup ("SGVsbG8sIHdvcmxkISBUaGlzIGlzIG5vdCBhIG1lc3NhZ2U"));
  g_ptr_array_add (strings, g_strdup ("\xff\xfe\xfd"));
  g_ptr_array_add (strings, g_strnfill (ONE_MEGABYTE, 'A'));
  g_ptr_array_add (strings, g_strnfill (ONE_MEGABYTE, '/'));
  g_ptr_array_add (strings, g_strnfill (ONE_MEGABYTE + 1, 'A'));
  g_ptr_array_add (strings, g_strnfill (ONE_MEGABYTE, '\x80'));
  return strings;
}

/* Alice has started a session with one of Bob's one-time keys; Bob has
 * made his end of it from her first message. */
typedef struct
{
  HandsetOlmAccount *alice;
  HandsetOlmAccount *bob;
  HandsetOlmSession *alice_session;
  HandsetOlmSession *bob_session;
} Pair;

static void
pair_set_up (Pair *pair, gconstpointer data)
{
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *one_time_key = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plaintext = NULL;
  int type = -1;

  pair->alice = handset_olm_account_new ();
  pair->bob = handset_olm_account_new ();
  handset_olm_account_generate_one_time_keys (pair->bob, 1);
  keys = handset_olm_account_get_one_time_keys (pair->bob);
  one_time_key = any_key (keys);
  handset_olm_account_mark_keys_as_published (pair->bob);

  pair->alice_session = handset_olm_session_new_outbound (
      pair->alice, handset_olm_account_get_curve25519 (pair->bob), one_time_key, &error);
  g_assert_no_error (error);
  body = handset_olm_session_encrypt (pair->alice_session, "first", &type);
  g_assert_cmpint (type, ==, HANDSET_OLM_MESSAGE_PRE_KEY);
  pair->bob_session = handset_olm_session_new_inbound (
      pair->bob, handset_olm_account_get_curve25519 (pair->alice), body, &error);
  g_assert_no_error (error);
  g_assert_true (handset_olm_account_remove_one_time_keys (pair->bob, pair->bob_session));
  plaintext = handset_olm_session_decrypt (pair->bob_session, type, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "first");
}

static void
pair_tear_down (Pair *pair, gconstpointer data)
{
  g_clear_pointer (&pair->alice_session, handset_olm_session_free);
  g_clear_pointer (&pair->bob_session, handset_olm_session_free);
  g_clear_pointer (&pair->alice, handset_olm_account_free);
  g_clear_pointer (&pair->bob, handset_olm_account_free);
}

/* Sends @text from @from to @to and checks it arrives. */
static void
assert_delivered (HandsetOlmSession *from,
                  HandsetOlmSession *to,
                  const char *text,
                  int expected_type)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *plaintext = NULL;
  int type = -1;

  body = handset_olm_session_encrypt (from, text, &type);
  g_assert_nonnull (body);
  g_assert_cmpint (type, ==, expected_type);
  plaintext = handset_olm_session_decrypt (to, type, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, text);
}

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
test_olm_conversation (void)
{
  g_autoptr (HandsetOlmAccount) alice = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) bob = handset_olm_account_new ();
  g_autoptr (HandsetOlmSession) outbound = NULL;
  g_autoptr (HandsetOlmSession) inbound = NULL;
  g_autoptr (HandsetOlmSession) again = NULL;
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *one_time_key = NULL;
  g_autofree char *body = NULL;
  g_autofree char *body_copy = NULL;
  g_autofree char *plaintext = NULL;
  g_autofree char *second = NULL;
  g_autofree char *second_plaintext = NULL;
  const char *alice_key = handset_olm_account_get_curve25519 (alice);
  const char *bob_key = handset_olm_account_get_curve25519 (bob);
  int type = -1;

  handset_olm_account_generate_one_time_keys (bob, 2);
  keys = handset_olm_account_get_one_time_keys (bob);
  one_time_key = any_key (keys);
  handset_olm_account_mark_keys_as_published (bob);

  outbound = handset_olm_session_new_outbound (alice, bob_key, one_time_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (handset_olm_session_get_id (outbound));
  g_assert_false (handset_olm_session_has_received (outbound));

  body = handset_olm_session_encrypt (outbound, "Hello, Bob", &type);
  g_assert_cmpint (type, ==, HANDSET_OLM_MESSAGE_PRE_KEY);
  body_copy = g_strdup (body);

  inbound = handset_olm_session_new_inbound (bob, alice_key, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (body, ==, body_copy);
  g_assert_true (handset_olm_session_matches_inbound (inbound, alice_key, body));
  g_assert_cmpstr (body, ==, body_copy);
  /* From another sender, it is not this session's. */
  g_assert_false (handset_olm_session_matches_inbound (inbound, bob_key, body));
  g_assert_cmpstr (handset_olm_session_get_id (inbound), ==, handset_olm_session_get_id (outbound));

  g_assert_true (handset_olm_account_remove_one_time_keys (bob, inbound));
  g_assert_false (handset_olm_account_remove_one_time_keys (bob, inbound));

  g_assert_false (handset_olm_session_has_received (inbound));
  plaintext = handset_olm_session_decrypt (inbound, type, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "Hello, Bob");
  g_assert_cmpstr (body, ==, body_copy);
  g_assert_true (handset_olm_session_has_received (inbound));

  /* Until Bob answers, Alice's messages are pre-key messages still. */
  second = handset_olm_session_encrypt (outbound, "Still there?", &type);
  g_assert_cmpint (type, ==, HANDSET_OLM_MESSAGE_PRE_KEY);
  g_assert_true (handset_olm_session_matches_inbound (inbound, alice_key, second));
  second_plaintext = handset_olm_session_decrypt (inbound, type, second, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second_plaintext, ==, "Still there?");

  /* The key is gone: the same first message starts no second session. */
  again = handset_olm_session_new_inbound (bob, alice_key, body, &error);
  g_assert_null (again);
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_clear_error (&error);

  /* Bob's replies are normal messages; once Alice has one, hers are too. */
  assert_delivered (inbound, outbound, "Hi, Alice", HANDSET_OLM_MESSAGE_NORMAL);
  g_assert_true (handset_olm_session_has_received (outbound));
  assert_delivered (outbound, inbound, "Good", HANDSET_OLM_MESSAGE_NORMAL);
  assert_delivered (outbound, inbound, "Twice", HANDSET_OLM_MESSAGE_NORMAL);
  assert_delivered (inbound, outbound, "Fine", HANDSET_OLM_MESSAGE_NORMAL);
  assert_delivered (outbound, inbound, "日本語 and \"quotes\"", HANDSET_OLM_MESSAGE_NORMAL);
  g_assert_cmpstr (handset_olm_session_get_id (inbound), ==, handset_olm_session_get_id (outbound));
}

static void
test_olm_hostile (Pair *pair, gconstpointer data)
{
  g_autoptr (GPtrArray) strings = hostile_strings ();
  const char *alice_key = handset_olm_account_get_curve25519 (pair->alice);
  const char *bob_key = handset_olm_account_get_curve25519 (pair->bob);
  g_autoptr (GError) error = NULL;
  g_autofree char *normal = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *plaintext = NULL;
  g_autofree char *short_key = g_strndup (bob_key, 42);
  g_autofree char *long_key = g_strconcat (bob_key, "A", NULL);
  g_autofree char *bad_alphabet = g_strdup (bob_key);
  int type = -1;

  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = strings->pdata[i];

      for (int t = HANDSET_OLM_MESSAGE_PRE_KEY; t <= HANDSET_OLM_MESSAGE_NORMAL; t++)
        {
          g_autofree char *result = handset_olm_session_decrypt (pair->bob_session, t, s, &error);

          g_assert_null (result);
          g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
          g_clear_error (&error);
        }

      g_assert_null (handset_olm_session_new_inbound (pair->bob, alice_key, s, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
      g_clear_error (&error);
      g_assert_false (handset_olm_session_matches_inbound (pair->bob_session, alice_key, s));

      /* As a key, it is malformed. */
      g_assert_null (handset_olm_session_new_outbound (pair->alice, s, bob_key, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_null (handset_olm_session_new_outbound (pair->alice, bob_key, s, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_null (handset_olm_session_new_inbound (pair->bob, s, "AAAA", &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (handset_olm_session_matches_inbound (pair->bob_session, s, "AAAA"));
    }

  /* Keys of the wrong length or alphabet. */
  bad_alphabet[5] = '-';
  g_assert_null (handset_olm_session_new_outbound (pair->alice, short_key, bob_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (handset_olm_session_new_outbound (pair->alice, long_key, bob_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (handset_olm_session_new_outbound (pair->alice, bad_alphabet, bob_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);

  /* A real message: of a type no Olm message has, of the wrong type, and
   * damaged. */
  assert_delivered (pair->bob_session, pair->alice_session, "reply", HANDSET_OLM_MESSAGE_NORMAL);
  normal = handset_olm_session_encrypt (pair->alice_session, "normal", &type);
  g_assert_cmpint (type, ==, HANDSET_OLM_MESSAGE_NORMAL);

  g_assert_null (handset_olm_session_decrypt (pair->bob_session, 2, normal, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_clear_error (&error);
  g_assert_null (handset_olm_session_decrypt (pair->bob_session, -1, normal, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_clear_error (&error);
  g_assert_null (
      handset_olm_session_decrypt (pair->bob_session, HANDSET_OLM_MESSAGE_PRE_KEY, normal, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_clear_error (&error);

  tampered = g_strdup (normal);
  tampered[strlen (tampered) / 2] = tampered[strlen (tampered) / 2] == 'A' ? 'B' : 'A';
  g_assert_null (handset_olm_session_decrypt (pair->bob_session, type, tampered, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_assert_null (strstr (error->message, "normal"));
  g_clear_error (&error);

  /* None of it hurt the session. */
  plaintext = handset_olm_session_decrypt (pair->bob_session, type, normal, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "normal");

  /* A message decrypts once. */
  g_assert_null (handset_olm_session_decrypt (pair->bob_session, type, normal, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_clear_error (&error);
  assert_delivered (pair->alice_session, pair->bob_session, "after", HANDSET_OLM_MESSAGE_NORMAL);
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
test_megolm (void)
{
  g_autoptr (HandsetMegolmOutbound) outbound = handset_megolm_outbound_new ();
  g_autoptr (HandsetMegolmInbound) inbound = NULL;
  g_autoptr (HandsetMegolmInbound) late = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *session_key = NULL;
  g_autofree char *late_key = NULL;
  const char *texts[] = { "zero", "one", "two" };
  char *messages[3] = { NULL };

  g_assert_nonnull (outbound);
  assert_key_shape (handset_megolm_outbound_get_id (outbound));
  g_assert_cmpuint (handset_megolm_outbound_get_message_index (outbound), ==, 0);
  session_key = handset_megolm_outbound_get_session_key (outbound);
  g_assert_nonnull (session_key);

  inbound = handset_megolm_inbound_new (session_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_megolm_inbound_get_id (inbound), ==,
                   handset_megolm_outbound_get_id (outbound));
  g_assert_cmpuint (handset_megolm_inbound_get_first_known_index (inbound), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      messages[i] = handset_megolm_outbound_encrypt (outbound, texts[i]);
      g_assert_nonnull (messages[i]);
      g_assert_cmpuint (handset_megolm_outbound_get_message_index (outbound), ==, i + 1);
      if (i == 1)
        late_key = handset_megolm_outbound_get_session_key (outbound);
    }

  /* Out of order, and more than once: Megolm allows both. */
  for (int i = G_N_ELEMENTS (texts) - 1; i >= 0; i--)
    for (int times = 0; times < 2; times++)
      {
        guint32 index = G_MAXUINT32;
        g_autofree char *plaintext =
            handset_megolm_inbound_decrypt (inbound, messages[i], &index, &error);

        g_assert_no_error (error);
        g_assert_cmpstr (plaintext, ==, texts[i]);
        g_assert_cmpuint (index, ==, (guint) i);
      }

  /* A key shared after two messages opens the third and no earlier one. */
  late = handset_megolm_inbound_new (late_key, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (handset_megolm_inbound_get_first_known_index (late), ==, 2);
  g_assert_cmpstr (handset_megolm_inbound_get_id (late), ==,
                   handset_megolm_outbound_get_id (outbound));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_null (handset_megolm_inbound_decrypt (late, messages[i], NULL, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_UNKNOWN_INDEX);
      g_clear_error (&error);
    }
  {
    guint32 index = 0;
    g_autofree char *plaintext = handset_megolm_inbound_decrypt (late, messages[2], &index, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (plaintext, ==, "two");
    g_assert_cmpuint (index, ==, 2);
  }

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    g_free (messages[i]);
}

static char *
unpadded_base64 (const guint8 *data, gsize length)
{
  char *encoded = g_base64_encode (data, length);
  char *padding = strchr (encoded, '=');

  if (padding != NULL)
    *padding = '\0';
  return encoded;
}

static guint8 *
decode_unpadded_base64 (const char *encoded, gsize *length)
{
  g_autoptr (GString) padded = g_string_new (encoded);

  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  return g_base64_decode (padded->str, length);
}

static void
test_megolm_import (void)
{
  g_autoptr (GPtrArray) strings = hostile_strings ();
  g_autoptr (HandsetMegolmOutbound) outbound = handset_megolm_outbound_new ();
  g_autoptr (HandsetMegolmInbound) imported = NULL;
  g_autoptr (HandsetMegolmInbound) unsigned_key = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first = handset_megolm_outbound_encrypt (outbound, "before");
  g_autofree char *session_key = handset_megolm_outbound_get_session_key (outbound);
  g_autofree char *second = handset_megolm_outbound_encrypt (outbound, "after");
  g_autofree guint8 *raw = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *plaintext = NULL;
  gsize length = 0;

  for (guint i = 0; i < strings->len; i++)
    {
      g_assert_null (handset_megolm_inbound_import (strings->pdata[i], &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_null (handset_megolm_inbound_new (strings->pdata[i], &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
      g_clear_error (&error);
    }

  /* The export format is the session-sharing format (version 2, signed)
   * as version 1 without the 64-byte signature: made by hand here, as
   * the API has no export. */
  raw = decode_unpadded_base64 (session_key, &length);
  g_assert_cmpuint (length, ==, 229);
  g_assert_cmpuint (raw[0], ==, 2);
  raw[0] = 1;
  exported = unpadded_base64 (raw, length - 64);

  imported = handset_megolm_inbound_import (exported, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_megolm_inbound_get_id (imported), ==,
                   handset_megolm_outbound_get_id (outbound));
  g_assert_cmpuint (handset_megolm_inbound_get_first_known_index (imported), ==, 1);
  plaintext = handset_megolm_inbound_decrypt (imported, second, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "after");
  g_assert_null (handset_megolm_inbound_decrypt (imported, first, NULL, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_UNKNOWN_INDEX);
  g_clear_error (&error);

  /* An export is no session key, and a session key no export. */
  g_assert_null (handset_megolm_inbound_new (exported, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (handset_megolm_inbound_import (session_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_INVALID);
  g_clear_error (&error);

  /* A session key whose signature does not cover it. */
  g_clear_pointer (&raw, g_free);
  raw = decode_unpadded_base64 (session_key, &length);
  raw[10] ^= 0x01;
  g_clear_pointer (&exported, g_free);
  exported = unpadded_base64 (raw, length);
  unsigned_key = handset_megolm_inbound_new (exported, &error);
  g_assert_null (unsigned_key);
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_SIGNATURE);
}

static void
test_megolm_hostile (void)
{
  g_autoptr (GPtrArray) strings = hostile_strings ();
  g_autoptr (HandsetMegolmOutbound) outbound = handset_megolm_outbound_new ();
  g_autoptr (HandsetMegolmOutbound) other = handset_megolm_outbound_new ();
  g_autofree char *session_key = handset_megolm_outbound_get_session_key (outbound);
  g_autoptr (HandsetMegolmInbound) inbound = handset_megolm_inbound_new (session_key, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *message = handset_megolm_outbound_encrypt (outbound, "secret text");
  g_autofree char *foreign = handset_megolm_outbound_encrypt (other, "other session");
  g_autofree char *tampered = g_strdup (message);
  g_autofree char *plaintext = NULL;

  g_assert_nonnull (inbound);

  for (guint i = 0; i < strings->len; i++)
    {
      guint32 index = 42;

      g_assert_null (handset_megolm_inbound_decrypt (inbound, strings->pdata[i], &index, &error));
      g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
      g_assert_cmpuint (index, ==, 42);
      g_clear_error (&error);
    }

  g_assert_null (handset_megolm_inbound_decrypt (inbound, foreign, NULL, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_clear_error (&error);

  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  g_assert_null (handset_megolm_inbound_decrypt (inbound, tampered, NULL, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_MESSAGE);
  g_assert_null (strstr (error->message, "secret"));
  g_clear_error (&error);

  plaintext = handset_megolm_inbound_decrypt (inbound, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "secret text");
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
test_pickle_session (Pair *pair, gconstpointer data)
{
  g_autoptr (HandsetOlmSession) alice_restored = NULL;
  g_autoptr (HandsetOlmSession) bob_restored = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *alice_pickle = handset_olm_session_pickle (pair->alice_session, pickle_key);
  g_autofree char *bob_pickle = handset_olm_session_pickle (pair->bob_session, pickle_key);

  g_assert_nonnull (alice_pickle);
  g_assert_nonnull (bob_pickle);

  alice_restored = handset_olm_session_unpickle (alice_pickle, pickle_key, &error);
  g_assert_no_error (error);
  bob_restored = handset_olm_session_unpickle (bob_pickle, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_olm_session_get_id (alice_restored), ==,
                   handset_olm_session_get_id (pair->alice_session));
  g_assert_cmpstr (handset_olm_session_get_id (bob_restored), ==,
                   handset_olm_session_get_id (pair->bob_session));
  g_assert_false (handset_olm_session_has_received (alice_restored));
  g_assert_true (handset_olm_session_has_received (bob_restored));

  assert_delivered (alice_restored, bob_restored, "from a pickle", HANDSET_OLM_MESSAGE_PRE_KEY);
  assert_delivered (bob_restored, alice_restored, "back", HANDSET_OLM_MESSAGE_NORMAL);
  assert_delivered (alice_restored, bob_restored, "and again", HANDSET_OLM_MESSAGE_NORMAL);

  g_assert_null (handset_olm_session_unpickle (alice_pickle, wrong_pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_PICKLE_KEY);
  g_clear_error (&error);
}

static void
test_pickle_megolm (void)
{
  g_autoptr (HandsetMegolmOutbound) outbound = handset_megolm_outbound_new ();
  g_autoptr (HandsetMegolmOutbound) outbound_restored = NULL;
  g_autoptr (HandsetMegolmInbound) inbound = NULL;
  g_autoptr (HandsetMegolmInbound) inbound_restored = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *session_key = NULL;
  g_autofree char *first = handset_megolm_outbound_encrypt (outbound, "first");
  g_autofree char *outbound_pickle = NULL;
  g_autofree char *inbound_pickle = NULL;
  g_autofree char *second = NULL;
  g_autofree char *plaintext = NULL;
  guint32 index = 0;

  session_key = handset_megolm_outbound_get_session_key (outbound);
  inbound = handset_megolm_inbound_new (session_key, &error);
  g_assert_no_error (error);

  outbound_pickle = handset_megolm_outbound_pickle (outbound, pickle_key);
  inbound_pickle = handset_megolm_inbound_pickle (inbound, pickle_key);
  g_assert_nonnull (outbound_pickle);
  g_assert_nonnull (inbound_pickle);

  outbound_restored = handset_megolm_outbound_unpickle (outbound_pickle, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_megolm_outbound_get_id (outbound_restored), ==,
                   handset_megolm_outbound_get_id (outbound));
  g_assert_cmpuint (handset_megolm_outbound_get_message_index (outbound_restored), ==, 1);

  inbound_restored = handset_megolm_inbound_unpickle (inbound_pickle, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_megolm_inbound_get_id (inbound_restored), ==,
                   handset_megolm_inbound_get_id (inbound));
  g_assert_cmpuint (handset_megolm_inbound_get_first_known_index (inbound_restored), ==, 1);

  second = handset_megolm_outbound_encrypt (outbound_restored, "second");
  plaintext = handset_megolm_inbound_decrypt (inbound_restored, second, &index, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plaintext, ==, "second");
  g_assert_cmpuint (index, ==, 1);

  g_assert_null (handset_megolm_outbound_unpickle (outbound_pickle, wrong_pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_PICKLE_KEY);
  g_clear_error (&error);
  g_assert_null (handset_megolm_inbound_unpickle (inbound_pickle, wrong_pickle_key, &error));
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_PICKLE_KEY);
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
  g_test_add_func ("/olm/conversation", test_olm_conversation);
  g_test_add ("/olm/hostile", Pair, NULL, pair_set_up, test_olm_hostile, pair_tear_down);
  g_test_add_func ("/olm/fallback-key", test_fallback_key);
  g_test_add_func ("/olm/megolm", test_megolm);
  g_test_add_func ("/olm/megolm-import", test_megolm_import);
  g_test_add_func ("/olm/megolm-hostile", test_megolm_hostile);
  g_test_add_func ("/olm/pickle-account", test_pickle_account);
  g_test_add ("/olm/pickle-session", Pair, NULL, pair_set_up, test_pickle_session, pair_tear_down);
  g_test_add_func ("/olm/pickle-megolm", test_pickle_megolm);
  g_test_add_func ("/olm/pickle-garbage", test_pickle_garbage);
  g_test_add_func ("/olm/ed25519", test_ed25519);
  g_test_add_func ("/olm/free-null", test_free_null);
  g_test_add_func ("/olm/sign-with-seed", test_sign_with_seed);

  return g_test_run ();
}
