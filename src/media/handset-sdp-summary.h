/* handset-sdp-summary.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a call reads of a session description, in plain types: the layers
 * above the media include no GStreamer, so they ask this instead of
 * handset-sdp.h.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* How many media sections (m-lines) it has. */
  guint n_sections;
  /* A video section not refused (its port is not 0) whose direction
   * sends: sendrecv or sendonly, or none given. */
  gboolean sends_video;
  /* It has sections, and every one only sends or is inactive: the sender
   * holds the call. */
  gboolean holds;
} HandsetSdpSummary;

void handset_sdp_summarize (const char *sdp, HandsetSdpSummary *summary);

G_END_DECLS
