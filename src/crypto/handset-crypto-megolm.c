/* handset-crypto-megolm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crypto machine's room keys (Megolm): the room's outgoing session,
 * shared over Olm and rotated by the room's rules; incoming sessions from
 * m.room_key; room events encrypted and decrypted, with replay
 * protection and the sender checks.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <string.h>

#include "handset-crypto-machine-private.h"
#include "handset-json.h"

void
handset_crypto_machine_receive_room_key (HandsetCryptoMachine *self,
                                         const char *sender,
                                         const char *sender_key,
                                         const char *ed25519,
                                         JsonObject *content)
{
  const char *room_id = handset_json_get_string (content, "room_id");
  const char *session_id = handset_json_get_string (content, "session_id");
  const char *session_key = handset_json_get_string (content, "session_key");
  g_autoptr (GError) error = NULL;
  g_autofree char *slot = NULL;
  HandsetMegolmInbound *session;
  InboundEntry *old, *entry;

  if (g_strcmp0 (handset_json_get_string (content, "algorithm"), HANDSET_MEGOLM_ALGORITHM) != 0 ||
      room_id == NULL || session_id == NULL || session_key == NULL)
    {
      g_message ("A room key from %s was malformed; dropped", sender);
      return;
    }
  session = handset_megolm_inbound_new (session_key, &error);
  if (session == NULL || g_strcmp0 (handset_megolm_inbound_get_id (session), session_id) != 0)
    {
      g_message ("A room key from %s for %s was not usable: %s", sender, room_id,
                 error ? error->message : "its session ID does not match");
      handset_megolm_inbound_free (session);
      return;
    }

  slot = g_strconcat (room_id, " ", session_id, NULL);
  old = g_hash_table_lookup (self->inbound, slot);
  if (old != NULL)
    {
      /* The same key again: keep whichever reaches further back, and never
       * let another sender take it over. */
      if (g_strcmp0 (old->sender_key, sender_key) != 0 ||
          handset_megolm_inbound_get_first_known_index (old->session) <=
              handset_megolm_inbound_get_first_known_index (session))
        {
          handset_megolm_inbound_free (session);
          return;
        }
    }

  entry = g_new0 (InboundEntry, 1);
  entry->session = session;
  entry->room_id = g_strdup (room_id);
  entry->sender_key = g_strdup (sender_key);
  entry->sender_user = g_strdup (sender);
  entry->signing_key = g_strdup (ed25519);
  g_hash_table_insert (self->inbound, g_steal_pointer (&slot), entry);
  handset_crypto_machine_save_inbound (self, entry);
  g_debug ("Room key %s for %s from %s", session_id, room_id, sender);
}

/* ------------------------------------------------------------ Megolm */

static OutboundEntry *
new_outbound (HandsetCryptoMachine *self, const char *room_id)
{
  OutboundEntry *entry = g_new0 (OutboundEntry, 1);
  g_autofree char *key = NULL;
  g_autoptr (GError) error = NULL;
  InboundEntry *own;

  entry->session = handset_megolm_outbound_new ();
  entry->created = self->now_us ();
  entry->shared_with = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->outbound, g_strdup (room_id), entry);

  /* Our own events, as they come back, decrypt with its inbound twin. */
  key = handset_megolm_outbound_get_session_key (entry->session);
  own = g_new0 (InboundEntry, 1);
  own->session = handset_megolm_inbound_new (key, &error);
  handset_wipe_string (g_steal_pointer (&key));
  if (own->session == NULL)
    {
      g_warning ("Our own room key cannot be read back: %s", error->message);
      g_free (own);
    }
  else
    {
      own->room_id = g_strdup (room_id);
      own->sender_key = g_strdup (handset_olm_account_get_curve25519 (self->account));
      own->sender_user = g_strdup (self->user_id);
      own->signing_key = g_strdup (handset_olm_account_get_ed25519 (self->account));
      g_hash_table_insert (
          self->inbound,
          g_strconcat (room_id, " ", handset_megolm_inbound_get_id (own->session), NULL), own);
      handset_crypto_machine_save_inbound (self, own);
    }
  handset_crypto_machine_save_outbound (self, room_id, entry);
  g_debug ("New room key %s for %s", handset_megolm_outbound_get_id (entry->session), room_id);

  return entry;
}

/**
 * handset_crypto_machine_share_room_key:
 * @user_ids: the room's members who may read what we send (joined, and
 *   invited where history visibility lets them)
 * @settings: (nullable): the room's rotation settings
 *
 * Makes sure the room's outgoing Megolm session may be used: a new one
 * when the old one is too old, too used, or was shared with a device that
 * is no longer among the recipients; then its key goes, through Olm, to
 * every device of @user_ids that does not have it yet. Devices without an
 * Olm session are skipped (claim one first).
 *
 * Returns: (transfer full) (nullable): the to-device messages (user →
 *   device → m.room.encrypted content), or %NULL when all have the key
 */
JsonObject *
handset_crypto_machine_share_room_key (HandsetCryptoMachine *self,
                                       const char *room_id,
                                       const char *const *user_ids,
                                       const HandsetRoomEncryptionSettings *settings)
{
  OutboundEntry *entry = g_hash_table_lookup (self->outbound, room_id);
  gint64 period_ms = settings && settings->rotation_period_ms > 0
                         ? settings->rotation_period_ms
                         : HANDSET_MEGOLM_ROTATION_PERIOD_MS;
  guint period_msgs = settings && settings->rotation_period_msgs > 0
                          ? settings->rotation_period_msgs
                          : HANDSET_MEGOLM_ROTATION_PERIOD_MSGS;
  g_autoptr (GHashTable) recipients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonObject) messages = json_object_new ();
  g_autoptr (JsonObject) room_key = NULL;
  g_autofree char *session_key = NULL;
  gboolean changed = FALSE;

  for (guint i = 0; user_ids != NULL && user_ids[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) devices = handset_crypto_machine_get_devices (self, user_ids[i]);

      for (guint j = 0; j < devices->len; j++)
        {
          HandsetDeviceKeys *device = g_ptr_array_index (devices, j);

          if (!handset_crypto_machine_device_is_trusted (self, device))
            continue;
          g_hash_table_insert (
              recipients, handset_crypto_device_slot (device->user_id, device->device_id), device);
        }
    }

  if (entry != NULL)
    {
      const char *why = NULL;
      GHashTableIter iter;
      gpointer slot, curve;

      if ((self->now_us () - entry->created) / 1000 >= period_ms)
        why = "it is older than the room's rotation period";
      else if (entry->messages >= period_msgs)
        why = "it encrypted as many messages as the room allows";
      g_hash_table_iter_init (&iter, entry->shared_with);
      while (why == NULL && g_hash_table_iter_next (&iter, &slot, &curve))
        {
          HandsetDeviceKeys *device = g_hash_table_lookup (recipients, slot);

          if (device == NULL || g_strcmp0 (device->curve25519, curve) != 0)
            why = "a device that had it left the room or is gone";
        }
      if (why != NULL)
        {
          g_debug ("New room key for %s: %s", room_id, why);
          handset_crypto_machine_discard_room_key (self, room_id);
          entry = NULL;
        }
    }
  if (entry == NULL)
    entry = new_outbound (self, room_id);

  session_key = handset_megolm_outbound_get_session_key (entry->session);
  room_key = json_object_new ();
  json_object_set_string_member (room_key, "algorithm", HANDSET_MEGOLM_ALGORITHM);
  json_object_set_string_member (room_key, "room_id", room_id);
  json_object_set_string_member (room_key, "session_id",
                                 handset_megolm_outbound_get_id (entry->session));
  json_object_set_string_member (room_key, "session_key", session_key);

  {
    GHashTableIter iter;
    gpointer slot, value;

    g_hash_table_iter_init (&iter, recipients);
    while (g_hash_table_iter_next (&iter, &slot, &value))
      {
        HandsetDeviceKeys *device = value;
        g_autoptr (GError) error = NULL;
        JsonObject *encrypted;

        if (g_hash_table_contains (entry->shared_with, slot))
          continue;
        encrypted =
            handset_crypto_machine_encrypt_to_device (self, device, "m.room_key", room_key, &error);
        if (encrypted == NULL)
          {
            g_message ("Device %s of %s cannot read %s: %s", device->device_id, device->user_id,
                       room_id, error->message);
            continue;
          }
        json_object_set_object_member (handset_crypto_ensure_object (messages, device->user_id),
                                       device->device_id, encrypted);
        g_hash_table_insert (entry->shared_with, g_strdup (slot), g_strdup (device->curve25519));
        changed = TRUE;
      }
  }
  /* The session key must not linger in memory longer than needed. */
  json_object_remove_member (room_key, "session_key");
  {
    char *wiped = g_steal_pointer (&session_key);

    handset_wipe_string (wiped);
  }

  if (changed)
    handset_crypto_machine_save_outbound (self, room_id, entry);
  if (json_object_get_size (messages) == 0)
    return NULL;

  return g_steal_pointer (&messages);
}

/**
 * handset_crypto_machine_discard_room_key:
 *
 * Forgets the room's outgoing session: the next event starts a new one.
 * Used when its key could not be sent to everyone.
 */
void
handset_crypto_machine_discard_room_key (HandsetCryptoMachine *self, const char *room_id)
{
  g_hash_table_remove (self->outbound, room_id);
  handset_crypto_store_delete (self->store, HANDSET_CRYPTO_TABLE_OUTBOUND_GROUP_SESSIONS, room_id,
                               NULL, NULL);
}

/**
 * handset_crypto_machine_encrypt_room_event:
 *
 * Encrypts one room event with the room's Megolm session; share the key
 * with handset_crypto_machine_share_room_key() first.
 *
 * Returns: (transfer full) (nullable): the m.room.encrypted content
 */
JsonObject *
handset_crypto_machine_encrypt_room_event (HandsetCryptoMachine *self,
                                           const char *room_id,
                                           const char *type,
                                           JsonObject *content,
                                           GError **error)
{
  OutboundEntry *entry = g_hash_table_lookup (self->outbound, room_id);
  g_autoptr (JsonObject) payload = NULL;
  char *plaintext;
  char *ciphertext;
  JsonObject *out;

  if (entry == NULL)
    {
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY,
                   "no room key was shared in %s", room_id);
      return NULL;
    }

  payload = json_object_new ();
  json_object_set_string_member (payload, "type", type);
  json_object_set_object_member (payload, "content", json_object_ref (content));
  json_object_set_string_member (payload, "room_id", room_id);
  plaintext = handset_crypto_object_to_string (payload);
  ciphertext = handset_megolm_outbound_encrypt (entry->session, plaintext);
  handset_wipe_string (plaintext);
  entry->messages++;
  handset_crypto_machine_save_outbound (self, room_id, entry);

  out = json_object_new ();
  json_object_set_string_member (out, "algorithm", HANDSET_MEGOLM_ALGORITHM);
  json_object_set_string_member (out, "sender_key",
                                 handset_olm_account_get_curve25519 (self->account));
  json_object_set_string_member (out, "ciphertext", ciphertext);
  json_object_set_string_member (out, "session_id",
                                 handset_megolm_outbound_get_id (entry->session));
  json_object_set_string_member (out, "device_id", self->device_id);
  g_free (ciphertext);

  return out;
}

/**
 * handset_crypto_machine_get_room_key_id:
 *
 * Returns: (nullable): the ID of the room's outgoing Megolm session, when
 *   there is one
 */
const char *
handset_crypto_machine_get_room_key_id (HandsetCryptoMachine *self, const char *room_id)
{
  OutboundEntry *entry = g_hash_table_lookup (self->outbound, room_id);

  return entry ? handset_megolm_outbound_get_id (entry->session) : NULL;
}

gboolean
handset_crypto_machine_has_room_key (HandsetCryptoMachine *self,
                                     const char *room_id,
                                     const char *session_id)
{
  g_autofree char *slot = g_strconcat (room_id, " ", session_id, NULL);

  return g_hash_table_contains (self->inbound, slot);
}

void
handset_decryption_info_free (HandsetDecryptionInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->sender_curve25519);
  g_free (info->sender_ed25519);
  g_free (info->sender_device);
  g_free (info->session_id);
  g_free (info);
}

/* Replay protection: one message index of a session is one event. */
static gboolean
check_replay (HandsetCryptoMachine *self,
              const char *session_id,
              guint32 index,
              JsonObject *event,
              GError **error)
{
  g_autofree char *slot = g_strdup_printf ("%s %u", session_id, index);
  g_autofree char *index_text = g_strdup_printf ("%u", index);
  const char *event_id = handset_json_get_string (event, "event_id");
  gint64 ts = 0;
  g_autofree char *seen = NULL;
  const char *known;

  handset_json_get_int (event, "origin_server_ts", &ts);
  seen = g_strdup_printf ("%s %" G_GINT64_FORMAT, event_id ? event_id : "", ts);
  known = g_hash_table_lookup (self->indices, slot);
  if (known != NULL)
    {
      if (g_str_equal (known, seen))
        return TRUE;
      g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_REPLAY,
                   "message %u of session %s came before with another event", index, session_id);
      return FALSE;
    }
  {
    HandsetCryptoRow row = { 0 };

    row.key1 = (char *) session_id;
    row.key2 = index_text;
    row.extra = seen;
    handset_crypto_store_put (self->store, HANDSET_CRYPTO_TABLE_MESSAGE_INDICES, &row, NULL);
  }
  g_hash_table_insert (self->indices, g_steal_pointer (&slot), g_steal_pointer (&seen));

  return TRUE;
}

/**
 * handset_crypto_machine_decrypt_room_event:
 * @event: an m.room.encrypted room event
 * @info: (out) (optional): who sent it with which keys
 *
 * Returns: (transfer full) (nullable): the event as it was before it was
 *   encrypted (`type` and `content` from inside, the rest from outside),
 *   or %NULL with %HANDSET_CRYPTO_ERROR_MISSING_KEY when its room key has
 *   not come yet, or another error when it must be dropped
 */
JsonObject *
handset_crypto_machine_decrypt_room_event (HandsetCryptoMachine *self,
                                           const char *room_id,
                                           JsonObject *event,
                                           HandsetDecryptionInfo **info,
                                           GError **error)
{
  JsonObject *content = handset_json_get_object (event, "content");
  const char *session_id = handset_json_get_string (content, "session_id");
  const char *ciphertext = handset_json_get_string (content, "ciphertext");
  g_autofree char *slot = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonObject) payload = NULL;
  InboundEntry *entry;
  HandsetDeviceKeys *device;
  guint32 index = 0;
  char *plaintext;
  JsonObject *out;
  g_autoptr (GList) members = NULL;

  if (g_strcmp0 (handset_json_get_string (content, "algorithm"), HANDSET_MEGOLM_ALGORITHM) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_UNKNOWN_ALGORITHM,
                           "not encrypted with Megolm v1");
      return NULL;
    }
  /* State is never encrypted: such an event would pass for a membership
   * change that the room's state never saw. */
  if (json_object_has_member (event, "state_key"))
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "an encrypted state event");
      return NULL;
    }
  if (session_id == NULL || ciphertext == NULL || handset_json_get_string (event, "sender") == NULL)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "a Megolm event without session, ciphertext or sender");
      return NULL;
    }

  slot = g_strconcat (room_id, " ", session_id, NULL);
  entry = g_hash_table_lookup (self->inbound, slot);
  if (entry == NULL)
    {
      const char *code = g_hash_table_lookup (self->withheld, slot);

      if (code != NULL)
        g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_WITHHELD,
                     "the sender's device withheld the room key %s (%s)", session_id, code);
      else
        g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY,
                     "the room key %s has not come", session_id);
      return NULL;
    }
  plaintext = handset_megolm_inbound_decrypt (entry->session, ciphertext, &index, &local_error);
  if (plaintext == NULL)
    {
      if (g_error_matches (local_error, HANDSET_OLM_ERROR, HANDSET_OLM_ERROR_UNKNOWN_INDEX))
        g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_MISSING_KEY,
                     "the room key %s we have starts later", session_id);
      else
        g_set_error (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                     "it does not decrypt: %s", local_error->message);
      return NULL;
    }
  payload = handset_crypto_object_from_string (plaintext);
  handset_wipe_string (plaintext);

  if (payload == NULL || handset_json_get_string (payload, "type") == NULL ||
      handset_json_get_object (payload, "content") == NULL)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_INVALID,
                           "a decrypted room event that is not an event");
      return NULL;
    }
  if (g_strcmp0 (handset_json_get_string (payload, "room_id"), room_id) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                           "an event encrypted for another room");
      return NULL;
    }
  if (g_strcmp0 (entry->sender_user, handset_json_get_string (event, "sender")) != 0)
    {
      g_set_error_literal (error, HANDSET_CRYPTO_ERROR, HANDSET_CRYPTO_ERROR_SPOOFED,
                           "an event whose room key belongs to another user");
      return NULL;
    }
  if (!check_replay (self, session_id, index, event, error))
    return NULL;

  /* The outside, with the inside's type and content. */
  out = json_object_new ();
  members = json_object_get_members (event);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "type") && !g_str_equal (l->data, "content"))
      json_object_set_member (out, l->data, json_object_dup_member (event, l->data));
  json_object_set_string_member (out, "type", handset_json_get_string (payload, "type"));
  json_object_set_object_member (out, "content",
                                 json_object_ref (handset_json_get_object (payload, "content")));

  if (info != NULL)
    {
      device =
          handset_crypto_machine_find_device_by_key (self, entry->sender_user, entry->sender_key);
      *info = g_new0 (HandsetDecryptionInfo, 1);
      (*info)->sender_curve25519 = g_strdup (entry->sender_key);
      (*info)->sender_ed25519 = g_strdup (entry->signing_key);
      (*info)->session_id = g_strdup (session_id);
      (*info)->message_index = index;
      if (g_str_equal (entry->sender_key, handset_olm_account_get_curve25519 (self->account)))
        {
          (*info)->sender_device = g_strdup (self->device_id);
          (*info)->device_known = TRUE;
        }
      else if (device != NULL && g_strcmp0 (device->ed25519, entry->signing_key) == 0)
        {
          (*info)->sender_device = g_strdup (device->device_id);
          (*info)->device_known = TRUE;
          (*info)->cross_signed = handset_crypto_machine_device_is_cross_signed (self, device);
          (*info)->user_verified =
              handset_crypto_machine_get_user_verified (self, entry->sender_user);
        }
      else
        {
          (*info)->sender_device = g_strdup (handset_json_get_string (content, "device_id"));
        }
      (*info)->identity_changed =
          handset_crypto_machine_get_identity_changed (self, entry->sender_user);
    }

  return out;
}

/* ------------------------------------------------------------ withheld keys */

/* Most withheld sessions remembered: a flood of notices costs no more. */
#define WITHHELD_MAX 1024

static gboolean
refuses_unverified (const char *code)
{
  return g_strcmp0 (code, "m.unverified") == 0 || g_strcmp0 (code, "m.blacklisted") == 0;
}

/**
 * handset_crypto_machine_receive_withheld:
 * @event: an `m.room_key.withheld` to-device event (sent in clear)
 *
 * Remembers that a device will not send us the room key of a session, and
 * why (`m.unverified`: it shares keys only with verified devices, and ours
 * is not): events of that session then fail with
 * %HANDSET_CRYPTO_ERROR_WITHHELD rather than wait. A notice is only a
 * hint: a key that comes later still counts.
 *
 * Returns: whether the notice was taken
 */
gboolean
handset_crypto_machine_receive_withheld (HandsetCryptoMachine *self, JsonObject *event)
{
  JsonObject *content = handset_json_get_object (event, "content");
  const char *sender = handset_json_get_string (event, "sender");
  const char *code = handset_json_get_string (content, "code");
  const char *room_id = handset_json_get_string (content, "room_id");
  const char *session_id = handset_json_get_string (content, "session_id");
  const char *sender_key = handset_json_get_string (content, "sender_key");
  const char *from_device = handset_json_get_string (content, "from_device");
  HandsetDeviceKeys *device = NULL;

  if (sender == NULL || code == NULL || strlen (code) > 64 ||
      g_strcmp0 (handset_json_get_string (content, "algorithm"), HANDSET_MEGOLM_ALGORITHM) != 0)
    return FALSE;
  if (sender_key != NULL)
    device = handset_crypto_machine_find_device_by_key (self, sender, sender_key);
  if (device == NULL && from_device != NULL)
    device = handset_crypto_machine_get_device (self, sender, from_device);

  if (room_id != NULL && session_id != NULL)
    {
      if (g_hash_table_size (self->withheld) >= WITHHELD_MAX)
        g_hash_table_remove_all (self->withheld);
      g_hash_table_insert (self->withheld, g_strconcat (room_id, " ", session_id, NULL),
                           g_strdup (code));
    }
  if (device != NULL && refuses_unverified (code))
    g_hash_table_insert (self->refusing, g_strconcat (sender, " ", device->curve25519, NULL),
                         GINT_TO_POINTER (TRUE));
  g_debug ("%s withheld a room key from us: %s", sender, code);

  return TRUE;
}

/**
 * handset_crypto_machine_get_refused_by:
 *
 * Returns: whether every known device of @user_id told us that it shares
 *   keys only with verified devices (and there is at least one)
 */
gboolean
handset_crypto_machine_get_refused_by (HandsetCryptoMachine *self, const char *user_id)
{
  g_autoptr (GPtrArray) devices = handset_crypto_machine_get_devices (self, user_id);
  guint refusing = 0;

  for (guint i = 0; i < devices->len; i++)
    {
      HandsetDeviceKeys *device = g_ptr_array_index (devices, i);
      g_autofree char *slot = g_strconcat (user_id, " ", device->curve25519, NULL);

      refusing += g_hash_table_contains (self->refusing, slot);
    }

  return devices->len > 0 && refusing == devices->len;
}

/**
 * handset_crypto_machine_get_withheld_code:
 *
 * Returns: (nullable): why the sender's device withheld the room key of
 *   @session_id, if it said so
 */
const char *
handset_crypto_machine_get_withheld_code (HandsetCryptoMachine *self,
                                          const char *room_id,
                                          const char *session_id)
{
  g_autofree char *slot = NULL;

  if (room_id == NULL || session_id == NULL)
    return NULL;
  slot = g_strconcat (room_id, " ", session_id, NULL);
  return g_hash_table_lookup (self->withheld, slot);
}
