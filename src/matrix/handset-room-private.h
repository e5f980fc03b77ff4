/* handset-room-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A room's fields, shared by handset-room and handset-room-store (which
 * saves and restores them); nothing else includes this.
 */
#pragma once

#include "handset-room.h"

G_BEGIN_DECLS

typedef struct
{
  char *membership;
  char *display_name;
  char *avatar_url;
} HandsetRoomMember;

struct _HandsetRoom
{
  GObject parent_instance;

  char *room_id;
  char *name;
  char *avatar_url;
  char *join_rule;
  gboolean encrypted;
  gint64 rotation_period_ms; /* 0: the default */
  gint64 rotation_period_msgs;
  char *history_visibility;
  GHashTable *members; /* user ID → HandsetRoomMember */

  /* Lazy members: the summary's counts (-1 while unknown), and whether
   * the whole list was fetched. */
  gint64 joined_count;
  gint64 invited_count;
  gboolean members_loaded;

  /* Not saved yet: the room's own fields, and these members (user IDs). */
  gboolean dirty;
  GHashTable *changed_members;
};

void handset_room_member_free (HandsetRoomMember *member);

G_END_DECLS
