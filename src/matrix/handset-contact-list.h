/* handset-contact-list.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-contact.h"
#include "handset-matrix-client.h"
#include "handset-rooms.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_CONTACT_LIST (handset_contact_list_get_type ())
G_DECLARE_FINAL_TYPE (HandsetContactList, handset_contact_list, HANDSET, CONTACT_LIST, GObject)

HandsetContactList *handset_contact_list_new (HandsetRooms *rooms);

HandsetContact *handset_contact_list_find (HandsetContactList *self, const char *user_id);
const char *handset_contact_list_get_profile_name (HandsetContactList *self, const char *user_id);

void handset_contact_list_ensure_direct_chat_async (HandsetContactList *self,
                                                    HandsetMatrixClient *client,
                                                    const char *user_id,
                                                    JsonObject *creation_content,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data);
char *handset_contact_list_ensure_direct_chat_finish (HandsetContactList *self,
                                                      GAsyncResult *result,
                                                      gboolean *created,
                                                      GError **error);

G_END_DECLS
