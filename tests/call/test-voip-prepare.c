/* test-voip-prepare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The answer made while a call rings, on the fake homeserver with fake
 * media (voip-fixture.h): made once when the call starts ringing, the
 * caller's candidates held until the person answers (given at once when
 * they chose to connect while ringing), nothing sent before the answer,
 * the answer sent as soon as the person answers with the same media, a
 * video call's made with video, an answer that does not match what was
 * made (video for a voice call, voice alone for a video call) made afresh
 * with every candidate, and the media
 * closed when the call stops ringing unanswered. The real media's side
 * is in tests/media/test-media-prepare.c.
 */

#include "config.h"

#include "voip-fixture.h"

#define CANDIDATE "candidate:3 1 UDP 1 127.0.0.1 3 typ host"

/* alice calls bob, whose devices make answers while ringing, and sends a
 * candidate after her invite. */
static HandsetCall *
ringing_with_candidate (Device *alice, Device *bob, gboolean connect, HandsetCall **call)
{
  handset_call_manager_set_prepare_answers (bob->manager, TRUE, connect);
  *call = alice_calls (alice);
  handset_fake_media_emit_candidate (media_of (alice, *call), CANDIDATE);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_FIRST_FLUSH_CALLER_MS);
  deliver ();
  g_assert_cmpuint (bob->rang->len, ==, 1);
  return g_ptr_array_index (bob->rang, 0);
}

static void
test_made_while_ringing (VoipFixture *f, gconstpointer data)
{
  HandsetCall *call, *ringing;
  HandsetFakeMedia *media;
  gboolean connect = TRUE;

  ringing = ringing_with_candidate (f->alice, f->bob, FALSE, &call);
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_RINGING);

  /* Made once, as the call began to ring, not connecting. */
  media = media_of (f->bob, ringing);
  g_assert_nonnull (media);
  g_assert_cmpuint (handset_fake_media_get_prepared (media, &connect), ==, 1);
  g_assert_false (connect);
  /* The caller's candidate waits; nothing went to the caller. */
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media)->len, ==, 0);
  g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 0);
  g_assert_cmpuint (count_sent (f->bob, "m.call.candidates"), ==, 0);

  /* Answered: the same media answers at once, and the candidate is given. */
  handset_call_answer (ringing, FALSE);
  drain ();
  g_assert_true (media_of (f->bob, ringing) == media);
  g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 1);
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media)->len, ==, 1);
  g_assert_false (handset_fake_media_get_closed (media));
  deliver ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_CONNECTING);
}

static void
test_connect_while_ringing (VoipFixture *f, gconstpointer data)
{
  HandsetCall *call, *ringing;
  HandsetFakeMedia *media;
  gboolean connect = FALSE;

  ringing = ringing_with_candidate (f->alice, f->bob, TRUE, &call);
  media = media_of (f->bob, ringing);
  g_assert_cmpuint (handset_fake_media_get_prepared (media, &connect), ==, 1);
  g_assert_true (connect);
  /* The candidate is given while ringing; still nothing is sent. */
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media)->len, ==, 1);
  g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 0);
  g_assert_cmpuint (count_sent (f->bob, "m.call.candidates"), ==, 0);

  handset_call_answer (ringing, FALSE);
  drain ();
  g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 1);
  /* Given once, not again. */
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media)->len, ==, 1);
}

/* Answered with video: the answer made for sound only goes, and one made
 * afresh has the caller's candidate too. */
static void
test_video_answer_afresh (VoipFixture *f, gconstpointer data)
{
  for (guint connect = 0; connect < 2; connect++)
    {
      HandsetCall *call, *ringing;
      HandsetFakeMedia *prepared, *fresh;

      if (connect)
        {
          voip_teardown (f, data);
          voip_setup_alice_bob (f, data);
        }
      ringing = ringing_with_candidate (f->alice, f->bob, connect, &call);
      prepared = g_object_ref (media_of (f->bob, ringing));

      handset_call_answer (ringing, TRUE);
      drain ();
      fresh = media_of (f->bob, ringing);
      g_assert_true (fresh != prepared);
      g_assert_true (handset_fake_media_get_closed (prepared));
      g_assert_true (handset_fake_media_get_video (fresh));
      g_assert_cmpuint (handset_fake_media_get_prepared (fresh, NULL), ==, 0);
      g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 1);
      g_assert_cmpuint (handset_fake_media_get_remote_candidates (fresh)->len, ==, 1);
      g_object_unref (prepared);
    }
}

/* alice's video call rings at bob's: its answer is made with video while
 * it rings. Answered with video, that answer goes at once; answered with
 * voice alone, it goes, and one without video is made afresh. */
static void
test_video_call_prepared (VoipFixture *f, gconstpointer data)
{
  for (guint with_video = 0; with_video < 2; with_video++)
    {
      g_autoptr (GError) error = NULL;
      HandsetCall *call, *ringing;
      HandsetFakeMedia *prepared;

      if (with_video)
        {
          voip_teardown (f, data);
          voip_setup_alice_bob (f, data);
        }
      handset_call_manager_set_prepare_answers (f->bob->manager, TRUE, FALSE);
      call = handset_call_manager_place_call (f->alice->manager, ROOM, BOB, TRUE, &error);
      g_assert_no_error (error);
      drain ();
      deliver ();
      g_assert_cmpuint (f->bob->rang->len, ==, 1);
      ringing = g_ptr_array_index (f->bob->rang, 0);
      prepared = g_object_ref (media_of (f->bob, ringing));
      g_assert_cmpuint (handset_fake_media_get_prepared (prepared, NULL), ==, 1);
      g_assert_true (handset_fake_media_get_video (prepared));

      handset_call_answer (ringing, with_video);
      drain ();
      g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 1);
      if (with_video)
        {
          g_assert_true (media_of (f->bob, ringing) == prepared);
          g_assert_false (handset_fake_media_get_closed (prepared));
        }
      else
        {
          HandsetFakeMedia *fresh = media_of (f->bob, ringing);

          g_assert_true (fresh != prepared);
          g_assert_true (handset_fake_media_get_closed (prepared));
          g_assert_false (handset_fake_media_get_video (fresh));
        }
      deliver ();
      g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTING);
      g_object_unref (prepared);
    }
}

/* An answer made while ringing that failed: the answer is made afresh. */
static void
test_connection_failed_while_ringing (VoipFixture *f, gconstpointer data)
{
  HandsetCall *call, *ringing;
  HandsetFakeMedia *prepared;

  ringing = ringing_with_candidate (f->alice, f->bob, TRUE, &call);
  prepared = media_of (f->bob, ringing);
  /* The connection begun while ringing fails: the call rings on, and
   * nothing is sent. */
  handset_fake_media_set_ice_state (prepared, HANDSET_ICE_STATE_FAILED);
  drain ();
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_RINGING);
  g_assert_cmpuint (count_sent (f->bob, "m.call.hangup"), ==, 0);

  handset_call_answer (ringing, FALSE);
  drain ();
  g_assert_true (media_of (f->bob, ringing) != prepared);
  g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 1);
}

/* Declined, answered elsewhere or hung up by the caller: the media made
 * while ringing closes. */
static void
test_closed_unanswered (VoipFixture *f, gconstpointer data)
{
  HandsetCall *call, *ringing;
  HandsetFakeMedia *media;

  ringing = ringing_with_candidate (f->alice, f->bob, FALSE, &call);
  media = media_of (f->bob, ringing);
  handset_call_reject (ringing);
  drain ();
  g_assert_true (handset_fake_media_get_closed (media));
  g_assert_cmpuint (count_sent (f->bob, "m.call.answer"), ==, 0);
}

/* The session goes (logged out, another account) while the call rings
 * with media made for its answer: the call ends, missed, and its media
 * closes, as a call that rings without media does. */
static void
test_session_gone_while_ringing (VoipFixture *f, gconstpointer data)
{
  HandsetCall *call, *ringing;
  HandsetFakeMedia *media;

  ringing = ringing_with_candidate (f->alice, f->bob, FALSE, &call);
  g_object_ref (ringing);
  media = g_object_ref (media_of (f->bob, ringing));
  g_object_run_dispose (G_OBJECT (f->bob->manager));
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (ringing), ==, HANDSET_CALL_END_MISSED);
  g_assert_true (handset_fake_media_get_closed (media));
  g_object_unref (media);
  g_object_unref (ringing);
}

/* Off (as in tests and for managers that are not told): media only once
 * answered. */
static void
test_off_by_default (VoipFixture *f, gconstpointer data)
{
  HandsetCall *ringing;

  alice_calls (f->alice);
  ringing = g_ptr_array_index (f->bob->rang, 0);
  g_assert_null (handset_call_get_media (ringing));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  VOIP_TEST_ALICE_BOB ("/voip-prepare/made-while-ringing", test_made_while_ringing);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/connect-while-ringing", test_connect_while_ringing);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/video-answer-afresh", test_video_answer_afresh);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/video-call-prepared", test_video_call_prepared);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/connection-failed-while-ringing",
                       test_connection_failed_while_ringing);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/closed-unanswered", test_closed_unanswered);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/off-by-default", test_off_by_default);
  VOIP_TEST_ALICE_BOB ("/voip-prepare/session-gone-while-ringing", test_session_gone_while_ringing);

  return g_test_run ();
}
