/* handset-media-cache.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-matrix-client.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_MEDIA_CACHE (handset_media_cache_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMediaCache, handset_media_cache, HANDSET, MEDIA_CACHE, GObject)

/* Larger answers are not images Handset asked for. */
#define HANDSET_MEDIA_CACHE_MAX_BYTES (4 * 1024 * 1024)

HandsetMediaCache *handset_media_cache_new (HandsetMatrixClient *client, const char *directory);

const char *handset_media_cache_get_directory (HandsetMediaCache *self);

void handset_media_cache_get_thumbnail_async (HandsetMediaCache *self,
                                              const char *mxc_uri,
                                              int width,
                                              int height,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
GBytes *handset_media_cache_get_thumbnail_finish (HandsetMediaCache *self,
                                                  GAsyncResult *result,
                                                  gboolean *from_disk,
                                                  GError **error);
void
handset_media_cache_forget (HandsetMediaCache *self, const char *mxc_uri, int width, int height);

G_END_DECLS
