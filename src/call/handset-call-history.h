/* handset-call-history.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-call-manager.h"
#include "handset-call.h"
#include "handset-clock.h"
#include "handset-rtc-rings.h"
#include "handset-store.h"

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

#define HANDSET_TYPE_CALL_HISTORY (handset_call_history_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCallHistory, handset_call_history, HANDSET, CALL_HISTORY, GObject)

HandsetCallHistory *
handset_call_history_new (HandsetStore *store, HandsetClock *clock, GError **error);

void handset_call_history_watch (HandsetCallHistory *self, HandsetCallManager *manager);
void handset_call_history_watch_rtc_rings (HandsetCallHistory *self, HandsetRtcRings *rings);
void handset_call_history_clear (HandsetCallHistory *self);
guint handset_call_history_count_missed_since (HandsetCallHistory *self, GDateTime *since);

G_END_DECLS
