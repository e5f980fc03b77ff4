/* test-capture-portals-screencast.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The screen through the ScreenCast portal, as inside Flatpak
 * (capture-portals-fixture.c): its frames, the options asked for and the
 * restore token, the share ended by the desktop, cancelled in the
 * desktop's dialog, no portal; and what Share Screen opens
 * (handset-screen-source.c): the portal first, X11 read directly only
 * when no portal can share.
 */

#include "config.h"

#include <gst/gst.h>

#include "capture-portals-fixture.h"
#include "handset-screen-source.h"
#include "handset-screencast-portal.h"

static gboolean
thread_done (gpointer data)
{
  return g_atomic_int_get ((int *) data) != 0;
}

static gpointer
available_and_done (gpointer data)
{
  int *done = data;

  g_atomic_int_set (done, handset_screencast_portal_available () ? 1 : 2);
  return NULL;
}

/* handset_screencast_portal_available() waits for its answer: asked from
 * a thread, while the portal of this process answers on this one. */
static gboolean
screencast_available (void)
{
  int done = 0;
  GThread *thread = g_thread_new ("available", available_and_done, &done);

  g_assert_true (handset_test_wait_until (thread_done, &done, WAIT_S));
  g_thread_join (thread);

  return done == 1;
}

static gboolean
closed_once (gpointer data)
{
  Fixture *f = data;

  return f->portal.n_sessions_closed == 1;
}

static gboolean
closed_twice (gpointer data)
{
  Fixture *f = data;

  return f->portal.n_sessions_closed == 2;
}

static GstElement *
open_screencast (Fixture *f, GError **error)
{
  g_clear_object (&f->result);
  handset_screencast_portal_open_async (NULL, handset_test_store_result, &f->result);
  return handset_screencast_portal_open_finish (wait_for_result (f), error);
}

static void
test_screencast_frames (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstElement *source;
  guint32 types = 0, cursor_mode = 0, persist_mode = 0;
  const char *token = NULL;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  f->portal.has_screencast = TRUE;
  f->portal.stream_node = handset_test_pipewire_node_id (&f->pipewire, "test-screen");
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));
  g_assert_true (screencast_available ());

  source = open_screencast (f, &error);
  g_assert_no_error (error);
  g_assert_nonnull (source);
  g_assert_false (g_object_is_floating (source));

  /* A monitor or a window, the pointer drawn in, kept while Handset runs. */
  g_assert_true (g_variant_lookup (f->portal.select_options, "types", "u", &types));
  g_assert_cmpuint (types, ==, 1 | 2);
  g_assert_true (g_variant_lookup (f->portal.select_options, "cursor_mode", "u", &cursor_mode));
  g_assert_cmpuint (cursor_mode, ==, 2);
  g_assert_true (g_variant_lookup (f->portal.select_options, "persist_mode", "u", &persist_mode));
  g_assert_cmpuint (persist_mode, ==, 1);
  g_assert_cmpstr (f->portal.parent_window, ==, "");

  /* The portal's stream, raw video of its size. */
  caps = read_frames (f, source, "test-screen");
  gst_object_unref (source);
  g_assert_true (gst_structure_has_name (gst_caps_get_structure (caps, 0), "video/x-raw"));
  assert_size (caps, 320, 240);

  /* Let go (with its pipeline): the session is closed. */
  g_assert_true (handset_test_wait_until (closed_once, f, WAIT_S));

  /* Shared again: the portal's restore token goes with the request. */
  source = open_screencast (f, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (f->portal.select_options, "restore_token", "&s", &token));
  g_assert_cmpstr (token, ==, "fake-restore-token");
  g_assert_cmpuint (f->portal.n_sessions, ==, 2);
  gst_object_unref (source);
  g_assert_true (handset_test_wait_until (closed_twice, f, WAIT_S));
}

static gboolean
closed_message_posted (gpointer data)
{
  g_autoptr (GstMessage) message = gst_bus_pop_filtered (GST_BUS (data), GST_MESSAGE_ELEMENT);

  return message != NULL && gst_structure_has_name (gst_message_get_structure (message),
                                                    HANDSET_SCREENCAST_CLOSED_MESSAGE);
}

/* The desktop ends the share (the portal's Session::Closed, as when the
 * person presses "Stop sharing" in the shell): the element says so on its
 * pipeline's bus, for the call to stop sharing; the session, already
 * gone, is not closed again. */
static void
test_screencast_closed_by_desktop (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstBus) bus_of_pipeline = gst_element_get_bus (pipeline);
  GstElement *source;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  f->portal.has_screencast = TRUE;
  f->portal.stream_node = handset_test_pipewire_node_id (&f->pipewire, "test-screen");
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));
  source = open_screencast (f, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (pipeline), source);
  handset_test_run_for (100);
  g_assert_false (closed_message_posted (bus_of_pipeline));

  handset_fake_capture_portal_close_session (&f->portal);
  g_assert_true (handset_test_wait_until (closed_message_posted, bus_of_pipeline, WAIT_S));
  gst_bin_remove (GST_BIN (pipeline), source);
  gst_object_unref (source);
  handset_test_run_for (200);
  g_assert_cmpuint (f->portal.n_sessions_closed, ==, 0);
}

static void
test_screencast_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GstElement *source;

  f->portal.has_screencast = TRUE;
  f->portal.start_response = 1;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

  source = open_screencast (f, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Screen sharing was cancelled");
  g_assert_cmpuint (f->portal.n_remotes, ==, 0);
  /* The session made for it is closed. */
  g_assert_true (handset_test_wait_until (closed_once, f, WAIT_S));
}

static void
test_screencast_no_portal (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GstElement *source;

  /* A portal without ScreenCast, as a desktop without a backend for it. */
  f->portal.has_camera = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));
  g_assert_false (screencast_available ());
  source = open_screencast (f, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "The screen cannot be shared: the desktop offers no screen sharing portal");
  handset_fake_capture_portal_stop (&f->portal);

  /* No portal at all. */
  g_clear_error (&error);
  g_assert_false (screencast_available ());
  source = open_screencast (f, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static GstElement *
open_screen_source (Fixture *f, GError **error)
{
  g_clear_object (&f->result);
  handset_screen_source_open_async (NULL, handset_test_store_result, &f->result);
  return handset_screen_source_open_finish (wait_for_result (f), error);
}

static gboolean
has_element_of (GstElement *bin, const char *factory)
{
  g_autoptr (GstIterator) iterator =
      gst_bin_iterate_all_by_element_factory_name (GST_BIN (bin), factory);
  GValue item = G_VALUE_INIT;
  gboolean found = gst_iterator_next (iterator, &item) == GST_ITERATOR_OK;

  g_value_unset (&item);
  return found;
}

/* What Share Screen opens: the portal first, even on X11 where the screen
 * could be read directly; the person's "no" is the answer; X11 read
 * directly only when no portal can share; else the error says why. */
static void
test_screen_source_portal_first (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstElement *source;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  g_unsetenv ("HANDSET_SCREEN_SRC");
  g_unsetenv ("WAYLAND_DISPLAY");
  g_setenv ("DISPLAY", ":99", TRUE);

  f->portal.has_screencast = TRUE;
  f->portal.stream_node = handset_test_pipewire_node_id (&f->pipewire, "test-screen");
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));
  source = open_screen_source (f, &error);
  g_assert_no_error (error);
  g_assert_true (has_element_of (source, "pipewiresrc"));
  g_assert_false (g_object_is_floating (source));
  caps = read_frames (f, source, "test-screen");
  gst_object_unref (source);
  assert_size (caps, 320, 240);
  g_assert_true (handset_test_wait_until (closed_once, f, WAIT_S));
  handset_fake_capture_portal_stop (&f->portal);

  /* The person cancels in the portal's dialog: no X11 capture instead. */
  f->portal.start_response = 1;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));
  source = open_screen_source (f, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Screen sharing was cancelled");
  g_clear_error (&error);
  handset_fake_capture_portal_stop (&f->portal);

  /* A portal without ScreenCast, on X11: the screen read directly. */
  f->portal.has_screencast = FALSE;
  f->portal.has_camera = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    g_test_message ("inside Flatpak: X11 is never read directly");
  else
    {
      g_autoptr (GstElementFactory) ximagesrc = gst_element_factory_find ("ximagesrc");

      source = open_screen_source (f, &error);
      if (ximagesrc == NULL)
        g_assert_null (source);
      else
        {
          g_assert_no_error (error);
          g_assert_true (has_element_of (source, "ximagesrc"));
          g_assert_false (has_element_of (source, "pipewiresrc"));
          gst_object_unref (source);
        }
      g_clear_error (&error);
    }

  /* Nor X11: the reason, in words. */
  g_unsetenv ("DISPLAY");
  source = open_screen_source (f, &error);
  g_assert_null (source);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==,
                   "Screen sharing needs the desktop’s screen sharing portal, which is not "
                   "available");
}

int
main (int argc, char **argv)
{
  capture_portals_test_init (&argc, &argv);

  g_test_add ("/capture-portals/screencast/frames", Fixture, "test-screen", fixture_set_up,
              test_screencast_frames, fixture_tear_down);
  g_test_add ("/capture-portals/screencast/closed-by-desktop", Fixture, "test-screen",
              fixture_set_up, test_screencast_closed_by_desktop, fixture_tear_down);
  g_test_add ("/capture-portals/screencast/cancelled", Fixture, NULL, fixture_set_up,
              test_screencast_cancelled, fixture_tear_down);
  g_test_add ("/capture-portals/screencast/no-portal", Fixture, NULL, fixture_set_up,
              test_screencast_no_portal, fixture_tear_down);
  g_test_add ("/capture-portals/screen-source/portal-first", Fixture, "test-screen", fixture_set_up,
              test_screen_source_portal_first, fixture_tear_down);

  return capture_portals_test_run ();
}
