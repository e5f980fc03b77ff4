/* call-event-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the m.call.* event tests (test-call-event-*.c) share: the room,
 * sender and common v1 fields of the events they write as JSON text,
 * helpers that parse such events and check what is rejected, and the
 * check of a parsed list of ICE candidates.
 */
#pragma once

#include "handset-call-event.h"

G_BEGIN_DECLS

#define ROOM_ID "!r:example.org"
#define SENDER  "@a:example.org"
#define SDP     "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

/* The common fields of a v1 event, for content written as JSON text. */
#define V1     "\"call_id\": \"c1\", \"party_id\": \"partyAAA\", \"version\": \"1\""
#define OFFER  "\"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}"
#define ANSWER "\"answer\": {\"type\": \"answer\", \"sdp\": \"v=0\"}"

/* Parses @text; an event that is not a JSON object is passed as NULL. */
HandsetCallEvent *parse_text (const char *text, gint64 received_us, GError **error);

/* Parses an event of @type with @content (JSON text) from SENDER in ROOM_ID. */
HandsetCallEvent *parse_call (const char *type, const char *content, GError **error);

/* Parses a content that must be valid. */
HandsetCallEvent *parse_valid (const char *type, const char *content);

void assert_rejected (HandsetCallEvent *event, GError *error, HandsetCallEventError code);

/* Checks that a content is refused as invalid. */
void assert_invalid (const char *type, const char *content);

typedef struct
{
  const char *candidate;
  const char *sdp_mid;
  int sdp_mline_index;
} ExpectedCandidate;

void assert_candidates (GPtrArray *candidates, const ExpectedCandidate *expected, guint n_expected);

G_END_DECLS
