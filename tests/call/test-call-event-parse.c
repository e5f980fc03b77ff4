/* test-call-event-parse.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The m.call.* parser on valid and invalid events, by the parsing rules
 * of VoIP v1 (call-event-fixture.c): version and v0, candidates and
 * their end, unknown keys, hangup reasons, capabilities, stream metadata;
 * the age of an event and its common fields.
 */

#include "config.h"

#include "call-event-fixture.h"

/* ------------------------------------------------------------------ version */

static void
test_version (void)
{
  const struct
  {
    const char *version; /* JSON text; NULL leaves it out */
    int expected;        /* -1: invalid */
  } cases[] = {
    { "0", 0 },     { "\"1\"", 1 }, { "1", 1 },    { "\"2\"", 1 }, { "1.5", 1 },
    { "\"0\"", 1 }, { "2", 1 },     { "true", 1 }, { NULL, -1 },   { "null", -1 },
    { "{}", -1 },   { "[]", -1 },   { "[0]", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = NULL;
      g_autofree char *version = cases[i].version
                                     ? g_strdup_printf (", \"version\": %s", cases[i].version)
                                     : g_strdup ("");
      g_autofree char *content = g_strdup_printf (
          "{\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"reason\": \"ice_failed\"%s}",
          version);

      g_test_message ("version %s", cases[i].version ? cases[i].version : "(missing)");
      event = parse_call ("m.call.hangup", content, &error);
      if (cases[i].expected < 0)
        {
          assert_rejected (event, error, HANDSET_CALL_EVENT_ERROR_INVALID);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpint (handset_call_event_get_version (event), ==, cases[i].expected);
      g_assert_cmpstr (handset_call_event_get_party_id (event), ==,
                       cases[i].expected == 0 ? NULL : "partyAAA");
      g_assert_cmpstr (handset_call_event_get_reason (event), ==, "ice_failed");
    }
}

static void
test_v0 (void)
{
  const char *contents[] = {
    /* No party_id at all, as v0 clients send. */
    "{\"call_id\": \"c1\", \"version\": 0, \"lifetime\": 60000, " OFFER "}",
    /* A party_id is ignored, even one outside the grammar. */
    "{\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"version\": 0, \"lifetime\": 60000, " OFFER
    "}",
    "{\"call_id\": \"c1\", \"party_id\": \"a b\", \"version\": 0, \"lifetime\": 60000, " OFFER "}",
    "{\"call_id\": \"c1\", \"party_id\": 5, \"version\": 0, \"lifetime\": 60000, " OFFER "}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (contents); i++)
    {
      g_autoptr (HandsetCallEvent) event = parse_valid ("m.call.invite", contents[i]);

      g_assert_cmpint (handset_call_event_get_version (event), ==, 0);
      g_assert_null (handset_call_event_get_party_id (event));
      g_assert_cmpstr (handset_call_event_get_call_id (event), ==, "c1");
      g_assert_cmpint (handset_call_event_get_lifetime (event), ==, 60000);
      g_assert_cmpstr (handset_call_event_get_sdp (event), ==, "v=0");
    }

  /* A v0 hangup may leave the reason out. */
  {
    g_autoptr (HandsetCallEvent) event =
        parse_valid ("m.call.hangup", "{\"call_id\": \"c1\", \"version\": 0}");

    g_assert_cmpint (handset_call_event_get_version (event), ==, 0);
    g_assert_null (handset_call_event_get_party_id (event));
    g_assert_cmpstr (handset_call_event_get_reason (event), ==, HANDSET_HANGUP_USER_HANGUP);
  }
}

/* ------------------------------------------------------------------ candidates */

static void
test_candidates (void)
{
  const struct
  {
    const char *candidates;
    guint n_expected;
    ExpectedCandidate expected[3];
  } cases[] = {
    /* The end of candidates needs neither sdpMid nor sdpMLineIndex. */
    { "[{\"candidate\": \"\"}]", 1, { { "", NULL, -1 } } },
    /* Any other candidate needs one of them; without, it is dropped. */
    { "[{\"candidate\": \"candidate:1 1 udp 1 10.0.0.1 9 typ host\"}]", 0, { { 0 } } },
    { "[{\"candidate\": \"c\", \"sdpMLineIndex\": 0}]", 1, { { "c", NULL, 0 } } },
    { "[{\"candidate\": \"c\", \"sdpMLineIndex\": 0.0}]", 1, { { "c", NULL, 0 } } },
    { "[{\"candidate\": \"c\", \"sdpMLineIndex\": 2}]", 1, { { "c", NULL, 2 } } },
    { "[{\"candidate\": \"c\", \"sdpMid\": \"audio\"}]", 1, { { "c", "audio", -1 } } },
    { "[{\"candidate\": \"c\", \"sdpMid\": \"0\", \"sdpMLineIndex\": 1, "
      "\"usernameFragment\": \"abcd\"}]",
      1,
      { { "c", "0", 1 } } },
    { "[{\"candidate\": \"a\", \"sdpMid\": \"0\"}, {\"candidate\": \"b\"}, {\"candidate\": \"\"}]",
      2,
      { { "a", "0", -1 }, { "", NULL, -1 } } },
    /* Order is kept. */
    { "[{\"candidate\": \"a\", \"sdpMLineIndex\": 1}, {\"candidate\": \"b\", \"sdpMid\": \"1\"}]",
      2,
      { { "a", NULL, 1 }, { "b", "1", -1 } } },
    { "[]", 0, { { 0 } } },
    /* Items that are no candidates at all are dropped, not fatal. */
    { "[1, \"x\", null, [], {}, {\"sdpMid\": \"0\"}, {\"candidate\": 5, \"sdpMid\": \"0\"}, "
      "{\"candidate\": null, \"sdpMid\": \"0\"}]",
      0,
      { { 0 } } },
    /* A wrongly typed or out of range index or mid counts as absent. */
    { "[{\"candidate\": \"c\", \"sdpMid\": 1}, {\"candidate\": \"c\", \"sdpMLineIndex\": \"0\"}, "
      "{\"candidate\": \"c\", \"sdpMLineIndex\": -1}, {\"candidate\": \"c\", \"sdpMLineIndex\": "
      "true}, "
      "{\"candidate\": \"c\", \"sdpMLineIndex\": 70000}, {\"candidate\": \"c\", \"sdpMLineIndex\": "
      "null}]",
      0,
      { { 0 } } },
    { "[{\"candidate\": \"c\", \"sdpMid\": \"0\", \"sdpMLineIndex\": 70000}]",
      1,
      { { "c", "0", -1 } } },
    { "[{\"candidate\": \"c\", \"sdpMid\": "
      "\"0123456789012345678901234567890123456789012345678901234567890123456789\", "
      "\"sdpMLineIndex\": 3}]",
      1,
      { { "c", NULL, 3 } } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *content =
          g_strdup_printf ("{" V1 ", \"candidates\": %s}", cases[i].candidates);
      g_autoptr (HandsetCallEvent) event = NULL;

      g_test_message ("candidates %s", cases[i].candidates);
      event = parse_valid ("m.call.candidates", content);
      g_assert_cmpint (handset_call_event_get_event_type (event), ==,
                       HANDSET_CALL_EVENT_CANDIDATES);
      assert_candidates (handset_call_event_get_candidates (event), cases[i].expected,
                         cases[i].n_expected);
    }
}

static void
test_candidates_size (void)
{
  const struct
  {
    guint count;
    guint candidate_length;
    gboolean valid;
    guint n_expected;
  } cases[] = {
    { HANDSET_CALL_EVENT_MAX_CANDIDATES, 10, TRUE, HANDSET_CALL_EVENT_MAX_CANDIDATES },
    { HANDSET_CALL_EVENT_MAX_CANDIDATES + 1, 10, FALSE, 0 },
    { 10000, 10, FALSE, 0 },
    /* An overlong candidate string is dropped alone. */
    { 1, HANDSET_CALL_EVENT_MAX_CANDIDATE, TRUE, 1 },
    { 1, HANDSET_CALL_EVENT_MAX_CANDIDATE + 1, TRUE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) content = g_string_new ("{" V1 ", \"candidates\": [");
      g_autofree char *candidate = g_strnfill (cases[i].candidate_length, 'c');
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = NULL;

      for (guint j = 0; j < cases[i].count; j++)
        g_string_append_printf (content, "%s{\"candidate\": \"%s\", \"sdpMid\": \"0\"}",
                                j ? ", " : "", candidate);
      g_string_append (content, "]}");

      g_test_message ("%u candidates of %u bytes", cases[i].count, cases[i].candidate_length);
      event = parse_call ("m.call.candidates", content->str, &error);
      if (!cases[i].valid)
        {
          assert_rejected (event, error, HANDSET_CALL_EVENT_ERROR_INVALID);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (handset_call_event_get_candidates (event)->len, ==, cases[i].n_expected);
    }
}

/* ------------------------------------------------------------------ unknown keys */

static void
test_unknown_keys (void)
{
  g_autoptr (HandsetCallEvent) invite = NULL;
  g_autoptr (HandsetCallEvent) answer = NULL;
  g_autoptr (HandsetCallEvent) reject = NULL;
  g_autoptr (HandsetCallEvent) hangup = NULL;
  g_autoptr (HandsetCallEvent) candidates = NULL;
  const ExpectedCandidate expected = { "c", "0", 0 };

  invite = parse_valid ("m.call.invite",
                        "{" V1 ", \"lifetime\": 90000, \"offer\": {\"type\": \"offer\", \"sdp\": "
                        "\"v=0\", \"extra\": 1}, \"capabilities\": {\"m.call.transferee\": "
                        "false, \"m.call.dtmf\": false}, \"conf_id\": \"conf1\", "
                        "\"org.matrix.msgid\": \"m1\", \"device_id\": \"DEV\", \"seq\": 0, "
                        "\"sender_session_id\": \"s\", \"dest_session_id\": \"d\"}");
  g_assert_cmpint (handset_call_event_get_event_type (invite), ==, HANDSET_CALL_EVENT_INVITE);
  g_assert_cmpstr (handset_call_event_get_call_id (invite), ==, "c1");
  g_assert_cmpstr (handset_call_event_get_party_id (invite), ==, "partyAAA");
  g_assert_cmpstr (handset_call_event_get_sdp (invite), ==, "v=0");
  g_assert_cmpstr (handset_call_event_get_description_type (invite), ==, "offer");
  g_assert_cmpint (handset_call_event_get_lifetime (invite), ==, 90000);
  g_assert_null (handset_call_event_get_invitee (invite));
  g_assert_null (handset_call_event_get_stream_metadata (invite));
  g_assert_false (handset_call_event_get_dtmf (invite));

  answer = parse_valid ("m.call.answer", "{" V1 ", " ANSWER ", \"capabilities\": "
                                         "{\"m.call.transferee\": true}, \"conf_id\": \"x\"}");
  g_assert_cmpstr (handset_call_event_get_sdp (answer), ==, "v=0");
  g_assert_cmpstr (handset_call_event_get_description_type (answer), ==, "answer");

  candidates = parse_valid ("m.call.candidates",
                            "{" V1 ", \"conf_id\": \"x\", \"candidates\": [{\"candidate\": \"c\", "
                            "\"sdpMid\": \"0\", \"sdpMLineIndex\": 0, \"usernameFragment\": "
                            "\"uf\", \"foundation\": \"1\"}]}");
  assert_candidates (handset_call_event_get_candidates (candidates), &expected, 1);

  /* Some clients put a reason and a lifetime on a reject; neither exists. */
  reject =
      parse_valid ("m.call.reject", "{" V1 ", \"reason\": \"user_busy\", \"lifetime\": 60000}");
  g_assert_cmpint (handset_call_event_get_event_type (reject), ==, HANDSET_CALL_EVENT_REJECT);
  g_assert_null (handset_call_event_get_reason (reject));
  g_assert_cmpint (handset_call_event_get_lifetime (reject), ==, 0);
  g_assert_null (handset_call_event_get_sdp (reject));
  g_assert_null (handset_call_event_get_candidates (reject));

  hangup = parse_valid ("m.call.hangup", "{" V1 ", \"reason\": \"ice_failed\", \"lifetime\": "
                                         "\"x\", \"offer\": 5, \"candidates\": 5}");
  g_assert_cmpstr (handset_call_event_get_reason (hangup), ==, "ice_failed");
  g_assert_null (handset_call_event_get_sdp (hangup));
  g_assert_null (handset_call_event_get_candidates (hangup));
}

/* ------------------------------------------------------------------ hangup */

static void
test_hangup_reason (void)
{
  g_autofree char *longest = g_strnfill (HANDSET_CALL_EVENT_MAX_REASON, 'r');
  g_autofree char *longest_json = g_strdup_printf ("\"%s\"", longest);
  const struct
  {
    const char *reason; /* JSON text; NULL leaves it out */
    const char *expected;
  } cases[] = {
    { NULL, HANDSET_HANGUP_USER_HANGUP },
    { "null", HANDSET_HANGUP_USER_HANGUP },
    { "\"user_hangup\"", HANDSET_HANGUP_USER_HANGUP },
    { "\"invite_timeout\"", HANDSET_HANGUP_INVITE_TIMEOUT },
    { "\"ice_failed\"", HANDSET_HANGUP_ICE_FAILED },
    { "\"ice_timeout\"", HANDSET_HANGUP_ICE_TIMEOUT },
    { "\"user_media_failed\"", HANDSET_HANGUP_USER_MEDIA_FAILED },
    { "\"user_busy\"", HANDSET_HANGUP_USER_BUSY },
    { "\"unknown_error\"", HANDSET_HANGUP_UNKNOWN_ERROR },
    /* Unknown reasons are kept for the caller to show as a failure. */
    { "\"replaced\"", "replaced" },
    { "\"signalling_timeout\"", "signalling_timeout" },
    { longest_json, longest },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reason =
          cases[i].reason ? g_strdup_printf (", \"reason\": %s", cases[i].reason) : g_strdup ("");
      g_autofree char *content = g_strdup_printf ("{" V1 "%s}", reason);
      g_autoptr (HandsetCallEvent) event = NULL;

      g_test_message ("reason %.40s", cases[i].reason ? cases[i].reason : "(missing)");
      event = parse_valid ("m.call.hangup", content);
      g_assert_cmpint (handset_call_event_get_event_type (event), ==, HANDSET_CALL_EVENT_HANGUP);
      g_assert_cmpstr (handset_call_event_get_reason (event), ==, cases[i].expected);
    }
}

/* ------------------------------------------------------------------ capabilities */

static void
test_dtmf (void)
{
  const struct
  {
    const char *capabilities; /* JSON text; NULL leaves it out */
    gboolean expected;
  } cases[] = {
    { "{\"m.call.dtmf\": true}", TRUE },
    { "{\"m.call.dtmf\": true, \"m.call.transferee\": false}", TRUE },
    { NULL, FALSE },
    { "{\"m.call.dtmf\": false}", FALSE },
    { "{\"m.call.dtmf\": \"true\"}", FALSE },
    { "{\"m.call.dtmf\": 1}", FALSE },
    { "{\"m.call.dtmf\": null}", FALSE },
    { "{\"m.call.dtmf\": {}}", FALSE },
    { "{\"m.call.transferee\": true}", FALSE },
    { "{}", FALSE },
    { "true", FALSE },
    { "[\"m.call.dtmf\"]", FALSE },
    { "\"m.call.dtmf\"", FALSE },
    { "null", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *capabilities =
          cases[i].capabilities ? g_strdup_printf (", \"capabilities\": %s", cases[i].capabilities)
                                : g_strdup ("");
      g_autofree char *invite_content =
          g_strdup_printf ("{" V1 ", \"lifetime\": 90000, " OFFER "%s}", capabilities);
      g_autofree char *answer_content = g_strdup_printf ("{" V1 ", " ANSWER "%s}", capabilities);
      g_autoptr (HandsetCallEvent) invite = NULL;
      g_autoptr (HandsetCallEvent) answer = NULL;

      g_test_message ("capabilities %s", cases[i].capabilities ? cases[i].capabilities : "(none)");
      invite = parse_valid ("m.call.invite", invite_content);
      answer = parse_valid ("m.call.answer", answer_content);
      g_assert_true (handset_call_event_get_dtmf (invite) == cases[i].expected);
      g_assert_true (handset_call_event_get_dtmf (answer) == cases[i].expected);
    }
}

/* ------------------------------------------------------------------ metadata */

static void
test_stream_metadata (void)
{
  g_autoptr (JsonNode) usermedia =
      json_from_string ("{\"s1\": {\"purpose\": \"m.usermedia\", \"audio_muted\": true}}", NULL);
  g_autoptr (JsonNode) screenshare =
      json_from_string ("{\"s2\": {\"purpose\": \"m.screenshare\"}}", NULL);
  const struct
  {
    const char *type;
    const char *content;
    HandsetCallEventType expected_type;
    JsonNode *expected; /* NULL: no metadata */
  } cases[] = {
    { "m.call.sdp_stream_metadata_changed",
      "{" V1 ", \"sdp_stream_metadata\": {\"s1\": {\"purpose\": \"m.usermedia\", "
      "\"audio_muted\": true}}}",
      HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED, usermedia },
    /* The unstable type of MSC3291 is the same event. */
    { "org.matrix.call.sdp_stream_metadata_changed",
      "{" V1 ", \"sdp_stream_metadata\": {\"s1\": {\"purpose\": \"m.usermedia\", "
      "\"audio_muted\": true}}}",
      HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED, usermedia },
    /* The unstable key of MSC3077, and the stable one winning over it. */
    { "m.call.invite",
      "{" V1 ", \"lifetime\": 90000, " OFFER ", \"org.matrix.msc3077.sdp_stream_metadata\": "
      "{\"s2\": {\"purpose\": \"m.screenshare\"}}}",
      HANDSET_CALL_EVENT_INVITE, screenshare },
    { "m.call.answer",
      "{" V1 ", " ANSWER ", \"org.matrix.msc3077.sdp_stream_metadata\": {\"s2\": {\"purpose\": "
      "\"m.screenshare\"}}, \"sdp_stream_metadata\": {\"s1\": {\"purpose\": \"m.usermedia\", "
      "\"audio_muted\": true}}}",
      HANDSET_CALL_EVENT_ANSWER, usermedia },
    { "m.call.negotiate",
      "{" V1 ", \"lifetime\": 10000, \"description\": {\"type\": \"offer\", \"sdp\": \"v=0\"}, "
      "\"sdp_stream_metadata\": {\"s2\": {\"purpose\": \"m.screenshare\"}}}",
      HANDSET_CALL_EVENT_NEGOTIATE, screenshare },
    /* Metadata of the wrong type counts as absent where it is optional. */
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, " OFFER ", \"sdp_stream_metadata\": []}",
      HANDSET_CALL_EVENT_INVITE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HandsetCallEvent) event = NULL;
      JsonObject *metadata;

      g_test_message ("%s %s", cases[i].type, cases[i].content);
      event = parse_valid (cases[i].type, cases[i].content);
      g_assert_cmpint (handset_call_event_get_event_type (event), ==, cases[i].expected_type);
      metadata = handset_call_event_get_stream_metadata (event);
      if (cases[i].expected == NULL)
        {
          g_assert_null (metadata);
          continue;
        }
      g_assert_nonnull (metadata);
      g_assert_true (json_object_equal (metadata, json_node_get_object (cases[i].expected)));
    }

  g_assert_cmpstr (
      handset_call_event_type_to_string (HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED), ==,
      "m.call.sdp_stream_metadata_changed");
}

/* ------------------------------------------------------------------ age */

static void
test_age (void)
{
  const struct
  {
    const char *unsigned_data; /* JSON text; NULL leaves it out */
    gint64 received_us;
    gint64 now_us;
    gint64 age_ms;
    gint64 age_now_ms;
  } cases[] = {
    { "{\"age\": 1000}", 5000000, 7000000, 1000, 3000 },
    { "{\"age\": 0}", 0, 0, 0, 0 },
    { "{\"age\": 1000}", 5000000, 5000000, 1000, 1000 },
    /* Monotonic time below a millisecond does not count yet. */
    { "{\"age\": 0}", 0, 1999, 0, 1 },
    /* A clock that seems to go back adds nothing. */
    { "{\"age\": 1000}", 5000000, 4000000, 1000, 1000 },
    /* A negative age is taken as 0. */
    { "{\"age\": -5000}", 0, 2000000, 0, 2000 },
    /* No usable age: new when it arrived. */
    { NULL, 1000000, 4500000, -1, 3500 },
    { "{}", 1000000, 4500000, -1, 3500 },
    { "{\"age\": \"1000\"}", 0, 2000000, -1, 2000 },
    { "{\"age\": 1000.5}", 0, 2000000, -1, 2000 },
    { "{\"age\": null}", 0, 2000000, -1, 2000 },
    { "{\"age\": [1000]}", 0, 2000000, -1, 2000 },
    { "5", 0, 2000000, -1, 2000 },
    { "[{\"age\": 1000}]", 0, 2000000, -1, 2000 },
    { "{\"age\": 86400000, \"transaction_id\": \"t1\"}", 10, 10, 86400000, 86400000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *unsigned_data =
          cases[i].unsigned_data ? g_strdup_printf (", \"unsigned\": %s", cases[i].unsigned_data)
                                 : g_strdup ("");
      g_autofree char *text =
          g_strdup_printf ("{\"type\": \"m.call.invite\", \"sender\": \"" SENDER
                           "\", \"content\": {" V1 ", \"lifetime\": 90000, " OFFER "}%s}",
                           unsigned_data);
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = NULL;

      g_test_message ("unsigned %s", cases[i].unsigned_data ? cases[i].unsigned_data : "(none)");
      event = parse_text (text, cases[i].received_us, &error);
      g_assert_no_error (error);
      g_assert_cmpint (handset_call_event_get_received_time (event), ==, cases[i].received_us);
      g_assert_cmpint (handset_call_event_get_age_ms (event), ==, cases[i].age_ms);
      g_assert_cmpint (handset_call_event_get_age_now_ms (event, cases[i].now_us), ==,
                       cases[i].age_now_ms);
    }
}

/* ------------------------------------------------------------------ event fields */

static void
test_event_fields (void)
{
  g_autoptr (HandsetCallEvent) event = NULL;
  g_autoptr (HandsetCallEvent) ref = NULL;
  g_autoptr (HandsetCallEvent) no_event_id = NULL;

  event = parse_valid ("m.call.invite",
                       "{" V1 ", \"lifetime\": 90000, " OFFER ", \"invitee\": \"@b:example.org\"}");
  g_assert_cmpstr (handset_call_event_get_room_id (event), ==, ROOM_ID);
  g_assert_cmpstr (handset_call_event_get_sender (event), ==, SENDER);
  g_assert_cmpstr (handset_call_event_get_event_id (event), ==, "$e:example.org");
  g_assert_cmpstr (handset_call_event_get_invitee (event), ==, "@b:example.org");

  ref = handset_call_event_ref (event);
  g_assert_true (ref == event);

  /* An invitee of null is as good as none. */
  no_event_id = parse_text ("{\"type\": \"m.call.invite\", \"sender\": \"" SENDER
                            "\", \"event_id\": 5, \"content\": {" V1 ", \"lifetime\": 90000, " OFFER
                            ", \"invitee\": null}}",
                            0, NULL);
  g_assert_nonnull (no_event_id);
  g_assert_null (handset_call_event_get_event_id (no_event_id));
  g_assert_null (handset_call_event_get_invitee (no_event_id));

  for (int type = HANDSET_CALL_EVENT_INVITE; type <= HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED;
       type++)
    {
      const char *name = handset_call_event_type_to_string (type);
      HandsetCallEventType parsed;

      g_assert_true (handset_call_event_is_call_type (name));
      g_assert_true (handset_call_event_type_from_string (name, &parsed));
      g_assert_cmpint (parsed, ==, type);
    }
  g_assert_true (handset_call_event_is_call_type ("org.matrix.call.sdp_stream_metadata_changed"));
  g_assert_false (handset_call_event_is_call_type ("m.call.replaces"));
  g_assert_false (handset_call_event_is_call_type (NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-event/version", test_version);
  g_test_add_func ("/call-event/v0", test_v0);
  g_test_add_func ("/call-event/candidates", test_candidates);
  g_test_add_func ("/call-event/candidates-size", test_candidates_size);
  g_test_add_func ("/call-event/unknown-keys", test_unknown_keys);
  g_test_add_func ("/call-event/hangup-reason", test_hangup_reason);
  g_test_add_func ("/call-event/dtmf", test_dtmf);
  g_test_add_func ("/call-event/stream-metadata", test_stream_metadata);
  g_test_add_func ("/call-event/age", test_age);
  g_test_add_func ("/call-event/event-fields", test_event_fields);

  return g_test_run ();
}
