/* handset-sdp.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading and adjusting session descriptions: what the other side sent is
 * checked before anything else reads it, then read through these.
 */
#pragma once

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* A remote session description larger than this is refused: a call's,
 * with every candidate in it, is a few kilobytes. */
#define HANDSET_SDP_MAX_BYTES (256 * 1024)

GstSDPMessage *handset_sdp_parse_remote (const char *text, GError **error);

int handset_sdp_payload_type (const GstSDPMessage *sdp,
                              const char *media,
                              const char *encoding,
                              int fallback);
int handset_sdp_telephone_event (const GstSDPMessage *sdp);
int handset_sdp_add_telephone_event (GstSDPMessage *sdp, int pt);
gboolean handset_sdp_has_media (const GstSDPMessage *sdp, const char *media);
void handset_sdp_read_direction (const GstSDPMessage *sdp, gboolean *sends, gboolean *receives);
void handset_sdp_read_streams (const GstSDPMessage *sdp, GPtrArray *mids, GPtrArray *streams);
gboolean handset_sdp_sends (const GstSDPMessage *sdp, const char *media);
gboolean handset_sdp_holds (const GstSDPMessage *sdp);

const char *handset_sdp_direction_name (gboolean sends, gboolean receives);
void handset_sdp_set_directions (GstSDPMessage *sdp, const char *direction);
void handset_sdp_add_msid (GstSDPMessage *sdp, const char *stream_id);
char *handset_sdp_to_log (const GstSDPMessage *sdp);

G_END_DECLS
