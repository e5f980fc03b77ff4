/* test-media-session-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Microphones and speakers during a call (media-session-fixture.c):
 * switched mid-call, quickly one after another, failing to open when the
 * call starts, and swapped while the sound is processed; the call goes
 * on and the new ones are heard; and the open microphone and camera of
 * one call handed to another's media (§17 #48).
 */

#include "config.h"

#include "media-session-fixture.h"

/* Microphones switched one after another, each before the last one has
 * settled: a live source that has just started holds its own lock while it
 * pushes its first events, and taking it out then must not wait for that
 * lock forever. The last one is heard. */
static void
test_switch_microphone_quickly (void)
{
  Peer alice = { 0 }, bob = { 0 };
  HandsetTestTone *speaker = handset_test_tone_new ();

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  connect_peers (&alice, &bob, NULL);
  assert_tone (&bob, 440);

  for (guint i = 0; i < 40; i++)
    {
      GstElement *source = gst_element_factory_make ("audiotestsrc", NULL);

      g_object_set (source, "is-live", TRUE, "freq", i % 2 ? 660.0 : 550.0, "volume", 0.5, NULL);
      handset_media_session_replace_audio_source (alice.session, source);
      handset_test_run_for (i % 8);
    }
  /* The last, number 39, plays 660 Hz. */
  handset_test_run_for (500);
  assert_tone (&bob, 660);

  /* Speakers too: the last one plays. */
  for (guint i = 0; i < 20; i++)
    {
      handset_media_session_replace_audio_sink (bob.session,
                                                gst_element_factory_make ("fakesink", NULL));
      handset_test_run_for (i % 4);
    }
  handset_media_session_replace_audio_sink (bob.session, handset_test_tone_create_sink (speaker));
  handset_test_run_for (500);
  handset_test_tone_assert (speaker, 660, 1000);

  peer_clear (&alice);
  peer_clear (&bob);
  /* Only now: the speaker's sink calls into it until the call is gone. */
  handset_test_tone_free (speaker);
}

typedef struct
{
  int device;
  char *message;
} DeviceFailure;

static void
on_device_failed (HandsetMediaSession *session, int device, const char *message, DeviceFailure *f)
{
  if (f->message != NULL)
    return;
  f->device = device;
  f->message = g_strdup (message);
}

static gboolean
device_failed (gpointer data)
{
  return ((DeviceFailure *) data)->message != NULL;
}

/* A microphone that cannot be opened when the call starts (here a file
 * that is not there, as a device that has gone away): the media say which
 * device failed instead of a silent call; the call still connects, and
 * another microphone chosen then is heard. The pipeline ends cleanly. */
static void
test_microphone_fails_to_start (void)
{
  Peer alice = { 0 }, bob = { 0 };
  DeviceFailure failure = { 0 };

  peer_init (&alice, FALSE,
             "filesrc location=/nonexistent/handset-microphone ! rawaudioparse format=pcm "
             "pcm-format=s16le sample-rate=48000 num-channels=1",
             NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  g_signal_connect (alice.session, "device-failed", G_CALLBACK (on_device_failed), &failure);
  connect_peers (&alice, &bob, NULL);

  g_assert_true (handset_test_wait_until (device_failed, &failure, WAIT_S));
  g_test_message ("device %d failed: %s", failure.device, failure.message);
  g_assert_cmpint (failure.device, ==, HANDSET_CALL_DEVICE_MICROPHONE);
  assert_tone (&alice, 880);

  /* Another microphone, as the device menu offers. */
  handset_media_session_replace_audio_source (
      alice.session,
      handset_test_source ("audiotestsrc is-live=true wave=sine freq=660 volume=0.5"));
  handset_test_run_for (500);
  assert_tone (&bob, 660);

  peer_clear (&alice);
  peer_clear (&bob);
  g_free (failure.message);
}

/* A speaker that cannot be opened: said, and the call goes on (alice is
 * heard); another speaker chosen then plays bob. */
static void
test_speaker_fails_to_start (void)
{
  Peer alice = { 0 }, bob = { 0 };
  DeviceFailure failure = { 0 };

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  handset_media_session_set_audio_sink (
      alice.session, handset_test_source ("filesink location=/nonexistent/handset-speaker"));
  g_signal_connect (alice.session, "device-failed", G_CALLBACK (on_device_failed), &failure);
  connect_peers (&alice, &bob, NULL);

  g_assert_true (handset_test_wait_until (device_failed, &failure, WAIT_S));
  g_test_message ("device %d failed: %s", failure.device, failure.message);
  g_assert_cmpint (failure.device, ==, HANDSET_CALL_DEVICE_SPEAKER);
  assert_tone (&bob, 440);

  handset_media_session_replace_audio_sink (alice.session,
                                            handset_test_tone_create_sink (alice.tone));
  handset_test_run_for (500);
  assert_tone (&alice, 880);

  peer_clear (&alice);
  peer_clear (&bob);
  g_free (failure.message);
}

/* Another microphone and another speaker mid-call, with no
 * renegotiation: the new ones are heard and play. */
static void
test_switch_microphone (void)
{
  Peer alice = { 0 }, bob = { 0 };

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  connect_peers (&alice, &bob, NULL);
  assert_tone (&bob, 440);

  handset_media_session_replace_audio_source (
      alice.session,
      handset_test_source ("audiotestsrc is-live=true wave=sine freq=660 volume=0.5"));
  handset_test_run_for (500);
  assert_tone (&bob, 660);
  assert_tone (&alice, 880);

  /* Back to the system's microphone: here, what HANDSET_AUDIO_SRC says. */
  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true wave=sine freq=550 volume=0.5", TRUE);
  handset_media_session_replace_audio_source (alice.session, NULL);
  g_unsetenv ("HANDSET_AUDIO_SRC");
  handset_test_run_for (500);
  assert_tone (&bob, 550);

  /* And another speaker for bob: the new one plays alice, the old one
   * hears nothing more. */
  {
    HandsetTestTone *speaker = handset_test_tone_new ();
    double rms = 0;

    handset_media_session_replace_audio_sink (bob.session, handset_test_tone_create_sink (speaker));
    handset_test_run_for (500);
    handset_test_tone_reset (bob.tone);
    handset_test_tone_assert (speaker, 550, 1500);
    handset_test_tone_get_frequency (bob.tone, &rms);
    g_assert_cmpfloat (rms, ==, 0);

    /* Back to the system's speaker (here, what HANDSET_AUDIO_SINK says):
     * the chosen one hears nothing more. */
    g_setenv ("HANDSET_AUDIO_SINK", "fakesink sync=true", TRUE);
    handset_media_session_replace_audio_sink (bob.session, NULL);
    handset_test_run_for (500);
    handset_test_tone_reset (speaker);
    handset_test_run_for (1000);
    handset_test_tone_get_frequency (speaker, &rms);
    g_assert_cmpfloat (rms, ==, 0);
    g_unsetenv ("HANDSET_AUDIO_SINK");
    handset_test_tone_free (speaker);
  }

  peer_clear (&alice);
  peer_clear (&bob);
}

/* An element made by @factory in @pipeline, or %NULL. */
static GstElement *
find_by_factory (GstElement *pipeline, const char *factory)
{
  g_autoptr (GstIterator) iter = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (iter, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *made_by = gst_element_get_factory (element);

      if (made_by != NULL && g_str_equal (GST_OBJECT_NAME (made_by), factory))
        found = element;
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return found;
}

/* How loud @tone was over @listen_ms, whatever processing did to the
 * tone's shape. */
static double
heard_rms (HandsetTestTone *tone, guint listen_ms)
{
  double rms = 0;

  handset_test_tone_reset (tone);
  handset_test_run_for (listen_ms);
  handset_test_tone_get_frequency (tone, &rms);
  return rms;
}

/* With the sound processed, a speaker that fails gives way to one that
 * plays nothing, and a microphone or speaker picked during the call
 * replaces only the device: the sound goes on through webrtcdsp and its
 * probe, and the probe feeds the new speaker. */
static void
test_swap_processed (void)
{
  Peer alice = { 0 }, bob = { 0 };
  DeviceFailure failure = { 0 };
  HandsetTestTone *speaker = handset_test_tone_new ();
  GstElement *pipeline, *probe;

  processed_peers = TRUE;
  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  handset_media_session_set_audio_sink (
      alice.session, handset_test_source ("filesink location=/nonexistent/handset-speaker"));
  g_signal_connect (alice.session, "device-failed", G_CALLBACK (on_device_failed), &failure);
  connect_peers (&alice, &bob, NULL);
  processed_peers = FALSE;
  g_assert_true (handset_test_wait_until (device_failed, &failure, WAIT_S));
  g_assert_cmpint (failure.device, ==, HANDSET_CALL_DEVICE_SPEAKER);
  g_assert_cmpfloat (heard_rms (bob.tone, 1500), >, 500);

  /* alice picks a speaker, and bob another microphone and speaker. */
  handset_media_session_replace_audio_sink (alice.session,
                                            handset_test_tone_create_sink (alice.tone));
  handset_media_session_replace_audio_source (
      bob.session, handset_test_source ("audiotestsrc is-live=true wave=sine freq=660 volume=0.5"));
  handset_media_session_replace_audio_sink (bob.session, handset_test_tone_create_sink (speaker));
  handset_test_run_for (500);
  g_assert_cmpfloat (heard_rms (alice.tone, 1500), >, 500);
  g_assert_cmpfloat (heard_rms (speaker, 1500), >, 500);
  g_assert_cmpfloat (heard_rms (bob.tone, 1000), ==, 0);

  /* Still processed, the probe feeding the new speaker. */
  pipeline = handset_media_session_get_pipeline (bob.session);
  g_assert_nonnull (find_by_factory (pipeline, "webrtcdsp"));
  probe = find_by_factory (pipeline, "webrtcechoprobe");
  g_assert_nonnull (probe);
  {
    g_autoptr (GstPad) probe_src = gst_element_get_static_pad (probe, "src");
    g_autoptr (GstPad) next = gst_pad_get_peer (probe_src);

    g_assert_nonnull (next);
  }

  peer_clear (&alice);
  peer_clear (&bob);
  handset_test_tone_free (speaker);
  g_free (failure.message);
}

static gboolean
frames_came (gpointer data)
{
  return g_atomic_int_get ((guint *) data) >= 10;
}

/* A glare's lost call whose offer went out with @microphone and @camera
 * (either may be %NULL) open, which hands them over as it ends: they stay
 * open. Returns what holds them. */
static GObject *
lost_call_hands_over (GstElement *microphone, GstElement *camera)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (HandsetMediaSession) lost = handset_media_session_new (camera != NULL, &error);
  g_autofree char *offer = NULL;
  GstElement *devices[] = { microphone, camera };
  GObject *capture;

  g_assert_no_error (error);
  handset_media_session_set_audio_source (lost, gst_object_ref (microphone));
  if (camera != NULL)
    handset_media_session_set_video_source (lost, gst_object_ref (camera));
  handset_media_create_offer (HANDSET_MEDIA (lost), FALSE, NULL, store_result, &offer_result);
  offer =
      handset_media_create_offer_finish (HANDSET_MEDIA (lost), wait_result (&offer_result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    if (devices[i] != NULL)
      g_assert_cmpint (GST_STATE (devices[i]), ==, GST_STATE_PLAYING);

  capture = handset_media_release_capture (HANDSET_MEDIA (lost));
  g_assert_nonnull (capture);
  handset_media_close (HANDSET_MEDIA (lost));
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    if (devices[i] != NULL)
      g_assert_cmpint (GST_STATE (devices[i]), ==, GST_STATE_PLAYING);

  return capture;
}

/* A glare's lost call hands its open microphone and camera to the call
 * that survives (§17 #48): the survivor's answer sends them, without
 * opening its own, and they stay open through the handover; they close
 * with the call that took them. */
static void
test_devices_handed_over (void)
{
  Peer bob = { 0 }, survivor = { 0 };
  g_autoptr (GstElement) microphone =
      gst_object_ref_sink (handset_test_source ("audiotestsrc is-live=true wave=sine freq=440 "
                                                "volume=0.5"));
  g_autoptr (GstElement) camera =
      gst_object_ref_sink (handset_test_source ("videotestsrc is-live=true pattern=ball"));
  g_autoptr (GObject) capture = lost_call_hands_over (microphone, camera);

  /* The survivor has devices of its own to open (another tone), and
   * answers bob with the ones handed over. */
  peer_init (&survivor, TRUE, "audiotestsrc is-live=true wave=sine freq=660 volume=0.5",
             "videotestsrc is-live=true pattern=snow");
  handset_media_adopt_capture (HANDSET_MEDIA (survivor.session), capture);
  g_clear_object (&capture);
  peer_init (&bob, TRUE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5",
             "videotestsrc is-live=true");
  connect_peers (&bob, &survivor, NULL);

  assert_tone (&bob, 440);
  assert_tone (&survivor, 880);
  g_assert_true (handset_test_wait_until (frames_came, &bob.frames, WAIT_S));
  {
    GstElement *pipeline = handset_media_session_get_pipeline (survivor.session);

    g_assert_true (gst_object_has_as_ancestor (GST_OBJECT (microphone), GST_OBJECT (pipeline)));
    g_assert_true (gst_object_has_as_ancestor (GST_OBJECT (camera), GST_OBJECT (pipeline)));
  }

  /* They close with the call that took them. */
  peer_clear (&survivor);
  g_assert_cmpint (GST_STATE (microphone), ==, GST_STATE_NULL);
  g_assert_cmpint (GST_STATE (camera), ==, GST_STATE_NULL);
  peer_clear (&bob);
}

/* A camera handed over to a call that answers without video closes as
 * that call's answer is made, not with the call. */
static void
test_camera_handed_over_unused (void)
{
  Peer bob = { 0 }, survivor = { 0 };
  g_autoptr (GstElement) microphone = gst_object_ref_sink (
      handset_test_source ("audiotestsrc is-live=true wave=sine freq=440 volume=0.5"));
  g_autoptr (GstElement) camera =
      gst_object_ref_sink (handset_test_source ("videotestsrc is-live=true pattern=ball"));
  g_autoptr (GObject) capture = lost_call_hands_over (microphone, camera);

  peer_init (&survivor, FALSE, "audiotestsrc is-live=true wave=sine freq=660 volume=0.5", NULL);
  handset_media_adopt_capture (HANDSET_MEDIA (survivor.session), capture);
  g_clear_object (&capture);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  connect_peers (&bob, &survivor, NULL);

  assert_tone (&bob, 440);
  g_assert_cmpint (GST_STATE (camera), ==, GST_STATE_NULL);
  peer_clear (&survivor);
  peer_clear (&bob);
}

/* Devices handed over that no call takes (the survivor ended first)
 * close when what held them goes. */
static void
test_devices_handed_over_not_taken (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) unopened = handset_media_session_new (FALSE, &error);
  g_autoptr (GstElement) microphone = gst_object_ref_sink (
      handset_test_source ("audiotestsrc is-live=true wave=sine freq=440 volume=0.5"));
  g_autoptr (GObject) capture = NULL;

  g_assert_no_error (error);
  /* Nothing open yet: nothing to hand over. */
  g_assert_null (handset_media_release_capture (HANDSET_MEDIA (unopened)));
  handset_media_close (HANDSET_MEDIA (unopened));
  capture = lost_call_hands_over (microphone, NULL);
  g_clear_object (&capture);
  g_assert_cmpint (GST_STATE (microphone), ==, GST_STATE_NULL);
}

int
main (int argc, char *argv[])
{
  media_session_test_init (&argc, &argv);

  g_test_add_func ("/media-session/switch-microphone-and-speaker", test_switch_microphone);
  g_test_add_func ("/media-session/microphone-fails-to-start", test_microphone_fails_to_start);
  g_test_add_func ("/media-session/speaker-fails-to-start", test_speaker_fails_to_start);
  g_test_add_func ("/media-session/switch-microphone-quickly", test_switch_microphone_quickly);
  g_test_add_func ("/media-session/devices-swapped-processed", test_swap_processed);
  g_test_add_func ("/media-session/devices-handed-over", test_devices_handed_over);
  g_test_add_func ("/media-session/camera-handed-over-unused", test_camera_handed_over_unused);
  g_test_add_func ("/media-session/devices-handed-over-not-taken",
                   test_devices_handed_over_not_taken);

  return g_test_run ();
}
