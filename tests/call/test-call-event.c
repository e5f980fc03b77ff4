/* test-call-event.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The m.call.* parser and builders: the parsing rules of VoIP v1 (version,
 * end of candidates, unknown keys, hangup reasons), hostile input, event
 * age, and builders read back by the parser.
 */

#include "config.h"

#include "handset-call-event.h"

#define ROOM_ID "!r:example.org"
#define SENDER  "@a:example.org"
#define SDP     "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

/* The common fields of a v1 event, for content written as JSON text. */
#define V1     "\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"version\": \"1\""
#define OFFER  "\"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}"
#define ANSWER "\"answer\": {\"type\": \"answer\", \"sdp\": \"v=0\"}"

/* Parses @text; an event that is not a JSON object is passed as NULL. */
static HandsetCallEvent *
parse_text (const char *text, gint64 received_us, GError **error)
{
  g_autoptr (GError) json_error = NULL;
  g_autoptr (JsonNode) root = json_from_string (text, &json_error);

  g_assert_no_error (json_error);

  return handset_call_event_parse (
      root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL, ROOM_ID,
      received_us, error);
}

static char *
event_text (const char *type, const char *content)
{
  return g_strdup_printf ("{\"type\": \"%s\", \"sender\": \"" SENDER "\", "
                          "\"event_id\": \"$e:example.org\", \"origin_server_ts\": 1, "
                          "\"content\": %s}",
                          type, content);
}

static HandsetCallEvent *
parse_call (const char *type, const char *content, GError **error)
{
  g_autofree char *text = event_text (type, content);

  return parse_text (text, 0, error);
}

/* Parses a content that must be valid. */
static HandsetCallEvent *
parse_valid (const char *type, const char *content)
{
  g_autoptr (GError) error = NULL;
  HandsetCallEvent *event = parse_call (type, content, &error);

  if (error != NULL)
    g_test_message ("%s %s: %s", type, content, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (event);

  return event;
}

static void
assert_rejected (HandsetCallEvent *event, GError *error, HandsetCallEventError code)
{
  g_assert_null (event);
  g_assert_error (error, HANDSET_CALL_EVENT_ERROR, (int) code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

static void
assert_invalid (const char *type, const char *content)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) event = NULL;

  g_test_message ("%s %.200s", type, content);
  event = parse_call (type, content, &error);
  assert_rejected (event, error, HANDSET_CALL_EVENT_ERROR_INVALID);
}

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

typedef struct
{
  const char *candidate;
  const char *sdp_mid;
  int sdp_mline_index;
} ExpectedCandidate;

static void
assert_candidates (GPtrArray *candidates, const ExpectedCandidate *expected, guint n_expected)
{
  g_assert_nonnull (candidates);
  g_assert_cmpuint (candidates->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      HandsetIceCandidate *candidate = g_ptr_array_index (candidates, i);

      g_assert_cmpstr (candidate->candidate, ==, expected[i].candidate);
      g_assert_cmpstr (candidate->sdp_mid, ==, expected[i].sdp_mid);
      g_assert_cmpint (candidate->sdp_mline_index, ==, expected[i].sdp_mline_index);
      g_assert_true (handset_ice_candidate_is_end (candidate) ==
                     (expected[i].candidate[0] == '\0'));
    }
}

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

/* ------------------------------------------------------------------ hostile input */

static void
test_hostile_content (void)
{
  const struct
  {
    const char *type;
    const char *content;
  } cases[] = {
    /* Common fields */
    { "m.call.reject", "{\"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": 1, \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": null, \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": [\"c1\"], \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": {}, \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": true, \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"\", \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"a b\", \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject",
      "{\"call_id\": \"caf\\u00e9\", \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"a/b\", \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"a\\nb\", \"party_id\": \"partyAAA\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": 12345678, \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": null, \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": [], \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"party A\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"\\u00fcber\", \"version\": \"1\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"partyAAA\"}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"version\": null}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"version\": {}}" },
    { "m.call.reject", "{\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"version\": []}" },
    /* m.call.invite */
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000}" },
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, \"offer\": \"v=0\"}" },
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, \"offer\": null}" },
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, \"offer\": [\"v=0\"]}" },
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, \"offer\": {}}" },
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, \"offer\": {\"type\": \"offer\"}}" },
    { "m.call.invite",
      "{" V1 ", \"lifetime\": 90000, \"offer\": {\"type\": \"offer\", \"sdp\": 0}}" },
    { "m.call.invite",
      "{" V1 ", \"lifetime\": 90000, \"offer\": {\"type\": \"offer\", \"sdp\": null}}" },
    { "m.call.invite", "{" V1 ", \"lifetime\": 90000, \"offer\": {\"sdp\": [\"v=0\"]}}" },
    { "m.call.invite", "{" V1 ", " OFFER "}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": \"90000\"}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": 90000.5}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": 0}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": -90000}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": true}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": null}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": {}}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": 90000, \"invitee\": 1}" },
    { "m.call.invite",
      "{" V1 ", " OFFER ", \"lifetime\": 90000, \"invitee\": \"bob:example.org\"}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": 90000, \"invitee\": \"\"}" },
    { "m.call.invite",
      "{" V1 ", " OFFER ", \"lifetime\": 90000, \"invitee\": [\"@b:example.org\"]}" },
    { "m.call.invite", "{" V1 ", " OFFER ", \"lifetime\": 90000, \"invitee\": {}}" },
    /* m.call.answer */
    { "m.call.answer", "{" V1 "}" },
    { "m.call.answer", "{" V1 ", \"answer\": \"v=0\"}" },
    { "m.call.answer", "{" V1 ", \"answer\": {\"type\": \"answer\", \"sdp\": 1}}" },
    { "m.call.answer", "{" V1 ", \"answer\": {\"type\": \"answer\"}}" },
    { "m.call.answer", "{" V1 ", " OFFER "}" },
    /* m.call.candidates */
    { "m.call.candidates", "{" V1 "}" },
    { "m.call.candidates", "{" V1 ", \"candidates\": {}}" },
    { "m.call.candidates", "{" V1 ", \"candidates\": {\"candidate\": \"\"}}" },
    { "m.call.candidates", "{" V1 ", \"candidates\": \"[]\"}" },
    { "m.call.candidates", "{" V1 ", \"candidates\": null}" },
    { "m.call.candidates", "{" V1 ", \"candidates\": 1}" },
    /* m.call.select_answer */
    { "m.call.select_answer", "{" V1 "}" },
    { "m.call.select_answer", "{" V1 ", \"selected_party_id\": 1}" },
    { "m.call.select_answer", "{" V1 ", \"selected_party_id\": null}" },
    { "m.call.select_answer", "{" V1 ", \"selected_party_id\": \"\"}" },
    { "m.call.select_answer", "{" V1 ", \"selected_party_id\": \"a b\"}" },
    { "m.call.select_answer", "{" V1 ", \"selected_party_id\": \"\\u00e9t\\u00e9\"}" },
    { "m.call.select_answer", "{" V1 ", \"selected_party_id\": [\"partyBBB\"]}" },
    /* m.call.negotiate */
    { "m.call.negotiate", "{" V1 ", \"lifetime\": 10000}" },
    { "m.call.negotiate", "{" V1 ", \"lifetime\": 10000, \"description\": \"v=0\"}" },
    { "m.call.negotiate",
      "{" V1
      ", \"lifetime\": 10000, \"description\": {\"type\": \"pranswer\", \"sdp\": \"v=0\"}}" },
    { "m.call.negotiate", "{" V1 ", \"lifetime\": 10000, \"description\": {\"sdp\": \"v=0\"}}" },
    { "m.call.negotiate",
      "{" V1 ", \"lifetime\": 10000, \"description\": {\"type\": 1, \"sdp\": \"v=0\"}}" },
    { "m.call.negotiate", "{" V1 ", \"lifetime\": 10000, \"description\": {\"type\": \"offer\"}}" },
    { "m.call.negotiate", "{" V1 ", \"description\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}" },
    { "m.call.negotiate",
      "{" V1 ", \"lifetime\": \"1\", \"description\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}" },
    { "m.call.negotiate", "{" V1 ", \"lifetime\": 10000, " OFFER "}" },
    /* m.call.hangup */
    { "m.call.hangup", "{" V1 ", \"reason\": 1}" },
    { "m.call.hangup", "{" V1 ", \"reason\": []}" },
    { "m.call.hangup", "{" V1 ", \"reason\": {}}" },
    { "m.call.hangup", "{" V1 ", \"reason\": true}" },
    /* m.call.sdp_stream_metadata_changed */
    { "m.call.sdp_stream_metadata_changed", "{" V1 "}" },
    { "m.call.sdp_stream_metadata_changed", "{" V1 ", \"sdp_stream_metadata\": []}" },
    { "m.call.sdp_stream_metadata_changed", "{" V1 ", \"sdp_stream_metadata\": \"x\"}" },
    { "m.call.sdp_stream_metadata_changed", "{" V1 ", \"sdp_stream_metadata\": null}" },
    { "m.call.sdp_stream_metadata_changed", "{" V1 ", \"sdp_stream_metadata\": 1}" },
    { "org.matrix.call.sdp_stream_metadata_changed", "{" V1 "}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_invalid (cases[i].type, cases[i].content);
}

/* Content with one field replaced by @value, a JSON string of @length. */
static char *
content_with_long_string (const char *field, gsize length, char fill)
{
  g_autofree char *value = g_strnfill (length, fill);

  if (g_str_equal (field, "call_id"))
    return g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"partyAAA\", \"version\": \"1\", "
                            "\"selected_party_id\": \"partyBBB\"}",
                            value);
  if (g_str_equal (field, "party_id"))
    return g_strdup_printf ("{\"call_id\": \"c1\", \"party_id\": \"%s\", \"version\": \"1\", "
                            "\"selected_party_id\": \"partyBBB\"}",
                            value);
  g_assert_cmpstr (field, ==, "selected_party_id");
  return g_strdup_printf ("{" V1 ", \"selected_party_id\": \"%s\"}", value);
}

static void
test_hostile_sizes (void)
{
  const struct
  {
    const char *field;
    gsize length;
    gboolean valid;
  } ids[] = {
    { "call_id", 255, TRUE },
    { "call_id", 256, FALSE },
    { "call_id", 10000, FALSE },
    { "party_id", 255, TRUE },
    { "party_id", 256, FALSE },
    { "party_id", 10000, FALSE },
    { "selected_party_id", 255, TRUE },
    { "selected_party_id", 256, FALSE },
    { "selected_party_id", 10000, FALSE },
  };
  const struct
  {
    const char *type;
    const char *before_sdp;
  } descriptions[] = {
    { "m.call.invite",
      "{" V1 ", \"lifetime\": 90000, \"offer\": {\"type\": \"offer\", \"sdp\": \"" },
    { "m.call.answer", "{" V1 ", \"answer\": {\"type\": \"answer\", \"sdp\": \"" },
    { "m.call.negotiate",
      "{" V1 ", \"lifetime\": 10000, \"description\": {\"type\": \"offer\", \"sdp\": \"" },
  };
  g_autofree char *largest_sdp = g_strnfill (HANDSET_CALL_EVENT_MAX_SDP, 's');
  g_autofree char *huge_sdp = g_strnfill (1024 * 1024, 's');
  g_autofree char *long_reason = g_strnfill (HANDSET_CALL_EVENT_MAX_REASON + 1, 'r');
  g_autofree char *long_invitee = g_strnfill (256, 'b');
  g_autofree char *hangup = NULL;
  g_autofree char *invite = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *content = content_with_long_string (ids[i].field, ids[i].length, 'x');
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = NULL;
      const char *value;

      g_test_message ("%s of %zu characters", ids[i].field, ids[i].length);
      event = parse_call ("m.call.select_answer", content, &error);
      if (!ids[i].valid)
        {
          assert_rejected (event, error, HANDSET_CALL_EVENT_ERROR_INVALID);
          continue;
        }
      g_assert_no_error (error);
      if (g_str_equal (ids[i].field, "call_id"))
        value = handset_call_event_get_call_id (event);
      else if (g_str_equal (ids[i].field, "party_id"))
        value = handset_call_event_get_party_id (event);
      else
        value = handset_call_event_get_selected_party_id (event);
      g_assert_cmpuint (strlen (value), ==, ids[i].length);
    }

  for (guint i = 0; i < G_N_ELEMENTS (descriptions); i++)
    {
      g_autofree char *largest =
          g_strconcat (descriptions[i].before_sdp, largest_sdp, "\"}}", NULL);
      g_autofree char *huge = g_strconcat (descriptions[i].before_sdp, huge_sdp, "\"}}", NULL);
      g_autoptr (HandsetCallEvent) event = parse_valid (descriptions[i].type, largest);

      g_assert_cmpuint (strlen (handset_call_event_get_sdp (event)), ==,
                        HANDSET_CALL_EVENT_MAX_SDP);
      assert_invalid (descriptions[i].type, huge);
    }

  hangup = g_strdup_printf ("{" V1 ", \"reason\": \"%s\"}", long_reason);
  assert_invalid ("m.call.hangup", hangup);
  invite = g_strdup_printf ("{" V1 ", \"lifetime\": 90000, " OFFER ", \"invitee\": \"@%s\"}",
                            long_invitee);
  assert_invalid ("m.call.invite", invite);
}

static void
test_hostile_event (void)
{
  g_autofree char *long_sender = g_strnfill (256, 'a');
  g_autofree char *long_sender_event = g_strdup_printf (
      "{\"type\": \"m.call.reject\", \"sender\": \"@%s\", \"content\": {" V1 "}}", long_sender);
  const struct
  {
    const char *event;
    HandsetCallEventError code;
  } cases[] = {
    /* The sender: present, a string, a user ID */
    { "{\"type\": \"m.call.reject\", \"content\": {" V1 "}}", HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": 5, \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": null, \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": \"\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": \"a:example.org\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": \"!r:example.org\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": [\"@a:example.org\"], \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { long_sender_event, HANDSET_CALL_EVENT_ERROR_INVALID },
    /* The content: present and an object */
    { "{\"type\": \"m.call.reject\", \"sender\": \"" SENDER "\"}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": \"" SENDER "\", \"content\": null}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": \"" SENDER "\", \"content\": \"{}\"}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.reject\", \"sender\": \"" SENDER "\", \"content\": [{" V1 "}]}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    { "{\"type\": \"m.call.invite\", \"sender\": \"" SENDER "\", \"content\": {}}",
      HANDSET_CALL_EVENT_ERROR_INVALID },
    /* Not a call event, or no event at all: not for this parser */
    { "{\"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": 5, \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": null, \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.room.message\", \"sender\": \"" SENDER "\", \"content\": {\"body\": \"hi\"}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.call.replaces\", \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.call.asserted_identity\", \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"org.matrix.call.asserted_identity\", \"sender\": \"" SENDER
      "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.call.reject_replacement\", \"sender\": \"" SENDER "\", \"content\": {" V1
      "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"M.CALL.INVITE\", \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.call.invite \", \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.call\", \"sender\": \"" SENDER "\", \"content\": {" V1 "}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "{\"type\": \"m.room.encrypted\", \"sender\": \"" SENDER "\", \"content\": {}}",
      HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "[]", HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "\"m.call.invite\"", HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
    { "5", HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = NULL;

      g_test_message ("%.200s", cases[i].event);
      event = parse_text (cases[i].event, 0, &error);
      assert_rejected (event, error, cases[i].code);
    }

  {
    g_autoptr (GError) error = NULL;
    g_autoptr (HandsetCallEvent) event = handset_call_event_parse (NULL, ROOM_ID, 0, &error);

    assert_rejected (event, error, HANDSET_CALL_EVENT_ERROR_NOT_A_CALL_EVENT);
  }

  /* A NULL error is allowed. */
  g_assert_null (handset_call_event_parse (NULL, ROOM_ID, 0, NULL));
  g_assert_null (parse_call ("m.call.invite", "{}", NULL));
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

/* ------------------------------------------------------------------ round trips */

#define CALL_ID  "1700000000000abcdEFGH"
#define PARTY_ID "PartyAbc1"

/* Wraps built content into an event and parses it back. */
static HandsetCallEvent *
round_trip (HandsetCallEventType type, JsonObject *content)
{
  g_autoptr (JsonObject) event = json_object_new ();
  g_autoptr (GError) error = NULL;
  HandsetCallEvent *parsed;

  json_object_set_string_member (event, "type", handset_call_event_type_to_string (type));
  json_object_set_string_member (event, "sender", SENDER);
  json_object_set_string_member (event, "event_id", "$e:example.org");
  json_object_set_object_member (event, "content", content);

  parsed = handset_call_event_parse (event, ROOM_ID, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  g_assert_cmpint (handset_call_event_get_event_type (parsed), ==, type);
  g_assert_cmpint (handset_call_event_get_version (parsed), ==, 1);
  g_assert_cmpstr (handset_call_event_get_call_id (parsed), ==, CALL_ID);
  g_assert_cmpstr (handset_call_event_get_party_id (parsed), ==, PARTY_ID);
  g_assert_cmpstr (handset_call_event_get_sender (parsed), ==, SENDER);

  return parsed;
}

/* A screen share in our metadata, as Element and js-sdk read it, read
 * back from a negotiate event; the peer's streams picked by purpose, odd
 * members skipped. */
static void
test_screenshare_metadata (void)
{
  g_autoptr (JsonObject) metadata = handset_call_event_build_stream_metadata ("cam", FALSE, TRUE);
  g_autoptr (JsonNode) hostile = NULL;
  g_auto (GStrv) screens = NULL;
  g_auto (GStrv) cameras = NULL;
  g_auto (GStrv) none = NULL;
  gboolean video_muted = TRUE;
  JsonObject *stream;

  handset_call_event_add_screenshare (metadata, "screen");
  stream = json_object_get_object_member (metadata, "screen");
  g_assert_cmpstr (json_object_get_string_member (stream, "purpose"), ==, "m.screenshare");
  g_assert_false (json_object_get_boolean_member (stream, "video_muted"));
  g_assert_true (json_object_get_boolean_member (stream, "audio_muted"));

  {
    g_autoptr (HandsetCallEvent) event = round_trip (
        HANDSET_CALL_EVENT_NEGOTIATE,
        handset_call_event_build_negotiate (CALL_ID, PARTY_ID, "offer", SDP, 10000, metadata));
    JsonObject *read = handset_call_event_get_stream_metadata (event);

    screens =
        handset_call_event_metadata_streams (read, HANDSET_MEDIA_PURPOSE_SCREENSHARE, &video_muted);
    cameras = handset_call_event_metadata_streams (read, HANDSET_MEDIA_PURPOSE_USERMEDIA, NULL);
  }
  g_assert_cmpuint (g_strv_length (screens), ==, 1);
  g_assert_cmpstr (screens[0], ==, "screen");
  g_assert_false (video_muted);
  g_assert_cmpuint (g_strv_length (cameras), ==, 1);
  g_assert_cmpstr (cameras[0], ==, "cam");

  /* Not objects, purposes that are not strings, unknown purposes: none. */
  hostile = json_from_string ("{\"a\": 1, \"b\": {\"purpose\": 7}, \"c\": {\"purpose\": "
                              "[\"m.screenshare\"]}, \"d\": {\"purpose\": \"m.screenshare2\"},"
                              " \"e\": null, \"f\": {\"purpose\": \"m.screenshare\", "
                              "\"video_muted\": true}}",
                              NULL);
  g_assert_nonnull (hostile);
  g_strfreev (screens);
  screens = handset_call_event_metadata_streams (json_node_get_object (hostile),
                                                 HANDSET_MEDIA_PURPOSE_SCREENSHARE, &video_muted);
  g_assert_cmpuint (g_strv_length (screens), ==, 1);
  g_assert_cmpstr (screens[0], ==, "f");
  g_assert_true (video_muted);
  none = handset_call_event_metadata_streams (NULL, HANDSET_MEDIA_PURPOSE_SCREENSHARE, NULL);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

static void
test_round_trip (void)
{
  const char *reasons[] = {
    HANDSET_HANGUP_USER_HANGUP,   HANDSET_HANGUP_INVITE_TIMEOUT,    HANDSET_HANGUP_ICE_FAILED,
    HANDSET_HANGUP_ICE_TIMEOUT,   HANDSET_HANGUP_USER_MEDIA_FAILED, HANDSET_HANGUP_USER_BUSY,
    HANDSET_HANGUP_UNKNOWN_ERROR,
  };
  const ExpectedCandidate expected_candidates[] = {
    { "candidate:1 1 udp 2122260223 10.0.0.2 43670 typ host", "0", 0 },
    { "candidate:2 1 udp 1686052607 192.0.2.7 43670 typ srflx", "audio", -1 },
    { "candidate:3 1 udp 41885439 198.51.100.4 3478 typ relay", NULL, 1 },
    /* The builder writes the end without sdpMid or sdpMLineIndex. */
    { "", NULL, -1 },
  };
  g_autoptr (JsonObject) metadata = handset_call_event_build_stream_metadata ("s1", TRUE, FALSE);
  g_autoptr (GPtrArray) candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  JsonObject *stream;

  /* The stream metadata as built. */
  stream = json_object_get_object_member (metadata, "s1");
  g_assert_nonnull (stream);
  g_assert_cmpstr (json_object_get_string_member (stream, "purpose"), ==, "m.usermedia");
  g_assert_true (json_object_get_boolean_member (stream, "audio_muted"));
  g_assert_false (json_object_get_boolean_member (stream, "video_muted"));
  g_assert_cmpuint (json_object_get_size (metadata), ==, 1);

  {
    g_autoptr (HandsetCallEvent) event = round_trip (
        HANDSET_CALL_EVENT_INVITE, handset_call_event_build_invite (CALL_ID, PARTY_ID, SDP, 90000,
                                                                    "@b:example.org", metadata));

    g_assert_cmpstr (handset_call_event_get_sdp (event), ==, SDP);
    g_assert_cmpstr (handset_call_event_get_description_type (event), ==, "offer");
    g_assert_cmpint (handset_call_event_get_lifetime (event), ==, 90000);
    g_assert_cmpstr (handset_call_event_get_invitee (event), ==, "@b:example.org");
    g_assert_true (json_object_equal (handset_call_event_get_stream_metadata (event), metadata));
    g_assert_false (handset_call_event_get_dtmf (event));
  }
  {
    g_autoptr (HandsetCallEvent) event =
        round_trip (HANDSET_CALL_EVENT_INVITE,
                    handset_call_event_build_invite (CALL_ID, PARTY_ID, SDP, 120000, NULL, NULL));

    g_assert_cmpint (handset_call_event_get_lifetime (event), ==, 120000);
    g_assert_null (handset_call_event_get_invitee (event));
    g_assert_null (handset_call_event_get_stream_metadata (event));
  }
  {
    g_autoptr (HandsetCallEvent) event =
        round_trip (HANDSET_CALL_EVENT_ANSWER,
                    handset_call_event_build_answer (CALL_ID, PARTY_ID, SDP, metadata));

    g_assert_cmpstr (handset_call_event_get_sdp (event), ==, SDP);
    g_assert_cmpstr (handset_call_event_get_description_type (event), ==, "answer");
    g_assert_true (json_object_equal (handset_call_event_get_stream_metadata (event), metadata));
  }
  {
    g_autoptr (HandsetCallEvent) event = round_trip (
        HANDSET_CALL_EVENT_ANSWER, handset_call_event_build_answer (CALL_ID, PARTY_ID, SDP, NULL));

    g_assert_null (handset_call_event_get_stream_metadata (event));
  }

  g_ptr_array_add (candidates,
                   handset_ice_candidate_new (expected_candidates[0].candidate, "0", 0));
  g_ptr_array_add (candidates,
                   handset_ice_candidate_new (expected_candidates[1].candidate, "audio", -1));
  g_ptr_array_add (candidates,
                   handset_ice_candidate_new (expected_candidates[2].candidate, NULL, 1));
  g_ptr_array_add (candidates, handset_ice_candidate_new ("", "0", 0));
  {
    g_autoptr (HandsetCallEvent) event =
        round_trip (HANDSET_CALL_EVENT_CANDIDATES,
                    handset_call_event_build_candidates (CALL_ID, PARTY_ID, candidates));

    assert_candidates (handset_call_event_get_candidates (event), expected_candidates,
                       G_N_ELEMENTS (expected_candidates));
  }
  {
    g_autoptr (HandsetCallEvent) event =
        round_trip (HANDSET_CALL_EVENT_SELECT_ANSWER,
                    handset_call_event_build_select_answer (CALL_ID, PARTY_ID, "OtherXyz2"));

    g_assert_cmpstr (handset_call_event_get_selected_party_id (event), ==, "OtherXyz2");
  }
  {
    g_autoptr (HandsetCallEvent) event =
        round_trip (HANDSET_CALL_EVENT_REJECT, handset_call_event_build_reject (CALL_ID, PARTY_ID));

    g_assert_null (handset_call_event_get_reason (event));
  }
  for (guint i = 0; i < 2; i++)
    {
      const char *description_type = i == 0 ? "offer" : "answer";
      g_autoptr (HandsetCallEvent) event =
          round_trip (HANDSET_CALL_EVENT_NEGOTIATE,
                      handset_call_event_build_negotiate (CALL_ID, PARTY_ID, description_type, SDP,
                                                          10000, i == 0 ? metadata : NULL));

      g_assert_cmpstr (handset_call_event_get_description_type (event), ==, description_type);
      g_assert_cmpstr (handset_call_event_get_sdp (event), ==, SDP);
      g_assert_cmpint (handset_call_event_get_lifetime (event), ==, 10000);
      if (i == 0)
        g_assert_true (
            json_object_equal (handset_call_event_get_stream_metadata (event), metadata));
      else
        g_assert_null (handset_call_event_get_stream_metadata (event));
    }
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      g_autoptr (HandsetCallEvent) event =
          round_trip (HANDSET_CALL_EVENT_HANGUP,
                      handset_call_event_build_hangup (CALL_ID, PARTY_ID, reasons[i]));

      g_assert_cmpstr (handset_call_event_get_reason (event), ==, reasons[i]);
    }
  {
    JsonObject *content = handset_call_event_build_hangup (CALL_ID, PARTY_ID, NULL);
    g_autoptr (HandsetCallEvent) event = NULL;

    /* Version 1 requires the reason, so it is written out. */
    g_assert_cmpstr (json_object_get_string_member (content, "reason"), ==,
                     HANDSET_HANGUP_USER_HANGUP);
    event = round_trip (HANDSET_CALL_EVENT_HANGUP, content);
    g_assert_cmpstr (handset_call_event_get_reason (event), ==, HANDSET_HANGUP_USER_HANGUP);
  }
  {
    g_autoptr (HandsetCallEvent) event = round_trip (
        HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED,
        handset_call_event_build_sdp_stream_metadata_changed (CALL_ID, PARTY_ID, metadata));

    g_assert_true (json_object_equal (handset_call_event_get_stream_metadata (event), metadata));
  }
}

/* Hostile numbers that once overflowed, and an empty reason. */
static void
test_hostile_numbers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) ancient = NULL;
  g_autoptr (HandsetCallEvent) candidates = NULL;
  g_autoptr (HandsetCallEvent) hangup = NULL;
  GPtrArray *list;

  ancient = parse_text ("{\"type\": \"m.call.hangup\", \"sender\": \"@a:b\","
                        " \"unsigned\": {\"age\": 9223372036854775807},"
                        " \"content\": {\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\","
                        " \"version\": \"1\"}}",
                        0, &error);
  g_assert_no_error (error);
  /* An age that would wrap around stays the oldest there is. */
  g_assert_cmpint (handset_call_event_get_age_now_ms (ancient, 1000000), ==, G_MAXINT64);

  candidates = parse_text ("{\"type\": \"m.call.candidates\", \"sender\": \"@a:b\","
                           " \"content\": {\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\","
                           " \"version\": \"1\", \"candidates\": ["
                           " {\"candidate\": \"a\", \"sdpMLineIndex\": 1e300},"
                           " {\"candidate\": \"b\", \"sdpMLineIndex\": 0.7},"
                           " {\"candidate\": \"c\", \"sdpMLineIndex\": 2.0}]}}",
                           0, &error);
  g_assert_no_error (error);
  /* Out of range and fractions are no index: without sdpMid, dropped. */
  list = handset_call_event_get_candidates (candidates);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (list, 0))->candidate, ==, "c");
  g_assert_cmpint (((HandsetIceCandidate *) g_ptr_array_index (list, 0))->sdp_mline_index, ==, 2);

  hangup = parse_text ("{\"type\": \"m.call.hangup\", \"sender\": \"@a:b\","
                       " \"content\": {\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\","
                       " \"version\": \"1\", \"reason\": \"\"}}",
                       0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handset_call_event_get_reason (hangup), ==, "user_hangup");

  /* The error domain's name has no spaces in it. */
  g_assert_cmpstr (g_quark_to_string (HANDSET_CALL_EVENT_ERROR), ==,
                   "handset-call-event-error-quark");
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
  g_test_add_func ("/call-event/hostile/content", test_hostile_content);
  g_test_add_func ("/call-event/hostile/sizes", test_hostile_sizes);
  g_test_add_func ("/call-event/hostile/event", test_hostile_event);
  g_test_add_func ("/call-event/age", test_age);
  g_test_add_func ("/call-event/event-fields", test_event_fields);
  g_test_add_func ("/call-event/round-trip", test_round_trip);
  g_test_add_func ("/call-event/screenshare-metadata", test_screenshare_metadata);
  g_test_add_func ("/call-event/hostile-numbers", test_hostile_numbers);

  return g_test_run ();
}
