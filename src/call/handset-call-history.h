/* handset-call-history.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-call-manager.h"
#include "handset-call.h"
#include "handset-clock.h"
#include "handset-history-entry.h"
#include "handset-rtc-rings.h"
#include "handset-store.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_CALL_HISTORY (handset_call_history_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCallHistory, handset_call_history, HANDSET, CALL_HISTORY, GObject)

HandsetCallHistory *
handset_call_history_new (HandsetStore *store, HandsetClock *clock, GError **error);

void handset_call_history_watch (HandsetCallHistory *self, HandsetCallManager *manager);
void handset_call_history_watch_rtc_rings (HandsetCallHistory *self, HandsetRtcRings *rings);
void handset_call_history_clear (HandsetCallHistory *self);
guint handset_call_history_count_missed_since (HandsetCallHistory *self, GDateTime *since);

G_END_DECLS
