/* handset-sdp-summary.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "handset-sdp-summary.h"
#include "handset-sdp.h"

/**
 * handset_sdp_summarize:
 * @sdp: (nullable): a session description, as the other side sent it
 * @summary: (out caller-allocates): what it says
 *
 * Reads @sdp for a call: whether it sends video, whether it holds. The
 * text is read as it comes, without the checks of
 * handset_sdp_parse_remote(): the media refuse a description they cannot
 * use when it is set. Without text, or without media sections, the
 * summary says no sections, no video, no hold.
 */
void
handset_sdp_summarize (const char *sdp, HandsetSdpSummary *summary)
{
  GstSDPMessage *message = NULL;

  g_return_if_fail (summary != NULL);

  memset (summary, 0, sizeof (*summary));
  /* GStreamer's parser takes an empty text for a programming error. */
  if (sdp == NULL || *sdp == '\0' || gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK)
    return;

  summary->n_sections = gst_sdp_message_medias_len (message);
  summary->sends_video = handset_sdp_sends (message, "video");
  summary->holds = handset_sdp_holds (message);
  gst_sdp_message_free (message);
}
