/* handset-history-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "handset-history-entry.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_HISTORY_ROW (handset_history_row_get_type ())
G_DECLARE_FINAL_TYPE (HandsetHistoryRow, handset_history_row, HANDSET, HISTORY_ROW, GtkBox)

GtkWidget *handset_history_row_new (void);
void
handset_history_row_bind (HandsetHistoryRow *self, HandsetHistoryEntry *entry, const char *name);
void handset_history_row_unbind (HandsetHistoryRow *self);

HandsetHistoryEntry *handset_history_row_get_entry (HandsetHistoryRow *self);
const char *handset_history_row_get_title (HandsetHistoryRow *self);
const char *handset_history_row_get_subtitle (HandsetHistoryRow *self);

G_END_DECLS
