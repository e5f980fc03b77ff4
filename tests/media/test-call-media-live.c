/* test-call-media-live.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A whole call: alice and bob on the real Synapse, through the account
 * and call layers, with real webrtcbin media on 127.0.0.1
 * (call-media-live-fixture.c): the call connects, each side hears the
 * other's tone and the keys pressed, and with "always use a TURN relay"
 * the media go through the real coturn: the homeserver's, or the same
 * coturn set by the person as the fallback relay server when the
 * homeserver names none; a TURN password coturn refuses; hold, resume
 * and video added mid-call; both calling at once. A screen shared
 * mid-call is test-call-media-live-screenshare.c.
 */

#include "config.h"

#include "call-media-live-fixture.h"

static char *
pair_type (Device *device)
{
  char *type = NULL;
  gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  handset_media_session_update_stats (device->media);
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_object_get (device->media, "candidate-pair-type", &type, NULL);

  return type;
}

static void
collect_tone (HandsetMedia *media, const char *tone, GString *received)
{
  g_string_append (received, tone);
}

static gboolean
tones_arrived (gpointer data)
{
  return ((GString *) data)->len >= 3;
}

static void
run_call (gboolean relay_only, gboolean fallback_relay)
{
  HandsetTestUser *alice_user, *bob_user;
  Device *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autofree char *alice_pair = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *incoming;
  guint64 sent = 0, received = 0;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  alice = device_new (alice_user, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5",
                      relay_only, fallback_relay);
  bob = device_new (bob_user, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", relay_only,
                    fallback_relay);
  g_assert_true (handset_turn_has_servers (alice->turn));

  call =
      handset_call_manager_place_call (alice->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  incoming = handset_test_device_wait_ring (bob, WAIT_S);
  handset_call_answer (incoming, FALSE);

  g_assert_true (handset_test_wait_until (is_connected, call, WAIT_S));
  g_assert_true (handset_test_wait_until (is_connected, incoming, WAIT_S));

  /* Each hears the other. */
  handset_test_tone_assert (bob->tone, 440, 1500);
  handset_test_tone_assert (alice->tone, 880, 1500);

  alice_pair = pair_type (alice);
  g_object_get (alice->media, "audio-bytes-sent", &sent, "audio-bytes-received", &received, NULL);
  g_test_message ("candidate pair: %s; sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT,
                  alice_pair, sent, received);
  g_assert_cmpuint (sent, >, 1000);
  g_assert_cmpuint (received, >, 1000);
  g_assert_cmpstr (alice_pair, ==, relay_only ? "relay" : "host");

  /* Both are Handset: each advertised tones, and keys pressed at one end
   * are decoded at the other (§17 #63). */
  {
    g_autoptr (GString) tones = g_string_new (NULL);

    g_assert_true (handset_call_can_send_dtmf (call));
    g_assert_true (handset_call_can_send_dtmf (incoming));
    g_signal_connect (bob->media, "dtmf-received", G_CALLBACK (collect_tone), tones);
    g_assert_true (handset_call_send_dtmf (call, "42#", &error));
    g_assert_no_error (error);
    g_assert_true (handset_test_wait_until (tones_arrived, tones, WAIT_S));
    g_assert_cmpstr (tones->str, ==, "42#");
    g_signal_handlers_disconnect_by_data (bob->media, tones);
  }

  handset_call_hangup (call);
  g_assert_true (handset_test_wait_until (is_ended, incoming, WAIT_S));
  g_assert_cmpint (handset_call_get_end_reason (incoming), ==, HANDSET_CALL_END_REMOTE_HANGUP);

  device_free (alice);
  device_free (bob);
}

/* Listens for @listen_ms and asserts nothing loud was heard. */
static void
assert_quiet (HandsetTestTone *tone, guint listen_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) listen_ms * 1000;
  double rms = 0;

  handset_test_tone_reset (tone);
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  handset_test_tone_get_frequency (tone, &rms);
  g_test_message ("heard RMS %.0f on hold", rms);
  g_assert_cmpfloat (rms, <, 100);
}

static gboolean
remote_on_hold (gpointer data)
{
  return handset_call_get_remote_on_hold (data);
}

static gboolean
remote_resumed (gpointer data)
{
  return !handset_call_get_remote_on_hold (data);
}

static void
count_frame (HandsetMediaSession *media,
             int width,
             int height,
             int stride,
             GBytes *pixels,
             guint *frames)
{
  g_atomic_int_inc (frames);
}

/* The statistics tell video from audio: bundled, webrtcbin files every
 * stream under the first codec. */
static gboolean
video_counted (gpointer data)
{
  Device **devices = data;
  guint64 sent = 0, received = 0, audio_received = 0;

  g_object_get (devices[0]->media, "video-bytes-sent", &sent, NULL);
  g_object_get (devices[1]->media, "video-bytes-received", &received, "audio-bytes-received",
                &audio_received, NULL);
  return sent > 20000 && received > 20000 && audio_received > 0 && audio_received < received;
}

/* Renegotiation with real webrtcbin: hold and resume, then video added to
 * a voice call, each through m.call.negotiate. */
static void
test_hold_resume_and_add_video (void)
{
  HandsetTestUser *alice_user, *bob_user;
  Device *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *incoming;
  guint frames = 0;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  alice = device_new (alice_user, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", FALSE,
                      FALSE);
  bob = device_new (bob_user, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", FALSE,
                    FALSE);

  call =
      handset_call_manager_place_call (alice->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  incoming = handset_test_device_wait_ring (bob, WAIT_S);
  handset_call_answer (incoming, FALSE);
  g_assert_true (handset_test_wait_until (is_connected, call, WAIT_S));
  handset_test_tone_assert (alice->tone, 880, 1000);

  /* alice holds: bob sees it; alice resumes: bob sees that, and they
   * still hear each other. */
  handset_call_set_on_hold (call, TRUE);
  g_assert_true (handset_test_wait_until (remote_on_hold, incoming, WAIT_S));
  /* Neither hears the other while on hold: alice stops sending and
   * listening, bob stops sending to someone who asked for nothing. */
  g_usleep (300 * 1000);
  assert_quiet (alice->tone, 1000);
  assert_quiet (bob->tone, 1000);
  handset_call_set_on_hold (call, FALSE);
  g_assert_true (handset_test_wait_until (remote_resumed, incoming, WAIT_S));
  handset_test_tone_assert (alice->tone, 880, 1500);
  handset_test_tone_assert (bob->tone, 440, 1500);

  /* alice adds video; bob's side decodes frames. */
  g_signal_connect (bob->media, "video-frame", G_CALLBACK (count_frame), &frames);
  handset_media_session_set_video_source (alice->media,
                                          handset_test_source ("videotestsrc is-live=true"));
  handset_call_set_video (call, TRUE);
  g_assert_true (handset_test_wait_until (frames_came, &frames, WAIT_S));
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);
  {
    Device *both[] = { alice, bob };

    g_assert_true (handset_test_wait_until (video_counted, both, WAIT_S));
  }

  handset_call_hangup (call);
  g_assert_true (handset_test_wait_until (is_ended, incoming, WAIT_S));
  device_free (alice);
  device_free (bob);
}

/* Relay only with a TURN password coturn refuses: alice has no candidate
 * at all, so libnice never even fails; the connect timeout ends the call
 * as an ICE failure on both sides instead of leaving it connecting. */
static void
test_wrong_turn_password (void)
{
  HandsetTestUser *alice_user, *bob_user;
  Device *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call, *incoming;

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  alice = device_new (alice_user, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", TRUE,
                      FALSE);
  bob =
      device_new (bob_user, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", TRUE, FALSE);
  ((Plan *) alice->data)->wrong_turn_password = TRUE;

  call =
      handset_call_manager_place_call (alice->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  incoming = handset_test_device_wait_ring (bob, WAIT_S);
  handset_call_answer (incoming, FALSE);

  g_assert_true (
      handset_test_wait_until (is_ended, call, HANDSET_CALL_CONNECT_TIMEOUT_MS / 1000 + 30));
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_ICE_FAILED);
  g_assert_true (handset_test_wait_until (is_ended, incoming, WAIT_S));
  g_assert_cmpint (handset_call_get_end_reason (incoming), ==, HANDSET_CALL_END_ICE_FAILED);

  device_free (alice);
  device_free (bob);
}

static gboolean
survivor_connected (gpointer data)
{
  Device **devices = data;
  const char *call_id = devices[2]->data;

  for (guint i = 0; i < 2; i++)
    {
      HandsetCall *call = handset_call_manager_lookup (devices[i]->manager, call_id);

      if (call == NULL || handset_call_get_state (call) != HANDSET_CALL_STATE_CONNECTED)
        return FALSE;
    }
  return TRUE;
}

/* Both call at once, with real webrtcbin: the lesser call survives and
 * connects, and each side hears the other (§17 #48, #49). The side whose
 * call lost answers with new media (webrtcbin 1.22 refuses to roll back a
 * local offer: "Not in the correct state (have-local-offer) for setting
 * local rollback description"), but with the microphone its lost call
 * opened: a microphone opened later would play another tone. */
static void
test_glare (void)
{
  HandsetTestUser *alice_user, *bob_user;
  Device *alice, *bob, *loser;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *a_call, *b_call;
  const char *lesser;
  Device fake_holder = { 0 };

  if (!handset_test_homeserver_require ())
    return;

  alice_user = handset_test_register ("alice");
  bob_user = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice_user, bob_user);
  handset_test_join (bob_user, room_id);
  alice = device_new (alice_user, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", FALSE,
                      FALSE);
  bob = device_new (bob_user, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", FALSE,
                    FALSE);
  ((Plan *) alice->data)->later_source = "audiotestsrc is-live=true wave=sine freq=660 volume=0.5";
  ((Plan *) bob->data)->later_source = "audiotestsrc is-live=true wave=sine freq=1320 volume=0.5";

  a_call =
      handset_call_manager_place_call (alice->manager, room_id, bob_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  b_call =
      handset_call_manager_place_call (bob->manager, room_id, alice_user->user_id, FALSE, &error);
  g_assert_no_error (error);
  lesser = strcmp (handset_call_get_call_id (a_call), handset_call_get_call_id (b_call)) < 0
               ? handset_call_get_call_id (a_call)
               : handset_call_get_call_id (b_call);
  loser = lesser == handset_call_get_call_id (a_call) ? bob : alice;
  fake_holder.data = (gpointer) lesser;
  {
    Device *both[] = { alice, bob, &fake_holder };

    g_assert_true (handset_test_wait_until (survivor_connected, both, WAIT_S));
  }
  handset_test_tone_assert (bob->tone, 440, 1500);
  handset_test_tone_assert (alice->tone, 880, 1500);
  g_assert_cmpint (handset_call_get_end_reason (loser == alice ? a_call : b_call), ==,
                   HANDSET_CALL_END_REPLACED);

  handset_call_hangup (handset_call_manager_lookup (alice->manager, lesser));
  g_assert_true (handset_test_wait_until (
      is_ended, handset_call_manager_lookup (bob->manager, lesser), WAIT_S));
  device_free (alice);
  device_free (bob);
}

static void
test_call_with_tones (void)
{
  if (!handset_test_homeserver_require ())
    return;

  run_call (FALSE, FALSE);
}

static void
test_call_through_turn_relay (void)
{
  if (!handset_test_homeserver_require ())
    return;

  run_call (TRUE, FALSE);
}

/* The homeserver names no TURN server; the person set one: relay only,
 * the call still goes through it. */
static void
test_call_through_fallback_relay (void)
{
  if (!handset_test_homeserver_require ())
    return;

  run_call (TRUE, TRUE);
}

int
main (int argc, char *argv[])
{
  call_media_live_test_init (&argc, &argv);

  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/call-with-tones",
                                              test_call_with_tones);
  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/call-through-turn-relay",
                                              test_call_through_turn_relay);
  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/call-through-fallback-relay",
                                              test_call_through_fallback_relay);
  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/hold-resume-and-add-video",
                                              test_hold_resume_and_add_video);
  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/wrong-turn-password",
                                              test_wrong_turn_password);
  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/48-49-glare", test_glare);

  return g_test_run ();
}
