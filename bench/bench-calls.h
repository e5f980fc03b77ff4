/* bench-calls.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What bench-calls.c and bench-calls-apart.c share.
 */
#pragma once

#include "bench-stages.h"
#include "handset-test-device.h"

G_BEGIN_DECLS

#define RUNS   5
#define WAIT_S 30

/* How a bench device answers, its device->data. */
typedef struct
{
  const char *source;
  gboolean auto_answer;
  gboolean answer_video;
  BenchStages stages;
} Plan;

typedef HandsetTestDevice Device;

static inline Plan *
plan_of (Device *device)
{
  return device->data;
}

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  char *user_id;
  gboolean ready;
  gboolean gone;
  gint64 rang, answered, heard;
  gint64 stages[7]; /* bench-callee's "stages" line */
  gboolean has_stages;
} Callee;

gboolean bench_heard (gpointer tone);
gboolean bench_is_ended (gpointer call);
void bench_summarize (const char *key, double median);

Callee *bench_callee_start (const char *self_path, HandsetTestUser *user, const char *room_id);
void bench_callee_stop (Callee *callee);
void bench_one_call_apart (Device *alice,
                           Callee *callee,
                           const char *room_id,
                           double *ring,
                           double *to_alice,
                           double *to_bob,
                           double *stages);
void bench_apart_latencies (Device *alice, Callee *callee, const char *room_id);

G_END_DECLS
