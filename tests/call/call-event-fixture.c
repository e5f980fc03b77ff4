/* call-event-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the m.call.* event tests (test-call-event-*.c) share: parsing
 * events written as JSON text, checks of what is rejected, and of a
 * parsed list of ICE candidates.
 */

#include "config.h"

#include "call-event-fixture.h"

HandsetCallEvent *
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

HandsetCallEvent *
parse_call (const char *type, const char *content, GError **error)
{
  g_autofree char *text = event_text (type, content);

  return parse_text (text, 0, error);
}

HandsetCallEvent *
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

void
assert_rejected (HandsetCallEvent *event, GError *error, HandsetCallEventError code)
{
  g_assert_null (event);
  g_assert_error (error, HANDSET_CALL_EVENT_ERROR, (int) code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

void
assert_invalid (const char *type, const char *content)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) event = NULL;

  g_test_message ("%s %.200s", type, content);
  event = parse_call (type, content, &error);
  assert_rejected (event, error, HANDSET_CALL_EVENT_ERROR_INVALID);
}

void
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
