/* test-video-paintable.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The paintable that shows a call's video, fed from a streaming thread.
 */

#include "config.h"

#include <gtk/gtk.h>

#include "handset-media-session.h"
#include "handset-test-util.h"
#include "handset-video-paintable.h"

typedef struct
{
  HandsetMediaSession *session;
  GBytes *pixels;
  gboolean stop;
} Emitter;

/* A streaming thread's frames, as fast as it can. */
static gpointer
emit_frames (gpointer data)
{
  Emitter *emitter = data;

  while (!g_atomic_int_get (&emitter->stop))
    g_signal_emit_by_name (emitter->session, "video-frame", 2, 2, 8, emitter->pixels);

  return NULL;
}

static gboolean
has_frames (gpointer paintable)
{
  return handset_video_paintable_get_n_frames (paintable) > 0;
}

/* Paintables made and dropped while frames keep coming: each one shows
 * frames, and none is touched once gone (AddressSanitizer watches the
 * unit run). */
static void
test_dropped_while_frames_arrive (void)
{
  g_autoptr (GError) error = NULL;
  static const guint8 rgba[16] = { 0 };
  Emitter emitter = { 0 };
  GThread *thread;

  emitter.session = handset_media_session_new (FALSE, &error);
  g_assert_no_error (error);
  emitter.pixels = g_bytes_new_static (rgba, sizeof rgba);
  thread = g_thread_new ("frames", emit_frames, &emitter);

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr (HandsetVideoPaintable) paintable =
          handset_video_paintable_new (HANDSET_MEDIA (emitter.session));

      g_assert_true (handset_test_wait_until (has_frames, paintable, 5));
      g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 2);
    }

  g_atomic_int_set (&emitter.stop, TRUE);
  g_thread_join (thread);
  /* Frames still queued for paintables that are gone. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  handset_media_close (HANDSET_MEDIA (emitter.session));
  g_object_unref (emitter.session);
  g_bytes_unref (emitter.pixels);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/video-paintable/dropped-while-frames-arrive",
                   test_dropped_while_frames_arrive);

  return g_test_run ();
}
