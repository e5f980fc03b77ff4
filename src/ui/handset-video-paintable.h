/* handset-video-paintable.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "handset-media.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_VIDEO_PAINTABLE (handset_video_paintable_get_type ())
G_DECLARE_FINAL_TYPE (HandsetVideoPaintable,
                      handset_video_paintable,
                      HANDSET,
                      VIDEO_PAINTABLE,
                      GObject)

HandsetVideoPaintable *handset_video_paintable_new (HandsetMedia *media);
HandsetVideoPaintable *handset_video_paintable_new_preview (HandsetMedia *media);
HandsetVideoPaintable *handset_video_paintable_new_screenshare (HandsetMedia *media);
gboolean handset_video_paintable_has_frames (HandsetVideoPaintable *self);
guint handset_video_paintable_get_n_frames (HandsetVideoPaintable *self);

G_END_DECLS
