/* handset-session-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session's inside, shared by handset-session.c (its parts made,
 * started and stopped) and the files of its other jobs: -calls (placing
 * a call) and -settings (the person's settings handed to the parts).
 */
#pragma once

#include "handset-fallback-relay.h"
#include "handset-media-provider.h"
#include "handset-session.h"

G_BEGIN_DECLS

struct _HandsetSession
{
  GObject parent_instance;

  HandsetAccount *account;
  HandsetMediaProvider *media; /* makes each call's media */
  HandsetMediaDevices *media_devices;
  HandsetRooms *rooms;
  HandsetContactList *contacts;
  HandsetDevices *devices;
  HandsetTurn *turn;
  HandsetFallbackRelay *fallback_relay; /* the person's, when the homeserver has no TURN */
  HandsetCallManager *manager;
  HandsetRtcRings *rtc_rings;
  HandsetCallHistory *history;
  HandsetMediaCache *media_cache;
  HandsetEncryption *encryption;
  HandsetRecovery *recovery;
  gboolean only_verified;
  GCancellable *cancellable;
  char *encryption_error;

  gboolean ready;
  gboolean stopped;         /* for good: no call is placed any more */
  GPtrArray *waiting_calls; /* GTask: calls asked for before the first sync */
};

/* handset-session-calls.c */
void handset_session_place_waiting (HandsetSession *self);
void handset_session_fail_waiting (HandsetSession *self);

/* handset-session-settings.c */
void handset_session_apply_only_verified (HandsetSession *self);

G_END_DECLS
