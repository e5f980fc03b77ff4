/* handset-dbus.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls of a session on D-Bus (data/io.github.handset.Handset.Calls.xml):
 * a CallManager object at BASE/Calls and one Call object per call at
 * BASE/Calls/N. Call IDs hold characters that object paths cannot, so
 * each call gets the next number instead. The objects mirror the
 * HandsetCall they stand for and act on it; nothing here keeps call state
 * of its own. Invitations from someone new are in
 * handset-dbus-invitations.c.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <string.h>

#include "handset-call-facts.h"
#include "handset-dbus-generated.h"
#include "handset-dbus-invitations.h"
#include "handset-dbus.h"
#include "handset-matrix-uri.h"
#include "handset-media.h"

/* The spec's limit for an identifier, sigil included. */

typedef struct
{
  HandsetDBus *owner; /* unowned: the owner frees its objects first */
  HandsetCall *call;
  HandsetMedia *media;
  HandsetDBusCall *skeleton;
  char *path;
} CallObject;

/* A PlaceCall in progress. It holds no reference on its HandsetDBus, so
 * that dropping the last reference still unexports everything at once; a
 * finished request first checks the cancellable, which dispose cancels. */
typedef struct
{
  HandsetDBus *owner;
  GCancellable *cancellable;
  GDBusMethodInvocation *invocation;
} PlaceCall;

struct _HandsetDBus
{
  GObject parent_instance;

  GDBusConnection *connection;
  char *base_path;
  char *manager_path;
  HandsetSession *session;
  HandsetCallManager *manager;
  HandsetDBusCallManager *manager_skeleton;
  GPtrArray *objects; /* CallObject, oldest first */
  HandsetDBusInvitations *invitations;
  GCancellable *cancellable;
  guint next_number;
  guint prune_source;
  gboolean exported;
};

G_DEFINE_FINAL_TYPE (HandsetDBus, handset_dbus, G_TYPE_OBJECT)

static void
return_failed (GDBusMethodInvocation *invocation, const char *message)
{
  g_dbus_method_invocation_return_dbus_error (invocation, HANDSET_DBUS_ERROR_FAILED, message);
}

static const char *
or_empty (const char *value)
{
  return value ? value : "";
}

/* ------------------------------------------------------------------ call objects */

static void
sync_media_bytes (CallObject *object)
{
  HandsetMediaStats stats;

  if (object->media == NULL)
    return;

  handset_media_get_stats (object->media, &stats);
  handset_dbus_call_set_audio_bytes_sent (object->skeleton, stats.audio_bytes_sent);
  handset_dbus_call_set_audio_bytes_received (object->skeleton, stats.audio_bytes_received);
}

/* Sets every property; the skeleton only announces those that changed. */
static void
sync_properties (CallObject *object)
{
  HandsetCall *call = object->call;
  HandsetDBusCall *skeleton = object->skeleton;
  g_autofree char *name = handset_call_facts_opponent_name (object->owner->session, call);

  handset_dbus_call_set_call_id (skeleton, or_empty (handset_call_get_call_id (call)));
  handset_dbus_call_set_room_id (skeleton, or_empty (handset_call_get_room_id (call)));
  handset_dbus_call_set_direction (
      skeleton, handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING ? "outgoing"
                                                                                     : "incoming");
  handset_dbus_call_set_state (skeleton,
                               handset_call_state_to_string (handset_call_get_state (call)));
  handset_dbus_call_set_party_id (skeleton, or_empty (handset_call_get_party_id (call)));
  handset_dbus_call_set_opponent_user_id (skeleton,
                                          or_empty (handset_call_get_opponent_user_id (call)));
  handset_dbus_call_set_opponent_display_name (skeleton, name);
  handset_dbus_call_set_opponent_party_id (skeleton,
                                           or_empty (handset_call_get_opponent_party_id (call)));
  handset_dbus_call_set_answered_by (skeleton, or_empty (handset_call_get_answered_by (call)));
  handset_dbus_call_set_end_reason (
      skeleton, handset_call_end_reason_to_string (handset_call_get_end_reason (call)));
  handset_dbus_call_set_video (skeleton, handset_call_facts_video (call));
  handset_dbus_call_set_encrypted (skeleton, handset_call_get_encrypted (call));
  handset_dbus_call_set_peer_verified (
      skeleton, handset_peer_trust_is_cross_signed (handset_call_get_peer_trust (call)));
  sync_media_bytes (object);
}

static void
media_bytes_cb (HandsetMedia *media, CallObject *object)
{
  sync_media_bytes (object);
}

/* The call's media, for its byte counts: an incoming call has it only
 * once answered. */
static void
follow_media (CallObject *object)
{
  HandsetMedia *media = handset_call_get_media (object->call);

  if (media == object->media)
    return;
  if (object->media != NULL)
    g_signal_handlers_disconnect_by_data (object->media, object);
  g_set_object (&object->media, media);
  if (media != NULL)
    g_signal_connect (media, "stats-changed", G_CALLBACK (media_bytes_cb), object);
}

static void
call_notify_cb (HandsetCall *call, GParamSpec *pspec, CallObject *object)
{
  if (g_str_equal (pspec->name, "media"))
    follow_media (object);
  sync_properties (object);
}

static gboolean prune_cb (gpointer user_data);

static void
call_state_changed_cb (HandsetCall *call,
                       HandsetCallState new_state,
                       HandsetCallState old_state,
                       CallObject *object)
{
  HandsetDBus *self = object->owner;

  /* PropertiesChanged goes out from an idle; flushed here, a client that
   * reads State on StateChanged already finds the new one. */
  sync_properties (object);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (object->skeleton));
  handset_dbus_call_emit_state_changed (object->skeleton, handset_call_state_to_string (new_state),
                                        handset_call_state_to_string (old_state));

  /* The manager drops invites that ended before they could ring, right
   * after this signal; their objects go once it has. */
  if (new_state == HANDSET_CALL_STATE_ENDED && self->prune_source == 0)
    self->prune_source = g_idle_add (prune_cb, self);
}

/* Answered, or not (no camera for video: it still rings, and the error
 * says why). */
static void
answered_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr (GError) error = NULL;

  if (handset_session_answer_finish (HANDSET_SESSION (object), result, &error))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    return_failed (invocation, error->message);
}

static gboolean
handle_answer (HandsetDBusCall *skeleton,
               GDBusMethodInvocation *invocation,
               gboolean video,
               CallObject *object)
{
  if (handset_call_get_direction (object->call) != HANDSET_CALL_DIRECTION_INCOMING ||
      handset_call_get_state (object->call) != HANDSET_CALL_STATE_RINGING)
    {
      return_failed (invocation, "Only a ringing call can be answered");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  handset_session_answer_async (object->owner->session, object->call, NULL, video, NULL,
                                answered_cb, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reject (HandsetDBusCall *skeleton, GDBusMethodInvocation *invocation, CallObject *object)
{
  /* The same rule as handset_call_reject(): until the answer went out. */
  if (handset_call_get_direction (object->call) != HANDSET_CALL_DIRECTION_INCOMING ||
      handset_call_get_state (object->call) >= HANDSET_CALL_STATE_CONNECTING)
    {
      return_failed (invocation, "Only an incoming call that is not yet answered can be "
                                 "rejected; Hangup ends the others");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  handset_call_reject (object->call);
  handset_dbus_call_complete_reject (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_hangup (HandsetDBusCall *skeleton, GDBusMethodInvocation *invocation, CallObject *object)
{
  if (handset_call_get_state (object->call) == HANDSET_CALL_STATE_ENDED)
    {
      return_failed (invocation, "The call has already ended");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  handset_call_hangup (object->call);
  handset_dbus_call_complete_hangup (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* HandsetCall refuses a hold it cannot negotiate without a word; its
 * on-hold property afterwards tells whether it took. */
static gboolean
set_on_hold (CallObject *object, GDBusMethodInvocation *invocation, gboolean on_hold)
{
  if (handset_call_get_state (object->call) == HANDSET_CALL_STATE_ENDED)
    {
      return_failed (invocation, "The call has already ended");
      return FALSE;
    }

  handset_call_set_on_hold (object->call, on_hold);
  if (handset_call_get_on_hold (object->call) != on_hold)
    {
      return_failed (invocation, on_hold ? "The call cannot be put on hold now: it is not in "
                                           "progress, or the other side cannot hold calls"
                                         : "The call cannot be resumed now");
      return FALSE;
    }

  return TRUE;
}

static gboolean
handle_hold (HandsetDBusCall *skeleton, GDBusMethodInvocation *invocation, CallObject *object)
{
  if (set_on_hold (object, invocation, TRUE))
    handset_dbus_call_complete_hold (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_resume (HandsetDBusCall *skeleton, GDBusMethodInvocation *invocation, CallObject *object)
{
  if (set_on_hold (object, invocation, FALSE))
    handset_dbus_call_complete_resume (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_muted (HandsetDBusCall *skeleton,
                  GDBusMethodInvocation *invocation,
                  gboolean muted,
                  CallObject *object)
{
  if (handset_call_get_state (object->call) == HANDSET_CALL_STATE_ENDED)
    {
      return_failed (invocation, "The call has already ended");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  handset_call_set_muted (object->call, muted);
  handset_dbus_call_complete_set_muted (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
call_object_free (CallObject *object)
{
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (object->skeleton);

  g_signal_handlers_disconnect_by_data (object->call, object);
  if (object->media != NULL)
    g_signal_handlers_disconnect_by_data (object->media, object);
  /* A method call already on its way finds no handler, and is told so. */
  g_signal_handlers_disconnect_by_data (skeleton, object);
  if (g_dbus_interface_skeleton_get_connection (skeleton) != NULL)
    g_dbus_interface_skeleton_unexport (skeleton);

  g_clear_object (&object->skeleton);
  g_clear_object (&object->media);
  g_clear_object (&object->call);
  g_free (object->path);
  g_free (object);
}

static CallObject *
call_object_new (HandsetDBus *self, HandsetCall *call)
{
  CallObject *object = g_new0 (CallObject, 1);
  g_autoptr (GError) error = NULL;

  object->owner = self;
  object->call = g_object_ref (call);
  follow_media (object);
  object->skeleton = handset_dbus_call_skeleton_new ();
  object->path = g_strdup_printf ("%s/%u", self->manager_path, self->next_number++);

  /* Filled before the export, so the object never shows empty values. */
  sync_properties (object);

  g_signal_connect (object->skeleton, "handle-answer", G_CALLBACK (handle_answer), object);
  g_signal_connect (object->skeleton, "handle-reject", G_CALLBACK (handle_reject), object);
  g_signal_connect (object->skeleton, "handle-hangup", G_CALLBACK (handle_hangup), object);
  g_signal_connect (object->skeleton, "handle-hold", G_CALLBACK (handle_hold), object);
  g_signal_connect (object->skeleton, "handle-resume", G_CALLBACK (handle_resume), object);
  g_signal_connect (object->skeleton, "handle-set-muted", G_CALLBACK (handle_set_muted), object);

  g_signal_connect (call, "notify", G_CALLBACK (call_notify_cb), object);
  g_signal_connect (call, "state-changed", G_CALLBACK (call_state_changed_cb), object);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (object->skeleton),
                                         self->connection, object->path, &error))
    g_warning ("Call %s cannot be put on D-Bus at %s: %s", handset_call_get_call_id (call),
               object->path, error->message);

  return object;
}

static CallObject *
find_object (HandsetDBus *self, HandsetCall *call)
{
  for (guint i = 0; i < self->objects->len; i++)
    {
      CallObject *object = g_ptr_array_index (self->objects, i);

      if (object->call == call)
        return object;
    }

  return NULL;
}

static void
update_calls_property (HandsetDBus *self)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->objects->len; i++)
    g_ptr_array_add (paths, ((CallObject *) g_ptr_array_index (self->objects, i))->path);
  g_ptr_array_add (paths, NULL);

  handset_dbus_call_manager_set_calls (self->manager_skeleton, (const char *const *) paths->pdata);
}

static void
add_call (HandsetDBus *self, HandsetCall *call)
{
  CallObject *object;

  if (find_object (self, call) != NULL)
    return;

  object = call_object_new (self, call);
  g_ptr_array_add (self->objects, object);
  update_calls_property (self);
  /* Calls first, so a client that reads it on CallAdded finds the call. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->manager_skeleton));
  handset_dbus_call_manager_emit_call_added (self->manager_skeleton, object->path);
}

static void
call_added_cb (HandsetCallManager *manager, HandsetCall *call, HandsetDBus *self)
{
  add_call (self, call);
}

/* Drops the objects of ended calls that the manager no longer keeps. */
static gboolean
prune_cb (gpointer user_data)
{
  HandsetDBus *self = HANDSET_DBUS (user_data);
  GPtrArray *calls = handset_call_manager_get_calls (self->manager);
  gboolean removed = FALSE;

  self->prune_source = 0;

  for (guint i = self->objects->len; i > 0; i--)
    {
      CallObject *object = g_ptr_array_index (self->objects, i - 1);

      if (handset_call_get_state (object->call) == HANDSET_CALL_STATE_ENDED &&
          !g_ptr_array_find (calls, object->call, NULL))
        {
          g_ptr_array_remove_index (self->objects, i - 1);
          removed = TRUE;
        }
    }

  if (removed)
    update_calls_property (self);

  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ placing calls */

static void
place_call_free (PlaceCall *request)
{
  g_clear_object (&request->cancellable);
  g_free (request);
}

/* Answers a PlaceCall with the object of a call the manager just added. */
static void
return_call (HandsetDBus *self, GDBusMethodInvocation *invocation, HandsetCall *call)
{
  CallObject *object = self->exported ? find_object (self, call) : NULL;

  if (object == NULL)
    {
      return_failed (invocation, "The call was placed, but Handset stopped showing its calls on "
                                 "D-Bus");
      return;
    }
  handset_dbus_call_manager_complete_place_call (self->manager_skeleton, invocation, object->path);
}

static void
call_placed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PlaceCall *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCall) call = NULL;

  call = handset_session_place_call_finish (HANDSET_SESSION (source), result, &error);
  /* Cancelled means the owner is gone: it must not be touched. */
  if (g_cancellable_is_cancelled (request->cancellable) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return_failed (request->invocation, "Handset stopped before the call was placed");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_dbus_method_invocation_return_error_literal (request->invocation, G_DBUS_ERROR,
                                                   G_DBUS_ERROR_INVALID_ARGS, error->message);
  else if (call == NULL)
    return_failed (request->invocation, error->message);
  else
    return_call (request->owner, request->invocation, call);

  place_call_free (request);
}

static gboolean
handle_place_call (HandsetDBusCallManager *skeleton,
                   GDBusMethodInvocation *invocation,
                   const char *target,
                   gboolean video,
                   HandsetDBus *self)
{
  PlaceCall *request = g_new0 (PlaceCall, 1);

  request->owner = self;
  request->cancellable = g_object_ref (self->cancellable);
  request->invocation = invocation;
  /* Checked, and held until the first sync, where every call is placed. */
  handset_session_place_call_async (self->session, target, video, request->cancellable,
                                    call_placed_cb, request);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ------------------------------------------------------------------ object */

static void
handset_dbus_dispose (GObject *object)
{
  HandsetDBus *self = HANDSET_DBUS (object);

  handset_dbus_unexport (self);
  g_clear_object (&self->manager_skeleton);
  g_clear_object (&self->manager);
  g_clear_object (&self->session);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (handset_dbus_parent_class)->dispose (object);
}

static void
handset_dbus_finalize (GObject *object)
{
  HandsetDBus *self = HANDSET_DBUS (object);

  g_ptr_array_unref (self->objects);
  g_object_unref (self->cancellable);
  g_free (self->base_path);
  g_free (self->manager_path);

  G_OBJECT_CLASS (handset_dbus_parent_class)->finalize (object);
}

static void
handset_dbus_class_init (HandsetDBusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_dbus_dispose;
  object_class->finalize = handset_dbus_finalize;
}

static void
handset_dbus_init (HandsetDBus *self)
{
  self->objects = g_ptr_array_new_with_free_func ((GDestroyNotify) call_object_free);
  self->cancellable = g_cancellable_new ();
  self->next_number = 1;
}

/**
 * handset_dbus_new:
 * @connection: where to export
 * @base_path: an object path, usually the application's
 * @session: the session whose calls to show
 *
 * Exports the CallManager at @base_path/Calls and an object for every
 * call, those already there included, until handset_dbus_unexport() or
 * the last reference goes.
 *
 * Returns: (transfer full): the exported objects
 */
HandsetDBus *
handset_dbus_new (GDBusConnection *connection, const char *base_path, HandsetSession *session)
{
  HandsetDBus *self;
  g_autoptr (GError) error = NULL;
  GPtrArray *calls;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (base_path != NULL && g_variant_is_object_path (base_path), NULL);
  g_return_val_if_fail (HANDSET_IS_SESSION (session), NULL);

  self = g_object_new (HANDSET_TYPE_DBUS, NULL);
  self->connection = g_object_ref (connection);
  self->base_path = g_strdup (base_path);
  /* "/" is the one object path that ends in a slash. */
  self->manager_path = g_strconcat (g_str_equal (base_path, "/") ? "" : base_path, "/Calls", NULL);
  self->session = g_object_ref (session);
  self->manager = g_object_ref (handset_session_get_call_manager (session));
  self->manager_skeleton = handset_dbus_call_manager_skeleton_new ();
  self->exported = TRUE;

  g_signal_connect (self->manager_skeleton, "handle-place-call", G_CALLBACK (handle_place_call),
                    self);
  g_signal_connect (self->manager, "call-added", G_CALLBACK (call_added_cb), self);

  calls = handset_call_manager_get_calls (self->manager);
  for (guint i = 0; i < calls->len; i++)
    {
      CallObject *object = call_object_new (self, g_ptr_array_index (calls, i));

      g_ptr_array_add (self->objects, object);
    }
  update_calls_property (self);
  self->invitations = handset_dbus_invitations_new (connection, self->manager_path, session,
                                                    self->manager_skeleton);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager_skeleton),
                                         connection, self->manager_path, &error))
    g_warning ("The calls cannot be put on D-Bus at %s: %s", self->manager_path, error->message);

  return self;
}

/**
 * handset_dbus_get_manager_path:
 *
 * Returns: the object path of the CallManager
 */
const char *
handset_dbus_get_manager_path (HandsetDBus *self)
{
  g_return_val_if_fail (HANDSET_IS_DBUS (self), NULL);

  return self->manager_path;
}

/**
 * handset_dbus_unexport:
 *
 * Takes every object off the bus and stops following the session; a
 * PlaceCall still waiting fails. Safe to call more than once.
 */
void
handset_dbus_unexport (HandsetDBus *self)
{
  g_return_if_fail (HANDSET_IS_DBUS (self));

  if (!self->exported)
    return;
  self->exported = FALSE;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->prune_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->manager, self);
  g_signal_handlers_disconnect_by_data (self->session, self);
  g_signal_handlers_disconnect_by_data (self->manager_skeleton, self);

  g_ptr_array_set_size (self->objects, 0);
  g_clear_pointer (&self->invitations, handset_dbus_invitations_free);
  if (g_dbus_interface_skeleton_get_connection (
          G_DBUS_INTERFACE_SKELETON (self->manager_skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager_skeleton));
}
