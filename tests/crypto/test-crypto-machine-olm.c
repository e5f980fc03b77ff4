/* test-crypto-machine-olm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Olm sessions (crypto-machine-fixture.c): a session that no longer reads
 * is mended with a new one and an m.dummy, at most once an hour; a
 * forwarded room key is refused, and a pre-key message sent again gives
 * nothing a second time.
 */

#include "config.h"

#include "crypto-machine-fixture.h"

/* ------------------------------------------------------------ unwedging */

/* A to-device event from alice to B1 that no session of B1 reads: a
 * normal message of another session (one B1 itself made for A1). */
static JsonObject *
wedged_event (Fixture *f, JsonObject **out_reply)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetDeviceKeys) a1_keys =
      handset_device_keys_parse (f->a1->device_keys, ALICE, "A1", &error);
  g_autoptr (JsonObject) empty = json_object_new ();
  g_autoptr (JsonObject) reply = NULL;
  JsonObject *part;
  JsonObject *content;
  JsonObject *event;

  g_assert_no_error (error);
  reply =
      handset_crypto_machine_encrypt_to_device (f->b1->machine, a1_keys, "m.dummy", empty, &error);
  g_assert_no_error (error);
  part = object_member (object_member (reply, "ciphertext"),
                        handset_crypto_machine_get_curve25519 (f->a1->machine));
  g_assert_cmpint (json_object_get_int_member (part, "type"), ==, HANDSET_OLM_MESSAGE_NORMAL);

  content = json_object_new ();
  json_object_set_string_member (content, "algorithm", HANDSET_OLM_ALGORITHM);
  json_object_set_string_member (content, "sender_key",
                                 handset_crypto_machine_get_curve25519 (f->a1->machine));
  json_object_set_object_member (content, "ciphertext", json_object_new ());
  json_object_set_object_member (object_member (content, "ciphertext"),
                                 handset_crypto_machine_get_curve25519 (f->b1->machine),
                                 copy_object (part));
  *out_reply = g_steal_pointer (&reply);
  event = to_device_event (ALICE, content);
  json_object_unref (content);

  return event;
}

static void
test_unwedge (Fixture *f, gconstpointer data)
{
  g_autofree char *session = NULL;
  g_autoptr (JsonObject) wedged = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autoptr (JsonObject) dummies = NULL;
  g_autoptr (JsonObject) claim = NULL;
  g_autoptr (GError) error = NULL;

  fake_now_us = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  handset_crypto_machine_set_clock (f->b1->machine, fake_clock);
  handset_crypto_machine_set_clock (f->b2->machine, fake_clock);
  session = alice_shares_with_bob (f, NULL);
  wedged = wedged_event (f, &reply);
  /* The message itself is a good one: alice reads it, as B1's. */
  {
    g_autoptr (JsonObject) event = to_device_event (BOB, reply);
    g_autoptr (JsonObject) clear =
        handset_crypto_machine_decrypt_to_device (f->a1->machine, event, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.dummy");
  }

  /* B1 cannot read it: it plans a new session with alice's device, and
   * must learn the device first. */
  assert_to_device_error (f->b1, wedged, HANDSET_CRYPTO_ERROR_NO_SESSION);
  g_assert_true (handset_crypto_machine_is_user_outdated (f->b1->machine, ALICE));
  g_assert_null (handset_crypto_machine_build_keys_claim (f->b1->machine, only_alice));
  g_assert_null (handset_crypto_machine_take_unwedge_messages (f->b1->machine));
  learn_devices (f, f->b1, only_alice);
  learn_devices (f, f->b2, only_alice);
  /* The broken session is mended without waiting for B1 to send anything:
   * the background claim names A1; B2 has nothing to mend. */
  {
    g_autoptr (JsonObject) unwedge = handset_crypto_machine_build_unwedge_claim (f->b1->machine);

    g_assert_nonnull (unwedge);
    g_assert_cmpstr (
        string_member (object_member (object_member (unwedge, "one_time_keys"), ALICE), "A1"), ==,
        "signed_curve25519");
    g_assert_null (handset_crypto_machine_build_unwedge_claim (f->b2->machine));
  }
  /* B1 has a session with A1, and still asks for a key of it; B2, which
   * has one too and no trouble, does not. */
  claim = handset_crypto_machine_build_keys_claim (f->b1->machine, only_alice);
  g_assert_nonnull (claim);
  g_assert_cmpstr (
      string_member (object_member (object_member (claim, "one_time_keys"), ALICE), "A1"), ==,
      "signed_curve25519");
  g_assert_null (handset_crypto_machine_build_keys_claim (f->b2->machine, only_alice));
  g_assert_cmpuint (claim_keys (f, f->b1, only_alice, FALSE), ==, 1);

  /* The new session starts with an m.dummy, once. */
  dummies = handset_crypto_machine_take_unwedge_messages (f->b1->machine);
  g_assert_nonnull (dummies);
  g_assert_cmpuint (object_size (dummies), ==, 1);
  g_assert_cmpuint (object_size (object_member (dummies, ALICE)), ==, 1);
  g_assert_null (handset_crypto_machine_take_unwedge_messages (f->b1->machine));
  g_assert_null (handset_crypto_machine_build_keys_claim (f->b1->machine, only_alice));
  {
    g_autoptr (JsonObject) clear = deliver (f->a1, f->b1, dummies, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.dummy");
    g_assert_cmpstr (string_member (clear, "sender"), ==, BOB);
  }
  /* Alice answers on the new session, and B1 reads it. */
  {
    HandsetDeviceKeys *b1_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B1");
    g_autoptr (JsonObject) empty = json_object_new ();
    g_autoptr (JsonObject) content = handset_crypto_machine_encrypt_to_device (
        f->a1->machine, b1_keys, "m.dummy", empty, &error);
    g_autoptr (JsonObject) event = to_device_event (ALICE, content);
    g_autoptr (JsonObject) clear = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (b1_part (f, content), "type"), ==,
                     HANDSET_OLM_MESSAGE_NORMAL);
    clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, event, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.dummy");
  }

  /* Again within the hour: no new session. */
  fake_now_us += HANDSET_OLM_UNWEDGE_INTERVAL_US - 1;
  assert_to_device_error (f->b1, wedged, HANDSET_CRYPTO_ERROR_NO_SESSION);
  g_assert_null (handset_crypto_machine_build_keys_claim (f->b1->machine, only_alice));
  g_assert_null (handset_crypto_machine_take_unwedge_messages (f->b1->machine));

  /* An hour after the first: one more. */
  fake_now_us += 1;
  assert_to_device_error (f->b1, wedged, HANDSET_CRYPTO_ERROR_NO_SESSION);
  g_clear_pointer (&claim, json_object_unref);
  claim = handset_crypto_machine_build_keys_claim (f->b1->machine, only_alice);
  g_assert_nonnull (claim);
  g_assert_cmpuint (claim_keys (f, f->b1, only_alice, FALSE), ==, 1);
  g_clear_pointer (&dummies, json_object_unref);
  dummies = handset_crypto_machine_take_unwedge_messages (f->b1->machine);
  g_assert_nonnull (dummies);
}

/* ------------------------------------------------------------ refused keys */

static void
test_forwarded_room_key (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  HandsetDeviceKeys *b1_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B1");
  g_autoptr (HandsetMegolmOutbound) other = handset_megolm_outbound_new ();
  g_autofree char *session_key = handset_megolm_outbound_get_session_key (other);
  g_autofree char *ciphertext = handset_megolm_outbound_encrypt (
      other, "{\"type\":\"m.call.invite\",\"content\":{},\"room_id\":\"!r:x\"}");
  g_autoptr (JsonObject) forwarded = json_object_new ();
  g_autoptr (JsonObject) content = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autoptr (JsonObject) clear = NULL;
  g_autoptr (JsonObject) room_content = json_object_new ();
  g_autoptr (JsonObject) room = NULL;
  g_autoptr (GError) error = NULL;

  json_object_set_string_member (forwarded, "algorithm", HANDSET_MEGOLM_ALGORITHM);
  json_object_set_string_member (forwarded, "room_id", ROOM);
  json_object_set_string_member (forwarded, "session_id", handset_megolm_outbound_get_id (other));
  json_object_set_string_member (forwarded, "session_key", session_key);
  json_object_set_string_member (forwarded, "sender_key",
                                 handset_crypto_machine_get_curve25519 (f->c1->machine));
  json_object_set_string_member (forwarded, "sender_claimed_ed25519_key",
                                 handset_crypto_machine_get_ed25519 (f->c1->machine));
  json_object_set_array_member (forwarded, "forwarding_curve25519_key_chain", json_array_new ());
  content = handset_crypto_machine_encrypt_to_device (f->a1->machine, b1_keys,
                                                      "m.forwarded_room_key", forwarded, &error);
  g_assert_no_error (error);
  event = to_device_event (ALICE, content);
  clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, event, &error);
  /* It decrypts, but gives no key. */
  g_assert_no_error (error);
  g_assert_cmpstr (string_member (clear, "type"), ==, "m.forwarded_room_key");
  g_assert_false (handset_crypto_machine_has_room_key (f->b1->machine, ROOM,
                                                       handset_megolm_outbound_get_id (other)));

  json_object_set_string_member (room_content, "algorithm", HANDSET_MEGOLM_ALGORITHM);
  json_object_set_string_member (room_content, "sender_key",
                                 handset_crypto_machine_get_curve25519 (f->c1->machine));
  json_object_set_string_member (room_content, "session_id",
                                 handset_megolm_outbound_get_id (other));
  json_object_set_string_member (room_content, "ciphertext", ciphertext);
  json_object_set_string_member (room_content, "device_id", "C1");
  room = room_event (CAROL, room_content, "$1", 1000);
  assert_room_error (f->b1, ROOM, room, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
}

/* A pre-key message that came before, sent again (as a homeserver may):
 * it gives nothing a second time, whether its session was made with a
 * one-time key (B1) or with the fallback key (C1, which has no one-time
 * key left on the server). */
static void
test_pre_key_replay (Fixture *f, gconstpointer data)
{
  const char *const only_carol[] = { CAROL, NULL };

  json_object_unref (f->c1->one_time_keys);
  f->c1->one_time_keys = json_object_new ();
  for (guint fallback = 0; fallback < 2; fallback++)
    {
      const char *const *users = fallback ? only_carol : only_bob;
      Device *to = fallback ? f->c1 : f->b1;
      g_autoptr (JsonObject) messages = NULL;
      g_autoptr (JsonObject) again = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *session = NULL;
      g_autoptr (JsonObject) content = invite_content ("c");
      g_autoptr (JsonObject) encrypted = NULL;
      g_autoptr (JsonObject) event = NULL;

      learn_devices (f, f->a1, users);
      g_assert_cmpuint (claim_keys (f, f->a1, users, FALSE), >=, 1);
      messages = share (f->a1, users, NULL);
      session = receive_room_key (to, f->a1, messages);
      again = deliver (to, f->a1, messages, &error);
      g_assert_null (again);
      g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION);
      g_clear_error (&error);

      /* The session it came with still works. */
      encrypted = encrypt_event (f->a1, "m.call.invite", content);
      event = room_event (ALICE, encrypted, "$1", 1000);
      assert_room_ok (to, event);
      {
        HandsetDeviceKeys *keys =
            handset_crypto_machine_get_device (f->a1->machine, to->user_id, to->device_id);
        g_autoptr (JsonObject) empty = json_object_new ();
        g_autoptr (JsonObject) dummy = handset_crypto_machine_encrypt_to_device (
            f->a1->machine, keys, "m.dummy", empty, &error);
        g_autoptr (JsonObject) dummy_event = to_device_event (ALICE, dummy);
        g_autoptr (JsonObject) clear = NULL;

        g_assert_no_error (error);
        clear = handset_crypto_machine_decrypt_to_device (to->machine, dummy_event, &error);
        g_assert_no_error (error);
        g_assert_cmpstr (string_member (clear, "type"), ==, "m.dummy");
      }
      handset_crypto_machine_discard_room_key (f->a1->machine, ROOM);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/crypto-machine/unwedge", test_unwedge);
  ADD_CAROL ("/crypto-machine/forwarded-room-key", test_forwarded_room_key);
  ADD_CAROL ("/crypto-machine/pre-key-replay", test_pre_key_replay);

  return g_test_run ();
}
