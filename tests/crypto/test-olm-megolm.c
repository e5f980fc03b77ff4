/* test-olm-megolm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Megolm sessions through Handset's wrapper (olm-fixture.c): the ratchet
 * from outbound to inbound, a room key exported and imported, what
 * hostile input gets (an error, never a crash), and Megolm's pickles.
 */

#include "config.h"

#include <string.h>

#include "olm-fixture.h"

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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/olm/megolm", test_megolm);
  g_test_add_func ("/olm/megolm-import", test_megolm_import);
  g_test_add_func ("/olm/megolm-hostile", test_megolm_hostile);
  g_test_add_func ("/olm/pickle-megolm", test_pickle_megolm);

  return g_test_run ();
}
