/* test-capture-portals.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The camera and the screen through the Camera and ScreenCast portals,
 * as inside Flatpak: a real PipeWire daemon of the test's own, with a
 * video source node standing for the camera or the screen, and a portal
 * on a private session bus that hands over connections to it (the real
 * xdg-desktop-portal needs a camera and a compositor behind these). The
 * test process is not told where the daemon is: frames reach it only
 * through the portal's descriptor.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "handset-camera-portal.h"
#include "handset-fake-capture-portal.h"
#include "handset-media-devices-private.h"
#include "handset-media-provider.h"
#include "handset-media-session.h"
#include "handset-screen-source.h"
#include "handset-screencast-portal.h"
#include "handset-test-pipewire.h"
#include "handset-test-util.h"

#define WAIT_S   30
#define N_FRAMES 5

static GTestDBus *bus;

typedef struct
{
  HandsetTestPipewire pipewire;
  HandsetFakeCapturePortal portal;
  GAsyncResult *result;
} Fixture;

static void
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

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->result);
  handset_fake_capture_portal_stop (&f->portal);
  handset_test_pipewire_stop (&f->pipewire);
}

static GAsyncResult *
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
static GstCaps *
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

static void
assert_size (GstCaps *caps, int width, int height)
{
  GstVideoInfo info;

  g_assert_true (gst_video_info_from_caps (&info, caps));
  g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, width);
  g_assert_cmpint (GST_VIDEO_INFO_HEIGHT (&info), ==, height);
}

/* ------------------------------------------------------------------ camera */

static gboolean
request_cameras (Fixture *f, HandsetMediaDevices *devices, GError **error)
{
  g_clear_object (&f->result);
  handset_media_devices_request_cameras_async (devices, NULL, handset_test_store_result,
                                               &f->result);
  return handset_media_devices_request_cameras_finish (devices, wait_for_result (f), error);
}

static void
test_camera_listed_and_sends (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetMediaDevices) devices = NULL;
  g_autoptr (HandsetMediaDevice) camera = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) source = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GListModel *cameras;
  int fd = -1;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  f->portal.has_camera = TRUE;
  f->portal.camera_present = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

  devices = handset_media_devices_new ();
  cameras = handset_media_devices_get_cameras (devices);
  /* Nobody is asked for a camera at start-up; video is offered, since the
   * portal says there is a camera. */
  handset_test_run_for (200);
  g_assert_cmpuint (f->portal.n_access, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (cameras), ==, 0);
  g_assert_true (handset_media_devices_can_send_video (devices));

  g_assert_true (request_cameras (f, devices, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->portal.n_access, ==, 1);
  g_assert_cmpuint (f->portal.n_remotes, ==, 1);

  /* The PipeWire node, by the name people see. */
  g_assert_cmpuint (g_list_model_get_n_items (cameras), ==, 1);
  camera = g_list_model_get_item (cameras, 0);
  g_assert_cmpstr (handset_media_device_get_display_name (camera), ==, "Test Camera");
  g_assert_cmpstr (handset_media_device_get_name (camera), ==, "test-camera");
  g_assert_true (handset_media_devices_can_send_video (devices));

  /* Asked once: a second request finds the cameras open. */
  g_assert_true (request_cameras (f, devices, &error));
  g_assert_cmpuint (f->portal.n_access, ==, 1);

  /* The element chosen for a call: pipewiresrc on the portal's descriptor. */
  source = handset_media_device_create_element (camera, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (source), ==, "GstPipeWireSrc");
  g_object_get (source, "fd", &fd, NULL);
  g_assert_cmpint (fd, >=, 0);

  caps = read_frames (f, source, "test-camera");
  assert_size (caps, 320, 240);
}

typedef struct
{
  Fixture *f;
  gboolean linked;
} Linker;

static gpointer
link_thread (gpointer data)
{
  Linker *linker = data;
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (!handset_test_pipewire_try_link (&linker->f->pipewire, "test-camera") &&
         g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_atomic_int_set (&linker->linked, TRUE);

  return NULL;
}

static gboolean
has_caps (gpointer data)
{
  return gst_pad_has_current_caps (GST_PAD (data));
}

/* The call's pipewiresrc: the portal's descriptor, and a count of the
 * frames it gives the call. */
static GstElement *
find_pipewiresrc (GstElement *pipeline)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);

      if (g_str_equal (G_OBJECT_TYPE_NAME (element), "GstPipeWireSrc"))
        found = gst_object_ref (element);
      g_value_reset (&item);
    }
  g_value_unset (&item);

  return found;
}

/* A call made before any camera was listed, its video built once the
 * portal gave one: the camera is taken then. */
static void
test_camera_in_call (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetMediaDevices) devices = NULL;
  g_autoptr (HandsetMediaProvider) provider = NULL;
  g_autoptr (HandsetMedia) media = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autoptr (GstElement) camera = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstCaps) caps = NULL;
  Linker linker = { f, FALSE };
  GThread *thread;
  int fd = -1;

  if (f->pipewire.pid == 0)
    return;
  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink", TRUE);
  f->portal.has_camera = TRUE;
  f->portal.camera_present = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

  devices = handset_media_devices_new ();
  provider = handset_media_provider_new (devices);
  media = handset_media_provider_make (TRUE, provider, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->portal.n_access, ==, 0);

  g_assert_true (request_cameras (f, devices, &error));
  g_assert_no_error (error);

  /* The offer builds the video: pipewiresrc waits for its link. */
  thread = g_thread_new ("link", link_thread, &linker);
  g_clear_object (&f->result);
  handset_media_create_offer (media, FALSE, NULL, handset_test_store_result, &f->result);
  offer = handset_media_create_offer_finish (media, wait_for_result (f), &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  g_assert_true (linker.linked);
  g_assert_nonnull (strstr (offer, "m=video"));

  /* The call's video comes from the portal's camera. */
  camera = find_pipewiresrc (handset_media_session_get_pipeline (HANDSET_MEDIA_SESSION (media)));
  g_assert_nonnull (camera);
  g_object_get (camera, "fd", &fd, NULL);
  g_assert_cmpint (fd, >=, 0);
  /* It streams, at the size the call asks for: the node was linked to
   * it through the portal's connection and agreed a format. (Frames go
   * on once the call connects; test-media-session follows them there.) */
  pad = gst_element_get_static_pad (camera, "src");
  g_assert_true (handset_test_wait_until (has_caps, pad, WAIT_S));
  caps = gst_pad_get_current_caps (pad);
  assert_size (caps, 640, 480);
  handset_media_close (media);
}

static void
test_camera_declined (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetMediaDevices) devices = NULL;
  g_autoptr (GError) error = NULL;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  f->portal.has_camera = TRUE;
  f->portal.camera_present = TRUE;
  f->portal.camera_response = 1;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

  devices = handset_media_devices_new ();
  g_assert_false (request_cameras (f, devices, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "The camera cannot be used: access to it was not allowed");
  g_assert_cmpuint (f->portal.n_remotes, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (handset_media_devices_get_cameras (devices)), ==, 0);

  /* Allowed later (in Settings): the next request asks again and lists it. */
  g_clear_error (&error);
  f->portal.camera_response = 0;
  g_assert_true (request_cameras (f, devices, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->portal.n_access, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (handset_media_devices_get_cameras (devices)), ==, 1);
}

/* Two lists ask at once (Preferences open while a call turns video on):
 * the portal is asked once, and each lists the camera once. */
static void
test_camera_two_lists (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetMediaDevices) preferences = NULL;
  g_autoptr (HandsetMediaDevices) call = NULL;
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GAsyncResult) second = NULL;
  g_autoptr (GError) error = NULL;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  f->portal.has_camera = TRUE;
  f->portal.camera_present = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

  preferences = handset_media_devices_new ();
  call = handset_media_devices_new ();
  handset_media_devices_request_cameras_async (preferences, NULL, handset_test_store_result,
                                               &first);
  handset_media_devices_request_cameras_async (call, NULL, handset_test_store_result, &second);
  g_assert_true (handset_media_devices_request_cameras_finish (
      preferences, handset_test_wait_for_result (&first, WAIT_S), &error));
  g_assert_no_error (error);
  g_assert_true (handset_media_devices_request_cameras_finish (
      call, handset_test_wait_for_result (&second, WAIT_S), &error));
  g_assert_no_error (error);
  handset_test_run_for (500);

  g_assert_cmpuint (f->portal.n_access, ==, 1);
  g_assert_cmpuint (f->portal.n_remotes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (handset_media_devices_get_cameras (preferences)), ==,
                    1);
  g_assert_cmpuint (g_list_model_get_n_items (handset_media_devices_get_cameras (call)), ==, 1);
}

static guint
count_open_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

typedef struct
{
  GCancellable *cancellable; /* cancelled before the answer is read */
  int fd;
  GError *error;
  gboolean done;
} LateCancel;

static void
opened_then_cancelled (GObject *object, GAsyncResult *result, gpointer user_data)
{
  LateCancel *late = user_data;

  if (late->cancellable != NULL)
    g_cancellable_cancel (late->cancellable);
  late->fd = handset_camera_portal_open_finish (result, &late->error);
  late->done = TRUE;
}

static gboolean
late_done (gpointer data)
{
  return ((LateCancel *) data)->done;
}

/* The portal's descriptor came, but the asking was cancelled before it
 * was read (the list let go meanwhile): it is closed, not left open. */
static void
test_camera_cancelled_late (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  LateCancel first = { NULL, -1, NULL, FALSE };
  LateCancel late = { cancellable, -1, NULL, FALSE };
  guint before;

  if (g_test_failed () || f->pipewire.pid == 0)
    return;
  f->portal.has_camera = TRUE;
  f->portal.camera_present = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

  /* Once, to the end: the bus connection stays open from then on. */
  handset_camera_portal_open_async (NULL, opened_then_cancelled, &first);
  g_assert_true (handset_test_wait_until (late_done, &first, WAIT_S));
  g_assert_no_error (first.error);
  g_assert_cmpint (first.fd, >=, 0);
  g_close (first.fd, NULL);
  handset_test_run_for (200);
  before = count_open_fds ();

  handset_camera_portal_open_async (cancellable, opened_then_cancelled, &late);
  g_assert_true (handset_test_wait_until (late_done, &late, WAIT_S));
  g_assert_error (late.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (late.fd, ==, -1);
  g_assert_cmpuint (f->portal.n_remotes, ==, 2);
  handset_test_run_for (200);
  g_assert_cmpuint (count_open_fds (), ==, before);
  g_clear_error (&late.error);
}

static void
test_camera_absent (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetMediaDevices) devices = NULL;
  g_autoptr (GError) error = NULL;

  f->portal.has_camera = TRUE;
  f->portal.camera_present = FALSE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

  devices = handset_media_devices_new ();
  handset_test_run_for (200);
  /* No camera: video is not offered, and nobody is asked. */
  g_assert_false (handset_media_devices_can_send_video (devices));
  g_assert_false (request_cameras (f, devices, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No camera was found");
  g_assert_cmpuint (f->portal.n_access, ==, 0);
}

static void
test_camera_no_portal (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetMediaDevices) devices = handset_media_devices_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (request_cameras (f, devices, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "The camera cannot be used: the desktop portal offers no camera access");
}

/* ---------------------------------------------------------------- screencast */

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));
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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));
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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));
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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));
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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));
  source = open_screen_source (f, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Screen sharing was cancelled");
  g_clear_error (&error);
  handset_fake_capture_portal_stop (&f->portal);

  /* A portal without ScreenCast, on X11: the screen read directly. */
  f->portal.has_screencast = FALSE;
  f->portal.has_camera = TRUE;
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (bus));
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

/* Runs the test @data names in a process of its own. */
static void
in_subprocess (gconstpointer data)
{
  g_autofree char *missing = NULL;

  if (handset_test_pipewire_missing (&missing))
    {
      g_test_skip (missing);
      return;
    }
  g_test_trap_subprocess (data, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_autofree char *empty_runtime = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  /* As in Flatpak: the cameras are the portal's, and the test process
   * has no PipeWire socket of its own to find. */
  g_setenv ("HANDSET_CAMERA_PORTAL", "1", TRUE);
  empty_runtime = g_dir_make_tmp ("handset-runtime-XXXXXX", NULL);
  g_setenv ("XDG_RUNTIME_DIR", empty_runtime, TRUE);
  g_unsetenv ("PIPEWIRE_RUNTIME_DIR");
  g_unsetenv ("PIPEWIRE_REMOTE");

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  /* The cameras' provider lasts as long as its process: one each. */
  g_test_add ("/capture-portals/camera/listed-and-sends/subprocess", Fixture, "test-camera",
              fixture_set_up, test_camera_listed_and_sends, fixture_tear_down);
  g_test_add_data_func ("/capture-portals/camera/listed-and-sends",
                        "/capture-portals/camera/listed-and-sends/subprocess", in_subprocess);
  g_test_add ("/capture-portals/camera/in-call/subprocess", Fixture, "test-camera", fixture_set_up,
              test_camera_in_call, fixture_tear_down);
  g_test_add_data_func ("/capture-portals/camera/in-call",
                        "/capture-portals/camera/in-call/subprocess", in_subprocess);
  g_test_add ("/capture-portals/camera/declined/subprocess", Fixture, "test-camera", fixture_set_up,
              test_camera_declined, fixture_tear_down);
  g_test_add_data_func ("/capture-portals/camera/declined",
                        "/capture-portals/camera/declined/subprocess", in_subprocess);
  g_test_add ("/capture-portals/camera/two-lists/subprocess", Fixture, "test-camera",
              fixture_set_up, test_camera_two_lists, fixture_tear_down);
  g_test_add_data_func ("/capture-portals/camera/two-lists",
                        "/capture-portals/camera/two-lists/subprocess", in_subprocess);
  g_test_add ("/capture-portals/camera/cancelled-late", Fixture, "test-camera", fixture_set_up,
              test_camera_cancelled_late, fixture_tear_down);
  g_test_add ("/capture-portals/camera/absent", Fixture, NULL, fixture_set_up, test_camera_absent,
              fixture_tear_down);
  g_test_add ("/capture-portals/camera/no-portal", Fixture, NULL, fixture_set_up,
              test_camera_no_portal, fixture_tear_down);
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

  status = g_test_run ();

  g_test_dbus_down (bus);
  g_clear_object (&bus);
  g_rmdir (empty_runtime);

  return status;
}
