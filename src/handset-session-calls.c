/* handset-session-calls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placing a call, the one way the window, links, the command line and
 * D-Bus do it: the target checked, the cameras asked for, the first sync
 * waited for, then the room called or the person in the direct chat with
 * them, made first if there is none.
 */

#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-call-target.h"
#include "handset-session-private.h"

/* A call asked for with handset_session_place_call_async(). */
typedef struct
{
  char *id; /* the user or room ID */
  gboolean is_room;
  gboolean video;
  gulong cancelled_handler; /* while it waits for the first sync */
} PlaceCall;

static void
place_call_free (PlaceCall *p)
{
  g_free (p->id);
  g_free (p);
}

static void
return_placed (GTask *task, HandsetCall *call, GError *error)
{
  if (call == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (call), g_object_unref);
}

static void
direct_chat_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetSession *self = g_task_get_source_object (task);
  PlaceCall *p = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *room_id = NULL;
  HandsetCall *call;

  room_id = handset_contact_list_ensure_direct_chat_finish (HANDSET_CONTACT_LIST (object), result,
                                                            NULL, &error);
  if (room_id == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  call = handset_call_manager_place_call (self->manager, room_id, p->id, p->video, &error);
  return_placed (task, call, error);
}

static void
place_now (HandsetSession *self, GTask *task)
{
  PlaceCall *p = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (p->is_room)
    {
      if (handset_rooms_lookup (self->rooms, p->id) == NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                 _ ("You are not a member of the room %s"), p->id);
      else
        {
          /* Placed first: the error is read after it is set. */
          HandsetCall *call =
              handset_call_manager_place_call (self->manager, p->id, NULL, p->video, &error);

          return_placed (task, call, error);
        }
      g_object_unref (task);
      return;
    }

  {
    /* A person: in the direct chat with them, made first if there is none.
     * A new chat carries the call's mark: the callee, only invited, sees
     * that someone calls (see HandsetCallInvitation). */
    g_autoptr (JsonObject) mark = handset_call_invitation_build_mark (p->video);

    handset_contact_list_ensure_direct_chat_async (
        self->contacts, handset_account_get_client (self->account), p->id, mark,
        g_task_get_cancellable (task), direct_chat_cb, task);
  }
}

/* Calls asked for before the first sync, placed once it is in. */
void
handset_session_place_waiting (HandsetSession *self)
{
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting_calls);

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);
      PlaceCall *p = g_task_get_task_data (task);

      g_cancellable_disconnect (g_task_get_cancellable (task), p->cancelled_handler);
      place_now (self, task);
    }
}

/* Given up while it waited for the first sync: it fails now. */
static gboolean
waiting_cancelled_in_idle (gpointer data)
{
  GTask *task = data;
  HandsetSession *self = g_task_get_source_object (task);

  if (self->waiting_calls != NULL && g_ptr_array_remove (self->waiting_calls, task))
    {
      PlaceCall *p = g_task_get_task_data (task);

      g_cancellable_disconnect (g_task_get_cancellable (task), p->cancelled_handler);
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static void
waiting_cancelled_cb (GCancellable *cancellable, GTask *task)
{
  /* Not here: g_cancellable_disconnect() must not run in this handler. */
  g_idle_add_full (G_PRIORITY_DEFAULT, waiting_cancelled_in_idle, g_object_ref (task),
                   g_object_unref);
}

static void
place_when_ready (HandsetSession *self, GTask *task)
{
  PlaceCall *p = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  /* Stopped (a logout, another session taken) while the camera was asked
   * for, or before: the call would go nowhere, and nothing would answer. */
  if (self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _ ("Handset stopped before the call was placed"));
      g_object_unref (task);
      return;
    }
  if (!self->ready)
    {
      if (self->waiting_calls == NULL)
        self->waiting_calls = g_ptr_array_new ();
      g_ptr_array_add (self->waiting_calls, task);
      if (cancellable != NULL)
        p->cancelled_handler =
            g_cancellable_connect (cancellable, G_CALLBACK (waiting_cancelled_cb), task, NULL);
      return;
    }
  place_now (self, task);
}

static void
cameras_ready_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (user_data);
  GError *error = NULL;

  /* Not allowed, or no camera: the video call is not placed, and the
   * portal's answer says why. */
  if (!handset_media_devices_request_cameras_finish (HANDSET_MEDIA_DEVICES (object), result,
                                                     &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  place_when_ready (g_task_get_source_object (task), task);
}

/**
 * handset_session_place_call_async:
 * @target: a user ID, a room ID, or a `matrix:` or https://matrix.to link
 *   to either, as a person gave it
 * @video: whether the call starts with video
 *
 * The one way to place a call, for the window, links, the command line
 * and D-Bus: checks @target (handset_call_target_parse()), waits for the
 * first sync (before it the direct chats are not known, and a second one
 * would be made), then calls the room, or the person in the direct chat
 * with them, made first if there is none.
 */
void
handset_session_place_call_async (HandsetSession *self,
                                  const char *target,
                                  gboolean video,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  PlaceCall *p = g_new0 (PlaceCall, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, handset_session_place_call_async);
  g_task_set_task_data (task, p, (GDestroyNotify) place_call_free);
  p->video = video;
  p->id = handset_call_target_parse (target, &p->is_room, &error);
  if (p->id == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Inside Flatpak the cameras are asked for when a video call is first
   * placed. */
  if (video && self->media_devices != NULL &&
      !handset_media_devices_cameras_ready (self->media_devices))
    {
      handset_media_devices_request_cameras_async (self->media_devices, cancellable,
                                                   cameras_ready_cb, task);
      return;
    }
  place_when_ready (self, task);
}

/**
 * handset_session_place_call_finish:
 *
 * Returns: (transfer full): the call, placed; or %NULL with
 *   %G_IO_ERROR_INVALID_ARGUMENT for a target that names no one to call,
 *   %G_IO_ERROR_NOT_FOUND for a room we are not in, %G_IO_ERROR_CANCELLED
 *   when the session stopped first, or what placing the call met
 */
HandsetCall *
handset_session_place_call_finish (HandsetSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Calls that waited for a sync that now never comes: the session
 * stopped. */
void
handset_session_fail_waiting (HandsetSession *self)
{
  if (self->waiting_calls != NULL)
    {
      g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting_calls);

      for (guint i = 0; i < waiting->len; i++)
        {
          GTask *task = g_ptr_array_index (waiting, i);
          PlaceCall *p = g_task_get_task_data (task);

          g_cancellable_disconnect (g_task_get_cancellable (task), p->cancelled_handler);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _ ("Handset stopped before the call was placed"));
          g_object_unref (task);
        }
    }
}
