/* test-crypto-machine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crypto machine between devices, with the homeserver played by the
 * test: key upload (checked as a server would), /keys/query answers made
 * of what was uploaded, /keys/claim answers that hand out the uploaded
 * one-time keys, to-device messages carried by hand. Olm and Megolm round
 * trips, key top-up, rotation, replay and sender checks, hostile events,
 * restarts, unwedging; and the order in which a /sync response is read
 * (to-device first, then the rooms). No network.
 */

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "handset-canonical-json.h"
#include "handset-crypto-machine.h"
#include "handset-olm.h"
#include "handset-signing-keys.h"
#include "handset-sync-batch.h"

#define ROOM  "!r:x"
#define ALICE "@alice:x"
#define BOB   "@bob:x"
#define CAROL "@carol:x"

#define ONE_MEGABYTE (1024 * 1024)

static const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};

static const guint8 wrong_pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0e,
};

/* The clock of machines that the test moves by hand. */
static gint64 fake_now_us;

static gint64
fake_clock (void)
{
  return fake_now_us;
}

/* ------------------------------------------------------------ JSON */

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);

  return json_to_string (node, FALSE);
}

/* A deep copy, to tamper with. */
static JsonObject *
copy_object (JsonObject *object)
{
  g_autofree char *text = object_to_string (object);

  return parse_object (text);
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

static guint
object_size (JsonObject *object)
{
  return object ? json_object_get_size (object) : 0;
}

static gboolean
array_has_string (JsonArray *array, const char *value)
{
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;

  return FALSE;
}

static gsize
max_one_time_keys (void)
{
  g_autoptr (HandsetOlmAccount) account = handset_olm_account_new ();

  return handset_olm_account_get_max_one_time_keys (account);
}

/* ------------------------------------------------------------ the server */

typedef struct
{
  char *user_id;
  char *device_id;
  sqlite3 *db;
  HandsetCryptoStore *store;
  HandsetCryptoMachine *machine;
  JsonObject *device_keys;   /* as uploaded */
  JsonObject *one_time_keys; /* key ID → signed key: not claimed yet */
  JsonObject *fallback_keys; /* key ID → signed key: the last uploaded */
  gboolean listed;           /* /keys/query names it */
} Device;

typedef struct
{
  gboolean device_keys;
  guint n_one_time_keys;
  gboolean fallback_key;
} Upload;

typedef struct
{
  GPtrArray *devices; /* of Device */
  Device *a1, *b1, *b2, *c1;
  gsize half; /* one-time keys kept on the server: half of what libolm holds */
} Fixture;

static void
check_signed (Device *d, JsonObject *object)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key_id = g_strconcat ("ed25519:", d->device_id, NULL);

  g_assert_true (handset_json_verify_signature (
      object, d->user_id, key_id, handset_crypto_machine_get_ed25519 (d->machine), &error));
  g_assert_no_error (error);
}

static void
check_signed_key (Device *d, const char *name, JsonObject *key, gboolean fallback)
{
  JsonNode *flag = json_object_get_member (key, "fallback");

  g_assert_true (g_str_has_prefix (name, "signed_curve25519:"));
  g_assert_cmpuint (strlen (name), >, strlen ("signed_curve25519:"));
  g_assert_nonnull (string_member (key, "key"));
  g_assert_cmpuint (strlen (string_member (key, "key")), ==, 43);
  if (fallback)
    {
      g_assert_nonnull (flag);
      g_assert_true (json_node_get_boolean (flag));
    }
  else
    {
      g_assert_null (flag);
    }
  check_signed (d, key);
}

/* Takes the device's /keys/upload body, checks it as a server would,
 * keeps its keys and answers with the count the server holds. */
static Upload
upload (Device *d)
{
  g_autoptr (JsonObject) body = handset_crypto_machine_build_keys_upload (d->machine);
  g_autoptr (JsonObject) answer = NULL;
  g_autofree char *answer_text = NULL;
  Upload result = { 0 };
  JsonObject *device_keys, *one_time, *fallback;

  if (body == NULL)
    return result;

  {
    g_autoptr (GList) members = json_object_get_members (body);

    for (GList *l = members; l != NULL; l = l->next)
      g_assert_true (g_str_equal (l->data, "device_keys") ||
                     g_str_equal (l->data, "one_time_keys") ||
                     g_str_equal (l->data, "fallback_keys"));
  }

  device_keys = object_member (body, "device_keys");
  if (device_keys != NULL)
    {
      g_autofree char *curve_id = g_strconcat ("curve25519:", d->device_id, NULL);
      g_autofree char *ed_id = g_strconcat ("ed25519:", d->device_id, NULL);
      JsonObject *keys = object_member (device_keys, "keys");
      JsonArray *algorithms = json_object_get_array_member (device_keys, "algorithms");
      g_autoptr (HandsetDeviceKeys) parsed = NULL;
      g_autoptr (GError) error = NULL;

      /* The device keys go once. */
      g_assert_null (d->device_keys);
      result.device_keys = TRUE;
      g_assert_cmpstr (string_member (device_keys, "user_id"), ==, d->user_id);
      g_assert_cmpstr (string_member (device_keys, "device_id"), ==, d->device_id);
      g_assert_true (array_has_string (algorithms, HANDSET_OLM_ALGORITHM));
      g_assert_true (array_has_string (algorithms, HANDSET_MEGOLM_ALGORITHM));
      g_assert_cmpuint (object_size (keys), ==, 2);
      g_assert_cmpstr (string_member (keys, curve_id), ==,
                       handset_crypto_machine_get_curve25519 (d->machine));
      g_assert_cmpstr (string_member (keys, ed_id), ==,
                       handset_crypto_machine_get_ed25519 (d->machine));
      check_signed (d, device_keys);
      /* What another device makes of them. */
      parsed = handset_device_keys_parse (device_keys, d->user_id, d->device_id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (parsed->curve25519, ==, handset_crypto_machine_get_curve25519 (d->machine));
      d->device_keys = copy_object (device_keys);
    }

  one_time = object_member (body, "one_time_keys");
  if (one_time != NULL)
    {
      g_autoptr (GList) names = json_object_get_members (one_time);

      g_assert_cmpuint (object_size (one_time), >, 0);
      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonObject *key = object_member (one_time, l->data);

          g_assert_nonnull (key);
          check_signed_key (d, l->data, key, FALSE);
          /* A key ID is never used twice. */
          g_assert_false (json_object_has_member (d->one_time_keys, l->data));
          json_object_set_object_member (d->one_time_keys, l->data, json_object_ref (key));
        }
      result.n_one_time_keys = object_size (one_time);
    }

  fallback = object_member (body, "fallback_keys");
  if (fallback != NULL)
    {
      g_autoptr (GList) names = json_object_get_members (fallback);

      g_assert_cmpuint (object_size (fallback), ==, 1);
      check_signed_key (d, names->data, object_member (fallback, names->data), TRUE);
      if (d->fallback_keys != NULL)
        {
          /* A new fallback key, not the old one again. */
          g_autoptr (GList) old = json_object_get_members (d->fallback_keys);

          g_assert_cmpstr (old->data, !=, names->data);
          g_assert_cmpstr (string_member (object_member (d->fallback_keys, old->data), "key"), !=,
                           string_member (object_member (fallback, names->data), "key"));
        }
      g_clear_pointer (&d->fallback_keys, json_object_unref);
      d->fallback_keys = copy_object (fallback);
      result.fallback_key = TRUE;
    }

  answer_text = g_strdup_printf ("{\"one_time_key_counts\": {\"signed_curve25519\": %u}}",
                                 object_size (d->one_time_keys));
  answer = parse_object (answer_text);
  handset_crypto_machine_keys_uploaded (d->machine, answer);

  return result;
}

static HandsetCryptoMachine *
open_machine (Device *d, const guint8 *key, GError **error)
{
  return handset_crypto_machine_new (d->user_id, d->device_id, d->store, key, error);
}

static Device *
device_new (Fixture *f, const char *user_id, const char *device_id)
{
  Device *d = g_new0 (Device, 1);
  g_autoptr (GError) error = NULL;
  Upload first;

  d->user_id = g_strdup (user_id);
  d->device_id = g_strdup (device_id);
  d->one_time_keys = json_object_new ();
  d->listed = TRUE;
  g_assert_cmpint (sqlite3_open (":memory:", &d->db), ==, SQLITE_OK);
  d->store = handset_crypto_store_new (d->db, user_id, device_id);
  g_assert_true (handset_crypto_store_open (d->store, &error));
  g_assert_no_error (error);
  d->machine = open_machine (d, pickle_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (d->machine);
  g_assert_true (handset_crypto_machine_is_new (d->machine));
  g_assert_cmpstr (handset_crypto_machine_get_user_id (d->machine), ==, user_id);
  g_assert_cmpstr (handset_crypto_machine_get_device_id (d->machine), ==, device_id);

  /* The first upload: device keys, half of libolm's one-time keys, and a
   * fallback key. */
  first = upload (d);
  g_assert_true (first.device_keys);
  g_assert_cmpuint (first.n_one_time_keys, ==, f->half);
  g_assert_true (first.fallback_key);
  g_ptr_array_add (f->devices, d);

  return d;
}

static void
device_free (Device *d)
{
  g_clear_object (&d->machine);
  g_clear_object (&d->store);
  sqlite3_close (d->db);
  g_clear_pointer (&d->device_keys, json_object_unref);
  g_clear_pointer (&d->one_time_keys, json_object_unref);
  g_clear_pointer (&d->fallback_keys, json_object_unref);
  g_free (d->user_id);
  g_free (d->device_id);
  g_free (d);
}

static Device *
find_device (Fixture *f, const char *user_id, const char *device_id)
{
  for (guint i = 0; i < f->devices->len; i++)
    {
      Device *d = g_ptr_array_index (f->devices, i);

      if (g_str_equal (d->user_id, user_id) && g_str_equal (d->device_id, device_id))
        return d;
    }

  return NULL;
}

/* A /keys/query answer from what the devices uploaded. */
static JsonObject *
query_answer (Fixture *f, const char *const *users)
{
  JsonObject *answer = json_object_new ();
  JsonObject *by_user = json_object_new ();

  json_object_set_object_member (answer, "device_keys", by_user);
  json_object_set_object_member (answer, "failures", json_object_new ());
  for (guint i = 0; users[i] != NULL; i++)
    {
      JsonObject *by_device = json_object_new ();

      for (guint j = 0; j < f->devices->len; j++)
        {
          Device *d = g_ptr_array_index (f->devices, j);

          if (d->listed && g_str_equal (d->user_id, users[i]))
            json_object_set_object_member (by_device, d->device_id,
                                           json_object_ref (d->device_keys));
        }
      json_object_set_object_member (by_user, users[i], by_device);
    }

  return answer;
}

/* @to tracks @users and learns their devices. */
static void
learn_devices (Fixture *f, Device *to, const char *const *users)
{
  g_autoptr (JsonObject) answer = query_answer (f, users);

  handset_crypto_machine_track_users (to->machine, users);
  handset_crypto_machine_receive_keys_query (to->machine, users, answer);
  for (guint i = 0; users[i] != NULL; i++)
    g_assert_false (handset_crypto_machine_is_user_outdated (to->machine, users[i]));
}

/* @from's /keys/claim for @users, answered with one uploaded one-time key
 * of each device asked for (its fallback key when @fallback). Returns the
 * number of devices asked for. */
static guint
claim_keys (Fixture *f, Device *from, const char *const *users, gboolean fallback)
{
  g_autoptr (JsonObject) body = handset_crypto_machine_build_keys_claim (from->machine, users);
  g_autoptr (JsonObject) answer = json_object_new ();
  JsonObject *by_user = json_object_new ();
  JsonObject *wanted;
  g_autoptr (GList) user_ids = NULL;
  guint n = 0;

  json_object_set_object_member (answer, "one_time_keys", by_user);
  json_object_set_object_member (answer, "failures", json_object_new ());
  if (body == NULL)
    return 0;
  wanted = object_member (body, "one_time_keys");
  g_assert_nonnull (wanted);
  user_ids = json_object_get_members (wanted);
  for (GList *u = user_ids; u != NULL; u = u->next)
    {
      JsonObject *devices = object_member (wanted, u->data);
      g_autoptr (GList) device_ids = json_object_get_members (devices);
      JsonObject *out = json_object_new ();

      json_object_set_object_member (by_user, u->data, out);
      for (GList *l = device_ids; l != NULL; l = l->next)
        {
          Device *d = find_device (f, u->data, l->data);
          JsonObject *source;
          g_autoptr (GList) key_ids = NULL;
          JsonObject *one = json_object_new ();

          g_assert_cmpstr (string_member (devices, l->data), ==, "signed_curve25519");
          g_assert_nonnull (d);
          n++;
          source =
              fallback || object_size (d->one_time_keys) == 0 ? d->fallback_keys : d->one_time_keys;
          key_ids = json_object_get_members (source);
          json_object_set_object_member (one, key_ids->data,
                                         json_object_ref (object_member (source, key_ids->data)));
          if (source == d->one_time_keys)
            json_object_remove_member (d->one_time_keys, key_ids->data);
          json_object_set_object_member (out, l->data, one);
        }
    }
  handset_crypto_machine_receive_keys_claim (from->machine, body, answer);

  return n;
}

/* Whether @messages (user → device → content) holds one for @d. */
static JsonObject *
message_for (JsonObject *messages, Device *d)
{
  return object_member (object_member (messages, d->user_id), d->device_id);
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

/* @to decrypts what @from sent it, out of @messages. */
static JsonObject *
deliver (Device *to, Device *from, JsonObject *messages, GError **error)
{
  JsonObject *content = message_for (messages, to);
  g_autoptr (JsonObject) event = NULL;

  g_assert_nonnull (content);
  event = to_device_event (from->user_id, content);

  return handset_crypto_machine_decrypt_to_device (to->machine, event, error);
}

/* @to receives its m.room_key out of @messages; returns the session ID. */
static char *
receive_room_key (Device *to, Device *from, JsonObject *messages)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) clear = deliver (to, from, messages, &error);
  const char *session_id;

  g_assert_no_error (error);
  g_assert_nonnull (clear);
  g_assert_cmpstr (string_member (clear, "type"), ==, "m.room_key");
  g_assert_cmpstr (string_member (clear, "sender"), ==, from->user_id);
  g_assert_cmpstr (string_member (clear, "sender_key"), ==,
                   handset_crypto_machine_get_curve25519 (from->machine));
  session_id = string_member (object_member (clear, "content"), "session_id");
  g_assert_nonnull (session_id);
  g_assert_cmpstr (string_member (object_member (clear, "content"), "room_id"), ==, ROOM);
  g_assert_true (handset_crypto_machine_has_room_key (to->machine, ROOM, session_id));

  return g_strdup (session_id);
}

static JsonObject *
invite_content (const char *call_id)
{
  g_autofree char *text = g_strdup_printf (
      "{\"call_id\": \"%s\", \"version\": \"1\", \"party_id\": \"p\", \"lifetime\": 60000,"
      " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}}",
      call_id);

  return parse_object (text);
}

static JsonObject *
encrypt_event (Device *from, const char *type, JsonObject *content)
{
  g_autoptr (GError) error = NULL;
  JsonObject *encrypted =
      handset_crypto_machine_encrypt_room_event (from->machine, ROOM, type, content, &error);

  g_assert_no_error (error);
  g_assert_nonnull (encrypted);
  g_assert_cmpstr (string_member (encrypted, "algorithm"), ==, HANDSET_MEGOLM_ALGORITHM);
  g_assert_cmpstr (string_member (encrypted, "sender_key"), ==,
                   handset_crypto_machine_get_curve25519 (from->machine));
  g_assert_cmpstr (string_member (encrypted, "device_id"), ==, from->device_id);
  g_assert_nonnull (string_member (encrypted, "session_id"));
  g_assert_nonnull (string_member (encrypted, "ciphertext"));

  return encrypted;
}

static JsonObject *
room_event (const char *sender, JsonObject *content, const char *event_id, gint64 ts)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", "m.room.encrypted");
  json_object_set_string_member (event, "sender", sender);
  json_object_set_string_member (event, "event_id", event_id);
  json_object_set_int_member (event, "origin_server_ts", ts);
  json_object_set_string_member (event, "room_id", ROOM);
  json_object_set_object_member (event, "content", json_object_ref (content));

  return event;
}

static JsonObject *
share (Device *from, const char *const *users, const HandsetRoomEncryptionSettings *settings)
{
  return handset_crypto_machine_share_room_key (from->machine, ROOM, users, settings);
}

static const char *const bob_and_alice[] = { BOB, ALICE, NULL };
static const char *const only_alice[] = { ALICE, NULL };
static const char *const only_bob[] = { BOB, NULL };
static const char *const bob_and_carol[] = { BOB, CAROL, NULL };

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->half = max_one_time_keys () / 2;
  f->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  f->a1 = device_new (f, ALICE, "A1");
  f->b1 = device_new (f, BOB, "B1");
  f->b2 = device_new (f, BOB, "B2");
  /* Carol only where a test needs her: every device costs time under
   * the sanitizers. */
  if (data != NULL)
    f->c1 = device_new (f, CAROL, "C1");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->devices);
}

/* A1 knows bob's devices, has Olm sessions with them, and shared the
 * room key; B1 and B2 received it. Returns the session ID. */
static char *
alice_shares_with_bob (Fixture *f, const HandsetRoomEncryptionSettings *settings)
{
  g_autoptr (JsonObject) messages = NULL;
  g_autofree char *s1 = NULL;
  g_autofree char *s2 = NULL;

  learn_devices (f, f->a1, bob_and_alice);
  g_assert_cmpuint (claim_keys (f, f->a1, bob_and_alice, FALSE), ==, 2);
  messages = share (f->a1, bob_and_alice, settings);
  g_assert_nonnull (messages);
  s1 = receive_room_key (f->b1, f->a1, messages);
  s2 = receive_room_key (f->b2, f->a1, messages);
  g_assert_cmpstr (s1, ==, s2);

  return g_steal_pointer (&s1);
}

static void
assert_room_error (Device *d, const char *room_id, JsonObject *event, GQuark domain, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetDecryptionInfo) info = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_room_event (d->machine, room_id, event, &info, &error);

  g_assert_null (clear);
  g_assert_null (info);
  g_assert_error (error, domain, code);
}

static void
assert_room_ok (Device *d, JsonObject *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_room_event (d->machine, ROOM, event, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (clear);
}

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

/* ------------------------------------------------------------ Olm and Megolm */

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

/* ------------------------------------------------------------ checks */

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

/* ------------------------------------------------------------ hostile events */

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

static JsonObject *
b1_part (Fixture *f, JsonObject *content)
{
  return object_member (object_member (content, "ciphertext"),
                        handset_crypto_machine_get_curve25519 (f->b1->machine));
}

static void
assert_to_device_error (Device *d, JsonObject *event, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_to_device (d->machine, event, &error);

  g_assert_null (clear);
  g_assert_error (error, HANDSET_CRYPTO_ERROR, code);
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

/* ------------------------------------------------------------ keys that come late, restarts */

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

/* ------------------------------------------------------------ /sync order */

static HandsetSyncBatch *
sync_batch (const char *next_batch, JsonObject *to_device, JsonObject *timeline_event)
{
  g_autoptr (JsonObject) root = json_object_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  HandsetSyncBatch *batch;

  json_object_set_string_member (root, "next_batch", next_batch);
  if (to_device != NULL)
    {
      JsonObject *section = json_object_new ();
      JsonArray *events = json_array_new ();

      json_array_add_object_element (events, json_object_ref (to_device));
      json_object_set_array_member (section, "events", events);
      json_object_set_object_member (root, "to_device", section);
    }
  if (timeline_event != NULL)
    {
      g_autofree char *rooms_text = NULL;
      g_autofree char *event_text = object_to_string (timeline_event);

      rooms_text = g_strdup_printf ("{\"join\": {\"%s\": {\"timeline\": {\"events\": [%s]}}}}",
                                    ROOM, event_text);
      json_object_set_object_member (root, "rooms", parse_object (rooms_text));
    }
  json_object_set_object_member (root, "device_one_time_keys_count",
                                 parse_object ("{\"signed_curve25519\": 50}"));
  json_object_set_array_member (root, "device_unused_fallback_key_types", json_array_new ());
  json_array_add_string_element (
      json_object_get_array_member (root, "device_unused_fallback_key_types"), "signed_curve25519");
  text = object_to_string (root);
  bytes = g_bytes_new (text, strlen (text));
  batch = handset_sync_batch_new_from_bytes (bytes, "s0", g_get_monotonic_time (), &error);
  g_assert_no_error (error);
  g_assert_nonnull (batch);

  return batch;
}

typedef struct
{
  char *room_id;
  JsonObject *event;
  gint64 received_us;
} Waiting;

static void
waiting_free (Waiting *w)
{
  g_free (w->room_id);
  json_object_unref (w->event);
  g_free (w);
}

static HandsetEventEncryption
encryption_of (HandsetDecryptionInfo *info)
{
  HandsetEventEncryption encryption = { 0 };

  encryption.encrypted = TRUE;
  encryption.sender_device = info->sender_device;
  encryption.device_known = info->device_known;

  return encryption;
}

/* What HandsetEncryption does with the to-device part of a batch: the
 * key counts and device lists, then the to-device events; returns the
 * number of room keys. */
static guint
read_to_device (Device *d, HandsetSyncBatch *batch)
{
  GPtrArray *to_device = handset_sync_batch_get_to_device (batch);
  JsonObject *counts;
  JsonArray *fallback, *changed, *left;
  guint n = 0;

  handset_sync_batch_get_key_counts (batch, &counts, &fallback);
  handset_crypto_machine_receive_key_counts (d->machine, counts, fallback);
  handset_sync_batch_get_device_lists (batch, &changed, &left);
  handset_crypto_machine_receive_device_list_changes (d->machine, changed, left);
  for (guint i = 0; i < to_device->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) clear = handset_crypto_machine_decrypt_to_device (
          d->machine, g_ptr_array_index (to_device, i), &error);

      g_assert_no_error (error);
      if (g_strcmp0 (string_member (clear, "type"), "m.room_key") == 0)
        n++;
    }

  return n;
}

/* And with the rooms: each m.room.encrypted event replaced by its clear
 * form; those whose key has not come wait in @waiting. */
static void
read_rooms (Device *d, HandsetSyncBatch *batch, GPtrArray *waiting)
{
  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      for (guint j = 0; j < room->timeline->len; j++)
        {
          JsonObject *event = g_ptr_array_index (room->timeline, j);
          g_autoptr (GError) error = NULL;
          g_autoptr (HandsetDecryptionInfo) info = NULL;
          g_autoptr (JsonObject) clear = NULL;
          HandsetEventEncryption encryption;

          if (g_strcmp0 (string_member (event, "type"), "m.room.encrypted") != 0)
            continue;
          clear = handset_crypto_machine_decrypt_room_event (d->machine, room->room_id, event,
                                                             &info, &error);
          if (clear == NULL)
            {
              Waiting *w = g_new0 (Waiting, 1);

              g_assert_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY);
              w->room_id = g_strdup (room->room_id);
              w->event = json_object_ref (event);
              w->received_us = handset_sync_batch_get_received_time (batch);
              g_ptr_array_add (waiting, w);
              continue;
            }
          encryption = encryption_of (info);
          handset_sync_batch_replace_event (batch, room->timeline, j, clear, &encryption);
        }
    }
}

/* The waiting events whose key came, as a late batch. */
static HandsetSyncBatch *
retry_waiting (Device *d, GPtrArray *waiting)
{
  HandsetSyncBatch *late = NULL;

  for (guint i = 0; i < waiting->len;)
    {
      Waiting *w = g_ptr_array_index (waiting, i);
      const char *session_id = string_member (object_member (w->event, "content"), "session_id");
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetDecryptionInfo) info = NULL;
      g_autoptr (JsonObject) clear = NULL;
      HandsetEventEncryption encryption;

      if (!handset_crypto_machine_has_room_key (d->machine, w->room_id, session_id))
        {
          i++;
          continue;
        }
      clear = handset_crypto_machine_decrypt_room_event (d->machine, w->room_id, w->event, &info,
                                                         &error);
      g_assert_no_error (error);
      if (late == NULL)
        late = handset_sync_batch_new_late (w->received_us);
      encryption = encryption_of (info);
      handset_sync_batch_add_late_event (late, w->room_id, clear, &encryption);
      g_ptr_array_remove_index (waiting, i);
    }

  return late;
}

static JsonObject *
only_timeline_event (HandsetSyncBatch *batch)
{
  const HandsetSyncRoom *room;

  g_assert_cmpuint (handset_sync_batch_get_n_rooms (batch), ==, 1);
  room = handset_sync_batch_get_room (batch, 0);
  g_assert_cmpstr (room->room_id, ==, ROOM);
  g_assert_cmpuint (room->timeline->len, ==, 1);

  return g_ptr_array_index (room->timeline, 0);
}

/* The room key and the invite it encrypts in one /sync response. */
static void
test_sync_same_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (JsonObject) invite = NULL;
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) waiting_free);

  learn_devices (f, f->a1, only_bob);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);
  messages = share (f->a1, only_bob, NULL);
  encrypted = encrypt_event (f->a1, "m.call.invite", content);
  invite = room_event (ALICE, encrypted, "$invite", 1000);

  /* To-device first, then the rooms: the invite reads at once. */
  {
    g_autoptr (JsonObject) key_event = to_device_event (ALICE, message_for (messages, f->b1));
    g_autoptr (HandsetSyncBatch) batch = sync_batch ("s1", key_event, invite);
    const HandsetEventEncryption *encryption;
    JsonObject *event;

    g_assert_cmpuint (read_to_device (f->b1, batch), ==, 1);
    read_rooms (f->b1, batch, waiting);
    g_assert_cmpuint (waiting->len, ==, 0);
    event = only_timeline_event (batch);
    g_assert_cmpstr (string_member (event, "type"), ==, "m.call.invite");
    g_assert_cmpstr (string_member (event, "event_id"), ==, "$invite");
    g_assert_true (json_object_equal (object_member (event, "content"), content));
    encryption = handset_sync_batch_get_encryption (batch, event);
    g_assert_nonnull (encryption);
    g_assert_true (encryption->encrypted);
    g_assert_cmpstr (encryption->sender_device, ==, "A1");
  }

  /* The other order: the invite would wait for a key that was there. */
  {
    g_autoptr (JsonObject) key_event = to_device_event (ALICE, message_for (messages, f->b2));
    g_autoptr (HandsetSyncBatch) batch = sync_batch ("s1", key_event, invite);
    g_autoptr (HandsetSyncBatch) late = NULL;

    read_rooms (f->b2, batch, waiting);
    g_assert_cmpuint (waiting->len, ==, 1);
    g_assert_cmpstr (string_member (only_timeline_event (batch), "type"), ==, "m.room.encrypted");
    g_assert_null (handset_sync_batch_get_encryption (batch, only_timeline_event (batch)));
    g_assert_cmpuint (read_to_device (f->b2, batch), ==, 1);
    late = retry_waiting (f->b2, waiting);
    g_assert_nonnull (late);
    g_assert_cmpuint (waiting->len, ==, 0);
  }
}

/* The invite in one response, its key in the next. */
static void
test_sync_key_later (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) content = invite_content ("c");
  g_autoptr (JsonObject) messages = NULL;
  g_autoptr (JsonObject) encrypted = NULL;
  g_autoptr (JsonObject) invite = NULL;
  g_autoptr (JsonObject) key_event = NULL;
  g_autoptr (HandsetSyncBatch) first = NULL;
  g_autoptr (HandsetSyncBatch) second = NULL;
  g_autoptr (HandsetSyncBatch) late = NULL;
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) waiting_free);
  const HandsetEventEncryption *encryption;
  JsonObject *event;

  learn_devices (f, f->a1, only_bob);
  g_assert_cmpuint (claim_keys (f, f->a1, only_bob, FALSE), ==, 2);
  messages = share (f->a1, only_bob, NULL);
  encrypted = encrypt_event (f->a1, "m.call.invite", content);
  invite = room_event (ALICE, encrypted, "$invite", 1000);
  key_event = to_device_event (ALICE, message_for (messages, f->b1));

  first = sync_batch ("s1", NULL, invite);
  g_assert_cmpuint (read_to_device (f->b1, first), ==, 0);
  read_rooms (f->b1, first, waiting);
  g_assert_cmpuint (waiting->len, ==, 1);
  g_assert_null (retry_waiting (f->b1, waiting));
  g_assert_cmpstr (string_member (only_timeline_event (first), "type"), ==, "m.room.encrypted");

  second = sync_batch ("s2", key_event, NULL);
  g_assert_cmpuint (read_to_device (f->b1, second), ==, 1);
  late = retry_waiting (f->b1, waiting);
  g_assert_nonnull (late);
  g_assert_cmpuint (waiting->len, ==, 0);
  g_assert_cmpuint (handset_sync_batch_get_n_events (late), ==, 1);
  g_assert_cmpint (handset_sync_batch_get_received_time (late), ==,
                   handset_sync_batch_get_received_time (first));
  event = only_timeline_event (late);
  g_assert_cmpstr (string_member (event, "type"), ==, "m.call.invite");
  g_assert_true (json_object_equal (object_member (event, "content"), content));
  encryption = handset_sync_batch_get_encryption (late, event);
  g_assert_nonnull (encryption);
  g_assert_true (encryption->encrypted);
  g_assert_cmpstr (encryption->sender_device, ==, "A1");
}

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

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_CAROL(path, func) \
  g_test_add (path, Fixture, "carol", fixture_set_up, func, fixture_tear_down)
  ADD ("/crypto-machine/keys-upload", test_keys_upload);
  ADD ("/crypto-machine/one-time-key-top-up", test_one_time_key_top_up);
  ADD ("/crypto-machine/absurd-key-counts", test_absurd_key_counts);
  ADD_CAROL ("/crypto-machine/round-trip", test_round_trip);
  ADD ("/crypto-machine/rotation/messages", test_rotation_messages);
  ADD ("/crypto-machine/rotation/time", test_rotation_time);
  ADD ("/crypto-machine/rotation/device-gone", test_rotation_device_gone);
  ADD_CAROL ("/crypto-machine/rotation/user-gone", test_rotation_user_gone);
  ADD ("/crypto-machine/rotation/new-device", test_new_device_same_session);
  ADD ("/crypto-machine/replay", test_replay);
  ADD_CAROL ("/crypto-machine/sender/room", test_room_sender_checks);
  ADD_CAROL ("/crypto-machine/sender/to-device", test_to_device_sender_checks);
  ADD ("/crypto-machine/sender/forged-device", test_forged_device);
  ADD ("/crypto-machine/malformed/room", test_malformed_room_event);
  ADD_CAROL ("/crypto-machine/malformed/to-device", test_malformed_to_device);
  ADD ("/crypto-machine/missing-key", test_missing_key);
  ADD ("/crypto-machine/restart", test_restart);
  ADD ("/crypto-machine/wrong-pickle-key", test_wrong_pickle_key);
  ADD ("/crypto-machine/unwedge", test_unwedge);
  ADD_CAROL ("/crypto-machine/forwarded-room-key", test_forwarded_room_key);
  ADD_CAROL ("/crypto-machine/pre-key-replay", test_pre_key_replay);
  ADD ("/crypto-machine/sync/same-batch", test_sync_same_batch);
  ADD ("/crypto-machine/hostile/deep-plaintext", test_deep_plaintext);
  ADD ("/crypto-machine/devices/tombstone", test_device_tombstone);
  ADD ("/crypto-machine/devices/key-of-another-user", test_key_of_another_user);
  ADD ("/crypto-machine/sender/encrypted-state-event", test_encrypted_state_event);
  ADD ("/crypto-machine/devices/query-race", test_query_race);
  ADD ("/crypto-machine/devices/cross-signing", test_cross_signing);
  ADD ("/crypto-machine/devices/user-signing", test_user_signing);
  ADD ("/crypto-machine/devices/own-device-cross-signed", test_own_device_cross_signed);
  ADD ("/crypto-machine/devices/only-cross-signed", test_only_cross_signed);
  ADD ("/crypto-machine/withheld", test_withheld);
  ADD ("/crypto-machine/sync/key-later", test_sync_key_later);
  /* Last: it may crash a subprocess and end the run. */
  ADD ("/crypto-machine/hostile/pre-key-without-identity-key", test_pre_key_without_identity_key);
#undef ADD
#undef ADD_CAROL

  return g_test_run ();
}
