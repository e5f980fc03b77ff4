/* test-crypto-machine-megolm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Room keys between devices (crypto-machine-fixture.c): the Olm and Megolm
 * round trip, the room key rotated (after so many messages, after so long,
 * when a device or a user is gone) or kept for a device that joins, an
 * event whose key comes late, and a key withheld.
 */

#include "config.h"

#include "crypto-machine-fixture.h"

static const char *const bob_and_carol[] = { BOB, CAROL, NULL };

/* ------------------------------------------------------------ round trip */

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) content = invite_content ("c1");
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) outdated = NULL;
  g_autofree char *session_b1 = NULL;
  g_autofree char *session_b2 = NULL;
  g_autofree char *session_a2 = NULL;
  /* Alice's other device. */
  Device *a2 = device_new (f, ALICE, "A2");

  /* A1 follows bob and herself; the server names bob's two devices, and
   * alice's two. */
  handset_crypto_machine_track_users (f->a1->machine, bob_and_alice);
  outdated = handset_crypto_machine_get_outdated_users (f->a1->machine);
  g_assert_true (g_strv_contains ((const char *const *) outdated, BOB));
  g_assert_true (g_strv_contains ((const char *const *) outdated, ALICE));
  g_assert_null (handset_crypto_machine_build_keys_claim (f->a1->machine, bob_and_alice));
  learn_devices (f, f->a1, bob_and_alice);
  devices = handset_crypto_machine_get_devices (f->a1->machine, BOB);
  g_assert_cmpuint (devices->len, ==, 2);
  g_clear_pointer (&devices, g_ptr_array_unref);
  /* Not itself. */
  devices = handset_crypto_machine_get_devices (f->a1->machine, ALICE);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_cmpstr (((HandsetDeviceKeys *) g_ptr_array_index (devices, 0))->device_id, ==, "A2");
  g_assert_nonnull (handset_crypto_machine_get_device (f->a1->machine, BOB, "B2"));

  /* Without Olm sessions, nobody gets the key. */
  g_assert_null (share (f->a1, bob_and_alice, NULL));
  handset_crypto_machine_discard_room_key (f->a1->machine, ROOM);

  g_assert_cmpuint (claim_keys (f, f->a1, bob_and_alice, FALSE), ==, 3);
  g_assert_cmpuint (object_size (f->a1->one_time_keys), ==, f->half);
  g_assert_cmpuint (object_size (a2->one_time_keys), ==, f->half - 1);
  g_assert_cmpuint (object_size (f->b1->one_time_keys), ==, f->half - 1);
  g_assert_cmpuint (object_size (f->b2->one_time_keys), ==, f->half - 1);
  /* Sessions exist now: nothing more to claim. */
  g_assert_null (handset_crypto_machine_build_keys_claim (f->a1->machine, bob_and_alice));

  messages = share (f->a1, bob_and_alice, NULL);
  g_assert_nonnull (messages);
  g_assert_cmpuint (object_size (messages), ==, 2);
  g_assert_cmpuint (object_size (object_member (messages, BOB)), ==, 2);
  g_assert_cmpuint (object_size (object_member (messages, ALICE)), ==, 1);
  g_assert_null (message_for (messages, f->a1));
  g_assert_nonnull (message_for (messages, a2));
  for (guint i = 0; i < 2; i++)
    {
      Device *d = i == 0 ? f->b1 : f->b2;
      JsonObject *message = message_for (messages, d);
      JsonObject *ciphertext = object_member (message, "ciphertext");
      JsonObject *mine =
          object_member (ciphertext, handset_crypto_machine_get_curve25519 (d->machine));

      g_assert_cmpstr (string_member (message, "algorithm"), ==, HANDSET_OLM_ALGORITHM);
      g_assert_cmpstr (string_member (message, "sender_key"), ==,
                       handset_crypto_machine_get_curve25519 (f->a1->machine));
      g_assert_cmpuint (object_size (ciphertext), ==, 1);
      g_assert_nonnull (mine);
      g_assert_cmpint (json_object_get_int_member (mine, "type"), ==, HANDSET_OLM_MESSAGE_PRE_KEY);
    }

  session_b1 = receive_room_key (f->b1, f->a1, messages);
  session_b2 = receive_room_key (f->b2, f->a1, messages);
  session_a2 = receive_room_key (a2, f->a1, messages);
  g_assert_cmpstr (session_b1, ==, session_b2);
  g_assert_cmpstr (session_b1, ==, session_a2);
  /* B1 did not know alice: it follows her now. */
  g_assert_true (handset_crypto_machine_is_user_outdated (f->b1->machine, ALICE));

  /* Nothing changed: nothing to share again. */
  g_assert_null (share (f->a1, bob_and_alice, NULL));

  encrypted = encrypt_event (f->a1, "m.call.invite", content);
  g_assert_cmpstr (string_member (encrypted, "session_id"), ==, session_b1);
  /* Nothing of the invite in clear. */
  {
    g_autofree char *text = object_to_string (encrypted);

    g_assert_null (strstr (text, "call_id"));
    g_assert_null (strstr (text, "m.call.invite"));
  }
  event = room_event (ALICE, encrypted, "$invite", 1000);

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr (HandsetDecryptionInfo) info = NULL;
      g_autoptr (JsonObject) clear =
          handset_crypto_machine_decrypt_room_event (f->b1->machine, ROOM, event, &info, &error);

      g_assert_no_error (error);
      g_assert_nonnull (clear);
      g_assert_cmpstr (string_member (clear, "type"), ==, "m.call.invite");
      g_assert_true (json_object_equal (object_member (clear, "content"), content));
      g_assert_cmpstr (string_member (clear, "event_id"), ==, "$invite");
      g_assert_cmpstr (string_member (clear, "sender"), ==, ALICE);
      g_assert_cmpint (json_object_get_int_member (clear, "origin_server_ts"), ==, 1000);
      g_assert_cmpstr (info->sender_device, ==, "A1");
      g_assert_cmpstr (info->sender_curve25519, ==,
                       handset_crypto_machine_get_curve25519 (f->a1->machine));
      g_assert_cmpstr (info->sender_ed25519, ==,
                       handset_crypto_machine_get_ed25519 (f->a1->machine));
      g_assert_cmpstr (info->session_id, ==, session_b1);
      g_assert_cmpuint (info->message_index, ==, 0);
      if (pass == 0)
        {
          /* A1's keys are not known yet: the device is only what the
           * event says. */
          g_assert_false (info->device_known);
          learn_devices (f, f->b1, only_alice);
        }
      else
        {
          g_assert_true (info->device_known);
        }
    }

  /* B2, A2, and alice's own device for its own event. */
  {
    g_autoptr (HandsetDecryptionInfo) info = NULL;
    g_autoptr (JsonObject) clear =
        handset_crypto_machine_decrypt_room_event (f->b2->machine, ROOM, event, &info, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.call.invite");
    g_clear_pointer (&info, handset_decryption_info_free);
    g_clear_pointer (&clear, json_object_unref);
    clear = handset_crypto_machine_decrypt_room_event (a2->machine, ROOM, event, &info, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.call.invite");
    g_assert_cmpstr (info->sender_device, ==, "A1");
    g_clear_pointer (&info, handset_decryption_info_free);
    g_clear_pointer (&clear, json_object_unref);
    clear = handset_crypto_machine_decrypt_room_event (f->a1->machine, ROOM, event, &info, &error);
    g_assert_no_error (error);
    g_assert_true (json_object_equal (object_member (clear, "content"), content));
    g_assert_cmpstr (info->sender_device, ==, "A1");
    g_assert_true (info->device_known);
  }

  /* Carol has no key of the room. */
  {
    g_autoptr (JsonObject) clear =
        handset_crypto_machine_decrypt_room_event (f->c1->machine, ROOM, event, NULL, &error);

    g_assert_null (clear);
    g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
  }
}

/* ------------------------------------------------------------ rotation */

/* The session ID of what @messages gives @to. */
static char *
shared_session (Fixture *f, Device *to, JsonObject *messages)
{
  g_assert_nonnull (messages);

  return receive_room_key (to, f->a1, messages);
}

static void
test_rotation_messages (Fixture *f, gconstpointer data)
{
  HandsetRoomEncryptionSettings settings = { 0, 2 };
  g_autofree char *first = alice_shares_with_bob (f, &settings);
  g_autofree char *second = NULL;
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) messages = NULL;

  json_object_unref (encrypt_event (f->a1, "m.call.invite", content));
  g_assert_null (share (f->a1, bob_and_alice, &settings));
  json_object_unref (encrypt_event (f->a1, "m.call.invite", content));
  /* Two messages: the room allows no more with this key. */
  messages = share (f->a1, bob_and_alice, &settings);
  g_assert_cmpuint (object_size (object_member (messages, BOB)), ==, 2);
  second = shared_session (f, f->b1, messages);
  g_assert_cmpstr (second, !=, first);
  g_free (shared_session (f, f->b2, messages));
  {
    g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.call.invite", content);

    g_assert_cmpstr (string_member (encrypted, "session_id"), ==, second);
  }
  g_assert_null (share (f->a1, bob_and_alice, &settings));
}

static void
test_rotation_time (Fixture *f, gconstpointer data)
{
  HandsetRoomEncryptionSettings settings = { 1000, 0 };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (JsonObject) messages = NULL;

  fake_now_us = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  handset_crypto_machine_set_clock (f->a1->machine, fake_clock);
  first = alice_shares_with_bob (f, &settings);

  fake_now_us += 999 * 1000;
  g_assert_null (share (f->a1, bob_and_alice, &settings));
  fake_now_us += 1000;
  messages = share (f->a1, bob_and_alice, &settings);
  second = shared_session (f, f->b1, messages);
  g_assert_cmpstr (second, !=, first);
  g_free (shared_session (f, f->b2, messages));
  g_assert_null (share (f->a1, bob_and_alice, &settings));

  /* The default period is a week. */
  g_clear_pointer (&messages, json_object_unref);
  fake_now_us += HANDSET_MEGOLM_ROTATION_PERIOD_MS * 1000 - 1;
  g_assert_null (share (f->a1, bob_and_alice, NULL));
  fake_now_us += 1;
  messages = share (f->a1, bob_and_alice, NULL);
  g_assert_nonnull (messages);
  g_free (shared_session (f, f->b1, messages));
  handset_crypto_machine_set_clock (f->a1->machine, NULL);
}

static void
test_rotation_device_gone (Fixture *f, gconstpointer data)
{
  g_autofree char *first = alice_shares_with_bob (f, NULL);
  g_autofree char *second = NULL;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (GPtrArray) devices = NULL;

  /* B2 logged out: the server no longer names it. */
  f->b2->listed = FALSE;
  answer = query_answer (f, only_bob);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  devices = handset_crypto_machine_get_devices (f->a1->machine, BOB);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_null (handset_crypto_machine_get_device (f->a1->machine, BOB, "B2"));

  messages = share (f->a1, bob_and_alice, NULL);
  g_assert_nonnull (messages);
  g_assert_null (message_for (messages, f->b2));
  second = shared_session (f, f->b1, messages);
  g_assert_cmpstr (second, !=, first);
  g_assert_null (share (f->a1, bob_and_alice, NULL));
}

static void
test_rotation_user_gone (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) messages = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  learn_devices (f, f->a1, bob_and_carol);
  g_assert_cmpuint (claim_keys (f, f->a1, bob_and_carol, FALSE), ==, 3);
  messages = share (f->a1, bob_and_carol, NULL);
  g_assert_cmpuint (object_size (messages), ==, 2);
  first = shared_session (f, f->c1, messages);
  g_clear_pointer (&messages, json_object_unref);
  g_assert_null (share (f->a1, bob_and_carol, NULL));

  /* Carol left the room: a key she does not have, for bob's devices. */
  messages = share (f->a1, only_bob, NULL);
  g_assert_nonnull (messages);
  g_assert_null (object_member (messages, CAROL));
  g_assert_cmpuint (object_size (object_member (messages, BOB)), ==, 2);
  second = shared_session (f, f->b1, messages);
  g_assert_cmpstr (second, !=, first);
  g_assert_null (share (f->a1, only_bob, NULL));
}

static void
test_new_device_same_session (Fixture *f, gconstpointer data)
{
  g_autofree char *first = alice_shares_with_bob (f, NULL);
  g_autofree char *again = NULL;
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) before = encrypt_event (f->a1, "m.call.invite", content);
  g_autoptr (JsonObject) before_event = room_event (ALICE, before, "$before", 1000);
  g_autoptr (JsonObject) after = NULL;
  g_autoptr (JsonObject) after_event = NULL;
  Device *b3 = device_new (f, BOB, "B3");

  /* A device that joins gets the key in use; the others are not asked
   * again. */
  learn_devices (f, f->a1, only_bob);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 1);
  messages = share (f->a1, bob_and_alice, NULL);
  g_assert_nonnull (messages);
  g_assert_cmpuint (object_size (object_member (messages, BOB)), ==, 1);
  again = receive_room_key (b3, f->a1, messages);
  g_assert_cmpstr (again, ==, first);

  /* It reads from there on, not what came before it joined: that event's
   * key is missing to it. */
  after = encrypt_event (f->a1, "m.call.hangup", content);
  after_event = room_event (ALICE, after, "$after", 2000);
  assert_room_ok (b3, after_event);
  assert_room_error (b3, ROOM, before_event, HANDSET_CRYPTO_ERROR,
                     HANDSET_CRYPTO_ERROR_MISSING_KEY);
  assert_room_ok (f->b1, before_event);
}

/* ------------------------------------------------------------ late and withheld keys */

static void
test_missing_key (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autofree char *session = NULL;

  learn_devices (f, f->a1, only_bob);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);
  messages = share (f->a1, only_bob, NULL);
  encrypted = encrypt_event (f->a1, "m.call.invite", content);
  event = room_event (ALICE, encrypted, "$1", 1000);

  /* The event before its key. */
  g_assert_false (handset_crypto_machine_has_room_key (f->b1->machine, ROOM,
                                                       string_member (encrypted, "session_id")));
  assert_room_error (f->b1, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
  assert_room_error (f->b1, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
  session = receive_room_key (f->b1, f->a1, messages);
  g_assert_cmpstr (session, ==, string_member (encrypted, "session_id"));
  assert_room_ok (f->b1, event);
}

/* A device that will not give us its room key says so
 * (m.room_key.withheld, in clear): its events then fail with the reason
 * instead of waiting, and a user all of whose devices refuse us is known
 * as such. A notice is only a hint: the key, should it come, still counts.
 * Notices that lack what they must have, or come from a key that is not
 * the sender's, change nothing. */
static void
test_withheld (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) content = invite_content ("c-withheld");
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *notice_text = NULL;
  g_autofree char *forged_text = NULL;
  g_autoptr (JsonObject) notice = NULL;
  g_autoptr (JsonObject) forged = NULL;
  const char *session_id;

  learn_devices (f, f->a1, only_bob);
  learn_devices (f, f->b2, only_alice);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);
  /* Shared, but not delivered to B2 yet. */
  messages = share (f->a1, only_bob, NULL);
  encrypted = handset_crypto_machine_encrypt_room_event (f->a1->machine, ROOM, "m.call.invite",
                                                         content, &error);
  g_assert_no_error (error);
  session_id = string_member (encrypted, "session_id");
  event = room_event (ALICE, encrypted, "$withheld", 1000);

  /* Malformed, or from a key that is not alice's: nothing follows. */
  forged_text = g_strdup_printf (
      "{\"type\": \"m.room_key.withheld\", \"sender\": \"%s\", \"content\": {\"algorithm\": \"%s\","
      " \"room_id\": \"%s\", \"session_id\": \"%s\", \"sender_key\": \"%s\"}}",
      ALICE, HANDSET_MEGOLM_ALGORITHM, ROOM, session_id,
      handset_crypto_machine_get_curve25519 (f->a1->machine));
  forged = parse_object (forged_text);
  g_assert_false (handset_crypto_machine_receive_withheld (f->b2->machine, forged));
  assert_room_error (f->b2, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
  g_clear_pointer (&forged, json_object_unref);
  g_free (forged_text);
  forged_text = g_strdup_printf (
      "{\"type\": \"m.room_key.withheld\", \"sender\": \"%s\", \"content\": {\"algorithm\": \"%s\","
      " \"code\": \"m.unverified\", \"sender_key\": \"%s\"}}",
      ALICE, HANDSET_MEGOLM_ALGORITHM, handset_crypto_machine_get_curve25519 (f->b1->machine));
  forged = parse_object (forged_text);
  g_assert_true (handset_crypto_machine_receive_withheld (f->b2->machine, forged));
  g_assert_false (handset_crypto_machine_get_refused_by (f->b2->machine, ALICE));

  /* alice's device withholds the key from B2. */
  notice_text = g_strdup_printf (
      "{\"type\": \"m.room_key.withheld\", \"sender\": \"%s\", \"content\": {\"algorithm\": \"%s\","
      " \"code\": \"m.unverified\", \"reason\": \"Device not verified\", \"room_id\": \"%s\","
      " \"session_id\": \"%s\", \"sender_key\": \"%s\"}}",
      ALICE, HANDSET_MEGOLM_ALGORITHM, ROOM, session_id,
      handset_crypto_machine_get_curve25519 (f->a1->machine));
  notice = parse_object (notice_text);
  g_assert_true (handset_crypto_machine_receive_withheld (f->b2->machine, notice));
  assert_room_error (f->b2, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_WITHHELD);
  g_assert_cmpstr (handset_crypto_machine_get_withheld_code (f->b2->machine, ROOM, session_id), ==,
                   "m.unverified");
  g_assert_true (handset_crypto_machine_get_refused_by (f->b2->machine, ALICE));
  g_assert_false (handset_crypto_machine_get_refused_by (f->b2->machine, BOB));

  /* The key comes after all: the event reads. */
  g_free (receive_room_key (f->b2, f->a1, messages));
  assert_room_ok (f->b2, event);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD_CAROL ("/crypto-machine/round-trip", test_round_trip);
  ADD ("/crypto-machine/rotation/messages", test_rotation_messages);
  ADD ("/crypto-machine/rotation/time", test_rotation_time);
  ADD ("/crypto-machine/rotation/device-gone", test_rotation_device_gone);
  ADD_CAROL ("/crypto-machine/rotation/user-gone", test_rotation_user_gone);
  ADD ("/crypto-machine/rotation/new-device", test_new_device_same_session);
  ADD ("/crypto-machine/missing-key", test_missing_key);
  ADD ("/crypto-machine/withheld", test_withheld);

  return g_test_run ();
}
