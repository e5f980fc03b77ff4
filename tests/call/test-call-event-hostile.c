/* test-call-event-hostile.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The m.call.* parser on hostile input (call-event-fixture.c): content
 * fields of the wrong type or shape, strings and lists too long, events
 * with a bad sender or content or of no call type at all, numbers that
 * once overflowed, and an empty reason.
 */

#include "config.h"

#include "call-event-fixture.h"

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

  g_test_add_func ("/call-event/hostile/content", test_hostile_content);
  g_test_add_func ("/call-event/hostile/sizes", test_hostile_sizes);
  g_test_add_func ("/call-event/hostile/event", test_hostile_event);
  g_test_add_func ("/call-event/hostile-numbers", test_hostile_numbers);

  return g_test_run ();
}
