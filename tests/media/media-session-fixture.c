/* media-session-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the media session tests (test-media-session*.c) share: two peers
 * in one process, connected over 127.0.0.1 through in-memory signalling,
 * alice offering and bob answering, each with a tone meter for a speaker.
 */

#include "config.h"

#include "media-session-fixture.h"

static void
on_ice_state (HandsetMedia *media, int state, Peer *peer)
{
  if (state == HANDSET_ICE_STATE_CONNECTED || state == HANDSET_ICE_STATE_COMPLETED)
    peer->connected = TRUE;
}

static void
on_frame (HandsetMediaSession *session,
          int width,
          int height,
          int stride,
          GBytes *pixels,
          Peer *peer)
{
  /* From a streaming thread. */
  if (width == 640 && height == 480 && g_bytes_get_size (pixels) == (gsize) stride * height)
    g_atomic_int_inc (&peer->frames);
}

static void
on_gathered (HandsetMedia *media, Peer *other)
{
  g_autoptr (HandsetIceCandidate) end = handset_ice_candidate_new ("", NULL, -1);

  handset_media_add_remote_candidate (HANDSET_MEDIA (other->session), end);
}

static void
relay_candidate (HandsetMedia *media, HandsetIceCandidate *candidate, Peer *other)
{
  handset_media_add_remote_candidate (HANDSET_MEDIA (other->session), candidate);
}

void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
wait_result (GAsyncResult **result)
{
  g_assert_true (handset_test_wait_until (have_result, result, WAIT_S));
  return *result;
}

static gboolean
both_connected (gpointer data)
{
  Peer **peers = data;

  return peers[0]->connected && peers[1]->connected;
}

gboolean processed_peers;

void
peer_init (Peer *peer, gboolean video, const char *audio_source, const char *video_source)
{
  g_autoptr (GError) error = NULL;

  peer->tone = handset_test_tone_new ();
  peer->session = handset_media_session_new (video, &error);
  g_assert_no_error (error);
  if (processed_peers)
    handset_media_session_set_processing (peer->session, TRUE, TRUE, TRUE);
  handset_media_session_set_audio_source (peer->session, handset_test_source (audio_source));
  handset_media_session_set_audio_sink (peer->session, handset_test_tone_create_sink (peer->tone));
  if (video_source != NULL)
    handset_media_session_set_video_source (peer->session, handset_test_source (video_source));
  g_signal_connect (peer->session, "ice-state-changed", G_CALLBACK (on_ice_state), peer);
  g_signal_connect (peer->session, "video-frame", G_CALLBACK (on_frame), peer);
}

void
peer_clear (Peer *peer)
{
  handset_media_close (HANDSET_MEDIA (peer->session));
  g_clear_object (&peer->session);
  handset_test_tone_free (peer->tone);
}

/* alice offers, bob answers, as a call does; @edit_offer, if given,
 * changes the offer on its way to bob. */
void
connect_peers_edited (Peer *alice, Peer *bob, char **offer_out, char *(*edit_offer) (const char *) )
{
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GAsyncResult) set_result = NULL;
  g_autoptr (GAsyncResult) answer_result = NULL;
  g_autoptr (GAsyncResult) answer_set = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  Peer *peers[2] = { alice, bob };

  g_signal_connect (alice->session, "local-candidate", G_CALLBACK (relay_candidate), bob);
  g_signal_connect (bob->session, "local-candidate", G_CALLBACK (relay_candidate), alice);
  g_signal_connect (alice->session, "gathering-done", G_CALLBACK (on_gathered), bob);
  g_signal_connect (bob->session, "gathering-done", G_CALLBACK (on_gathered), alice);

  handset_media_create_offer (HANDSET_MEDIA (alice->session), FALSE, NULL, store_result,
                              &offer_result);
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (alice->session),
                                             wait_result (&offer_result), &error);
  g_assert_no_error (error);
  /* Early candidates are already in the offer. */
  g_assert_nonnull (strstr (offer, "a=candidate:"));
  g_assert_nonnull (strstr (offer, "127.0.0.1"));
  if (edit_offer != NULL)
    {
      char *edited = edit_offer (offer);

      g_free (offer);
      offer = edited;
    }

  handset_media_set_remote_description (HANDSET_MEDIA (bob->session), "offer", offer, NULL,
                                        store_result, &set_result);
  g_assert_true (handset_media_set_remote_description_finish (HANDSET_MEDIA (bob->session),
                                                              wait_result (&set_result), &error));
  handset_media_create_answer (HANDSET_MEDIA (bob->session), NULL, store_result, &answer_result);
  answer = handset_media_create_answer_finish (HANDSET_MEDIA (bob->session),
                                               wait_result (&answer_result), &error);
  g_assert_no_error (error);
  handset_media_set_remote_description (HANDSET_MEDIA (alice->session), "answer", answer, NULL,
                                        store_result, &answer_set);
  g_assert_true (handset_media_set_remote_description_finish (HANDSET_MEDIA (alice->session),
                                                              wait_result (&answer_set), &error));

  g_assert_true (handset_test_wait_until (both_connected, peers, WAIT_S));
  /* A processed call plays silence until the remote sound arrives: the
   * tone meters wait for the sound. */
  if (processed_peers)
    handset_test_run_for (1500);
  if (offer_out != NULL)
    *offer_out = g_steal_pointer (&offer);
}

void
connect_peers (Peer *alice, Peer *bob, char **offer_out)
{
  connect_peers_edited (alice, bob, offer_out, NULL);
}

void
assert_tone (Peer *peer, double expected)
{
  handset_test_tone_assert (peer->tone, expected, 1500);
}

void
keep_message (const char *domain, GLogLevelFlags level, const char *message, gpointer log)
{
  g_string_append_printf (log, "%s\n", message);
}

/* Before g_test_init(): tests touch only 127.0.0.1, and the devices are
 * the ones the tests give. */
void
media_session_test_init (int *argc, char ***argv)
{
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  g_unsetenv ("HANDSET_AUDIO_SRC");
  g_unsetenv ("HANDSET_AUDIO_SINK");
  g_unsetenv ("HANDSET_VIDEO_SRC");
  g_unsetenv ("HANDSET_VIDEO_SINK");
  gst_init (argc, argv);
  g_test_init (argc, argv, NULL);
}
