/* handset-incoming-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-avatar-cache.h"
#include "handset-call-manager.h"
#include "handset-call.h"
#include "handset-ringtone.h"
#include "handset-session.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_INCOMING_WINDOW (handset_incoming_window_get_type ())
G_DECLARE_FINAL_TYPE (HandsetIncomingWindow,
                      handset_incoming_window,
                      HANDSET,
                      INCOMING_WINDOW,
                      AdwWindow)

/* How long "Answered on …" stays up. */
#define HANDSET_INCOMING_ANSWERED_ELSEWHERE_MS 2500

HandsetIncomingWindow *handset_incoming_window_new (GtkApplication *application,
                                                    HandsetCall *call,
                                                    const char *caller_name,
                                                    const char *room_name);
void handset_incoming_window_set_avatar (HandsetIncomingWindow *self,
                                         HandsetAvatarCache *cache,
                                         const char *mxc_uri);
HandsetIncomingWindow *
handset_incoming_window_new_for_invitation (GtkApplication *application,
                                            HandsetCallManager *manager,
                                            HandsetCallInvitation *invitation,
                                            const char *caller_name);
void handset_incoming_window_set_can_send_video (HandsetIncomingWindow *self, gboolean can);
void handset_incoming_window_set_session (HandsetIncomingWindow *self, HandsetSession *session);
HandsetCall *handset_incoming_window_get_call (HandsetIncomingWindow *self);
HandsetCallInvitation *handset_incoming_window_get_invitation (HandsetIncomingWindow *self);
AdwAvatar *handset_incoming_window_get_avatar (HandsetIncomingWindow *self);
const char *handset_incoming_window_get_status_text (HandsetIncomingWindow *self);
const char *handset_incoming_window_get_encryption_text (HandsetIncomingWindow *self);
gboolean handset_incoming_window_is_ringing (HandsetIncomingWindow *self);
void handset_incoming_window_set_ringtone (HandsetIncomingWindow *self, HandsetRingtone *ringtone);
void handset_incoming_window_set_waiting (HandsetIncomingWindow *self, gboolean waiting);

G_END_DECLS
