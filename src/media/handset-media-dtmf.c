/* handset-media-dtmf.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tones (the keys of a keypad) in a call's audio, as RFC 4733
 * telephone-events at Opus's clock, 48 kHz. Our descriptions offer
 * telephone-event/48000 on the audio m-line (webrtcbin 1.22 only writes
 * the payload types of its sink pad's caps), and an answer takes it when
 * the offer had it; the peer's payload type for it is the one we send.
 *
 * Sent: in the place of the sound's own packets, in the payloader's
 * streaming thread, so the sound gets no other thread nor latency: each
 * key is about 100 ms of event packets (the first marked, all with the
 * timestamp it started at), its end said three times, then a gap before
 * the next key. The packets keep the sound's SSRC and sequence numbers.
 * Muted, the sound flows while there are tones to send, and every one of
 * its packets is replaced: in the gaps by the last tone's end once more,
 * which the peer takes for a repeat. On hold nothing is sent, and tones
 * not yet sent are dropped.
 *
 * Received: webrtcbin gives the peer's telephone-events a pad of their
 * own; each event is read from its payload (first byte the key, 0-15,
 * the end bit in the second) and ::dtmf-received is emitted once per
 * key, at its end, on the main context.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <string.h>

#include "handset-media-session-private.h"
#include "handset-sdp.h"

#define CLOCK_RATE     48000
#define TONE_SAMPLES   (CLOCK_RATE / 10) /* 100 ms */
#define END_REPEATS    2                 /* the end is said three times */
#define GAP_PACKETS    2                 /* with the repeats, 80 ms between keys */
#define VOLUME         10                /* -10 dBm0 */
#define RTP_HEADER     12
#define PACKET_SAMPLES 960 /* Opus's 20 ms, when a buffer gives no duration */

static const char keys[] = "0123456789*#ABCD";

/* ------------------------------------------------------------------ state */

void
handset_media_session_dtmf_init (HandsetMediaSession *self)
{
  g_mutex_init (&self->dtmf_lock);
  self->dtmf_pt = -1;
  self->dtmf_queue = g_string_new (NULL);
}

void
handset_media_session_dtmf_clear (HandsetMediaSession *self)
{
  g_string_free (self->dtmf_queue, TRUE);
  g_mutex_clear (&self->dtmf_lock);
}

/* The peer's description: whether it takes tones, and as which type. */
void
handset_media_session_read_remote_dtmf (HandsetMediaSession *self, const GstSDPMessage *sdp)
{
  int pt = handset_sdp_telephone_event (sdp);

  g_mutex_lock (&self->dtmf_lock);
  self->dtmf_pt = pt;
  g_mutex_unlock (&self->dtmf_lock);
  g_debug ("The other side %s tones%s%d", pt >= 0 ? "takes" : "does not take",
           pt >= 0 ? " as payload type " : ", ", pt);
}

/* Ours, before webrtcbin takes it: an offer has telephone-event, an
 * answer has it with the offer's payload type when the offer had it. */
void
handset_media_session_offer_dtmf (HandsetMediaSession *self,
                                  GstWebRTCSDPType type,
                                  GstSDPMessage *sdp)
{
  int pt = -1;

  if (type == GST_WEBRTC_SDP_TYPE_ANSWER)
    {
      g_mutex_lock (&self->dtmf_lock);
      pt = self->dtmf_pt;
      g_mutex_unlock (&self->dtmf_lock);
      if (pt < 0)
        return;
    }
  handset_sdp_add_telephone_event (sdp, pt);
}

/* ------------------------------------------------------------------ sending */

/* A telephone-event packet in the place of @sound: its SSRC, sequence
 * number and times, the rest ours. */
static GstBuffer *
tone_packet (GstBuffer *sound, int pt, gboolean marker, guint32 timestamp, guint8 payload[4])
{
  GstMapInfo map;
  guint8 *data = g_malloc (RTP_HEADER + 4);
  GstBuffer *tone;

  if (!gst_buffer_map (sound, &map, GST_MAP_READ))
    {
      g_free (data);
      return NULL;
    }
  if (map.size < RTP_HEADER || (map.data[0] >> 6) != 2)
    {
      gst_buffer_unmap (sound, &map);
      g_free (data);
      return NULL;
    }
  memcpy (data, map.data, RTP_HEADER);
  gst_buffer_unmap (sound, &map);

  data[0] = 0x80; /* version 2, no padding, extension or CSRC */
  data[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  data[4] = timestamp >> 24;
  data[5] = timestamp >> 16;
  data[6] = timestamp >> 8;
  data[7] = timestamp;
  memcpy (data + RTP_HEADER, payload, 4);

  tone = gst_buffer_new_wrapped (data, RTP_HEADER + 4);
  gst_buffer_copy_into (tone, sound, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  return tone;
}

static guint32
rtp_timestamp (GstBuffer *buffer)
{
  guint8 header[8];

  if (gst_buffer_extract (buffer, 0, header, sizeof header) != sizeof header)
    return 0;
  return ((guint32) header[4] << 24) | ((guint32) header[5] << 16) | ((guint32) header[6] << 8) |
         header[7];
}

static gboolean
flow_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;

  handset_media_session_update_flow (invoke->self);
  return G_SOURCE_REMOVE;
}

/* Muted: the last tone's end once more, or nothing. Under the lock. */
static GstBuffer *
repeat_packet (HandsetMediaSession *self, GstBuffer *sound)
{
  if (!self->dtmf_sent_any)
    return NULL;
  return tone_packet (sound, self->dtmf_pt, FALSE, self->dtmf_timestamp, self->dtmf_last);
}

/* What goes in the place of @sound, or %NULL to let it through (muted,
 * to drop it). Under the lock. */
static GstBuffer *
next_packet (HandsetMediaSession *self, GstBuffer *sound)
{
  gboolean silent = g_atomic_int_get (&self->dtmf_silent);
  guint8 payload[4];
  gboolean first = FALSE;
  guint32 samples = PACKET_SAMPLES;

  if (self->dtmf_ended && self->dtmf_packets >= END_REPEATS + GAP_PACKETS)
    {
      /* The gap is over: the next key, if there is one. */
      g_string_erase (self->dtmf_queue, 0, 1);
      self->dtmf_duration = 0;
      self->dtmf_packets = 0;
      self->dtmf_ended = FALSE;
    }
  if (self->dtmf_queue->len == 0 || self->dtmf_pt < 0)
    {
      g_string_truncate (self->dtmf_queue, 0);
      self->dtmf_duration = 0;
      /* Muted: the valve closes again. */
      if (g_atomic_int_compare_and_exchange (&self->dtmf_pending, TRUE, FALSE) && silent)
        handset_media_session_run_in_main (self, flow_in_main, NULL, NULL);
      return silent && self->dtmf_pt >= 0 ? repeat_packet (self, sound) : NULL;
    }

  if (self->dtmf_ended)
    {
      self->dtmf_packets++;
      if (self->dtmf_packets > END_REPEATS)
        return silent ? repeat_packet (self, sound) : NULL; /* the gap */
    }
  else
    {
      if (GST_BUFFER_DURATION_IS_VALID (sound))
        samples = gst_util_uint64_scale_round (GST_BUFFER_DURATION (sound), CLOCK_RATE, GST_SECOND);
      first = self->dtmf_duration == 0;
      if (first)
        self->dtmf_timestamp = rtp_timestamp (sound);
      self->dtmf_duration = MIN (self->dtmf_duration + samples, G_MAXUINT16);
      self->dtmf_ended = self->dtmf_duration >= TONE_SAMPLES;
    }

  payload[0] = strchr (keys, self->dtmf_queue->str[0]) - keys;
  payload[1] = (self->dtmf_ended ? 0x80 : 0) | VOLUME;
  payload[2] = self->dtmf_duration >> 8;
  payload[3] = self->dtmf_duration & 0xff;
  memcpy (self->dtmf_last, payload, sizeof payload);
  self->dtmf_sent_any = TRUE;
  return tone_packet (sound, self->dtmf_pt, first, self->dtmf_timestamp, payload);
}

static GstPadProbeReturn
on_sound_packet (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HandsetMediaSession *self = user_data;
  GstBuffer *sound = GST_PAD_PROBE_INFO_BUFFER (info);
  GstBuffer *tone;
  gboolean silent;

  /* The sound's own path: two atomic reads. */
  if (!g_atomic_int_get (&self->dtmf_pending) && !g_atomic_int_get (&self->dtmf_silent))
    return GST_PAD_PROBE_OK;

  g_mutex_lock (&self->dtmf_lock);
  silent = g_atomic_int_get (&self->dtmf_silent);
  tone = next_packet (self, sound);
  g_mutex_unlock (&self->dtmf_lock);
  if (tone != NULL)
    {
      gst_buffer_unref (sound);
      GST_PAD_PROBE_INFO_DATA (info) = tone;
    }
  else if (silent)
    return GST_PAD_PROBE_DROP; /* muted: no sound leaves */

  return GST_PAD_PROBE_OK;
}

/* How the sound flows, from handset_media_session_update_flow(): muted,
 * whether tones are still to go out; on hold, none will. Returns whether
 * there are tones to send. */
gboolean
handset_media_session_dtmf_flow (HandsetMediaSession *self, gboolean muted, gboolean quiet)
{
  gboolean pending;

  g_mutex_lock (&self->dtmf_lock);
  g_atomic_int_set (&self->dtmf_silent, muted);
  if (quiet && self->dtmf_queue->len > 0)
    {
      g_debug ("On hold: tones not sent: %s", self->dtmf_queue->str);
      g_string_truncate (self->dtmf_queue, 0);
      self->dtmf_duration = 0;
      self->dtmf_packets = 0;
      self->dtmf_ended = FALSE;
      self->dtmf_sent_any = FALSE; /* a tone cut short is not repeated */
      g_atomic_int_set (&self->dtmf_pending, FALSE);
    }
  pending = self->dtmf_queue->len > 0;
  g_mutex_unlock (&self->dtmf_lock);

  return pending;
}

/* Tones go out from @payloader, Opus's. */
void
handset_media_session_send_dtmf_from (HandsetMediaSession *self, GstElement *payloader)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (payloader, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_sound_packet, self, NULL);
}

static gboolean
session_send_dtmf (HandsetMedia *media, const char *tones, GError **error)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  gboolean taken;

  if (self->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The call ended");
      return FALSE;
    }
  if (self->hold || !self->remote_receives)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "No tones can be sent while the call is on hold");
      return FALSE;
    }
  g_mutex_lock (&self->dtmf_lock);
  taken = self->dtmf_pt >= 0;
  if (taken)
    {
      g_string_append (self->dtmf_queue, tones);
      g_atomic_int_set (&self->dtmf_pending, TRUE);
    }
  g_mutex_unlock (&self->dtmf_lock);
  if (!taken)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "The other side does not take tones");
      return FALSE;
    }
  g_debug ("Tones queued: %s", tones);
  /* Muted, the sound flows for them. */
  handset_media_session_update_flow (self);

  return TRUE;
}

void
handset_media_session_dtmf_iface_init (HandsetMediaInterface *iface)
{
  iface->send_dtmf = session_send_dtmf;
}

/* ------------------------------------------------------------------ receiving */

static gboolean
tone_received_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  char tone[2] = { GPOINTER_TO_INT (invoke->data), '\0' };

  g_debug ("Tone received: %s", tone);
  g_signal_emit_by_name (invoke->self, "dtmf-received", tone);

  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
on_tone_packet (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HandsetMediaSession *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gsize offset;
  guint32 timestamp;
  guint8 event;
  gboolean new_tone = FALSE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  offset = RTP_HEADER + 4 * (map.size > 0 ? map.data[0] & 0x0f : 0);
  if (map.size >= RTP_HEADER && (map.data[0] & 0x10) && map.size >= offset + 4)
    offset += 4 + 4 * (((gsize) map.data[offset + 2] << 8) | map.data[offset + 3]);
  if (map.size < RTP_HEADER || (map.data[0] >> 6) != 2 || map.size < offset + 4 ||
      !(map.data[offset + 1] & 0x80) || map.data[offset] >= 16)
    {
      gst_buffer_unmap (buffer, &map);
      return GST_PAD_PROBE_OK;
    }
  event = map.data[offset];
  timestamp = ((guint32) map.data[4] << 24) | ((guint32) map.data[5] << 16) |
              ((guint32) map.data[6] << 8) | map.data[7];
  gst_buffer_unmap (buffer, &map);

  /* The end is said more than once: a key is its start's timestamp. */
  g_mutex_lock (&self->dtmf_lock);
  if (!self->dtmf_received_any || self->dtmf_received_timestamp != timestamp)
    {
      self->dtmf_received_any = TRUE;
      self->dtmf_received_timestamp = timestamp;
      new_tone = TRUE;
    }
  g_mutex_unlock (&self->dtmf_lock);
  if (new_tone)
    handset_media_session_run_in_main (self, tone_received_in_main,
                                       GINT_TO_POINTER ((int) keys[event]), NULL);

  return GST_PAD_PROBE_OK;
}

/* Whether @pad, new on webrtcbin, is the peer's telephone-events; if so
 * it is read here, and goes nowhere near the speaker. */
gboolean
handset_media_session_receive_dtmf (HandsetMediaSession *self, GstPad *pad)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *s = caps != NULL ? gst_caps_get_structure (caps, 0) : NULL;
  const char *encoding = s != NULL ? gst_structure_get_string (s, "encoding-name") : NULL;
  GstElement *sink;
  g_autoptr (GstPad) sink_pad = NULL;

  if (g_ascii_strcasecmp (encoding ? encoding : "", "TELEPHONE-EVENT") != 0)
    return FALSE;

  g_debug ("The other side's tones arrive");
  sink = handset_media_make_element ("fakesink", NULL);
  g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_tone_packet, self, NULL);
  gst_pad_link (pad, sink_pad);

  return TRUE;
}
