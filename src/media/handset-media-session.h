/* handset-media-session.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

#include "handset-media.h"
#include "handset-media-devices.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_MEDIA_SESSION (handset_media_session_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMediaSession, handset_media_session, HANDSET, MEDIA_SESSION, GObject)

/* How long an offer or answer waits for candidates to put in its SDP. */
#define HANDSET_MEDIA_EARLY_CANDIDATES_MS 200

HandsetMediaSession *handset_media_session_new (gboolean video, GError **error);

void handset_media_session_set_turn (HandsetMediaSession *self,
                                     const char *const *uris,
                                     const char *username,
                                     const char *password);
void handset_media_session_set_stun (HandsetMediaSession *self, const char *uri);
void handset_media_session_set_relay_only (HandsetMediaSession *self, gboolean relay_only);
void handset_media_session_set_processing (HandsetMediaSession *self,
                                           gboolean echo_cancellation,
                                           gboolean noise_suppression,
                                           gboolean gain_control);
void handset_media_session_set_audio_source (HandsetMediaSession *self, GstElement *source);
void handset_media_session_set_audio_sink (HandsetMediaSession *self, GstElement *sink);
void handset_media_session_set_video_source (HandsetMediaSession *self, GstElement *source);
typedef GstElement *(*HandsetMediaCameraFunc) (gpointer user_data);
void handset_media_session_set_camera_func (HandsetMediaSession *self,
                                            HandsetMediaCameraFunc func,
                                            gpointer user_data,
                                            GDestroyNotify destroy);
void handset_media_session_replace_audio_source (HandsetMediaSession *self, GstElement *source);
void handset_media_session_replace_audio_sink (HandsetMediaSession *self, GstElement *sink);

GstElement *handset_media_session_get_pipeline (HandsetMediaSession *self);
void handset_media_session_update_stats (HandsetMediaSession *self);

guint handset_media_latency_needed (double jitter_s);
char *handset_media_turn_uri (const char *uri, const char *username, const char *password);

G_END_DECLS
