/* handset-media-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The media of one call: one webrtcbin (and so one libnice ICE agent) in a
 * pipeline of its own, with opus audio and VP8 video, every m-line in one
 * msid stream. webrtcbin calls back from its own threads; everything the
 * call layer sees is brought back to the main context first.
 *
 * This file is the object: made with its pipeline, the HandsetMedia
 * interface's mute, hold and video, the pipeline's bus, and closing, which
 * lets the pipeline, the ICE agent and its threads go. The elements are
 * in handset-media-elements.c (sources and sinks from the selected
 * devices, or from the environment, so tests run without sound hardware),
 * the descriptions in handset-media-negotiation.c, ICE in
 * handset-media-ice.c (HANDSET_ICE_ADDRESSES), statistics in
 * handset-media-stats.c, devices changed during the call in
 * handset-media-swap.c, the sound's processing in
 * handset-media-processing.c and the jitter buffer's hold in
 * handset-media-latency.c.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "handset-media-check.h"
#include "handset-media-session-private.h"

static void handset_media_session_iface_init (HandsetMediaInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HandsetMediaSession,
                               handset_media_session,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HANDSET_TYPE_MEDIA,
                                                      handset_media_session_iface_init))

enum
{
  PROP_0,
  PROP_AUDIO_BYTES_SENT,
  PROP_AUDIO_BYTES_RECEIVED,
  PROP_AUDIO_PACKETS_SENT,
  PROP_AUDIO_PACKETS_RECEIVED,
  PROP_VIDEO_BYTES_SENT,
  PROP_VIDEO_BYTES_RECEIVED,
  PROP_VIDEO_PACKETS_SENT,
  PROP_VIDEO_PACKETS_RECEIVED,
  PROP_PACKETS_LOST,
  PROP_ROUND_TRIP_TIME,
  PROP_JITTER,
  PROP_CANDIDATE_PAIR_TYPE,
  N_PROPS
};

enum
{
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ threads */

gboolean
handset_media_session_invoke_cb (gpointer user_data)
{
  Invoke *invoke = user_data;

  if (!invoke->self->closed)
    invoke->func (invoke);
  return G_SOURCE_REMOVE;
}

void
handset_media_session_invoke_free (Invoke *invoke)
{
  if (invoke->free_data != NULL)
    invoke->free_data (invoke->data);
  g_object_unref (invoke->self);
  g_free (invoke);
}

/* Runs @func (with an Invoke*) in the session's main context. */
void
handset_media_session_run_in_main (HandsetMediaSession *self,
                                   GSourceFunc func,
                                   gpointer data,
                                   GDestroyNotify free_data)
{
  Invoke *invoke = g_new0 (Invoke, 1);
  GSource *source;

  invoke->self = g_object_ref (self);
  invoke->func = func;
  invoke->data = data;
  invoke->free_data = free_data;
  /* Always through a source: g_main_context_invoke() would run @func right
   * here, on a streaming thread, whenever no thread owns the context at
   * that moment (no main loop running), racing with the main thread. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, handset_media_session_invoke_cb, invoke,
                         (GDestroyNotify) handset_media_session_invoke_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ------------------------------------------------------------------ helpers */

static char *
random_stream_id (void)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  GString *s = g_string_new ("handset-");

  for (guint i = 0; i < 16; i++)
    g_string_append_c (s, chars[g_random_int_range (0, sizeof chars - 1)]);

  return g_string_free (s, FALSE);
}

void
handset_media_session_report_error (HandsetMediaSession *self, const char *message)
{
  g_warning ("%s", message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

/* New statistics read: their properties, and ::stats-changed. */
void
handset_media_session_notify_stats (HandsetMediaSession *self)
{
  for (guint p = PROP_AUDIO_BYTES_SENT; p < N_PROPS; p++)
    g_object_notify_by_pspec (G_OBJECT (self), props[p]);
  g_signal_emit_by_name (self, "stats-changed");
}

static void
session_set_shown_streams (HandsetMedia *media, const char *const *stream_ids)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  g_mutex_lock (&self->received_lock);
  g_strfreev (self->shown_streams);
  self->shown_streams = g_strdupv ((char **) stream_ids);
  g_mutex_unlock (&self->received_lock);
}

/* ------------------------------------------------------------------ the interface */

static void
session_set_muted (HandsetMedia *media, gboolean muted)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  /* Nothing is sent while muted; nothing is renegotiated either. */
  self->muted = muted;
  handset_media_session_update_flow (self);
}

static void
session_set_local_hold (HandsetMedia *media, gboolean hold)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  /* The next offer says so; until then nothing is sent or heard. */
  self->hold = hold;
  handset_media_session_update_flow (self);
}

static void
session_set_video (HandsetMedia *media, gboolean video)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);
  g_autoptr (GError) error = NULL;

  self->video = video;
  handset_media_session_update_flow (self);
  /* Added mid-call: the next offer carries it. */
  if (video && !self->closed && self->audio_built && !self->video_built &&
      !handset_media_session_build_video (self, DEFAULT_VIDEO_PT, &error))
    handset_media_session_report_error (self, error->message);
}

static void
session_get_stats (HandsetMedia *media, HandsetMediaStats *stats)
{
  *stats = HANDSET_MEDIA_SESSION (media)->stats;
}

static const char *
session_get_stream_id (HandsetMedia *media)
{
  return HANDSET_MEDIA_SESSION (media)->stream_id;
}

/* Forgets the pipeline and the elements in it; nothing flows (it is
 * stopped), so none of their callbacks comes. */
static void
release_elements (HandsetMediaSession *self)
{
  self->webrtc = NULL;
  self->audio_valve = self->video_valve = self->video_send_valve = self->playback_volume = NULL;
  self->playback_tail = self->playback_selector = NULL;
  self->audio_source_in_use = self->audio_sink_in_use = self->video_source_in_use = NULL;
  g_clear_object (&self->pipeline);
}

static void
agent_closed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GstElement *pipeline = user_data;

  gst_object_unref (pipeline);
}

static gboolean
session_has_relay (HandsetMedia *media)
{
  return HANDSET_MEDIA_SESSION (media)->has_relay;
}

static void
session_close (HandsetMedia *media)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  if (self->closed)
    return;

  self->closed = TRUE;
  g_clear_handle_id (&self->stats_timer, g_source_remove);
  g_clear_handle_id (&self->early_timer, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->waiting_description != NULL)
    {
      g_task_return_new_error (self->waiting_description, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The call ended");
      g_clear_object (&self->waiting_description);
    }
  if (self->pipeline != NULL)
    {
      GstWebRTCICE *ice = NULL;
      NiceAgent *agent = NULL;

      handset_media_session_screen_close (self);
      handset_media_session_close_adopted (self);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);

      /* TURN allocations are released before the agent goes: the closing
       * keeps the pipeline, and so the agent, alive until it is done. */
      g_object_get (self->webrtc, "ice-agent", &ice, NULL);
      if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
        g_object_get (ice, "agent", &agent, NULL);
      if (agent != NULL)
        nice_agent_close_async (agent, agent_closed_cb, gst_object_ref (self->pipeline));
      g_clear_object (&agent);
      g_clear_object (&ice);

      /* The pipeline goes now (once the agent is closed), with the ICE
       * agent's thread and sockets: a call kept to be listed, in `handset
       * calls` say, keeps only its figures. */
      g_signal_handlers_disconnect_by_data (self->webrtc, self);
      release_elements (self);
    }
}

static void
handset_media_session_iface_init (HandsetMediaInterface *iface)
{
  handset_media_session_negotiation_iface_init (iface);
  handset_media_session_ice_iface_init (iface);
  handset_media_session_dtmf_iface_init (iface);
  iface->set_muted = session_set_muted;
  iface->set_local_hold = session_set_local_hold;
  iface->set_video = session_set_video;
  iface->get_stream_id = session_get_stream_id;
  iface->set_shown_streams = session_set_shown_streams;
  iface->close = session_close;
  iface->get_stats = session_get_stats;
  iface->has_relay = session_has_relay;
  handset_media_session_screen_iface_init (iface);
  handset_media_session_prepare_iface_init (iface);
  handset_media_session_capture_iface_init (iface);
}

/* ------------------------------------------------------------------ bus */

static gboolean
bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (user_data);

  /* A jitter buffer's hold changed (handset-media-latency.c): the sinks
   * play that much later. */
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_LATENCY && self->pipeline != NULL)
    {
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      return G_SOURCE_CONTINUE;
    }
  /* The desktop ended the screen share, or the screen failed: the share
   * ends, not the call. */
  if (handset_media_session_screen_message (self, message))
    return G_SOURCE_CONTINUE;
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;
      g_autofree char *text = NULL;
      HandsetCallDevice device;

      gst_message_parse_error (message, &error, &debug);
      g_debug ("%s", debug ? debug : "");
      /* From a device already taken out of the call (one that failed, and
       * said so more than once): nothing more to do. */
      if (!handset_media_is_within (GST_MESSAGE_SRC (message), self->pipeline))
        {
          g_debug ("An error of an element no longer in the call: %s", error->message);
          return G_SOURCE_CONTINUE;
        }
      device = handset_media_session_failed_device (self, GST_MESSAGE_SRC (message));
      if (device != HANDSET_CALL_DEVICE_NONE)
        {
          /* Said to the person, with which device: not a silent call. */
          g_message ("A device of the call failed: %s", error->message);
          g_signal_emit_by_name (self, "device-failed", (int) device, error->message);
          handset_media_session_stand_in_for (self, device);
          return G_SOURCE_CONTINUE;
        }
      text = g_strdup_printf ("The call's media failed: %s", error->message);
      handset_media_session_report_error (self, text);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ object */

static void
handset_media_session_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (object);

  switch (prop_id)
    {
      case PROP_AUDIO_BYTES_SENT:
        g_value_set_uint64 (value, self->stats.audio_bytes_sent);
        break;
      case PROP_AUDIO_BYTES_RECEIVED:
        g_value_set_uint64 (value, self->stats.audio_bytes_received);
        break;
      case PROP_AUDIO_PACKETS_SENT:
        g_value_set_uint64 (value, self->stats.audio_packets_sent);
        break;
      case PROP_AUDIO_PACKETS_RECEIVED:
        g_value_set_uint64 (value, self->stats.audio_packets_received);
        break;
      case PROP_VIDEO_BYTES_SENT:
        g_value_set_uint64 (value, self->stats.video_bytes_sent);
        break;
      case PROP_VIDEO_BYTES_RECEIVED:
        g_value_set_uint64 (value, self->stats.video_bytes_received);
        break;
      case PROP_VIDEO_PACKETS_SENT:
        g_value_set_uint64 (value, self->stats.video_packets_sent);
        break;
      case PROP_VIDEO_PACKETS_RECEIVED:
        g_value_set_uint64 (value, self->stats.video_packets_received);
        break;
      case PROP_PACKETS_LOST:
        g_value_set_int64 (value, self->stats.packets_lost);
        break;
      case PROP_ROUND_TRIP_TIME:
        g_value_set_double (value, self->stats.round_trip_time);
        break;
      case PROP_JITTER:
        g_value_set_double (value, self->stats.jitter);
        break;
      case PROP_CANDIDATE_PAIR_TYPE:
        g_value_set_string (value, self->stats.candidate_pair_type[0] != '\0'
                                       ? self->stats.candidate_pair_type
                                       : NULL);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_media_session_dispose (GObject *object)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (object);

  session_close (HANDSET_MEDIA (self));
  if (self->webrtc != NULL)
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
  release_elements (self);
  g_clear_object (&self->adopted);
  g_clear_object (&self->audio_source);
  g_clear_object (&self->audio_sink);
  g_clear_object (&self->video_source);
  if (self->camera_destroy != NULL)
    self->camera_destroy (self->camera_data);
  self->camera_func = NULL;
  self->camera_destroy = NULL;

  G_OBJECT_CLASS (handset_media_session_parent_class)->dispose (object);
}

static void
handset_media_session_finalize (GObject *object)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (object);

  g_free (self->stream_id);
  g_free (self->pending_offer);
  g_ptr_array_unref (self->pending_candidates);
  g_ptr_array_unref (self->held_candidates);
  g_ptr_array_unref (self->remote_mids);
  g_ptr_array_unref (self->remote_streams);
  g_strfreev (self->shown_streams);
  g_free (self->first_stream);
  g_hash_table_unref (self->received_kinds);
  g_mutex_clear (&self->received_lock);
  handset_media_session_dtmf_clear (self);
  handset_media_session_screen_clear (self);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (handset_media_session_parent_class)->finalize (object);
}

static GParamSpec *
counter (const char *name)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
handset_media_session_class_init (HandsetMediaSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_media_session_get_property;
  object_class->dispose = handset_media_session_dispose;
  object_class->finalize = handset_media_session_finalize;

  props[PROP_AUDIO_BYTES_SENT] = counter ("audio-bytes-sent");
  props[PROP_AUDIO_BYTES_RECEIVED] = counter ("audio-bytes-received");
  props[PROP_AUDIO_PACKETS_SENT] = counter ("audio-packets-sent");
  props[PROP_AUDIO_PACKETS_RECEIVED] = counter ("audio-packets-received");
  props[PROP_VIDEO_BYTES_SENT] = counter ("video-bytes-sent");
  props[PROP_VIDEO_BYTES_RECEIVED] = counter ("video-bytes-received");
  props[PROP_VIDEO_PACKETS_SENT] = counter ("video-packets-sent");
  props[PROP_VIDEO_PACKETS_RECEIVED] = counter ("video-packets-received");
  props[PROP_PACKETS_LOST] =
      g_param_spec_int64 ("packets-lost", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_ROUND_TRIP_TIME] =
      g_param_spec_double ("round-trip-time", NULL, NULL, 0, G_MAXDOUBLE, 0,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_JITTER] =
      g_param_spec_double ("jitter", NULL, NULL, 0, G_MAXDOUBLE, 0,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_CANDIDATE_PAIR_TYPE] =
      g_param_spec_string ("candidate-pair-type", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * HandsetMediaSession::error:
   * @message: what failed, for a person
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
handset_media_session_init (HandsetMediaSession *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->stream_id = random_stream_id ();
  handset_media_session_screen_init (self);
  handset_media_session_dtmf_init (self);
  self->pending_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  self->held_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  self->remote_mids = g_ptr_array_new_with_free_func (g_free);
  self->remote_streams = g_ptr_array_new_with_free_func (g_free);
  self->remote_sends = self->remote_receives = TRUE;
  g_mutex_init (&self->received_lock);
  self->received_kinds = g_hash_table_new (NULL, NULL);
}

/**
 * handset_media_session_new:
 * @video: whether the call starts with video
 *
 * Returns: (transfer full) (nullable): the media of a new call, or %NULL
 *   with an error naming each missing GStreamer element and its package
 */
HandsetMediaSession *
handset_media_session_new (gboolean video, GError **error)
{
  g_autoptr (HandsetMediaSession) self = NULL;
  g_autoptr (GstBus) bus = NULL;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  if (!handset_media_check_elements (video, error))
    return NULL;

  self = g_object_new (HANDSET_TYPE_MEDIA_SESSION, NULL);
  self->video = video;
  self->pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
  self->webrtc = handset_media_make_element ("webrtcbin", "webrtc");
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  handset_media_session_start_latency (self);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);
  handset_media_session_start_ice (self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (handset_media_session_pad_added_cb),
                    self);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  handset_media_session_start_stats (self);

  return g_steal_pointer (&self);
}

/**
 * handset_media_session_set_audio_source:
 * @source: (transfer full): the microphone's element, for a call not yet
 *   started
 */
void
handset_media_session_set_audio_source (HandsetMediaSession *self, GstElement *source)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  g_clear_object (&self->audio_source);
  self->audio_source = source ? gst_object_ref_sink (source) : NULL;
}

/**
 * handset_media_session_set_audio_sink:
 * @sink: (transfer full): the speaker's element
 */
void
handset_media_session_set_audio_sink (HandsetMediaSession *self, GstElement *sink)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  g_clear_object (&self->audio_sink);
  self->audio_sink = sink ? gst_object_ref_sink (sink) : NULL;
}

/**
 * handset_media_session_set_video_source:
 * @source: (transfer full): the camera's element
 */
void
handset_media_session_set_video_source (HandsetMediaSession *self, GstElement *source)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  g_clear_object (&self->video_source);
  self->video_source = source ? gst_object_ref_sink (source) : NULL;
}

/**
 * handset_media_session_set_camera_func:
 * @func: (nullable): makes the camera's element, or returns %NULL
 *
 * Where the camera comes from when video is turned on and none was set:
 * a camera may be listed only after the call began (the Camera portal
 * is asked when a person first turns video on).
 */
void
handset_media_session_set_camera_func (HandsetMediaSession *self,
                                       HandsetMediaCameraFunc func,
                                       gpointer user_data,
                                       GDestroyNotify destroy)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  if (self->camera_destroy != NULL)
    self->camera_destroy (self->camera_data);
  self->camera_func = func;
  self->camera_data = user_data;
  self->camera_destroy = destroy;
}

/**
 * handset_media_session_get_pipeline:
 *
 * Returns: (transfer none): the pipeline, for tests that look inside
 */
GstElement *
handset_media_session_get_pipeline (HandsetMediaSession *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_SESSION (self), NULL);

  return self->pipeline;
}
