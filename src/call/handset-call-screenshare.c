/* handset-call-screenshare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Screen sharing in a call, as VoIP v1 and Element have it: our screen is
 * a second video stream of its own, its `sdp_stream_metadata` purpose
 * `m.screenshare`, added and dropped by m.call.negotiate; the peer's is
 * the stream its metadata gives that purpose, shown apart from its camera
 * (the media decode it as a screen share).
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-private.h"

void
call_screenshare_install_properties (void)
{
  /**
   * HandsetCall:screensharing:
   *
   * Our screen is shared in the call.
   */
  handset_call_props[PROP_SCREENSHARING] =
      g_param_spec_boolean ("screensharing", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HandsetCall:remote-screenshare:
   *
   * The other side shares its screen: its metadata names a stream with
   * purpose `m.screenshare` whose video is not muted. Its frames come as
   * the media's ::screenshare-frame.
   */
  handset_call_props[PROP_REMOTE_SCREENSHARE] =
      g_param_spec_boolean ("remote-screenshare", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

void
call_screenshare_install_signals (GType type)
{
  /**
   * HandsetCall::screenshare-ended:
   * @reason: why, in words for the person
   *
   * Our screen share ended without the person stopping it in Handset:
   * the desktop stopped it ("Stop sharing" in the shell), or the screen
   * could no longer be read. The call has stopped sharing as
   * handset_call_stop_screenshare() does.
   */
  g_signal_new ("screenshare-ended", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                G_TYPE_STRING);
}

void
call_screenshare_clear (HandsetCall *self)
{
  g_clear_object (&self->screen_opening);
  g_clear_pointer (&self->screen_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->screenshare_streams, g_strfreev);
}

/* The peer's metadata (an invite, answer, negotiate or metadata change):
 * which of its streams are screen shares, told to the media before the
 * description that carries them. */
void
call_handle_screenshare_metadata (HandsetCall *self, JsonObject *metadata)
{
  gboolean video_muted = FALSE;
  g_auto (GStrv) streams = handset_call_event_metadata_streams (
      metadata, HANDSET_MEDIA_PURPOSE_SCREENSHARE, &video_muted);

  g_strfreev (self->screenshare_streams);
  self->screenshare_streams = g_steal_pointer (&streams);
  if (self->media != NULL)
    handset_media_set_screenshare_streams (self->media,
                                           (const char *const *) self->screenshare_streams);
  call_set_boolean (self, &self->remote_screenshare,
                    self->screenshare_streams[0] != NULL && !video_muted, PROP_REMOTE_SCREENSHARE);
}

/**
 * handset_call_can_share_screen:
 *
 * Returns: whether sharing the screen makes sense now: the call is
 *   connected, the peer renegotiates (VoIP v1) and our media can share
 */
gboolean
handset_call_can_share_screen (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->state == HANDSET_CALL_STATE_CONNECTED && call_can_renegotiate (self) &&
         self->media != NULL && handset_media_can_share_screen (self->media);
}

gboolean
handset_call_get_screensharing (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  /* The media closed the screen with the call. */
  return self->screensharing && !call_is_ended (self);
}

gboolean
handset_call_get_remote_screenshare (HandsetCall *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL (self), FALSE);

  return self->remote_screenshare && !call_is_ended (self);
}

/* Answers the ask that opened the screen and those that came while it
 * opened, alike: @error (taken) or success. */
static void
screen_answer (HandsetCall *self, GTask *task, GError *error)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&self->screen_waiters);

  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_boolean (waiter, TRUE);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
screen_opened_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  HandsetCall *self = g_task_get_source_object (task);
  GError *error = NULL;

  g_clear_object (&self->screen_opening);
  if (!handset_media_start_screenshare_finish (HANDSET_MEDIA (object), result, &error))
    {
      screen_answer (self, task, error);
      return;
    }
  if (call_is_ended (self))
    {
      screen_answer (self, task, g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "The call ended"));
      return;
    }
  call_set_boolean (self, &self->screensharing, TRUE, PROP_SCREENSHARING);
  /* The new stream and its metadata go in an m.call.negotiate offer. */
  call_start_negotiation (self, FALSE);
  screen_answer (self, task, NULL);
}

/**
 * handset_call_start_screenshare_async:
 * @cancellable: (nullable): stops the asking (the desktop may ask the
 *   person which screen)
 *
 * Shares the screen in a connected call: it is opened, then offered to
 * the peer in an m.call.negotiate with purpose `m.screenshare`. Asked
 * again while the screen opens (the desktop's dialog still up), nothing
 * more is opened: this ask is answered with the first, once the screen is
 * shared or could not be.
 */
void
handset_call_start_screenshare_async (HandsetCall *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (HANDSET_IS_CALL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_call_start_screenshare_async);
  if (self->screensharing)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->screen_opening != NULL)
    {
      if (self->screen_waiters == NULL)
        self->screen_waiters = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->screen_waiters, g_steal_pointer (&task));
      return;
    }
  if (!handset_call_can_share_screen (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "The screen can be shared only in a connected call with a peer "
                               "that renegotiates");
      return;
    }
  self->screen_opening = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  handset_media_start_screenshare (self->media, self->screen_opening, screen_opened_cb,
                                   g_steal_pointer (&task));
}

/**
 * handset_call_start_screenshare_finish:
 *
 * Returns: whether the screen is shared; %FALSE with @error, in words for
 *   the person, when it cannot be opened
 */
gboolean
handset_call_start_screenshare_finish (HandsetCall *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * handset_call_stop_screenshare:
 *
 * Stops sharing the screen: it is closed at once, and the peer is told in
 * an m.call.negotiate whose metadata no longer names it.
 */
void
handset_call_stop_screenshare (HandsetCall *self)
{
  g_return_if_fail (HANDSET_IS_CALL (self));

  if (self->screen_opening != NULL)
    g_cancellable_cancel (self->screen_opening);
  if (!self->screensharing)
    return;
  call_set_boolean (self, &self->screensharing, FALSE, PROP_SCREENSHARING);
  if (self->media == NULL || call_is_ended (self))
    return;
  handset_media_stop_screenshare (self->media);
  call_start_negotiation (self, FALSE);
}

/* The media ended our share (the desktop stopped it, or the screen
 * failed): the call stops sharing as when the person stops it, and says
 * why. */
void
call_screenshare_ended_cb (HandsetMedia *media, const char *reason, HandsetCall *self)
{
  if (!self->screensharing)
    return;
  g_message ("Call %s: the screen share ended: %s", self->call_id, reason);
  call_set_boolean (self, &self->screensharing, FALSE, PROP_SCREENSHARING);
  if (!call_is_ended (self))
    call_start_negotiation (self, FALSE);
  g_signal_emit_by_name (self, "screenshare-ended", reason);
}
