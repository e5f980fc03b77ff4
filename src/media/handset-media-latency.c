/* handset-media-latency.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How long the jitter buffer holds the received sound: short at the start,
 * so the first sound plays as soon as it can on a good path, and longer,
 * never shorter within a call, once the statistics say packets arrive
 * unevenly enough to need it. A longer hold after the start costs one
 * short gap in the sound, once; a long hold from the start would cost
 * every call its first moments.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <math.h>

#include "handset-media-session-private.h"

/* One Opus packet's worth: on loopback or a quiet LAN, enough. */
#define LATENCY_START_MS 20
#define LATENCY_MAX_MS   200
#define LATENCY_STEP_MS  10

/* webrtcbin hands its latency to its jitter buffers, also while they
 * play. */
static void
set_latency (HandsetMediaSession *self, guint latency_ms)
{
  self->latency_ms = latency_ms;
  g_object_set (self->webrtc, "latency", latency_ms, NULL);
}

void
handset_media_session_start_latency (HandsetMediaSession *self)
{
  set_latency (self, LATENCY_START_MS);
}

/**
 * handset_media_latency_needed:
 * @jitter_s: the interarrival jitter of the received stream (RFC 3550), in
 *   seconds
 *
 * Returns: the hold that covers it: three times the jitter and a packet's
 *   worth of reordering, in steps, within bounds
 */
guint
handset_media_latency_needed (double jitter_s)
{
  double needed = 3 * jitter_s * 1000 + LATENCY_START_MS;
  guint steps;

  if (!(needed > LATENCY_START_MS))
    return LATENCY_START_MS;
  if (needed >= LATENCY_MAX_MS)
    return LATENCY_MAX_MS;
  steps = (guint) ceil (needed / LATENCY_STEP_MS);
  return MIN (steps * LATENCY_STEP_MS, LATENCY_MAX_MS);
}

/* After new statistics: grows the hold when the path needs more. */
void
handset_media_session_adapt_latency (HandsetMediaSession *self)
{
  guint needed;

  if (self->closed || self->webrtc == NULL || self->stats.audio_packets_received == 0)
    return;
  needed = handset_media_latency_needed (self->stats.jitter);
  if (needed <= self->latency_ms)
    return;
  g_debug ("Jitter %.1f ms: the received sound is now held %u ms (was %u ms)",
           self->stats.jitter * 1000, needed, self->latency_ms);
  set_latency (self, needed);
}
