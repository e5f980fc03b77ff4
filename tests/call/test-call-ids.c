/* test-call-ids.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "handset-call-ids.h"

static void
test_grammar (void)
{
  g_autofree char *longest = g_strnfill (255, 'a');
  g_autofree char *too_long = g_strnfill (256, 'a');
  const char *good[] = { "a", "ABCdef123", "1443513890-abc", "x.y_z~w-", longest, NULL };
  const char *bad[] = { "", "a b", "a/b", "a:b", "é", "a\nb", "a+b", "a%20", too_long, NULL };

  for (guint i = 0; good[i]; i++)
    g_assert_true (handset_call_id_is_valid (good[i]));
  for (guint i = 0; bad[i]; i++)
    g_assert_false (handset_call_id_is_valid (bad[i]));
  g_assert_false (handset_call_id_is_valid (NULL));
}

static void
test_call_id (void)
{
  g_autofree char *a = handset_call_id_generate (1700000000000);
  g_autofree char *b = handset_call_id_generate (1700000000000);
  g_autofree char *later = handset_call_id_generate (1700000000001);

  g_assert_true (handset_call_id_is_valid (a));
  g_assert_true (g_str_has_prefix (a, "1700000000000"));
  g_assert_cmpuint (strlen (a), ==, 13 + HANDSET_CALL_ID_RANDOM_LENGTH);
  g_assert_cmpstr (a, !=, b);
  /* The time comes first, so the older call usually compares less. */
  g_assert_cmpint (strncmp (a, later, 13), <, 0);
}

static void
test_party_id (void)
{
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      char *p = handset_party_id_generate ();

      g_assert_cmpuint (strlen (p), ==, HANDSET_PARTY_ID_LENGTH);
      for (const char *c = p; *c; c++)
        g_assert_true (g_ascii_isalnum (*c));
      g_assert_false (g_hash_table_contains (seen, p));
      g_hash_table_add (seen, p);
    }

  g_hash_table_unref (seen);
}

static void
test_party_id_for_device (void)
{
  g_autofree char *device = handset_party_id_for_device ("ABCDEFGHIJ");
  g_autofree char *short_device = handset_party_id_for_device ("ABC");
  g_autofree char *bad_device = handset_party_id_for_device ("my laptop/1");
  g_autofree char *none = handset_party_id_for_device (NULL);

  g_assert_cmpstr (device, ==, "ABCDEFGHIJ");
  /* A device ID that does not fit the grammar or is too short to be unique
   * by chance is never used as is. */
  g_assert_cmpstr (short_device, !=, "ABC");
  g_assert_cmpuint (strlen (short_device), ==, HANDSET_PARTY_ID_LENGTH);
  g_assert_true (handset_call_id_is_valid (bad_device));
  g_assert_cmpuint (strlen (bad_device), ==, HANDSET_PARTY_ID_LENGTH);
  g_assert_true (handset_call_id_is_valid (none));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-ids/grammar", test_grammar);
  g_test_add_func ("/call-ids/call-id", test_call_id);
  g_test_add_func ("/call-ids/party-id", test_party_id);
  g_test_add_func ("/call-ids/party-id-for-device", test_party_id_for_device);

  return g_test_run ();
}
