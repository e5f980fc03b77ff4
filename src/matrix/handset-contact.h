/* handset-contact.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_CONTACT (handset_contact_get_type ())
G_DECLARE_FINAL_TYPE (HandsetContact, handset_contact, HANDSET, CONTACT, GObject)

HandsetContact *handset_contact_new (const char *user_id);

const char *handset_contact_get_user_id (HandsetContact *self);
const char *handset_contact_get_display_name (HandsetContact *self);
const char *handset_contact_get_avatar_url (HandsetContact *self);
const char *handset_contact_get_room_id (HandsetContact *self);

void handset_contact_update (HandsetContact *self,
                             const char *display_name,
                             const char *avatar_url,
                             const char *room_id);

char *handset_user_id_localpart (const char *user_id);

G_END_DECLS
