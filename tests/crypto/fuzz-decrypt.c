/* fuzz-decrypt.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hostile input for everything encryption reads from the homeserver. One
 * input is taken, as bytes, for a whole /sync response (whose to-device
 * and timeline events then go through decryption, as HandsetEncryption
 * does it); and, parsed as JSON, for a to-device event, a room event, a
 * /keys/query answer and a /keys/claim answer. The devices it is fed to
 * are real: alice's and bob's share Olm sessions and a room key, so that
 * well-formed inputs get as far as the crypto, and carol's takes the key
 * answers. Room events, in clear or decrypted, also go through the reader
 * of Element Call rings. Nothing may crash, leak, or trip a sanitizer.
 *
 * Built two ways:
 *  - like every test (no -DHANDSET_LIBFUZZER): `fuzz-decrypt` runs a
 *    seeded mutation loop over a corpus of valid inputs it makes itself
 *    (--iterations N, --seed S); `fuzz-decrypt FILE...` runs each file
 *    once, to reproduce a finding;
 *  - with clang -fsanitize=fuzzer -DHANDSET_LIBFUZZER: libFuzzer drives
 *    it, and the same valid inputs are written into the first corpus
 *    directory given when it is empty.
 * The keys are random each run: inputs only replay fully within one.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "handset-call-invitation.h"
#include "handset-crypto-machine.h"
#include "handset-olm.h"
#include "handset-rtc-ring.h"
#include "handset-sync-batch.h"

#define ROOM  "!r:x"
#define ALICE "@alice:x"
#define BOB   "@bob:x"
#define CAROL "@carol:x"

/* The mutation loop: how many inputs, and at most how long (a safety
 * net: sanitizers on a loaded machine are slow). */
#define DEFAULT_ITERATIONS 2000
#define DEFAULT_SEED       1
#define MAX_SECONDS        20
/* Mutated inputs stay below this: json-glib's parser recurses per level
 * of nesting, and nesting this deep is out of its reach. */
#define MAX_INPUT_SIZE (64 * 1024)

static const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x42, 0x13, 0x37, 0x00, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x01, 0x02, 0x03,
  0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x20, 0x30, 0x40,
};

typedef struct
{
  const char *user_id;
  const char *device_id;
  sqlite3 *db;
  HandsetCryptoStore *store;
  HandsetCryptoMachine *machine;
  JsonObject *device_keys;
  JsonObject *one_time_keys;
} Party;

static Party alice = { ALICE, "A1" };
static Party bob = { BOB, "B1" };
static Party carol = { CAROL, "C1" };

static JsonObject *good_query;  /* /keys/query answer: alice's and bob's devices */
static JsonObject *good_claim;  /* carol's /keys/claim request */
static JsonObject *alice_claim; /* a /keys/claim answer with a key of A1 */
static JsonObject *full_answer; /* a /keys/upload answer: all keys there */
static GPtrArray *corpus;       /* GBytes: valid inputs */
static GPtrArray *dictionary;   /* strings worth putting anywhere */

/* ------------------------------------------------------------ helpers */

static char *
object_to_string (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);

  return json_to_string (node, FALSE);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonNode) node = json_from_string (text, NULL);

  g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
object_member (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
string_member (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static void
add_to_corpus (JsonObject *object)
{
  char *text = object_to_string (object);

  g_ptr_array_add (corpus, g_bytes_new_take (text, strlen (text)));
}

static JsonObject *
to_device_event (const char *sender, JsonObject *content)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", "m.room.encrypted");
  json_object_set_string_member (event, "sender", sender);
  json_object_set_object_member (event, "content", json_object_ref (content));

  return event;
}

static JsonObject *
room_event (JsonObject *content, guint n)
{
  JsonObject *event = json_object_new ();
  g_autofree char *event_id = g_strdup_printf ("$e%u", n);
  JsonObject *unsigned_data = json_object_new ();

  json_object_set_string_member (event, "type", "m.room.encrypted");
  json_object_set_string_member (event, "sender", ALICE);
  json_object_set_string_member (event, "event_id", event_id);
  json_object_set_int_member (event, "origin_server_ts", 1000 + n);
  json_object_set_string_member (event, "room_id", ROOM);
  json_object_set_int_member (unsigned_data, "age", 10);
  json_object_set_object_member (event, "unsigned", unsigned_data);
  json_object_set_object_member (event, "content", json_object_ref (content));

  return event;
}

/* ------------------------------------------------------------ the devices */

static void
party_open (Party *p)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (JsonObject) answer =
      parse_object ("{\"one_time_key_counts\": {\"signed_curve25519\": 50}}");

  g_assert (sqlite3_open (":memory:", &p->db) == SQLITE_OK);
  p->store = handset_crypto_store_new (p->db, p->user_id, p->device_id);
  g_assert (handset_crypto_store_open (p->store, &error));
  p->machine = handset_crypto_machine_new (p->user_id, p->device_id, p->store, pickle_key, &error);
  g_assert (p->machine != NULL);
  body = handset_crypto_machine_build_keys_upload (p->machine);
  p->device_keys = json_object_ref (object_member (body, "device_keys"));
  p->one_time_keys = json_object_ref (object_member (body, "one_time_keys"));
  handset_crypto_machine_keys_uploaded (p->machine, answer);
}

static void
party_close (Party *p)
{
  g_clear_object (&p->machine);
  g_clear_object (&p->store);
  sqlite3_close (p->db);
  g_clear_pointer (&p->device_keys, json_object_unref);
  g_clear_pointer (&p->one_time_keys, json_object_unref);
}

/* One unclaimed one-time key of @p, as a claim answer carries it. */
static JsonObject *
take_one_time_key (Party *p)
{
  g_autoptr (GList) ids = json_object_get_members (p->one_time_keys);
  JsonObject *out = json_object_new ();

  g_assert (ids != NULL);
  json_object_set_object_member (out, ids->data,
                                 json_object_ref (object_member (p->one_time_keys, ids->data)));
  json_object_remove_member (p->one_time_keys, ids->data);

  return out;
}

static JsonObject *
claim_answer (Party *p)
{
  g_autofree char *text =
      g_strdup_printf ("{\"one_time_keys\": {\"%s\": {\"%s\": {}}}}", p->user_id, p->device_id);
  JsonObject *answer = parse_object (text);

  json_object_set_object_member (
      object_member (object_member (answer, "one_time_keys"), p->user_id), p->device_id,
      take_one_time_key (p));

  return answer;
}

/* Alice and bob with an Olm session and a room key, carol knowing them;
 * valid inputs of every kind into the corpus. */
static void
set_up (void)
{
  const char *const users[] = { ALICE, BOB, NULL };
  const char *const only_bob[] = { BOB, NULL };
  g_autoptr (JsonObject) by_user = json_object_new ();
  g_autoptr (JsonObject) claim = NULL;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) key_event = NULL;
  g_autoptr (JsonObject) clear = NULL;
  g_autoptr (JsonObject) empty = json_object_new ();
  g_autoptr (JsonObject) sync = NULL;
  HandsetDeviceKeys *b1;
  Party *parties[] = { &alice, &bob, &carol };

  corpus = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  dictionary = g_ptr_array_new_with_free_func (g_free);
  full_answer = parse_object ("{\"one_time_key_counts\": {\"signed_curve25519\": 50}}");
  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    party_open (parties[i]);

  /* Everyone knows alice's and bob's devices. */
  good_query = json_object_new ();
  json_object_set_object_member (good_query, "device_keys", json_object_ref (by_user));
  json_object_set_object_member (by_user, ALICE, json_object_new ());
  json_object_set_object_member (object_member (by_user, ALICE), "A1",
                                 json_object_ref (alice.device_keys));
  json_object_set_object_member (by_user, BOB, json_object_new ());
  json_object_set_object_member (object_member (by_user, BOB), "B1",
                                 json_object_ref (bob.device_keys));
  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    {
      handset_crypto_machine_track_users (parties[i]->machine, users);
      handset_crypto_machine_receive_keys_query (parties[i]->machine, users, good_query);
    }
  add_to_corpus (good_query);

  /* Alice starts a session with bob and sends him the room key. */
  claim = handset_crypto_machine_build_keys_claim (alice.machine, only_bob);
  g_assert (claim != NULL);
  answer = claim_answer (&bob);
  handset_crypto_machine_receive_keys_claim (alice.machine, claim, answer);
  messages = handset_crypto_machine_share_room_key (alice.machine, ROOM, users, NULL);
  g_assert (messages != NULL);
  key_event = to_device_event (ALICE, object_member (object_member (messages, BOB), "B1"));
  clear = handset_crypto_machine_decrypt_to_device (bob.machine, key_event, NULL);
  g_assert (clear != NULL);
  add_to_corpus (key_event);

  /* Carol's claim, and answers for it. */
  good_claim = handset_crypto_machine_build_keys_claim (carol.machine, users);
  g_assert (good_claim != NULL);
  g_clear_pointer (&answer, json_object_unref);
  answer = claim_answer (&bob);
  add_to_corpus (answer);
  alice_claim = claim_answer (&alice);
  add_to_corpus (alice_claim);

  /* To-device messages bob has not read, room events he can read. */
  b1 = handset_crypto_machine_get_device (alice.machine, BOB, "B1");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (JsonObject) content =
          handset_crypto_machine_encrypt_to_device (alice.machine, b1, "m.dummy", empty, NULL);
      g_autoptr (JsonObject) event = to_device_event (ALICE, content);

      add_to_corpus (event);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{\"call_id\": \"c\", \"version\": \"1\", \"party_id\": \"p\", \"lifetime\": 60000,"
          " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}, \"n\": %u}",
          i);
      g_autoptr (JsonObject) call = parse_object (text);
      g_autoptr (JsonObject) content = handset_crypto_machine_encrypt_room_event (
          alice.machine, ROOM, "m.call.invite", call, NULL);
      g_autoptr (JsonObject) event = room_event (content, i);

      add_to_corpus (event);
    }

  /* An Element Call ring, as matrix-js-sdk sends it. */
  {
    g_autoptr (JsonObject) ring = parse_object (
        "{\"slot_id\": \"m.call#\", \"m.mentions\": {\"user_ids\": [], \"room\": true},"
        " \"notification_type\": \"ring\", \"sender_ts\": 1000, \"lifetime\": 30000,"
        " \"m.call.intent\": \"video\", \"msc4354_sticky_key\": \"m.call#\","
        " \"m.relates_to\": {\"rel_type\": \"m.reference\", \"event_id\": \"$m\"}}");
    g_autoptr (JsonObject) content = handset_crypto_machine_encrypt_room_event (
        alice.machine, ROOM, "org.matrix.msc4075.rtc.notification", ring, NULL);
    g_autoptr (JsonObject) event = room_event (content, 7);

    add_to_corpus (event);
  }

  /* A whole /sync response with both. */
  {
    g_autoptr (JsonObject) call = parse_object ("{\"call_id\": \"c\", \"version\": \"1\"}");
    g_autoptr (JsonObject) content = handset_crypto_machine_encrypt_room_event (
        alice.machine, ROOM, "m.call.hangup", call, NULL);
    g_autoptr (JsonObject) event = room_event (content, 9);
    g_autoptr (JsonObject) dummy =
        handset_crypto_machine_encrypt_to_device (alice.machine, b1, "m.dummy", empty, NULL);
    g_autoptr (JsonObject) dummy_event = to_device_event (ALICE, dummy);
    g_autofree char *event_text = object_to_string (event);
    g_autofree char *dummy_text = object_to_string (dummy_event);
    g_autofree char *text = g_strdup_printf (
        "{\"next_batch\": \"s2\","
        " \"to_device\": {\"events\": [%s, {\"type\": \"m.room_key.withheld\","
        "   \"sender\": \"%s\", \"content\": {\"algorithm\": \"%s\", \"code\": \"m.unverified\","
        "   \"room_id\": \"%s\", \"session_id\": \"s\", \"sender_key\": \"%s\"}}]},"
        " \"account_data\": {\"events\": [{\"type\": \"m.direct\", \"content\": {}}]},"
        " \"rooms\": {\"join\": {\"%s\": {"
        "   \"state\": {\"events\": [{\"type\": \"m.room.encryption\", \"sender\": \"%s\","
        "     \"state_key\": \"\", \"content\": {\"algorithm\": \"%s\"}}]},"
        "   \"timeline\": {\"limited\": false, \"events\": [%s]}}},"
        "  \"invite\": {\"!new:x\": {\"invite_state\": {\"events\": ["
        "   {\"type\": \"m.room.create\", \"state_key\": \"\", \"sender\": \"%s\","
        "    \"content\": {\"io.github.handset.call_invite\": {\"video\": true}}},"
        "   {\"type\": \"m.room.member\", \"state_key\": \"%s\", \"sender\": \"%s\","
        "    \"content\": {\"membership\": \"invite\"}, \"unsigned\": {\"age\": 1200}}]}}},"
        "  \"leave\": {}},"
        " \"device_lists\": {\"changed\": [\"%s\"], \"left\": [\"%s\"]},"
        " \"device_one_time_keys_count\": {\"signed_curve25519\": 49},"
        " \"device_unused_fallback_key_types\": [\"signed_curve25519\"]}",
        dummy_text, ALICE, HANDSET_MEGOLM_ALGORITHM, ROOM,
        handset_crypto_machine_get_curve25519 (alice.machine), ROOM, ALICE,
        HANDSET_MEGOLM_ALGORITHM, event_text, ALICE, BOB, ALICE, ALICE, CAROL);

    sync = parse_object (text);
    add_to_corpus (sync);
  }

  g_ptr_array_add (dictionary, g_strdup (handset_crypto_machine_get_curve25519 (alice.machine)));
  g_ptr_array_add (dictionary, g_strdup (handset_crypto_machine_get_curve25519 (bob.machine)));
  g_ptr_array_add (dictionary, g_strdup (handset_crypto_machine_get_ed25519 (alice.machine)));
  g_ptr_array_add (dictionary, g_strdup (handset_crypto_machine_get_ed25519 (bob.machine)));
  g_ptr_array_add (dictionary,
                   g_strdup (string_member (object_member (key_event, "content"), "sender_key")));
  g_ptr_array_add (dictionary, g_strdup (ROOM));
  g_ptr_array_add (dictionary, g_strdup (ALICE));
  g_ptr_array_add (dictionary, g_strdup (BOB));
  g_ptr_array_add (dictionary, g_strdup (CAROL));
  g_ptr_array_add (dictionary, g_strdup ("A1"));
  g_ptr_array_add (dictionary, g_strdup ("B1"));
  g_ptr_array_add (dictionary, g_strdup (HANDSET_OLM_ALGORITHM));
  g_ptr_array_add (dictionary, g_strdup (HANDSET_MEGOLM_ALGORITHM));
  g_ptr_array_add (dictionary, g_strdup ("signed_curve25519"));
  g_ptr_array_add (dictionary, g_strdup ("m.room.encrypted"));
  g_ptr_array_add (dictionary, g_strdup ("m.room_key"));
  g_ptr_array_add (dictionary, g_strdup ("m.room_key.withheld"));
  g_ptr_array_add (dictionary, g_strdup ("m.unverified"));
  g_ptr_array_add (dictionary, g_strdup (""));
  g_ptr_array_add (dictionary, g_strdup ("A"));
  g_ptr_array_add (dictionary, g_strdup ("AAAA"));
  g_ptr_array_add (dictionary, g_strdup ("not base64!"));
  g_ptr_array_add (dictionary, g_strnfill (4097, 'A'));
  g_ptr_array_add (dictionary, g_strnfill (30000, '/'));
  g_ptr_array_add (dictionary, g_strdup ("\xc3\xa9t\xc3\xa9"));
}

/* Every rejected input is a line of log at message level: not a
 * failure, and too many to print. Warnings and criticals still show (and
 * criticals abort under G_DEBUG=fatal-criticals, as the tests run). */
static void
drop_log (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

static void
quiet (void)
{
  const char *domains[] = { "Handset-Crypto", "Handset-Matrix" };

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    g_log_set_handler (domains[i], G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                       drop_log, NULL);
}

#ifndef HANDSET_LIBFUZZER
static void
tear_down (void)
{
  Party *parties[] = { &alice, &bob, &carol };

  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    party_close (parties[i]);
  g_clear_pointer (&good_query, json_object_unref);
  g_clear_pointer (&good_claim, json_object_unref);
  g_clear_pointer (&alice_claim, json_object_unref);
  g_clear_pointer (&full_answer, json_object_unref);
  g_clear_pointer (&corpus, g_ptr_array_unref);
  g_clear_pointer (&dictionary, g_ptr_array_unref);
}
#endif

/* ------------------------------------------------------------ one input */

/* Whatever bob's machine wants done after a failure: a new session with
 * alice (answered with a key of hers), and its m.dummy. */
static void
bob_unwedges (void)
{
  const char *const only_alice[] = { ALICE, NULL };
  g_autoptr (JsonObject) claim = handset_crypto_machine_build_keys_claim (bob.machine, only_alice);
  g_autoptr (JsonObject) dummies = NULL;

  if (claim != NULL)
    handset_crypto_machine_receive_keys_claim (bob.machine, claim, alice_claim);
  dummies = handset_crypto_machine_take_unwedge_messages (bob.machine);
}

static void
feed_to_device (JsonObject *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_to_device (bob.machine, event, &error);

  g_assert ((clear == NULL) != (error == NULL));
  bob_unwedges ();
}

/* An Element Call ring, as bob reads it: one that rings has what it needs
 * and rings no longer than two minutes. */
static void
read_ring (const char *room_id, JsonObject *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetRtcRing) ring = handset_rtc_ring_parse (event, room_id, BOB, 5000, &error);

  g_assert ((ring == NULL) != (error == NULL));
  if (ring != NULL)
    {
      g_autofree char *uri = handset_rtc_ring_get_open_uri (ring);

      g_assert (handset_rtc_ring_get_sender (ring) != NULL);
      g_assert (handset_rtc_ring_get_expires_ms (ring) > 5000);
      g_assert (handset_rtc_ring_get_expires_ms (ring) <= 5000 + HANDSET_RTC_RING_MAX_LIFETIME_MS);
      g_assert (g_str_has_prefix (uri, "https://matrix.to/#/"));
    }
}

static void
decrypt_room_event (const char *room_id, JsonObject *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetDecryptionInfo) info = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_room_event (bob.machine, room_id, event, &info, &error);

  g_assert ((clear == NULL) != (error == NULL));
  g_assert ((clear == NULL) == (info == NULL));
  read_ring (room_id, clear ? clear : event);
}

static void
feed_room_event (JsonObject *event)
{
  const char *room_id = string_member (event, "room_id");

  decrypt_room_event (ROOM, event);
  if (room_id != NULL && g_strcmp0 (room_id, ROOM) != 0)
    decrypt_room_event (room_id, event);
}

static void
feed_keys_query (JsonObject *answer)
{
  const char *const restore[] = { ALICE, BOB, NULL };
  g_autoptr (GPtrArray) asked = g_ptr_array_new ();
  JsonObject *device_keys = object_member (answer, "device_keys");
  g_autoptr (GList) users = device_keys ? json_object_get_members (device_keys) : NULL;
  g_autoptr (JsonObject) claim = NULL;

  /* Without it, the answer names nobody's devices: nothing to do. */
  if (device_keys == NULL)
    return;
  g_ptr_array_add (asked, (gpointer) ALICE);
  g_ptr_array_add (asked, (gpointer) BOB);
  g_ptr_array_add (asked, (gpointer) CAROL);
  for (GList *l = users; l != NULL && asked->len < 8; l = l->next)
    g_ptr_array_add (asked, l->data);
  g_ptr_array_add (asked, NULL);

  handset_crypto_machine_receive_keys_query (carol.machine, (const char *const *) asked->pdata,
                                             answer);
  for (guint i = 0; i + 1 < asked->len; i++)
    {
      g_autoptr (GPtrArray) devices =
          handset_crypto_machine_get_devices (carol.machine, asked->pdata[i]);

      for (guint j = 0; j < devices->len; j++)
        g_assert (((HandsetDeviceKeys *) g_ptr_array_index (devices, j))->curve25519 != NULL);
    }
  claim =
      handset_crypto_machine_build_keys_claim (carol.machine, (const char *const *) asked->pdata);

  /* Back to the devices the other inputs expect. */
  handset_crypto_machine_receive_keys_query (carol.machine, restore, good_query);
}

static void
feed_keys_claim (JsonObject *answer)
{
  const char *const users[] = { ALICE, BOB, NULL };
  g_autoptr (JsonObject) messages = NULL;

  /* The request is always the machine's own body: only the answer comes
   * from the server. */
  handset_crypto_machine_receive_keys_claim (carol.machine, good_claim, answer);
  /* The sessions made, if any, carry a room key. */
  messages = handset_crypto_machine_share_room_key (carol.machine, "!c:x", users, NULL);
}

/* The whole response, read as HandsetEncryption reads it: key counts and
 * device lists, to-device events, then the joined rooms' timelines. */
static void
feed_sync (const guint8 *data, gsize size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (HandsetSyncBatch) batch = NULL;
  g_autoptr (JsonObject) upload = NULL;
  g_auto (GStrv) outdated = NULL;
  GPtrArray *to_device;
  JsonObject *counts;
  JsonArray *fallback, *changed, *left;

  batch = handset_sync_batch_new_from_bytes (bytes, "s1", 1, NULL);
  if (batch == NULL)
    return;

  handset_sync_batch_get_key_counts (batch, &counts, &fallback);
  handset_crypto_machine_receive_key_counts (bob.machine, counts, fallback);
  handset_sync_batch_get_device_lists (batch, &changed, &left);
  handset_crypto_machine_receive_device_list_changes (bob.machine, changed, left);
  outdated = handset_crypto_machine_get_outdated_users (bob.machine);
  /* What would go to /keys/upload, and the server's answer. */
  upload = handset_crypto_machine_build_keys_upload (bob.machine);
  if (upload != NULL)
    handset_crypto_machine_keys_uploaded (bob.machine, full_answer);

  to_device = handset_sync_batch_get_to_device (batch);
  for (guint i = 0; i < to_device->len; i++)
    {
      JsonObject *event = g_ptr_array_index (to_device, i);

      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.encrypted") == 0)
        feed_to_device (event);
      else if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room_key.withheld") == 0)
        handset_crypto_machine_receive_withheld (bob.machine, event);
    }

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      /* An invitation's stripped state, as it is read for a first call. */
      if (room->membership == HANDSET_MEMBERSHIP_INVITE)
        {
          g_autoptr (HandsetCallInvitation) invitation =
              handset_call_invitation_parse (room->room_id, room->state, BOB, 90000);

          if (invitation != NULL)
            g_assert (handset_call_invitation_get_inviter (invitation) != NULL);
        }
      if (room->membership != HANDSET_MEMBERSHIP_JOIN)
        continue;
      for (guint j = 0; j < room->timeline->len; j++)
        {
          JsonObject *event = g_ptr_array_index (room->timeline, j);
          g_autoptr (GError) error = NULL;
          g_autoptr (HandsetDecryptionInfo) info = NULL;
          g_autoptr (JsonObject) clear = NULL;
          HandsetEventEncryption encryption = { 0 };

          handset_event_get_age (event);
          if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.encrypted") != 0)
            {
              read_ring (room->room_id, event);
              continue;
            }
          clear = handset_crypto_machine_decrypt_room_event (bob.machine, room->room_id, event,
                                                             &info, &error);
          if (clear == NULL)
            continue;
          encryption.encrypted = TRUE;
          encryption.sender_device = info->sender_device;
          encryption.device_known = info->device_known;
          read_ring (room->room_id, clear);
          handset_sync_batch_replace_event (batch, room->timeline, j, clear, &encryption);
          g_assert (handset_sync_batch_get_encryption (batch, clear) != NULL);
        }
    }
}

static void
fuzz_one (const guint8 *data, gsize size)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;

  feed_sync (data, size);

  if (size == 0 || !json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);
  feed_to_device (object);
  feed_room_event (object);
  feed_keys_query (object);
  feed_keys_claim (object);
}

/* ------------------------------------------------------------ libFuzzer */

#ifdef HANDSET_LIBFUZZER

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The first corpus directory, when empty, gets the valid inputs. */
static void
write_seeds (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GDir) dir = NULL;

      if (argv[i][0] == '-')
        continue;
      dir = g_dir_open (argv[i], 0, NULL);
      if (dir == NULL || g_dir_read_name (dir) != NULL)
        return;
      for (guint j = 0; j < corpus->len; j++)
        {
          g_autofree char *name = g_strdup_printf ("seed-%02u.json", j);
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          gsize size;
          const char *bytes = g_bytes_get_data (g_ptr_array_index (corpus, j), &size);

          g_assert (g_file_set_contents (path, bytes, (gssize) size, NULL));
        }
      return;
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  quiet ();
  set_up ();
  write_seeds (*argc, *argv);

  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_one (data, size);

  return 0;
}

#else /* !HANDSET_LIBFUZZER */

/* ------------------------------------------------------------ mutation loop */

/* A node of a JSON tree, and where it hangs. */
typedef struct
{
  JsonNode *node;
  JsonObject *object; /* its parent, an object... */
  char *member;
  JsonArray *array; /* ...or an array */
  guint index;
} Slot;

static void
slot_free (Slot *slot)
{
  g_free (slot->member);
  g_free (slot);
}

static void
collect_nodes (JsonNode *node,
               JsonObject *object,
               const char *member,
               JsonArray *array,
               guint index,
               GPtrArray *out)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->node = node;
  slot->object = object;
  slot->member = g_strdup (member);
  slot->array = array;
  slot->index = index;
  g_ptr_array_add (out, slot);
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *child = json_node_get_object (node);
      g_autoptr (GList) members = json_object_get_members (child);

      for (GList *l = members; l != NULL; l = l->next)
        collect_nodes (json_object_get_member (child, l->data), child, l->data, NULL, 0, out);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *child = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (child); i++)
        collect_nodes (json_array_get_element (child, i), NULL, NULL, child, i, out);
    }
}

static const char *
random_word (GRand *rand)
{
  return g_ptr_array_index (dictionary, g_rand_int_range (rand, 0, (gint32) dictionary->len));
}

/* Another value, often of another type. (json-glib's json_node_init_*()
 * on a node that holds something misbehave: new nodes only.) */
static JsonNode *
random_value (GRand *rand)
{
  static const gint64 numbers[] = {
    0, 1, -1, 2, 100, G_MAXINT32, G_MININT32, G_MAXINT64, G_MININT64, 9007199254740992,
  };

  switch (g_rand_int_range (rand, 0, 8))
    {
      case 0:
        return json_node_init_int (json_node_alloc (),
                                   numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))]);
      case 1:
        return json_node_init_double (json_node_alloc (),
                                      g_rand_double_range (rand, -1e300, 1e300));
      case 2:
        return json_node_init_boolean (json_node_alloc (), g_rand_boolean (rand));
      case 3:
        return json_node_init_null (json_node_alloc ());
      case 4:
        {
          g_autoptr (JsonArray) array = json_array_new ();

          if (g_rand_boolean (rand))
            json_array_add_string_element (array, random_word (rand));
          return json_node_init_array (json_node_alloc (), array);
        }
      case 5:
        {
          g_autoptr (JsonObject) object = json_object_new ();

          if (g_rand_boolean (rand))
            json_object_set_string_member (object, random_word (rand), random_word (rand));
          return json_node_init_object (json_node_alloc (), object);
        }
      default:
        return json_node_init_string (json_node_alloc (), random_word (rand));
    }
}

/* A change that keeps the input JSON: a value replaced, a member removed
 * or added, a string cut or grown. */
static void
mutate_tree (GRand *rand, JsonNode *root)
{
  g_autoptr (GPtrArray) slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  Slot *slot;
  JsonNode *node;

  collect_nodes (root, NULL, NULL, NULL, 0, slots);
  slot = g_ptr_array_index (slots, g_rand_int_range (rand, 0, (gint32) slots->len));
  node = slot->node;

  if (JSON_NODE_HOLDS_OBJECT (node) && g_rand_boolean (rand))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr (GList) names = json_object_get_members (object);
      guint n = g_list_length (names);

      if (n > 0 && g_rand_boolean (rand))
        {
          g_autofree char *name =
              g_strdup (g_list_nth_data (names, g_rand_int_range (rand, 0, (gint32) n)));

          json_object_remove_member (object, name);
        }
      else
        {
          json_object_set_string_member (object, random_word (rand), random_word (rand));
        }
      return;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
      g_rand_boolean (rand))
    {
      g_autofree char *text = g_strdup (json_node_get_string (node));
      gsize length = strlen (text);

      if (length > 0 && g_rand_boolean (rand))
        {
          /* One character changed, or the string cut short. */
          if (g_rand_boolean (rand))
            text[g_rand_int_range (rand, 0, (gint32) length)] =
                "AB/+=a0!"[g_rand_int_range (rand, 0, 8)];
          else
            text[g_rand_int_range (rand, 0, (gint32) length)] = '\0';
          json_node_set_string (node, text);
        }
      else
        {
          g_autofree char *longer = g_strconcat (text, random_word (rand), NULL);

          json_node_set_string (node, longer);
        }
      return;
    }
  if (slot->object != NULL)
    {
      json_object_set_member (slot->object, slot->member, random_value (rand));
    }
  else if (slot->array != NULL)
    {
      json_array_remove_element (slot->array, slot->index);
      json_array_add_element (slot->array, random_value (rand));
    }
}

/* A change of the bytes: bits flipped, cut, a piece repeated or taken
 * from another input. */
static void
mutate_bytes (GRand *rand, GByteArray *bytes)
{
  guint length = bytes->len;

  if (length == 0)
    return;
  switch (g_rand_int_range (rand, 0, 5))
    {
      case 0:
        for (guint i = 0, n = g_rand_int_range (rand, 1, 8); i < n; i++)
          bytes->data[g_rand_int_range (rand, 0, (gint32) length)] ^=
              1 << g_rand_int_range (rand, 0, 8);
        break;
      case 1:
        g_byte_array_set_size (bytes, g_rand_int_range (rand, 0, (gint32) length));
        break;
      case 2:
        {
          guint start = g_rand_int_range (rand, 0, (gint32) length);
          guint n = g_rand_int_range (rand, 1, 64);
          g_autofree guint8 *piece = NULL;

          n = MIN (n, length - start);
          piece = g_memdup2 (bytes->data + start, n);

          g_byte_array_append (bytes, piece, n);
        }
        break;
      case 3:
        {
          GBytes *other =
              g_ptr_array_index (corpus, g_rand_int_range (rand, 0, (gint32) corpus->len));
          gsize other_length;
          const guint8 *other_data = g_bytes_get_data (other, &other_length);
          guint cut = g_rand_int_range (rand, 0, (gint32) length);
          guint from = g_rand_int_range (rand, 0, (gint32) other_length);

          g_byte_array_set_size (bytes, cut);
          g_byte_array_append (bytes, other_data + from, other_length - from);
        }
        break;
      default:
        bytes->data[g_rand_int_range (rand, 0, (gint32) length)] =
            "{}[]\":,0-e.\\"[g_rand_int_range (rand, 0, 13)];
        break;
    }
}

/* One input made from a corpus entry by a few changes. */
static GByteArray *
make_input (GRand *rand)
{
  GBytes *seed = g_ptr_array_index (corpus, g_rand_int_range (rand, 0, (gint32) corpus->len));
  GByteArray *out = g_byte_array_new ();
  gsize size;
  const guint8 *data = g_bytes_get_data (seed, &size);
  guint rounds = g_rand_int_range (rand, 1, 4);

  g_byte_array_append (out, data, size);
  for (guint r = 0; r < rounds; r++)
    {
      if (g_rand_int_range (rand, 0, 4) != 0)
        {
          g_autoptr (JsonParser) parser = json_parser_new ();
          g_autoptr (JsonGenerator) generator = NULL;
          g_autofree char *text = NULL;
          gsize length;

          if (!json_parser_load_from_data (parser, (const char *) out->data, out->len, NULL) ||
              json_parser_get_root (parser) == NULL)
            {
              mutate_bytes (rand, out);
              continue;
            }
          mutate_tree (rand, json_parser_get_root (parser));
          generator = json_generator_new ();
          json_generator_set_root (generator, json_parser_get_root (parser));
          text = json_generator_to_data (generator, &length);
          g_byte_array_set_size (out, 0);
          g_byte_array_append (out, (const guint8 *) text, length);
        }
      else
        {
          mutate_bytes (rand, out);
        }
      if (out->len > MAX_INPUT_SIZE)
        g_byte_array_set_size (out, MAX_INPUT_SIZE);
    }

  return out;
}

static int
run_files (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (argv[i], &contents, &length, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      fuzz_one ((const guint8 *) contents, length);
      g_print ("%s: done\n", argv[i]);
    }

  return 0;
}

int
main (int argc, char *argv[])
{
  gint64 iterations = DEFAULT_ITERATIONS;
  gint64 seed = DEFAULT_SEED;
  g_autoptr (GOptionContext) context = g_option_context_new ("[FILE…]");
  GOptionEntry entries[] = {
    { "iterations", 'n', 0, G_OPTION_ARG_INT64, &iterations, "Mutated inputs to try", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the mutations", "S" },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 done = 0;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  quiet ();
  set_up ();
  if (argc > 1)
    {
      status = run_files (argc, argv);
      tear_down ();
      return status;
    }

  /* The valid inputs first, as they are. */
  for (guint i = 0; i < corpus->len; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (corpus, i), &size);

      fuzz_one (data, size);
    }

  rand = g_rand_new_with_seed ((guint32) seed);
  for (done = 0; done < iterations; done++)
    {
      g_autoptr (GByteArray) input = make_input (rand);

      fuzz_one (input->data, input->len);
      if (g_get_monotonic_time () - start > MAX_SECONDS * G_USEC_PER_SEC)
        {
          g_print ("# stopped after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                   " inputs: %d seconds are up\n",
                   done + 1, iterations, MAX_SECONDS);
          done++;
          break;
        }
    }
  g_print ("%" G_GINT64_FORMAT " mutated inputs (seed %" G_GINT64_FORMAT ") in %.1f s: no crash\n",
           done, seed, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  tear_down ();

  return 0;
}

#endif /* HANDSET_LIBFUZZER */
