/* handset-media-stats.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "handset-media.h"

G_BEGIN_DECLS

GHashTable *handset_media_stats_kinds (const GstStructure *all,
                                       const GstSDPMessage *remote,
                                       GHashTable *received);
void
handset_media_stats_read (HandsetMediaStats *stats, const GstStructure *all, GHashTable *kinds);

G_END_DECLS
