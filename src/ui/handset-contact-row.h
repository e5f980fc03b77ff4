/* handset-contact-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "handset-avatar-cache.h"
#include "handset-contact.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_CONTACT_ROW (handset_contact_row_get_type ())
G_DECLARE_FINAL_TYPE (HandsetContactRow, handset_contact_row, HANDSET, CONTACT_ROW, GtkBox)

GtkWidget *handset_contact_row_new (void);
void handset_contact_row_bind (HandsetContactRow *self,
                               HandsetContact *contact,
                               HandsetAvatarCache *avatars);
void handset_contact_row_unbind (HandsetContactRow *self);

HandsetContact *handset_contact_row_get_contact (HandsetContactRow *self);
const char *handset_contact_row_get_title (HandsetContactRow *self);
const char *handset_contact_row_get_subtitle (HandsetContactRow *self);
GtkWidget *handset_contact_row_get_avatar (HandsetContactRow *self);

GListModel *handset_contact_rows_sort (GListModel *contacts);
void handset_row_set_tooltip (GtkWidget *widget, const char *text);

G_END_DECLS
