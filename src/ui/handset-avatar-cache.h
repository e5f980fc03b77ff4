/* handset-avatar-cache.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "handset-media-cache.h"
#include "handset-session.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_AVATAR_CACHE (handset_avatar_cache_get_type ())
G_DECLARE_FINAL_TYPE (HandsetAvatarCache, handset_avatar_cache, HANDSET, AVATAR_CACHE, GObject)

/* The thumbnail size asked of the homeserver: crisp at the largest
 * AdwAvatar Handset shows (96 px in the call view). */
#define HANDSET_AVATAR_THUMBNAIL_SIZE 96

HandsetAvatarCache *handset_avatar_cache_new (HandsetMediaCache *media);
HandsetAvatarCache *handset_avatar_cache_get_for_session (HandsetSession *session);

GdkTexture *handset_avatar_cache_lookup (HandsetAvatarCache *self, const char *mxc_uri);
void handset_avatar_cache_load_async (HandsetAvatarCache *self,
                                      const char *mxc_uri,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
GdkTexture *
handset_avatar_cache_load_finish (HandsetAvatarCache *self, GAsyncResult *result, GError **error);

void handset_avatar_cache_bind (HandsetAvatarCache *self, AdwAvatar *avatar, const char *mxc_uri);

G_END_DECLS
