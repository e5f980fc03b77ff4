/* handset-call-event-metadata.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `sdp_stream_metadata` (MSC3077): what each stream of a call is for, and
 * whether it is muted. Builds ours and reads the peer's.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-event.h"

/**
 * handset_call_event_add_screenshare:
 * @metadata: an `sdp_stream_metadata` map
 * @stream_id: the msid stream ID of our screen share
 *
 * Adds our screen share to @metadata: purpose `m.screenshare`, video
 * only.
 */
void
handset_call_event_add_screenshare (JsonObject *metadata, const char *stream_id)
{
  JsonObject *stream = json_object_new ();

  json_object_set_string_member (stream, "purpose", "m.screenshare");
  json_object_set_boolean_member (stream, "audio_muted", TRUE);
  json_object_set_boolean_member (stream, "video_muted", FALSE);
  json_object_set_object_member (metadata, stream_id, stream);
}

/**
 * handset_call_event_metadata_streams:
 * @metadata: (nullable): the peer's `sdp_stream_metadata`
 * @purpose: which streams: `m.usermedia` or `m.screenshare`
 * @video_muted: (out) (optional): whether the first such stream says its
 *   video is muted
 *
 * Reads the streams of @metadata with that purpose; anything that is not
 * an object with a string purpose is skipped.
 *
 * Returns: (transfer full): their stream IDs, %NULL-terminated (empty
 *   when there are none)
 */
char **
handset_call_event_metadata_streams (JsonObject *metadata,
                                     HandsetMediaPurpose purpose,
                                     gboolean *video_muted)
{
  const char *wanted =
      purpose == HANDSET_MEDIA_PURPOSE_SCREENSHARE ? "m.screenshare" : "m.usermedia";
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GList) streams = NULL;
  gboolean first = TRUE;

  if (video_muted != NULL)
    *video_muted = FALSE;
  if (metadata != NULL)
    streams = json_object_get_members (metadata);
  for (GList *l = streams; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (metadata, l->data);
      JsonObject *stream = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *kind = stream ? json_object_get_member (stream, "purpose") : NULL;
      JsonNode *flag;

      if (kind == NULL || !JSON_NODE_HOLDS_VALUE (kind) ||
          json_node_get_value_type (kind) != G_TYPE_STRING ||
          g_strcmp0 (json_node_get_string (kind), wanted) != 0)
        continue;
      g_strv_builder_add (builder, l->data);
      if (!first || video_muted == NULL)
        continue;
      first = FALSE;
      flag = json_object_get_member (stream, "video_muted");
      *video_muted = flag && JSON_NODE_HOLDS_VALUE (flag) &&
                     json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
                     json_node_get_boolean (flag);
    }

  return g_strv_builder_end (builder);
}

/**
 * handset_call_event_build_stream_metadata:
 * @stream_id: the msid stream ID of our camera and microphone stream
 *
 * Returns: (transfer full): an `sdp_stream_metadata` map with that one
 *   stream
 */
JsonObject *
handset_call_event_build_stream_metadata (const char *stream_id,
                                          gboolean audio_muted,
                                          gboolean video_muted)
{
  JsonObject *metadata = json_object_new ();
  JsonObject *stream = json_object_new ();

  json_object_set_string_member (stream, "purpose", "m.usermedia");
  json_object_set_boolean_member (stream, "audio_muted", audio_muted);
  json_object_set_boolean_member (stream, "video_muted", video_muted);
  json_object_set_object_member (metadata, stream_id, stream);

  return metadata;
}
