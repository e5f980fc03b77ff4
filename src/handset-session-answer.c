/* handset-session-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Answering what rings, one way for the ringing window, the command line
 * and D-Bus: a call, or the invitation of someone new. With video, inside
 * Flatpak, the Camera portal is asked for the cameras first (it may ask
 * the person); when it gives none, nothing is answered and the call still
 * rings, to be answered without video.
 */

#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-session.h"

typedef struct
{
  HandsetCall *call;
  HandsetCallInvitation *invitation;
  gboolean video;
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_object (&answer->call);
  g_clear_object (&answer->invitation);
  g_free (answer);
}

static gboolean
still_ringing (Answer *answer)
{
  if (answer->call != NULL)
    return handset_call_get_state (answer->call) == HANDSET_CALL_STATE_RINGING;
  return handset_call_invitation_get_state (answer->invitation) == HANDSET_CALL_INVITATION_RINGING;
}

static void
answer_now (GTask *task)
{
  HandsetSession *self = g_task_get_source_object (task);
  Answer *answer = g_task_get_task_data (task);

  if (!still_ringing (answer))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s",
                               _ ("The call no longer rings"));
      return;
    }
  if (answer->invitation != NULL)
    handset_call_manager_accept_invitation (handset_session_get_call_manager (self),
                                            answer->invitation, answer->video);
  else
    handset_call_answer (answer->call, answer->video);
  g_task_return_boolean (task, TRUE);
}

static void
cameras_ready_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  GError *error = NULL;

  /* Not allowed, or no camera: not answered, and the portal's answer
   * says why. */
  if (!handset_media_devices_request_cameras_finish (HANDSET_MEDIA_DEVICES (object), result,
                                                     &error))
    {
      g_task_return_error (task, error);
      return;
    }
  answer_now (task);
}

/**
 * handset_session_answer_async:
 * @call: (nullable): the call that rings, or
 * @invitation: (nullable): the invitation of someone new that rings
 * @video: whether to answer with video
 *
 * Answers @call or @invitation (one of them): with @video, the cameras
 * are asked for first when they are not listed yet (the Camera portal,
 * inside Flatpak), as when placing a video call.
 */
void
handset_session_answer_async (HandsetSession *self,
                              HandsetCall *call,
                              HandsetCallInvitation *invitation,
                              gboolean video,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  HandsetMediaDevices *devices;
  Answer *answer;

  g_return_if_fail (HANDSET_IS_SESSION (self));
  g_return_if_fail ((call != NULL) != (invitation != NULL));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_session_answer_async);
  answer = g_new0 (Answer, 1);
  answer->call = call ? g_object_ref (call) : NULL;
  answer->invitation = invitation ? g_object_ref (invitation) : NULL;
  answer->video = video;
  g_task_set_task_data (task, answer, (GDestroyNotify) answer_free);

  devices = handset_session_get_media_devices (self);
  if (video && still_ringing (answer) && devices != NULL &&
      !handset_media_devices_cameras_ready (devices))
    {
      handset_media_devices_request_cameras_async (devices, cancellable, cameras_ready_cb,
                                                   g_steal_pointer (&task));
      return;
    }
  answer_now (task);
}

/**
 * handset_session_answer_finish:
 *
 * Returns: whether it was answered; %FALSE with @error, in words for
 *   people, when the cameras could not be had (it still rings) or it no
 *   longer rang
 */
gboolean
handset_session_answer_finish (HandsetSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
