/* test-call-media-live.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A whole call: alice and bob on the real Synapse, through the account
 * and call layers, with real webrtcbin media on 127.0.0.1: the call
 * connects, each side hears the other's tone, and with "always use a TURN
 * relay" the media go through the real coturn: the homeserver's, or the
 * same coturn set by the person as the fallback relay server when the
 * homeserver names none; a screen shared mid-call reaches the other side
 * as a screen share.
 */

#include "config.h"

#include <string.h>

#include "handset-media-provider.h"
#include "handset-test-device.h"
#include "handset-test-util.h"

#define WAIT_S 30

/* How a device's media are made. */
typedef struct
{
  const char *source;
  gboolean relay_only;
  gboolean wrong_turn_password;
  gboolean fallback_relay; /* the homeserver offers no TURN; the person set coturn */
} Plan;

typedef HandsetTestDevice Device;

/* As the app makes a call's media when the homeserver names no TURN
 * server: through the provider, with the fallback server the person set
 * (here the suite's coturn, with credentials the homeserver issued). */
static HandsetMedia *
fallback_relay_media (Device *device, gboolean video, GError **error)
{
  Plan *plan = device->data;
  g_autoptr (HandsetMediaProvider) provider = handset_media_provider_new (NULL);
  const char *const *uris = handset_turn_get_uris (device->turn);
  const char *udp = NULL;
  HandsetMedia *media;

  for (guint i = 0; uris[i] != NULL && udp == NULL; i++)
    if (g_str_has_suffix (uris[i], "?transport=udp"))
      udp = uris[i];
  g_assert_nonnull (udp);
  handset_media_provider_set_turn (provider, NULL, NULL, NULL);
  handset_media_provider_set_fallback_ice_server (provider, udp,
                                                  handset_turn_get_username (device->turn),
                                                  handset_turn_get_password (device->turn));
  handset_media_provider_set_relay_only (provider, plan->relay_only);
  media = handset_media_provider_make (video, provider, error);
  if (media == NULL)
    return NULL;
  g_assert_true (handset_media_has_relay (media));
  handset_media_session_set_audio_source (HANDSET_MEDIA_SESSION (media),
                                          handset_test_source (plan->source));
  handset_media_session_set_audio_sink (HANDSET_MEDIA_SESSION (media),
                                        handset_test_tone_create_sink (device->tone));
  g_set_object (&device->media, HANDSET_MEDIA_SESSION (media));

  return media;
}

static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  Device *device = user_data;
  Plan *plan = device->data;
  HandsetMediaSession *media;

  if (plan->fallback_relay)
    return fallback_relay_media (device, video, error);
  media = handset_media_session_new (video, error);
  if (media == NULL)
    return NULL;

  handset_media_session_set_audio_source (media, handset_test_source (plan->source));
  handset_test_device_use_media (device, media,
                                 plan->wrong_turn_password ? "not-the-password" : NULL);
  handset_media_session_set_relay_only (media, plan->relay_only);

  return HANDSET_MEDIA (media);
}

static Device *
device_new (HandsetTestUser *user, const char *source, gboolean relay_only, gboolean fallback_relay)
{
  Plan *plan = g_new0 (Plan, 1);

  plan->source = source;
  plan->relay_only = relay_only;
  plan->fallback_relay = fallback_relay;
  return handset_test_device_new (user, TRUE, make_media, plan);
}

static void
device_free (Device *device)
{
  g_free (device->data);
  handset_test_device_free (device);
}

static gboolean
is_connected (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_CONNECTED;
}

static gboolean
is_ended (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_ENDED;
}

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

static gboolean
frames_came (gpointer data)
{
  return g_atomic_int_get ((guint *) data) >= 10;
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

static void
count_screen (HandsetMediaSession *media,
              int width,
              int height,
              int stride,
              GBytes *pixels,
              guint *frames)
{
  if (width == 1280 && height == 720)
    g_atomic_int_inc (frames);
}

static gboolean
remote_screenshare (gpointer data)
{
  return handset_call_get_remote_screenshare (data);
}

static gboolean
no_remote_screenshare (gpointer data)
{
  return !handset_call_get_remote_screenshare (data);
}

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* A voice call in which alice shares a synthetic screen: it goes out in
 * m.call.negotiate with purpose m.screenshare through the real Synapse,
 * and bob decodes its frames as a screen share; stopped, bob's call says
 * so. */
static void
test_screenshare (void)
{
  HandsetTestUser *alice_user, *bob_user;
  Device *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  HandsetCall *call, *incoming;
  guint screens = 0;

  if (!handset_test_homeserver_require ())
    return;

  g_setenv ("HANDSET_SCREEN_SRC",
            "videotestsrc is-live=true pattern=smpte ! capsfilter "
            "caps=video/x-raw,width=1280,height=720",
            TRUE);
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
  g_assert_true (handset_test_wait_until (is_connected, incoming, WAIT_S));
  handset_test_tone_assert (bob->tone, 440, 1500);

  g_signal_connect (bob->media, "screenshare-frame", G_CALLBACK (count_screen), &screens);
  g_assert_true (handset_call_can_share_screen (call));
  handset_call_start_screenshare_async (call, NULL, store_result, &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  g_assert_true (handset_call_start_screenshare_finish (call, result, &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (remote_screenshare, incoming, WAIT_S));
  g_assert_true (handset_test_wait_until (frames_came, &screens, WAIT_S));
  /* The call goes on: alice is still heard. */
  handset_test_tone_assert (bob->tone, 440, 1500);

  handset_call_stop_screenshare (call);
  g_assert_true (handset_test_wait_until (no_remote_screenshare, incoming, WAIT_S));
  g_assert_cmpint (handset_call_get_state (incoming), ==, HANDSET_CALL_STATE_CONNECTED);

  handset_call_hangup (call);
  g_assert_true (handset_test_wait_until (is_ended, incoming, WAIT_S));
  device_free (alice);
  device_free (bob);
  g_unsetenv ("HANDSET_SCREEN_SRC");
}

typedef struct
{
  int width; /* the size of the other side's screen */
  int height;
  guint frames;
  guint wrong; /* of another size: our own screen, or the camera */
} Screens;

static void
count_screen_of_size (HandsetMediaSession *media,
                      int width,
                      int height,
                      int stride,
                      GBytes *pixels,
                      Screens *screens)
{
  if (width == screens->width && height == screens->height)
    g_atomic_int_inc (&screens->frames);
  else
    g_atomic_int_inc (&screens->wrong);
}

static void
start_sharing (HandsetCall *call, const char *screen, GAsyncResult **result)
{
  /* Read when the screen is opened, at once: each side a screen of its own. */
  g_setenv ("HANDSET_SCREEN_SRC", screen, TRUE);
  handset_call_start_screenshare_async (call, NULL, store_result, result);
}

/* alice and bob both share their screens (each a size of its own), bob
 * as soon as hers comes, while he answers her offer: with both on, each
 * decodes the other's screen as a screen share, never its own, and the
 * call goes on; stopped, both calls say so. */
static void
test_screenshare_both_ways (void)
{
  HandsetTestUser *alice_user, *bob_user;
  Device *alice, *bob;
  g_autofree char *room_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) alice_result = NULL;
  g_autoptr (GAsyncResult) bob_result = NULL;
  HandsetCall *call, *incoming;
  Screens alice_sees = { 960, 540, 0, 0 }, bob_sees = { 1280, 720, 0, 0 };

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
  g_assert_true (handset_test_wait_until (is_connected, incoming, WAIT_S));

  g_signal_connect (alice->media, "screenshare-frame", G_CALLBACK (count_screen_of_size),
                    &alice_sees);
  g_signal_connect (bob->media, "screenshare-frame", G_CALLBACK (count_screen_of_size), &bob_sees);
  /* alice first; bob as soon as hers comes (offers made at the same
   * moment collide, and webrtcbin 1.22 cannot roll one back). */
  start_sharing (call,
                 "videotestsrc is-live=true pattern=smpte ! capsfilter "
                 "caps=video/x-raw,width=1280,height=720",
                 &alice_result);
  g_assert_true (handset_test_wait_until (have_result, &alice_result, WAIT_S));
  g_assert_true (handset_call_start_screenshare_finish (call, alice_result, &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (remote_screenshare, incoming, WAIT_S));
  /* bob shares as soon as he sees hers, while he answers her offer. */
  start_sharing (incoming,
                 "videotestsrc is-live=true pattern=ball ! capsfilter "
                 "caps=video/x-raw,width=960,height=540",
                 &bob_result);
  g_assert_true (handset_test_wait_until (have_result, &bob_result, WAIT_S));
  g_assert_true (handset_call_start_screenshare_finish (incoming, bob_result, &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (remote_screenshare, call, WAIT_S));

  /* Both shared: each decodes the other's screen, never its own. */
  g_atomic_int_set (&bob_sees.frames, 0);
  g_assert_true (handset_test_wait_until (frames_came, &bob_sees.frames, WAIT_S));
  g_assert_true (handset_test_wait_until (frames_came, &alice_sees.frames, WAIT_S));
  g_assert_cmpuint (g_atomic_int_get (&bob_sees.wrong), ==, 0);
  g_assert_cmpuint (g_atomic_int_get (&alice_sees.wrong), ==, 0);
  /* The call goes on: each is still heard. */
  handset_test_tone_assert (bob->tone, 440, 1500);
  handset_test_tone_assert (alice->tone, 880, 1500);

  /* Stopped one after the other, the same way. */
  handset_call_stop_screenshare (call);
  g_assert_true (handset_test_wait_until (no_remote_screenshare, incoming, WAIT_S));
  g_assert_true (handset_call_get_remote_screenshare (call));
  handset_call_stop_screenshare (incoming);
  g_assert_true (handset_test_wait_until (no_remote_screenshare, call, WAIT_S));
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (incoming), ==, HANDSET_CALL_STATE_CONNECTED);

  handset_call_hangup (call);
  g_assert_true (handset_test_wait_until (is_ended, incoming, WAIT_S));
  device_free (alice);
  device_free (bob);
  g_unsetenv ("HANDSET_SCREEN_SRC");
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
 * call lost answers with new media, not the open ones: webrtcbin 1.22
 * refuses to roll back a local offer ("Not in the correct state
 * (have-local-offer) for setting local rollback description"). */
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
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  handset_test_tolerate_webrtcbin_warnings ();

  g_test_add_func ("/call-media-live/call-with-tones", test_call_with_tones);
  g_test_add_func ("/call-media-live/call-through-turn-relay", test_call_through_turn_relay);
  g_test_add_func ("/call-media-live/call-through-fallback-relay",
                   test_call_through_fallback_relay);
  g_test_add_func ("/call-media-live/hold-resume-and-add-video", test_hold_resume_and_add_video);
  g_test_add_func ("/call-media-live/wrong-turn-password", test_wrong_turn_password);
  g_test_add_func ("/call-media-live/screenshare", test_screenshare);
  g_test_add_func ("/call-media-live/screenshare-both-ways", test_screenshare_both_ways);
  g_test_add_func ("/call-media-live/48-49-glare", test_glare);

  return g_test_run ();
}
