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

/* The stages of a call, in the order they come, at the end that passes
 * them. */
enum
{
  BENCH_STAGE_BUILT,
  BENCH_STAGE_HANDED,
  BENCH_STAGE_ACCEPTED,
  BENCH_STAGE_SYNCED,
  BENCH_STAGE_APPLIED,
  BENCH_STAGE_ICE_CALLER,
  BENCH_STAGE_ICE_CALLEE,
  BENCH_STAGE_DTLS_CALLER,
  BENCH_STAGE_DTLS_CALLEE,
  BENCH_STAGE_RTP_CALLER,
  BENCH_STAGE_RTP_CALLEE,
  BENCH_STAGE_OUT_CALLER,
  BENCH_STAGE_OUT_CALLEE,
  BENCH_N_STAGES
};

typedef struct
{
  const char *figure;
  const char *how;
} BenchStageRow;

extern const BenchStageRow bench_stage_rows[BENCH_N_STAGES];

void bench_stages_since (BenchStages *caller, BenchStages *callee, gint64 start, double *stages);
void bench_stages_watch_media (BenchStages *stages, HandsetMediaSession *media);
void bench_stages_watch_device (BenchStages *stages, HandsetTestDevice *device);
void bench_stages_unwatch_device (BenchStages *stages, HandsetTestDevice *device);
void bench_stages_watch_call (BenchStages *stages, HandsetCall *call);
void bench_stages_reset (BenchStages *stages);

G_END_DECLS
