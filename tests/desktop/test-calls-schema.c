/* test-calls-schema.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/calls-row.schema.json against the code: its lists of states and
 * end reasons are the ones Handset has, and the checker the CLI tests use
 * refuses a line that is not as the schema says.
 */

#include "config.h"

#include "handset-call-invitation.h"
#include "handset-call.h"
#include "handset-test-json-schema.h"

static JsonNode *schema;

static JsonArray *
enum_of (const char *definition, const char *member)
{
  JsonObject *defs = json_object_get_object_member (json_node_get_object (schema), "$defs");
  JsonObject *properties = json_object_get_object_member (
      json_object_get_object_member (defs, definition), "properties");

  return json_object_get_array_member (json_object_get_object_member (properties, member), "enum");
}

static void
assert_enum_is (JsonArray *listed, GType type)
{
  GEnumClass *klass = g_type_class_ref (type);

  g_assert_cmpuint (json_array_get_length (listed), ==, klass->n_values);
  for (guint i = 0; i < klass->n_values; i++)
    g_assert_cmpstr (json_array_get_string_element (listed, i), ==, klass->values[i].value_nick);
  g_type_class_unref (klass);
}

static void
test_enums (void)
{
  JsonArray *states = enum_of ("invitation", "state");

  assert_enum_is (enum_of ("call", "state"), handset_call_state_get_type ());
  assert_enum_is (enum_of ("call", "direction"), handset_call_direction_get_type ());
  assert_enum_is (enum_of ("call", "end_reason"), handset_call_end_reason_get_type ());
  for (guint i = 0; i < json_array_get_length (states); i++)
    g_assert_cmpstr (json_array_get_string_element (states, i), ==,
                     handset_call_invitation_state_to_string (i));
  g_assert_cmpstr (handset_call_invitation_state_to_string (json_array_get_length (states)), ==,
                   "unknown");
}

#define CALL_ROW                                                                              \
  "\"call_id\": \"c1\", \"room_id\": \"!r:x\", \"direction\": \"incoming\", "                 \
  "\"state\": \"ringing\", \"party_id\": \"p\", \"opponent_user_id\": \"@b:x\", "             \
  "\"opponent_display_name\": \"Bob\", \"opponent_party_id\": \"q\", \"answered_by\": \"\", " \
  "\"end_reason\": \"none\", \"video\": true, \"encrypted\": false, "                         \
  "\"waiting_for_join\": false, \"peer_verified\": false, \"audio_bytes_sent\": 0"

static gboolean
valid (const char *text)
{
  g_autoptr (JsonNode) row = json_from_string (text, NULL);
  g_autofree char *problem = NULL;
  gboolean ok;

  g_assert_nonnull (row);
  ok = handset_test_json_schema_check (schema, row, &problem);
  if (!ok)
    g_test_message ("%s: %s", text, problem);
  return ok;
}

static void
test_checker (void)
{
  g_assert_true (valid ("{" CALL_ROW ", \"audio_bytes_received\": 5}"));
  /* A member missing, one not listed, a value not listed, a wrong type, a
   * negative count. */
  g_assert_false (valid ("{" CALL_ROW "}"));
  g_assert_false (valid ("{" CALL_ROW ", \"audio_bytes_received\": 5, \"extra\": 1}"));
  {
    g_auto (GStrv) parts =
        g_strsplit ("{" CALL_ROW ", \"audio_bytes_received\": 5}", "\"ringing\"", 2);
    g_autofree char *unknown_state = g_strjoinv ("\"ringingx\"", parts);

    g_assert_false (valid (unknown_state));
  }
  g_assert_false (valid ("{" CALL_ROW ", \"audio_bytes_received\": \"5\"}"));
  g_assert_false (valid ("{" CALL_ROW ", \"audio_bytes_received\": -1}"));
  g_assert_false (valid ("[1, 2]"));

  /* An invitation's line, and one with a call ID it cannot have. */
  g_assert_true (
      valid ("{\"call_id\": null, \"room_id\": \"!r:x\", \"direction\": \"incoming\", "
             "\"state\": \"invitation\", \"opponent_user_id\": \"@c:x\", "
             "\"opponent_display_name\": \"c\", \"new_contact\": true, \"video\": false, "
             "\"encrypted\": false, \"peer_verified\": false, \"error\": null}"));
  g_assert_false (valid ("{\"call_id\": \"c\", \"room_id\": \"!r:x\", \"direction\": \"incoming\", "
                         "\"state\": \"invitation\", \"opponent_user_id\": \"@c:x\", "
                         "\"opponent_display_name\": \"c\", \"new_contact\": true, "
                         "\"video\": false, \"encrypted\": false, \"peer_verified\": false, "
                         "\"error\": null}"));
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  schema = handset_test_json_schema_load ("calls-row.schema.json");
  g_test_add_func ("/calls-schema/enums", test_enums);
  g_test_add_func ("/calls-schema/checker", test_checker);
  status = g_test_run ();
  json_node_unref (schema);

  return status;
}
