/* handset-call-view-screen.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Screen sharing in the call view: the Share Screen toggle of a connected
 * call (it activates `app.share-screen`, the one way to share), why the
 * screen could not be shared or stopped being shared, in words, and the other side's screen share
 * shown large, labelled as theirs, with their camera small in a corner.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-view-screen.h"
#include "handset-video-paintable.h"

struct _HandsetCallViewScreen
{
  GtkWidget *view;
  GtkPicture *screen_video;
  GtkPicture *small_camera;
  GtkLabel *badge;
  GtkToggleButton *button;
  GtkLabel *error_label;
  HandsetCall *call;
  HandsetVideoPaintable *screen;
  gboolean updating; /* the toggle set from the call, not by the person */
};

static void
on_toggled (HandsetCallViewScreen *self)
{
  gboolean share = gtk_toggle_button_get_active (self->button);

  if (self->updating || self->call == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_activate_action (self->view, "app.share-screen", "(sb)",
                              handset_call_get_call_id (self->call), share);
}

HandsetCallViewScreen *
handset_call_view_screen_new (GtkWidget *view,
                              GtkPicture *screen_video,
                              GtkPicture *small_camera,
                              GtkLabel *badge,
                              GtkToggleButton *button,
                              GtkLabel *error_label)
{
  HandsetCallViewScreen *self = g_new0 (HandsetCallViewScreen, 1);

  self->view = view;
  self->screen_video = screen_video;
  self->small_camera = small_camera;
  self->badge = badge;
  self->button = button;
  self->error_label = error_label;
  g_signal_connect_swapped (button, "toggled", G_CALLBACK (on_toggled), self);

  return self;
}

void
handset_call_view_screen_free (HandsetCallViewScreen *self)
{
  g_signal_handlers_disconnect_by_data (self->button, self);
  handset_call_view_screen_set_call (self, NULL);
  g_free (self);
}

/* The desktop stopped our share, or the screen failed: the toggle goes
 * off with the call's state; why is said here. */
static void
on_screenshare_ended (HandsetCall *call, const char *reason, HandsetCallViewScreen *self)
{
  handset_call_view_screen_show_error (self, reason);
}

void
handset_call_view_screen_set_call (HandsetCallViewScreen *self, HandsetCall *call)
{
  if (self->call != NULL)
    g_signal_handlers_disconnect_by_func (self->call, on_screenshare_ended, self);
  g_clear_object (&self->call);
  g_clear_object (&self->screen);
  gtk_picture_set_paintable (self->screen_video, NULL);
  gtk_picture_set_paintable (self->small_camera, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  if (call == NULL)
    return;
  self->call = g_object_ref (call);
  g_signal_connect (call, "screenshare-ended", G_CALLBACK (on_screenshare_ended), self);
}

/* The call has media: its screen shares, and its camera for the corner.
 * @frames_changed is called as frames come. */
void
handset_call_view_screen_bind_media (HandsetCallViewScreen *self,
                                     GdkPaintable *camera,
                                     GCallback frames_changed,
                                     gpointer data)
{
  HandsetMedia *media = self->call ? handset_call_get_media (self->call) : NULL;

  if (self->screen != NULL || media == NULL)
    return;
  self->screen = handset_video_paintable_new_screenshare (media);
  gtk_picture_set_paintable (self->screen_video, GDK_PAINTABLE (self->screen));
  gtk_picture_set_paintable (self->small_camera, camera);
  g_signal_connect_swapped (self->screen, "invalidate-contents", frames_changed, data);
}

/* Returns whether their screen share is shown; @camera_shown whether
 * their camera would be. */
gboolean
handset_call_view_screen_update (HandsetCallViewScreen *self,
                                 gboolean camera_shown,
                                 const char *peer_name)
{
  HandsetCall *call = self->call;
  gboolean live, shown;

  if (call == NULL)
    return FALSE;
  live = handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED;
  shown = live && self->screen != NULL && handset_call_get_remote_screenshare (call) &&
          handset_video_paintable_has_frames (self->screen);

  gtk_widget_set_visible (GTK_WIDGET (self->screen_video), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->small_camera), shown && camera_shown);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), shown);
  if (shown)
    {
      g_autofree char *text = g_strdup_printf (_ ("%s’s screen"), peer_name);

      gtk_label_set_text (self->badge, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->screen_video),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->button), live && handset_call_can_share_screen (call));
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->button, handset_call_get_screensharing (call));
  self->updating = FALSE;

  return shown;
}

/* Why the screen could not be shared, until the person tries again. */
void
handset_call_view_screen_show_error (HandsetCallViewScreen *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}
