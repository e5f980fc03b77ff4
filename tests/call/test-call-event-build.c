/* test-call-event-build.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The m.call.* builders, each event read back by the parser
 * (call-event-fixture.c), and a screen share in our stream metadata read
 * as Element and js-sdk read it.
 */

#include "config.h"

#include "call-event-fixture.h"

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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-event/round-trip", test_round_trip);
  g_test_add_func ("/call-event/screenshare-metadata", test_screenshare_metadata);

  return g_test_run ();
}
