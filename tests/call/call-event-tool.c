/* call-event-tool.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds the m.call.* builders and parser to check-call-events.py, which
 * holds them against the schemas and examples of the Matrix spec.
 *
 *   call-event-tool build   one full room event per line, from every builder
 *   call-event-tool parse   one event per line on stdin; "ok TYPE" or
 *                           "invalid MESSAGE" for each
 */

#include "config.h"

#include <stdio.h>

#include "handset-call-event.h"

/* check-call-events.py relies on these: every party ID is at least 8
 * characters and every invite is built with a lifetime of 90000. */
#define CALL_ID            "1700000000000AbCdEfGhIjKlMnOp"
#define ODD_CALL_ID        "a.b_c~d-e.0123456789"
#define PARTY_ID           "PartyAbc1"
#define OTHER_PARTY_ID     "OtherXyz2"
#define INVITE_LIFETIME    90000
#define NEGOTIATE_LIFETIME 10000
#define STREAM_ID          "3b1d5c6e-stream"
#define SDP                                                               \
  "v=0\r\no=- 6584580628695956864 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=msid:" STREAM_ID " audio0\r\n"

static void
print_event (HandsetCallEventType type, JsonObject *content)
{
  g_autoptr (JsonObject) event = json_object_new ();
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  JsonObject *unsigned_data = json_object_new ();

  json_object_set_string_member (event, "type", handset_call_event_type_to_string (type));
  json_object_set_object_member (event, "content", content);
  json_object_set_string_member (event, "event_id", "$x");
  json_object_set_string_member (event, "sender", "@a:example.org");
  json_object_set_int_member (event, "origin_server_ts", 1);
  json_object_set_string_member (event, "room_id", "!r:example.org");
  json_object_set_int_member (unsigned_data, "age", 1);
  json_object_set_object_member (event, "unsigned", unsigned_data);

  json_node_set_object (root, event);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

static int
build (void)
{
  const char *reasons[] = {
    HANDSET_HANGUP_USER_HANGUP,   HANDSET_HANGUP_INVITE_TIMEOUT,    HANDSET_HANGUP_ICE_FAILED,
    HANDSET_HANGUP_ICE_TIMEOUT,   HANDSET_HANGUP_USER_MEDIA_FAILED, HANDSET_HANGUP_USER_BUSY,
    HANDSET_HANGUP_UNKNOWN_ERROR,
  };
  g_autoptr (JsonObject) metadata =
      handset_call_event_build_stream_metadata (STREAM_ID, FALSE, FALSE);
  g_autoptr (JsonObject) muted = handset_call_event_build_stream_metadata (STREAM_ID, TRUE, TRUE);
  g_autoptr (GPtrArray) candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  g_autoptr (GPtrArray) only_end =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  g_autofree char *longest_id = g_strnfill (255, 'z');

  g_ptr_array_add (
      candidates, handset_ice_candidate_new (
                      "candidate:1 1 udp 2122260223 10.0.0.2 43670 typ host generation 0", "0", 0));
  g_ptr_array_add (
      candidates, handset_ice_candidate_new (
                      "candidate:2 1 udp 1686052607 192.0.2.7 43670 typ srflx raddr 10.0.0.2 rport "
                      "43670 generation 0",
                      "0", -1));
  g_ptr_array_add (
      candidates,
      handset_ice_candidate_new (
          "candidate:3 1 udp 41885439 198.51.100.4 3478 typ relay raddr 192.0.2.7 rport "
          "43670 generation 0",
          NULL, 1));
  /* Given an sdpMid, which the builder must leave out for the end. */
  g_ptr_array_add (candidates, handset_ice_candidate_new ("", "0", 0));
  g_ptr_array_add (only_end, handset_ice_candidate_new ("", NULL, -1));

  print_event (HANDSET_CALL_EVENT_INVITE, handset_call_event_build_invite (
                                              CALL_ID, PARTY_ID, SDP, INVITE_LIFETIME, NULL, NULL));
  print_event (HANDSET_CALL_EVENT_INVITE,
               handset_call_event_build_invite (CALL_ID, PARTY_ID, SDP, INVITE_LIFETIME,
                                                "@bob:example.org", metadata));
  print_event (
      HANDSET_CALL_EVENT_INVITE,
      handset_call_event_build_invite (ODD_CALL_ID, longest_id, SDP, INVITE_LIFETIME, NULL, muted));

  print_event (HANDSET_CALL_EVENT_ANSWER,
               handset_call_event_build_answer (CALL_ID, OTHER_PARTY_ID, SDP, NULL));
  print_event (HANDSET_CALL_EVENT_ANSWER,
               handset_call_event_build_answer (CALL_ID, OTHER_PARTY_ID, SDP, metadata));

  print_event (HANDSET_CALL_EVENT_CANDIDATES,
               handset_call_event_build_candidates (CALL_ID, PARTY_ID, candidates));
  print_event (HANDSET_CALL_EVENT_CANDIDATES,
               handset_call_event_build_candidates (CALL_ID, OTHER_PARTY_ID, only_end));

  print_event (HANDSET_CALL_EVENT_SELECT_ANSWER,
               handset_call_event_build_select_answer (CALL_ID, PARTY_ID, OTHER_PARTY_ID));
  print_event (HANDSET_CALL_EVENT_REJECT,
               handset_call_event_build_reject (CALL_ID, OTHER_PARTY_ID));

  print_event (HANDSET_CALL_EVENT_NEGOTIATE,
               handset_call_event_build_negotiate (CALL_ID, PARTY_ID, "offer", SDP,
                                                   NEGOTIATE_LIFETIME, NULL));
  print_event (HANDSET_CALL_EVENT_NEGOTIATE,
               handset_call_event_build_negotiate (CALL_ID, OTHER_PARTY_ID, "answer", SDP,
                                                   NEGOTIATE_LIFETIME, muted));

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    print_event (HANDSET_CALL_EVENT_HANGUP,
                 handset_call_event_build_hangup (CALL_ID, PARTY_ID, reasons[i]));
  print_event (HANDSET_CALL_EVENT_HANGUP,
               handset_call_event_build_hangup (CALL_ID, PARTY_ID, NULL));

  print_event (HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED,
               handset_call_event_build_sdp_stream_metadata_changed (CALL_ID, PARTY_ID, muted));
  print_event (HANDSET_CALL_EVENT_SDP_STREAM_METADATA_CHANGED,
               handset_call_event_build_sdp_stream_metadata_changed (CALL_ID, PARTY_ID, metadata));

  return fflush (stdout) == 0 ? 0 : 1;
}

/* Returns whether the line holds a valid call event. */
static gboolean
parse_line (const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (HandsetCallEvent) event = NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, -1, &error))
    {
      printf ("invalid JSON: %s\n", error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      printf ("invalid event is not a JSON object\n");
      return FALSE;
    }

  event = handset_call_event_parse (json_node_get_object (root), "!r:example.org",
                                    g_get_monotonic_time (), &error);
  if (event == NULL)
    {
      printf ("invalid %s\n", error->message);
      return FALSE;
    }

  printf ("ok %s\n", handset_call_event_type_to_string (handset_call_event_get_event_type (event)));
  return TRUE;
}

static int
parse (void)
{
  g_autoptr (GIOChannel) channel = g_io_channel_unix_new (fileno (stdin));
  g_autoptr (GError) error = NULL;
  gboolean all_valid = TRUE;
  GIOStatus status;

  /* Events are UTF-8 JSON; let the JSON parser judge the bytes. */
  g_io_channel_set_encoding (channel, NULL, NULL);

  for (;;)
    {
      g_autofree char *line = NULL;
      gsize length = 0;

      status = g_io_channel_read_line (channel, &line, &length, NULL, &error);
      if (status != G_IO_STATUS_NORMAL)
        break;
      g_strchomp (line);
      if (line[0] == '\0')
        continue;
      if (!parse_line (line))
        all_valid = FALSE;
    }

  if (status == G_IO_STATUS_ERROR)
    {
      g_printerr ("call-event-tool: reading stdin: %s\n", error->message);
      return 2;
    }

  fflush (stdout);
  return all_valid ? 0 : 1;
}

int
main (int argc, char *argv[])
{
  if (argc == 2 && g_str_equal (argv[1], "build"))
    return build ();
  if (argc == 2 && g_str_equal (argv[1], "parse"))
    return parse ();

  g_printerr ("usage: %s build|parse\n", argv[0]);
  return 2;
}
