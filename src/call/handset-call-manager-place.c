/* handset-call-manager-place.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placing a call: refused where only verified devices may be called and
 * the other person has none, or where their devices take calls only from
 * verified devices and ours is not; else made, with its media, and
 * started.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include <glib/gi18n.h>
#include "handset-call-ids.h"
#include "handset-call-manager-private.h"

static HandsetMedia *
new_media (HandsetCallManager *self, gboolean video, GError **error)
{
  return self->media_factory (video, self->media_factory_data, error);
}

/* Where only verified devices may be called: whether @invitee has one
 * (in an encrypted room, cross-signed by them, their identity unchanged). */
static gboolean
can_call_verified (HandsetCallManager *self,
                   const char *room_id,
                   const char *invitee,
                   GError **error)
{
  HandsetCryptoMachine *machine =
      self->encryption ? handset_encryption_get_machine (self->encryption) : NULL;
  g_autoptr (GPtrArray) devices = NULL;

  if (!handset_call_manager_room_is_encrypted (self, room_id) || machine == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _ ("Only verified devices may be called, and this conversation is not "
                              "end-to-end encrypted"));
      return FALSE;
    }
  devices = handset_crypto_machine_get_devices (machine, invitee);
  for (guint i = 0; i < devices->len; i++)
    {
      HandsetDeviceKeys *device = g_ptr_array_index (devices, i);

      if (handset_crypto_machine_device_is_cross_signed (machine, device) &&
          !handset_crypto_machine_get_identity_changed (machine, invitee))
        return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _ ("Only verified devices may be called, and none of %s's devices is verified"),
               invitee);
  return FALSE;
}

/* Every device of @invitee told us that it shares keys only with verified
 * devices, and ours is not: it could not read our invite, and the call
 * would ring nowhere. Said now rather than after the invite's lifetime. */
static gboolean
not_refused (HandsetCallManager *self, const char *room_id, const char *invitee, GError **error)
{
  HandsetCryptoMachine *machine =
      self->encryption ? handset_encryption_get_machine (self->encryption) : NULL;

  if (invitee == NULL || machine == NULL ||
      !handset_call_manager_room_is_encrypted (self, room_id) ||
      handset_crypto_machine_get_own_device_cross_signed (machine) ||
      !handset_crypto_machine_get_refused_by (machine, invitee))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _ ("%s takes calls only from verified devices, and this device is not verified. "
                  "Verify it in Preferences."),
               invitee);
  return FALSE;
}

/**
 * handset_call_manager_set_only_verified:
 *
 * When on, calls ring only from devices their owner cross-signed, answers
 * count only from those, and a call is placed only where the other person
 * has one ("Only call verified devices").
 */
void
handset_call_manager_set_only_verified (HandsetCallManager *self, gboolean only)
{
  g_return_if_fail (HANDSET_IS_CALL_MANAGER (self));
  self->only_verified = only;
}

/**
 * handset_call_manager_place_call:
 * @invitee: (nullable): the user to call; with our own ID, another device
 *   of ours
 *
 * Returns: (transfer none) (nullable): the new call, started
 */
HandsetCall *
handset_call_manager_place_call (HandsetCallManager *self,
                                 const char *room_id,
                                 const char *invitee,
                                 gboolean video,
                                 GError **error)
{
  g_autoptr (HandsetMedia) media = NULL;
  g_autoptr (HandsetCall) call = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *party_id = NULL;

  g_return_val_if_fail (HANDSET_IS_CALL_MANAGER (self), NULL);

  if (self->only_verified && !can_call_verified (self, room_id, invitee, error))
    return NULL;
  if (!not_refused (self, room_id, invitee, error))
    return NULL;
  media = new_media (self, video, error);
  if (media == NULL)
    return NULL;

  call_id = handset_call_id_generate (g_get_real_time () / 1000);
  party_id = handset_call_manager_new_party_id (self);
  call = handset_call_new_outgoing (self->clock, media, self->own_user_id, room_id, call_id,
                                    party_id, invitee, video);
  handset_call_set_encrypted (call, handset_call_manager_room_is_encrypted (self, room_id));
  /* Not joined (or a room so new that no sync brought it yet, made for
   * this call): they see the call once they accept the chat. */
  if (invitee != NULL && self->rooms != NULL &&
      (handset_rooms_lookup (self->rooms, room_id) == NULL ||
       g_strcmp0 (
           handset_room_get_membership (handset_rooms_lookup (self->rooms, room_id), invitee),
           "join") != 0))
    handset_call_set_waiting_for_join (call, TRUE);
  handset_call_manager_add_call (self, call);
  /* While the offer is made, the callee's devices as the server knows them
   * now get our room key: one that signed in a moment ago rings too. */
  if (self->encryption != NULL && handset_call_get_encrypted (call))
    handset_encryption_prepare_room_fresh (self->encryption, room_id);
  handset_call_place (call);

  return call;
}
