/* crypto-machine-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the crypto machine tests (test-crypto-machine-*.c) share: the
 * homeserver played by the test. Key upload checked as a server would,
 * /keys/query answers made of what was uploaded, /keys/claim answers that
 * hand out the uploaded one-time keys, to-device messages carried by hand;
 * alice's, bob's two and (where asked) carol's devices. No network.
 */

#include "config.h"

#include <string.h>

#include "crypto-machine-fixture.h"

const guint8 pickle_key[HANDSET_OLM_PICKLE_KEY_SIZE] = {
  0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};

/* The clock of machines that the test moves by hand. */
gint64 fake_now_us;

gint64
fake_clock (void)
{
  return fake_now_us;
}

/* ------------------------------------------------------------ JSON */

JsonObject *
parse_object (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

char *
object_to_string (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);

  return json_to_string (node, FALSE);
}

/* A deep copy, to tamper with. */
JsonObject *
copy_object (JsonObject *object)
{
  g_autofree char *text = object_to_string (object);

  return parse_object (text);
}

JsonObject *
object_member (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

const char *
string_member (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

guint
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
Upload
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

HandsetCryptoMachine *
open_machine (Device *d, const guint8 *key, GError **error)
{
  return handset_crypto_machine_new (d->user_id, d->device_id, d->store, key, error);
}

Device *
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
JsonObject *
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
void
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
guint
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
JsonObject *
message_for (JsonObject *messages, Device *d)
{
  return object_member (object_member (messages, d->user_id), d->device_id);
}

JsonObject *
to_device_event (const char *sender, JsonObject *content)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", "m.room.encrypted");
  json_object_set_string_member (event, "sender", sender);
  json_object_set_object_member (event, "content", json_object_ref (content));

  return event;
}

/* @to decrypts what @from sent it, out of @messages. */
JsonObject *
deliver (Device *to, Device *from, JsonObject *messages, GError **error)
{
  JsonObject *content = message_for (messages, to);
  g_autoptr (JsonObject) event = NULL;

  g_assert_nonnull (content);
  event = to_device_event (from->user_id, content);

  return handset_crypto_machine_decrypt_to_device (to->machine, event, error);
}

/* @to receives its m.room_key out of @messages; returns the session ID. */
char *
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

JsonObject *
invite_content (const char *call_id)
{
  g_autofree char *text = g_strdup_printf (
      "{\"call_id\": \"%s\", \"version\": \"1\", \"party_id\": \"p\", \"lifetime\": 60000,"
      " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}}",
      call_id);

  return parse_object (text);
}

JsonObject *
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

JsonObject *
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

JsonObject *
share (Device *from, const char *const *users, const HandsetRoomEncryptionSettings *settings)
{
  return handset_crypto_machine_share_room_key (from->machine, ROOM, users, settings);
}

const char *const bob_and_alice[] = { BOB, ALICE, NULL };
const char *const only_alice[] = { ALICE, NULL };
const char *const only_bob[] = { BOB, NULL };

void
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

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->devices);
}

/* A1 knows bob's devices, has Olm sessions with them, and shared the
 * room key; B1 and B2 received it. Returns the session ID. */
char *
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

void
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

void
assert_room_ok (Device *d, JsonObject *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_room_event (d->machine, ROOM, event, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (clear);
}

/* B1's part of an Olm content's ciphertext. */
JsonObject *
b1_part (Fixture *f, JsonObject *content)
{
  return object_member (object_member (content, "ciphertext"),
                        handset_crypto_machine_get_curve25519 (f->b1->machine));
}

void
assert_to_device_error (Device *d, JsonObject *event, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) clear =
      handset_crypto_machine_decrypt_to_device (d->machine, event, &error);

  g_assert_null (clear);
  g_assert_error (error, HANDSET_CRYPTO_ERROR, code);
}
