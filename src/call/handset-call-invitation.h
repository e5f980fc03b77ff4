/* handset-call-invitation.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What Handset puts in m.room.create of a direct chat it makes to call
 * someone new: invited users see no timeline, but they see this. */
#define HANDSET_CALL_INVITATION_MARK "io.github.handset.call_invite"

/**
 * HandsetCallInvitationState:
 * @HANDSET_CALL_INVITATION_RINGING: it rings
 * @HANDSET_CALL_INVITATION_JOINING: accepted: joining the room, then the
 *   call in it is answered
 * @HANDSET_CALL_INVITATION_ANSWERED: the call was answered here
 * @HANDSET_CALL_INVITATION_DECLINED: declined here (the invitation too)
 * @HANDSET_CALL_INVITATION_GONE: it ran out, the caller gave up, or
 *   another device of ours took it
 * @HANDSET_CALL_INVITATION_FAILED: the room could not be joined, or no
 *   live call was in it
 */
typedef enum
{
  HANDSET_CALL_INVITATION_RINGING,
  HANDSET_CALL_INVITATION_JOINING,
  HANDSET_CALL_INVITATION_ANSWERED,
  HANDSET_CALL_INVITATION_DECLINED,
  HANDSET_CALL_INVITATION_GONE,
  HANDSET_CALL_INVITATION_FAILED,
} HandsetCallInvitationState;

#define HANDSET_TYPE_CALL_INVITATION (handset_call_invitation_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCallInvitation,
                      handset_call_invitation,
                      HANDSET,
                      CALL_INVITATION,
                      GObject)

JsonObject *handset_call_invitation_build_mark (gboolean video);
HandsetCallInvitation *handset_call_invitation_parse (const char *room_id,
                                                      GPtrArray *invite_state,
                                                      const char *own_user_id,
                                                      gint64 lifetime_ms);

const char *handset_call_invitation_get_room_id (HandsetCallInvitation *self);
const char *handset_call_invitation_get_inviter (HandsetCallInvitation *self);
gboolean handset_call_invitation_get_video (HandsetCallInvitation *self);
gint64 handset_call_invitation_get_remaining_ms (HandsetCallInvitation *self);
HandsetCallInvitationState handset_call_invitation_get_state (HandsetCallInvitation *self);
const char *handset_call_invitation_state_to_string (HandsetCallInvitationState state);
const char *handset_call_invitation_get_error (HandsetCallInvitation *self);
void handset_call_invitation_set_state (HandsetCallInvitation *self,
                                        HandsetCallInvitationState state,
                                        const char *error);

G_END_DECLS
