/* handset-call-view-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetCallView, shared by handset-call-view.c (the view,
 * its controls and video) and the files of its other jobs: -status (what
 * the labels say of the call) and -devices (the menu of microphones and
 * speakers).
 */
#pragma once

#include "handset-call-view-screen.h"
#include "handset-call-view.h"
#include "handset-video-paintable.h"

G_BEGIN_DECLS

struct _HandsetCallView
{
  GtkBox parent_instance;

  AdwWindowTitle *title;
  GtkPicture *remote_video;
  GtkPicture *local_video;
  GtkPicture *screen_video;
  GtkPicture *small_camera;
  GtkLabel *screenshare_badge;
  GtkToggleButton *screen_button;
  GtkLabel *screen_error_label;
  HandsetCallViewScreen *screen;
  AdwAvatar *avatar;
  GtkLabel *peer_label;
  GtkLabel *state_label;
  GtkWidget *encryption_box;
  GtkLabel *encryption_label;
  GtkWidget *accept_identity_button;
  gboolean offered_picker; /* the device menu came up for a failed device */
  GtkLabel *detail_label;
  GtkToggleButton *mute_button;
  GtkToggleButton *hold_button;
  GtkToggleButton *video_button;
  GtkMenuButton *devices_button;
  GtkMenuButton *keypad_button;
  GtkButton *hangup_button;

  HandsetMediaDevices *devices;
  GMenu *devices_menu;
  HandsetCall *call;
  HandsetVideoPaintable *paintable;
  HandsetVideoPaintable *preview;
  guint timer;
};

/* handset-call-view-status.c */
void handset_call_view_update_status (HandsetCallView *self);

/* handset-call-view-devices.c */
void handset_call_view_forget_devices (HandsetCallView *self);

G_END_DECLS
