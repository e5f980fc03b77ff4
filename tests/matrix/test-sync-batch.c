/* test-sync-batch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parsing of /sync responses, the backoff, and the filter: no server.
 */

#include "config.h"

#include "handset-matrix-error.h"
#include "handset-sync.h"

static HandsetSyncBatch *
parse (const char *text, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));

  return handset_sync_batch_new_from_bytes (bytes, "s1", 1000, error);
}

static const HandsetSyncRoom *
find_room (HandsetSyncBatch *batch, const char *room_id)
{
  for (guint i = 0; i < handset_sync_batch_get_n_rooms (batch); i++)
    {
      const HandsetSyncRoom *room = handset_sync_batch_get_room (batch, i);

      if (g_str_equal (room->room_id, room_id))
        return room;
    }

  g_error ("room %s not in the batch", room_id);
}

static void
test_rooms_in_order (void)
{
  const char *text =
      "{\"next_batch\": \"s2\","
      " \"account_data\": {\"events\": [{\"type\": \"m.direct\", \"content\": {\"@b:x\": "
      "[\"!r:x\"]}}]},"
      " \"to_device\": {\"events\": [{\"type\": \"m.room_key\", \"sender\": \"@b:x\", \"content\": "
      "{}}]},"
      " \"rooms\": {"
      "  \"join\": {\"!r:x\": {"
      "    \"state\": {\"events\": [{\"type\": \"m.room.member\", \"state_key\": \"@b:x\","
      "                \"sender\": \"@b:x\", \"content\": {\"membership\": \"join\"}}]},"
      "    \"timeline\": {\"limited\": true, \"events\": ["
      "      {\"type\": \"m.call.invite\", \"sender\": \"@b:x\", \"event_id\": \"$1\","
      "       \"content\": {\"call_id\": \"c\"}, \"unsigned\": {\"age\": 1500}},"
      "      {\"type\": \"m.call.hangup\", \"sender\": \"@b:x\", \"event_id\": \"$2\","
      "       \"content\": {\"call_id\": \"c\"}, \"unsigned\": {\"age\": 20}},"
      "      {\"type\": \"m.call.candidates\", \"sender\": \"@b:x\", \"event_id\": \"$3\","
      "       \"content\": {}, \"unsigned\": {\"age\": -5}}]}}},"
      "  \"invite\": {\"!i:x\": {\"invite_state\": {\"events\": ["
      "    {\"type\": \"m.room.member\", \"state_key\": \"@a:x\", \"sender\": \"@c:x\","
      "     \"content\": {\"membership\": \"invite\", \"is_direct\": true}}]}}},"
      "  \"leave\": {\"!l:x\": {\"timeline\": {\"events\": []}}}}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetSyncBatch) batch = parse (text, &error);
  const HandsetSyncRoom *room;

  g_assert_no_error (error);
  g_assert_cmpstr (handset_sync_batch_get_next_batch (batch), ==, "s2");
  g_assert_cmpstr (handset_sync_batch_get_since (batch), ==, "s1");
  g_assert_false (handset_sync_batch_is_initial (batch));
  g_assert_cmpint (handset_sync_batch_get_received_time (batch), ==, 1000);
  g_assert_cmpuint (handset_sync_batch_get_n_rooms (batch), ==, 3);
  g_assert_cmpuint (handset_sync_batch_get_account_data (batch)->len, ==, 1);
  g_assert_cmpuint (handset_sync_batch_get_to_device (batch)->len, ==, 1);
  g_assert_cmpuint (handset_sync_batch_get_n_events (batch), ==, 7);
  g_assert_cmpuint (handset_sync_batch_get_n_dropped (batch), ==, 0);

  room = handset_sync_batch_get_room (batch, 0);
  g_assert_cmpstr (room->room_id, ==, "!r:x");
  g_assert_cmpint (room->membership, ==, HANDSET_MEMBERSHIP_JOIN);
  g_assert_true (room->limited);
  g_assert_cmpuint (room->state->len, ==, 1);
  g_assert_cmpuint (room->timeline->len, ==, 3);
  /* In order, each with its age; a negative age counts as 0. */
  g_assert_cmpstr (handset_event_get_string (g_ptr_array_index (room->timeline, 0), "event_id"), ==,
                   "$1");
  g_assert_cmpstr (handset_event_get_string (g_ptr_array_index (room->timeline, 2), "event_id"), ==,
                   "$3");
  g_assert_cmpint (handset_event_get_age (g_ptr_array_index (room->timeline, 0)), ==, 1500);
  g_assert_cmpint (handset_event_get_age (g_ptr_array_index (room->timeline, 1)), ==, 20);
  g_assert_cmpint (handset_event_get_age (g_ptr_array_index (room->timeline, 2)), ==, 0);

  room = handset_sync_batch_get_room (batch, 1);
  g_assert_cmpstr (room->room_id, ==, "!i:x");
  g_assert_cmpint (room->membership, ==, HANDSET_MEMBERSHIP_INVITE);
  g_assert_cmpuint (room->state->len, ==, 1);

  room = handset_sync_batch_get_room (batch, 2);
  g_assert_cmpint (room->membership, ==, HANDSET_MEMBERSHIP_LEAVE);
}

static void
test_malformed_events_dropped (void)
{
  const char *text =
      "{\"next_batch\": \"s2\", \"rooms\": {\"join\": {"
      " \"!r:x\": {\"timeline\": {\"limited\": \"yes\", \"events\": ["
      "   42, \"text\", null, [],"
      "   {\"sender\": \"@b:x\", \"content\": {}},"
      "   {\"type\": 7, \"sender\": \"@b:x\"},"
      "   {\"type\": \"m.call.invite\", \"content\": {}},"
      "   {\"type\": \"m.call.invite\", \"sender\": \"@b:x\", \"content\": \"nope\"},"
      "   {\"type\": \"m.call.invite\", \"sender\": \"@b:x\", \"content\": {}, \"unsigned\": "
      "{\"age\": \"old\"}}"
      " ]}},"
      " \"not-a-room\": {},"
      " \"!s:x\": 5,"
      " \"!t:x\": {\"timeline\": {\"events\": {\"no\": \"array\"}}, \"state\": []}"
      "}, \"invite\": [], \"leave\": null}, \"account_data\": {\"events\": [1]}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetSyncBatch) batch = parse (text, &error);
  const HandsetSyncRoom *room;

  g_assert_no_error (error);
  g_assert_cmpuint (handset_sync_batch_get_n_rooms (batch), ==, 2);
  room = find_room (batch, "!r:x");
  g_assert_false (room->limited);
  g_assert_cmpuint (room->timeline->len, ==, 1);
  g_assert_cmpint (handset_event_get_age (g_ptr_array_index (room->timeline, 0)), ==, -1);
  room = find_room (batch, "!t:x");
  g_assert_cmpuint (room->timeline->len, ==, 0);
  /* 8 bad events, 2 bad rooms, 1 bad account data event */
  g_assert_cmpuint (handset_sync_batch_get_n_dropped (batch), ==, 11);
  g_assert_cmpuint (handset_sync_batch_get_account_data (batch)->len, ==, 0);
}

static void
test_not_a_sync_response (void)
{
  const char *bad[] = {
    "",
    "<html><body>502 Bad Gateway</body></html>",
    "{\"next_batch\": \"s2\", \"rooms\": {\"join\": {\"!r:x\": {\"timeline\": {\"events\": [",
    "[]",
    "{\"rooms\": {}}",
    "{\"next_batch\": 12}",
    "{\"next_batch\": \"\"}",
    "null",
    "\"s2\"",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetSyncBatch) batch = parse (bad[i], &error);

      g_assert_null (batch);
      g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
      g_assert_cmpstr (error->message, !=, "");
    }
}

/* A hostile server nests arrays until json-glib's recursive parser runs
 * out of stack; the answer is refused before it is parsed. */
static void
test_nested_too_deep (void)
{
  const guint levels = 200000;
  g_autoptr (GString) deep = g_string_new ("{\"next_batch\": \"s2\", \"account_data\": ");
  g_autoptr (GString) shallow = g_string_new ("{\"next_batch\": \"s2\", \"x\": ");
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetSyncBatch) batch = NULL;

  for (guint i = 0; i < levels; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  batch = parse (deep->str, &error);
  g_assert_null (batch);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  /* Brackets inside strings do not count, and ordinary depth is read. */
  g_string_append (shallow, "{\"s\": \"[[[[[[[[[[[[[[[[[[[[\\\"[[[[\", \"a\": [[[[{}]]]]}}");
  batch = parse (shallow->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (batch);
}

static void
test_backoff (void)
{
  guint wait = 0;
  guint previous = 0;

  /* From 1 s, doubling, never beyond 60 s, never below 1 s. */
  wait = handset_sync_next_backoff_ms (0, 0);
  g_assert_cmpuint (wait, ==, HANDSET_SYNC_BACKOFF_MIN_MS);
  for (guint i = 0; i < 20; i++)
    {
      previous = wait;
      wait = handset_sync_next_backoff_ms (wait, 0);
      g_assert_cmpuint (wait, ==, MIN (previous * 2, HANDSET_SYNC_BACKOFF_MAX_MS));
    }
  g_assert_cmpuint (wait, ==, HANDSET_SYNC_BACKOFF_MAX_MS);

  /* Jitter takes off at most a quarter. */
  for (guint32 r = 0; r < 100000; r += 997)
    {
      guint jittered = handset_sync_next_backoff_ms (30000, r);

      g_assert_cmpuint (jittered, <=, 60000);
      g_assert_cmpuint (jittered, >=, 45000);
      jittered = handset_sync_next_backoff_ms (0, r);
      g_assert_cmpuint (jittered, ==, 1000);
    }
  g_assert_cmpuint (handset_sync_next_backoff_ms (30000, 15000), ==, 45000);
  g_assert_cmpuint (handset_sync_next_backoff_ms (30000, 15001), ==, 60000);
}

static void
test_filter (void)
{
  g_autofree char *filter = handset_sync_filter_json ();
  g_autoptr (JsonNode) node = json_from_string (filter, NULL);
  JsonObject *room;
  JsonArray *timeline_types, *state_types, *account_types;
  gboolean has_call = FALSE, has_member = FALSE, has_join_rules = FALSE;

  g_assert_nonnull (node);
  room = json_object_get_object_member (json_node_get_object (node), "room");
  timeline_types =
      json_object_get_array_member (json_object_get_object_member (room, "timeline"), "types");
  state_types =
      json_object_get_array_member (json_object_get_object_member (room, "state"), "types");
  account_types = json_object_get_array_member (
      json_object_get_object_member (json_node_get_object (node), "account_data"), "types");

  for (guint i = 0; i < json_array_get_length (timeline_types); i++)
    {
      has_call |= g_str_equal (json_array_get_string_element (timeline_types, i), "m.call.*");
      has_member |=
          g_str_equal (json_array_get_string_element (timeline_types, i), "m.room.member");
    }
  for (guint i = 0; i < json_array_get_length (state_types); i++)
    has_join_rules |=
        g_str_equal (json_array_get_string_element (state_types, i), "m.room.join_rules");

  g_assert_true (has_call);
  g_assert_true (has_member);
  g_assert_true (has_join_rules);
  g_assert_cmpuint (json_array_get_length (account_types), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (account_types, 0), ==, "m.direct");
  /* Members are loaded lazily. */
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (room, "state"),
                                                 "lazy_load_members"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-batch/rooms-in-order", test_rooms_in_order);
  g_test_add_func ("/sync-batch/malformed-events-dropped", test_malformed_events_dropped);
  g_test_add_func ("/sync-batch/not-a-sync-response", test_not_a_sync_response);
  g_test_add_func ("/sync-batch/nested-too-deep", test_nested_too_deep);
  g_test_add_func ("/sync-batch/backoff", test_backoff);
  g_test_add_func ("/sync-batch/filter", test_filter);

  return g_test_run ();
}
