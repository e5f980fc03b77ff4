/* handset-application-calls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Calls as the user meets them: the ringing window and its notification,
 * a missed call, a call placed or answered shown in the main window, and
 * Element Call rings.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-application-private.h"
#include "handset-incoming-window.h"
#include "handset-notification.h"
#include "handset-rtc-notice.h"

static void
incoming_state_changed (HandsetCall *call,
                        HandsetCallState state,
                        HandsetCallState old,
                        HandsetApplication *self)
{
  g_autofree char *id = g_strdup_printf ("call-%s", handset_call_get_call_id (call));

  if (state == HANDSET_CALL_STATE_RINGING)
    return;

  g_application_withdraw_notification (G_APPLICATION (self), id);

  /* Answered here: the main window shows the call. */
  if (old == HANDSET_CALL_STATE_RINGING && state != HANDSET_CALL_STATE_ENDED)
    {
      HandsetWindow *window = handset_application_ensure_window (self);

      handset_window_show_call (window, call);
      gtk_window_present (GTK_WINDOW (window));
    }

  if (state == HANDSET_CALL_STATE_ENDED &&
      handset_call_get_end_reason (call) == HANDSET_CALL_END_MISSED)
    {
      g_autoptr (GNotification) missed = NULL;
      g_autofree char *name =
          handset_session_peer_name (self->session, handset_call_get_opponent_user_id (call));
      g_autofree char *body = g_strdup_printf (_ ("%s called"), name);

      missed = handset_notification_new (_ ("Missed call"), body);
      if (handset_call_get_opponent_user_id (call) != NULL)
        g_notification_add_button_with_target_value (
            missed, _ ("Call Back"), "app.call-back",
            g_variant_new ("(ss)", handset_call_get_room_id (call),
                           handset_call_get_opponent_user_id (call)));
      g_application_send_notification (G_APPLICATION (self), id, missed);
    }
}

static void
incoming_call_cb (HandsetCallManager *manager, HandsetCall *call, HandsetApplication *self)
{
  g_autofree char *name =
      handset_session_peer_name (self->session, handset_call_get_opponent_user_id (call));
  HandsetRoom *room = handset_rooms_lookup (handset_session_get_rooms (self->session),
                                            handset_call_get_room_id (call));
  HandsetWindow *window = handset_application_main_window (self);
  HandsetIncomingWindow *incoming;

  g_signal_connect_object (call, "state-changed", G_CALLBACK (incoming_state_changed), self, 0);

  incoming = handset_incoming_window_new (GTK_APPLICATION (self), call, name,
                                          room ? handset_room_get_name (room) : NULL);
  /* Never rung on top of a call going on: a call waiting. */
  handset_incoming_window_set_waiting (incoming,
                                       handset_call_manager_get_busy_call (manager, call) != NULL);
  {
    g_autoptr (HandsetRingtone) ringtone = handset_session_make_ringtone (self->session);

    handset_incoming_window_set_ringtone (incoming, ringtone);
  }
  handset_incoming_window_set_can_send_video (
      incoming, handset_media_devices_can_send_video (self->media_devices));
  handset_incoming_window_set_session (incoming, self->session);
  {
    g_autofree char *avatar_url = handset_session_peer_avatar_url (
        self->session, handset_call_get_opponent_user_id (call), handset_call_get_room_id (call));

    handset_incoming_window_set_avatar (
        incoming, handset_avatar_cache_get_for_session (self->session), avatar_url);
  }
  gtk_window_present (GTK_WINDOW (incoming));

  /* Not looking at Handset: a notification with the same choices. */
  if (window == NULL || !gtk_window_is_active (GTK_WINDOW (window)))
    {
      g_autofree char *id = g_strdup_printf ("call-%s", handset_call_get_call_id (call));
      g_autofree char *body = g_strdup_printf (_ ("%s is calling"), name);
      g_autoptr (GNotification) notification = handset_notification_new (_ ("Incoming call"), body);

      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
      g_notification_add_button_with_target (notification, _ ("Decline"), "app.decline-call", "s",
                                             handset_call_get_call_id (call));
      g_notification_add_button_with_target (notification, _ ("Answer"), "app.answer-call", "s",
                                             handset_call_get_call_id (call));
      g_application_send_notification (G_APPLICATION (self), id, notification);
    }
}

/* Someone new calls: their invitation rings, in a window like a call's,
 * and as a notification when Handset is not in front. */
static void
incoming_invitation_cb (HandsetCallManager *manager,
                        HandsetCallInvitation *invitation,
                        HandsetApplication *self)
{
  g_autofree char *name =
      handset_session_peer_name (self->session, handset_call_invitation_get_inviter (invitation));
  HandsetWindow *window = handset_application_main_window (self);
  HandsetIncomingWindow *incoming;

  incoming = handset_incoming_window_new_for_invitation (GTK_APPLICATION (self), manager,
                                                         invitation, name);
  {
    g_autoptr (HandsetRingtone) ringtone = handset_session_make_ringtone (self->session);

    handset_incoming_window_set_ringtone (incoming, ringtone);
  }
  handset_incoming_window_set_can_send_video (
      incoming, handset_media_devices_can_send_video (self->media_devices));
  handset_incoming_window_set_session (incoming, self->session);
  gtk_window_present (GTK_WINDOW (incoming));
  if (window == NULL || !gtk_window_is_active (GTK_WINDOW (window)))
    {
      g_autofree char *body = g_strdup_printf (_ ("%s is calling you (a new contact)"), name);
      g_autoptr (GNotification) notification = handset_notification_new (_ ("Incoming call"), body);

      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
      g_application_send_notification (G_APPLICATION (self), "invitation", notification);
    }
}

/* Answered from an invitation: the call, in the main window. */
static void
invitation_answered_cb (HandsetCallManager *manager,
                        HandsetCallInvitation *invitation,
                        HandsetCall *call,
                        HandsetApplication *self)
{
  HandsetWindow *window = handset_application_ensure_window (self);

  g_application_withdraw_notification (G_APPLICATION (self), "invitation");
  handset_window_show_call (window, call);
  gtk_window_present (GTK_WINDOW (window));
}

static void
call_added_cb (HandsetCallManager *manager, HandsetCall *call, HandsetApplication *self)
{
  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING)
    {
      HandsetWindow *window = handset_application_ensure_window (self);

      handset_window_show_call (window, call);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
rtc_ring_cb (HandsetRtcRings *rings, HandsetRtcRing *ring, HandsetApplication *self)
{
  if (self->session != NULL)
    handset_rtc_notice_show (G_APPLICATION (self), self->session, ring);
}

/* What the user sees of the calls of a new session: ringing windows,
 * notifications, and the call in the main window. */
void
handset_application_watch_calls (HandsetApplication *self)
{
  HandsetCallManager *manager = handset_session_get_call_manager (self->session);

  g_signal_connect (manager, "incoming-call", G_CALLBACK (incoming_call_cb), self);
  g_signal_connect (manager, "call-added", G_CALLBACK (call_added_cb), self);
  g_signal_connect (manager, "incoming-invitation", G_CALLBACK (incoming_invitation_cb), self);
  g_signal_connect (manager, "invitation-answered", G_CALLBACK (invitation_answered_cb), self);
  g_signal_connect (handset_session_get_rtc_rings (self->session), "ring", G_CALLBACK (rtc_ring_cb),
                    self);
}
