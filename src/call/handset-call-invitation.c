/* handset-call-invitation.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first call to someone new. Handset makes the direct chat, invites
 * them and calls in it, but an invited user sees no timeline: the call
 * invite is out of sight until they join. So the room's m.room.create
 * carries a mark (HANDSET_CALL_INVITATION_MARK, with whether it is a video
 * call), which invited users do see in the invitation's stripped state;
 * the invitation rings for as long as the call invite lives, counted from
 * when they were invited. Answering joins the room and answers the call
 * found in it; declining declines the invitation.
 */
#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-invitation.h"
#include "handset-sync-batch.h"

struct _HandsetCallInvitation
{
  GObject parent_instance;

  char *room_id;
  char *inviter;
  gboolean video;
  gint64 expires_us; /* monotonic */
  HandsetCallInvitationState state;
  char *error;
};

G_DEFINE_FINAL_TYPE (HandsetCallInvitation, handset_call_invitation, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
handset_call_invitation_get_property (GObject *object,
                                      guint prop_id,
                                      GValue *value,
                                      GParamSpec *pspec)
{
  HandsetCallInvitation *self = HANDSET_CALL_INVITATION (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_int (value, self->state);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_call_invitation_finalize (GObject *object)
{
  HandsetCallInvitation *self = HANDSET_CALL_INVITATION (object);

  g_free (self->room_id);
  g_free (self->inviter);
  g_free (self->error);

  G_OBJECT_CLASS (handset_call_invitation_parent_class)->finalize (object);
}

static void
handset_call_invitation_class_init (HandsetCallInvitationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_call_invitation_get_property;
  object_class->finalize = handset_call_invitation_finalize;

  /**
   * HandsetCallInvitation:state:
   *
   * A #HandsetCallInvitationState.
   */
  props[PROP_STATE] =
      g_param_spec_int ("state", NULL, NULL, HANDSET_CALL_INVITATION_RINGING,
                        HANDSET_CALL_INVITATION_FAILED, HANDSET_CALL_INVITATION_RINGING,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_call_invitation_init (HandsetCallInvitation *self)
{
}

/**
 * handset_call_invitation_build_mark:
 *
 * Returns: (transfer full): the creation content of a direct chat made for
 *   a call
 */
JsonObject *
handset_call_invitation_build_mark (gboolean video)
{
  JsonObject *content = json_object_new ();
  JsonObject *mark = json_object_new ();

  json_object_set_boolean_member (mark, "video", video);
  json_object_set_object_member (content, HANDSET_CALL_INVITATION_MARK, mark);

  return content;
}

static JsonObject *
state_event (GPtrArray *state, const char *type, const char *state_key)
{
  for (guint i = 0; state != NULL && i < state->len; i++)
    {
      JsonObject *event = g_ptr_array_index (state, i);

      if (g_strcmp0 (handset_event_get_string (event, "type"), type) == 0 &&
          g_strcmp0 (handset_event_get_string (event, "state_key"), state_key) == 0)
        return event;
    }

  return NULL;
}

/**
 * handset_call_invitation_parse:
 * @invite_state: (element-type JsonObject): the invitation's stripped state
 * @lifetime_ms: how long a call invite lives
 *
 * Returns: (transfer full) (nullable): the invitation that rings, when
 *   the room was made for a call by the one who invited us, and the
 *   invitation is younger than a call invite lives
 */
HandsetCallInvitation *
handset_call_invitation_parse (const char *room_id,
                               GPtrArray *invite_state,
                               const char *own_user_id,
                               gint64 lifetime_ms)
{
  JsonObject *create = state_event (invite_state, "m.room.create", "");
  JsonObject *member = state_event (invite_state, "m.room.member", own_user_id);
  JsonObject *mark = handset_event_get_object (handset_event_get_object (create, "content"),
                                               HANDSET_CALL_INVITATION_MARK);
  JsonObject *member_content = handset_event_get_object (member, "content");
  const char *inviter = handset_event_get_string (member, "sender");
  JsonNode *video;
  HandsetCallInvitation *self;
  gint64 age;

  if (room_id == NULL || mark == NULL || member == NULL || inviter == NULL ||
      g_strcmp0 (handset_event_get_string (member_content, "membership"), "invite") != 0)
    return NULL;
  /* Only the one who made the room for the call: no one else can mark it. */
  if (g_strcmp0 (handset_event_get_string (create, "sender"), inviter) != 0)
    return NULL;
  /* Stripped state has no times; our own invite event has its age (or,
   * from a server that gives none, its time by the server's clock). */
  age = handset_event_get_age (member);
  if (age < 0)
    {
      JsonNode *ts = json_object_get_member (member, "origin_server_ts");

      if (ts != NULL && JSON_NODE_HOLDS_VALUE (ts) && json_node_get_value_type (ts) == G_TYPE_INT64)
        age = g_get_real_time () / 1000 - json_node_get_int (ts);
    }
  if (age < 0 || age >= lifetime_ms)
    return NULL;

  self = g_object_new (HANDSET_TYPE_CALL_INVITATION, NULL);
  self->room_id = g_strdup (room_id);
  self->inviter = g_strdup (inviter);
  video = json_object_get_member (mark, "video");
  self->video = video != NULL && JSON_NODE_HOLDS_VALUE (video) &&
                json_node_get_value_type (video) == G_TYPE_BOOLEAN && json_node_get_boolean (video);
  self->expires_us = g_get_monotonic_time () + (lifetime_ms - age) * 1000;

  return self;
}

const char *
handset_call_invitation_get_room_id (HandsetCallInvitation *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_INVITATION (self), NULL);
  return self->room_id;
}

const char *
handset_call_invitation_get_inviter (HandsetCallInvitation *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_INVITATION (self), NULL);
  return self->inviter;
}

gboolean
handset_call_invitation_get_video (HandsetCallInvitation *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_INVITATION (self), FALSE);
  return self->video;
}

/**
 * handset_call_invitation_get_remaining_ms:
 *
 * Returns: how much longer it rings (0 when it no longer does)
 */
gint64
handset_call_invitation_get_remaining_ms (HandsetCallInvitation *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_INVITATION (self), 0);
  return MAX (0, (self->expires_us - g_get_monotonic_time ()) / 1000);
}

HandsetCallInvitationState
handset_call_invitation_get_state (HandsetCallInvitation *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_INVITATION (self), HANDSET_CALL_INVITATION_GONE);
  return self->state;
}

const char *
handset_call_invitation_state_to_string (HandsetCallInvitationState state)
{
  static const char *const names[] = { "invitation", "joining", "answered",
                                       "declined",   "gone",    "failed" };

  return state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

/**
 * handset_call_invitation_get_error:
 *
 * Returns: (nullable): why it failed, in words
 */
const char *
handset_call_invitation_get_error (HandsetCallInvitation *self)
{
  g_return_val_if_fail (HANDSET_IS_CALL_INVITATION (self), NULL);
  return self->error;
}

void
handset_call_invitation_set_state (HandsetCallInvitation *self,
                                   HandsetCallInvitationState state,
                                   const char *error)
{
  g_return_if_fail (HANDSET_IS_CALL_INVITATION (self));

  if (error != NULL)
    {
      g_free (self->error);
      self->error = g_strdup (error);
    }
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}
