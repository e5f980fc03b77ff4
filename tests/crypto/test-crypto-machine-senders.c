/* test-crypto-machine-senders.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who sent it (crypto-machine-fixture.c): a room message index replayed in
 * another event, a sender or room on the outside that is not the one the
 * key or the Olm message says, a forged device in a /keys/query answer,
 * an encrypted state event.
 */

#include "config.h"

#include <string.h>

#include "crypto-machine-fixture.h"
#include "handset-canonical-json.h"

static void
test_replay (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.call.invite", content);
  g_autoptr (JsonObject) event = room_event (ALICE, encrypted, "$1", 1000);
  g_autoptr (JsonObject) other_id = room_event (ALICE, encrypted, "$2", 1000);
  g_autoptr (JsonObject) other_ts = room_event (ALICE, encrypted, "$1", 1001);
  g_autoptr (JsonObject) second = NULL;
  g_autoptr (JsonObject) second_event = NULL;

  /* The same event twice (a sync repeated after a restart, say): fine. */
  assert_room_ok (f->b1, event);
  assert_room_ok (f->b1, event);
  /* The same message index in another event: a replay. */
  assert_room_error (f->b1, ROOM, other_id, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_REPLAY);
  assert_room_error (f->b1, ROOM, other_ts, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_REPLAY);
  assert_room_ok (f->b1, event);

  /* Each device keeps its own record: B2 saw the replay first. */
  assert_room_ok (f->b2, other_id);
  assert_room_error (f->b2, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_REPLAY);

  /* The next message index is another event. */
  second = encrypt_event (f->a1, "m.call.hangup", content);
  second_event = room_event (ALICE, second, "$3", 1002);
  assert_room_ok (f->b1, second_event);
}

static void
test_room_sender_checks (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.call.invite", content);
  g_autoptr (JsonObject) genuine = room_event (ALICE, encrypted, "$1", 1000);
  g_autoptr (JsonObject) spoofed = room_event ("@mallory:x", encrypted, "$evil", 999);
  g_autoptr (JsonObject) forged = copy_object (encrypted);
  g_autoptr (JsonObject) forged_event = NULL;
  g_autoptr (GError) error = NULL;

  /* Another sender on the outside than the key's owner. */
  assert_room_error (f->b1, ROOM, spoofed, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED);
  /* The same event in another room: no key there. */
  assert_room_error (f->b1, "!other:x", genuine, HANDSET_CRYPTO_ERROR,
                     HANDSET_CRYPTO_ERROR_MISSING_KEY);
  /* The rejected ones took no message index from the genuine event. */
  assert_room_ok (f->b1, genuine);

  /* Another sender key and device on the outside: who sent it comes from
   * the room key. While A1's keys are unknown, the device named outside
   * is all there is, and it is not taken for known. */
  json_object_set_string_member (forged, "sender_key",
                                 handset_crypto_machine_get_curve25519 (f->c1->machine));
  json_object_set_string_member (forged, "device_id", "C1");
  forged_event = room_event (ALICE, forged, "$1", 1000);
  for (guint known = 0; known < 2; known++)
    {
      g_autoptr (HandsetDecryptionInfo) info = NULL;
      g_autoptr (JsonObject) clear = handset_crypto_machine_decrypt_room_event (
          f->b1->machine, ROOM, forged_event, &info, &error);

      g_assert_no_error (error);
      g_assert_nonnull (clear);
      g_assert_cmpstr (info->sender_curve25519, ==,
                       handset_crypto_machine_get_curve25519 (f->a1->machine));
      g_assert_cmpstr (info->sender_ed25519, ==,
                       handset_crypto_machine_get_ed25519 (f->a1->machine));
      if (!known)
        {
          g_assert_false (info->device_known);
          learn_devices (f, f->b1, only_alice);
        }
      else
        {
          g_assert_true (info->device_known);
          g_assert_cmpstr (info->sender_device, ==, "A1");
        }
    }

  /* Alice's room key sent again, labelled for another room: the events of
   * !r:x do not decrypt there, as their inside names !r:x. */
  {
    HandsetDeviceKeys *b1_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B1");
    g_autoptr (JsonObject) messages = NULL;
    g_autoptr (JsonObject) clear = NULL;
    g_autoptr (JsonObject) relabelled = NULL;
    g_autoptr (JsonObject) again = NULL;
    g_autoptr (JsonObject) encrypted2 = NULL;
    g_autoptr (JsonObject) event2 = NULL;

    /* A new key, as B2 received it (session_key and all). */
    handset_crypto_machine_discard_room_key (f->a1->machine, ROOM);
    messages = share (f->a1, bob_and_alice, NULL);
    clear = deliver (f->b2, f->a1, messages, &error);
    g_assert_no_error (error);
    g_assert_nonnull (string_member (object_member (clear, "content"), "session_key"));
    g_free (receive_room_key (f->b1, f->a1, messages));
    relabelled = copy_object (object_member (clear, "content"));
    json_object_set_string_member (relabelled, "room_id", "!other:x");
    again = handset_crypto_machine_encrypt_to_device (f->a1->machine, b1_keys, "m.room_key",
                                                      relabelled, &error);
    g_assert_no_error (error);
    g_clear_pointer (&messages, json_object_unref);
    messages = json_object_new ();
    json_object_set_object_member (messages, BOB, json_object_new ());
    json_object_set_object_member (object_member (messages, BOB), "B1", g_steal_pointer (&again));
    g_clear_pointer (&clear, json_object_unref);
    clear = deliver (f->b1, f->a1, messages, &error);
    g_assert_no_error (error);
    g_assert_true (handset_crypto_machine_has_room_key (f->b1->machine, "!other:x",
                                                        string_member (relabelled, "session_id")));

    encrypted2 = encrypt_event (f->a1, "m.call.invite", content);
    g_assert_cmpstr (string_member (encrypted2, "session_id"), ==,
                     string_member (relabelled, "session_id"));
    event2 = room_event (ALICE, encrypted2, "$2", 2000);
    assert_room_error (f->b1, "!other:x", event2, HANDSET_CRYPTO_ERROR,
                       HANDSET_CRYPTO_ERROR_SPOOFED);
    assert_room_ok (f->b1, event2);
  }
}

static void
test_to_device_sender_checks (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  HandsetDeviceKeys *b1_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B1");
  HandsetDeviceKeys *b2_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B2");
  g_autoptr (JsonObject) empty = json_object_new ();
  g_autoptr (GError) error = NULL;

  /* Encrypted for B1, delivered to B2. */
  {
    g_autoptr (JsonObject) content = handset_crypto_machine_encrypt_to_device (
        f->a1->machine, b1_keys, "m.dummy", empty, &error);
    g_autoptr (JsonObject) event = to_device_event (ALICE, content);
    g_autoptr (JsonObject) clear = NULL;

    g_assert_no_error (error);
    clear = handset_crypto_machine_decrypt_to_device (f->b2->machine, event, &error);
    g_assert_null (clear);
    g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NOT_FOR_US);
    g_clear_error (&error);
    /* B1 reads it. */
    clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, event, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.dummy");
  }

  /* Encrypted with B2's Olm session, inside addressed to someone else:
   * another user, or another device's signing key. */
  for (guint i = 0; i < 2; i++)
    {
      HandsetDeviceKeys fake = *b2_keys;
      g_autoptr (JsonObject) content = NULL;
      g_autoptr (JsonObject) event = NULL;
      g_autoptr (JsonObject) clear = NULL;

      if (i == 0)
        fake.user_id = (char *) CAROL;
      else
        fake.ed25519 = b1_keys->ed25519;
      content = handset_crypto_machine_encrypt_to_device (f->a1->machine, &fake, "m.dummy", empty,
                                                          &error);
      g_assert_no_error (error);
      event = to_device_event (ALICE, content);
      clear = handset_crypto_machine_decrypt_to_device (f->b2->machine, event, &error);
      g_assert_null (clear);
      g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED);
      g_clear_error (&error);
    }

  /* Someone else on the outside than the sender inside. */
  {
    g_autoptr (JsonObject) content = handset_crypto_machine_encrypt_to_device (
        f->a1->machine, b2_keys, "m.dummy", empty, &error);
    g_autoptr (JsonObject) event = to_device_event ("@mallory:x", content);
    g_autoptr (JsonObject) clear = NULL;

    g_assert_no_error (error);
    clear = handset_crypto_machine_decrypt_to_device (f->b2->machine, event, &error);
    g_assert_null (clear);
    g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED);
    g_clear_error (&error);
  }

  /* A room key of carol's device, said to come from alice. */
  {
    const char *const carol_and_bob[] = { CAROL, BOB, NULL };
    g_autoptr (JsonObject) messages = NULL;
    g_autoptr (JsonObject) event = NULL;
    g_autoptr (JsonObject) clear = NULL;
    g_autoptr (JsonObject) forged = NULL;
    g_autoptr (JsonObject) carol_event = NULL;
    g_autoptr (JsonObject) carol_content = invite_content ("c");
    const char *carol_session;

    learn_devices (f, f->c1, carol_and_bob);
    g_assert_cmpuint (claim_keys (f, f->c1, only_bob, FALSE), ==, 2);
    messages = handset_crypto_machine_share_room_key (f->c1->machine, "!c:x", only_bob, NULL);
    g_assert_nonnull (messages);
    carol_event = handset_crypto_machine_encrypt_room_event (
        f->c1->machine, "!c:x", "m.call.invite", carol_content, &error);
    g_assert_no_error (error);
    carol_session = string_member (carol_event, "session_id");

    /* With A1's key outside: no Olm session of B2 with A1 reads it. */
    forged = copy_object (message_for (messages, f->b2));
    json_object_set_string_member (forged, "sender_key",
                                   handset_crypto_machine_get_curve25519 (f->a1->machine));
    event = to_device_event (ALICE, forged);
    clear = handset_crypto_machine_decrypt_to_device (f->b2->machine, event, &error);
    g_assert_null (clear);
    g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_NO_SESSION);
    g_clear_error (&error);
    g_assert_false (handset_crypto_machine_has_room_key (f->b2->machine, "!c:x", carol_session));

    /* With C1's key outside but alice's name. */
    g_clear_pointer (&event, json_object_unref);
    event = to_device_event (ALICE, message_for (messages, f->b1));
    clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, event, &error);
    g_assert_null (clear);
    g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED);
    g_clear_error (&error);
    g_assert_false (handset_crypto_machine_has_room_key (f->b1->machine, "!c:x", carol_session));

    /* Under carol's name, B2 takes it. */
    g_clear_pointer (&event, json_object_unref);
    event = to_device_event (CAROL, message_for (messages, f->b2));
    clear = handset_crypto_machine_decrypt_to_device (f->b2->machine, event, &error);
    g_assert_no_error (error);
    g_assert_true (handset_crypto_machine_has_room_key (f->b2->machine, "!c:x", carol_session));
  }
}

/* A /keys/query answer (from a malicious server) that pairs A1's
 * curve25519 key with someone else's signing key, self-signed by that key.
 * B1, which already has alice's room key, must not take A1's events for
 * that device's, nor A1's messages for its. */
static void
test_forged_device (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autoptr (HandsetOlmAccount) mallory = handset_olm_account_new ();
  g_autoptr (JsonObject) forged = copy_object (f->a1->device_keys);
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.call.invite", content);
  g_autoptr (JsonObject) event = room_event (ALICE, encrypted, "$1", 1000);
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *signature = NULL;
  HandsetDeviceKeys *device;

  json_object_set_string_member (object_member (forged, "keys"), "ed25519:A1",
                                 handset_olm_account_get_ed25519 (mallory));
  json_object_remove_member (forged, "signatures");
  canonical = handset_canonical_json_for_signing (forged, &error);
  g_assert_no_error (error);
  signature = handset_olm_account_sign (mallory, canonical, strlen (canonical));
  json_object_set_object_member (forged, "signatures", json_object_new ());
  json_object_set_object_member (object_member (forged, "signatures"), ALICE, json_object_new ());
  json_object_set_string_member (object_member (object_member (forged, "signatures"), ALICE),
                                 "ed25519:A1", signature);
  answer = json_object_new ();
  json_object_set_object_member (answer, "device_keys", json_object_new ());
  json_object_set_object_member (object_member (answer, "device_keys"), ALICE, json_object_new ());
  json_object_set_object_member (object_member (object_member (answer, "device_keys"), ALICE), "A1",
                                 json_object_ref (forged));
  handset_crypto_machine_track_users (f->b1->machine, only_alice);
  handset_crypto_machine_receive_keys_query (f->b1->machine, only_alice, answer);
  device = handset_crypto_machine_get_device (f->b1->machine, ALICE, "A1");
  g_assert_nonnull (device);
  g_assert_cmpstr (device->ed25519, ==, handset_olm_account_get_ed25519 (mallory));

  /* The room key came with A1's real signing key: not that device's. */
  {
    g_autoptr (HandsetDecryptionInfo) info = NULL;
    g_autoptr (JsonObject) clear =
        handset_crypto_machine_decrypt_room_event (f->b1->machine, ROOM, event, &info, &error);

    g_assert_no_error (error);
    g_assert_nonnull (clear);
    g_assert_false (info->device_known);
    g_assert_cmpstr (info->sender_ed25519, ==, handset_crypto_machine_get_ed25519 (f->a1->machine));
  }

  /* A1's Olm messages name its real signing key: refused for the keys on
   * record. */
  {
    HandsetDeviceKeys *b1_keys = handset_crypto_machine_get_device (f->a1->machine, BOB, "B1");
    g_autoptr (JsonObject) empty = json_object_new ();
    g_autoptr (JsonObject) dummy = handset_crypto_machine_encrypt_to_device (
        f->a1->machine, b1_keys, "m.dummy", empty, &error);
    g_autoptr (JsonObject) dummy_event = to_device_event (ALICE, dummy);
    g_autoptr (JsonObject) clear = NULL;

    g_assert_no_error (error);
    clear = handset_crypto_machine_decrypt_to_device (f->b1->machine, dummy_event, &error);
    g_assert_null (clear);
    g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED);
  }
}

/* State is never encrypted: an encrypted event with a state_key is dropped. */
static void
test_encrypted_state_event (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autoptr (JsonObject) content = parse_object ("{\"membership\": \"leave\"}");
  g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.room.member", content);
  g_autoptr (JsonObject) event = room_event (ALICE, encrypted, "$state", 1000);

  json_object_set_string_member (event, "state_key", BOB);
  assert_room_error (f->b1, ROOM, event, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/crypto-machine/replay", test_replay);
  ADD_CAROL ("/crypto-machine/sender/room", test_room_sender_checks);
  ADD_CAROL ("/crypto-machine/sender/to-device", test_to_device_sender_checks);
  ADD ("/crypto-machine/sender/forged-device", test_forged_device);
  ADD ("/crypto-machine/sender/encrypted-state-event", test_encrypted_state_event);

  return g_test_run ();
}
