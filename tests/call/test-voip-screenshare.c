/* test-voip-screenshare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Screen sharing in a call, with no real media: the share offered in m.call.negotiate with its
 * m.screenshare stream, shown to the other side and stopped; a screen that cannot be opened, a
 * share the desktop ends, Share Screen asked twice, both sides sharing at once, and one offer at
 * a time. alice's and bob's devices share one room on the fake homeserver (tests/fixture) that
 * delivers every event to everyone, echoes included, as sync batches; the clock is fake and the
 * media record what they are asked (voip-fixture.h).
 */

#include "config.h"

#include "voip-fixture.h"

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Shared: a negotiate offer whose metadata has the usermedia stream and
 * the screen share (m.screenshare); bob's media are told which stream is
 * the screen, and his call shows it. Stopped: another negotiate without
 * it. */
static void
test_voip_screenshare (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *screen_id = NULL;
  JsonObject *negotiate, *metadata;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  g_assert_true (handset_call_can_share_screen (a));
  g_assert_false (handset_call_get_remote_screenshare (b));

  handset_call_start_screenshare_async (a, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (handset_call_start_screenshare_finish (a, result, &error));
  g_assert_no_error (error);
  g_assert_true (handset_call_get_screensharing (a));
  screen_id = g_strdup (handset_media_get_screenshare_stream_id (handset_call_get_media (a)));
  drain ();
  negotiate = last_sent (alice, "m.call.negotiate");
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (negotiate, "description"), "type"),
                   ==, "offer");
  metadata = json_object_get_object_member (negotiate, "sdp_stream_metadata");
  g_assert_cmpuint (json_object_get_size (metadata), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (metadata, screen_id), "purpose"),
                   ==, "m.screenshare");
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (
                           metadata, handset_media_get_stream_id (handset_call_get_media (a))),
                       "purpose"),
                   ==, "m.usermedia");

  deliver ();
  g_assert_true (handset_call_get_remote_screenshare (b));
  g_assert_cmpstr (handset_fake_media_get_screenshare_streams (media_of (bob, b)), ==, screen_id);
  /* The screen share is not shown as the camera. */
  g_assert_cmpstr (handset_fake_media_get_shown_streams (media_of (bob, b)), ==,
                   handset_media_get_stream_id (handset_call_get_media (a)));

  handset_call_stop_screenshare (a);
  g_assert_false (handset_call_get_screensharing (a));
  drain ();
  metadata =
      json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "sdp_stream_metadata");
  g_assert_cmpuint (json_object_get_size (metadata), ==, 1);
  g_assert_false (json_object_has_member (metadata, screen_id));
  deliver ();
  g_assert_false (handset_call_get_remote_screenshare (b));
  g_assert_cmpstr (handset_fake_media_get_screenshare_streams (media_of (bob, b)), ==, "");
}

/* Video added, then the screen shared before bob answered the first
 * offer: the second waits for that answer (an answer fits only its own
 * offer; webrtcbin refuses one with fewer m-lines), then goes, with both
 * changes. */
static void
test_voip_one_offer_at_a_time (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GAsyncResult) result = NULL;
  guint offers;
  JsonObject *metadata;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  offers = count_sent (alice, "m.call.negotiate");

  handset_call_set_video (a, TRUE);
  drain ();
  handset_call_start_screenshare_async (a, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (handset_call_start_screenshare_finish (a, result, NULL));
  drain ();
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, offers + 1);
  metadata =
      json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "sdp_stream_metadata");
  g_assert_cmpuint (json_object_get_size (metadata), ==, 1);

  /* bob's answer comes: now the screen share is offered. */
  deliver ();
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, offers + 2);
  metadata =
      json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "sdp_stream_metadata");
  g_assert_cmpuint (json_object_get_size (metadata), ==, 2);
  deliver ();
  g_assert_true (handset_call_get_remote_screenshare (b));
  g_assert_false (handset_call_get_remote_video_muted (b));
}

/* A screen that cannot be opened: the error says why, nothing is sent,
 * and the call goes on. */
static void
test_voip_screenshare_fails (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *before;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  before = last_sent (alice, "m.call.negotiate");
  handset_fake_media_set_screen_error (media_of (alice, a),
                                       "Screen sharing needs the desktop’s screen sharing portal");
  handset_call_start_screenshare_async (a, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (handset_call_start_screenshare_finish (a, result, &error));
  g_assert_nonnull (strstr (error->message, "screen sharing portal"));
  g_assert_false (handset_call_get_screensharing (a));
  drain ();
  g_assert_true (last_sent (alice, "m.call.negotiate") == before);
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);
}

static void
store_reason (HandsetCall *call, const char *reason, gpointer user_data)
{
  g_free (*(char **) user_data);
  *(char **) user_data = g_strdup (reason);
}

/* The desktop ends alice's share ("Stop sharing" in the shell): her call
 * stops sharing as when she stops it (a negotiate without the screen,
 * bob no longer sees it) and says why, in words; the call goes on. */
static void
test_voip_screenshare_ended_by_desktop (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *screen_id = NULL;
  JsonObject *metadata;
  guint offers;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  g_signal_connect (a, "screenshare-ended", G_CALLBACK (store_reason), &reason);
  handset_call_start_screenshare_async (a, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (handset_call_start_screenshare_finish (a, result, NULL));
  screen_id = g_strdup (handset_media_get_screenshare_stream_id (handset_call_get_media (a)));
  drain ();
  deliver ();
  g_assert_true (handset_call_get_remote_screenshare (b));
  offers = count_sent (alice, "m.call.negotiate");

  handset_fake_media_end_screenshare (media_of (alice, a),
                                      "Screen sharing was stopped by the desktop");
  g_assert_false (handset_call_get_screensharing (a));
  g_assert_cmpstr (reason, ==, "Screen sharing was stopped by the desktop");
  drain ();
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, offers + 1);
  metadata =
      json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "sdp_stream_metadata");
  g_assert_cmpuint (json_object_get_size (metadata), ==, 1);
  g_assert_false (json_object_has_member (metadata, screen_id));
  deliver ();
  g_assert_false (handset_call_get_remote_screenshare (b));
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);

  /* Not shared any more: a later end says nothing. */
  g_clear_pointer (&reason, g_free);
  handset_fake_media_end_screenshare (media_of (alice, a), "again");
  g_assert_null (reason);
}

/* Share Screen asked again while the desktop's dialog is open: nothing
 * more is opened, and neither ask says the screen is shared before it is. */
static void
test_voip_screenshare_asked_twice (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GAsyncResult) second = NULL;
  HandsetFakeMedia *media;
  guint offers;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  media = media_of (alice, a);
  offers = count_sent (alice, "m.call.negotiate");
  handset_fake_media_hold_screen (media);
  handset_call_start_screenshare_async (a, NULL, store_result, &first);
  handset_call_start_screenshare_async (a, NULL, store_result, &second);
  drain ();
  g_assert_null (first);
  g_assert_null (second);
  g_assert_false (handset_call_get_screensharing (a));
  g_assert_cmpuint (handset_fake_media_get_screens_opened (media), ==, 1);

  /* The person chose a screen: both asks are answered, one offer goes. */
  handset_fake_media_open_held_screen (media);
  while (first == NULL || second == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (handset_call_start_screenshare_finish (a, first, NULL));
  g_assert_true (handset_call_start_screenshare_finish (a, second, NULL));
  g_assert_true (handset_call_get_screensharing (a));
  drain ();
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, offers + 1);
  g_assert_cmpuint (handset_fake_media_get_screens_opened (media), ==, 1);
}

/* The types of the m.call.negotiate descriptions @device sent, in order. */
static char *
negotiate_types (Device *device)
{
  GString *types = g_string_new (NULL);

  for (guint i = 0; i < device->sent->len; i++)
    {
      JsonObject *event = g_ptr_array_index (device->sent, i);
      JsonObject *content = json_object_get_object_member (event, "content");

      if (!g_str_equal (json_object_get_string_member (event, "type"), "m.call.negotiate"))
        continue;
      g_string_append_printf (types, "%s%s", types->len > 0 ? "," : "",
                              json_object_get_string_member (
                                  json_object_get_object_member (content, "description"), "type"));
    }
  return g_string_free (types, FALSE);
}

static void
share_back (HandsetCall *call, GParamSpec *pspec, gpointer user_data)
{
  if (handset_call_get_remote_screenshare (call))
    handset_call_start_screenshare_async (call, NULL, store_result, user_data);
}

/* bob shares his screen while he answers alice's offer (hers): his own
 * offer waits until his answer went, since an offer made in between
 * would not fit her description; then it goes, and both shares are on. */
static void
test_voip_screenshare_while_answering (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) bobs = NULL;
  g_autofree char *types = NULL;
  guint offers;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  offers = count_sent (bob, "m.call.negotiate");
  g_assert_cmpuint (offers, ==, 0);
  g_signal_connect (b, "notify::remote-screenshare", G_CALLBACK (share_back), &bobs);
  handset_call_start_screenshare_async (a, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  drain ();
  deliver ();
  while (bobs == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (handset_call_start_screenshare_finish (b, bobs, NULL));
  drain ();
  types = negotiate_types (bob);
  g_assert_cmpstr (types, ==, "answer,offer");
  deliver ();
  drain ();
  deliver ();
  g_assert_true (handset_call_get_remote_screenshare (a));
  g_assert_true (handset_call_get_remote_screenshare (b));
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  VOIP_TEST_ALICE_BOB ("/voip/screenshare", test_voip_screenshare);
  VOIP_TEST_ALICE_BOB ("/voip/screenshare-fails", test_voip_screenshare_fails);
  VOIP_TEST_ALICE_BOB ("/voip/screenshare-ended-by-desktop",
                       test_voip_screenshare_ended_by_desktop);
  VOIP_TEST_ALICE_BOB ("/voip/screenshare-asked-twice", test_voip_screenshare_asked_twice);
  VOIP_TEST_ALICE_BOB ("/voip/screenshare-while-answering", test_voip_screenshare_while_answering);
  VOIP_TEST_ALICE_BOB ("/voip/one-offer-at-a-time", test_voip_one_offer_at_a_time);

  return g_test_run ();
}
