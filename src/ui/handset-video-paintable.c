/* handset-video-paintable.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The remote video, or the preview of our own, as a GdkPaintable: GTK 4.8
 * has no GStreamer video sink, so RGBA frames come from the media's
 * appsinks, are made into textures on the main thread, and a GtkPicture
 * shows them.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include "handset-video-paintable.h"

/* What the streaming thread sees of a paintable. It holds the paintable
 * only weakly: a paintable disposed while a frame is on its way is never
 * touched. As the data of the signal handler it lives until the last
 * emission in progress has returned, even after the handler is
 * disconnected. */
typedef struct
{
  GWeakRef paintable;
  int pending; /* atomic: a frame waits for the main thread */
} FrameTarget;

struct _HandsetVideoPaintable
{
  GObject parent_instance;

  HandsetMedia *media;
  gulong frame_handler;
  FrameTarget *target;
  GdkTexture *texture;
  guint frames;
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

static void
frame_target_clear (gpointer data)
{
  g_weak_ref_clear (&((FrameTarget *) data)->paintable);
}

static void
frame_target_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, frame_target_clear);
}

static void
frame_target_release_closure (gpointer data, GClosure *closure)
{
  frame_target_release (data);
}

typedef struct
{
  FrameTarget *target;
  GdkTexture *texture;
} Frame;

static gboolean
show_frame (gpointer user_data)
{
  Frame *frame = user_data;
  g_autoptr (HandsetVideoPaintable) self = g_weak_ref_get (&frame->target->paintable);

  g_atomic_int_set (&frame->target->pending, FALSE);
  if (self != NULL)
    {
      gboolean size_changed =
          self->texture == NULL ||
          gdk_texture_get_width (self->texture) != gdk_texture_get_width (frame->texture) ||
          gdk_texture_get_height (self->texture) != gdk_texture_get_height (frame->texture);

      g_set_object (&self->texture, frame->texture);
      self->frames++;
      if (size_changed)
        gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
      gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
    }

  g_object_unref (frame->texture);
  frame_target_release (frame->target);
  g_free (frame);

  return G_SOURCE_REMOVE;
}

static void
on_video_frame (HandsetMedia *media,
                int width,
                int height,
                int stride,
                GBytes *pixels,
                FrameTarget *target)
{
  Frame *frame;

  /* A streaming thread. While the main thread is behind, frames drop. */
  if (!g_atomic_int_compare_and_exchange (&target->pending, FALSE, TRUE))
    return;

  frame = g_new0 (Frame, 1);
  frame->target = g_atomic_rc_box_acquire (target);
  frame->texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, stride);
  g_idle_add (show_frame, frame);
}

static void
handset_video_paintable_dispose (GObject *object)
{
  HandsetVideoPaintable *self = HANDSET_VIDEO_PAINTABLE (object);

  if (self->media != NULL)
    g_clear_signal_handler (&self->frame_handler, self->media);
  g_clear_object (&self->media);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (handset_video_paintable_parent_class)->dispose (object);
}

static void
handset_video_paintable_finalize (GObject *object)
{
  HandsetVideoPaintable *self = HANDSET_VIDEO_PAINTABLE (object);

  g_clear_pointer (&self->target, frame_target_release);

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
  self->target = g_atomic_rc_box_new0 (FrameTarget);
  g_weak_ref_init (&self->target->paintable, self);
}

static HandsetVideoPaintable *
paintable_new_for (HandsetMedia *media, const char *signal)
{
  HandsetVideoPaintable *self = g_object_new (HANDSET_TYPE_VIDEO_PAINTABLE, NULL);

  self->media = g_object_ref (media);
  self->frame_handler = g_signal_connect_data (media, signal, G_CALLBACK (on_video_frame),
                                               g_atomic_rc_box_acquire (self->target),
                                               frame_target_release_closure, 0);

  return self;
}

/**
 * handset_video_paintable_new:
 *
 * Returns: (transfer full): the remote video of @media
 */
HandsetVideoPaintable *
handset_video_paintable_new (HandsetMedia *media)
{
  return paintable_new_for (media, "video-frame");
}

/**
 * handset_video_paintable_new_preview:
 *
 * Returns: (transfer full): a small copy of the video @media sends
 */
HandsetVideoPaintable *
handset_video_paintable_new_preview (HandsetMedia *media)
{
  return paintable_new_for (media, "preview-frame");
}

/**
 * handset_video_paintable_new_screenshare:
 *
 * Returns: (transfer full): the other side's screen share in @media
 */
HandsetVideoPaintable *
handset_video_paintable_new_screenshare (HandsetMedia *media)
{
  return paintable_new_for (media, "screenshare-frame");
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
