/* test-crypto-machine-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The order in which a /sync response is read (crypto-machine-fixture.c):
 * the to-device events first, then the rooms, so that a room key and the
 * event it encrypts in one response read at once; an event whose key
 * comes in a later response is handed on late.
 */

#include "config.h"

#include "crypto-machine-fixture.h"
#include "handset-sync-batch.h"

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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/crypto-machine/sync/same-batch", test_sync_same_batch);
  ADD ("/crypto-machine/sync/key-later", test_sync_key_later);

  return g_test_run ();
}
