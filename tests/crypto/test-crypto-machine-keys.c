/* test-crypto-machine-keys.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This device's own keys (crypto-machine-fixture.c): the first upload and
 * what is published after, one-time keys topped up and a new fallback key
 * once the old one was used, counts no server would send; and what a
 * restart keeps, or does not open with the wrong pickle key.
 */

#include "config.h"

#include "crypto-machine-fixture.h"

static const guint8 wrong_pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0e,
};

/* ------------------------------------------------------------ own keys */

static void
test_keys_upload (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = NULL;

  /* device_new() checked the first body. The server holds all: nothing
   * more to publish. */
  g_assert_null (handset_crypto_machine_build_keys_upload (f->b1->machine));
  handset_crypto_machine_receive_key_counts (f->b1->machine, NULL, NULL);
  g_assert_null (handset_crypto_machine_build_keys_upload (f->b1->machine));

  /* Another start of the same device: not new, and nothing published
   * twice (the count is unknown until /sync says it). */
  g_clear_object (&f->b1->machine);
  f->b1->machine = open_machine (f->b1, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_false (handset_crypto_machine_is_new (f->b1->machine));
  body = handset_crypto_machine_build_keys_upload (f->b1->machine);
  g_assert_null (body);
}

static void
test_one_time_key_top_up (Fixture *f, gconstpointer data)
{
  Device *b1 = f->b1;
  g_autoptr (JsonObject) counts = NULL;
  g_autoptr (JsonObject) full = NULL;
  g_autoptr (JsonArray) none = json_array_new ();
  g_autoptr (JsonArray) unused = json_array_new ();
  g_autofree char *full_text =
      g_strdup_printf ("{\"signed_curve25519\": %" G_GSIZE_FORMAT "}", f->half);
  g_autoptr (GList) key_ids = json_object_get_members (b1->one_time_keys);
  Upload up;

  json_array_add_string_element (unused, "signed_curve25519");
  full = parse_object (full_text);

  /* Others claimed all but 10. */
  for (GList *l = key_ids; l != NULL && object_size (b1->one_time_keys) > 10; l = l->next)
    json_object_remove_member (b1->one_time_keys, l->data);
  g_assert_cmpuint (object_size (b1->one_time_keys), ==, 10);
  counts = parse_object ("{\"signed_curve25519\": 10}");
  handset_crypto_machine_receive_key_counts (b1->machine, counts, NULL);
  up = upload (b1);
  g_assert_false (up.device_keys);
  g_assert_cmpuint (up.n_one_time_keys, ==, f->half - 10);
  g_assert_false (up.fallback_key);
  g_assert_cmpuint (object_size (b1->one_time_keys), ==, f->half);

  /* Full: nothing to publish. */
  handset_crypto_machine_receive_key_counts (b1->machine, full, NULL);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));
  handset_crypto_machine_receive_key_counts (b1->machine, full, unused);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));

  /* The fallback key was used, but the last new one is less than an hour
   * old (a sync from before its upload says the same): not yet. */
  fake_now_us = g_get_real_time ();
  handset_crypto_machine_set_clock (b1->machine, fake_clock);
  handset_crypto_machine_receive_key_counts (b1->machine, full, none);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));

  /* An hour on: a new one, and only that. */
  fake_now_us += HANDSET_OLM_UNWEDGE_INTERVAL_US;
  handset_crypto_machine_receive_key_counts (b1->machine, full, none);
  up = upload (b1);
  g_assert_false (up.device_keys);
  g_assert_cmpuint (up.n_one_time_keys, ==, 0);
  g_assert_true (up.fallback_key);
  handset_crypto_machine_receive_key_counts (b1->machine, full, unused);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));

  /* Used again at once: the new one stays until an hour has passed. */
  handset_crypto_machine_receive_key_counts (b1->machine, full, none);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));
  handset_crypto_machine_set_clock (b1->machine, NULL);

  /* Absent means not said: no new fallback key. */
  handset_crypto_machine_receive_key_counts (b1->machine, NULL, NULL);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));

  /* None left on the server. */
  json_object_unref (b1->one_time_keys);
  b1->one_time_keys = json_object_new ();
  g_clear_pointer (&counts, json_object_unref);
  counts = parse_object ("{\"signed_curve25519\": 0}");
  handset_crypto_machine_receive_key_counts (b1->machine, counts, unused);
  up = upload (b1);
  g_assert_cmpuint (up.n_one_time_keys, ==, f->half);
  g_assert_false (up.fallback_key);
}

/* Counts no server would send: more than full, and below zero. */
static void
test_absurd_key_counts (Fixture *f, gconstpointer data)
{
  Device *b1 = f->b1;
  g_autoptr (JsonObject) ten = parse_object ("{\"signed_curve25519\": 10}");
  g_autoptr (JsonObject) huge = parse_object ("{\"signed_curve25519\": 9223372036854775807}");
  g_autoptr (JsonObject) answer =
      parse_object ("{\"one_time_key_counts\": {\"signed_curve25519\": -9223372036854775808}}");
  g_autoptr (JsonObject) body = NULL;

  /* Keys made for an upload not answered yet, then a count that says the
   * server is more than full: only those keys, none more. */
  handset_crypto_machine_receive_key_counts (b1->machine, ten, NULL);
  body = handset_crypto_machine_build_keys_upload (b1->machine);
  g_assert_cmpuint (object_size (object_member (body, "one_time_keys")), ==, f->half - 10);
  g_clear_pointer (&body, json_object_unref);
  handset_crypto_machine_receive_key_counts (b1->machine, huge, NULL);
  body = handset_crypto_machine_build_keys_upload (b1->machine);
  g_assert_cmpuint (object_size (object_member (body, "one_time_keys")), ==, f->half - 10);
  g_clear_pointer (&body, json_object_unref);

  /* An answer with a count below zero: taken for none. */
  handset_crypto_machine_keys_uploaded (b1->machine, answer);
  body = handset_crypto_machine_build_keys_upload (b1->machine);
  g_assert_nonnull (body);
  g_assert_cmpuint (object_size (object_member (body, "one_time_keys")), ==, f->half);
  g_clear_pointer (&body, json_object_unref);
  handset_crypto_machine_keys_uploaded (b1->machine, answer);
  handset_crypto_machine_receive_key_counts (b1->machine, huge, NULL);
  g_assert_null (handset_crypto_machine_build_keys_upload (b1->machine));
}

/* ------------------------------------------------------------ restarts */

static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *session = alice_shares_with_bob (f, NULL);
  g_autofree char *curve = g_strdup (handset_crypto_machine_get_curve25519 (f->b1->machine));
  g_autofree char *ed = g_strdup (handset_crypto_machine_get_ed25519 (f->b1->machine));
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) first = encrypt_event (f->a1, "m.call.invite", content);
  g_autoptr (JsonObject) first_event = room_event (ALICE, first, "$1", 1000);
  g_autoptr (JsonObject) replayed = room_event (ALICE, first, "$replayed", 1000);
  g_autoptr (JsonObject) second = NULL;
  g_autoptr (JsonObject) second_event = NULL;
  g_autoptr (GError) error = NULL;

  learn_devices (f, f->b1, only_alice);
  assert_room_ok (f->b1, first_event);

  /* B1 stops and starts again, as does A1. */
  g_clear_object (&f->b1->machine);
  f->b1->machine = open_machine (f->b1, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->b1->machine);
  g_assert_false (handset_crypto_machine_is_new (f->b1->machine));
  g_assert_cmpstr (handset_crypto_machine_get_curve25519 (f->b1->machine), ==, curve);
  g_assert_cmpstr (handset_crypto_machine_get_ed25519 (f->b1->machine), ==, ed);
  g_clear_object (&f->a1->machine);
  f->a1->machine = open_machine (f->a1, pickle_key, &error);
  g_assert_no_error (error);

  /* A1 goes on with the same room key, shared with the same devices. */
  g_assert_null (share (f->a1, bob_and_alice, NULL));
  second = encrypt_event (f->a1, "m.call.hangup", content);
  g_assert_cmpstr (string_member (second, "session_id"), ==, session);
  second_event = room_event (ALICE, second, "$2", 2000);
  {
    g_autoptr (HandsetDecryptionInfo) info = NULL;
    g_autoptr (JsonObject) clear = handset_crypto_machine_decrypt_room_event (
        f->b1->machine, ROOM, second_event, &info, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (string_member (clear, "type"), ==, "m.call.hangup");
    g_assert_cmpuint (info->message_index, ==, 1);
    /* Alice's device keys were kept. */
    g_assert_true (info->device_known);
    g_assert_cmpstr (info->sender_device, ==, "A1");
  }
  /* So were the message indices seen, and the event first seen. */
  assert_room_error (f->b1, ROOM, replayed, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_REPLAY);
  assert_room_ok (f->b1, first_event);
  /* And the Olm sessions, both ways. */
  {
    g_autoptr (JsonObject) messages = NULL;

    handset_crypto_machine_discard_room_key (f->a1->machine, ROOM);
    g_assert_null (handset_crypto_machine_build_keys_claim (f->a1->machine, bob_and_alice));
    messages = share (f->a1, bob_and_alice, NULL);
    g_free (receive_room_key (f->b1, f->a1, messages));
    g_free (receive_room_key (f->b2, f->a1, messages));
  }
}

static void
test_wrong_pickle_key (Fixture *f, gconstpointer data)
{
  g_autofree char *before = handset_crypto_store_get_value (f->b1->store, "account");
  g_autofree char *after = NULL;
  g_autofree char *curve = g_strdup (handset_crypto_machine_get_curve25519 (f->b1->machine));
  g_autoptr (GError) error = NULL;
  HandsetCryptoMachine *machine;

  g_assert_nonnull (before);
  g_clear_object (&f->b1->machine);
  machine = open_machine (f->b1, wrong_pickle_key, &error);
  g_assert_null (machine);
  g_assert_error (error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_BAD_PICKLE_KEY);
  g_clear_error (&error);
  after = handset_crypto_store_get_value (f->b1->store, "account");
  g_assert_cmpstr (after, ==, before);

  /* The right key still opens it. */
  f->b1->machine = open_machine (f->b1, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_crypto_machine_get_curve25519 (f->b1->machine), ==, curve);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/crypto-machine/keys-upload", test_keys_upload);
  ADD ("/crypto-machine/one-time-key-top-up", test_one_time_key_top_up);
  ADD ("/crypto-machine/absurd-key-counts", test_absurd_key_counts);
  ADD ("/crypto-machine/restart", test_restart);
  ADD ("/crypto-machine/wrong-pickle-key", test_wrong_pickle_key);

  return g_test_run ();
}
