/* capture-portals-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the capture portal tests (test-capture-portals-*.c) share: the
 * camera and the screen through the Camera and ScreenCast portals, as
 * inside Flatpak: a real PipeWire daemon of the test's own, with a video
 * source node standing for the camera or the screen, and a portal on a
 * private session bus that hands over connections to it (the real
 * xdg-desktop-portal needs a camera and a compositor behind these). The
 * test process is not told where the daemon is: frames reach it only
 * through the portal's descriptor.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "capture-portals-fixture.h"

#define N_FRAMES 5

GTestDBus *portal_bus;

static char *empty_runtime;

void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *node = data;
  g_autofree char *missing = NULL;

  if (node == NULL)
    return;
  if (handset_test_pipewire_missing (&missing))
    {
      g_test_skip (missing);
      return;
    }
  handset_test_pipewire_start (&f->pipewire, node,
                               g_str_equal (node, "test-camera") ? "Test Camera" : "Test Screen");
  f->portal.pipewire_socket = f->pipewire.socket_path;
}

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->result);
  handset_fake_capture_portal_stop (&f->portal);
  handset_test_pipewire_stop (&f->pipewire);
}

GAsyncResult *
wait_for_result (Fixture *f)
{
  return handset_test_wait_for_result (&f->result, WAIT_S);
}

static gpointer
set_playing (gpointer pipeline)
{
  return GINT_TO_POINTER (gst_element_set_state (pipeline, GST_STATE_PLAYING));
}

/* Plays @source (a reference is taken) into an appsink and returns the caps of the N_FRAMES-th
 * frame, once @node (in the daemon) is linked to it as a session manager
 * would. */
GstCaps *
read_frames (Fixture *f, GstElement *source, const char *node)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstCaps *caps = NULL;
  GThread *playing;

  g_object_set (sink, "sync", FALSE, "max-buffers", 1, "drop", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), source, sink, NULL);
  g_assert_true (gst_element_link (source, sink));
  /* pipewiresrc's start waits for its link: made meanwhile. */
  playing = g_thread_new ("playing", set_playing, pipeline);
  handset_test_pipewire_link_to_reader (&f->pipewire, node);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (playing)), !=, GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < N_FRAMES; i++)
    {
      g_autoptr (GstSample) sample =
          gst_app_sink_try_pull_sample (GST_APP_SINK (sink), WAIT_S * GST_SECOND);

      g_assert_nonnull (sample);
      if (i == N_FRAMES - 1)
        caps = gst_caps_ref (gst_sample_get_caps (sample));
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  return caps;
}

void
assert_size (GstCaps *caps, int width, int height)
{
  GstVideoInfo info;

  g_assert_true (gst_video_info_from_caps (&info, caps));
  g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, width);
  g_assert_cmpint (GST_VIDEO_INFO_HEIGHT (&info), ==, height);
}

void
capture_portals_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  gst_init (argc, argv);

  /* As in Flatpak: the cameras are the portal's, and the test process
   * has no PipeWire socket of its own to find. */
  g_setenv ("HANDSET_CAMERA_PORTAL", "1", TRUE);
  empty_runtime = g_dir_make_tmp ("handset-runtime-XXXXXX", NULL);
  g_setenv ("XDG_RUNTIME_DIR", empty_runtime, TRUE);
  g_unsetenv ("PIPEWIRE_RUNTIME_DIR");
  g_unsetenv ("PIPEWIRE_REMOTE");

  portal_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (portal_bus);
}

/* Runs the tests added, then takes the bus and the runtime directory
 * down. */
int
capture_portals_test_run (void)
{
  int status = g_test_run ();

  g_test_dbus_down (portal_bus);
  g_clear_object (&portal_bus);
  g_rmdir (empty_runtime);
  g_clear_pointer (&empty_runtime, g_free);

  return status;
}
