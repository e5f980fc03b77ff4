/* handset-media-stats.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * webrtcbin's statistics report read into a HandsetMediaStats: bytes and
 * packets each way for audio and video, loss, jitter, round trip, and how
 * the media go (a direct path or a relay). A call's media ask their
 * webrtcbin for one every second (and whenever asked), read it on the
 * main context, and notify their properties.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include "handset-media-session-private.h"
#include "handset-media-stats.h"

#define STATS_INTERVAL_MS 1000

/* "audio" or "video" for each stream of a report, by SSRC, built once per
 * report: webrtcbin 1.22 points every bundled RTP entry at the first
 * m-line's codec, so what tells is, in order, the caps of the pad it
 * arrived on, the codec entry that names the SSRC (what we send), and the
 * peer's a=ssrc lines (what we receive); @received adds what the pads
 * that arrived said (SSRC → kind). */
GHashTable *
handset_media_stats_kinds (const GstStructure *all,
                           const GstSDPMessage *remote,
                           GHashTable *received)
{
  GHashTable *kinds = g_hash_table_new (NULL, NULL);
  int n = gst_structure_n_fields (all);

  for (guint m = 0; remote != NULL && m < gst_sdp_message_medias_len (remote); m++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (remote, m);
      const char *kind =
          g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0 ? "video" : "audio";

      for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);

          if (g_strcmp0 (attr->key, "ssrc") == 0 && attr->value != NULL)
            g_hash_table_insert (
                kinds, GUINT_TO_POINTER ((guint) g_ascii_strtoull (attr->value, NULL, 10)),
                (gpointer) kind);
        }
    }

  for (int i = 0; i < n; i++)
    {
      const GValue *value = gst_structure_get_value (all, gst_structure_nth_field_name (all, i));
      const GstStructure *codec;
      GstWebRTCStatsType type = 0;
      const char *mime;
      guint ssrc = 0;

      if (!G_VALUE_HOLDS (value, GST_TYPE_STRUCTURE))
        continue;
      codec = gst_value_get_structure (value);
      if (gst_structure_get (codec, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL) &&
          type == GST_WEBRTC_STATS_CODEC && gst_structure_get_uint (codec, "ssrc", &ssrc) &&
          (mime = gst_structure_get_string (codec, "mime-type")) != NULL)
        g_hash_table_insert (kinds, GUINT_TO_POINTER (ssrc),
                             (gpointer) (g_str_has_prefix (mime, "video/") ? "video" : "audio"));
    }

  if (received != NULL)
    {
      GHashTableIter iter;
      gpointer ssrc, kind;

      g_hash_table_iter_init (&iter, received);
      while (g_hash_table_iter_next (&iter, &ssrc, &kind))
        g_hash_table_insert (kinds, ssrc, kind);
    }

  return kinds;
}

static void
read_entry (HandsetMediaStats *stats,
            const GstStructure *entry,
            const GstStructure *all,
            GHashTable *kinds)
{
  GstWebRTCStatsType type = 0;
  const char *kind = NULL;
  guint64 bytes = 0, packets = 0;
  guint ssrc = 0;
  gboolean video;

  if (!gst_structure_get (entry, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL))
    return;

  if (gst_structure_get_uint (entry, "ssrc", &ssrc))
    kind = g_hash_table_lookup (kinds, GUINT_TO_POINTER (ssrc));
  /* Else the kind is in the codec entry the RTP entry points at. */
  if (kind == NULL)
    {
      const char *codec_id = gst_structure_get_string (entry, "codec-id");
      const GstStructure *codec = NULL;

      if (codec_id != NULL && gst_structure_has_field_typed (all, codec_id, GST_TYPE_STRUCTURE))
        codec = gst_value_get_structure (gst_structure_get_value (all, codec_id));
      if (codec != NULL)
        {
          const char *mime = gst_structure_get_string (codec, "mime-type");

          kind = mime && g_str_has_prefix (mime, "video/") ? "video" : "audio";
        }
      else
        kind = gst_structure_get_string (entry, "kind");
    }
  video = g_strcmp0 (kind, "video") == 0;
  switch (type)
    {
      case GST_WEBRTC_STATS_OUTBOUND_RTP:
        gst_structure_get_uint64 (entry, "bytes-sent", &bytes);
        gst_structure_get_uint64 (entry, "packets-sent", &packets);
        if (video)
          stats->video_bytes_sent = bytes, stats->video_packets_sent = packets;
        else
          stats->audio_bytes_sent = bytes, stats->audio_packets_sent = packets;
        break;
      case GST_WEBRTC_STATS_INBOUND_RTP:
        {
          gint64 lost = 0;
          double jitter = 0;

          gst_structure_get_uint64 (entry, "bytes-received", &bytes);
          gst_structure_get_uint64 (entry, "packets-received", &packets);
          if (gst_structure_get_int64 (entry, "packets-lost", &lost))
            stats->packets_lost = lost;
          if (gst_structure_get_double (entry, "jitter", &jitter))
            stats->jitter = jitter;
          if (video)
            stats->video_bytes_received = bytes, stats->video_packets_received = packets;
          else
            stats->audio_bytes_received = bytes, stats->audio_packets_received = packets;
        }
        break;
      case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
        {
          double rtt = 0;

          if (gst_structure_get_double (entry, "round-trip-time", &rtt))
            stats->round_trip_time = rtt;
        }
        break;
      case GST_WEBRTC_STATS_LOCAL_CANDIDATE:
      case GST_WEBRTC_STATS_REMOTE_CANDIDATE:
        {
          /* 1.22 labels these the wrong way round; either end's type serves:
           * a relayed pair has a relay candidate at one end. */
          const char *candidate_type = gst_structure_get_string (entry, "candidate-type");

          if (candidate_type != NULL &&
              (stats->candidate_pair_type[0] == '\0' || g_str_equal (candidate_type, "relay")))
            g_strlcpy (stats->candidate_pair_type, candidate_type,
                       sizeof stats->candidate_pair_type);
        }
        break;
      default:
        break;
    }
}

/**
 * handset_media_stats_read:
 * @kinds: from handset_media_stats_kinds() for the same report
 *
 * Reads a report of webrtcbin's "get-stats" into @stats; what the report
 * does not say stays as it was.
 */
void
handset_media_stats_read (HandsetMediaStats *stats, const GstStructure *all, GHashTable *kinds)
{
  int n = gst_structure_n_fields (all);

  for (int i = 0; i < n; i++)
    {
      const GValue *value = gst_structure_get_value (all, gst_structure_nth_field_name (all, i));

      if (G_VALUE_HOLDS (value, GST_TYPE_STRUCTURE))
        read_entry (stats, gst_value_get_structure (value), all, kinds);
    }
}

/* ------------------------------------------------------------------ a call's */

static gboolean
stats_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;
  GstStructure *stats = invoke->data;
  GstWebRTCSessionDescription *remote = NULL;
  g_autoptr (GHashTable) kinds = NULL;

  if (self->webrtc != NULL)
    g_object_get (self->webrtc, "current-remote-description", &remote, NULL);
  g_mutex_lock (&self->received_lock);
  kinds =
      handset_media_stats_kinds (stats, remote != NULL ? remote->sdp : NULL, self->received_kinds);
  g_mutex_unlock (&self->received_lock);
  if (remote != NULL)
    gst_webrtc_session_description_free (remote);
  handset_media_stats_read (&self->stats, stats, kinds);
  handset_media_session_adapt_latency (self);

  handset_media_session_notify_stats (self);

  return G_SOURCE_REMOVE;
}

static void
on_stats (GstPromise *promise, gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (user_data);
  const GstStructure *reply = gst_promise_get_reply (promise);

  if (reply != NULL)
    handset_media_session_run_in_main (self, stats_in_main, gst_structure_copy (reply),
                                       (GDestroyNotify) gst_structure_free);
  gst_promise_unref (promise);
}

/**
 * handset_media_session_update_stats:
 *
 * Asks webrtcbin for statistics; the properties follow shortly after.
 */
void
handset_media_session_update_stats (HandsetMediaSession *self)
{
  GstPromise *promise;

  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  if (self->closed)
    return;
  promise = gst_promise_new_with_change_func (on_stats, g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtc, "get-stats", NULL, promise);
}

static gboolean
stats_timer_cb (gpointer user_data)
{
  handset_media_session_update_stats (HANDSET_MEDIA_SESSION (user_data));
  return G_SOURCE_CONTINUE;
}

/* Every second, until the media close. */
void
handset_media_session_start_stats (HandsetMediaSession *self)
{
  self->stats_timer = g_timeout_add (STATS_INTERVAL_MS, stats_timer_cb, self);
}
