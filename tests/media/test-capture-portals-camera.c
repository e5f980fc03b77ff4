/* test-capture-portals-camera.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The camera through the Camera portal, as inside Flatpak
 * (capture-portals-fixture.c): listed by its PipeWire node's name and
 * sending frames, taken by a call made before it was listed, declined
 * then allowed, asked for by two lists at once, a descriptor that came
 * after its asking was cancelled closed, no camera, and no portal.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "capture-portals-fixture.h"
#include "handset-camera-portal.h"
#include "handset-media-devices-private.h"
#include "handset-media-provider.h"
#include "handset-media-session.h"

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

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
  handset_fake_capture_portal_start (&f->portal, g_test_dbus_get_bus_address (portal_bus));

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
  capture_portals_test_init (&argc, &argv);

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

  return capture_portals_test_run ();
}
