/* handset-media.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "handset-ice-candidate.h"

G_BEGIN_DECLS

typedef enum
{
  HANDSET_ICE_STATE_NEW,
  HANDSET_ICE_STATE_CHECKING,
  HANDSET_ICE_STATE_CONNECTED,
  HANDSET_ICE_STATE_COMPLETED,
  HANDSET_ICE_STATE_FAILED,
  HANDSET_ICE_STATE_DISCONNECTED,
  HANDSET_ICE_STATE_CLOSED,
} HandsetIceState;

/* Which of the call's devices failed. */
typedef enum
{
  HANDSET_CALL_DEVICE_NONE,
  HANDSET_CALL_DEVICE_MICROPHONE,
  HANDSET_CALL_DEVICE_SPEAKER,
  HANDSET_CALL_DEVICE_CAMERA,
} HandsetCallDevice;

/* What a call's media sent and received so far, as the last statistics
 * said (zeros until they say). */
typedef struct
{
  guint64 audio_bytes_sent;
  guint64 audio_bytes_received;
  guint64 audio_packets_sent;
  guint64 audio_packets_received;
  guint64 video_bytes_sent;
  guint64 video_bytes_received;
  guint64 video_packets_sent;
  guint64 video_packets_received;
  gint64 packets_lost;
  double round_trip_time; /* seconds */
  double jitter;          /* seconds */
  /* "host", "srflx", "prflx" or "relay": how the media go; "" unknown */
  char candidate_pair_type[16];
} HandsetMediaStats;

/* What a stream of a call is for: the person's camera and microphone, or
 * a screen (or window) shared. */
typedef enum
{
  HANDSET_MEDIA_PURPOSE_USERMEDIA,
  HANDSET_MEDIA_PURPOSE_SCREENSHARE,
} HandsetMediaPurpose;

#define HANDSET_TYPE_MEDIA (handset_media_get_type ())
G_DECLARE_INTERFACE (HandsetMedia, handset_media, HANDSET, MEDIA, GObject)

/**
 * HandsetMediaInterface:
 * @create_offer: makes an offer and sets it as the local description; the
 *   SDP already holds the candidates found within about 200 ms
 * @create_answer: makes an answer to the remote offer and sets it as the
 *   local description, with the early candidates in it
 * @set_remote_description: applies the peer's `offer` or `answer`
 * @rollback: drops the local offer not yet answered (the polite side of a
 *   collision)
 * @add_remote_candidate: hands a peer candidate to the ICE agent; an
 *   end-of-candidates one says the peer has gathered them all
 * @set_muted: stops or resumes sending the microphone, without
 *   renegotiating
 * @set_local_hold: the next offer holds (`sendonly`/`inactive`) or resumes
 *   (`sendrecv`)
 * @set_video: the next offer carries video, or not
 * @get_stream_id: the msid stream ID of our audio and video, the key of
 *   our `sdp_stream_metadata`
 * @set_shown_streams: (optional): the remote msid stream IDs to play and
 *   show: the peer's `m.usermedia` streams. %NULL (the peer sent no
 *   metadata): only its first stream
 * @close: ends the media for good
 * @get_stats: (optional): what was sent and received so far
 * @start_screenshare: (optional): opens the screen to share and adds it
 *   as a second video stream of its own; the next offer carries it
 * @stop_screenshare: (optional): closes the screen; the next offer says
 *   its stream no longer sends
 * @get_screenshare_stream_id: (optional): the msid stream ID of our
 *   screen share while it is on, else %NULL
 * @set_screenshare_streams: (optional): the remote msid stream IDs that
 *   are screen shares; their video is decoded and shown with
 *   ::screenshare-frame
 * @release_capture: (optional): takes the open microphone and camera out
 *   of these media, still open, for another call's (the one that survives
 *   a glare); an object that holds them, or %NULL when none is open
 * @adopt_capture: (optional): these media, not built yet, use the devices
 *   that @release_capture gave instead of opening their own
 *
 * The media of one call, as the call layer sees it: no GStreamer types.
 * Emits ::local-candidate for every candidate that is not already in a
 * local description, ::gathering-done once all are found,
 * ::ice-state-changed, ::device-failed, ::stats-changed when new
 * statistics are in, and ::video-frame, ::preview-frame and
 * ::screenshare-frame with the pictures to show (from a streaming thread).
 */
struct _HandsetMediaInterface
{
  GTypeInterface parent_iface;

  void (*create_offer) (HandsetMedia *self,
                        gboolean ice_restart,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data);
  char *(*create_offer_finish) (HandsetMedia *self, GAsyncResult *result, GError **error);
  void (*create_answer) (HandsetMedia *self,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data);
  char *(*create_answer_finish) (HandsetMedia *self, GAsyncResult *result, GError **error);
  void (*set_remote_description) (HandsetMedia *self,
                                  const char *type,
                                  const char *sdp,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
  gboolean (*set_remote_description_finish) (HandsetMedia *self,
                                             GAsyncResult *result,
                                             GError **error);
  void (*rollback) (HandsetMedia *self);
  void (*add_remote_candidate) (HandsetMedia *self, const HandsetIceCandidate *candidate);
  void (*set_muted) (HandsetMedia *self, gboolean muted);
  void (*set_local_hold) (HandsetMedia *self, gboolean hold);
  void (*set_video) (HandsetMedia *self, gboolean video);
  const char *(*get_stream_id) (HandsetMedia *self);
  void (*set_shown_streams) (HandsetMedia *self, const char *const *stream_ids);
  void (*close) (HandsetMedia *self);
  void (*get_stats) (HandsetMedia *self, HandsetMediaStats *stats);
  gboolean (*has_relay) (HandsetMedia *self);
  gboolean (*send_dtmf) (HandsetMedia *self, const char *tones, GError **error);
  void (*start_screenshare) (HandsetMedia *self,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
  gboolean (*start_screenshare_finish) (HandsetMedia *self, GAsyncResult *result, GError **error);
  void (*stop_screenshare) (HandsetMedia *self);
  const char *(*get_screenshare_stream_id) (HandsetMedia *self);
  void (*set_screenshare_streams) (HandsetMedia *self, const char *const *stream_ids);
  void (*prepare_answer) (HandsetMedia *self,
                          const char *offer,
                          gboolean connect,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
  gboolean (*prepare_answer_finish) (HandsetMedia *self, GAsyncResult *result, GError **error);
  GObject *(*release_capture) (HandsetMedia *self);
  void (*adopt_capture) (HandsetMedia *self, GObject *capture);
};

void handset_media_create_offer (HandsetMedia *self,
                                 gboolean ice_restart,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
char *handset_media_create_offer_finish (HandsetMedia *self, GAsyncResult *result, GError **error);
void handset_media_create_answer (HandsetMedia *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
char *handset_media_create_answer_finish (HandsetMedia *self, GAsyncResult *result, GError **error);
void handset_media_set_remote_description (HandsetMedia *self,
                                           const char *type,
                                           const char *sdp,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean handset_media_set_remote_description_finish (HandsetMedia *self,
                                                      GAsyncResult *result,
                                                      GError **error);
void handset_media_rollback (HandsetMedia *self);
void handset_media_add_remote_candidate (HandsetMedia *self, const HandsetIceCandidate *candidate);
void handset_media_set_muted (HandsetMedia *self, gboolean muted);
void handset_media_set_local_hold (HandsetMedia *self, gboolean hold);
void handset_media_set_video (HandsetMedia *self, gboolean video);
const char *handset_media_get_stream_id (HandsetMedia *self);
void handset_media_set_shown_streams (HandsetMedia *self, const char *const *stream_ids);
void handset_media_close (HandsetMedia *self);
void handset_media_get_stats (HandsetMedia *self, HandsetMediaStats *stats);
gboolean handset_media_has_relay (HandsetMedia *self);
gboolean handset_media_send_dtmf (HandsetMedia *self, const char *tones, GError **error);
gboolean handset_media_can_send_dtmf (HandsetMedia *self);
gboolean handset_media_can_share_screen (HandsetMedia *self);
void handset_media_start_screenshare (HandsetMedia *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean
handset_media_start_screenshare_finish (HandsetMedia *self, GAsyncResult *result, GError **error);
void handset_media_stop_screenshare (HandsetMedia *self);
const char *handset_media_get_screenshare_stream_id (HandsetMedia *self);
void handset_media_set_screenshare_streams (HandsetMedia *self, const char *const *stream_ids);
gboolean handset_media_can_prepare_answer (HandsetMedia *self);
GObject *handset_media_release_capture (HandsetMedia *self);
void handset_media_adopt_capture (HandsetMedia *self, GObject *capture);
void handset_media_prepare_answer (HandsetMedia *self,
                                   const char *offer,
                                   gboolean connect,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean
handset_media_prepare_answer_finish (HandsetMedia *self, GAsyncResult *result, GError **error);

/**
 * HandsetMediaFactory:
 * @video: whether the call starts with video
 *
 * Makes the media of a new call; the call manager calls it once per call.
 *
 * Returns: (transfer full) (nullable): the media, or %NULL with @error
 *   saying what is missing
 */
typedef HandsetMedia *(*HandsetMediaFactory) (gboolean video, gpointer user_data, GError **error);

G_END_DECLS
