/* test-call-media-live-screenshare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A screen shared in a whole call: alice and bob on the real Synapse,
 * with real webrtcbin media on 127.0.0.1 (call-media-live-fixture.c). A
 * synthetic screen shared mid-call reaches the other side as a screen
 * share and stops; both share at once, each a screen of its own size,
 * and each decodes the other's, never its own, while the call goes on.
 */

#include "config.h"

#include "call-media-live-fixture.h"

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

int
main (int argc, char *argv[])
{
  call_media_live_test_init (&argc, &argv);

  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/screenshare", test_screenshare);
  handset_test_add_func_tolerating_webrtcbin ("/call-media-live/screenshare-both-ways",
                                              test_screenshare_both_ways);

  return g_test_run ();
}
