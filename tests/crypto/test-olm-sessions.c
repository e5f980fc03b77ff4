/* test-olm-sessions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm sessions through Handset's wrapper (olm-fixture.c): two accounts
 * that start a session and talk both ways, what hostile input to a
 * session gets (an error, never a crash, and the session still reads),
 * and a session's pickle.
 */

#include "config.h"

#include <string.h>

#include "olm-fixture.h"

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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/olm/conversation", test_olm_conversation);
  g_test_add ("/olm/hostile", Pair, NULL, pair_set_up, test_olm_hostile, pair_tear_down);
  g_test_add ("/olm/pickle-session", Pair, NULL, pair_set_up, test_pickle_session, pair_tear_down);

  return g_test_run ();
}
