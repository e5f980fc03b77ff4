/* handset-session-settings.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The person's settings handed to the session's parts: relays, audio
 * processing, devices, what rings and from whom, identities accepted.
 */

#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include "handset-session-private.h"

/**
 * handset_session_set_fallback_relay:
 * @uri: (nullable): a STUN or TURN server the person set; empty for none
 * @username: (nullable): for a TURN server, whose password the keyring
 *   holds
 *
 * Used only while the homeserver offers no TURN server.
 */
void
handset_session_set_fallback_relay (HandsetSession *self, const char *uri, const char *username)
{
  g_return_if_fail (HANDSET_IS_SESSION (self));

  if (self->fallback_relay != NULL)
    handset_fallback_relay_set (self->fallback_relay, uri, username);
}

void
handset_session_set_relay_only (HandsetSession *self, gboolean relay_only)
{
  handset_media_provider_set_relay_only (self->media, relay_only);
}

/* For the calls made from now on. */
void
handset_session_set_audio_processing (HandsetSession *self,
                                      gboolean echo_cancellation,
                                      gboolean noise_suppression,
                                      gboolean gain_control)
{
  handset_media_provider_set_processing (self->media, echo_cancellation, noise_suppression,
                                         gain_control);
}

void
handset_session_set_hide_device (HandsetSession *self, gboolean hide_device)
{
  handset_call_manager_set_hide_device (self->manager, hide_device);
}

/* The connection to a caller starts while the call rings: answering is
 * quicker, but the caller learns our network addresses before we
 * decide. */
void
handset_session_set_connect_while_ringing (HandsetSession *self, gboolean connect)
{
  handset_call_manager_set_prepare_answers (self->manager, TRUE, connect);
}

void
handset_session_set_ring_in_public_rooms (HandsetSession *self, gboolean ring)
{
  handset_call_manager_set_ring_in_public_rooms (self->manager, ring);
  handset_rtc_rings_set_ring_in_public_rooms (self->rtc_rings, ring);
}

void
handset_session_apply_only_verified (HandsetSession *self)
{
  HandsetCryptoMachine *machine = handset_encryption_get_machine (self->encryption);

  handset_call_manager_set_only_verified (self->manager, self->only_verified);
  if (machine != NULL)
    handset_crypto_machine_set_only_cross_signed (machine, self->only_verified);
}

/**
 * handset_session_set_only_verified:
 *
 * "Only call verified devices": calls ring only from, and room keys go
 * only to, devices their owner cross-signed.
 */
void
handset_session_set_only_verified (HandsetSession *self, gboolean only)
{
  g_return_if_fail (HANDSET_IS_SESSION (self));
  self->only_verified = only;
  handset_session_apply_only_verified (self);
}

/**
 * handset_session_accept_identity:
 *
 * The person accepts @user_id's new identity (their master key changed):
 * no more warning for it, and the calls with them say again what is
 * known of their device.
 */
void
handset_session_accept_identity (HandsetSession *self, const char *user_id)
{
  HandsetCryptoMachine *machine = handset_encryption_get_machine (self->encryption);
  GPtrArray *calls = handset_call_manager_get_calls (self->manager);

  g_return_if_fail (HANDSET_IS_SESSION (self));
  if (machine == NULL || user_id == NULL)
    return;
  handset_crypto_machine_accept_identity (machine, user_id);
  for (guint i = 0; i < calls->len; i++)
    {
      HandsetCall *call = g_ptr_array_index (calls, i);
      HandsetDeviceKeys *device;

      if (g_strcmp0 (handset_call_get_opponent_user_id (call), user_id) != 0 ||
          handset_call_get_peer_trust (call) != HANDSET_PEER_TRUST_IDENTITY_CHANGED)
        continue;
      device = handset_crypto_machine_get_device (machine, user_id,
                                                  handset_call_get_opponent_party_id (call));
      if (device == NULL || !handset_crypto_machine_device_is_cross_signed (machine, device))
        handset_call_set_peer_trust (call, HANDSET_PEER_TRUST_UNSIGNED);
      else if (handset_crypto_machine_get_user_verified (machine, user_id))
        handset_call_set_peer_trust (call, HANDSET_PEER_TRUST_VERIFIED);
      else
        handset_call_set_peer_trust (call, HANDSET_PEER_TRUST_CROSS_SIGNED);
    }
}

/**
 * handset_session_set_preferred_devices:
 *
 * Device names as HandsetMediaDevices gives them; empty for the default.
 * They apply to calls that start afterwards; a new microphone or speaker
 * also to the call going on.
 */
void
handset_session_set_preferred_devices (HandsetSession *self,
                                       const char *microphone,
                                       const char *speaker,
                                       const char *camera)
{
  HandsetCall *call = self->manager ? handset_call_manager_get_active_call (self->manager) : NULL;

  gboolean new_microphone =
      handset_media_provider_set_devices (self->media, microphone, speaker, camera,
                                          call != NULL ? handset_call_get_media (call) : NULL);

  /* A call that rings with media made for its answer opens the microphone
   * chosen now, once answered. */
  if (new_microphone && self->manager != NULL)
    {
      GPtrArray *calls = handset_call_manager_get_calls (self->manager);

      for (guint i = 0; i < calls->len; i++)
        {
          HandsetCall *ringing = g_ptr_array_index (calls, i);

          if (handset_call_get_state (ringing) == HANDSET_CALL_STATE_RINGING &&
              handset_call_get_media (ringing) != NULL)
            handset_media_provider_update_microphone (self->media,
                                                      handset_call_get_media (ringing));
        }
    }
}
