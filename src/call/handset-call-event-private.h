/* handset-call-event-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inside of HandsetCallEvent, shared with its parser
 * (handset-call-event-parse.c).
 */
#pragma once

#include "handset-call-event.h"

G_BEGIN_DECLS

struct _HandsetCallEvent
{
  gatomicrefcount ref_count;

  HandsetCallEventType type;
  char *room_id;
  char *sender;
  char *event_id;
  char *call_id;
  char *party_id;
  int version;
  gint64 age_ms;
  gint64 received_us;
  char *sdp;
  char *description_type;
  gint64 lifetime;
  char *invitee;
  char *selected_party_id;
  char *reason;
  GPtrArray *candidates;
  JsonObject *stream_metadata;
  gboolean dtmf;
};

void handset_call_event_free (HandsetCallEvent *self);

G_END_DECLS
