/* handset-rtc-notice.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An Element Call (MatrixRTC) ring, as the user sees it: a notification
 * that names the caller and says plainly that Handset cannot join such a
 * call, with a button that opens the chat in the user's Matrix client
 * (through the OpenURI portal) and one that declines. It goes when the
 * ring ends; a ring nobody took leaves a missed-call notification.
 */
#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "handset-notification.h"
#include "handset-rtc-notice.h"

static char *
notice_id (HandsetRtcRing *ring)
{
  return g_strconcat ("element-call-", handset_rtc_ring_get_event_id (ring), NULL);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The session that names the caller, kept with the ring while it lasts. */
static HandsetSession *
session_of (HandsetRtcRing *ring)
{
  GWeakRef *ref = g_object_get_data (G_OBJECT (ring), "handset-notice-session");

  return ref != NULL ? g_weak_ref_get (ref) : NULL;
}

static void
ring_state_cb (HandsetRtcRing *ring, GParamSpec *pspec, GApplication *application)
{
  g_autofree char *id = notice_id (ring);
  HandsetRtcRingState state = handset_rtc_ring_get_state (ring);
  g_autoptr (HandsetSession) session = session_of (ring);

  if (state == HANDSET_RTC_RING_RINGING)
    return;
  g_signal_handlers_disconnect_by_func (ring, ring_state_cb, application);
  g_application_withdraw_notification (application, id);

  if ((state == HANDSET_RTC_RING_MISSED || state == HANDSET_RTC_RING_CANCELLED) && session != NULL)
    {
      g_autofree char *name =
          handset_session_peer_name (session, handset_rtc_ring_get_sender (ring));
      g_autofree char *body = g_strdup_printf (_ ("%s called with Element Call"), name);
      g_autoptr (GNotification) missed = handset_notification_new (_ ("Missed call"), body);

      g_application_send_notification (application, id, missed);
    }
}

/**
 * handset_rtc_notice_show:
 *
 * Tells the user of a ring that rings, for as long as it rings.
 */
void
handset_rtc_notice_show (GApplication *application, HandsetSession *session, HandsetRtcRing *ring)
{
  g_autofree char *id = notice_id (ring);
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  g_autoptr (GNotification) notification = NULL;

  if (handset_rtc_ring_get_state (ring) != HANDSET_RTC_RING_RINGING)
    return;
  name = handset_session_peer_name (session, handset_rtc_ring_get_sender (ring));
  title = handset_rtc_ring_get_video (ring)
              ? g_strdup_printf (_ ("%s is video calling with Element Call"), name)
              : g_strdup_printf (_ ("%s is calling with Element Call"), name);
  g_message ("%s (ring %s)", title, handset_rtc_ring_get_event_id (ring));

  notification = handset_notification_new (
      title, _ ("Handset cannot join Element Call calls. Open the chat in your Matrix app to "
                "answer."));
  g_notification_set_priority (notification, handset_rtc_ring_get_audible (ring)
                                                 ? G_NOTIFICATION_PRIORITY_URGENT
                                                 : G_NOTIFICATION_PRIORITY_NORMAL);
  g_notification_add_button_with_target (notification, _ ("Decline"), "app.decline-element-call",
                                         "s", handset_rtc_ring_get_event_id (ring));
  g_notification_add_button_with_target (notification, _ ("Open in Matrix App"),
                                         "app.open-element-call", "s",
                                         handset_rtc_ring_get_event_id (ring));
  g_application_send_notification (application, id, notification);

  {
    GWeakRef *ref = g_new0 (GWeakRef, 1);

    g_weak_ref_init (ref, session);
    g_object_set_data_full (G_OBJECT (ring), "handset-notice-session", ref, weak_ref_free);
  }
  g_signal_connect_object (ring, "notify::state", G_CALLBACK (ring_state_cb), application, 0);
}

static void
launched_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error))
    g_warning ("The chat could not be opened in a Matrix app: %s", error->message);
}

/**
 * handset_rtc_notice_open:
 *
 * Opens the ring's chat in the user's Matrix client, through a matrix.to
 * link; the ring goes on ringing there.
 */
void
handset_rtc_notice_open (GApplication *application, HandsetSession *session, const char *event_id)
{
  HandsetRtcRing *ring =
      handset_rtc_rings_lookup (handset_session_get_rtc_rings (session), event_id);
  g_autofree char *uri = NULL;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (ring == NULL)
    return;
  uri = handset_rtc_ring_get_open_uri (ring);
  g_message ("Opening %s for Element Call ring %s", uri, event_id);
  gtk_show_uri_full (parent, uri, GDK_CURRENT_TIME, NULL, launched_cb, NULL);
}

/**
 * handset_rtc_notice_decline:
 *
 * Declines the ring, if it still rings.
 */
void
handset_rtc_notice_decline (HandsetSession *session, const char *event_id)
{
  HandsetRtcRings *rings = handset_session_get_rtc_rings (session);
  HandsetRtcRing *ring = handset_rtc_rings_lookup (rings, event_id);

  if (ring != NULL)
    handset_rtc_rings_decline (rings, ring);
}
