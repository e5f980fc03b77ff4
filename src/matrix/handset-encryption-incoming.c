/* handset-encryption-incoming.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decrypting what sync brings: to-device events first (they carry the room
 * keys), then the rooms' timelines. Events whose key has not come yet wait,
 * and go up as a late batch when it comes.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-encryption-private.h"

static void
deliver_late (HandsetEncryption *self, GPtrArray *decrypted)
{
  /* One late batch per time of arrival, oldest first. */
  while (decrypted->len > 0)
    {
      Pending *first = g_ptr_array_index (decrypted, 0);
      gint64 received = first->received_us;
      g_autoptr (HandsetSyncBatch) batch = handset_sync_batch_new_late (received);

      for (guint i = 0; i < decrypted->len;)
        {
          Pending *p = g_ptr_array_index (decrypted, i);
          if (p->received_us != received)
            {
              i++;
              continue;
            }
          handset_sync_batch_add_late_event (batch, p->room_id, p->event, &p->encryption);
          g_ptr_array_remove_index (decrypted, i);
        }
      g_debug ("%u room events decrypted late", handset_sync_batch_get_n_events (batch));
      g_signal_emit (self, handset_encryption_signals[SIGNAL_LATE_BATCH], 0, batch);
    }
}

/* An event dropped because its sender's device withheld the key: said,
 * with the code the notice gave. */
static void
dropped (HandsetEncryption *self, const char *room_id, JsonObject *event, GError *error)
{
  const char *sender = handset_event_get_string (event, "sender");
  const char *code;

  g_message ("An encrypted event %s in %s was dropped: %s",
             handset_event_get_string (event, "event_id"), room_id, error->message);
  if (!g_error_matches (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_WITHHELD) ||
      sender == NULL)
    return;
  code = handset_crypto_machine_get_withheld_code (
      self->machine, room_id,
      handset_event_get_string (handset_event_get_object (event, "content"), "session_id"));
  g_signal_emit (self, handset_encryption_signals[SIGNAL_KEYS_WITHHELD], 0, room_id, sender,
                 code ? code : "");
}

typedef enum
{
  DECRYPT_OK,   /* *clear is the event */
  DECRYPT_WAIT, /* its key, or its sender's device keys, have not come yet */
  DECRYPT_DROP, /* it fails a check: never */
} DecryptResult;

/* An event that decrypts counts only once the device that sent it is one
 * its user's homeserver lists: else a server could forge a sender, a room
 * key and a call. The sender's devices are fetched again once before the
 * event is given up. */
static DecryptResult
decrypt_one (HandsetEncryption *self,
             const char *room_id,
             JsonObject *event,
             HandsetEventEncryption *encryption,
             gboolean *refetched,
             JsonObject **clear,
             GError **error)
{
  g_autoptr (HandsetDecryptionInfo) info = NULL;
  g_autoptr (JsonObject) out = NULL;
  const char *sender = handset_event_get_string (event, "sender");

  out = handset_crypto_machine_decrypt_room_event (self->machine, room_id, event, &info, error);
  if (out == NULL)
    return g_error_matches (*error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY)
               ? DECRYPT_WAIT
               : DECRYPT_DROP;

  if (!info->device_known)
    {
      const char *users[] = { sender, NULL };

      handset_crypto_machine_track_users (self->machine, users);
      if (handset_crypto_machine_is_user_outdated (self->machine, sender))
        return DECRYPT_WAIT;
      if (!*refetched)
        {
          *refetched = TRUE;
          handset_crypto_machine_mark_user_outdated (self->machine, sender);
          self->need_query = TRUE;
          return DECRYPT_WAIT;
        }
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                   "it was sent from a device that %s's homeserver does not list", sender);
      return DECRYPT_DROP;
    }

  g_free (encryption->sender_device);
  encryption->encrypted = TRUE;
  encryption->sender_device = g_strdup (info->sender_device);
  encryption->device_known = info->device_known;
  encryption->cross_signed = info->cross_signed;
  encryption->user_verified = info->user_verified;
  encryption->identity_changed = info->identity_changed;
  *clear = g_steal_pointer (&out);

  return DECRYPT_OK;
}

/* Tries the waiting events again: after room keys or device keys came. */
void
handset_encryption_retry_pending (HandsetEncryption *self)
{
  g_autoptr (GPtrArray) decrypted =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_encryption_pending_free);
  gint64 now = g_get_monotonic_time ();
  GList *l = self->pending.head;

  if (self->machine == NULL)
    return;

  while (l != NULL)
    {
      GList *next = l->next;
      Pending *p = l->data;
      g_autoptr (GError) error = NULL;
      JsonObject *clear = NULL;

      if (now - p->added_us > HANDSET_ENCRYPTION_PENDING_MAX_MS * 1000)
        {
          g_debug ("An event in %s waited too long for its keys; dropped", p->room_id);
          g_queue_delete_link (&self->pending, l);
          handset_encryption_pending_free (p);
          l = next;
          continue;
        }
      switch (
          decrypt_one (self, p->room_id, p->event, &p->encryption, &p->refetched, &clear, &error))
        {
          case DECRYPT_OK:
            g_queue_delete_link (&self->pending, l);
            json_object_unref (p->event);
            p->event = clear;
            g_ptr_array_add (decrypted, p);
            break;
          case DECRYPT_DROP:
            g_queue_delete_link (&self->pending, l);
            dropped (self, p->room_id, p->event, error);
            handset_encryption_pending_free (p);
            break;
          case DECRYPT_WAIT:
          default:
            break;
        }
      l = next;
    }

  if (decrypted->len > 0)
    deliver_late (self, decrypted);
  if (self->need_query)
    handset_encryption_kick_key_work (self);
}

/**
 * handset_encryption_handle_to_device:
 *
 * The first step for each sync batch: key counts and device-list changes,
 * then the to-device events, whose room keys may unlock events that were
 * waiting (they go up at once, as a late batch).
 */
void
handset_encryption_handle_to_device (HandsetEncryption *self, HandsetSyncBatch *batch)
{
  GPtrArray *to_device = handset_sync_batch_get_to_device (batch);
  JsonObject *counts;
  JsonArray *fallback, *changed, *left;
  gboolean new_keys = FALSE;

  if (self->machine == NULL || self->stopped)
    return;

  handset_sync_batch_get_key_counts (batch, &counts, &fallback);
  handset_crypto_machine_receive_key_counts (self->machine, counts, fallback);
  handset_sync_batch_get_device_lists (batch, &changed, &left);
  handset_crypto_machine_receive_device_list_changes (self->machine, changed, left);

  for (guint i = 0; i < to_device->len; i++)
    {
      JsonObject *event = g_ptr_array_index (to_device, i);
      g_autoptr (JsonObject) clear = NULL;
      g_autoptr (GError) error = NULL;
      const char *sender = handset_event_get_string (event, "sender");

      /* Sent in clear: a device that will not give us its room key. */
      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room_key.withheld") == 0)
        {
          new_keys |= handset_crypto_machine_receive_withheld (self->machine, event);
          continue;
        }
      if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.encrypted") != 0)
        continue;
      clear = handset_crypto_machine_decrypt_to_device (self->machine, event, &error);
      if (clear == NULL)
        {
          g_message ("An encrypted message from %s was dropped: %s", sender ? sender : "(nobody)",
                     error->message);
          continue;
        }
      if (g_strcmp0 (handset_event_get_string (clear, "type"), "m.room_key") == 0)
        new_keys = TRUE;
    }

  if (new_keys && self->pending.length > 0)
    handset_encryption_retry_pending (self);
}

static void
track_members (HandsetEncryption *self, const char *room_id)
{
  HandsetRoom *room = handset_rooms_lookup (self->rooms, room_id);
  g_autoptr (GPtrArray) members = NULL;

  if (room == NULL || !handset_room_is_encrypted (room))
    return;
  members = handset_room_get_members (room);
  g_ptr_array_add (members, NULL);
  handset_crypto_machine_track_users (self->machine, (const char *const *) members->pdata);
}

/**
 * handset_encryption_decrypt_rooms:
 *
 * The second step, after the rooms took the batch's state: every
 * m.room.encrypted timeline event is replaced by what it decrypts to.
 * Those whose key has not come wait; those that fail a check are dropped
 * with a log line.
 */
void
handset_encryption_decrypt_rooms (HandsetEncryption *self, HandsetSyncBatch *batch)
{
  if (self->machine == NULL || self->stopped)
    return;

  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      if (room->membership != HANDSET_MEMBERSHIP_JOIN)
        continue;
      track_members (self, room->room_id);

      for (guint j = 0; j < room->timeline->len; j++)
        {
          JsonObject *event = g_ptr_array_index (room->timeline, j);
          HandsetEventEncryption encryption = { 0 };
          g_autoptr (JsonObject) clear = NULL;
          g_autoptr (GError) error = NULL;
          gboolean refetched = FALSE;
          DecryptResult result;

          if (g_strcmp0 (handset_event_get_string (event, "type"), "m.room.encrypted") != 0)
            continue;
          result =
              decrypt_one (self, room->room_id, event, &encryption, &refetched, &clear, &error);
          if (result == DECRYPT_OK)
            {
              handset_sync_batch_replace_event (batch, room->timeline, j, clear, &encryption);
              g_free (encryption.sender_device);
              continue;
            }
          if (result == DECRYPT_WAIT)
            {
              Pending *p = g_new0 (Pending, 1);
              const char *sender = handset_event_get_string (event, "sender");

              p->refetched = refetched;
              p->room_id = g_strdup (room->room_id);
              p->event = json_object_ref (event);
              p->received_us = handset_sync_batch_get_received_time (batch);
              p->added_us = g_get_monotonic_time ();
              g_queue_push_tail (&self->pending, p);
              while (self->pending.length > HANDSET_ENCRYPTION_PENDING_MAX)
                handset_encryption_pending_free (g_queue_pop_head (&self->pending));
              g_debug ("An event in %s waits for keys: %s", room->room_id,
                       error ? error->message : "its sender's devices are being fetched");
              if (sender != NULL)
                g_signal_emit (self, handset_encryption_signals[SIGNAL_WAITING_FOR_KEYS], 0,
                               room->room_id, sender);
            }
          else
            {
              dropped (self, room->room_id, event, error);
            }
        }
    }

  handset_encryption_kick_key_work (self);
}

guint
handset_encryption_get_n_pending (HandsetEncryption *self)
{
  return self->pending.length;
}
