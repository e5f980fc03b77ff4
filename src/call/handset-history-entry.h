/* handset-history-entry.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-call.h"

G_BEGIN_DECLS

/* The application of an Element Call (MatrixRTC) ring, as the history
 * names it. */
#define HANDSET_HISTORY_ELEMENT_CALL "Element Call"

typedef enum
{
  HANDSET_HISTORY_OUTGOING,
  HANDSET_HISTORY_INCOMING,
  HANDSET_HISTORY_MISSED,
  HANDSET_HISTORY_DECLINED,
} HandsetHistoryKind;

#define HANDSET_TYPE_HISTORY_KIND (handset_history_kind_get_type ())
GType handset_history_kind_get_type (void) G_GNUC_CONST;

#define HANDSET_TYPE_HISTORY_ENTRY (handset_history_entry_get_type ())
G_DECLARE_FINAL_TYPE (HandsetHistoryEntry, handset_history_entry, HANDSET, HISTORY_ENTRY, GObject)

const char *handset_history_entry_get_call_id (HandsetHistoryEntry *self);
const char *handset_history_entry_get_room_id (HandsetHistoryEntry *self);
const char *handset_history_entry_get_peer_user_id (HandsetHistoryEntry *self);
HandsetCallDirection handset_history_entry_get_direction (HandsetHistoryEntry *self);
HandsetHistoryKind handset_history_entry_get_kind (HandsetHistoryEntry *self);
GDateTime *handset_history_entry_get_started (HandsetHistoryEntry *self);
int handset_history_entry_get_duration_seconds (HandsetHistoryEntry *self);
const char *handset_history_entry_get_answered_by (HandsetHistoryEntry *self);
HandsetCallEndReason handset_history_entry_get_end_reason (HandsetHistoryEntry *self);
gboolean handset_history_entry_get_video (HandsetHistoryEntry *self);
const char *handset_history_entry_get_application (HandsetHistoryEntry *self);

HandsetHistoryEntry *handset_history_entry_new (const char *call_id,
                                                const char *room_id,
                                                const char *peer_user_id,
                                                HandsetCallDirection direction,
                                                HandsetHistoryKind kind,
                                                gint64 started_unix,
                                                int duration_seconds,
                                                const char *answered_by,
                                                HandsetCallEndReason end_reason,
                                                gboolean video,
                                                const char *application);
HandsetHistoryEntry *handset_history_entry_copy_with_answered_by (HandsetHistoryEntry *entry,
                                                                  const char *answered_by);

G_END_DECLS
