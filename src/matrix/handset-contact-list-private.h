/* handset-contact-list-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetContactList, shared with the making of direct chats
 * (handset-contact-list-ensure.c).
 */
#pragma once

#include "handset-contact-list.h"

G_BEGIN_DECLS

struct _HandsetContactList
{
  GObject parent_instance;

  HandsetRooms *rooms;
  GPtrArray *items;          /* HandsetContact, sorted */
  GHashTable *by_user;       /* user ID → HandsetContact */
  GHashTable *creating;      /* user IDs whose direct chat is being made */
  GHashTable *profile_names; /* user ID → display name, of people called before any sync */

  /* As of the last rebuild() */
  GHashTable *direct_by_room; /* room ID → GPtrArray of the user IDs m.direct names it for */
  GHashTable *offers;         /* room ID of every joined room → its offer (see room_offer()) */
};

G_END_DECLS
