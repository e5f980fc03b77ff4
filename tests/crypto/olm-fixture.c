/* olm-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Olm wrapper tests (test-olm-*.c) share: the pickle keys, a
 * look at one key and its shape, the strings no wrapper may crash on, and
 * a message sent over an Olm session and checked on arrival.
 */

#include "config.h"

#include <string.h>

#include "olm-fixture.h"

#define ONE_MEGABYTE (1024 * 1024)

const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
};

const guint8 wrong_pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
};

/* Any one value of a key ID → key table, copied. */
char *
any_key (GHashTable *keys)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, keys);
  g_assert_true (g_hash_table_iter_next (&iter, NULL, &value));
  return g_strdup (value);
}

void
assert_key_shape (const char *key)
{
  g_assert_nonnull (key);
  g_assert_cmpuint (strlen (key), ==, 43);
}

/* Strings no wrapper may crash on. */
GPtrArray *
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

/* Sends @text from @from to @to and checks it arrives. */
void
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
