/* handset-call-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call in progress: who, the controls (mute, hold, video, the keypad,
 * hang up), the remote video with a preview of ours in a corner, kept up
 * to date while the call lasts. What the view says of the call, in words,
 * is handset-call-view-status.c; the menu of microphones and speakers
 * handset-call-view-devices.c; their screen share, when they share, shown
 * large, handset-call-view-screen.c. They share
 * handset-call-view-private.h.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-view-private.h"
#include "handset-keypad.h"
#include "handset-media-devices.h"
#include "handset-media.h"

G_DEFINE_FINAL_TYPE (HandsetCallView, handset_call_view, GTK_TYPE_BOX)

static void update_video (HandsetCallView *self);

static void
update (HandsetCallView *self)
{
  HandsetCall *call = self->call;
  gboolean live;

  if (call == NULL)
    return;

  handset_call_view_update_status (self);

  live = handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED;
  gtk_widget_set_sensitive (GTK_WIDGET (self->hangup_button), live);
  gtk_widget_set_sensitive (GTK_WIDGET (self->hold_button),
                            live && handset_call_get_state (call) == HANDSET_CALL_STATE_CONNECTED);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mute_button), live);
  /* Only when the other side takes tones (§17 #63). */
  gtk_widget_set_visible (GTK_WIDGET (self->keypad_button), handset_call_can_send_dtmf (call));
  if (!handset_call_can_send_dtmf (call))
    gtk_menu_button_popdown (self->keypad_button);
  {
    /* No camera: the button is off and says why; no test pattern is ever
     * sent in its place. */
    gboolean camera = handset_media_devices_can_send_video (self->devices);

    gtk_widget_set_sensitive (GTK_WIDGET (self->video_button),
                              live && (camera || handset_call_get_video (call)));
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->video_button),
                                 camera ? _ ("Video") : _ ("No camera was found"));
  }
  update_video (self);
}

/* Which pictures show: cheap, for every frame. */
static void
update_video (HandsetCallView *self)
{
  HandsetCall *call = self->call;
  gboolean live, camera, screen;

  if (call == NULL)
    return;
  live = handset_call_get_state (call) != HANDSET_CALL_STATE_ENDED;
  camera = self->paintable != NULL && live &&
           handset_video_paintable_has_frames (self->paintable) &&
           !handset_call_get_remote_video_muted (call);
  /* Their screen share large, their camera small. */
  screen =
      handset_call_view_screen_update (self->screen, camera, gtk_label_get_text (self->peer_label));
  gtk_widget_set_visible (GTK_WIDGET (self->remote_video), camera && !screen);
  gtk_widget_set_visible (GTK_WIDGET (self->local_video),
                          self->preview != NULL && live && handset_call_get_video (call) &&
                              !handset_call_get_on_hold (call) &&
                              handset_video_paintable_has_frames (self->preview));
}

static gboolean
tick (gpointer user_data)
{
  update (HANDSET_CALL_VIEW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
call_changed (HandsetCallView *self)
{
  update (self);
}

/* The call's video, once it has media (an incoming call from its answer). */
static void
bind_media (HandsetCallView *self)
{
  HandsetMedia *media = self->call ? handset_call_get_media (self->call) : NULL;

  if (self->paintable != NULL || media == NULL)
    return;
  self->paintable = handset_video_paintable_new (media);
  gtk_picture_set_paintable (self->remote_video, GDK_PAINTABLE (self->paintable));
  g_signal_connect_swapped (self->paintable, "invalidate-contents", G_CALLBACK (update_video),
                            self);
  self->preview = handset_video_paintable_new_preview (media);
  gtk_picture_set_paintable (self->local_video, GDK_PAINTABLE (self->preview));
  g_signal_connect_swapped (self->preview, "invalidate-contents", G_CALLBACK (update_video), self);
  handset_call_view_screen_bind_media (self->screen, GDK_PAINTABLE (self->paintable),
                                       G_CALLBACK (update_video), self);
}

static void
on_mute_toggled (HandsetCallView *self)
{
  if (self->call != NULL)
    handset_call_set_muted (self->call, gtk_toggle_button_get_active (self->mute_button));
}

static void
on_hold_toggled (HandsetCallView *self)
{
  if (self->call != NULL)
    handset_call_set_on_hold (self->call, gtk_toggle_button_get_active (self->hold_button));
}

static void
cameras_ready_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetCallView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_media_devices_request_cameras_finish (HANDSET_MEDIA_DEVICES (object), result,
                                                     &error))
    {
      /* Not allowed, or no camera: the button goes back off and says why. */
      gtk_toggle_button_set_active (self->video_button, FALSE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->video_button), error->message);
      return;
    }
  if (self->call != NULL && gtk_toggle_button_get_active (self->video_button))
    handset_call_set_video (self->call, TRUE);
}

static void
on_video_toggled (HandsetCallView *self)
{
  gboolean video = gtk_toggle_button_get_active (self->video_button);

  if (self->call == NULL)
    return;
  /* Inside Flatpak the cameras are asked for when video is first turned on. */
  if (video && self->devices != NULL && !handset_media_devices_cameras_ready (self->devices))
    handset_media_devices_request_cameras_async (self->devices, NULL, cameras_ready_cb,
                                                 g_object_ref (self));
  else
    handset_call_set_video (self->call, video);
}

static void
keypad_pressed (const char *tone, gpointer user_data)
{
  HandsetCallView *self = user_data;
  g_autoptr (GError) error = NULL;

  if (self->call != NULL && !handset_call_send_dtmf (self->call, tone, &error))
    g_message ("Tone %s not sent: %s", tone, error->message);
}

static void
on_hangup (HandsetCallView *self)
{
  if (self->call != NULL)
    handset_call_hangup (self->call);
}

static void
clear_call (HandsetCallView *self)
{
  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_clear_object (&self->call);
  g_clear_object (&self->paintable);
  g_clear_object (&self->preview);
  if (self->screen != NULL)
    handset_call_view_screen_set_call (self->screen, NULL);
  gtk_picture_set_paintable (self->remote_video, NULL);
  gtk_picture_set_paintable (self->local_video, NULL);
}

static void
handset_call_view_dispose (GObject *object)
{
  HandsetCallView *self = HANDSET_CALL_VIEW (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  clear_call (self);
  g_clear_pointer (&self->screen, handset_call_view_screen_free);
  handset_call_view_forget_devices (self);
  g_clear_object (&self->devices_menu);

  G_OBJECT_CLASS (handset_call_view_parent_class)->dispose (object);
}

static void
handset_call_view_class_init (HandsetCallViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = handset_call_view_dispose;

  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/handset/Handset/ui/handset-call-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, title);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, remote_video);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, local_video);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, screen_video);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, small_camera);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, screenshare_badge);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, screen_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, screen_error_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, avatar);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, peer_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, state_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, encryption_box);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, encryption_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, accept_identity_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, detail_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, mute_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, hold_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, video_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, devices_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, keypad_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetCallView, hangup_button);
  gtk_widget_class_bind_template_callback (widget_class, on_mute_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_hold_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_video_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_hangup);
}

static void
handset_call_view_init (HandsetCallView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->devices_menu = g_menu_new ();
  self->screen = handset_call_view_screen_new (GTK_WIDGET (self), self->screen_video,
                                               self->small_camera, self->screenshare_badge,
                                               self->screen_button, self->screen_error_label);
}

/**
 * handset_call_view_get_local_video:
 *
 * Returns: (transfer none): the picture that previews the video we send
 */
GtkWidget *
handset_call_view_get_local_video (HandsetCallView *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_VIEW (self), NULL);

  return GTK_WIDGET (self->local_video);
}

/**
 * handset_call_view_set_call:
 * @peer_name: the name to show for the other party
 */
void
handset_call_view_set_call (HandsetCallView *self, HandsetCall *call, const char *peer_name)
{
  g_return_if_fail (HANDSET_IS_CALL_VIEW (self));

  clear_call (self);
  /* Initials until set_avatar() says whose image to show. */
  handset_avatar_cache_bind (NULL, self->avatar, NULL);
  if (call == NULL)
    {
      g_clear_handle_id (&self->timer, g_source_remove);
      return;
    }

  self->call = g_object_ref (call);
  handset_call_view_screen_set_call (self->screen, call);
  self->offered_picker = FALSE;
  adw_window_title_set_title (self->title, peer_name);
  adw_avatar_set_text (self->avatar, peer_name);
  gtk_label_set_text (self->peer_label, peer_name);
  gtk_toggle_button_set_active (self->mute_button, handset_call_get_muted (call));
  gtk_toggle_button_set_active (self->video_button, handset_call_get_video (call));
  gtk_toggle_button_set_active (self->hold_button, handset_call_get_on_hold (call));
  /* A fresh keypad for each call: what was typed belongs to its call. */
  {
    GtkWidget *popover = gtk_popover_new ();

    gtk_popover_set_child (GTK_POPOVER (popover), handset_keypad_new (keypad_pressed, self));
    gtk_menu_button_set_popover (self->keypad_button, popover);
  }

  bind_media (self);
  g_signal_connect_swapped (call, "notify::media", G_CALLBACK (bind_media), self);
  g_signal_connect_swapped (call, "notify", G_CALLBACK (call_changed), self);
  if (self->timer == 0)
    self->timer = g_timeout_add (500, tick, self);
  update (self);
}

/**
 * handset_call_view_set_avatar:
 * @cache: (nullable): the session's avatars
 * @mxc_uri: (nullable): the peer's avatar
 */
void
handset_call_view_set_avatar (HandsetCallView *self, HandsetAvatarCache *cache, const char *mxc_uri)
{
  g_return_if_fail (HANDSET_IS_CALL_VIEW (self));

  handset_avatar_cache_bind (cache, self->avatar, mxc_uri);
}

AdwAvatar *
handset_call_view_get_avatar (HandsetCallView *self)
{
  return self->avatar;
}

/**
 * handset_call_view_get_call:
 *
 * Returns: (transfer none) (nullable): the call shown
 */
HandsetCall *
handset_call_view_get_call (HandsetCallView *self)
{
  return self->call;
}

/**
 * handset_call_view_show_screen_error:
 * @call: the call the screen was to be shared in
 * @message: why it could not be, for the person
 */
void
handset_call_view_show_screen_error (HandsetCallView *self, HandsetCall *call, const char *message)
{
  g_return_if_fail (HANDSET_IS_CALL_VIEW (self));

  if (call == self->call)
    handset_call_view_screen_show_error (self->screen, message);
}

/**
 * handset_call_view_get_screen_video:
 *
 * Returns: (transfer none): the picture of the other side's screen share
 */
GtkWidget *
handset_call_view_get_screen_video (HandsetCallView *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_VIEW (self), NULL);

  return GTK_WIDGET (self->screen_video);
}

/**
 * handset_call_view_get_small_camera:
 *
 * Returns: (transfer none): the other side's camera, small, while their
 *   screen share is shown
 */
GtkWidget *
handset_call_view_get_small_camera (HandsetCallView *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_VIEW (self), NULL);

  return GTK_WIDGET (self->small_camera);
}
