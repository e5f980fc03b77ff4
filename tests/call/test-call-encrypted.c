/* test-call-encrypted.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Calls in an end-to-end encrypted direct chat on the real Synapse, each
 * device put together as the app does it: client, encryption (its state
 * in a database of its own, its pickle key in the test's keyring), sync,
 * rooms and call manager. alice on A1, bob on B1 and B2. What the server
 * stores is read back to check that no call event went in clear; and the
 * batch is decrypted whole before calls ring (§17 #18,
 * docs/voip-behaviours.md).
 */

#include "config.h"

#include "handset-crypto-store.h"
#include "handset-olm.h"
#include "handset-recovery.h"
#include "handset-secret-storage.h"
#include "handset-test-cross-signing.h"
#include "handset-test-device.h"
#include "handset-test-util.h"

#define WAIT_S 30

/* A device of @user, with fake media, whose encryption state lives in
 * @dir (made when %NULL): a second device_new() on the same @dir is the
 * same device after a restart. */
static HandsetTestDevice *
device_new (HandsetTestUser *user, const char *dir)
{
  return handset_test_device_new_encrypted_in (user, dir, FALSE, handset_test_device_fake_media,
                                               NULL);
}

static void
wait_state (HandsetCall *call, HandsetCallState state)
{
  handset_test_call_wait_state (call, state, WAIT_S);
}

static HandsetCall *
wait_ring (HandsetTestDevice *device, guint count)
{
  return handset_test_device_wait_rings (device, count, WAIT_S);
}

static void
name_device (HandsetTestUser *user, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/devices/%s", user->device_id);
  g_autofree char *body = g_strdup_printf ("{\"display_name\": \"%s\"}", name);
  g_autoptr (JsonNode) ignored = NULL;
  guint status = 0;

  ignored = handset_test_request ("PUT", path, user->access_token, body, &status);
  g_assert_cmpuint (status, ==, 200);
}

static char *
create_encrypted_dm (HandsetTestUser *creator, HandsetTestUser *invitee)
{
  char *room_id = handset_test_create_direct_room (creator, invitee);
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/state/m.room.encryption/", escaped);
  g_autoptr (JsonNode) ignored = NULL;
  guint status = 0;

  ignored = handset_test_request ("PUT", path, creator->access_token,
                                  "{\"algorithm\": \"m.megolm.v1.aes-sha2\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  handset_test_join (invitee, room_id);

  return room_id;
}

typedef struct
{
  HandsetTestDevice *device;
  const char *room_id;
} RoomEncrypted;

static gboolean
room_known_encrypted (gpointer data)
{
  RoomEncrypted *r = data;

  return handset_encryption_room_is_encrypted (r->device->encryption, r->room_id) &&
         handset_room_get_n_members (handset_rooms_lookup (r->device->rooms, r->room_id)) == 2;
}

static gboolean
has_room_key (gpointer data)
{
  RoomEncrypted *r = data;

  return handset_crypto_machine_get_room_key_id (
             handset_encryption_get_machine (r->device->encryption), r->room_id) != NULL;
}

static void
wait_room (HandsetTestDevice *device, const char *room_id)
{
  RoomEncrypted r = { device, room_id };

  g_assert_true (handset_test_wait_until (room_known_encrypted, &r, WAIT_S));
}

/* Counts the room's events as the server stores them: which were sent in
 * clear as call events, and which encrypted. */
static void
count_stored_events (HandsetTestUser *reader, const char *room_id, guint *clear, guint *encrypted)
{
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=500", escaped);
  g_autoptr (JsonNode) answer = NULL;
  JsonArray *chunk;
  guint status = 0;

  answer = handset_test_request ("GET", path, reader->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (answer), "chunk");
  *clear = *encrypted = 0;
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    {
      const char *type =
          json_object_get_string_member (json_array_get_object_element (chunk, i), "type");

      if (g_str_has_prefix (type, "m.call."))
        (*clear)++;
      else if (g_str_equal (type, "m.room.encrypted"))
        (*encrypted)++;
    }
}

static void
test_encrypted_three_devices (void)
{
  HandsetTestUser *alice_user, *bob_user, *bob_phone_user;
  HandsetTestDevice *a1, *b1, *b2;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *r1, *r2;
  guint clear = 0, encrypted = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  bob_phone_user = handset_test_login (bob_user, "BOBPHONE33");
  name_device (bob_user, "Bob's laptop");
  name_device (bob_phone_user, "Bob's phone");
  room_id = create_encrypted_dm (alice_user, bob_user);

  a1 = device_new (alice_user, NULL);
  b1 = device_new (bob_user, NULL);
  b2 = device_new (bob_phone_user, NULL);
  wait_room (a1, room_id);
  wait_room (b1, room_id);
  wait_room (b2, room_id);

  /* alice → bob: both of bob's devices ring, from an encrypted invite. */
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (handset_call_get_encrypted (call));
  r1 = wait_ring (b1, 1);
  r2 = wait_ring (b2, 1);
  g_assert_cmpstr (handset_call_get_call_id (r1), ==, handset_call_get_call_id (call));
  g_assert_true (handset_call_get_encrypted (r1));
  g_assert_true (handset_call_get_encrypted (r2));
  g_assert_cmpuint (a1->rang->len, ==, 0);

  /* While it rings, B1 shares its room key, so its answer goes out at
   * once. */
  {
    RoomEncrypted r = { b1, room_id };

    g_assert_true (handset_test_wait_until (has_room_key, &r, WAIT_S));
  }
  handset_call_answer (r1, FALSE);
  wait_state (call, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, bob_user->device_id);

  /* B2 stops, and says by name which device answered. */
  wait_state (r2, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (r2), ==, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
  g_assert_true (handset_test_call_wait_answered_by (r2, "Bob's laptop", WAIT_S));

  handset_call_hangup (call);
  wait_state (r1, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (r1), ==, HANDSET_CALL_END_REMOTE_HANGUP);

  /* bob → alice, the other way round. */
  call = handset_call_manager_place_call (b2->manager, room_id, alice_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  r1 = wait_ring (a1, 1);
  g_assert_true (handset_call_get_encrypted (r1));
  handset_call_answer (r1, FALSE);
  wait_state (call, HANDSET_CALL_STATE_CONNECTING);
  handset_call_hangup (r1);
  wait_state (call, HANDSET_CALL_STATE_ENDED);

  /* Nothing went in clear. */
  count_stored_events (alice_user, room_id, &clear, &encrypted);
  g_assert_cmpuint (clear, ==, 0);
  g_assert_cmpuint (encrypted, >=, 6);

  handset_test_device_free (a1);
  handset_test_device_free (b1);
  handset_test_device_free (b2);
}

static gboolean
pending_empty (gpointer data)
{
  return handset_encryption_get_n_pending (((HandsetTestDevice *) data)->encryption) == 0;
}

static void
test_encrypted_clear_invite_ignored (void)
{
  HandsetTestUser *alice_user, *bob_user;
  HandsetTestDevice *a1, *b1;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fake = NULL;
  g_autofree char *event_id = NULL;
  HandsetCall *call;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = create_encrypted_dm (alice_user, bob_user);
  a1 = device_new (alice_user, NULL);
  b1 = device_new (bob_user, NULL);
  wait_room (b1, room_id);

  /* A call invite in clear, as anyone able to put events into the room
   * could send: it must not ring. */
  fake = g_strdup_printf ("{\"call_id\": \"fake1\", \"party_id\": \"X\", \"version\": \"1\","
                          " \"lifetime\": 60000, \"invitee\": \"%s\","
                          " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}}",
                          bob_user->user_id);
  event_id = handset_test_send_event (alice_user, room_id, "m.call.invite", fake);
  g_assert_nonnull (event_id);

  /* A real call after it rings; the fake one never did. */
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  wait_ring (b1, 1);
  g_assert_cmpuint (b1->rang->len, ==, 1);
  g_assert_cmpstr (handset_call_get_call_id (g_ptr_array_index (b1->rang, 0)), ==,
                   handset_call_get_call_id (call));
  g_assert_true (handset_test_wait_until (pending_empty, b1, WAIT_S));
  handset_call_hangup (call);

  handset_test_device_free (a1);
  handset_test_device_free (b1);
}

static void
test_encrypted_callee_restart (void)
{
  HandsetTestUser *alice_user, *bob_user;
  HandsetTestDevice *a1, *b1;
  g_autofree char *room_id = NULL;
  g_autofree char *bob_dir = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *incoming;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = create_encrypted_dm (alice_user, bob_user);
  a1 = device_new (alice_user, NULL);
  b1 = device_new (bob_user, NULL);
  wait_room (a1, room_id);
  wait_room (b1, room_id);

  /* A first call shares alice's room key with bob. */
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  incoming = wait_ring (b1, 1);
  handset_call_reject (incoming);
  wait_state (call, HANDSET_CALL_STATE_ENDED);

  /* bob's Handset quits and starts again from what it stored. */
  bob_user = handset_test_device_stop (b1, &bob_dir);
  b1 = device_new (bob_user, bob_dir);
  wait_room (b1, room_id);

  /* The next call uses the same room key: bob still reads it. */
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  incoming = wait_ring (b1, 1);
  g_assert_cmpstr (handset_call_get_call_id (incoming), ==, handset_call_get_call_id (call));
  handset_call_answer (incoming, FALSE);
  wait_state (call, HANDSET_CALL_STATE_CONNECTING);
  handset_call_hangup (call);
  wait_state (incoming, HANDSET_CALL_STATE_ENDED);

  handset_test_device_free (a1);
  handset_test_device_free (b1);
}

static void
on_keys_lost (HandsetEncryption *encryption, const char *message, char **out)
{
  g_free (*out);
  *out = g_strdup (message);
}

static void
test_encrypted_pickle_key_lost (void)
{
  HandsetTestUser *alice_user;
  HandsetTestDevice *a1;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *namespace = NULL;
  g_autofree char *message = NULL;
  g_autofree char *account_before = NULL;
  g_autofree char *account_after = NULL;
  g_autoptr (HandsetStore) store = NULL;
  g_autoptr (HandsetSecretStore) secrets = NULL;
  g_autoptr (HandsetCryptoStore) crypto_store = NULL;
  g_autoptr (HandsetEncryption) encryption = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetRooms) rooms = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (!handset_test_homeserver_require ())
    return;

  /* A device that ran once: its keys are in its database. */
  alice_user = handset_test_register ("alice");
  a1 = device_new (alice_user, NULL);
  alice_user = handset_test_device_stop (a1, &dir);

  db = g_build_filename (dir, "handset.db", NULL);
  store = handset_store_new (db, &error);
  g_assert_no_error (error);
  crypto_store = handset_crypto_store_new (handset_store_get_db (store), alice_user->user_id,
                                           alice_user->device_id);
  g_assert_true (handset_crypto_store_open (crypto_store, NULL));
  account_before = handset_crypto_store_get_value (crypto_store, "account");
  g_assert_nonnull (account_before);

  /* The keyring loses the device's pickle key. */
  namespace = g_path_get_basename (dir);
  secrets = handset_secret_store_new (namespace);
  handset_secret_store_clear_async (secrets, NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);
  g_assert_true (handset_secret_store_clear_finish (secrets, result, &error));
  g_clear_object (&result);

  /* Starting again says so, in words, and deletes nothing. */
  client = handset_matrix_client_new (handset_test_homeserver_url ());
  handset_matrix_client_set_session (client, alice_user->user_id, alice_user->device_id,
                                     alice_user->access_token);
  rooms = handset_rooms_new (alice_user->user_id);
  encryption = handset_encryption_new (client, store, secrets, rooms);
  g_signal_connect (encryption, "keys-lost", G_CALLBACK (on_keys_lost), &message);
  handset_encryption_start_async (encryption, NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);
  g_assert_false (handset_encryption_start_finish (encryption, result, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "Log in again"));
  g_assert_false (handset_encryption_get_ready (encryption));
  account_after = handset_crypto_store_get_value (crypto_store, "account");
  g_assert_cmpstr (account_after, ==, account_before);

  handset_test_user_free (alice_user);
  g_clear_object (&encryption);
  handset_test_remove_tree (dir);
}

/* ------------------------------------------------------------ cross-signing */

static void
recovery_refresh (HandsetRecovery *recovery)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_recovery_refresh_async (recovery, NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);
  g_assert_true (handset_recovery_refresh_finish (recovery, result, &error));
  g_assert_no_error (error);
}

/* Sets up cross-signing as the dialog does: without the password first,
 * with it where the homeserver asks. Returns the recovery key. */
static char *
recovery_set_up (HandsetRecovery *recovery, HandsetTestUser *user)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *key;

  handset_recovery_set_up_async (recovery, NULL, NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);
  key = handset_recovery_set_up_finish (recovery, result, &error);
  if (g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_AUTH_REQUIRED))
    {
      g_test_message ("the homeserver asked for the password: %s", error->message);
      g_clear_error (&error);
      g_clear_object (&result);
      handset_recovery_set_up_async (recovery, user->password, NULL, handset_test_store_result,
                                     &result);
      handset_test_wait_for_result (&result, WAIT_S);
      key = handset_recovery_set_up_finish (recovery, result, &error);
    }
  g_assert_no_error (error);
  g_assert_nonnull (key);

  return key;
}

static gboolean
recovery_verify (HandsetRecovery *recovery, const char *key, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_recovery_verify_async (recovery, key, NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);

  return handset_recovery_verify_finish (recovery, result, error);
}

typedef struct
{
  HandsetTestDevice *device;
  const char *user_id;
  const char *device_id;
} KnowsSigned;

static gboolean
knows_signed (gpointer data)
{
  KnowsSigned *k = data;
  HandsetCryptoMachine *machine = handset_encryption_get_machine (k->device->encryption);
  HandsetDeviceKeys *keys = handset_crypto_machine_get_device (machine, k->user_id, k->device_id);

  return keys != NULL && handset_crypto_machine_device_is_cross_signed (machine, keys);
}

static JsonObject *
account_data (HandsetTestUser *user, const char *type)
{
  g_autofree char *escaped = g_uri_escape_string (user->user_id, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/user/%s/account_data/%s", escaped, type);
  g_autoptr (JsonNode) answer = NULL;
  guint status = 0;

  answer = handset_test_request ("GET", path, user->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  return json_object_ref (json_node_get_object (answer));
}

/* A secret as Secret Storage keeps it on the server, opened with the
 * recovery key: what must never be found on disk. */
static char *
stored_secret (HandsetTestUser *user, const char *recovery_key, const char *name)
{
  g_autoptr (JsonObject) default_key = account_data (user, "m.secret_storage.default_key");
  g_autoptr (JsonObject) stored = account_data (user, name);
  g_autofree guint8 *key = handset_recovery_key_decode (recovery_key, NULL);
  const char *key_id = json_object_get_string_member (default_key, "key");
  JsonObject *encrypted =
      json_object_get_object_member (json_object_get_object_member (stored, "encrypted"), key_id);
  g_autoptr (GError) error = NULL;
  char *secret;

  secret =
      handset_secret_storage_decrypt (key, name, json_object_get_string_member (encrypted, "iv"),
                                      json_object_get_string_member (encrypted, "ciphertext"),
                                      json_object_get_string_member (encrypted, "mac"), &error);
  g_assert_no_error (error);
  return secret;
}

static gboolean
knows_device (gpointer data)
{
  KnowsSigned *k = data;

  return handset_crypto_machine_get_device (handset_encryption_get_machine (k->device->encryption),
                                            k->user_id, k->device_id) != NULL;
}

typedef KnowsSigned KnowsDevice;

typedef struct
{
  HandsetTestDevice *device;
  const char *call_id;
  HandsetCall **out;
} RefusedCall;

static gboolean
has_refused (gpointer data)
{
  RefusedCall *r = data;
  HandsetCall *call = handset_call_manager_lookup (r->device->manager, r->call_id);

  if (call == NULL || handset_call_get_end_reason (call) != HANDSET_CALL_END_UNVERIFIED)
    return FALSE;
  *r->out = call;
  return TRUE;
}

/* alice sets up cross-signing on A1 and gets a recovery key; her second
 * device A2 is not verified until that key is given (a wrong one is
 * refused and may be retried). The server then says A2 is cross-signed,
 * and bob, called from A2 in an encrypted DM, sees it so. Issue 14, items
 * 2 and 3. */
static void
test_encrypted_cross_signing (void)
{
  HandsetTestUser *alice_user, *alice_second, *bob_user;
  HandsetTestDevice *a1, *a2, *b1;
  g_autoptr (HandsetRecovery) r1 = NULL;
  g_autoptr (HandsetRecovery) r2 = NULL;
  g_autofree char *recovery_key = NULL;
  g_autofree char *wrong_key = NULL;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  guint8 random_key[HANDSET_SECRET_STORAGE_KEY_SIZE];
  HandsetCall *call, *rang;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  a1 = device_new (alice_user, NULL);
  r1 = handset_recovery_new (a1->client, a1->encryption);
  recovery_refresh (r1);
  g_assert_cmpint (handset_recovery_get_state (r1), ==, HANDSET_RECOVERY_STATE_NO_CROSS_SIGNING);
  g_assert_false (
      handset_test_device_cross_signed (bob_user, alice_user->user_id, alice_user->device_id));

  /* Set up: a recovery key of 48 base58 characters in groups of four. */
  recovery_key = recovery_set_up (r1, alice_user);
  g_assert_cmpuint (strlen (recovery_key), ==, 48 + 11);
  g_assert_cmpint (handset_recovery_get_state (r1), ==, HANDSET_RECOVERY_STATE_VERIFIED);
  g_assert_true (
      handset_test_device_cross_signed (bob_user, alice_user->user_id, alice_user->device_id));

  /* A second device of alice's: not verified. */
  alice_second = handset_test_login (alice_user, "ALICESECOND");
  a2 = device_new (alice_second, NULL);
  r2 = handset_recovery_new (a2->client, a2->encryption);
  recovery_refresh (r2);
  g_assert_cmpint (handset_recovery_get_state (r2), ==, HANDSET_RECOVERY_STATE_NOT_VERIFIED);
  g_assert_false (handset_recovery_get_uses_passphrase (r2));

  /* Not a recovery key at all, then another account's: refused, nothing
   * signed, and it can be tried again. */
  g_assert_false (recovery_verify (r2, "correct horse battery staple", &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  handset_olm_random_bytes (random_key, sizeof random_key);
  wrong_key = handset_recovery_key_encode (random_key);
  g_assert_false (recovery_verify (r2, wrong_key, &error));
  g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_BAD_SIGNATURE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (handset_recovery_get_state (r2), ==, HANDSET_RECOVERY_STATE_NOT_VERIFIED);
  g_assert_false (handset_test_device_cross_signed (bob_user, alice_user->user_id, "ALICESECOND"));

  /* The right one, as a person pastes it: with spaces around. */
  {
    g_autofree char *pasted = g_strdup_printf ("  %s \n", recovery_key);

    g_assert_true (recovery_verify (r2, pasted, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (handset_recovery_get_state (r2), ==, HANDSET_RECOVERY_STATE_VERIFIED);
  g_assert_true (handset_test_device_cross_signed (bob_user, alice_user->user_id, "ALICESECOND"));
  /* A second set-up is refused: the account has cross-signing. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autofree char *again = NULL;

    handset_recovery_set_up_async (r2, NULL, NULL, handset_test_store_result, &result);
    handset_test_wait_for_result (&result, WAIT_S);
    again = handset_recovery_set_up_finish (r2, result, &error);
    g_assert_null (again);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
    g_clear_error (&error);
  }

  /* A2 calls bob in an encrypted DM: bob's device sees a cross-signed
   * caller. */
  room_id = create_encrypted_dm (alice_user, bob_user);
  b1 = device_new (bob_user, NULL);
  wait_room (a2, room_id);
  wait_room (b1, room_id);
  {
    KnowsSigned k = { b1, alice_user->user_id, "ALICESECOND" };

    /* Asked now, not when a sync next brings something (a quiet room may
     * bring nothing for as long as this waits). */
    handset_encryption_prepare_room_fresh (b1->encryption, room_id);
    g_assert_true (handset_test_wait_until (knows_signed, &k, WAIT_S));
  }
  call = handset_call_manager_place_call (a2->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  rang = wait_ring (b1, 1);
  g_assert_true (handset_call_get_encrypted (rang));
  g_assert_cmpint (handset_call_get_peer_trust (rang), ==, HANDSET_PEER_TRUST_CROSS_SIGNED);
  handset_call_answer (rang, FALSE);
  wait_state (call, HANDSET_CALL_STATE_CONNECTING);
  handset_call_hangup (call);
  wait_state (rang, HANDSET_CALL_STATE_ENDED);

  /* "Only call verified devices" on bob's side: a call from alice's
   * third device, which nobody verified, does not ring and says why; A2's
   * still rings. Issue 14, item 4. */
  {
    HandsetTestUser *alice_third = handset_test_login (alice_user, "ALICETHIRD");
    HandsetTestDevice *a3 = device_new (alice_third, NULL);
    KnowsDevice k = { b1, alice_user->user_id, "ALICETHIRD" };
    HandsetCall *refused = NULL;
    GPtrArray *calls;

    wait_room (a3, room_id);
    handset_call_manager_set_only_verified (b1->manager, TRUE);
    handset_crypto_machine_set_only_cross_signed (handset_encryption_get_machine (b1->encryption),
                                                  TRUE);
    handset_crypto_machine_mark_user_outdated (handset_encryption_get_machine (b1->encryption),
                                               alice_user->user_id);
    g_assert_true (handset_test_wait_until (knows_device, &k, WAIT_S));
    call = handset_call_manager_place_call (a3->manager, room_id, bob_user->user_id, FALSE, &error);
    g_assert_no_error (error);
    {
      RefusedCall r = { b1, handset_call_get_call_id (call), &refused };

      g_assert_true (handset_test_wait_until (has_refused, &r, WAIT_S));
    }
    g_assert_cmpint (handset_call_get_peer_trust (refused), ==, HANDSET_PEER_TRUST_UNSIGNED);
    g_assert_cmpuint (b1->rang->len, ==, 1);
    handset_call_hangup (call);

    call = handset_call_manager_place_call (a2->manager, room_id, bob_user->user_id, FALSE, &error);
    g_assert_no_error (error);
    rang = wait_ring (b1, 2);
    g_assert_cmpint (handset_call_get_peer_trust (rang), ==, HANDSET_PEER_TRUST_CROSS_SIGNED);
    handset_call_hangup (call);
    wait_state (rang, HANDSET_CALL_STATE_ENDED);

    /* bob may call alice, who has verified devices, and not carol, who
     * has none. */
    calls = handset_call_manager_get_calls (b1->manager);
    g_assert_cmpuint (calls->len, >=, 3);
    call =
        handset_call_manager_place_call (b1->manager, room_id, alice_user->user_id, FALSE, &error);
    g_assert_no_error (error);
    handset_call_hangup (call);
    call =
        handset_call_manager_place_call (b1->manager, room_id, "@carol:localhost", FALSE, &error);
    g_assert_null (call);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    handset_test_device_free (a3);
  }

  /* The private keys were never written to disk: neither device's
   * database holds the self-signing key that Secret Storage keeps. */
  {
    g_autofree char *seed =
        stored_secret (alice_user, recovery_key, "m.cross_signing.self_signing");
    HandsetTestDevice *devices[] = { a1, a2 };

    g_assert_cmpuint (strlen (seed), ==, 43);
    for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
      {
        g_autofree char *db = g_build_filename (devices[i]->dir, "handset.db", NULL);
        g_autofree char *contents = NULL;
        gsize length = 0;

        g_assert_true (g_file_get_contents (db, &contents, &length, NULL));
        g_assert_null (g_strstr_len (contents, length, seed));
        g_assert_null (g_strstr_len (contents, length, recovery_key));
      }
  }

  g_clear_object (&r1);
  g_clear_object (&r2);
  handset_test_device_free (a1);
  handset_test_device_free (a2);
  handset_test_device_free (b1);
}

typedef struct
{
  HandsetTestDevice *device;
  const char *user_id;
  guint n_devices;
} DevicesKnown;

/* @device has asked the server for @user_id's devices since it last heard
 * of a change, and knows @n_devices of them. */
static gboolean
devices_known (gpointer data)
{
  DevicesKnown *d = data;
  HandsetCryptoMachine *machine = handset_encryption_get_machine (d->device->encryption);
  g_autoptr (GPtrArray) devices = NULL;

  if (handset_crypto_machine_is_user_outdated (machine, d->user_id))
    return FALSE;
  devices = handset_crypto_machine_get_devices (machine, d->user_id);

  return devices->len == d->n_devices;
}

/* The server holds device keys for @device_id of @user. */
static gboolean
keys_published (HandsetTestUser *user, const char *device_id)
{
  g_auto (GStrv) devices = handset_test_published_devices (user);

  return g_strv_contains ((const char *const *) devices, device_id);
}

/* A device bob signed in on a moment before alice calls, that no sync of
 * alice's has told her of yet, rings too: placing the call asks the server
 * for bob's devices again, and the invite's room key reaches the new one. */
static void
test_encrypted_new_device_rings (void)
{
  HandsetTestUser *alice_user, *bob_user, *bob_phone_user;
  HandsetTestDevice *a1, *b1, *b2;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *r2;
  DevicesKnown known;
  gint64 deadline;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = create_encrypted_dm (alice_user, bob_user);
  a1 = device_new (alice_user, NULL);
  b1 = device_new (bob_user, NULL);
  wait_room (a1, room_id);
  wait_room (b1, room_id);
  known = (DevicesKnown){ a1, bob_user->user_id, 1 };
  g_assert_true (handset_test_wait_until (devices_known, &known, WAIT_S));

  /* alice hears of no change from here on. */
  handset_sync_stop (a1->sync);
  bob_phone_user = handset_test_login (bob_user, "BOBPHONE44");
  b2 = device_new (bob_phone_user, NULL);
  wait_room (b2, room_id);
  deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  while (!keys_published (bob_user, "BOBPHONE44") && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_true (keys_published (bob_user, "BOBPHONE44"));
  /* As far as alice knows, bob has one device. */
  g_assert_true (devices_known (&known));

  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (handset_call_get_encrypted (call));
  wait_ring (b1, 1);
  r2 = wait_ring (b2, 1);
  g_assert_cmpstr (handset_call_get_call_id (r2), ==, handset_call_get_call_id (call));
  g_assert_true (handset_call_get_encrypted (r2));

  handset_sync_start (a1->sync);
  handset_call_hangup (call);
  wait_state (r2, HANDSET_CALL_STATE_ENDED);

  handset_test_device_free (a1);
  handset_test_device_free (b1);
  handset_test_device_free (b2);
}

typedef struct
{
  HandsetTestUser *reader;
  const char *room_id;
  guint want;
} StoredEncrypted;

static gboolean
stored_encrypted (gpointer data)
{
  StoredEncrypted *s = data;
  guint clear = 0, encrypted = 0;

  count_stored_events (s->reader, s->room_id, &clear, &encrypted);
  return encrypted >= s->want;
}

/* §17 #18 (docs/voip-behaviours.md): bob's device hears of an encrypted
 * invite and its encrypted hangup in one batch. Every event of the batch
 * is decrypted before the calls see it, so the call is over before it
 * could ring: it never rings. A call after that rings as usual. */
static void
test_encrypted_no_ring_when_the_batch_ends_it (void)
{
  HandsetTestUser *alice_user, *bob_user;
  HandsetTestDevice *a1, *b1;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call;
  StoredEncrypted stored;
  guint clear = 0, before = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = create_encrypted_dm (alice_user, bob_user);
  a1 = device_new (alice_user, NULL);
  b1 = device_new (bob_user, NULL);
  wait_room (a1, room_id);
  wait_room (b1, room_id);
  count_stored_events (alice_user, room_id, &clear, &before);

  /* bob's device hears nothing until alice has called and hung up. */
  handset_sync_stop (b1->sync);
  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  wait_state (call, HANDSET_CALL_STATE_INVITE_SENT);
  handset_call_hangup (call);
  wait_state (call, HANDSET_CALL_STATE_ENDED);
  stored = (StoredEncrypted){ alice_user, room_id, before + 2 };
  g_assert_true (handset_test_wait_until (stored_encrypted, &stored, WAIT_S));

  handset_sync_start (b1->sync);
  g_assert_true (handset_test_wait_until (handset_test_device_synced, b1, WAIT_S));
  handset_test_run_for (1000);
  g_assert_cmpuint (b1->rang->len, ==, 0);

  call = handset_call_manager_place_call (a1->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_call_get_call_id (wait_ring (b1, 1)), ==,
                   handset_call_get_call_id (call));
  handset_call_hangup (call);

  handset_test_device_free (a1);
  handset_test_device_free (b1);
}

static HandsetRtcRing *
wait_rtc_ring (HandsetTestDevice *device, guint count)
{
  return handset_test_device_wait_rtc_rings (device, count, WAIT_S);
}

typedef struct
{
  HandsetRtcRing *ring;
  HandsetRtcRingState state;
} RtcStateIs;

static gboolean
rtc_state_is (gpointer data)
{
  RtcStateIs *s = data;

  return handset_rtc_ring_get_state (s->ring) == s->state;
}

static void
wait_rtc_state (HandsetRtcRing *ring, HandsetRtcRingState state)
{
  RtcStateIs s = { ring, state };

  if (!handset_test_wait_until (rtc_state_is, &s, WAIT_S))
    g_error ("ring %s is %s, not %s", handset_rtc_ring_get_event_id (ring),
             handset_rtc_ring_state_to_string (handset_rtc_ring_get_state (ring)),
             handset_rtc_ring_state_to_string (state));
}

/* alice's membership of the room's Element Call, as matrix-js-sdk writes
 * it (legacy state event); %NULL @content_json leaves the call. */
static char *
put_call_member (HandsetTestUser *user, const char *room_id, const char *content_json)
{
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *state_key = g_strdup_printf ("_%s_%s_m.call", user->user_id, user->device_id);
  g_autofree char *key = g_uri_escape_string (state_key, NULL, FALSE);
  g_autofree char *path = g_strdup_printf (
      "/_matrix/client/v3/rooms/%s/state/org.matrix.msc3401.call.member/%s", escaped, key);
  g_autoptr (JsonNode) answer = NULL;
  guint status = 0;

  answer = handset_test_request ("PUT", path, user->access_token,
                                 content_json ? content_json : "{}", &status);
  g_assert_cmpuint (status, ==, 200);

  return g_strdup (json_object_get_string_member (json_node_get_object (answer), "event_id"));
}

/* alice's Element Call ring, as matrix-js-sdk sends it, encrypted by her
 * device. */
static void
send_rtc_notification (HandsetTestDevice *device, const char *room_id, const char *member_event_id)
{
  g_autofree char *text = g_strdup_printf (
      "{\"slot_id\": \"m.call#\", \"m.mentions\": {\"user_ids\": [], \"room\": true},"
      " \"notification_type\": \"ring\", \"m.relates_to\": {\"event_id\": \"%s\","
      " \"rel_type\": \"m.reference\"}, \"sender_ts\": %" G_GINT64_FORMAT ", \"lifetime\": 30000,"
      " \"msc4354_sticky_key\": \"m.call#\", \"m.call.intent\": \"video\"}",
      member_event_id, g_get_real_time () / 1000);
  g_autoptr (JsonNode) node = json_from_string (text, NULL);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;

  handset_encryption_send_event_async (
      device->encryption, room_id, "org.matrix.msc4075.rtc.notification",
      json_node_get_object (node), NULL, handset_test_store_result, &result);
  handset_test_wait_for_result (&result, WAIT_S);
  event_id = handset_encryption_send_event_finish (device->encryption, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (event_id);
}

/* Counts the room's events that the server stores in clear with a type
 * that starts with @prefix. */
static guint
count_clear_of (HandsetTestUser *reader, const char *room_id, const char *prefix)
{
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path =
      g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages?dir=b&limit=500", escaped);
  g_autoptr (JsonNode) answer = NULL;
  JsonArray *chunk;
  guint status = 0, n = 0;

  answer = handset_test_request ("GET", path, reader->access_token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  chunk = json_object_get_array_member (json_node_get_object (answer), "chunk");
  for (guint i = 0; i < json_array_get_length (chunk); i++)
    n += g_str_has_prefix (
        json_object_get_string_member (json_array_get_object_element (chunk, i), "type"), prefix);

  return n;
}

/* An Element Call placed in the encrypted direct chat (a MatrixRTC
 * membership and an encrypted m.rtc.notification, as matrix-js-sdk makes
 * them) rings both of bob's devices; declining on one sends the decline,
 * encrypted, and the other stops ringing; a second ring stops everywhere
 * when alice leaves the call. */
static void
test_encrypted_element_call_rings (void)
{
  HandsetTestUser *alice_user, *bob_user, *bob_phone_user;
  HandsetTestDevice *a1, *b1, *b2;
  g_autofree char *room_id = NULL;
  g_autofree char *member = NULL;
  g_autofree char *left = NULL;
  HandsetRtcRing *r1, *r2;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  bob_phone_user = handset_test_login (bob_user, "BOBPHONE55");
  room_id = create_encrypted_dm (alice_user, bob_user);
  a1 = device_new (alice_user, NULL);
  b1 = device_new (bob_user, NULL);
  b2 = device_new (bob_phone_user, NULL);
  wait_room (a1, room_id);
  wait_room (b1, room_id);
  wait_room (b2, room_id);

  member = put_call_member (
      alice_user, room_id,
      "{\"application\": \"m.call\", \"call_id\": \"\", \"scope\": \"m.room\","
      " \"device_id\": \"A1\", \"expires\": 14400000, \"focus_active\": {\"type\": \"livekit\","
      " \"focus_selection\": \"oldest_membership\"}, \"foci_preferred\": [{\"type\": \"livekit\","
      " \"livekit_service_url\": \"https://livekit.example.org\", \"livekit_alias\": \"x\"}],"
      " \"m.call.intent\": \"video\"}");
  send_rtc_notification (a1, room_id, member);
  r1 = wait_rtc_ring (b1, 1);
  r2 = wait_rtc_ring (b2, 1);
  g_assert_cmpstr (handset_rtc_ring_get_sender (r1), ==, alice_user->user_id);
  g_assert_cmpstr (handset_rtc_ring_get_room_id (r1), ==, room_id);
  g_assert_true (handset_rtc_ring_get_video (r1));
  g_assert_cmpstr (handset_rtc_ring_get_event_id (r1), ==, handset_rtc_ring_get_event_id (r2));
  /* alice's own ring rings nowhere for her. */
  g_assert_cmpuint (a1->rtc_rang->len, ==, 0);

  handset_rtc_rings_decline (b1->rtc_rings, r1);
  g_assert_cmpint (handset_rtc_ring_get_state (r1), ==, HANDSET_RTC_RING_DECLINED);
  wait_rtc_state (r2, HANDSET_RTC_RING_DECLINED_ELSEWHERE);
  /* The decline went encrypted, like the ring. */
  g_assert_cmpuint (count_clear_of (alice_user, room_id, "org.matrix.msc4310"), ==, 0);
  g_assert_cmpuint (count_clear_of (alice_user, room_id, "org.matrix.msc4075"), ==, 0);

  /* Rung again; alice gives up: it stops on both. */
  send_rtc_notification (a1, room_id, member);
  r1 = wait_rtc_ring (b1, 2);
  r2 = wait_rtc_ring (b2, 2);
  g_assert_cmpint (handset_rtc_ring_get_state (r1), ==, HANDSET_RTC_RING_RINGING);
  left = put_call_member (alice_user, room_id, NULL);
  wait_rtc_state (r1, HANDSET_RTC_RING_CANCELLED);
  wait_rtc_state (r2, HANDSET_RTC_RING_CANCELLED);

  handset_test_device_free (a1);
  handset_test_device_free (b1);
  handset_test_device_free (b2);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = NULL;

  g_test_init (&argc, &argv, NULL);
  home = handset_test_isolate_home ();

  g_test_add_func ("/call-encrypted/three-devices", test_encrypted_three_devices);
  g_test_add_func ("/call-encrypted/new-device-rings", test_encrypted_new_device_rings);
  g_test_add_func ("/call-encrypted/18-no-ring-when-the-batch-ends-it",
                   test_encrypted_no_ring_when_the_batch_ends_it);
  g_test_add_func ("/call-encrypted/element-call-rings", test_encrypted_element_call_rings);
  g_test_add_func ("/call-encrypted/clear-invite-ignored", test_encrypted_clear_invite_ignored);
  g_test_add_func ("/call-encrypted/callee-restart", test_encrypted_callee_restart);
  g_test_add_func ("/call-encrypted/pickle-key-lost", test_encrypted_pickle_key_lost);
  g_test_add_func ("/call-encrypted/cross-signing", test_encrypted_cross_signing);

  return g_test_run ();
}
