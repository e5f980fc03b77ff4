/* test-crypto-machine-hostile.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hostile input (crypto-machine-fixture.c): room events and to-device
 * messages tampered with (ciphertexts of every kind, fields missing or of
 * the wrong type, sessions that are not theirs), a plaintext nested too
 * deep, and a pre-key message without its identity key: errors, never a
 * crash.
 */

#include "config.h"

#include <string.h>

#include "crypto-machine-fixture.h"

#define ONE_MEGABYTE (1024 * 1024)

/* ------------------------------------------------------------ room events */

typedef void (*Tamper) (JsonObject *content);

static void
set_ciphertext_garbage (JsonObject *content)
{
  json_object_set_string_member (content, "ciphertext", "not base64 at all!");
}

static void
set_ciphertext_huge (JsonObject *content)
{
  g_autofree char *huge = g_strnfill (ONE_MEGABYTE, 'A');

  json_object_set_string_member (content, "ciphertext", huge);
}

static void
set_ciphertext_huge_odd (JsonObject *content)
{
  g_autofree char *huge = g_strnfill (ONE_MEGABYTE + 1, 'A');

  json_object_set_string_member (content, "ciphertext", huge);
}

static void
set_ciphertext_number (JsonObject *content)
{
  json_object_set_int_member (content, "ciphertext", 42);
}

static void
set_ciphertext_array (JsonObject *content)
{
  JsonArray *array = json_array_new ();

  json_array_add_string_element (array, "AAAA");
  json_object_set_array_member (content, "ciphertext", array);
}

static void
set_ciphertext_object (JsonObject *content)
{
  json_object_set_object_member (content, "ciphertext", json_object_new ());
}

static void
set_ciphertext_null (JsonObject *content)
{
  json_object_set_null_member (content, "ciphertext");
}

static void
set_ciphertext_truncated (JsonObject *content)
{
  g_autofree char *text = g_strdup (json_object_get_string_member (content, "ciphertext"));

  text[strlen (text) / 2] = '\0';
  json_object_set_string_member (content, "ciphertext", text);
}

static void
set_ciphertext_flipped (JsonObject *content)
{
  g_autofree char *text = g_strdup (json_object_get_string_member (content, "ciphertext"));

  text[20] = text[20] == 'A' ? 'B' : 'A';
  json_object_set_string_member (content, "ciphertext", text);
}

static void
remove_ciphertext (JsonObject *content)
{
  json_object_remove_member (content, "ciphertext");
}

static void
remove_session_id (JsonObject *content)
{
  json_object_remove_member (content, "session_id");
}

static void
set_session_id_number (JsonObject *content)
{
  json_object_set_int_member (content, "session_id", 7);
}

static void
set_session_id_empty (JsonObject *content)
{
  json_object_set_string_member (content, "session_id", "");
}

static void
test_malformed_room_event (Fixture *f, gconstpointer data)
{
  static const struct
  {
    Tamper tamper;
    int code;
  } cases[] = {
    { set_ciphertext_garbage, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_huge, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_huge_odd, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_number, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_array, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_object, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_null, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_truncated, HANDSET_CRYPTO_ERROR_INVALID },
    { set_ciphertext_flipped, HANDSET_CRYPTO_ERROR_INVALID },
    { remove_ciphertext, HANDSET_CRYPTO_ERROR_INVALID },
    { remove_session_id, HANDSET_CRYPTO_ERROR_INVALID },
    { set_session_id_number, HANDSET_CRYPTO_ERROR_INVALID },
    { set_session_id_empty, HANDSET_CRYPTO_ERROR_MISSING_KEY },
  };
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.call.invite", content);
  g_autoptr (JsonObject) genuine = room_event (ALICE, encrypted, "$1", 1000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonObject) tampered = copy_object (encrypted);
      g_autoptr (JsonObject) event = NULL;

      cases[i].tamper (tampered);
      event = room_event (ALICE, tampered, "$bad", 1000);
      assert_room_error (f->b1, ROOM, event, HANDSET_CRYPTO_ERROR, cases[i].code);
    }

  /* Algorithms other than Megolm v1, or none. */
  {
    const char *algorithms[] = { "m.megolm.v2.aes-sha2", HANDSET_OLM_ALGORITHM, "", NULL };

    for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
      {
        g_autoptr (JsonObject) tampered = copy_object (encrypted);
        g_autoptr (JsonObject) event = NULL;

        if (algorithms[i] != NULL)
          json_object_set_string_member (tampered, "algorithm", algorithms[i]);
        else
          json_object_set_int_member (tampered, "algorithm", 1);
        event = room_event (ALICE, tampered, "$bad", 1000);
        assert_room_error (f->b1, ROOM, event, HANDSET_CRYPTO_ERROR,
                           HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM);
      }
  }

  /* Events that are not events. */
  {
    g_autoptr (JsonObject) no_content = room_event (ALICE, encrypted, "$bad", 1000);
    g_autoptr (JsonObject) no_sender = room_event (ALICE, encrypted, "$bad", 1000);
    g_autoptr (JsonObject) empty = json_object_new ();

    json_object_set_string_member (no_content, "content", "text");
    assert_room_error (f->b1, ROOM, no_content, HANDSET_CRYPTO_ERROR,
                       HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM);
    json_object_remove_member (no_sender, "sender");
    assert_room_error (f->b1, ROOM, no_sender, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
    json_object_set_int_member (no_sender, "sender", 1);
    assert_room_error (f->b1, ROOM, no_sender, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
    assert_room_error (f->b1, ROOM, empty, HANDSET_CRYPTO_ERROR,
                       HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM);
  }

  /* A message of another session of the room, labelled with this one. */
  {
    g_autoptr (HandsetMegolmOutbound) other = handset_megolm_outbound_new ();
    g_autofree char *ciphertext = handset_megolm_outbound_encrypt (
        other, "{\"type\":\"m.call.hangup\",\"content\":{},\"room_id\":\"!r:x\"}");
    g_autoptr (JsonObject) tampered = copy_object (encrypted);
    g_autoptr (JsonObject) event = NULL;

    json_object_set_string_member (tampered, "ciphertext", ciphertext);
    event = room_event (ALICE, tampered, "$bad", 1000);
    assert_room_error (f->b1, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
  }

  /* Nothing of that took the genuine event's place. */
  assert_room_ok (f->b1, genuine);
}

/* ------------------------------------------------------------ to-device messages */

/* A to-device m.room.encrypted content of A1 for B1, made with a session
 * B1 already has. */
static JsonObject *
olm_content_for_b1 (Fixture *f)
{
  HandsetDeviceKeys *b1_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B1");
  g_autoptr (JsonObject) empty = json_object_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *content =
      handset_crypto_machine_encrypt_to_device (f->a1->machine, b1_keys, "m.dummy", empty, &error);

  g_assert_no_error (error);

  return content;
}

static void
test_malformed_to_device (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autofree char *huge = g_strnfill (ONE_MEGABYTE, 'A');
  g_autofree char *huge_odd = g_strnfill (ONE_MEGABYTE + 1, 'A');
  const char *bodies[] = { "", "not base64!", "A", "AAAA", huge, huge_odd, "\xff\xfe" };

  /* The envelope. */
  for (guint i = 0; i < 14; i++)
    {
      g_autoptr (JsonObject) content = olm_content_for_b1 (f);
      g_autoptr (JsonObject) event = NULL;
      int code = HANDSET_CRYPTO_ERROR_INVALID;

      switch (i)
        {
          case 0:
            json_object_set_string_member (content, "algorithm", HANDSET_MEGOLM_ALGORITHM);
            code = HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM;
            break;
          case 1:
            json_object_remove_member (content, "algorithm");
            code = HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM;
            break;
          case 2:
            json_object_remove_member (content, "sender_key");
            break;
          case 3:
            json_object_set_int_member (content, "sender_key", 5);
            break;
          case 4:
            json_object_remove_member (content, "ciphertext");
            break;
          case 5:
            json_object_set_string_member (content, "ciphertext", "AAAA");
            break;
          case 6:
            json_object_set_array_member (content, "ciphertext", json_array_new ());
            break;
          case 7:
            json_object_set_int_member (b1_part (f, content), "type", 2);
            break;
          case 8:
            json_object_set_string_member (b1_part (f, content), "type", "0");
            break;
          case 9:
            json_object_remove_member (b1_part (f, content), "type");
            break;
          case 10:
            json_object_remove_member (b1_part (f, content), "body");
            break;
          case 11:
            json_object_set_int_member (b1_part (f, content), "body", 12);
            break;
          case 12:
            /* For another device only. */
            json_object_set_object_member (object_member (content, "ciphertext"),
                                           handset_crypto_machine_get_curve25519 (f->b2->machine),
                                           copy_object (b1_part (f, content)));
            json_object_remove_member (object_member (content, "ciphertext"),
                                       handset_crypto_machine_get_curve25519 (f->b1->machine));
            code = HANDSET_CRYPTO_ERROR_NOT_FOR_US;
            break;
          case 13:
            json_object_set_string_member (b1_part (f, content), "type", "1");
            break;
          default:
            g_assert_not_reached ();
        }
      event = to_device_event (ALICE, content);
      assert_to_device_error (f->b1, event, code);
    }

  /* The event around it. */
  {
    g_autoptr (JsonObject) content = olm_content_for_b1 (f);
    g_autoptr (JsonObject) event = to_device_event (ALICE, content);
    g_autoptr (JsonObject) no_content = json_object_new ();

    json_object_remove_member (event, "sender");
    assert_to_device_error (f->b1, event, HANDSET_CRYPTO_ERROR_INVALID);
    json_object_set_string_member (no_content, "type", "m.room.encrypted");
    json_object_set_string_member (no_content, "sender", ALICE);
    assert_to_device_error (f->b1, no_content, HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM);
  }

  /* Bodies that are no Olm message, of either type: no session reads
   * them, and none is made of them. */
  for (guint type = 0; type < 2; type++)
    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
      {
        g_autoptr (JsonObject) content = olm_content_for_b1 (f);
        g_autoptr (JsonObject) event = NULL;

        json_object_set_int_member (b1_part (f, content), "type", type);
        json_object_set_string_member (b1_part (f, content), "body", bodies[i]);
        event = to_device_event (ALICE, content);
        assert_to_device_error (f->b1, event, HANDSET_CRYPTO_ERROR_NO_SESSION);
      }

  /* A genuine message with another device's key as sender key. */
  {
    g_autoptr (JsonObject) content = olm_content_for_b1 (f);
    g_autoptr (JsonObject) event = NULL;
    g_autoptr (JsonObject) clear = NULL;
    g_autoptr (GError) error = NULL;

    json_object_set_string_member (content, "sender_key",
                                   handset_crypto_machine_get_curve25519 (f->c1->machine));
    event = to_device_event (ALICE, content);
    assert_to_device_error (f->b1, event, HANDSET_CRYPTO_ERROR_NO_SESSION);
    /* The right one still reads. */
    json_object_set_string_member (content, "sender_key",
                                   handset_crypto_machine_get_curve25519 (f->a1->machine));
    clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, event, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.dummy");
  }
}

/* A pre-key message without the sender's identity key (the field is
 * optional in the format): libolm's olm_create_inbound_session_from()
 * then copies the key from a null pointer. Any user can send one: it must
 * be an error, not a crash. In a subprocess, so that a crash fails this
 * test alone. */
static void
test_pre_key_without_identity_key (Fixture *f, gconstpointer data)
{
  guint8 raw[3 + 32 + 2 + 32 + 2 + 1 + 2];
  guint8 *p = raw;
  g_autofree char *padded = NULL;
  g_autoptr (JsonObject) content = NULL;
  g_autoptr (JsonObject) event = NULL;
  JsonObject *part;
  char *end;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      if (!g_test_trap_has_passed ())
        {
          g_test_message ("a pre-key message without an identity key crashed the device");
          g_test_fail ();
        }
      return;
    }

  /* Version 3; one-time key (tag 0x0a), base key (0x12), no identity key
   * (0x1a), a message (0x22) of one byte. */
  *p++ = 0x03;
  *p++ = 0x0a;
  *p++ = 32;
  memset (p, 0x11, 32);
  p += 32;
  *p++ = 0x12;
  *p++ = 32;
  memset (p, 0x22, 32);
  p += 32;
  *p++ = 0x22;
  *p++ = 1;
  *p++ = 0x00;
  padded = g_base64_encode (raw, p - raw);
  /* Unpadded, as Olm writes it. */
  end = strchr (padded, '=');
  if (end != NULL)
    *end = '\0';

  learn_devices (f, f->a1, only_bob);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);
  content = olm_content_for_b1 (f);
  part = b1_part (f, content);
  json_object_set_int_member (part, "type", HANDSET_OLM_MESSAGE_PRE_KEY);
  json_object_set_string_member (part, "body", padded);
  event = to_device_event (ALICE, content);
  assert_to_device_error (f->b1, event, HANDSET_CRYPTO_ERROR_NO_SESSION);
}

/* ------------------------------------------------------------ plaintexts */

/* A plaintext nested deeper than the parser can take is dropped, not
 * parsed (150 000 levels overflowed json-glib's stack). */
static void
test_deep_plaintext (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) content = json_object_new ();
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autoptr (JsonObject) clear = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *outer = json_array_new ();

  learn_devices (f, f->a1, only_bob);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);
  for (guint i = 0; i < 1000; i++)
    {
      JsonArray *next = json_array_new ();

      json_array_add_array_element (next, outer);
      outer = next;
    }
  json_object_set_array_member (content, "x", outer);
  encrypted = handset_crypto_machine_encrypt_to_device (
      f->a1->machine, handset_crypto_machine_get_device (f->a1->machine, BOB, "B1"), "m.dummy",
      content, &error);
  g_assert_no_error (error);
  event = to_device_event (ALICE, encrypted);
  clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, event, &error);
  g_assert_null (clear);
  g_assert_nonnull (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/crypto-machine/malformed/room", test_malformed_room_event);
  ADD_CAROL ("/crypto-machine/malformed/to-device", test_malformed_to_device);
  ADD ("/crypto-machine/hostile/deep-plaintext", test_deep_plaintext);
  /* Last: it may crash a subprocess and end the run. */
  ADD ("/crypto-machine/hostile/pre-key-without-identity-key", test_pre_key_without_identity_key);

  return g_test_run ();
}
