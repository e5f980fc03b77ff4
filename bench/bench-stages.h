/* bench-stages.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-test-device.h"

G_BEGIN_DECLS

/* When each stage of a call's setup was reached at one end, in
 * g_get_monotonic_time() microseconds; 0: not yet. */
typedef struct
{
  gint64 answer_built;    /* callee: its answer set as local description */
  gint64 answer_handed;   /* callee: the answer handed to the homeserver */
  gint64 answer_accepted; /* callee: the homeserver accepted it */
  gint64 answer_synced;   /* caller: the answer came down /sync to the call */
  gint64 answer_applied;  /* caller: the answer set as remote description */
  gint64 ice_connected;
  gint64 dtls_connected;
  gint64 first_rtp; /* the peer's first packet arrived */
  gint64 first_out; /* and left the jitter buffer */
} BenchStages;

void bench_stages_watch_media (BenchStages *stages, HandsetMediaSession *media);
void bench_stages_watch_device (BenchStages *stages, HandsetTestDevice *device);
void bench_stages_watch_call (BenchStages *stages, HandsetCall *call);
void bench_stages_reset (BenchStages *stages);

G_END_DECLS
