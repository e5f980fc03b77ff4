/* test-voip-signalling.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What Handset sends and reads (§17 #1-#11), and party IDs and hostile events: behaviours of
 * docs/voip-behaviours.md that need no real media, each test named after its numbers. The devices
 * of alice, bob and carol share one room on the fake homeserver (tests/fixture) that delivers every
 * event to everyone, echoes included, as sync batches; the clock is fake and the media record what
 * they are asked (voip-fixture.h).
 */

#include "config.h"

#include "voip-fixture.h"

/* ------------------------------------------------------------------ 1-7: what we send */

static void
test_voip_01_03_common_fields (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *call;

  alice = f->alice;
  bob = f->bob;

  call = alice_calls (alice);
  handset_fake_media_emit_candidate (media_of (alice, call),
                                     "candidate:2 1 UDP 1 127.0.0.1 6 typ host");
  handset_call_answer (g_ptr_array_index (bob->rang, 0), FALSE);
  deliver ();
  handset_fake_media_emit_gathering_done (media_of (alice, call));
  handset_call_set_muted (call, TRUE);
  handset_call_set_on_hold (call, TRUE);
  deliver ();
  handset_call_hangup (call);
  deliver ();

  g_assert_cmpuint (alice->sent->len, >=, 6);
  g_assert_cmpuint (bob->sent->len, >=, 2);
  check_spec_rules (alice);
  check_spec_rules (bob);
}

static void
test_voip_04_05_invite_fields (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  JsonObject *invite;

  alice = add_device (ALICE, "ALICEDEVICE1");
  add_device (BOB, "BOBDEVICE1");
  join_all ();

  alice_calls (alice);
  invite = last_sent (alice, "m.call.invite");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (invite, "offer"), "type"), ==,
      "offer");
  g_assert_nonnull (
      json_object_get_string_member (json_object_get_object_member (invite, "offer"), "sdp"));
  g_assert_true (json_node_get_value_type (json_object_get_member (invite, "lifetime")) ==
                 G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (invite, "lifetime"), >=, 90000);
  g_assert_cmpstr (json_object_get_string_member (invite, "invitee"), ==, BOB);
}

static void
test_voip_06_answer_fields (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  JsonObject *answer;

  alice = f->alice;
  bob = f->bob;

  alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, 0), FALSE);
  drain ();
  answer = last_sent (bob, "m.call.answer");
  g_assert_nonnull (answer);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (answer, "answer"), "type"), ==,
      "answer");
  g_assert_nonnull (
      json_object_get_string_member (json_object_get_object_member (answer, "answer"), "sdp"));
}

static void
test_voip_07_hangup_reasons (VoipFixture *f, gconstpointer data)
{
  const char *spec[] = { "ice_failed",        "ice_timeout", "invite_timeout", "user_hangup",
                         "user_media_failed", "user_busy",   "unknown_error",  NULL };
  Device *alice, *bob;
  HandsetCall *call;

  alice = f->alice;
  bob = f->bob;

  /* invite_timeout, user_hangup and ice_failed, each sent for real. */
  place (alice, BOB);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_INVITE_LIFETIME_MS);
  call = place (alice, BOB);
  handset_call_hangup (call);
  call = alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, bob->rang->len - 1), FALSE);
  deliver ();
  handset_fake_media_set_ice_state (media_of (alice, call), HANDSET_ICE_STATE_FAILED);

  g_assert_cmpuint (count_sent (alice, "m.call.hangup"), ==, 3);
  for (guint i = 0; i < alice->sent->len; i++)
    {
      JsonObject *event = g_ptr_array_index (alice->sent, i);

      if (g_str_equal (json_object_get_string_member (event, "type"), "m.call.hangup"))
        g_assert_true (g_strv_contains (
            spec, json_object_get_string_member (json_object_get_object_member (event, "content"),
                                                 "reason")));
    }
}

/* ------------------------------------------------------------------ 8-11: what we read */

static HandsetCallEvent *
parse_content (const char *type, const char *content_json, GError **error)
{
  g_autoptr (JsonNode) content = json_from_string (content_json, NULL);
  g_autoptr (JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "type", type);
  json_object_set_string_member (event, "sender", BOB);
  json_object_set_object_member (event, "content",
                                 json_object_ref (json_node_get_object (content)));
  return handset_call_event_parse (event, ROOM, 0, error);
}

static void
test_voip_08_version (void)
{
  struct
  {
    const char *version;
    int expected;
  } cases[] = { { "0", 0 }, { "\"1\"", 1 }, { "1", 1 }, { "\"2\"", 1 }, { "\"0\"", 1 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\","
                                               " \"version\": %s, \"reason\": \"user_hangup\"}",
                                               cases[i].version);
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = parse_content ("m.call.hangup", json, &error);

      g_assert_no_error (error);
      g_assert_cmpint (handset_call_event_get_version (event), ==, cases[i].expected);
    }
}

static void
test_voip_09_end_of_candidates (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) event =
      parse_content ("m.call.candidates",
                     "{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\","
                     " \"candidates\": [{\"candidate\": \"\"}]}",
                     &error);

  g_assert_no_error (error);
  g_assert_cmpuint (handset_call_event_get_candidates (event)->len, ==, 1);
  g_assert_true (handset_ice_candidate_is_end (
      g_ptr_array_index (handset_call_event_get_candidates (event), 0)));
}

static void
test_voip_10_unknown_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) reject = parse_content (
      "m.call.reject",
      "{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\", \"reason\": \"x\","
      " \"lifetime\": 5, \"conf_id\": \"k\", \"capabilities\": {\"m.call.transferee\": true}}",
      &error);
  g_autoptr (HandsetCallEvent) candidates = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (reject);
  candidates =
      parse_content ("m.call.candidates",
                     "{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\","
                     " \"candidates\": [{\"candidate\": \"candidate:1 1 UDP 1 1.2.3.4 5 typ host\","
                     " \"sdpMid\": \"0\", \"usernameFragment\": \"abc\"}]}",
                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (handset_call_event_get_candidates (candidates)->len, ==, 1);
}

static void
test_voip_11_hangup_without_reason (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) event =
      parse_content ("m.call.hangup", "{\"call_id\": \"c\", \"version\": 0}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (handset_call_event_get_reason (event), ==, "user_hangup");
}

/* ------------------------------------------------------------------ party IDs, hostile events */

static void
test_party_id_policy (VoipFixture *f, gconstpointer data)
{
  Device *alice, *short_id;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  alice = add_device (ALICE, "ALICEDEVICE1");
  short_id = add_device (BOB, "BOB");

  a = handset_call_manager_new_party_id (alice->manager);
  g_assert_cmpstr (a, ==, "ALICEDEVICE1");
  b = handset_call_manager_new_party_id (short_id->manager);
  g_assert_cmpstr (b, !=, "BOB");
  g_assert_cmpuint (strlen (b), >=, 8);

  handset_call_manager_set_hide_device (alice->manager, TRUE);
  c = handset_call_manager_new_party_id (alice->manager);
  g_assert_cmpstr (c, !=, "ALICEDEVICE1");
  g_assert_cmpuint (strlen (c), >=, 8);
}

static void
test_hostile_events (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autofree char *huge_sdp = g_strnfill (1024 * 1024, 'x');
  g_autofree char *huge_party = g_strnfill (10000, 'p');
  g_autofree char *big = NULL, *long_party = NULL;
  const char *hostile[] = {
    "{\"call_id\": 5, \"party_id\": \"PARTYPARTY\", \"version\": \"1\", \"reason\": "
    "\"user_hangup\"}",
    "{\"call_id\": \"a b\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\"}",
    "{\"call_id\": \"CALL\", \"party_id\": \"PARTY PARTY\", \"version\": \"1\"}",
    "{\"call_id\": \"CALL\", \"party_id\": \"PARTYPARTY\"}",
    "{\"party_id\": \"PARTYPARTY\", \"version\": \"1\"}",
    "[1, 2]",
    "{\"call_id\": \"CALL\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\", \"candidates\": "
    "\"x\"}",
  };

  alice = f->alice;
  bob = f->bob;
  connected_call (alice, bob, &a, &b);

  /* Malformed events of every kind, aimed at the live call. */
  big = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"BOBDEVICE1\", \"version\": \"1\", \"lifetime\": 1000,"
      " \"description\": {\"type\": \"offer\", \"sdp\": \"%s\"}}",
      handset_call_get_call_id (a), huge_sdp);
  inject (BOB, "m.call.negotiate", big, 0);
  long_party = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\", "
                                "\"reason\": \"user_hangup\"}",
                                handset_call_get_call_id (a), huge_party);
  inject (BOB, "m.call.hangup", long_party, 0);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr (JsonNode) node = json_from_string (hostile[i], NULL);

      if (JSON_NODE_HOLDS_OBJECT (node))
        inject (BOB, i % 2 ? "m.call.hangup" : "m.call.candidates", hostile[i], 0);
    }
  /* not even objects */
  {
    JsonObject *event = room_event (ROOM, BOB, "m.call.hangup", json_object_new (), 0);

    json_object_set_int_member (event, "content", 7);
    g_ptr_array_add (net->pending, event);
  }
  deliver ();

  /* Nothing disturbed the call. */
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_CONNECTED);
}

/* Calls that ended do not pile up: the manager keeps the last few, and the
 * older ones go with their media. An event of one that went (a late,
 * repeated invite) does not start it again. */
static void
test_ended_calls_dropped (VoipFixture *f, gconstpointer data)
{
  Device *alice, *bob;
  HandsetCall *first = NULL;
  g_autofree char *first_id = NULL;
  guint ended = 0;

  alice = f->alice;
  bob = f->bob;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr (GError) error = NULL;
      HandsetCall *call =
          handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);

      g_assert_no_error (error);
      deliver ();
      g_assert_cmpuint (bob->rang->len, ==, i + 1);
      if (i == 0)
        {
          first = call;
          first_id = g_strdup (handset_call_get_call_id (call));
          g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
        }
      handset_call_hangup (call);
      deliver ();
    }

  /* At most eight ended calls kept; the first one is gone, media and all. */
  for (guint i = 0; i < handset_call_manager_get_calls (alice->manager)->len; i++)
    ended += handset_call_get_state (g_ptr_array_index (
                 handset_call_manager_get_calls (alice->manager), i)) == HANDSET_CALL_STATE_ENDED;
  g_assert_cmpuint (handset_call_manager_get_calls (alice->manager)->len, <=, 8);
  g_assert_cmpuint (ended, ==, handset_call_manager_get_calls (alice->manager)->len);
  g_assert_null (first);
  g_assert_null (handset_call_manager_lookup (alice->manager, first_id));

  /* bob's first call went too (his test keeps its own reference); its
   * invite, sent again, does not ring. */
  g_assert_cmpuint (handset_call_manager_get_calls (bob->manager)->len, <=, 8);
  {
    g_autofree char *again = invite_json (first_id, "ALICEPARTY", 90000, BOB);

    inject (ALICE, "m.call.invite", again, 0);
    deliver ();
  }
  g_assert_cmpuint (bob->rang->len, ==, 20);
}

/* Candidates of a call nobody answered yet, from as many parties as anyone
 * in the room cares to make up: the call keeps a bounded number. */
static void
test_candidate_flood_capped (VoipFixture *f, gconstpointer data)
{
  Device *alice;
  HandsetCall *call;
  g_autoptr (GError) error = NULL;

  alice = add_device (ALICE, "ALICEDEVICE1");
  add_device (BOB, "BOBDEVICE1");
  join_all ();

  call = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  deliver ();
  for (guint party = 0; party < 40; party++)
    {
      g_autoptr (GString) json = g_string_new (NULL);

      g_string_append_printf (json,
                              "{\"call_id\": \"%s\", \"party_id\": \"FLOOD%u\", \"version\": \"1\","
                              " \"candidates\": [",
                              handset_call_get_call_id (call), party);
      for (guint i = 0; i < 100; i++)
        g_string_append_printf (json,
                                "%s{\"candidate\": \"candidate:%u %u\", \"sdpMLineIndex\": 0}",
                                i ? ", " : "", party, i);
      g_string_append (json, "]}");
      inject (BOB, "m.call.candidates", json->str, 0);
    }
  deliver ();

  g_test_message ("%u candidates kept", handset_call_get_n_buffered_candidates (call));
  g_assert_cmpuint (handset_call_get_n_buffered_candidates (call), <=, 16 * 256);
  g_assert_cmpuint (handset_call_get_n_buffered_candidates (call), <, 40 * 100);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);
}

/* A second call while bob is in one: it rings as a call waiting (the
 * manager says bob is busy with the first), and answering it puts the
 * first on hold rather than leaving both open. */
static void
test_call_waiting (VoipFixture *f, gconstpointer data)
{
  Device *alice, *alice2, *bob;
  HandsetCall *a, *b, *second, *waiting;

  alice = add_device (ALICE, "ALICEDEVICE1");
  alice2 = add_device (ALICE, "ALICEDEVICE2");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  second = place (alice2, BOB);
  deliver ();
  g_assert_cmpuint (bob->rang->len, ==, 2);
  waiting = g_ptr_array_index (bob->rang, 1);
  g_assert_cmpstr (handset_call_get_call_id (waiting), ==, handset_call_get_call_id (second));
  g_assert_cmpint (handset_call_get_state (waiting), ==, HANDSET_CALL_STATE_RINGING);
  g_assert_true (handset_call_manager_get_busy_call (bob->manager, waiting) == b);

  handset_call_answer (waiting, FALSE);
  deliver ();
  g_assert_true (handset_call_get_on_hold (b));
  g_assert_true (handset_call_get_remote_on_hold (a));
  g_assert_false (handset_call_get_on_hold (waiting));
}

/* Invites arriving together: ringing builds no media at all, a few ring
 * and the rest are refused as busy, answered with user_busy hangups. */
static void
test_invite_flood (VoipFixture *f, gconstpointer data)
{
  Device *bob;
  guint busy = 0, n = HANDSET_CALL_MANAGER_MAX_RINGING + 6;

  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *call_id = g_strdup_printf ("flood%u", i);
      g_autofree char *invite = invite_json (call_id, "ALICEPARTY", 90000, BOB);

      inject (ALICE, "m.call.invite", invite, 0);
    }
  deliver ();

  g_assert_cmpuint (bob->rang->len, ==, HANDSET_CALL_MANAGER_MAX_RINGING);
  g_assert_cmpuint (bob->media->len, ==, 0);
  for (guint i = 0; i < bob->sent->len; i++)
    {
      JsonObject *content =
          json_object_get_object_member (g_ptr_array_index (bob->sent, i), "content");

      g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (bob->sent, i), "type"), ==,
                       "m.call.hangup");
      g_assert_cmpstr (json_object_get_string_member (content, "reason"), ==, "user_busy");
      busy++;
    }
  g_assert_cmpuint (busy, ==, n - HANDSET_CALL_MANAGER_MAX_RINGING);
  /* The first ones ring; answering one makes its media, only then. */
  g_assert_cmpstr (handset_call_get_call_id (g_ptr_array_index (bob->rang, 0)), ==, "flood0");
  handset_call_answer (g_ptr_array_index (bob->rang, 0), FALSE);
  drain ();
  g_assert_cmpuint (bob->media->len, ==, 1);
  g_assert_cmpuint (count_sent (bob, "m.call.answer"), ==, 1);
}

static gboolean
call_ended (gpointer call)
{
  return handset_call_get_state (call) == HANDSET_CALL_STATE_ENDED;
}

/* The invite cannot reach the homeserver (it is gone, tries and all): the
 * call ends and says so, rather than "Ringing" with nobody told. */
static void
test_send_failure_ends_call (void)
{
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new ("http://127.0.0.1:1");
  g_autoptr (GPtrArray) media = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (HandsetCallManager) manager = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call;

  handset_matrix_client_set_session (client, ALICE, "ALICEDEVICE1", "token");
  handset_matrix_client_set_network_retry_limit (client, 0);
  manager = handset_call_manager_new (ALICE, "ALICEDEVICE1", NULL, NULL, handset_fake_media_factory,
                                      media);
  handset_call_manager_set_client (manager, client);

  call = handset_call_manager_place_call (manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  g_test_expect_message ("Handset-Call", G_LOG_LEVEL_WARNING, "*could not be sent*");
  g_assert_true (handset_test_wait_until (call_ended, call, 30));
  g_test_assert_expected_messages ();
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_SIGNALLING_FAILED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  VOIP_TEST_ALICE_BOB ("/voip/01-03-common-fields-and-one-party-id", test_voip_01_03_common_fields);
  VOIP_TEST ("/voip/04-05-invite-fields-and-invitee", test_voip_04_05_invite_fields);
  VOIP_TEST_ALICE_BOB ("/voip/06-answer-fields", test_voip_06_answer_fields);
  VOIP_TEST_ALICE_BOB ("/voip/07-hangup-reasons-from-the-spec", test_voip_07_hangup_reasons);
  g_test_add_func ("/voip/08-version-0-and-1", test_voip_08_version);
  g_test_add_func ("/voip/09-end-of-candidates", test_voip_09_end_of_candidates);
  g_test_add_func ("/voip/10-unknown-keys-ignored", test_voip_10_unknown_keys);
  g_test_add_func ("/voip/11-hangup-without-reason", test_voip_11_hangup_without_reason);
  VOIP_TEST_ALICE_BOB ("/voip/ended-calls-dropped", test_ended_calls_dropped);
  VOIP_TEST ("/voip/candidate-flood-capped", test_candidate_flood_capped);
  VOIP_TEST ("/voip/invite-flood", test_invite_flood);
  VOIP_TEST ("/voip/call-waiting", test_call_waiting);
  g_test_add_func ("/voip/send-failure-ends-call", test_send_failure_ends_call);
  VOIP_TEST ("/voip/party-id-policy", test_party_id_policy);
  VOIP_TEST_ALICE_BOB ("/voip/hostile-events", test_hostile_events);

  return g_test_run ();
}
