/* handset-video-paintable.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The remote video, or the preview of our own, as a GdkPaintable: GTK 4.8
 * has no GStreamer video sink, so RGBA frames come from the session's
 * appsinks, are made into textures on the main thread, and a GtkPicture
 * shows them.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include "handset-video-paintable.h"

struct _HandsetVideoPaintable
{
  GObject parent_instance;

  HandsetMediaSession *session;
  gulong frame_handler;
  GdkTexture *texture;
  guint frames;
  GMutex lock;
  gboolean frame_pending;
};

static void handset_video_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HandsetVideoPaintable,
                               handset_video_paintable,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      handset_video_paintable_iface_init))

static void
paintable_snapshot (GdkPaintable *paintable, GdkSnapshot *snapshot, double width, double height)
{
  HandsetVideoPaintable *self = HANDSET_VIDEO_PAINTABLE (paintable);

  if (self->texture != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
}

static int
paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  HandsetVideoPaintable *self = HANDSET_VIDEO_PAINTABLE (paintable);

  return self->texture ? gdk_texture_get_width (self->texture) : 0;
}

static int
paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  HandsetVideoPaintable *self = HANDSET_VIDEO_PAINTABLE (paintable);

  return self->texture ? gdk_texture_get_height (self->texture) : 0;
}

static void
handset_video_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = paintable_snapshot;
  iface->get_intrinsic_width = paintable_get_intrinsic_width;
  iface->get_intrinsic_height = paintable_get_intrinsic_height;
}

typedef struct
{
  HandsetVideoPaintable *self;
  GdkTexture *texture;
} Frame;

static gboolean
show_frame (gpointer user_data)
{
  Frame *frame = user_data;
  HandsetVideoPaintable *self = frame->self;
  gboolean size_changed =
      self->texture == NULL ||
      gdk_texture_get_width (self->texture) != gdk_texture_get_width (frame->texture) ||
      gdk_texture_get_height (self->texture) != gdk_texture_get_height (frame->texture);

  g_set_object (&self->texture, frame->texture);
  self->frames++;
  g_mutex_lock (&self->lock);
  self->frame_pending = FALSE;
  g_mutex_unlock (&self->lock);

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));

  g_object_unref (frame->texture);
  g_object_unref (frame->self);
  g_free (frame);

  return G_SOURCE_REMOVE;
}

static void
on_video_frame (HandsetMediaSession *session,
                int width,
                int height,
                int stride,
                GBytes *pixels,
                HandsetVideoPaintable *self)
{
  Frame *frame;

  /* A streaming thread. While the main thread is behind, frames drop. */
  g_mutex_lock (&self->lock);
  if (self->frame_pending)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->frame_pending = TRUE;
  g_mutex_unlock (&self->lock);

  frame = g_new0 (Frame, 1);
  frame->self = g_object_ref (self);
  frame->texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, stride);
  g_idle_add (show_frame, frame);
}

static void
handset_video_paintable_dispose (GObject *object)
{
  HandsetVideoPaintable *self = HANDSET_VIDEO_PAINTABLE (object);

  if (self->session != NULL)
    g_clear_signal_handler (&self->frame_handler, self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (handset_video_paintable_parent_class)->dispose (object);
}

static void
handset_video_paintable_finalize (GObject *object)
{
  g_mutex_clear (&HANDSET_VIDEO_PAINTABLE (object)->lock);

  G_OBJECT_CLASS (handset_video_paintable_parent_class)->finalize (object);
}

static void
handset_video_paintable_class_init (HandsetVideoPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_video_paintable_dispose;
  object_class->finalize = handset_video_paintable_finalize;
}

static void
handset_video_paintable_init (HandsetVideoPaintable *self)
{
  g_mutex_init (&self->lock);
}

static HandsetVideoPaintable *
paintable_new_for (HandsetMediaSession *session, const char *signal)
{
  HandsetVideoPaintable *self = g_object_new (HANDSET_TYPE_VIDEO_PAINTABLE, NULL);

  self->session = g_object_ref (session);
  self->frame_handler = g_signal_connect (session, signal, G_CALLBACK (on_video_frame), self);

  return self;
}

/**
 * handset_video_paintable_new:
 *
 * Returns: (transfer full): the remote video of @session
 */
HandsetVideoPaintable *
handset_video_paintable_new (HandsetMediaSession *session)
{
  return paintable_new_for (session, "video-frame");
}

/**
 * handset_video_paintable_new_preview:
 *
 * Returns: (transfer full): a small copy of the video @session sends
 */
HandsetVideoPaintable *
handset_video_paintable_new_preview (HandsetMediaSession *session)
{
  return paintable_new_for (session, "preview-frame");
}

gboolean
handset_video_paintable_has_frames (HandsetVideoPaintable *self)
{
  return self->texture != NULL;
}

/**
 * handset_video_paintable_get_n_frames:
 *
 * Returns: how many frames were shown
 */
guint
handset_video_paintable_get_n_frames (HandsetVideoPaintable *self)
{
  return self->frames;
}
