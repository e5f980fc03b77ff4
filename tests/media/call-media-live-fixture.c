/* call-media-live-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the whole-call tests (test-call-media-live*.c) share: each device's
 * media made as its plan says (its tone, relay only, a TURN password
 * coturn refuses, or the fallback relay server the person set when the
 * homeserver names none), and what they wait for.
 */

#include "config.h"

#include "call-media-live-fixture.h"
#include "handset-media-provider.h"

/* As the app makes a call's media when the homeserver names no TURN
 * server: through the provider, with the fallback server the person set
 * (here the suite's coturn, with credentials the homeserver issued). */
static HandsetMedia *
fallback_relay_media (Device *device, gboolean video, GError **error)
{
  Plan *plan = device->data;
  g_autoptr (HandsetMediaProvider) provider = handset_media_provider_new (NULL);
  const char *const *uris = handset_turn_get_uris (device->turn);
  const char *udp = NULL;
  HandsetMedia *media;

  for (guint i = 0; uris[i] != NULL && udp == NULL; i++)
    if (g_str_has_suffix (uris[i], "?transport=udp"))
      udp = uris[i];
  g_assert_nonnull (udp);
  handset_media_provider_set_turn (provider, NULL, NULL, NULL);
  handset_media_provider_set_fallback_ice_server (provider, udp,
                                                  handset_turn_get_username (device->turn),
                                                  handset_turn_get_password (device->turn));
  handset_media_provider_set_relay_only (provider, plan->relay_only);
  media = handset_media_provider_make (video, provider, error);
  if (media == NULL)
    return NULL;
  g_assert_true (handset_media_has_relay (media));
  handset_media_session_set_audio_source (HANDSET_MEDIA_SESSION (media),
                                          handset_test_source (plan->source));
  handset_media_session_set_audio_sink (HANDSET_MEDIA_SESSION (media),
                                        handset_test_tone_create_sink (device->tone));
  g_set_object (&device->media, HANDSET_MEDIA_SESSION (media));

  return media;
}

static HandsetMedia *
make_media (gboolean video, gpointer user_data, GError **error)
{
  Device *device = user_data;
  Plan *plan = device->data;
  HandsetMediaSession *media;

  if (plan->fallback_relay)
    return fallback_relay_media (device, video, error);
  media = handset_media_session_new (video, error);
  if (media == NULL)
    return NULL;

  handset_media_session_set_audio_source (
      media,
      handset_test_source (plan->made++ > 0 && plan->later_source != NULL ? plan->later_source
                                                                          : plan->source));
  handset_test_device_use_media (device, media,
                                 plan->wrong_turn_password ? "not-the-password" : NULL);
  handset_media_session_set_relay_only (media, plan->relay_only);

  return HANDSET_MEDIA (media);
}

Device *
device_new (HandsetTestUser *user, const char *source, gboolean relay_only, gboolean fallback_relay)
{
  Plan *plan = g_new0 (Plan, 1);

  plan->source = source;
  plan->relay_only = relay_only;
  plan->fallback_relay = fallback_relay;
  return handset_test_device_new (user, TRUE, make_media, plan);
}

void
device_free (Device *device)
{
  g_free (device->data);
  handset_test_device_free (device);
}

gboolean
is_connected (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_CONNECTED;
}

gboolean
is_ended (gpointer data)
{
  return handset_call_get_state (data) == HANDSET_CALL_STATE_ENDED;
}

gboolean
frames_came (gpointer data)
{
  return g_atomic_int_get ((guint *) data) >= 10;
}

void
call_media_live_test_init (int *argc, char ***argv)
{
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  gst_init (argc, argv);
  g_test_init (argc, argv, NULL);
}
