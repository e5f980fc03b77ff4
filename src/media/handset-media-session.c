/* handset-media-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The media of one call: one webrtcbin (and so one libnice ICE agent) in a
 * pipeline of its own, with opus audio and VP8 video, every m-line in one
 * msid stream. webrtcbin calls back from its own threads; everything the
 * call layer sees is brought back to the main context first.
 *
 * Sources and sinks come from the selected devices, or from the
 * environment (HANDSET_AUDIO_SRC, HANDSET_AUDIO_SINK, HANDSET_VIDEO_SRC,
 * HANDSET_VIDEO_SINK: pipeline descriptions), so tests run without sound
 * hardware. HANDSET_ICE_ADDRESSES (comma-separated) makes the ICE agent use
 * exactly those local addresses: libnice gathers no loopback candidates by
 * itself.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include "handset-media-check.h"
#include "handset-media-session-private.h"
#include "handset-media-stats.h"

#define JITTER_LATENCY_MS 50
#define ICE_PACING_MS     10
#define STATS_INTERVAL_MS 1000

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

  invoke->self = g_object_ref (self);
  invoke->func = func;
  invoke->data = data;
  invoke->free_data = free_data;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, handset_media_session_invoke_cb,
                              invoke, (GDestroyNotify) handset_media_session_invoke_free);
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

static void
session_set_shown_streams (HandsetMedia *media, const char *const *stream_ids)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  g_mutex_lock (&self->received_lock);
  g_strfreev (self->shown_streams);
  self->shown_streams = g_strdupv ((char **) stream_ids);
  g_mutex_unlock (&self->received_lock);
}

/* ------------------------------------------------------------------ candidates */

typedef struct
{
  guint mline;
  char *candidate;
} LocalCandidate;

static void
local_candidate_free (LocalCandidate *c)
{
  g_free (c->candidate);
  g_free (c);
}

static gboolean
local_candidate_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;
  LocalCandidate *c = invoke->data;
  g_autofree char *mid = NULL;
  g_autoptr (HandsetIceCandidate) candidate = NULL;

  /* Before the description left, the candidate is in its SDP. */
  if (!self->description_sent)
    return G_SOURCE_REMOVE;

  mid = g_strdup_printf ("%u", c->mline);
  {
    GstWebRTCSessionDescription *local = NULL;

    g_object_get (self->webrtc, "local-description", &local, NULL);
    if (local != NULL)
      {
        if (c->mline < gst_sdp_message_medias_len (local->sdp))
          {
            const char *real = gst_sdp_media_get_attribute_val (
                gst_sdp_message_get_media (local->sdp, c->mline), "mid");

            if (real != NULL)
              {
                g_free (mid);
                mid = g_strdup (real);
              }
          }
        gst_webrtc_session_description_free (local);
      }
  }
  candidate = handset_ice_candidate_new (c->candidate, mid, (int) c->mline);
  g_signal_emit_by_name (self, "local-candidate", candidate);

  return G_SOURCE_REMOVE;
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, HandsetMediaSession *self)
{
  LocalCandidate *c = g_new0 (LocalCandidate, 1);

  c->mline = mline;
  /* webrtcbin writes "candidate:…" as the a= line has it. */
  c->candidate =
      g_str_has_prefix (candidate, "a=") ? g_strdup (candidate + 2) : g_strdup (candidate);
  handset_media_session_run_in_main (self, local_candidate_in_main, c,
                                     (GDestroyNotify) local_candidate_free);
}

static void
give_candidate (HandsetMediaSession *self, const HandsetIceCandidate *candidate)
{
  int mline = candidate->sdp_mline_index;

  if (mline < 0 && candidate->sdp_mid != NULL)
    for (guint i = 0; i < self->remote_mids->len; i++)
      if (g_str_equal (g_ptr_array_index (self->remote_mids, i), candidate->sdp_mid))
        mline = (int) i;
  if (mline < 0)
    mline = 0; /* with max-bundle, every m-line shares one transport */

  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", (guint) mline, candidate->candidate);
}

static void
remote_gathering_done (HandsetMediaSession *self)
{
  GstWebRTCICE *ice = NULL;
  NiceAgent *agent = NULL;

  /* Tell libnice the peer has sent all: it can fail sooner. */
  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent != NULL)
    for (guint stream = 1; stream <= 4; stream++)
      nice_agent_peer_candidate_gathering_done (agent, stream);
  g_clear_object (&agent);
  g_clear_object (&ice);
}

void
handset_media_session_apply_pending_candidates (HandsetMediaSession *self)
{
  g_autoptr (GPtrArray) pending = g_steal_pointer (&self->pending_candidates);

  self->pending_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  for (guint i = 0; i < pending->len; i++)
    {
      HandsetIceCandidate *candidate = g_ptr_array_index (pending, i);

      if (handset_ice_candidate_is_end (candidate))
        remote_gathering_done (self);
      else
        give_candidate (self, candidate);
    }
}

/* ------------------------------------------------------------------ ICE state */

static gboolean
ice_state_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  GstWebRTCICEConnectionState state = GPOINTER_TO_INT (invoke->data);

  /* GStreamer's states are in the same order as HandsetIceState. */
  g_debug ("ICE connection state %d", state);
  g_signal_emit_by_name (invoke->self, "ice-state-changed", (int) state);

  return G_SOURCE_REMOVE;
}

static void
on_ice_connection_state (GstElement *webrtc, GParamSpec *pspec, HandsetMediaSession *self)
{
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  handset_media_session_run_in_main (self, ice_state_in_main, GINT_TO_POINTER (state), NULL);
}

static gboolean
gathering_done_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;

  /* An offer or answer waiting for early candidates need wait no more. */
  if (self->waiting_description != NULL)
    {
      g_clear_handle_id (&self->early_timer, g_source_remove);
      handset_media_session_return_local_description (self);
    }
  g_signal_emit_by_name (self, "gathering-done");

  return G_SOURCE_REMOVE;
}

static void
on_ice_gathering_state (GstElement *webrtc, GParamSpec *pspec, HandsetMediaSession *self)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    handset_media_session_run_in_main (self, gathering_done_in_main, NULL, NULL);
}

/* ------------------------------------------------------------------ the interface */

static void
session_add_remote_candidate (HandsetMedia *media, const HandsetIceCandidate *candidate)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  if (self->closed)
    return;
  if (!self->remote_set)
    {
      g_ptr_array_add (self->pending_candidates, handset_ice_candidate_copy (candidate));
      return;
    }
  if (handset_ice_candidate_is_end (candidate))
    remote_gathering_done (self);
  else
    give_candidate (self, candidate);
}

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
  self->audio_valve = self->video_valve = self->playback_volume = NULL;
  self->audio_source_in_use = self->audio_sink_in_use = self->video_source_in_use = NULL;
  g_clear_object (&self->pipeline);
}

static void
agent_closed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GstElement *pipeline = user_data;

  gst_object_unref (pipeline);
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
  iface->add_remote_candidate = session_add_remote_candidate;
  iface->set_muted = session_set_muted;
  iface->set_local_hold = session_set_local_hold;
  iface->set_video = session_set_video;
  iface->get_stream_id = session_get_stream_id;
  iface->set_shown_streams = session_set_shown_streams;
  iface->close = session_close;
  iface->get_stats = session_get_stats;
}

/* ------------------------------------------------------------------ statistics */

static gboolean
stats_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;
  GstStructure *stats = invoke->data;
  GstWebRTCSessionDescription *remote = NULL;
  g_autoptr (GHashTable) kinds = NULL;

  if (self->webrtc != NULL)
    g_object_get (self->webrtc, "current-remote-description", &remote, NULL);
  g_mutex_lock (&self->received_lock);
  kinds =
      handset_media_stats_kinds (stats, remote != NULL ? remote->sdp : NULL, self->received_kinds);
  g_mutex_unlock (&self->received_lock);
  if (remote != NULL)
    gst_webrtc_session_description_free (remote);
  handset_media_stats_read (&self->stats, stats, kinds);

  for (guint p = PROP_AUDIO_BYTES_SENT; p < N_PROPS; p++)
    g_object_notify_by_pspec (G_OBJECT (self), props[p]);
  g_signal_emit_by_name (self, "stats-changed");

  return G_SOURCE_REMOVE;
}

static void
on_stats (GstPromise *promise, gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (user_data);
  const GstStructure *reply = gst_promise_get_reply (promise);

  if (reply != NULL)
    handset_media_session_run_in_main (self, stats_in_main, gst_structure_copy (reply),
                                       (GDestroyNotify) gst_structure_free);
  gst_promise_unref (promise);
}

/**
 * handset_media_session_update_stats:
 *
 * Asks webrtcbin for statistics; the properties follow shortly after.
 */
void
handset_media_session_update_stats (HandsetMediaSession *self)
{
  GstPromise *promise;

  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  if (self->closed)
    return;
  promise = gst_promise_new_with_change_func (on_stats, g_object_ref (self), g_object_unref);
  g_signal_emit_by_name (self->webrtc, "get-stats", NULL, promise);
}

static gboolean
stats_timer_cb (gpointer user_data)
{
  handset_media_session_update_stats (HANDSET_MEDIA_SESSION (user_data));
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ bus */

static gboolean
bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (user_data);

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
  g_clear_object (&self->audio_source);
  g_clear_object (&self->audio_sink);
  g_clear_object (&self->video_source);

  G_OBJECT_CLASS (handset_media_session_parent_class)->dispose (object);
}

static void
handset_media_session_finalize (GObject *object)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (object);

  g_free (self->stream_id);
  g_free (self->pending_offer);
  g_ptr_array_unref (self->pending_candidates);
  g_ptr_array_unref (self->remote_mids);
  g_ptr_array_unref (self->remote_streams);
  g_strfreev (self->shown_streams);
  g_free (self->first_stream);
  g_hash_table_unref (self->received_kinds);
  g_mutex_clear (&self->received_lock);
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
  self->pending_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  self->remote_mids = g_ptr_array_new_with_free_func (g_free);
  self->remote_streams = g_ptr_array_new_with_free_func (g_free);
  self->remote_sends = self->remote_receives = TRUE;
  g_mutex_init (&self->received_lock);
  self->received_kinds = g_hash_table_new (NULL, NULL);
}

static void
configure_ice (HandsetMediaSession *self)
{
  GstWebRTCICE *ice = NULL;
  NiceAgent *agent = NULL;
  const char *addresses = g_getenv ("HANDSET_ICE_ADDRESSES");

  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;

  /* libnice looks for UPnP routers by multicast unless told not to. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent != NULL)
    g_object_set (agent, "upnp", FALSE, NULL);
  /* Connectivity checks every 10 ms rather than libnice's 20: a call
   * connects about 25 ms sooner after the answer, and RFC 8445 (14.2)
   * allows down to 5 ms. */
  if (agent != NULL)
    g_object_set (agent, "stun-pacing-timer", (guint) ICE_PACING_MS, NULL);

  if (addresses != NULL && *addresses != '\0')
    {
      g_auto (GStrv) list = g_strsplit (addresses, ",", -1);

      for (guint i = 0; list[i] != NULL; i++)
        {
          gboolean ok = FALSE;

          g_strstrip (list[i]);
          if (*list[i] == '\0')
            continue;
          g_signal_emit_by_name (ice, "add-local-ip-address", list[i], &ok);
          if (!ok)
            g_warning ("ICE cannot use the local address %s", list[i]);
        }
    }

  g_clear_object (&agent);
  g_object_unref (ice);
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
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                JITTER_LATENCY_MS, NULL);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);
  configure_ice (self);

  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state",
                    G_CALLBACK (on_ice_connection_state), self);
  g_signal_connect (self->webrtc, "notify::ice-gathering-state",
                    G_CALLBACK (on_ice_gathering_state), self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (handset_media_session_pad_added_cb),
                    self);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  self->stats_timer = g_timeout_add (STATS_INTERVAL_MS, stats_timer_cb, self);

  return g_steal_pointer (&self);
}

/**
 * handset_media_turn_uri:
 * @uri: a `turn:` or `turns:` URI from the homeserver
 *
 * webrtcbin takes TURN servers as one URI with the credentials in it; the
 * homeserver's username holds `:` and `@`, so both parts are
 * percent-encoded.
 *
 * Returns: (transfer full) (nullable): `turn://user:pass@host:port?…`
 */
char *
handset_media_turn_uri (const char *uri, const char *username, const char *password)
{
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  const char *rest;
  const char *scheme;

  if (g_str_has_prefix (uri, "turns:"))
    scheme = "turns", rest = uri + strlen ("turns:");
  else if (g_str_has_prefix (uri, "turn:"))
    scheme = "turn", rest = uri + strlen ("turn:");
  else
    return NULL;
  if (g_str_has_prefix (rest, "//"))
    rest += 2;

  user = g_uri_escape_string (username, NULL, FALSE);
  pass = g_uri_escape_string (password, NULL, FALSE);

  return g_strdup_printf ("%s://%s:%s@%s", scheme, user, pass, rest);
}

/**
 * handset_media_session_set_turn:
 *
 * The TURN servers of the homeserver, for every candidate gathering that
 * follows.
 */
void
handset_media_session_set_turn (HandsetMediaSession *self,
                                const char *const *uris,
                                const char *username,
                                const char *password)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  for (guint i = 0; uris != NULL && uris[i] != NULL; i++)
    {
      g_autofree char *uri = handset_media_turn_uri (uris[i], username, password);
      gboolean ok = FALSE;

      if (uri == NULL)
        continue;
      g_signal_emit_by_name (self->webrtc, "add-turn-server", uri, &ok);
      if (!ok)
        g_warning ("A TURN server was refused by the media stack");
    }
}

/**
 * handset_media_session_set_relay_only:
 *
 * "Always use a TURN relay": only relayed candidates, so the peer never
 * learns our address.
 */
void
handset_media_session_set_relay_only (HandsetMediaSession *self, gboolean relay_only)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  g_object_set (self->webrtc, "ice-transport-policy",
                relay_only ? GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY
                           : GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL,
                NULL);
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
