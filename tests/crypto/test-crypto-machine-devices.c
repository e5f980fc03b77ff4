/* test-crypto-machine-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Device lists and trust (crypto-machine-fixture.c): a device the server
 * stops listing, a key of another user's, a device list that changes
 * while a query is out; cross-signing (master, self-signing and
 * user-signing keys, an identity that changed) and "only call verified
 * devices".
 */

#include "config.h"

#include <string.h>

#include "crypto-machine-fixture.h"
#include "handset-canonical-json.h"
#include "handset-signing-keys.h"

/* ------------------------------------------------------------ device lists */

/* A device the server stops listing keeps its keys as a tombstone: its ID
 * cannot come back with other keys. */
static void
test_device_tombstone (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) answer = NULL;
  Device *impostor;
  HandsetDeviceKeys *b2;

  learn_devices (f, f->a1, bob_and_alice);
  f->b2->listed = FALSE;
  answer = query_answer (f, only_bob);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_null (handset_crypto_machine_get_device (f->a1->machine, BOB, "B2"));

  /* "B2" comes back as another device (new keys, validly self-signed). */
  impostor = device_new (f, BOB, "B2");
  g_clear_pointer (&answer, json_object_unref);
  answer = query_answer (f, only_bob);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_null (handset_crypto_machine_get_device (f->a1->machine, BOB, "B2"));

  /* The real one, with its own keys, may come back. */
  impostor->listed = FALSE;
  f->b2->listed = TRUE;
  g_clear_pointer (&answer, json_object_unref);
  answer = query_answer (f, only_bob);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  b2 = handset_crypto_machine_get_device (f->a1->machine, BOB, "B2");
  g_assert_nonnull (b2);
  g_assert_cmpstr (b2->ed25519, ==, handset_crypto_machine_get_ed25519 (f->b2->machine));
}

/* Mallory publishes a device with alice's curve25519 key (and her own,
 * valid, signature) before B1 learns alice's devices: alice's device is
 * still accepted, and her messages still decrypt. */
static void
test_key_of_another_user (Fixture *f, gconstpointer data)
{
  const char *const mallory[] = { "@mallory:x", NULL };
  g_autoptr (HandsetOlmAccount) account = handset_olm_account_new ();
  g_autoptr (JsonObject) keys = json_object_new ();
  g_autoptr (JsonObject) answer = json_object_new ();
  g_autofree char *canonical = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *text = NULL;
  g_autofree char *session = NULL;
  JsonObject *signatures = json_object_new ();
  JsonObject *by_key = json_object_new ();

  text = g_strdup_printf ("{\"user_id\": \"@mallory:x\", \"device_id\": \"M1\","
                          " \"algorithms\": [\"%s\", \"%s\"],"
                          " \"keys\": {\"curve25519:M1\": \"%s\", \"ed25519:M1\": \"%s\"}}",
                          HANDSET_OLM_ALGORITHM, HANDSET_MEGOLM_ALGORITHM,
                          handset_crypto_machine_get_curve25519 (f->a1->machine),
                          handset_olm_account_get_ed25519 (account));
  g_clear_pointer (&keys, json_object_unref);
  keys = parse_object (text);
  canonical = handset_canonical_json_for_signing (keys, NULL);
  signature = handset_olm_account_sign (account, canonical, strlen (canonical));
  json_object_set_string_member (by_key, "ed25519:M1", signature);
  json_object_set_object_member (signatures, "@mallory:x", by_key);
  json_object_set_object_member (keys, "signatures", signatures);
  g_clear_pointer (&text, g_free);
  {
    JsonObject *by_user = json_object_new ();
    JsonObject *by_device = json_object_new ();

    json_object_set_object_member (by_device, "M1", json_object_ref (keys));
    json_object_set_object_member (by_user, "@mallory:x", by_device);
    json_object_set_object_member (answer, "device_keys", by_user);
  }
  handset_crypto_machine_track_users (f->b1->machine, mallory);
  handset_crypto_machine_receive_keys_query (f->b1->machine, mallory, answer);
  g_assert_nonnull (handset_crypto_machine_get_device (f->b1->machine, "@mallory:x", "M1"));

  learn_devices (f, f->b1, only_alice);
  g_assert_nonnull (handset_crypto_machine_get_device (f->b1->machine, ALICE, "A1"));
  session = alice_shares_with_bob (f, NULL);
  {
    g_autoptr (JsonObject) content = invite_content ("c-mallory");
    g_autoptr (JsonObject) encrypted = encrypt_event (f->a1, "m.call.invite", content);
    g_autoptr (JsonObject) event = room_event (ALICE, encrypted, "$e1", 1000);
    g_autoptr (HandsetDecryptionInfo) info = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) clear =
        handset_crypto_machine_decrypt_room_event (f->b1->machine, ROOM, event, &info, &error);

    g_assert_no_error (error);
    g_assert_true (info->device_known);
    g_assert_cmpstr (info->sender_device, ==, "A1");
  }
}

/* A device list that changes while a query is out stays outdated when the
 * (possibly older) answer comes. */
static void
test_query_race (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) answer = query_answer (f, only_bob);
  g_autoptr (JsonArray) changed = json_array_new ();

  handset_crypto_machine_track_users (f->a1->machine, only_bob);
  handset_crypto_machine_keys_query_started (f->a1->machine, only_bob);
  json_array_add_string_element (changed, BOB);
  handset_crypto_machine_receive_device_list_changes (f->a1->machine, changed, NULL);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_true (handset_crypto_machine_is_user_outdated (f->a1->machine, BOB));
  /* The devices it named are known all the same. */
  g_assert_nonnull (handset_crypto_machine_get_device (f->a1->machine, BOB, "B1"));

  /* The next answer, with nothing in between, brings it up to date. */
  handset_crypto_machine_keys_query_started (f->a1->machine, only_bob);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_false (handset_crypto_machine_is_user_outdated (f->a1->machine, BOB));
}

/* ------------------------------------------------------------ cross-signing */

static void sign_with (JsonObject *object, const char *user_id, HandsetOlmAccount *signer);
static void
add_identity (JsonObject *answer, HandsetSigningKeys *keys, const char *user_id, gboolean with_usk);

/* A cross-signing key of @user_id's: public key @signer_pub (an Olm
 * account's ed25519 key stands in for it), signed by @signed_by when not
 * NULL. */
static JsonObject *
cross_signing_key (const char *user_id,
                   const char *usage,
                   HandsetOlmAccount *key,
                   HandsetOlmAccount *signed_by)
{
  g_autofree char *text = g_strdup_printf (
      "{\"user_id\": \"%s\", \"usage\": [\"%s\"], \"keys\": {\"ed25519:%s\": \"%s\"}}", user_id,
      usage, handset_olm_account_get_ed25519 (key), handset_olm_account_get_ed25519 (key));
  JsonObject *object = parse_object (text);

  if (signed_by != NULL)
    sign_with (object, user_id, signed_by);

  return object;
}

static void
sign_with (JsonObject *object, const char *user_id, HandsetOlmAccount *signer)
{
  g_autofree char *canonical = handset_canonical_json_for_signing (object, NULL);
  g_autofree char *signature = handset_olm_account_sign (signer, canonical, strlen (canonical));
  g_autofree char *key_id =
      g_strconcat ("ed25519:", handset_olm_account_get_ed25519 (signer), NULL);
  JsonObject *signatures = object_member (object, "signatures");
  JsonObject *by_user;

  if (signatures == NULL)
    {
      signatures = json_object_new ();
      json_object_set_object_member (object, "signatures", signatures);
    }
  by_user = object_member (signatures, user_id);
  if (by_user == NULL)
    {
      by_user = json_object_new ();
      json_object_set_object_member (signatures, user_id, by_user);
    }
  json_object_set_string_member (by_user, key_id, signature);
}

/* bob's identity: a master key, a self-signing key it signed, and B1 signed
 * by that; B2 is not. A forged self-signing key, and a reset master key. */
static void
test_cross_signing (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetOlmAccount) master = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) self_signing = handset_olm_account_new ();
  g_autoptr (HandsetOlmAccount) other = handset_olm_account_new ();
  g_autoptr (HandsetSigningKeys) alice_keys = handset_signing_keys_generate (ALICE);
  g_autoptr (JsonObject) answer = NULL;
  g_autofree char *session = NULL;
  JsonObject *masters, *ssks;

  sign_with (f->b1->device_keys, BOB, self_signing);
  answer = query_answer (f, only_bob);
  masters = json_object_new ();
  ssks = json_object_new ();
  json_object_set_object_member (masters, BOB, cross_signing_key (BOB, "master", master, NULL));
  json_object_set_object_member (ssks, BOB,
                                 cross_signing_key (BOB, "self_signing", self_signing, master));
  json_object_set_object_member (answer, "master_keys", masters);
  json_object_set_object_member (answer, "self_signing_keys", ssks);
  /* alice verified bob: her user-signing key signed his master key. */
  g_assert_true (handset_signing_keys_sign (alice_keys, HANDSET_SIGNING_KEY_USER_SIGNING,
                                            object_member (masters, BOB), NULL));
  {
    const char *const both[] = { ALICE, BOB, NULL };
    g_autoptr (JsonObject) alice_answer = query_answer (f, only_alice);

    add_identity (alice_answer, alice_keys, ALICE, TRUE);
    handset_crypto_machine_track_users (f->a1->machine, both);
    handset_crypto_machine_receive_keys_query (f->a1->machine, only_alice, alice_answer);
  }
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_true (handset_crypto_machine_get_user_verified (f->a1->machine, BOB));
  g_assert_true (handset_crypto_machine_device_is_cross_signed (
      f->a1->machine, handset_crypto_machine_get_device (f->a1->machine, BOB, "B1")));
  g_assert_false (handset_crypto_machine_device_is_cross_signed (
      f->a1->machine, handset_crypto_machine_get_device (f->a1->machine, BOB, "B2")));
  g_assert_false (handset_crypto_machine_get_identity_changed (f->a1->machine, BOB));

  /* What B1 sends says so; B2's does not. */
  learn_devices (f, f->b1, only_alice);
  learn_devices (f, f->b2, only_alice);
  {
    const char *const users[] = { ALICE, NULL };

    g_assert_cmpuint (claim_keys (f, f->b1, users, FALSE), ==, 1);
  }
  {
    g_autoptr (JsonObject) messages = share (f->b1, only_alice, NULL);
    g_autofree char *got = receive_room_key (f->a1, f->b1, messages);
    g_autoptr (JsonObject) content = invite_content ("c-signed");
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) encrypted = NULL;
    g_autoptr (JsonObject) event = NULL;
    g_autoptr (JsonObject) clear = NULL;
    g_autoptr (HandsetDecryptionInfo) info = NULL;

    encrypted = handset_crypto_machine_encrypt_room_event (f->b1->machine, ROOM, "m.call.invite",
                                                           content, &error);
    g_assert_no_error (error);
    event = room_event (BOB, encrypted, "$signed", 1000);
    clear = handset_crypto_machine_decrypt_room_event (f->a1->machine, ROOM, event, &info, &error);
    g_assert_no_error (error);
    g_assert_true (info->device_known);
    g_assert_true (info->cross_signed);
    g_assert_true (info->user_verified);
    g_assert_false (info->identity_changed);
  }

  /* A self-signing key the master key did not sign: nothing is
   * cross-signed. */
  g_clear_pointer (&answer, json_object_unref);
  answer = query_answer (f, only_bob);
  masters = json_object_new ();
  ssks = json_object_new ();
  json_object_set_object_member (masters, BOB, cross_signing_key (BOB, "master", master, NULL));
  json_object_set_object_member (ssks, BOB,
                                 cross_signing_key (BOB, "self_signing", self_signing, other));
  json_object_set_object_member (answer, "master_keys", masters);
  json_object_set_object_member (answer, "self_signing_keys", ssks);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_false (handset_crypto_machine_device_is_cross_signed (
      f->a1->machine, handset_crypto_machine_get_device (f->a1->machine, BOB, "B1")));

  /* A new master key: bob's identity changed, until alice accepts it. */
  g_clear_pointer (&answer, json_object_unref);
  answer = query_answer (f, only_bob);
  masters = json_object_new ();
  json_object_set_object_member (masters, BOB, cross_signing_key (BOB, "master", other, NULL));
  json_object_set_object_member (answer, "master_keys", masters);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_true (handset_crypto_machine_get_identity_changed (f->a1->machine, BOB));
  handset_crypto_machine_accept_identity (f->a1->machine, BOB);
  g_assert_false (handset_crypto_machine_get_identity_changed (f->a1->machine, BOB));
}

/* @keys' public keys as /keys/query gives them, filed under their user. */
static void
add_identity (JsonObject *answer, HandsetSigningKeys *keys, const char *user_id, gboolean with_usk)
{
  static const char *const members[] = { "master_keys", "self_signing_keys", "user_signing_keys" };

  for (guint usage = 0; usage < HANDSET_SIGNING_KEY_N; usage++)
    {
      JsonObject *by_user = object_member (answer, members[usage]);

      if (usage == HANDSET_SIGNING_KEY_USER_SIGNING && !with_usk)
        continue;
      if (by_user == NULL)
        {
          by_user = json_object_new ();
          json_object_set_object_member (answer, members[usage], by_user);
        }
      json_object_set_object_member (by_user, user_id,
                                     handset_signing_keys_build_public (keys, usage, NULL));
    }
}

/* alice verified bob: her user-signing key signed bob's master key. A
 * user-signing key her master did not sign verifies no one, and bob's
 * reset identity is not verified. Issue 14, item 1. */
static void
test_user_signing (Fixture *f, gconstpointer data)
{
  const char *const both[] = { ALICE, BOB, NULL };
  g_autoptr (HandsetSigningKeys) alice = handset_signing_keys_generate (ALICE);
  g_autoptr (HandsetSigningKeys) bob = handset_signing_keys_generate (BOB);
  g_autoptr (HandsetSigningKeys) bob_reset = handset_signing_keys_generate (BOB);
  g_autoptr (HandsetSigningKeys) forger = handset_signing_keys_generate (ALICE);
  g_autoptr (JsonObject) answer = query_answer (f, both);
  g_autoptr (JsonObject) bob_master = NULL;
  g_autoptr (GError) error = NULL;
  const char *master = NULL, *usk = NULL;

  add_identity (answer, alice, ALICE, TRUE);
  add_identity (answer, bob, BOB, FALSE);
  handset_crypto_machine_track_users (f->a1->machine, both);
  handset_crypto_machine_receive_keys_query (f->a1->machine, both, answer);
  g_assert_true (
      handset_crypto_machine_get_cross_signing_keys (f->a1->machine, ALICE, &master, NULL, &usk));
  g_assert_cmpstr (master, ==, handset_signing_keys_get_public (alice, HANDSET_SIGNING_KEY_MASTER));
  g_assert_cmpstr (usk, ==,
                   handset_signing_keys_get_public (alice, HANDSET_SIGNING_KEY_USER_SIGNING));
  g_assert_false (handset_crypto_machine_get_user_verified (f->a1->machine, BOB));

  /* alice signs bob's master key with her user-signing key. */
  bob_master = handset_signing_keys_build_public (bob, HANDSET_SIGNING_KEY_MASTER, &error);
  g_assert_no_error (error);
  g_assert_true (
      handset_signing_keys_sign (alice, HANDSET_SIGNING_KEY_USER_SIGNING, bob_master, &error));
  json_object_set_object_member (object_member (answer, "master_keys"), BOB,
                                 json_object_ref (bob_master));
  handset_crypto_machine_receive_keys_query (f->a1->machine, both, answer);
  g_assert_true (handset_crypto_machine_get_user_verified (f->a1->machine, BOB));

  /* A user-signing key that alice's master did not sign is refused. */
  json_object_set_object_member (
      object_member (answer, "user_signing_keys"), ALICE,
      handset_signing_keys_build_public (forger, HANDSET_SIGNING_KEY_USER_SIGNING, NULL));
  handset_crypto_machine_receive_keys_query (f->a1->machine, both, answer);
  g_assert_true (
      handset_crypto_machine_get_cross_signing_keys (f->a1->machine, ALICE, NULL, NULL, &usk));
  g_assert_null (usk);
  g_assert_false (handset_crypto_machine_get_user_verified (f->a1->machine, BOB));

  /* alice's real keys again, and bob resets his identity. */
  add_identity (answer, alice, ALICE, TRUE);
  add_identity (answer, bob_reset, BOB, FALSE);
  handset_crypto_machine_receive_keys_query (f->a1->machine, both, answer);
  g_assert_false (handset_crypto_machine_get_user_verified (f->a1->machine, BOB));
  g_assert_true (handset_crypto_machine_get_identity_changed (f->a1->machine, BOB));
}

/* This device is cross-signed once its keys, as the server gives them,
 * carry the self-signing key's signature; a signature over other keys
 * does not count. Issue 14, item 2. */
static void
test_own_device_cross_signed (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetSigningKeys) alice = handset_signing_keys_generate (ALICE);
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) keys = handset_crypto_machine_build_device_keys (f->a1->machine);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (string_member (keys, "device_id"), ==, "A1");
  answer = query_answer (f, only_alice);
  add_identity (answer, alice, ALICE, TRUE);
  handset_crypto_machine_track_users (f->a1->machine, only_alice);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_alice, answer);
  g_assert_false (handset_crypto_machine_get_own_device_cross_signed (f->a1->machine));
  g_assert_false (handset_crypto_machine_get_user_verified (f->a1->machine, ALICE));

  /* Signed: what the server returns after /keys/signatures/upload. */
  g_assert_true (handset_signing_keys_sign (alice, HANDSET_SIGNING_KEY_SELF_SIGNING, keys, &error));
  g_assert_no_error (error);
  g_clear_pointer (&f->a1->device_keys, json_object_unref);
  f->a1->device_keys = json_object_ref (keys);
  g_clear_pointer (&answer, json_object_unref);
  answer = query_answer (f, only_alice);
  add_identity (answer, alice, ALICE, TRUE);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_alice, answer);
  g_assert_true (handset_crypto_machine_get_own_device_cross_signed (f->a1->machine));
  g_assert_true (handset_crypto_machine_get_user_verified (f->a1->machine, ALICE));
}

/* "Only call verified devices": the room key goes to B1, which bob
 * cross-signed, and not to B2; with the policy off, to both. Issue 14,
 * item 4. */
static void
test_only_cross_signed (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetSigningKeys) bob = handset_signing_keys_generate (BOB);
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (handset_signing_keys_sign (bob, HANDSET_SIGNING_KEY_SELF_SIGNING,
                                            f->b1->device_keys, &error));
  answer = query_answer (f, only_bob);
  add_identity (answer, bob, BOB, FALSE);
  learn_devices (f, f->a1, only_bob);
  handset_crypto_machine_receive_keys_query (f->a1->machine, only_bob, answer);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);

  handset_crypto_machine_set_only_cross_signed (f->a1->machine, TRUE);
  messages = share (f->a1, only_bob, NULL);
  g_assert_nonnull (messages);
  g_assert_nonnull (object_member (object_member (messages, BOB), "B1"));
  g_assert_null (object_member (object_member (messages, BOB), "B2"));

  /* Policy off: B2 gets the key too (the same one, B1 has it). */
  handset_crypto_machine_set_only_cross_signed (f->a1->machine, FALSE);
  g_clear_pointer (&messages, json_object_unref);
  messages = share (f->a1, only_bob, NULL);
  g_assert_nonnull (messages);
  g_assert_null (object_member (object_member (messages, BOB), "B1"));
  g_assert_nonnull (object_member (object_member (messages, BOB), "B2"));

  /* On again: B2 had the key, so a new one goes to B1 only. */
  handset_crypto_machine_set_only_cross_signed (f->a1->machine, TRUE);
  g_clear_pointer (&messages, json_object_unref);
  messages = share (f->a1, only_bob, NULL);
  g_assert_nonnull (messages);
  g_assert_nonnull (object_member (object_member (messages, BOB), "B1"));
  g_assert_null (object_member (object_member (messages, BOB), "B2"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/crypto-machine/devices/tombstone", test_device_tombstone);
  ADD ("/crypto-machine/devices/key-of-another-user", test_key_of_another_user);
  ADD ("/crypto-machine/devices/query-race", test_query_race);
  ADD ("/crypto-machine/devices/cross-signing", test_cross_signing);
  ADD ("/crypto-machine/devices/user-signing", test_user_signing);
  ADD ("/crypto-machine/devices/own-device-cross-signed", test_own_device_cross_signed);
  ADD ("/crypto-machine/devices/only-cross-signed", test_only_cross_signed);

  return g_test_run ();
}
