/* test-voip-caller.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The caller, candidates and glare (§17 #33-#50): behaviours of docs/voip-behaviours.md that need
 * no real media, each test named after its numbers. The devices of alice, bob and carol share one
 * room on the fake homeserver (tests/fixture) that delivers every event to everyone, echoes
 * included, as sync batches; the clock is fake and the media record what they are asked
 * (voip-fixture.h).
 */

#include "config.h"

#include "voip-fixture.h"

/* ------------------------------------------------------------------ 33-41: caller */

static void
inject_answer (const char *call_id, const char *party, const char *sdp)
{
  g_autofree char *json =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
                       " \"answer\": {\"type\": \"answer\", \"sdp\": \"%s\"}}",
                       call_id, party, sdp);

  inject (BOB, "m.call.answer", json, 0);
}

static void
inject_candidates (const char *call_id, const char *party, const char *candidate)
{
  g_autofree char *json =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
                       " \"candidates\": [{\"candidate\": \"%s\", \"sdpMid\": \"0\"}]}",
                       call_id, party, candidate);

  inject (BOB, "m.call.candidates", json, 0);
}

static void
test_voip_33_36_first_answer_and_candidates (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;
  const char *call_id;
  GPtrArray *applied;
  JsonObject *select;

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  call_id = handset_call_get_call_id (call);
  /* 35: candidates from two parties before any answer */
  inject_candidates (call_id, "BOBPARTY2", "candidate:from-2-early");
  inject_candidates (call_id, "BOBPARTY1", "candidate:from-1-early");
  inject_answer (call_id, "BOBPARTY1", "v=0 answer of 1");
  inject_answer (call_id, "BOBPARTY2", "v=0 answer of 2");
  /* 36: after the choice */
  inject_candidates (call_id, "BOBPARTY2", "candidate:from-2-late");
  inject_candidates (call_id, "BOBPARTY1", "candidate:from-1-late");
  deliver ();

  /* 33, 34 */
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, "BOBPARTY1");
  g_assert_cmpuint (count_sent (alice, "m.call.select_answer"), ==, 1);
  select = last_sent (alice, "m.call.select_answer");
  g_assert_cmpstr (json_object_get_string_member (select, "selected_party_id"), ==, "BOBPARTY1");
  g_assert_cmpstr (
      g_ptr_array_index (handset_fake_media_get_remote_descriptions (media_of (alice, call)), 0),
      ==, "answer:v=0 answer of 1");
  g_assert_cmpuint (handset_fake_media_get_remote_descriptions (media_of (alice, call))->len, ==,
                    1);

  /* 35, 36: only party 1's candidates, in order */
  applied = handset_fake_media_get_remote_candidates (media_of (alice, call));
  g_assert_cmpuint (applied->len, ==, 2);
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (applied, 0))->candidate, ==,
                   "candidate:from-1-early");
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (applied, 1))->candidate, ==,
                   "candidate:from-1-late");
}

static void
test_voip_37_38_39_other_parties (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;
  const char *call_id;
  g_autofree char *hangup = NULL;
  g_autofree char *reject = NULL;

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  /* 37: a hangup from an unselected party changes nothing */
  call = place (alice, BOB);
  call_id = handset_call_get_call_id (call);
  hangup = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY9\", \"version\": \"1\","
                            " \"reason\": \"user_hangup\"}",
                            call_id);
  inject (BOB, "m.call.hangup", hangup, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);

  /* 38: after an answer, a reject from another party is ignored */
  inject_answer (call_id, "BOBPARTY1", "v=0");
  reject = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY2\", \"version\": \"1\"}", call_id);
  inject (BOB, "m.call.reject", reject, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpuint (count_sent (alice, "m.call.select_answer"), ==, 1);

  /* a hangup from the selected party ends it */
  g_free (hangup);
  hangup = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY1\", \"version\": \"1\","
                            " \"reason\": \"user_busy\"}",
                            call_id);
  inject (BOB, "m.call.hangup", hangup, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_BUSY);

  /* 38, 39: a reject before any answer: declined, and the rejecting party
   * is selected */
  call = place (alice, BOB);
  g_free (reject);
  reject =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY2\", \"version\": \"1\"}",
                       handset_call_get_call_id (call));
  inject (BOB, "m.call.reject", reject, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_DECLINED);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.select_answer"),
                                                  "selected_party_id"),
                   ==, "BOBPARTY2");
}

/* The first call to someone new rings them from the room's invitation
 * alone, so they can decline it before our invite went out (the offer
 * still being made): the call ends declined at once, and no invite
 * follows, rather than ringing nowhere until its lifetime ends. */
static void
test_voip_declined_before_invite_sent (VoipFixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) events =
      g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr (GError) error = NULL;
  Device *alice = add_device (ALICE, "ALICEDEVICE1");
  HandsetCall *call;

  join_all ();
  call = handset_call_manager_place_call (alice->manager, ROOM, CAROL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (handset_call_get_waiting_for_join (call));
  g_assert_cmpint (handset_call_get_state (call), <, HANDSET_CALL_STATE_INVITE_SENT);

  g_ptr_array_add (events, state_event ("m.room.member", CAROL, "{\"membership\": \"leave\"}"));
  deliver_to (alice, events, FALSE);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_DECLINED);
  deliver ();
  g_assert_cmpuint (count_sent (alice, "m.call.invite"), ==, 0);
}

static void
test_voip_40_41_timeout_and_cancel (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_INVITE_LIFETIME_MS - 1);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);
  handset_fake_clock_advance (net->clock, 1);
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_NO_ANSWER);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "invite_timeout");

  call = place (alice, BOB);
  handset_call_hangup (call);
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_LOCAL_HANGUP);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "user_hangup");
  g_assert_cmpuint (count_sent (alice, "m.call.reject"), ==, 0);
}

/* ------------------------------------------------------------------ 43-46: candidates */

static void
test_voip_43_44_batching (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;
  HandsetFakeMedia *media;
  JsonArray *candidates;

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  media = media_of (alice, call);
  handset_fake_media_emit_candidate (media, "candidate:a");
  handset_fake_clock_advance (net->clock, 300);
  handset_fake_media_emit_candidate (media, "candidate:b");
  handset_fake_media_emit_candidate (media, "candidate:c");
  handset_fake_clock_advance (net->clock, 1000);
  g_assert_cmpuint (count_sent (alice, "m.call.candidates"), ==, 0);
  /* 43: one batch, 2 s after the invite */
  handset_fake_clock_advance (net->clock, 700);
  g_assert_cmpuint (count_sent (alice, "m.call.candidates"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        last_sent (alice, "m.call.candidates"), "candidates")),
                    ==, 3);

  /* 44: gathering done: the rest at once, end-of-candidates last */
  handset_fake_media_emit_candidate (media, "candidate:d");
  handset_fake_media_emit_gathering_done (media);
  g_assert_cmpuint (count_sent (alice, "m.call.candidates"), ==, 2);
  candidates = json_object_get_array_member (last_sent (alice, "m.call.candidates"), "candidates");
  g_assert_cmpuint (json_array_get_length (candidates), ==, 2);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (candidates, 0), "candidate"),
      ==, "candidate:d");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (candidates, 1), "candidate"),
      ==, "");
  g_assert_false (json_object_has_member (json_array_get_object_element (candidates, 1), "sdpMid"));
  g_assert_false (
      json_object_has_member (json_array_get_object_element (candidates, 1), "sdpMLineIndex"));
}

static void
test_voip_45_46_remote_candidates (VoipFixture *f, gconstpointer data)
{
  Device *bob;
  HandsetCall *ringing;
  HandsetFakeMedia *media;
  g_autofree char *invite = invite_json ("c46", "ALICEPARTY", 90000, BOB);
  g_autofree char *early =
      g_strdup ("{\"call_id\": \"c46\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"candidates\": [{\"candidate\": \"candidate:early\", \"sdpMLineIndex\": 0}]}");
  g_autofree char *end =
      g_strdup ("{\"call_id\": \"c46\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"candidates\": [{\"candidate\": \"\"}]}");

  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  /* 46: candidates in a batch before the invite's */
  inject (ALICE, "m.call.candidates", early, 0);
  deliver ();
  inject (ALICE, "m.call.invite", invite, 0);
  inject (ALICE, "m.call.candidates", end, 0);
  deliver ();

  /* They wait for the media, which answering makes. */
  ringing = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (ringing, FALSE);
  drain ();
  media = media_of (bob, ringing);
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media)->len, ==, 1);
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (
                        handset_fake_media_get_remote_candidates (media), 0))
                       ->candidate,
                   ==, "candidate:early");
  /* 45 */
  g_assert_true (handset_fake_media_get_remote_gathering_done (media));
}

/* An invite that comes after its own hangup (its room key came late, so
 * it was decrypted late) must not ring: the call is over. */
static void
test_voip_invite_after_its_hangup (VoipFixture *f, gconstpointer data)
{
  Device *bob;
  g_autofree char *invite = invite_json ("c-late", "ALICEPARTY", 90000, BOB);
  g_autofree char *hangup =
      g_strdup ("{\"call_id\": \"c-late\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"reason\": \"user_hangup\"}");

  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  inject (ALICE, "m.call.hangup", hangup, 0);
  deliver ();
  inject (ALICE, "m.call.invite", invite, 0);
  deliver ();

  g_assert_cmpuint (bob->rang->len, ==, 0);
}

/* ------------------------------------------------------------------ 47-50: glare */

static void
test_voip_47_glare_before_sending (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *ours, *theirs;
  g_autoptr (GError) error = NULL;
  g_autofree char *invite = invite_json ("9999", "BOBPARTY", 90000, ALICE);

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  /* Our offer is still being made when bob's invite arrives. */
  ours = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_cmpint (handset_call_get_state (ours), ==, HANDSET_CALL_STATE_CREATE_OFFER);
  {
    g_autoptr (GPtrArray) events =
        g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
    g_autoptr (JsonNode) content = json_from_string (invite, NULL);

    g_ptr_array_add (events, room_event (ROOM, BOB, "m.call.invite",
                                         json_object_ref (json_node_get_object (content)), 0));
    deliver_to (alice, events, FALSE);
  }

  g_assert_cmpint (handset_call_get_end_reason (ours), ==, HANDSET_CALL_END_REPLACED);
  g_assert_cmpuint (count_sent (alice, "m.call.invite"), ==, 0);
  theirs = call_of (alice, "9999");
  g_assert_nonnull (theirs);
  /* auto-answered, not rung, with the devices our call had open */
  g_assert_cmpuint (alice->rang->len, ==, 0);
  g_assert_cmpuint (count_sent (alice, "m.call.answer"), ==, 1);
  g_assert_cmpstr (handset_fake_media_get_adopted_from (media_of (alice, theirs)), ==,
                   handset_fake_media_get_name (media_of (alice, ours)));
}

static void
test_voip_48_49_glare_after_sending (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a_call, *b_call;
  const char *lesser, *greater;

  alice = f->alice;
  bob = f->bob;

  /* Both invites go out before either arrives. */
  a_call = place (alice, BOB);
  b_call = place (bob, ALICE);
  lesser = strcmp (handset_call_get_call_id (a_call), handset_call_get_call_id (b_call)) < 0
               ? handset_call_get_call_id (a_call)
               : handset_call_get_call_id (b_call);
  greater = lesser == handset_call_get_call_id (a_call) ? handset_call_get_call_id (b_call)
                                                        : handset_call_get_call_id (a_call);
  deliver ();

  /* One call survives, the lesser, connecting on both sides; nobody rang. */
  g_assert_cmpuint (alice->rang->len + bob->rang->len, ==, 0);
  g_assert_cmpint (state_of (alice, lesser), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpint (state_of (bob, lesser), ==, HANDSET_CALL_STATE_CONNECTING);
  /* The greater call ended on the side that placed it, as replaced; the
   * other side never made a call of it. */
  {
    Device *owner = lesser == handset_call_get_call_id (a_call) ? bob : alice;
    Device *other = owner == alice ? bob : alice;

    g_assert_cmpint (state_of (owner, greater), ==, HANDSET_CALL_STATE_ENDED);
    g_assert_cmpint (handset_call_get_end_reason (call_of (owner, greater)), ==,
                     HANDSET_CALL_END_REPLACED);
    g_assert_null (call_of (other, greater));
    /* The call that survived answered with the microphone and camera the
     * lost one had open (#48); the side whose call won opened nothing
     * more. */
    g_assert_cmpstr (
        handset_fake_media_get_adopted_from (media_of (owner, call_of (owner, lesser))), ==,
        handset_fake_media_get_name (media_of (owner, call_of (owner, greater))));
    g_assert_null (handset_fake_media_get_adopted_from (media_of (other, call_of (other, lesser))));
  }
}

static void
test_voip_50_no_glare_across_rooms (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *ours;
  g_autofree char *invite = invite_json ("0000", "BOBPARTY", 90000, ALICE);

  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  {
    g_autoptr (GError) error = NULL;

    ours = handset_call_manager_place_call (alice->manager, ROOM2, BOB, FALSE, &error);
    drain ();
  }
  inject (BOB, "m.call.invite", invite, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_state (ours), ==, HANDSET_CALL_STATE_INVITE_SENT);
  g_assert_cmpuint (alice->rang->len, ==, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  VOIP_TEST ("/voip/33-36-first-answer-and-its-candidates",
             test_voip_33_36_first_answer_and_candidates);
  VOIP_TEST ("/voip/37-38-39-other-parties", test_voip_37_38_39_other_parties);
  VOIP_TEST ("/voip/declined-before-invite-sent", test_voip_declined_before_invite_sent);
  VOIP_TEST ("/voip/40-41-timeout-and-cancel", test_voip_40_41_timeout_and_cancel);
  VOIP_TEST ("/voip/43-44-candidate-batches", test_voip_43_44_batching);
  VOIP_TEST ("/voip/45-46-remote-candidates", test_voip_45_46_remote_candidates);
  VOIP_TEST ("/voip/invite-after-its-hangup", test_voip_invite_after_its_hangup);
  VOIP_TEST ("/voip/47-glare-before-sending", test_voip_47_glare_before_sending);
  VOIP_TEST_ALICE_BOB ("/voip/48-49-glare-after-sending", test_voip_48_49_glare_after_sending);
  VOIP_TEST ("/voip/50-no-glare-across-rooms", test_voip_50_no_glare_across_rooms);

  return g_test_run ();
}
