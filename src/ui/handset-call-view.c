/* handset-call-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A call in progress: who, how far it got ("Calling…", "Ringing…",
 * "Connecting…", then a running timer), which device answered, the
 * controls (with a menu of microphones and speakers, the same choice as
 * in Preferences), the remote video with a preview of ours in a corner
 * (their screen share, when they share, large: handset-call-view-screen.c),
 * and at the end why it ended, in words.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-view-screen.h"
#include "handset-call-view.h"
#include "handset-keypad.h"
#include "handset-media-devices.h"
#include "handset-media.h"
#include "handset-video-paintable.h"

struct _HandsetCallView
{
  GtkBox parent_instance;

  AdwWindowTitle *title;
  GtkPicture *remote_video;
  GtkPicture *local_video;
  GtkPicture *screen_video;
  GtkPicture *small_camera;
  GtkLabel *screenshare_badge;
  GtkToggleButton *screen_button;
  GtkLabel *screen_error_label;
  HandsetCallViewScreen *screen;
  AdwAvatar *avatar;
  GtkLabel *peer_label;
  GtkLabel *state_label;
  GtkWidget *encryption_box;
  GtkLabel *encryption_label;
  GtkWidget *accept_identity_button;
  gboolean offered_picker; /* the device menu came up for a failed device */
  GtkLabel *detail_label;
  GtkToggleButton *mute_button;
  GtkToggleButton *hold_button;
  GtkToggleButton *video_button;
  GtkMenuButton *devices_button;
  GtkMenuButton *keypad_button;
  GtkButton *hangup_button;

  HandsetMediaDevices *devices;
  GMenu *devices_menu;
  HandsetCall *call;
  HandsetVideoPaintable *paintable;
  HandsetVideoPaintable *preview;
  guint timer;
};

G_DEFINE_FINAL_TYPE (HandsetCallView, handset_call_view, GTK_TYPE_BOX)

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

static void update_video (HandsetCallView *self);

static void
update (HandsetCallView *self)
{
  HandsetCall *call = self->call;
  g_autofree char *text = NULL;
  g_autofree char *detail = NULL;
  gboolean live;

  if (call == NULL)
    return;

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
device_chosen (HandsetCallView *self)
{
  self->offered_picker = FALSE;
  if (self->call != NULL)
    handset_call_clear_failed_device (self->call);
}

static void
forget_devices (HandsetCallView *self)
{
  if (self->devices == NULL)
    return;
  g_signal_handlers_disconnect_by_data (handset_media_devices_get_microphones (self->devices),
                                        self);
  g_signal_handlers_disconnect_by_data (handset_media_devices_get_speakers (self->devices), self);
  g_clear_object (&self->devices);
}

static void
handset_call_view_dispose (GObject *object)
{
  HandsetCallView *self = HANDSET_CALL_VIEW (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  clear_call (self);
  g_clear_pointer (&self->screen, handset_call_view_screen_free);
  forget_devices (self);
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

/* One section of the devices menu: the system's default, then each device,
 * as radio items of @action. */
static void
append_devices (HandsetCallView *self, const char *label, const char *action, GListModel *devices)
{
  g_autoptr (GMenu) section = g_menu_new ();
  g_autoptr (GMenuItem) fallback = g_menu_item_new (_ ("System default"), NULL);

  g_menu_item_set_action_and_target_value (fallback, action, g_variant_new_string (""));
  g_menu_append_item (section, fallback);
  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr (HandsetMediaDevice) device = g_list_model_get_item (devices, i);
      g_autoptr (GMenuItem) item =
          g_menu_item_new (handset_media_device_get_display_name (device), NULL);

      g_menu_item_set_action_and_target_value (
          item, action, g_variant_new_string (handset_media_device_get_name (device)));
      g_menu_append_item (section, item);
    }
  g_menu_append_section (self->devices_menu, label, G_MENU_MODEL (section));
}

static void
fill_devices_menu (HandsetCallView *self)
{
  g_menu_remove_all (self->devices_menu);
  append_devices (self, _ ("Microphone"), "call.microphone",
                  handset_media_devices_get_microphones (self->devices));
  append_devices (self, _ ("Speaker"), "call.speaker",
                  handset_media_devices_get_speakers (self->devices));
}

/**
 * handset_call_view_set_audio_devices:
 * @settings: where the chosen microphone and speaker are kept
 * @devices: the devices to choose from
 *
 * Shows the menu of microphones and speakers. A choice there is the same
 * as in Preferences: it goes into the call in progress and into the next.
 */
void
handset_call_view_set_audio_devices (HandsetCallView *self,
                                     GSettings *settings,
                                     HandsetMediaDevices *devices)
{
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GAction) microphone = NULL;
  g_autoptr (GAction) speaker = NULL;

  g_return_if_fail (HANDSET_IS_CALL_VIEW (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (HANDSET_IS_MEDIA_DEVICES (devices));

  forget_devices (self);
  self->devices = g_object_ref (devices);

  microphone = g_settings_create_action (settings, "microphone");
  speaker = g_settings_create_action (settings, "speaker");
  /* Another device chosen: a failure of the last one no longer stands. */
  g_signal_connect_object (settings, "changed::microphone", G_CALLBACK (device_chosen), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::speaker", G_CALLBACK (device_chosen), self,
                           G_CONNECT_SWAPPED);
  g_action_map_add_action (G_ACTION_MAP (group), microphone);
  g_action_map_add_action (G_ACTION_MAP (group), speaker);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "call", G_ACTION_GROUP (group));

  g_signal_connect_swapped (handset_media_devices_get_microphones (devices), "items-changed",
                            G_CALLBACK (fill_devices_menu), self);
  g_signal_connect_swapped (handset_media_devices_get_speakers (devices), "items-changed",
                            G_CALLBACK (fill_devices_menu), self);
  fill_devices_menu (self);
  gtk_menu_button_set_menu_model (self->devices_button, G_MENU_MODEL (self->devices_menu));
  gtk_widget_set_visible (GTK_WIDGET (self->devices_button), TRUE);
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
 * handset_call_view_get_devices_menu:
 *
 * Returns: (transfer none): the menu of microphones and speakers
 */
GMenuModel *
handset_call_view_get_devices_menu (HandsetCallView *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_VIEW (self), NULL);

  return G_MENU_MODEL (self->devices_menu);
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
