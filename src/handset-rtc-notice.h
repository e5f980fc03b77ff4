/* handset-rtc-notice.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-session.h"

G_BEGIN_DECLS

void
handset_rtc_notice_show (GApplication *application, HandsetSession *session, HandsetRtcRing *ring);
void
handset_rtc_notice_open (GApplication *application, HandsetSession *session, const char *event_id);
void handset_rtc_notice_decline (HandsetSession *session, const char *event_id);

G_END_DECLS
