/* call-media-live-fixture.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the whole-call tests (test-call-media-live*.c) share: a device of
 * alice's or bob's on the real Synapse, through the account and call
 * layers, whose calls get real webrtcbin media on 127.0.0.1 with a tone
 * of its own, directly or through a TURN relay (the homeserver's, or the
 * person's fallback relay server).
 */
#pragma once

#include <string.h>

#include "handset-test-device.h"
#include "handset-test-util.h"

G_BEGIN_DECLS

#define WAIT_S 30

/* How a device's media are made. */
typedef struct
{
  const char *source;
  gboolean relay_only;
  gboolean wrong_turn_password;
  gboolean fallback_relay;  /* the homeserver offers no TURN; the person set coturn */
  const char *later_source; /* the microphone of media made after the first, if not source */
  guint made;               /* media made so far */
} Plan;

typedef HandsetTestDevice Device;

Device *device_new (HandsetTestUser *user,
                    const char *source,
                    gboolean relay_only,
                    gboolean fallback_relay);
void device_free (Device *device);
gboolean is_connected (gpointer data);
gboolean is_ended (gpointer data);
gboolean frames_came (gpointer data);

void call_media_live_test_init (int *argc, char ***argv);

G_END_DECLS
