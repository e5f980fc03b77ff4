/* handset-call-facts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the command line (`handset calls`, docs/calls-row.schema.json)
 * and D-Bus (io.github.handset.Handset.Call) say of a call beyond its own
 * properties, worked out once for both: whether it is a video call, and
 * the other party's name as the window shows it.
 */

#define G_LOG_DOMAIN "Handset"

#include "config.h"

#include "handset-call-facts.h"
#include "handset-matrix-id.h"

/**
 * handset_call_facts_video:
 *
 * Returns: whether @call is a video call: while it rings here, whether
 *   the caller's offer sends video (nothing of ours is decided yet);
 *   otherwise whether this side sends video
 */
gboolean
handset_call_facts_video (HandsetCall *call)
{
  g_return_val_if_fail (HANDSET_IS_CALL (call), FALSE);

  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING &&
      (handset_call_get_state (call) == HANDSET_CALL_STATE_RINGING ||
       handset_call_get_state (call) == HANDSET_CALL_STATE_FLEDGLING))
    return handset_call_get_remote_video (call);

  return handset_call_get_video (call);
}

/**
 * handset_call_facts_opponent_name:
 *
 * Returns: (transfer full): the other party's name: the contact's
 *   display name, else their display name in the call's room, else the
 *   name their profile gives, else their ID's local part; "" while the
 *   other party is not known
 */
char *
handset_call_facts_opponent_name (HandsetSession *session, HandsetCall *call)
{
  const char *user_id = handset_call_get_opponent_user_id (call);
  HandsetContact *contact;
  HandsetRoom *room;

  g_return_val_if_fail (HANDSET_IS_SESSION (session), NULL);
  g_return_val_if_fail (HANDSET_IS_CALL (call), NULL);

  if (user_id == NULL || *user_id == '\0')
    return g_strdup ("");
  contact = handset_contact_list_find (handset_session_get_contacts (session), user_id);
  if (contact != NULL && handset_contact_get_display_name (contact) != NULL)
    return g_strdup (handset_contact_get_display_name (contact));
  room =
      handset_rooms_lookup (handset_session_get_rooms (session), handset_call_get_room_id (call));
  if (room != NULL && handset_room_get_member_name (room, user_id) != NULL)
    return g_strdup (handset_room_get_member_name (room, user_id));

  return handset_session_peer_name (session, user_id);
}

/**
 * handset_call_facts_inviter_name:
 *
 * Returns: (transfer full): the name of someone new who calls: the one
 *   their profile gives, else their ID's local part
 */
char *
handset_call_facts_inviter_name (HandsetSession *session, const char *user_id)
{
  if (user_id == NULL || *user_id == '\0')
    return g_strdup ("");

  return handset_session_peer_name (session, user_id);
}
