/* handset-sdp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "handset-sdp.h"

static const char *const directions[] = { "inactive", "recvonly", "sendonly", "sendrecv" };

/* Every format of every RTP media section is a payload type, 0 to 127
 * (SDP allows other text; RTP has seven bits for it). */
static gboolean
payload_types_ok (const GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      /* A data channel's format is a name, not a payload type. */
      if (gst_sdp_media_get_proto (media) == NULL ||
          strstr (gst_sdp_media_get_proto (media), "RTP") == NULL)
        continue;
      for (guint j = 0; j < gst_sdp_media_formats_len (media); j++)
        {
          const char *format = gst_sdp_media_get_format (media, j);
          guint64 type;

          if (format == NULL || !g_ascii_string_to_unsigned (format, 10, 0, 127, &type, NULL))
            return FALSE;
        }
    }

  return TRUE;
}

/* What the other side sent, parsed, or NULL with an error that says it
 * cannot be read: empty (which GStreamer's parser takes for a
 * programming error), larger than any call needs, without media, or with
 * payload types RTP cannot carry. */
GstSDPMessage *
handset_sdp_parse_remote (const char *text, GError **error)
{
  GstSDPMessage *sdp = NULL;

  if (text == NULL || *text == '\0' || strlen (text) > HANDSET_SDP_MAX_BYTES ||
      gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) == 0 || !payload_types_ok (sdp))
    {
      if (sdp != NULL)
        gst_sdp_message_free (sdp);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The other side sent a session description that cannot be read");
      return NULL;
    }

  return sdp;
}

/* The payload type the description gives @encoding in a @media section,
 * or @fallback. */
int
handset_sdp_payload_type (const GstSDPMessage *sdp,
                          const char *media,
                          const char *encoding,
                          int fallback)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (m), media) != 0)
        continue;
      for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (m, j);
          g_auto (GStrv) parts = NULL;
          guint64 type;

          if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL)
            continue;
          parts = g_strsplit_set (attr->value, " /", 3);
          if (parts[0] && parts[1] && g_ascii_strcasecmp (parts[1], encoding) == 0 &&
              g_ascii_string_to_unsigned (parts[0], 10, 0, 127, &type, NULL))
            return (int) type;
        }
    }

  return fallback;
}

/* The first audio section's payload type for "telephone-event/48000"
 * (RFC 4733 tones at Opus's clock), or -1 when it has none. Chrome also
 * offers telephone-event/8000, which goes with its 8 kHz codecs. */
static int
telephone_event_in (const GstSDPMedia *m)
{
  for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (m, j);
      g_auto (GStrv) parts = NULL;
      guint64 type;

      if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL)
        continue;
      parts = g_strsplit_set (attr->value, " /", 4);
      if (parts[0] && parts[1] && parts[2] &&
          g_ascii_strcasecmp (parts[1], "telephone-event") == 0 &&
          g_str_equal (parts[2], "48000") &&
          g_ascii_string_to_unsigned (parts[0], 10, 0, 127, &type, NULL))
        return (int) type;
    }

  return -1;
}

static GstSDPMedia *
first_audio (const GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") == 0)
        return (GstSDPMedia *) m;
    }

  return NULL;
}

int
handset_sdp_telephone_event (const GstSDPMessage *sdp)
{
  const GstSDPMedia *m = first_audio (sdp);

  if (m == NULL || gst_sdp_media_get_port (m) == 0)
    return -1;
  return telephone_event_in (m);
}

static gboolean
has_format (const GstSDPMedia *m, int pt)
{
  for (guint j = 0; j < gst_sdp_media_formats_len (m); j++)
    if (atoi (gst_sdp_media_get_format (m, j)) == pt)
      return TRUE;
  return FALSE;
}

/* Adds telephone-event/48000 (all sixteen keys) to the first audio
 * section, as payload type @pt, or when @pt is -1 as 101 or the first
 * dynamic type free. Returns the payload type it has, or -1 when there
 * is no audio section. */
int
handset_sdp_add_telephone_event (GstSDPMessage *sdp, int pt)
{
  GstSDPMedia *m = first_audio (sdp);
  g_autofree char *number = NULL;
  g_autofree char *rtpmap = NULL;
  g_autofree char *fmtp = NULL;

  if (m == NULL)
    return -1;
  if (telephone_event_in (m) >= 0)
    return telephone_event_in (m);
  if (pt < 0)
    for (pt = 101; has_format (m, pt); pt = pt == 127 ? 96 : pt + 1)
      if (pt == 100)
        return -1; /* every dynamic type taken */
  number = g_strdup_printf ("%d", pt);
  rtpmap = g_strdup_printf ("%d telephone-event/48000", pt);
  fmtp = g_strdup_printf ("%d 0-15", pt);
  gst_sdp_media_add_format (m, number);
  gst_sdp_media_add_attribute (m, "rtpmap", rtpmap);
  gst_sdp_media_add_attribute (m, "fmtp", fmtp);

  return pt;
}

gboolean
handset_sdp_has_media (const GstSDPMessage *sdp, const char *media)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);

      /* Port 0 rejects a section, unless it is bundled into another. */
      if (g_strcmp0 (gst_sdp_media_get_media (m), media) == 0 &&
          (gst_sdp_media_get_port (m) != 0 || gst_sdp_media_get_attribute_val (m, "bundle-only")))
        return TRUE;
    }

  return FALSE;
}

/* The peer's wishes, from the first m-line with a port: a held peer
 * sends sendonly or inactive. */
void
handset_sdp_read_direction (const GstSDPMessage *sdp, gboolean *sends, gboolean *receives)
{
  *sends = *receives = TRUE;
  for (guint m = 0; m < gst_sdp_message_medias_len (sdp); m++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, m);

      if (gst_sdp_media_get_port (media) == 0)
        continue;
      if (gst_sdp_media_get_attribute_val (media, "sendonly") != NULL)
        *receives = FALSE;
      else if (gst_sdp_media_get_attribute_val (media, "recvonly") != NULL)
        *sends = FALSE;
      else if (gst_sdp_media_get_attribute_val (media, "inactive") != NULL)
        *sends = *receives = FALSE;
      return;
    }
}

/* Per m-line: its a=mid into @mids and the stream ID of its a=msid
 * ("a=msid:STREAM TRACK") into @streams, "" where absent. */
void
handset_sdp_read_streams (const GstSDPMessage *sdp, GPtrArray *mids, GPtrArray *streams)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
      const char *mid = gst_sdp_media_get_attribute_val (media, "mid");
      const char *msid = gst_sdp_media_get_attribute_val (media, "msid");

      g_ptr_array_add (mids, g_strdup (mid ? mid : ""));
      g_ptr_array_add (streams, msid ? g_strndup (msid, strcspn (msid, " ")) : g_strdup (""));
    }
}

/* Whether a section of @media that is not refused (port 0 refuses it)
 * sends: its direction is sendrecv or sendonly, or none is given. */
gboolean
handset_sdp_sends (const GstSDPMessage *sdp, const char *media)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (m), media) == 0 && gst_sdp_media_get_port (m) != 0 &&
          gst_sdp_media_get_attribute_val (m, "recvonly") == NULL &&
          gst_sdp_media_get_attribute_val (m, "inactive") == NULL)
        return TRUE;
    }

  return FALSE;
}

/* Whether every section, refused or not, only sends or is inactive, and
 * there is one: the sender holds the call. */
gboolean
handset_sdp_holds (const GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);

      if (gst_sdp_media_get_attribute_val (m, "sendonly") == NULL &&
          gst_sdp_media_get_attribute_val (m, "inactive") == NULL)
        return FALSE;
    }

  return gst_sdp_message_medias_len (sdp) > 0;
}

const char *
handset_sdp_direction_name (gboolean sends, gboolean receives)
{
  return directions[(sends ? 2 : 0) | (receives ? 1 : 0)];
}

static gboolean
is_direction (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    if (g_strcmp0 (key, directions[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Every m-line's direction becomes @direction (sendrecv when absent). */
void
handset_sdp_set_directions (GstSDPMessage *sdp, const char *direction)
{
  for (guint m = 0; m < gst_sdp_message_medias_len (sdp); m++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, m);
      gboolean found = FALSE;

      for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
          GstSDPAttribute replacement;

          if (!is_direction (attr->key))
            continue;
          found = TRUE;
          gst_sdp_attribute_set (&replacement, direction, "");
          gst_sdp_media_replace_attribute (media, a, &replacement);
        }
      if (!found && g_strcmp0 (direction, "sendrecv") != 0)
        gst_sdp_media_add_attribute (media, direction, "");
    }
}

/* Every m-line in the one stream @stream_id. webrtcbin 1.22 writes msid
 * only with ssrc lines once media flows, which is after the first offer;
 * Element plays no track that has no stream. */
void
handset_sdp_add_msid (GstSDPMessage *sdp, const char *stream_id)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
      g_autofree char *value = NULL;

      if (gst_sdp_media_get_attribute_val (media, "msid") != NULL)
        continue;
      value = g_strdup_printf ("%s %s-%s", stream_id, stream_id, gst_sdp_media_get_media (media));
      gst_sdp_media_add_attribute (media, "msid", value);
    }
}

/* The description for the debug log, its ICE passwords left out. */
char *
handset_sdp_to_log (const GstSDPMessage *sdp)
{
  g_autofree char *raw = gst_sdp_message_as_text (sdp);
  g_auto (GStrv) lines = g_strsplit (raw, "\r\n", -1);
  GString *text = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    g_string_append_printf (text, "\n%s",
                            g_str_has_prefix (lines[i], "a=ice-pwd:") ? "a=ice-pwd:…" : lines[i]);
  return g_string_free (text, FALSE);
}
