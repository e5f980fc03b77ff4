/* handset-call-view-screen.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "handset-call.h"

G_BEGIN_DECLS

typedef struct _HandsetCallViewScreen HandsetCallViewScreen;

HandsetCallViewScreen *handset_call_view_screen_new (GtkWidget *view,
                                                     GtkPicture *screen_video,
                                                     GtkPicture *small_camera,
                                                     GtkLabel *badge,
                                                     GtkToggleButton *button,
                                                     GtkLabel *error_label);
void handset_call_view_screen_free (HandsetCallViewScreen *self);
void handset_call_view_screen_set_call (HandsetCallViewScreen *self, HandsetCall *call);
void handset_call_view_screen_bind_media (HandsetCallViewScreen *self,
                                          GdkPaintable *camera,
                                          GCallback frames_changed,
                                          gpointer data);
gboolean handset_call_view_screen_update (HandsetCallViewScreen *self,
                                          gboolean camera_shown,
                                          const char *peer_name);
void handset_call_view_screen_show_error (HandsetCallViewScreen *self, const char *message);

G_END_DECLS
