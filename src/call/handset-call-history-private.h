/* handset-call-history-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetCallHistory, shared with its database
 * (handset-call-history-db.c).
 */
#pragma once

#include "handset-call-history.h"

G_BEGIN_DECLS

/* What the model holds after loading; calls that end later are added on
 * top of it. */
#define MAX_LOADED_ENTRIES 500

struct _HandsetCallHistory
{
  GObject parent_instance;

  HandsetStore *store;
  HandsetClock *clock;
  GPtrArray *entries; /* HandsetHistoryEntry, newest first */
  GPtrArray *watches; /* Watch */
};

const char *handset_call_history_db_party_of (const char *peer_user_id);
gboolean handset_call_history_db_run (HandsetCallHistory *self, const char *sql, GError **error);
gboolean handset_call_history_db_create_table (HandsetCallHistory *self, GError **error);
gboolean handset_call_history_db_load (HandsetCallHistory *self, GError **error);
gboolean handset_call_history_db_write_entry (HandsetCallHistory *self,
                                              HandsetHistoryEntry *entry,
                                              gint64 ended,
                                              GError **error);
gboolean handset_call_history_db_write_answered_by (HandsetCallHistory *self,
                                                    const char *call_id,
                                                    const char *peer_user_id,
                                                    const char *answered_by,
                                                    GError **error);
gboolean handset_call_history_db_delete_row (HandsetCallHistory *self,
                                             const char *call_id,
                                             const char *party,
                                             GError **error);

G_END_DECLS
