/* handset-call-view-status.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the call view says of its call, in words: how far it got
 * ("Calling…", "Ringing…", "Connecting…", then a running timer), the line
 * below it (a device that failed, with the picker to choose another; on
 * hold; answered where; their microphone off; waiting for them or their
 * keys), its encryption with the peer's trust, and at the end why it
 * ended.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-view-private.h"

/**
 * handset_call_describe_end:
 *
 * Returns: (transfer full): why the call ended, in words a person reads
 */
char *
handset_call_describe_end (HandsetCall *call)
{
  switch (handset_call_get_end_reason (call))
    {
      case HANDSET_CALL_END_DECLINED:
        return g_strdup (_ ("Declined"));
      case HANDSET_CALL_END_NO_ANSWER:
        return g_strdup (_ ("No answer"));
      case HANDSET_CALL_END_MISSED:
        return g_strdup (_ ("Missed call"));
      case HANDSET_CALL_END_ICE_FAILED:
        if (handset_call_get_failed_without_relay (call))
          return g_strdup (_ ("Could not connect: no relay server was available. Your "
                              "homeserver offers none; one can be set in Preferences."));
        return g_strdup (_ ("Connection failed"));
      case HANDSET_CALL_END_ICE_TIMEOUT:
        return g_strdup (_ ("Connection lost"));
      case HANDSET_CALL_END_ANSWERED_ELSEWHERE:
        if (handset_call_get_answered_by (call) != NULL)
          return g_strdup_printf (_ ("Answered on %s"), handset_call_get_answered_by (call));
        return g_strdup (_ ("Answered on another device"));
      case HANDSET_CALL_END_DECLINED_ELSEWHERE:
        if (handset_call_get_answered_by (call) != NULL)
          return g_strdup_printf (_ ("Declined on %s"), handset_call_get_answered_by (call));
        return g_strdup (_ ("Declined on another device"));
      case HANDSET_CALL_END_BUSY:
        return g_strdup (_ ("Busy"));
      case HANDSET_CALL_END_USER_MEDIA_FAILED:
        return g_strdup (_ ("The microphone or camera could not be used"));
      case HANDSET_CALL_END_OPPONENT_LEFT:
        return g_strdup (_ ("They left the conversation"));
      case HANDSET_CALL_END_REPLACED:
        return g_strdup (_ ("Replaced by their call"));
      case HANDSET_CALL_END_LOCAL_REJECT:
        return g_strdup (_ ("You declined"));
      case HANDSET_CALL_END_ERROR:
        return g_strdup (_ ("The call failed"));
      case HANDSET_CALL_END_UNVERIFIED:
        return g_strdup (_ ("Refused: the device is not verified"));
      case HANDSET_CALL_END_SIGNALLING_FAILED:
        return g_strdup (_ ("Could not reach your homeserver; the call ended"));
      case HANDSET_CALL_END_LOCAL_HANGUP:
      case HANDSET_CALL_END_REMOTE_HANGUP:
      case HANDSET_CALL_END_NONE:
      default:
        return g_strdup (_ ("Call ended"));
    }
}

/**
 * handset_call_describe_encryption:
 * @peer_name: the other party, as shown
 *
 * Returns: (transfer full) (nullable): what to say of the call's
 *   encryption, or %NULL for a call in clear
 */
char *
handset_call_describe_encryption (HandsetCall *call, const char *peer_name)
{
  if (!handset_call_get_encrypted (call))
    return NULL;

  switch (handset_call_get_peer_trust (call))
    {
      case HANDSET_PEER_TRUST_UNSIGNED:
        return g_strdup_printf (
            _ ("End-to-end encrypted · %s’s device is not verified by its owner"), peer_name);
      case HANDSET_PEER_TRUST_IDENTITY_CHANGED:
        return g_strdup_printf (_ ("End-to-end encrypted · %s’s identity has changed"), peer_name);
      case HANDSET_PEER_TRUST_VERIFIED:
        return g_strdup_printf (_ ("End-to-end encrypted · %s is verified"), peer_name);
      case HANDSET_PEER_TRUST_CROSS_SIGNED:
      case HANDSET_PEER_TRUST_UNKNOWN:
      default:
        return g_strdup (_ ("End-to-end encrypted"));
    }
}

/* The device that failed during the call, in words; NULL when none did. */
static char *
describe_failed_device (HandsetCall *call)
{
  const char *message = NULL;

  switch (handset_call_get_failed_device (call, &message))
    {
      case HANDSET_CALL_DEVICE_MICROPHONE:
        return g_strdup_printf (_ ("The microphone cannot be used (%s): choose another"),
                                message ? message : "");
      case HANDSET_CALL_DEVICE_SPEAKER:
        return g_strdup_printf (_ ("The speaker cannot be used (%s): choose another"),
                                message ? message : "");
      case HANDSET_CALL_DEVICE_CAMERA:
        return g_strdup_printf (_ ("The camera cannot be used (%s)"), message ? message : "");
      case HANDSET_CALL_DEVICE_NONE:
      default:
        return NULL;
    }
}

static char *
format_duration (gint64 us)
{
  gint64 s = us / G_USEC_PER_SEC;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%02d:%02d", (int) (s / 60), (int) (s % 60));
}

/* The labels of the call shown: its state, the detail below it and its
 * encryption. */
void
handset_call_view_update_status (HandsetCallView *self)
{
  HandsetCall *call = self->call;
  g_autofree char *text = NULL;
  g_autofree char *detail = NULL;

  switch (handset_call_get_state (call))
    {
      case HANDSET_CALL_STATE_FLEDGLING:
      case HANDSET_CALL_STATE_WAIT_LOCAL_MEDIA:
      case HANDSET_CALL_STATE_CREATE_OFFER:
        text = g_strdup (_ ("Calling…"));
        break;
      case HANDSET_CALL_STATE_INVITE_SENT:
        text = g_strdup (_ ("Ringing…"));
        break;
      case HANDSET_CALL_STATE_RINGING:
        text = g_strdup (_ ("Incoming call"));
        break;
      case HANDSET_CALL_STATE_CREATE_ANSWER:
      case HANDSET_CALL_STATE_CONNECTING:
        text = g_strdup (_ ("Connecting…"));
        break;
      case HANDSET_CALL_STATE_CONNECTED:
        text = format_duration (g_get_monotonic_time () - handset_call_get_connected_time (call));
        break;
      case HANDSET_CALL_STATE_ENDED:
      default:
        text = handset_call_describe_end (call);
        break;
    }
  gtk_label_set_text (self->state_label, text);

  if (handset_call_get_state (call) == HANDSET_CALL_STATE_ENDED)
    detail = NULL;
  else if ((detail = describe_failed_device (call)) != NULL)
    {
      /* Which device, and the picker to choose another: once per failure. */
      if (!self->offered_picker && self->devices != NULL)
        {
          self->offered_picker = TRUE;
          gtk_menu_button_popup (self->devices_button);
        }
    }
  else if (handset_call_get_on_hold (call))
    detail = g_strdup (_ ("On hold"));
  else if (handset_call_get_remote_on_hold (call))
    detail = g_strdup (_ ("They put you on hold"));
  else if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING &&
           handset_call_get_answered_by (call) != NULL)
    detail = g_strdup_printf (_ ("Answered on %s"), handset_call_get_answered_by (call));
  if (detail != NULL && handset_call_get_remote_audio_muted (call))
    {
      g_autofree char *both = g_strdup_printf (_ ("%s · Their microphone is off"), detail);

      g_free (detail);
      detail = g_steal_pointer (&both);
    }
  else if (detail == NULL && handset_call_get_remote_audio_muted (call))
    detail = g_strdup (_ ("Their microphone is off"));
  if (detail == NULL && handset_call_get_waiting_for_join (call) &&
      handset_call_get_state (call) == HANDSET_CALL_STATE_INVITE_SENT)
    detail =
        g_strdup_printf (_ ("Waiting for %s to accept"), gtk_label_get_text (self->peer_label));
  if (detail == NULL && handset_call_get_waiting_for_keys (call) &&
      handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED)
    detail = g_strdup_printf (_ ("Waiting for %s’s device to share keys"),
                              gtk_label_get_text (self->peer_label));
  gtk_label_set_text (self->detail_label, detail ? detail : "");
  {
    g_autofree char *encryption =
        handset_call_describe_encryption (call, gtk_label_get_text (self->peer_label));

    gtk_label_set_text (self->encryption_label, encryption ? encryption : "");
    gtk_widget_set_visible (self->encryption_box, encryption != NULL);
    /* Their identity changed: they may have reset it, or someone stands
     * in for them. Once the person is sure, the warning can go. */
    gtk_actionable_set_action_target (
        GTK_ACTIONABLE (self->accept_identity_button), "s",
        handset_call_get_opponent_user_id (call) ? handset_call_get_opponent_user_id (call) : "");
    /* The action once it has its target: not in the template. */
    gtk_actionable_set_action_name (GTK_ACTIONABLE (self->accept_identity_button),
                                    "app.accept-identity");
    gtk_widget_set_visible (self->accept_identity_button,
                            handset_call_get_peer_trust (call) ==
                                    HANDSET_PEER_TRUST_IDENTITY_CHANGED &&
                                handset_call_get_opponent_user_id (call) != NULL);
  }
}

const char *
handset_call_view_get_state_text (HandsetCallView *self)
{
  return gtk_label_get_text (self->state_label);
}

const char *
handset_call_view_get_detail_text (HandsetCallView *self)
{
  return gtk_label_get_text (self->detail_label);
}

/**
 * handset_call_view_get_encryption_text:
 *
 * Returns: what the view says of the call's encryption; empty when it
 *   says nothing (a call in clear)
 */
const char *
handset_call_view_get_encryption_text (HandsetCallView *self)
{
  return gtk_widget_get_visible (self->encryption_box) ? gtk_label_get_text (self->encryption_label)
                                                       : "";
}
