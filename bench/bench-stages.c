/* bench-stages.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The moments a call's setup passes each stage, at one end, read off
 * webrtcbin's states and pads and off the call layer's signals and log;
 * for the bench's per-stage rows. Stored from webrtcbin's threads as
 * single 64-bit words, read on the main thread after the call connected.
 */

#include "config.h"

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <math.h>

#include "bench-stages.h"

static void
mark (gint64 *when)
{
  if (*when == 0)
    *when = g_get_monotonic_time ();
}

static void
on_ice_state (GstElement *webrtc, GParamSpec *pspec, BenchStages *stages)
{
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
      state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    mark (&stages->ice_connected);
}

/* The peer connection is connected once ICE and DTLS both are. */
static void
on_connection_state (GstElement *webrtc, GParamSpec *pspec, BenchStages *stages)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    mark (&stages->dtls_connected);
}

static void
on_signaling_state (GstElement *webrtc, GParamSpec *pspec, BenchStages *stages)
{
  GstWebRTCSignalingState state;
  GstWebRTCSessionDescription *local = NULL;

  g_object_get (webrtc, "signaling-state", &state, "current-local-description", &local, NULL);
  if (state == GST_WEBRTC_SIGNALING_STATE_STABLE && local != NULL)
    mark (local->type == GST_WEBRTC_SDP_TYPE_ANSWER ? &stages->answer_built
                                                    : &stages->answer_applied);
  if (local != NULL)
    gst_webrtc_session_description_free (local);
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, BenchStages *stages)
{
  /* webrtcbin adds a source pad when a stream's first packet left the
   * jitter buffer. */
  if (GST_PAD_DIRECTION (pad) == GST_PAD_SRC)
    mark (&stages->first_out);
}

/* The RTP session heard of the peer's stream: its first packet arrived
 * and was decrypted. */
static void
on_new_ssrc (GstElement *rtpbin, guint session, guint ssrc, BenchStages *stages)
{
  mark (&stages->first_rtp);
}

void
bench_stages_watch_media (BenchStages *stages, HandsetMediaSession *media)
{
  g_autoptr (GstElement) webrtc =
      gst_bin_get_by_name (GST_BIN (handset_media_session_get_pipeline (media)), "webrtc");
  g_autoptr (GstElement) rtpbin = NULL;

  g_signal_connect (webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state), stages);
  g_signal_connect (webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), stages);
  g_signal_connect (webrtc, "notify::signaling-state", G_CALLBACK (on_signaling_state), stages);
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (on_pad_added), stages);
  rtpbin = gst_bin_get_by_name (GST_BIN (webrtc), "rtpbin");
  g_assert (rtpbin != NULL);
  g_signal_connect (rtpbin, "on-new-ssrc", G_CALLBACK (on_new_ssrc), stages);
}

/* ------------------------------------------------------------------ the call layer */

static void
on_call_state (HandsetCall *call, GParamSpec *pspec, BenchStages *stages)
{
  if (handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_OUTGOING &&
      handset_call_get_state (call) == HANDSET_CALL_STATE_CONNECTING)
    mark (&stages->answer_synced);
}

static void
on_send_event (HandsetCallManager *manager,
               HandsetCall *call,
               const char *type,
               JsonObject *content,
               BenchStages *stages)
{
  if (g_str_equal (type, "m.call.answer"))
    mark (&stages->answer_handed);
}

/* The caller's call, once placed. */
void
bench_stages_watch_call (BenchStages *stages, HandsetCall *call)
{
  g_signal_connect (call, "notify::state", G_CALLBACK (on_call_state), stages);
}

/* The homeserver's reply to the answer's send is only in the call layer's
 * debug log ("m.call.answer of call … sent as $…"): read there. */
static GPtrArray *watched;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (level & G_LOG_LEVEL_DEBUG)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
          g_str_has_prefix (fields[i].value, "m.call.answer of call ") &&
          strstr (fields[i].value, " sent") != NULL)
        for (guint s = 0; s < watched->len; s++)
          {
            BenchStages *stages = g_ptr_array_index (watched, s);

            if (stages->answer_handed != 0)
              mark (&stages->answer_accepted);
          }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
bench_stages_watch_device (BenchStages *stages, HandsetTestDevice *device)
{
  if (watched == NULL)
    {
      watched = g_ptr_array_new ();
      g_log_set_writer_func (log_writer, NULL, NULL);
    }
  g_ptr_array_add (watched, stages);
  g_signal_connect (device->manager, "send-event", G_CALLBACK (on_send_event), stages);
}

/* Before @stages are freed: the log writer outlives the device, and would
 * otherwise mark the next answer accepted in freed memory. */
void
bench_stages_unwatch_device (BenchStages *stages, HandsetTestDevice *device)
{
  g_signal_handlers_disconnect_by_data (device->manager, stages);
  if (watched != NULL)
    g_ptr_array_remove_fast (watched, stages);
}

void
bench_stages_reset (BenchStages *stages)
{
  memset (stages, 0, sizeof *stages);
}

/* ------------------------------------------------------------------ rows */

const BenchStageRow bench_stage_rows[BENCH_N_STAGES] = {
  { "callee: answer made", "webrtcbin's signaling state stable with our answer as local "
                           "description (set-local-description done)" },
  { "callee: answer handed to the homeserver",
    "the call manager's send-event for m.call.answer (candidates gathered so far are in it)" },
  { "callee: answer accepted by the homeserver",
    "the send's reply (its event ID), from the call layer's debug log" },
  { "caller: answer delivered by /sync", "the outgoing call's state becomes connecting: the "
                                         "answer came in a sync batch and was routed to it" },
  { "caller: answer applied", "webrtcbin's signaling state stable with the answer as remote "
                              "description" },
  { "caller: ICE connected", "webrtcbin's ice-connection-state connected" },
  { "callee: ICE connected", "as above, at the callee" },
  { "caller: ICE and DTLS connected", "webrtcbin's connection-state connected: ICE and the "
                                      "DTLS handshake done" },
  { "callee: ICE and DTLS connected", "as above, at the callee" },
  { "caller: first RTP packet", "rtpbin's on-new-ssrc in webrtcbin: the peer's first packet "
                                "arrived, decrypted" },
  { "callee: first RTP packet", "as above, at the callee" },
  { "caller: first packet out of the jitter buffer", "webrtcbin's pad-added for the remote audio" },
  { "callee: first packet out of the jitter buffer", "as above, at the callee" },
};

static double
since (gint64 when, gint64 start)
{
  return when == 0 ? NAN : (when - start) / 1000.0;
}

void
bench_stages_since (BenchStages *caller, BenchStages *callee, gint64 start, double *stages)
{
  stages[BENCH_STAGE_BUILT] = since (callee->answer_built, start);
  stages[BENCH_STAGE_HANDED] = since (callee->answer_handed, start);
  stages[BENCH_STAGE_ACCEPTED] = since (callee->answer_accepted, start);
  stages[BENCH_STAGE_SYNCED] = since (caller->answer_synced, start);
  stages[BENCH_STAGE_APPLIED] = since (caller->answer_applied, start);
  stages[BENCH_STAGE_ICE_CALLER] = since (caller->ice_connected, start);
  stages[BENCH_STAGE_ICE_CALLEE] = since (callee->ice_connected, start);
  stages[BENCH_STAGE_DTLS_CALLER] = since (caller->dtls_connected, start);
  stages[BENCH_STAGE_DTLS_CALLEE] = since (callee->dtls_connected, start);
  stages[BENCH_STAGE_RTP_CALLER] = since (caller->first_rtp, start);
  stages[BENCH_STAGE_RTP_CALLEE] = since (callee->first_rtp, start);
  stages[BENCH_STAGE_OUT_CALLER] = since (caller->first_out, start);
  stages[BENCH_STAGE_OUT_CALLEE] = since (callee->first_out, start);
}
