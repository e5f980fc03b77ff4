/* handset-incoming-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ringing call: who calls, from which room; accept, accept with video,
 * decline. When another device of ours takes the call it says where for a
 * moment, and closes; when the caller gives up, it closes.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-view.h"
#include "handset-incoming-window.h"

struct _HandsetIncomingWindow
{
  AdwWindow parent_instance;

  AdwAvatar *avatar;
  GtkLabel *caller_label;
  GtkLabel *status_label;
  GtkWidget *encryption_box;
  GtkLabel *encryption_label;
  GtkWidget *buttons;
  GtkWidget *video_button;

  HandsetCall *call;                 /* or, for someone new: */
  HandsetCallInvitation *invitation; /* the invitation that rings */
  HandsetCallManager *manager;
  guint close_timer;
  HandsetRingtone *ringtone;
  gboolean waiting;        /* a call waiting: no ringtone over the call going on */
  HandsetSession *session; /* answers with video, the cameras asked for first */
};

G_DEFINE_FINAL_TYPE (HandsetIncomingWindow, handset_incoming_window, ADW_TYPE_WINDOW)

/* ------------------------------------------------------------------ ringtone */

static gboolean
still_ringing (HandsetIncomingWindow *self)
{
  if (self->call != NULL)
    return handset_call_get_state (self->call) == HANDSET_CALL_STATE_RINGING;
  return self->invitation != NULL &&
         handset_call_invitation_get_state (self->invitation) == HANDSET_CALL_INVITATION_RINGING;
}

static void
start_ringtone (HandsetIncomingWindow *self)
{
  if (self->ringtone != NULL && !self->waiting && still_ringing (self))
    handset_ringtone_play (self->ringtone);
}

static void
stop_ringtone (HandsetIncomingWindow *self)
{
  if (self->ringtone != NULL)
    handset_ringtone_stop (self->ringtone);
}

gboolean
handset_incoming_window_is_ringing (HandsetIncomingWindow *self)
{
  return self->ringtone != NULL && handset_ringtone_is_playing (self->ringtone);
}

/**
 * handset_incoming_window_set_ringtone:
 * @ringtone: (nullable): what rings while the call does, on the speaker
 *   chosen for calls
 */
void
handset_incoming_window_set_ringtone (HandsetIncomingWindow *self, HandsetRingtone *ringtone)
{
  g_return_if_fail (HANDSET_IS_INCOMING_WINDOW (self));

  stop_ringtone (self);
  g_set_object (&self->ringtone, ringtone);
  start_ringtone (self);
}

/**
 * handset_incoming_window_set_waiting:
 *
 * The call rings while another is going on: no ringtone over that call,
 * and the window says it is a call waiting (answering it puts the other
 * on hold).
 */
void
handset_incoming_window_set_waiting (HandsetIncomingWindow *self, gboolean waiting)
{
  g_autofree char *status = NULL;

  g_return_if_fail (HANDSET_IS_INCOMING_WINDOW (self));

  if (!waiting)
    return;
  self->waiting = TRUE;
  stop_ringtone (self);
  /* Translators: a second call while one is going on; then what it is */
  status = g_strdup_printf (_ ("Call waiting · %s"), gtk_label_get_text (self->status_label));
  gtk_label_set_text (self->status_label, status);
}

/* ------------------------------------------------------------------ choices */

static void
on_accept (HandsetIncomingWindow *self)
{
  if (self->invitation != NULL)
    handset_call_manager_accept_invitation (self->manager, self->invitation, FALSE);
  else
    handset_call_answer (self->call, FALSE);
}

static void
accept_video (HandsetIncomingWindow *self)
{
  if (self->invitation != NULL)
    handset_call_manager_accept_invitation (self->manager, self->invitation, TRUE);
  else if (self->call != NULL)
    handset_call_answer (self->call, TRUE);
}

static void
answered_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetIncomingWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!handset_session_answer_finish (HANDSET_SESSION (object), result, &error) &&
      still_ringing (self))
    {
      /* Not allowed, or no camera: still ringing, answerable without
       * video, and the button says why. */
      gtk_widget_set_sensitive (self->video_button, FALSE);
      gtk_widget_set_tooltip_text (self->video_button, error->message);
    }
}

static void
on_accept_video (HandsetIncomingWindow *self)
{
  /* The way the command line and D-Bus answer too: inside Flatpak the
   * cameras are asked for when a person first wants to send video. */
  if (self->session != NULL && still_ringing (self))
    handset_session_answer_async (self->session, self->invitation ? NULL : self->call,
                                  self->invitation, TRUE, NULL, answered_cb, g_object_ref (self));
  else
    accept_video (self);
}

static void
on_decline (HandsetIncomingWindow *self)
{
  if (self->invitation != NULL)
    handset_call_manager_decline_invitation (self->manager, self->invitation);
  else
    handset_call_reject (self->call);
}

static void
close_timeout (gpointer user_data)
{
  HandsetIncomingWindow *self = HANDSET_INCOMING_WINDOW (user_data);

  self->close_timer = 0;
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Answered or declined on another device of ours. */
static gboolean
ended_elsewhere (HandsetCall *call)
{
  HandsetCallEndReason reason = handset_call_get_end_reason (call);

  return reason == HANDSET_CALL_END_ANSWERED_ELSEWHERE ||
         reason == HANDSET_CALL_END_DECLINED_ELSEWHERE;
}

static void
state_changed (HandsetCall *call,
               HandsetCallState state,
               HandsetCallState old,
               HandsetIncomingWindow *self)
{
  if (state == HANDSET_CALL_STATE_RINGING)
    return;

  stop_ringtone (self);

  if (state == HANDSET_CALL_STATE_ENDED && ended_elsewhere (call))
    {
      g_autofree char *text = handset_call_describe_end (call);

      /* Say where it went, for a moment. */
      gtk_label_set_text (self->status_label, text);
      gtk_widget_set_sensitive (self->buttons, FALSE);
      if (self->close_timer == 0)
        self->close_timer =
            g_timeout_add_once (HANDSET_INCOMING_ANSWERED_ELSEWHERE_MS, close_timeout, self);
      return;
    }

  /* Answered here (the call view takes over), declined, or given up. */
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
answered_by_changed (HandsetIncomingWindow *self)
{
  if (ended_elsewhere (self->call))
    {
      g_autofree char *text = handset_call_describe_end (self->call);

      gtk_label_set_text (self->status_label, text);
    }
}

static void
update_encryption (HandsetIncomingWindow *self)
{
  if (self->call == NULL)
    {
      gtk_widget_set_visible (self->encryption_box, FALSE);
      return;
    }
  {
    g_autofree char *encryption =
        handset_call_describe_encryption (self->call, gtk_label_get_text (self->caller_label));

    gtk_label_set_text (self->encryption_label, encryption ? encryption : "");
    gtk_widget_set_visible (self->encryption_box, encryption != NULL);
  }
}

static void
handset_incoming_window_dispose (GObject *object)
{
  HandsetIncomingWindow *self = HANDSET_INCOMING_WINDOW (object);

  g_clear_handle_id (&self->close_timer, g_source_remove);
  stop_ringtone (self);
  g_clear_object (&self->ringtone);
  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_clear_object (&self->call);
  if (self->invitation != NULL)
    g_signal_handlers_disconnect_by_data (self->invitation, self);
  g_clear_object (&self->invitation);
  g_clear_object (&self->manager);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (handset_incoming_window_parent_class)->dispose (object);
}

/* Nothing has the focus when the window comes up: no button takes an
 * Enter or a space typed for another window. Tab reaches them. */
static void
handset_incoming_window_show (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (handset_incoming_window_parent_class)->show (widget);
  gtk_window_set_focus (GTK_WINDOW (widget), NULL);
}

/* Closing the window while it rings declines the call: a ringing call
 * with no window to answer it would be lost. */
static gboolean
handset_incoming_window_close_request (GtkWindow *window)
{
  HandsetIncomingWindow *self = HANDSET_INCOMING_WINDOW (window);

  if (self->call != NULL && handset_call_get_state (self->call) == HANDSET_CALL_STATE_RINGING)
    handset_call_reject (self->call);
  if (self->invitation != NULL)
    handset_call_manager_decline_invitation (self->manager, self->invitation);

  return GTK_WINDOW_CLASS (handset_incoming_window_parent_class)->close_request (window);
}

static void
handset_incoming_window_class_init (HandsetIncomingWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = handset_incoming_window_dispose;
  widget_class->show = handset_incoming_window_show;
  GTK_WINDOW_CLASS (klass)->close_request = handset_incoming_window_close_request;

  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/handset/Handset/ui/handset-incoming-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, caller_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, buttons);
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, video_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, encryption_box);
  gtk_widget_class_bind_template_child (widget_class, HandsetIncomingWindow, encryption_label);
  gtk_widget_class_bind_template_callback (widget_class, on_accept);
  gtk_widget_class_bind_template_callback (widget_class, on_accept_video);
  gtk_widget_class_bind_template_callback (widget_class, on_decline);
}

static void
handset_incoming_window_init (HandsetIncomingWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * handset_incoming_window_new:
 * @room_name: (nullable): the room's name, when it has one
 */
HandsetIncomingWindow *
handset_incoming_window_new (GtkApplication *application,
                             HandsetCall *call,
                             const char *caller_name,
                             const char *room_name)
{
  HandsetIncomingWindow *self =
      g_object_new (HANDSET_TYPE_INCOMING_WINDOW, "application", application, NULL);
  g_autofree char *status = NULL;
  gboolean video = handset_call_get_video (call) || handset_call_get_remote_video (call);

  self->call = g_object_ref (call);
  adw_avatar_set_text (self->avatar, caller_name);
  gtk_label_set_text (self->caller_label, caller_name);
  if (room_name != NULL && *room_name != '\0')
    status = g_strdup_printf (video ? _ ("Video call in %s") : _ ("Call in %s"), room_name);
  else
    status = g_strdup (video ? _ ("Incoming video call") : _ ("Incoming call"));
  gtk_label_set_text (self->status_label, status);
  update_encryption (self);
  g_signal_connect_swapped (call, "notify::peer-trust", G_CALLBACK (update_encryption), self);

  g_signal_connect (call, "state-changed", G_CALLBACK (state_changed), self);
  start_ringtone (self);
  g_signal_connect_swapped (call, "notify::answered-by", G_CALLBACK (answered_by_changed), self);

  return self;
}

static void
invitation_state_changed (HandsetIncomingWindow *self)
{
  switch (handset_call_invitation_get_state (self->invitation))
    {
      case HANDSET_CALL_INVITATION_RINGING:
        return;
      case HANDSET_CALL_INVITATION_JOINING:
        /* Answered: the call comes once the chat is joined. */
        stop_ringtone (self);
        gtk_label_set_text (self->status_label, _ ("Joining the chat…"));
        gtk_widget_set_sensitive (self->buttons, FALSE);
        return;
      case HANDSET_CALL_INVITATION_ANSWERED:
      case HANDSET_CALL_INVITATION_DECLINED:
      case HANDSET_CALL_INVITATION_GONE:
      case HANDSET_CALL_INVITATION_FAILED:
      default:
        stop_ringtone (self);
        gtk_window_destroy (GTK_WINDOW (self));
        return;
    }
}

/**
 * handset_incoming_window_new_for_invitation:
 *
 * The window for someone new who calls: their invitation to a direct chat
 * made for the call rings. Answer joins the chat and answers the call in
 * it; Decline declines the invitation.
 */
HandsetIncomingWindow *
handset_incoming_window_new_for_invitation (GtkApplication *application,
                                            HandsetCallManager *manager,
                                            HandsetCallInvitation *invitation,
                                            const char *caller_name)
{
  HandsetIncomingWindow *self =
      g_object_new (HANDSET_TYPE_INCOMING_WINDOW, "application", application, NULL);

  self->invitation = g_object_ref (invitation);
  self->manager = g_object_ref (manager);
  adw_avatar_set_text (self->avatar, caller_name);
  gtk_label_set_text (self->caller_label, caller_name);
  gtk_label_set_text (self->status_label, handset_call_invitation_get_video (invitation)
                                              ? _ ("Video call · a new contact")
                                              : _ ("Calling you · a new contact"));
  update_encryption (self);
  g_signal_connect_swapped (invitation, "notify::state", G_CALLBACK (invitation_state_changed),
                            self);
  start_ringtone (self);

  return self;
}

/**
 * handset_incoming_window_get_invitation:
 *
 * Returns: (transfer none) (nullable): the invitation that rings, for
 *   someone new
 */
HandsetCallInvitation *
handset_incoming_window_get_invitation (HandsetIncomingWindow *self)
{
  return self->invitation;
}

/**
 * handset_incoming_window_set_session:
 * @session: (nullable): the session, which answers with video (the
 *   cameras asked for first when they are not listed yet, inside Flatpak)
 */
void
handset_incoming_window_set_session (HandsetIncomingWindow *self, HandsetSession *session)
{
  g_return_if_fail (HANDSET_IS_INCOMING_WINDOW (self));

  g_set_object (&self->session, session);
}

/**
 * handset_incoming_window_set_can_send_video:
 *
 * Without a camera, answering with video is off, and says why.
 */
void
handset_incoming_window_set_can_send_video (HandsetIncomingWindow *self, gboolean can)
{
  g_return_if_fail (HANDSET_IS_INCOMING_WINDOW (self));

  gtk_widget_set_sensitive (self->video_button, can);
  if (!can)
    gtk_widget_set_tooltip_text (self->video_button, _ ("No camera was found"));
}

/**
 * handset_incoming_window_set_avatar:
 * @cache: (nullable): the session's avatars
 * @mxc_uri: (nullable): the caller's avatar
 */
void
handset_incoming_window_set_avatar (HandsetIncomingWindow *self,
                                    HandsetAvatarCache *cache,
                                    const char *mxc_uri)
{
  g_return_if_fail (HANDSET_IS_INCOMING_WINDOW (self));

  handset_avatar_cache_bind (cache, self->avatar, mxc_uri);
}

AdwAvatar *
handset_incoming_window_get_avatar (HandsetIncomingWindow *self)
{
  return self->avatar;
}

HandsetCall *
handset_incoming_window_get_call (HandsetIncomingWindow *self)
{
  return self->call;
}

const char *
handset_incoming_window_get_status_text (HandsetIncomingWindow *self)
{
  return gtk_label_get_text (self->status_label);
}

/**
 * handset_incoming_window_get_encryption_text:
 *
 * Returns: what the window says of the call's encryption; empty for a call
 *   in clear
 */
const char *
handset_incoming_window_get_encryption_text (HandsetIncomingWindow *self)
{
  return gtk_widget_get_visible (self->encryption_box) ? gtk_label_get_text (self->encryption_label)
                                                       : "";
}
