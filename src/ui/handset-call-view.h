/* handset-call-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-avatar-cache.h"
#include "handset-call.h"
#include "handset-media-devices.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_CALL_VIEW (handset_call_view_get_type ())
G_DECLARE_FINAL_TYPE (HandsetCallView, handset_call_view, HANDSET, CALL_VIEW, GtkBox)

void handset_call_view_set_call (HandsetCallView *self, HandsetCall *call, const char *peer_name);
void handset_call_view_set_avatar (HandsetCallView *self,
                                   HandsetAvatarCache *cache,
                                   const char *mxc_uri);
HandsetCall *handset_call_view_get_call (HandsetCallView *self);
AdwAvatar *handset_call_view_get_avatar (HandsetCallView *self);
const char *handset_call_view_get_state_text (HandsetCallView *self);
const char *handset_call_view_get_detail_text (HandsetCallView *self);
const char *handset_call_view_get_encryption_text (HandsetCallView *self);
void handset_call_view_set_audio_devices (HandsetCallView *self,
                                          GSettings *settings,
                                          HandsetMediaDevices *devices);
GMenuModel *handset_call_view_get_devices_menu (HandsetCallView *self);
GtkWidget *handset_call_view_get_local_video (HandsetCallView *self);
GtkWidget *handset_call_view_get_screen_video (HandsetCallView *self);
GtkWidget *handset_call_view_get_small_camera (HandsetCallView *self);
void
handset_call_view_show_screen_error (HandsetCallView *self, HandsetCall *call, const char *message);

char *handset_call_describe_end (HandsetCall *call);
char *handset_call_describe_encryption (HandsetCall *call, const char *peer_name);

G_END_DECLS
