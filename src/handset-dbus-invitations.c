/* handset-dbus-invitations.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first calls from someone new on D-Bus
 * (data/io.github.handset.Handset.Calls.xml): one Invitation object per
 * invitation at MANAGER/invitations/N while it rings or is being joined,
 * listed in the CallManager's Invitations property. The objects mirror
 * the HandsetCallInvitation they stand for and act on it as `handset
 * answer` and `handset reject` do; once it is answered, declined or gone,
 * its object goes.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include "handset-call-facts.h"
#include "handset-call-invitation.h"
#include "handset-dbus-invitations.h"

/* HANDSET_DBUS_ERROR_FAILED of handset-dbus.h, which includes this
 * file's header. */
#define ERROR_FAILED "io.github.handset.Handset.Error.Failed"

typedef struct
{
  HandsetDBusInvitations *owner; /* unowned: the owner frees its objects first */
  HandsetCallInvitation *invitation;
  HandsetDBusInvitation *skeleton;
  HandsetCallInvitationState state;
  char *path;
} InvitationObject;

struct _HandsetDBusInvitations
{
  GDBusConnection *connection;
  HandsetSession *session;
  HandsetCallManager *manager;
  HandsetDBusCallManager *manager_skeleton;
  char *path;
  GPtrArray *objects; /* InvitationObject, oldest first */
  guint next_number;
  guint prune_source;
};

static gboolean
is_live (HandsetCallInvitationState state)
{
  return state == HANDSET_CALL_INVITATION_RINGING || state == HANDSET_CALL_INVITATION_JOINING;
}

static void
sync_properties (InvitationObject *object)
{
  HandsetCallInvitation *invitation = object->invitation;
  HandsetDBusInvitation *skeleton = object->skeleton;
  const char *error = handset_call_invitation_get_error (invitation);
  g_autofree char *name = handset_call_facts_inviter_name (
      object->owner->session, handset_call_invitation_get_inviter (invitation));

  handset_dbus_invitation_set_room_id (skeleton, handset_call_invitation_get_room_id (invitation));
  handset_dbus_invitation_set_opponent_user_id (skeleton,
                                                handset_call_invitation_get_inviter (invitation));
  handset_dbus_invitation_set_opponent_display_name (skeleton, name);
  handset_dbus_invitation_set_state (skeleton, handset_call_invitation_state_to_string (
                                                   handset_call_invitation_get_state (invitation)));
  handset_dbus_invitation_set_video (skeleton, handset_call_invitation_get_video (invitation));
  handset_dbus_invitation_set_error (skeleton, error ? error : "");
}

static void
update_invitations_property (HandsetDBusInvitations *self)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->objects->len; i++)
    g_ptr_array_add (paths, ((InvitationObject *) g_ptr_array_index (self->objects, i))->path);
  g_ptr_array_add (paths, NULL);

  handset_dbus_call_manager_set_invitations (self->manager_skeleton,
                                             (const char *const *) paths->pdata);
}

/* Drops the objects of invitations that were answered, declined or are
 * gone, after their last StateChanged. */
static gboolean
prune_cb (gpointer user_data)
{
  HandsetDBusInvitations *self = user_data;

  self->prune_source = 0;
  for (guint i = 0; i < self->objects->len;)
    {
      InvitationObject *object = g_ptr_array_index (self->objects, i);
      g_autofree char *path = NULL;

      if (is_live (object->state))
        {
          i++;
          continue;
        }
      path = g_strdup (object->path);
      g_ptr_array_remove_index (self->objects, i);
      update_invitations_property (self);
      g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->manager_skeleton));
      handset_dbus_call_manager_emit_invitation_removed (self->manager_skeleton, path);
    }

  return G_SOURCE_REMOVE;
}

static void
state_cb (HandsetCallInvitation *invitation, GParamSpec *pspec, InvitationObject *object)
{
  HandsetCallInvitationState old_state = object->state;
  HandsetDBusInvitations *self = object->owner;

  object->state = handset_call_invitation_get_state (invitation);
  sync_properties (object);
  if (object->state == old_state)
    return;

  /* As for calls: a client that reads State on StateChanged finds it. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (object->skeleton));
  handset_dbus_invitation_emit_state_changed (
      object->skeleton, handset_call_invitation_state_to_string (object->state),
      handset_call_invitation_state_to_string (old_state));
  if (!is_live (object->state) && self->prune_source == 0)
    self->prune_source = g_idle_add (prune_cb, self);
}

/* Accepted, or not (no camera for video: it still rings, and the error
 * says why). */
static void
answered_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr (GError) error = NULL;

  if (handset_session_answer_finish (HANDSET_SESSION (object), result, &error))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_dbus_error (invocation, ERROR_FAILED, error->message);
}

static gboolean
handle_answer (HandsetDBusInvitation *skeleton,
               GDBusMethodInvocation *invocation,
               gboolean video,
               InvitationObject *object)
{
  if (handset_call_invitation_get_state (object->invitation) != HANDSET_CALL_INVITATION_RINGING)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, ERROR_FAILED,
                                                  "Only a ringing invitation can be answered");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  handset_session_answer_async (object->owner->session, NULL, object->invitation, video, NULL,
                                answered_cb, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reject (HandsetDBusInvitation *skeleton,
               GDBusMethodInvocation *invocation,
               InvitationObject *object)
{
  if (handset_call_invitation_get_state (object->invitation) != HANDSET_CALL_INVITATION_RINGING)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, ERROR_FAILED,
                                                  "Only a ringing invitation can be rejected");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  handset_call_manager_decline_invitation (object->owner->manager, object->invitation);
  handset_dbus_invitation_complete_reject (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
invitation_object_free (InvitationObject *object)
{
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (object->skeleton);

  g_signal_handlers_disconnect_by_data (object->invitation, object);
  g_signal_handlers_disconnect_by_data (skeleton, object);
  if (g_dbus_interface_skeleton_get_connection (skeleton) != NULL)
    g_dbus_interface_skeleton_unexport (skeleton);

  g_clear_object (&object->skeleton);
  g_clear_object (&object->invitation);
  g_free (object->path);
  g_free (object);
}

static InvitationObject *
invitation_object_new (HandsetDBusInvitations *self, HandsetCallInvitation *invitation)
{
  InvitationObject *object = g_new0 (InvitationObject, 1);
  g_autoptr (GError) error = NULL;

  object->owner = self;
  object->invitation = g_object_ref (invitation);
  object->state = handset_call_invitation_get_state (invitation);
  object->skeleton = handset_dbus_invitation_skeleton_new ();
  object->path = g_strdup_printf ("%s/%u", self->path, self->next_number++);
  sync_properties (object);

  g_signal_connect (object->skeleton, "handle-answer", G_CALLBACK (handle_answer), object);
  g_signal_connect (object->skeleton, "handle-reject", G_CALLBACK (handle_reject), object);
  g_signal_connect (invitation, "notify::state", G_CALLBACK (state_cb), object);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (object->skeleton),
                                         self->connection, object->path, &error))
    g_warning ("The invitation to %s cannot be put on D-Bus at %s: %s",
               handset_call_invitation_get_room_id (invitation), object->path, error->message);

  return object;
}

static void
incoming_invitation_cb (HandsetCallManager *manager,
                        HandsetCallInvitation *invitation,
                        HandsetDBusInvitations *self)
{
  InvitationObject *object;

  if (!is_live (handset_call_invitation_get_state (invitation)))
    return;
  object = invitation_object_new (self, invitation);
  g_ptr_array_add (self->objects, object);
  update_invitations_property (self);
  /* Invitations first, so a client that reads it on InvitationAdded finds
   * the invitation. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->manager_skeleton));
  handset_dbus_call_manager_emit_invitation_added (self->manager_skeleton, object->path);
}

/**
 * handset_dbus_invitations_new:
 * @manager_path: the CallManager's object path
 * @manager_skeleton: the CallManager, whose Invitations this keeps
 *
 * Exports an object for every invitation of @session that rings or is
 * being joined, those already there included, until
 * handset_dbus_invitations_free().
 */
HandsetDBusInvitations *
handset_dbus_invitations_new (GDBusConnection *connection,
                              const char *manager_path,
                              HandsetSession *session,
                              HandsetDBusCallManager *manager_skeleton)
{
  HandsetDBusInvitations *self = g_new0 (HandsetDBusInvitations, 1);
  GPtrArray *invitations;

  self->connection = g_object_ref (connection);
  self->session = g_object_ref (session);
  self->manager = g_object_ref (handset_session_get_call_manager (session));
  self->manager_skeleton = g_object_ref (manager_skeleton);
  self->path = g_strconcat (manager_path, "/invitations", NULL);
  self->objects = g_ptr_array_new_with_free_func ((GDestroyNotify) invitation_object_free);
  self->next_number = 1;

  g_signal_connect (self->manager, "incoming-invitation", G_CALLBACK (incoming_invitation_cb),
                    self);
  invitations = handset_call_manager_get_invitations (self->manager);
  for (guint i = 0; i < invitations->len; i++)
    {
      HandsetCallInvitation *invitation = g_ptr_array_index (invitations, i);

      if (is_live (handset_call_invitation_get_state (invitation)))
        g_ptr_array_add (self->objects, invitation_object_new (self, invitation));
    }
  update_invitations_property (self);

  return self;
}

/**
 * handset_dbus_invitations_free:
 *
 * Takes every Invitation object off the bus and stops following the
 * session.
 */
void
handset_dbus_invitations_free (HandsetDBusInvitations *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->prune_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->manager, self);
  g_ptr_array_unref (self->objects);
  g_object_unref (self->manager_skeleton);
  g_object_unref (self->manager);
  g_object_unref (self->session);
  g_object_unref (self->connection);
  g_free (self->path);
  g_free (self);
}
