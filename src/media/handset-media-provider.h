/* handset-media-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-media-devices.h"
#include "handset-media.h"
#include "handset-ringtone.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_MEDIA_PROVIDER (handset_media_provider_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMediaProvider,
                      handset_media_provider,
                      HANDSET,
                      MEDIA_PROVIDER,
                      GObject)

HandsetMediaProvider *handset_media_provider_new (HandsetMediaDevices *devices);

void handset_media_provider_set_turn (HandsetMediaProvider *self,
                                      const char *const *uris,
                                      const char *username,
                                      const char *password);
void handset_media_provider_set_fallback_ice_server (HandsetMediaProvider *self,
                                                     const char *uri,
                                                     const char *username,
                                                     const char *password);
void handset_media_provider_set_relay_only (HandsetMediaProvider *self, gboolean relay_only);
void handset_media_provider_set_processing (HandsetMediaProvider *self,
                                            gboolean echo_cancellation,
                                            gboolean noise_suppression,
                                            gboolean gain_control);
gboolean handset_media_provider_set_devices (HandsetMediaProvider *self,
                                             const char *microphone,
                                             const char *speaker,
                                             const char *camera,
                                             HandsetMedia *in_use);

void handset_media_provider_update_microphone (HandsetMediaProvider *self, HandsetMedia *media);

HandsetMedia *handset_media_provider_make (gboolean video, gpointer provider, GError **error);
HandsetRingtone *handset_media_provider_make_ringtone (HandsetMediaProvider *self);

GThread *handset_media_prewarm (void);

G_END_DECLS
