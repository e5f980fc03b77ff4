/* media-session-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the media session tests (test-media-session*.c) share: two peers
 * in one process, connected over 127.0.0.1 through in-memory signalling,
 * and helpers to wait and to listen.
 */
#pragma once

#include <string.h>

#include "handset-media-session.h"
#include "handset-test-tone.h"
#include "handset-test-util.h"

G_BEGIN_DECLS

#define WAIT_S 20

typedef struct
{
  HandsetMediaSession *session;
  HandsetTestTone *tone;
  gboolean connected;
  guint frames;
  guint previews;
} Peer;

/* Whether peer_init() makes peers whose sound is processed (echo
 * cancellation, noise suppression, gain control). */
extern gboolean processed_peers;

void media_session_test_init (int *argc, char ***argv);
void store_result (GObject *object, GAsyncResult *result, gpointer user_data);
GAsyncResult *wait_result (GAsyncResult **result);
void peer_init (Peer *peer, gboolean video, const char *audio_source, const char *video_source);
void peer_clear (Peer *peer);
void connect_peers_edited (Peer *alice,
                           Peer *bob,
                           char **offer_out,
                           char *(*edit_offer) (const char *) );
void connect_peers (Peer *alice, Peer *bob, char **offer_out);
void assert_tone (Peer *peer, double expected);
void keep_message (const char *domain, GLogLevelFlags level, const char *message, gpointer log);

G_END_DECLS
