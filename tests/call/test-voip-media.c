/* test-voip-media.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renegotiation and media, the room (§17 #51-#63): behaviours of docs/voip-behaviours.md that need
 * no real media, each test named after its numbers (screen sharing is test-voip-screenshare.c). The
 * devices of alice, bob and carol share one room on the fake homeserver (tests/fixture) that
 * delivers every event to everyone, echoes included, as sync batches; the clock is fake and the
 * media record what they are asked (voip-fixture.h).
 */

#include "config.h"

#include "voip-fixture.h"

/* ------------------------------------------------------------------ 51-59: renegotiation, media */

static void
test_voip_51_52_hold_and_resume (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  JsonObject *offer;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  handset_call_set_on_hold (a, TRUE);
  drain ();
  offer = json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "description");
  g_assert_cmpstr (json_object_get_string_member (offer, "type"), ==, "offer");
  g_assert_nonnull (strstr (json_object_get_string_member (offer, "sdp"), "a=sendonly"));
  deliver ();
  /* 52: bob answered with a negotiate answer; both sides show the hold */
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (last_sent (bob, "m.call.negotiate"), "description"),
          "type"),
      ==, "answer");
  g_assert_true (handset_call_get_on_hold (a));
  g_assert_true (handset_call_get_remote_on_hold (b));

  handset_call_set_on_hold (a, FALSE);
  deliver ();
  offer = json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "description");
  g_assert_nonnull (strstr (json_object_get_string_member (offer, "sdp"), "a=sendrecv"));
  g_assert_false (handset_call_get_remote_on_hold (b));
}

static void
test_voip_53_offer_collision (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  /* Both hold at once: both offers cross. */
  handset_call_set_on_hold (a, TRUE);
  handset_call_set_on_hold (b, TRUE);
  drain ();
  deliver ();

  /* The caller ignored bob's offer; bob rolled back and answered alice. */
  g_assert_cmpuint (handset_fake_media_get_rollbacks (media_of (alice, a)), ==, 0);
  g_assert_cmpuint (handset_fake_media_get_rollbacks (media_of (bob, b)), ==, 1);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (last_sent (bob, "m.call.negotiate"), "description"),
          "type"),
      ==, "answer");
}

static void
test_voip_54_no_negotiate_with_v0 (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;
  g_autofree char *answer = NULL;

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  answer = g_strdup_printf (
      "{\"call_id\": \"%s\", \"version\": 0, \"answer\": {\"type\": \"answer\", \"sdp\": \"v=0\"}}",
      handset_call_get_call_id (call));
  inject (BOB, "m.call.answer", answer, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_opponent_version (call), ==, 0);
  /* v0 answers get no select_answer either */
  g_assert_cmpuint (count_sent (alice, "m.call.select_answer"), ==, 0);
  handset_call_set_on_hold (call, TRUE);
  handset_call_set_video (call, TRUE);
  drain ();
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, 0);
}

static void
test_voip_55_stale_negotiate (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  guint before;
  g_autofree char *negotiate = NULL;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  before = handset_fake_media_get_remote_descriptions (media_of (bob, b))->len;
  negotiate = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"ALICEDEVICE1\", \"version\": \"1\","
      " \"lifetime\": 10000, \"description\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}",
      handset_call_get_call_id (a));
  inject (ALICE, "m.call.negotiate", negotiate, 15000);
  deliver ();
  g_assert_cmpuint (handset_fake_media_get_remote_descriptions (media_of (bob, b))->len, ==,
                    before);
}

static void
test_voip_56_ice_timeout_or_failed (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  alice = f->alice;
  bob = f->bob;

  /* Media flowed, then the path broke: restart after 2 s, then fail. */
  connected_call (alice, bob, &a, &b);
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_DISCONNECTED);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_ICE_RESTART_MS - 1);
  g_assert_cmpuint (handset_fake_media_get_ice_restarts (media_of (alice, a)), ==, 0);
  handset_fake_clock_advance (net->clock, 1);
  g_assert_cmpuint (handset_fake_media_get_ice_restarts (media_of (alice, a)), ==, 1);
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, 1);
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_FAILED);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_TIMEOUT);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "ice_timeout");
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (b), ==, HANDSET_CALL_END_ICE_TIMEOUT);
  g_assert_false (handset_call_get_failed_without_relay (a));

  /* Never connected: ice_failed. With a relay server to try, the path
   * simply failed. */
  a = alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, 1), FALSE);
  deliver ();
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_FAILED);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_FAILED);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "ice_failed");
  g_assert_false (handset_call_get_failed_without_relay (a));
  deliver ();

  /* Without one, the person is told that no relay was there. */
  a = alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, 2), FALSE);
  deliver ();
  handset_fake_media_set_no_relay (media_of (alice, a));
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_FAILED);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_FAILED);
  g_assert_true (handset_call_get_failed_without_relay (a));
}

/* Answered, but ICE never gets anywhere (no candidates at all, say): the
 * call does not stay "connecting" for ever. */
static void
test_voip_connect_timeout (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  a = alice_calls (alice);
  b = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (b, FALSE);
  deliver ();
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTING);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_CONNECT_TIMEOUT_MS - 1);
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTING);
  handset_fake_clock_advance (net->clock, 1);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_FAILED);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "ice_failed");
  deliver ();
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (b), ==, HANDSET_CALL_END_ICE_FAILED);

  /* Connected in time: the timer is gone, the call stays. */
  teardown ();
  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_CONNECT_TIMEOUT_MS * 2);
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_CONNECTED);
  teardown ();
}

static void
test_voip_57_metadata_matches_msid (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;
  JsonObject *invite, *metadata;
  g_autoptr (GList) keys = NULL;
  g_autofree char *msid = NULL;

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  invite = last_sent (alice, "m.call.invite");
  metadata = json_object_get_object_member (invite, "sdp_stream_metadata");
  keys = json_object_get_members (metadata);
  g_assert_cmpuint (g_list_length (keys), ==, 1);
  msid = g_strdup_printf ("a=msid:%s ", (char *) keys->data);
  g_assert_nonnull (strstr (
      json_object_get_string_member (json_object_get_object_member (invite, "offer"), "sdp"),
      msid));
  g_assert_cmpstr (keys->data, ==, handset_media_get_stream_id (handset_call_get_media (call)));
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (metadata, keys->data), "purpose"),
                   ==, "m.usermedia");
}

static void
test_voip_58_59_mute (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  JsonObject *metadata;
  g_autofree char *video_muted = NULL;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  handset_call_set_muted (a, TRUE);
  g_assert_true (handset_fake_media_get_muted (media_of (alice, a)));
  g_assert_cmpuint (handset_fake_media_get_offers (media_of (alice, a)), ==, 1);
  metadata = json_object_get_object_member (last_sent (alice, "m.call.sdp_stream_metadata_changed"),
                                            "sdp_stream_metadata");
  g_assert_true (json_object_get_boolean_member (
      json_object_get_object_member (metadata,
                                     handset_media_get_stream_id (handset_call_get_media (a))),
      "audio_muted"));
  deliver ();
  g_assert_true (handset_call_get_remote_audio_muted (b));

  /* 59 */
  video_muted =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"ALICEDEVICE1\", \"version\": \"1\","
                       " \"sdp_stream_metadata\": {\"s\": {\"purpose\": \"m.usermedia\","
                       " \"video_muted\": true}}}",
                       handset_call_get_call_id (a));
  inject (ALICE, "m.call.sdp_stream_metadata_changed", video_muted, 0);
  deliver ();
  g_assert_true (handset_call_get_remote_video_muted (b));
}

/* 60-61: the media show only the peer's usermedia streams; without
 * metadata, only its first stream (the media's default). */
static void
test_voip_60_61_shown_streams (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autofree char *screenshare = NULL;
  g_autofree char *alice_stream = NULL;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  /* The invite's metadata names alice's one usermedia stream; the answer's
   * bob's. */
  alice_stream = g_strdup (handset_media_get_stream_id (handset_call_get_media (a)));
  g_assert_cmpstr (handset_fake_media_get_shown_streams (media_of (bob, b)), ==, alice_stream);
  g_assert_cmpstr (handset_fake_media_get_shown_streams (media_of (alice, a)), ==,
                   handset_media_get_stream_id (handset_call_get_media (b)));

  /* A screenshare and a stream of unknown purpose are not shown. */
  screenshare = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"ALICEDEVICE1\", \"version\": \"1\","
      " \"sdp_stream_metadata\": {\"%s\": {\"purpose\": \"m.usermedia\"},"
      " \"screen\": {\"purpose\": \"m.screenshare\"}, \"odd\": {\"purpose\": \"m.odd\"},"
      " \"cam2\": {\"purpose\": \"m.usermedia\"}}}",
      handset_call_get_call_id (a), alice_stream);
  inject (ALICE, "m.call.sdp_stream_metadata_changed", screenshare, 0);
  deliver ();
  {
    g_auto (GStrv) shown =
        g_strsplit (handset_fake_media_get_shown_streams (media_of (bob, b)), ",", -1);

    g_assert_cmpuint (g_strv_length (shown), ==, 2);
    g_assert_true (g_strv_contains ((const char *const *) shown, alice_stream));
    g_assert_true (g_strv_contains ((const char *const *) shown, "cam2"));
  }
}

/* ------------------------------------------------------------------ 62-63 */

static void
test_voip_62_opponent_leaves (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  g_ptr_array_add (net->pending, state_event ("m.room.member", BOB, "{\"membership\": \"leave\"}"));
  json_object_set_string_member (g_ptr_array_index (net->pending, 0), "sender", BOB);
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_OPPONENT_LEFT);
}

static void
test_voip_63_dtmf_capability (VoipFixture *f, gconstpointer data)
{
  Device *bob;
  g_autofree char *with =
      g_strdup ("{\"call_id\": \"c63a\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"lifetime\": 90000, \"capabilities\": {\"m.call.dtmf\": true},"
                " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}");
  g_autofree char *without =
      g_strdup ("{\"call_id\": \"c63b\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"lifetime\": 90000, \"capabilities\": {\"m.call.dtmf\": \"yes\"},"
                " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}");

  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  inject (ALICE, "m.call.invite", with, 0);
  inject (ALICE, "m.call.invite", without, 0);
  deliver ();
  g_assert_true (handset_call_get_remote_dtmf (call_of (bob, "c63a")));
  g_assert_false (handset_call_get_remote_dtmf (call_of (bob, "c63b")));
  /* Ringing, neither has a keypad yet. */
  g_assert_false (handset_call_can_send_dtmf (call_of (bob, "c63a")));
  g_assert_false (handset_call_can_send_dtmf (call_of (bob, "c63b")));
}

/* Handset advertises tones in its invite and answer when its media can
 * send them, and a connected call sends the keys pressed; a peer that did
 * not advertise them gets none. */
static void
test_voip_63_dtmf_sent (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autoptr (GError) error = NULL;
  JsonObject *capabilities;

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);
  capabilities = json_object_get_object_member (last_sent (alice, "m.call.invite"), "capabilities");
  g_assert_true (json_object_get_boolean_member (capabilities, "m.call.dtmf"));
  capabilities = json_object_get_object_member (last_sent (bob, "m.call.answer"), "capabilities");
  g_assert_true (json_object_get_boolean_member (capabilities, "m.call.dtmf"));

  g_assert_true (handset_call_can_send_dtmf (a));
  g_assert_true (handset_call_can_send_dtmf (b));
  g_assert_true (handset_call_send_dtmf (b, "12#", &error));
  g_assert_no_error (error);
  g_assert_true (handset_call_send_dtmf (b, "*", &error));
  g_assert_cmpstr (handset_fake_media_get_dtmf_sent (media_of (bob, b)), ==, "12#*");
  g_assert_false (handset_call_send_dtmf (b, "1x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpstr (handset_fake_media_get_dtmf_sent (media_of (bob, b)), ==, "12#*");

  /* Ended, no more. */
  handset_call_hangup (a);
  deliver ();
  g_assert_false (handset_call_can_send_dtmf (b));
  g_assert_false (handset_call_send_dtmf (b, "1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/voip/connect-timeout", test_voip_connect_timeout);
  VOIP_TEST_ALICE_BOB ("/voip/51-52-hold-and-resume", test_voip_51_52_hold_and_resume);
  VOIP_TEST_ALICE_BOB ("/voip/53-offer-collision", test_voip_53_offer_collision);
  VOIP_TEST ("/voip/54-no-negotiate-with-v0", test_voip_54_no_negotiate_with_v0);
  VOIP_TEST_ALICE_BOB ("/voip/55-stale-negotiate-ignored", test_voip_55_stale_negotiate);
  VOIP_TEST_ALICE_BOB ("/voip/56-ice-timeout-or-failed", test_voip_56_ice_timeout_or_failed);
  VOIP_TEST ("/voip/57-metadata-matches-msid", test_voip_57_metadata_matches_msid);
  VOIP_TEST_ALICE_BOB ("/voip/60-61-shown-streams", test_voip_60_61_shown_streams);
  VOIP_TEST_ALICE_BOB ("/voip/58-59-mute", test_voip_58_59_mute);
  VOIP_TEST_ALICE_BOB ("/voip/62-opponent-leaves", test_voip_62_opponent_leaves);
  VOIP_TEST ("/voip/63-dtmf-capability", test_voip_63_dtmf_capability);
  VOIP_TEST_ALICE_BOB ("/voip/63-dtmf-sent", test_voip_63_dtmf_sent);

  return g_test_run ();
}
