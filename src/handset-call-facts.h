/* handset-call-facts.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-session.h"

G_BEGIN_DECLS

gboolean handset_call_facts_video (HandsetCall *call);
char *handset_call_facts_opponent_name (HandsetSession *session, HandsetCall *call);
char *handset_call_facts_inviter_name (HandsetSession *session, const char *user_id);

G_END_DECLS
