/* handset-media-session-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of a call's media, shared by the files of its jobs:
 * handset-media-session.c (the object, its interface and its bus),
 * handset-media-elements.c (the elements sent and received),
 * handset-media-speaker.c (the speaker opened, tried, joining a playing
 * pipeline),
 * handset-media-negotiation.c (offers and answers), handset-media-ice.c
 * (candidates and the ICE agent), handset-media-stats.c (statistics,
 * every second), handset-media-swap.c (devices changed or stood in for
 * during a call), handset-media-dtmf.c (tones, RFC 4733 telephone-events,
 * sent and received), handset-media-processing.c (echo cancellation,
 * noise suppression and gain control), handset-media-latency.c (how
 * long the jitter buffer holds the received sound) and
 * handset-media-screenshare.c (a screen shared as a second video stream,
 * and the peer's shown) and handset-media-capture.c (the open microphone
 * and camera handed to another call's media).
 */
#pragma once

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include "handset-media-devices-private.h"
#include "handset-media-session.h"

G_BEGIN_DECLS

#define DEFAULT_AUDIO_PT 111
#define DEFAULT_VIDEO_PT 96

/* The answer made while the call rings: silence stands for the
 * microphone, and the sound is held, from MAKING until it is answered. */
typedef enum
{
  HANDSET_PREPARED_NONE,   /* none made, or answered */
  HANDSET_PREPARED_MAKING, /* the offer set, the answer being made */
  HANDSET_PREPARED_READY,  /* the answer made and set, for the person */
} HandsetPreparedAnswer;

struct _HandsetMediaSession
{
  GObject parent_instance;

  GMainContext *context;
  GstElement *pipeline;
  GstElement *webrtc;
  guint bus_watch;
  guint stats_timer;
  char *stream_id;

  gboolean video;
  gboolean muted;
  gboolean hold;
  gboolean closed;
  gboolean has_relay; /* a TURN server was taken */
  /* What the peer's last description asked of us; see wire_direction(). */
  gboolean remote_sends;
  gboolean remote_receives;
  GstElement *playback_volume;
  /* The element whose src pad feeds the speaker: a new speaker goes after
   * it. */
  GstElement *playback_tail;
  /* Sound processing, as set before the sound is built; what chooses the
   * playback the echo canceller hears (silence, then the remote sound),
   * when it cancels echo. */
  gboolean echo_cancellation;
  gboolean noise_suppression;
  gboolean gain_control;
  GstElement *playback_selector;
  /* SSRC -> "audio" or "video", from the caps of webrtcbin's pads as
   * streams arrive; guarded by the lock. */
  GMutex received_lock;
  GHashTable *received_kinds;
  /* Which remote streams are played and shown (§17 #60, #61 in docs/voip-behaviours.md), under the
   * same lock: the msid stream ID of each remote m-line, the peer's
   * usermedia streams (NULL: it sent no metadata), and the first stream
   * that arrived, the one shown when there is no metadata. */
  GPtrArray *remote_streams;
  char **shown_streams;
  char *first_stream;

  GstElement *audio_source; /* chosen before the send branch is built */
  GstElement *audio_sink;
  GstElement *video_source;
  /* The open devices of another call's media, to use in place of
   * opening ours (handset-media-capture.c). */
  GObject *adopted;
  HandsetMediaCameraFunc camera_func; /* a camera listed after the call began */
  gpointer camera_data;
  GDestroyNotify camera_destroy;
  GstElement *audio_valve;
  GstElement *video_valve;
  GstElement *video_send_valve; /* after the preview's branch */
  /* The camera's pad is new: webrtcbin holds what it is given there until
   * the offer or answer that brings it is complete. */
  gboolean video_held;
  GstElement *audio_source_in_use;
  GstElement *audio_sink_in_use;   /* in the pipeline, not ours */
  GstElement *video_source_in_use; /* in the pipeline, not ours */
  gboolean audio_built;
  gboolean video_built;

  /* An offer whose description waits until we answer, so the microphone
   * opens only then, with the payload types the offer asks for. */
  char *pending_offer;
  gboolean remote_set;
  GPtrArray *pending_candidates; /* HandsetIceCandidate */
  /* An answer made while the call rings (handset-media-prepare.c), and
   * the peer's candidates held until the person answers (unless
   * connecting while ringing). */
  HandsetPreparedAnswer prepared;
  gboolean holding_candidates;
  GPtrArray *held_candidates; /* HandsetIceCandidate */
  GPtrArray *remote_mids;     /* char*, the remote SDP's a=mid per m-line */

  /* Candidates found before the offer or answer left are in its SDP. */
  gboolean description_sent;
  GTask *waiting_description;
  guint early_timer;

  /* Statistics, from get-stats. */
  HandsetMediaStats stats;
  /* How long the jitter buffer holds the received sound
   * (handset-media-latency.c). */
  guint latency_ms;

  /* Tones (handset-media-dtmf.c), under the lock: the payload type the
   * peer gave telephone-event/48000 (-1: it takes none), the keys still
   * to send and how far the first one is. */
  GMutex dtmf_lock;
  int dtmf_pt;
  GString *dtmf_queue;
  guint dtmf_packets;
  guint32 dtmf_timestamp;
  guint32 dtmf_duration;
  gboolean dtmf_ended;
  gint dtmf_pending; /* atomic: keys queued, read without the lock */
  gint dtmf_silent;  /* atomic: muted, the sound is not to leave */
  gboolean dtmf_sent_any;
  guint8 dtmf_last[4]; /* the last tone packet's payload */
  /* The timestamp of the last tone received, which the peer repeats. */
  gboolean dtmf_received_any;
  guint32 dtmf_received_timestamp;

  /* The screen shared and the peer's screen shares
   * (handset-media-screenshare.c). */
  struct _HandsetMediaScreen *screen;
};

/* Work for the session's main context, from a streaming thread. */
typedef struct
{
  HandsetMediaSession *self;
  GSourceFunc func;
  gpointer data;
  GDestroyNotify free_data;
} Invoke;

/* handset-media-session.c */
gboolean handset_media_session_invoke_cb (gpointer user_data);
void handset_media_session_invoke_free (Invoke *invoke);
void handset_media_session_run_in_main (HandsetMediaSession *self,
                                        GSourceFunc func,
                                        gpointer data,
                                        GDestroyNotify free_data);
void handset_media_session_report_error (HandsetMediaSession *self, const char *message);
void handset_media_session_notify_stats (HandsetMediaSession *self);

/* handset-media-ice.c */
void handset_media_session_ice_iface_init (HandsetMediaInterface *iface);
void handset_media_session_start_ice (HandsetMediaSession *self);
void handset_media_session_apply_pending_candidates (HandsetMediaSession *self);

/* handset-media-negotiation.c */
void handset_media_session_negotiation_iface_init (HandsetMediaInterface *iface);
gboolean handset_media_session_return_local_description (gpointer user_data);
void handset_media_session_wait_local_description (HandsetMediaSession *self, GTask *task);
void
handset_media_session_answer_offer (HandsetMediaSession *self, GstSDPMessage *sdp, GTask *task);

/* handset-media-prepare.c */
void handset_media_session_prepare_iface_init (HandsetMediaInterface *iface);
void handset_media_session_prepare_answer (HandsetMedia *media,
                                           const char *offer,
                                           gboolean connect,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
void handset_media_session_use_prepared (HandsetMediaSession *self, GTask *task);
gboolean handset_media_session_hold_candidate (HandsetMediaSession *self,
                                               const HandsetIceCandidate *candidate);
GstElement *handset_media_session_silence (void);
GstElement *handset_media_session_black (void);

/* handset-media-capture.c */
void handset_media_session_capture_iface_init (HandsetMediaInterface *iface);
GstElement *handset_media_session_take_adopted (HandsetMediaSession *self, gboolean camera);
gboolean handset_media_session_attach_adopted (HandsetMediaSession *self,
                                               GstElement *device,
                                               GstElement *next);
void handset_media_session_close_adopted (HandsetMediaSession *self);
void handset_media_session_drop_adopted (HandsetMediaSession *self);

/* handset-media-swap.c */
void handset_media_session_swap_audio_source (HandsetMediaSession *self, GstElement *source);
void handset_media_session_swap_video_source (HandsetMediaSession *self, GstElement *camera);

/* handset-media-elements.c */
GstElement *handset_media_make_element (const char *factory, const char *name);
GstPadProbeReturn handset_media_probe_drop (GstPad *pad, GstPadProbeInfo *info, gpointer user_data);
gboolean handset_media_session_add_chain (HandsetMediaSession *self,
                                          GstElement **elements,
                                          guint n,
                                          GstPad *sink_pad);
GstElement *handset_media_session_open_speaker (HandsetMediaSession *self);
GstElement *handset_media_session_make_camera (HandsetMediaSession *self, GError **error);
void handset_media_session_update_flow (HandsetMediaSession *self);
gboolean handset_media_session_build_audio (HandsetMediaSession *self, int pt, GError **error);
gboolean handset_media_session_build_video (HandsetMediaSession *self, int pt, GError **error);
void
handset_media_session_pad_added_cb (GstElement *webrtc, GstPad *pad, HandsetMediaSession *self);

/* handset-media-dtmf.c */
void handset_media_session_dtmf_init (HandsetMediaSession *self);
void handset_media_session_dtmf_clear (HandsetMediaSession *self);
void handset_media_session_dtmf_iface_init (HandsetMediaInterface *iface);
void handset_media_session_read_remote_dtmf (HandsetMediaSession *self, const GstSDPMessage *sdp);
void handset_media_session_offer_dtmf (HandsetMediaSession *self,
                                       GstWebRTCSDPType type,
                                       GstSDPMessage *sdp);
gboolean
handset_media_session_dtmf_flow (HandsetMediaSession *self, gboolean muted, gboolean quiet);
void handset_media_session_send_dtmf_from (HandsetMediaSession *self, GstElement *payloader);
gboolean handset_media_session_receive_dtmf (HandsetMediaSession *self, GstPad *pad);

/* handset-media-latency.c */
void handset_media_session_start_latency (HandsetMediaSession *self);
void handset_media_session_adapt_latency (HandsetMediaSession *self);

/* handset-media-stats.c */
void handset_media_session_start_stats (HandsetMediaSession *self);

/* handset-media-processing.c */
#define HANDSET_MEDIA_PROCESSING_ELEMENTS 3
gboolean handset_media_session_processing_on (HandsetMediaSession *self);
HandsetMediaSound handset_media_session_sound (HandsetMediaSession *self);
guint handset_media_session_processing_elements (HandsetMediaSession *self, GstElement **elements);
gboolean handset_media_session_play_processed (HandsetMediaSession *self, GstPad *pad);

/* handset-media-screenshare.c */
void handset_media_session_screen_init (HandsetMediaSession *self);
void handset_media_session_screen_clear (HandsetMediaSession *self);
void handset_media_session_screen_close (HandsetMediaSession *self);
void handset_media_session_screen_iface_init (HandsetMediaInterface *iface);
void handset_media_session_screen_flow (HandsetMediaSession *self, gboolean quiet);
gboolean handset_media_session_screen_message (HandsetMediaSession *self, GstMessage *message);
void handset_media_session_screen_read_remote (HandsetMediaSession *self,
                                               GstWebRTCSDPType type,
                                               const GstSDPMessage *sdp);
void handset_media_session_screen_directions (HandsetMediaSession *self,
                                              GstWebRTCSDPType type,
                                              GstSDPMessage *sdp);
gboolean handset_media_session_receive_screenshare (HandsetMediaSession *self,
                                                    GstPad *pad,
                                                    const char *stream_id);

/* handset-media-swap.c */
gboolean handset_media_is_within (GstObject *object, GstElement *element);
HandsetCallDevice handset_media_session_failed_device (HandsetMediaSession *self,
                                                       GstObject *source);
void handset_media_session_stand_in_for (HandsetMediaSession *self, HandsetCallDevice device);

G_END_DECLS
