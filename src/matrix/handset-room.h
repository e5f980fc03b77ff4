/* handset-room.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_ROOM (handset_room_get_type ())
G_DECLARE_FINAL_TYPE (HandsetRoom, handset_room, HANDSET, ROOM, GObject)

HandsetRoom *handset_room_new (const char *room_id);

const char *handset_room_get_id (HandsetRoom *self);
const char *handset_room_get_name (HandsetRoom *self);
const char *handset_room_get_avatar_url (HandsetRoom *self);
const char *handset_room_get_join_rule (HandsetRoom *self);
gboolean handset_room_is_public (HandsetRoom *self);
gboolean handset_room_is_encrypted (HandsetRoom *self);
void handset_room_get_rotation (HandsetRoom *self, gint64 *period_ms, gint64 *period_msgs);
const char *handset_room_get_history_visibility (HandsetRoom *self);

const char *handset_room_get_membership (HandsetRoom *self, const char *user_id);
const char *handset_room_get_member_name (HandsetRoom *self, const char *user_id);
const char *handset_room_get_member_avatar_url (HandsetRoom *self, const char *user_id);
guint handset_room_get_n_members (HandsetRoom *self);
GPtrArray *handset_room_get_members (HandsetRoom *self);

gboolean handset_room_get_members_loaded (HandsetRoom *self);
void handset_room_set_members_loaded (HandsetRoom *self, gboolean loaded);

gboolean handset_room_apply_state_event (HandsetRoom *self, JsonObject *event);
gboolean handset_room_set_members (HandsetRoom *self, JsonArray *chunk);
void handset_room_mark_unsaved (HandsetRoom *self);
gboolean handset_room_apply_summary (HandsetRoom *self, gint64 joined, gint64 invited);

G_END_DECLS
