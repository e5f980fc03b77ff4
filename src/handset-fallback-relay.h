/* handset-fallback-relay.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-media-provider.h"
#include "handset-secret-store.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_FALLBACK_RELAY (handset_fallback_relay_get_type ())
G_DECLARE_FINAL_TYPE (HandsetFallbackRelay,
                      handset_fallback_relay,
                      HANDSET,
                      FALLBACK_RELAY,
                      GObject)

HandsetFallbackRelay *handset_fallback_relay_new (HandsetMediaProvider *media,
                                                  HandsetSecretStore *secrets);
void handset_fallback_relay_set (HandsetFallbackRelay *self, const char *uri, const char *username);
gboolean handset_fallback_relay_is_ready (HandsetFallbackRelay *self);

G_END_DECLS
