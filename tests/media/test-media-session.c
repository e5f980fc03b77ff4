/* test-media-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two media sessions in one process, connected over 127.0.0.1 through
 * in-memory signalling (media-session-fixture.c): a 440 Hz tone one way
 * and 880 Hz the other arrive, checked by frequency; video frames arrive;
 * statistics count both ways; mute stops sending; the SDP carries one
 * msid stream that matches; tones (DTMF) go both ways; descriptions
 * refused and missing plugins are errors that say why.
 */

#include "config.h"

#include "handset-media-check.h"
#include "handset-media-provider.h"
#include "media-session-fixture.h"

/* A second offer from alice and bob's answer, on connected peers. */
static char *
renegotiate (Peer *alice, Peer *bob, gboolean ice_restart)
{
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GAsyncResult) set_result = NULL;
  g_autoptr (GAsyncResult) answer_result = NULL;
  g_autoptr (GAsyncResult) answer_set = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *answer = NULL;
  char *offer;

  handset_media_create_offer (HANDSET_MEDIA (alice->session), ice_restart, NULL, store_result,
                              &offer_result);
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (alice->session),
                                             wait_result (&offer_result), &error);
  g_assert_no_error (error);
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

  return offer;
}

static char *
ice_ufrag (const char *sdp)
{
  const char *at = strstr (sdp, "a=ice-ufrag:");

  g_assert_nonnull (at);
  at += strlen ("a=ice-ufrag:");
  return g_strndup (at, strcspn (at, "\r\n"));
}

static guint64
stat (HandsetMediaSession *session, const char *name)
{
  guint64 value = 0;

  g_object_get (session, name, &value, NULL);
  return value;
}

static void
refresh_stats (Peer *a, Peer *b)
{
  handset_media_session_update_stats (a->session);
  handset_media_session_update_stats (b->session);
  handset_test_run_for (300);
}

/* An ICE restart asked of real webrtcbin. 1.22 has no ICE restart (it
 * ignores the option and keeps its credentials), so the offer is a plain
 * renegotiation: it must still go through, and the tones keep flowing
 * both ways. When webrtcbin learns to restart, the credentials change. */
static void
test_ice_restart (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autofree char *offer = NULL;
  g_autofree char *restart = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  connect_peers (&alice, &bob, &offer);
  assert_tone (&bob, 440);

  restart = renegotiate (&alice, &bob, TRUE);
  before = ice_ufrag (offer);
  after = ice_ufrag (restart);
  g_test_message ("ICE credentials %s by the restart offer",
                  g_str_equal (before, after) ? "kept" : "changed");
  handset_test_run_for (1000);
  assert_tone (&bob, 440);
  assert_tone (&alice, 880);

  peer_clear (&alice);
  peer_clear (&bob);
}

static void
test_tones_both_ways (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autofree char *offer = NULL;
  g_autofree char *msid = NULL;
  g_autofree char *pair_type = NULL;
  g_autofree char *password = NULL;
  g_autoptr (GString) log = g_string_new (NULL);
  guint64 sent_before, sent_after;
  guint handler;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  g_setenv ("G_MESSAGES_DEBUG", "Handset-Media", TRUE);
  handler = g_log_set_handler ("Handset-Media", G_LOG_LEVEL_DEBUG, keep_message, log);
  connect_peers (&alice, &bob, &offer);
  g_log_remove_handler ("Handset-Media", handler);
  g_unsetenv ("G_MESSAGES_DEBUG");

  /* The descriptions are in the debug log, without their ICE passwords. */
  g_assert_nonnull (strstr (log->str, "Local description:"));
  g_assert_nonnull (strstr (log->str, "Remote description:"));
  g_assert_nonnull (strstr (offer, "a=ice-pwd:"));
  password = g_strndup (strstr (offer, "a=ice-pwd:") + strlen ("a=ice-pwd:"), 22);
  g_assert_cmpuint (strlen (password), ==, 22);
  g_assert_null (strstr (log->str, password));

  /* One msid stream, the one our metadata names. */
  msid =
      g_strdup_printf ("a=msid:%s ", handset_media_get_stream_id (HANDSET_MEDIA (alice.session)));
  g_assert_nonnull (strstr (offer, msid));

  assert_tone (&bob, 440);
  assert_tone (&alice, 880);

  refresh_stats (&alice, &bob);
  g_assert_cmpuint (stat (alice.session, "audio-bytes-sent"), >, 1000);
  g_assert_cmpuint (stat (alice.session, "audio-bytes-received"), >, 1000);
  g_assert_cmpuint (stat (bob.session, "audio-packets-sent"), >, 10);
  g_assert_cmpuint (stat (bob.session, "audio-packets-received"), >, 10);
  g_object_get (alice.session, "candidate-pair-type", &pair_type, NULL);
  g_assert_cmpstr (pair_type, ==, "host");

  /* The ICE agent: no UPnP search, checks paced at 5 ms, no TCP host
   * candidates. */
  {
    g_autoptr (GstElement) webrtc = gst_bin_get_by_name (
        GST_BIN (handset_media_session_get_pipeline (alice.session)), "webrtc");
    g_autoptr (GObject) ice = NULL;
    g_autoptr (GObject) agent = NULL;
    gboolean upnp = TRUE, tcp = TRUE;
    guint pacing = 0;

    g_object_get (webrtc, "ice-agent", &ice, NULL);
    g_object_get (ice, "agent", &agent, NULL);
    g_object_get (agent, "upnp", &upnp, "stun-pacing-timer", &pacing, "ice-tcp", &tcp, NULL);
    g_assert_false (upnp);
    g_assert_cmpuint (pacing, ==, 5);
    g_assert_false (tcp);
  }

  /* Muted: nothing more is sent, and nothing was renegotiated. */
  handset_media_set_muted (HANDSET_MEDIA (alice.session), TRUE);
  handset_test_run_for (500);
  refresh_stats (&alice, &bob);
  sent_before = stat (alice.session, "audio-packets-sent");
  handset_test_run_for (1000);
  refresh_stats (&alice, &bob);
  sent_after = stat (alice.session, "audio-packets-sent");
  g_assert_cmpuint (sent_after, <=, sent_before + 2);
  handset_media_set_muted (HANDSET_MEDIA (alice.session), FALSE);
  assert_tone (&bob, 440);

  peer_clear (&alice);
  peer_clear (&bob);
}

static void
on_dtmf_received (HandsetMedia *media, const char *tone, GString *received)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_string_append (received, tone);
}

typedef struct
{
  GString *keys;
  gsize expected;
} Received;

static gboolean
received_all (gpointer data)
{
  Received *received = data;

  return received->keys->len >= received->expected;
}

/* @sdp as a peer that takes no tones would send it: payload type 101
 * gone from the audio m-line with its rtpmap and fmtp. */
static char *
without_telephone_event (const char *sdp)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\r\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr (GString) line = g_string_new (lines[i]);

      if (g_str_has_prefix (line->str, "a=rtpmap:101 ") ||
          g_str_has_prefix (line->str, "a=fmtp:101 "))
        continue;
      if (g_str_has_prefix (line->str, "m=audio "))
        g_string_replace (line, " 101", "", 0);
      g_string_append_printf (out, "%s\r\n", line->str);
    }
  return g_string_free (out, FALSE);
}

/* Tones, RFC 4733 telephone-events at 48 kHz: both descriptions offer
 * them, alice's keys arrive at bob once each, in order, and the sound
 * goes on after them. */
static void
test_dtmf (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autofree char *offer = NULL;
  g_autoptr (GString) keys = g_string_new (NULL);
  Received received = { keys, 6 };
  g_autoptr (GError) error = NULL;
  g_autofree char *renegotiated = NULL;
  guint64 sent_before;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  g_signal_connect (bob.session, "dtmf-received", G_CALLBACK (on_dtmf_received), keys);
  connect_peers (&alice, &bob, &offer);
  g_assert_nonnull (strstr (offer, "a=rtpmap:101 telephone-event/48000\r\n"));
  assert_tone (&bob, 440);

  g_assert_true (handset_media_send_dtmf (HANDSET_MEDIA (alice.session), "123", &error));
  g_assert_no_error (error);
  g_assert_true (handset_media_send_dtmf (HANDSET_MEDIA (alice.session), "#*9", &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (received_all, &received, WAIT_S));
  /* No key twice, though each one's end is said three times. */
  handset_test_run_for (500);
  g_assert_cmpstr (keys->str, ==, "123#*9");
  assert_tone (&bob, 440);

  /* bob's answer took them too. */
  g_string_truncate (keys, 0);
  received.expected = 3;
  g_signal_connect (alice.session, "dtmf-received", G_CALLBACK (on_dtmf_received), keys);
  g_assert_true (handset_media_send_dtmf (HANDSET_MEDIA (bob.session), "D0A", &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (received_all, &received, WAIT_S));
  handset_test_run_for (500);
  g_assert_cmpstr (keys->str, ==, "D0A");

  /* Muted: the tones still go, and then nothing more. */
  g_string_truncate (keys, 0);
  received.expected = 2;
  g_signal_handlers_disconnect_by_func (alice.session, on_dtmf_received, keys);
  handset_media_set_muted (HANDSET_MEDIA (alice.session), TRUE);
  handset_test_run_for (300);
  g_assert_true (handset_media_send_dtmf (HANDSET_MEDIA (alice.session), "57", &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (received_all, &received, WAIT_S));
  handset_test_run_for (500);
  g_assert_cmpstr (keys->str, ==, "57");
  refresh_stats (&alice, &bob);
  sent_before = stat (alice.session, "audio-packets-sent");
  handset_test_run_for (1000);
  refresh_stats (&alice, &bob);
  g_assert_cmpuint (stat (alice.session, "audio-packets-sent"), <=, sent_before + 2);
  handset_media_set_muted (HANDSET_MEDIA (alice.session), FALSE);
  assert_tone (&bob, 440);

  /* Renegotiated, the tones are offered once, and still arrive. */
  g_string_truncate (keys, 0);
  received.expected = 1;
  renegotiated = renegotiate (&alice, &bob, FALSE);
  g_assert_nonnull (strstr (renegotiated, "telephone-event/48000"));
  g_assert_null (strstr (strstr (renegotiated, "telephone-event/48000") + 1, "telephone-event"));
  g_assert_true (handset_media_send_dtmf (HANDSET_MEDIA (alice.session), "8", &error));
  g_assert_no_error (error);
  g_assert_true (handset_test_wait_until (received_all, &received, WAIT_S));
  handset_test_run_for (500);
  g_assert_cmpstr (keys->str, ==, "8");

  /* On hold, none are sent. */
  handset_media_set_local_hold (HANDSET_MEDIA (alice.session), TRUE);
  g_assert_false (handset_media_send_dtmf (HANDSET_MEDIA (alice.session), "1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);

  peer_clear (&alice);
  peer_clear (&bob);
}

/* An offer without telephone-event: bob's answer has none either, and
 * neither side can send tones; the call's sound is as before. */
static void
test_dtmf_not_taken (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autofree char *offer = NULL;
  g_autoptr (GError) error = NULL;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  connect_peers_edited (&alice, &bob, &offer, without_telephone_event);
  g_assert_null (strstr (offer, "telephone-event"));
  assert_tone (&bob, 440);
  assert_tone (&alice, 880);

  g_assert_false (handset_media_send_dtmf (HANDSET_MEDIA (alice.session), "1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "The other side does not take tones");
  g_clear_error (&error);
  g_assert_false (handset_media_send_dtmf (HANDSET_MEDIA (bob.session), "1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);

  peer_clear (&alice);
  peer_clear (&bob);
}

/* §17 #61 (docs/voip-behaviours.md) with real webrtcbin: a stream the peer's metadata does not give
 * as usermedia is received but not played; the one it names is. */
static void
test_streams_not_shown (void)
{
  Peer alice = { 0 }, bob = { 0 };
  const char *others[] = { "someone-elses-stream", NULL };
  double rms = -1;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  handset_media_set_shown_streams (HANDSET_MEDIA (bob.session), others);
  connect_peers (&alice, &bob, NULL);

  assert_tone (&alice, 880);
  handset_test_run_for (1000);
  refresh_stats (&alice, &bob);
  g_assert_cmpuint (stat (bob.session, "audio-bytes-received"), >, 1000);
  handset_test_tone_get_frequency (bob.tone, &rms);
  g_assert_cmpfloat (rms, ==, 0);

  peer_clear (&alice);
  peer_clear (&bob);

  /* Named as usermedia: played. */
  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5", NULL);
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  {
    const char *usermedia[] = { "someone-elses-stream",
                                handset_media_get_stream_id (HANDSET_MEDIA (alice.session)), NULL };

    handset_media_set_shown_streams (HANDSET_MEDIA (bob.session), usermedia);
  }
  connect_peers (&alice, &bob, NULL);
  assert_tone (&bob, 440);

  peer_clear (&alice);
  peer_clear (&bob);
}

static gboolean
frames_arrived (gpointer data)
{
  return g_atomic_int_get (&((Peer *) data)->frames) >= 10;
}

static void
on_preview_frame (HandsetMediaSession *session,
                  int width,
                  int height,
                  int stride,
                  GBytes *pixels,
                  Peer *peer)
{
  /* From a streaming thread. */
  if (width == 160 && height == 120 && g_bytes_get_size (pixels) == (gsize) stride * height)
    g_atomic_int_inc (&peer->previews);
}

static gboolean
previews_shown (gpointer data)
{
  return g_atomic_int_get (&((Peer *) data)->previews) >= 10;
}

static void
test_video_call (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autofree char *offer = NULL;

  peer_init (&alice, TRUE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  peer_init (&bob, TRUE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5",
             "videotestsrc is-live=true pattern=snow");
  connect_peers (&alice, &bob, &offer);

  g_assert_nonnull (strstr (offer, "m=video"));
  /* Audio and video in the one stream. */
  {
    g_autofree char *video_msid = g_strdup_printf (
        "a=msid:%s %s-video", handset_media_get_stream_id (HANDSET_MEDIA (alice.session)),
        handset_media_get_stream_id (HANDSET_MEDIA (alice.session)));

    g_assert_nonnull (strstr (offer, video_msid));
  }
  g_assert_true (handset_test_wait_until (frames_arrived, &bob, WAIT_S));
  g_assert_true (handset_test_wait_until (frames_arrived, &alice, WAIT_S));
  assert_tone (&bob, 440);

  /* A small copy of what alice sends, for her preview; none once she
   * stops sending video. */
  g_signal_connect (alice.session, "preview-frame", G_CALLBACK (on_preview_frame), &alice);
  g_assert_true (handset_test_wait_until (previews_shown, &alice, WAIT_S));
  handset_media_set_video (HANDSET_MEDIA (alice.session), FALSE);
  handset_test_run_for (300);
  g_atomic_int_set (&alice.previews, 0);
  handset_test_run_for (500);
  g_assert_cmpuint (g_atomic_int_get (&alice.previews), ==, 0);

  peer_clear (&alice);
  peer_clear (&bob);
}

/* While the call rings at the other end (our offer sent, no answer yet),
 * the preview goes on: nothing can be sent before the answer, and the
 * camera must not wait for it. */
static void
test_preview_while_ringing (void)
{
  Peer alice = { 0 };
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;

  peer_init (&alice, TRUE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  g_signal_connect (alice.session, "preview-frame", G_CALLBACK (on_preview_frame), &alice);
  handset_media_create_offer (HANDSET_MEDIA (alice.session), FALSE, NULL, store_result,
                              &offer_result);
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (alice.session),
                                             wait_result (&offer_result), &error);
  g_assert_no_error (error);

  /* 15 frames a second: after three seconds, still coming. */
  handset_test_run_for (3000);
  g_atomic_int_set (&alice.previews, 0);
  handset_test_run_for (1000);
  g_assert_cmpuint (g_atomic_int_get (&alice.previews), >=, 5);

  peer_clear (&alice);
}

/* A camera added to a call going on: until the peer answers the offer
 * that brings it, nothing of it goes to webrtcbin, and the preview goes
 * on meanwhile. */
static void
test_preview_while_video_is_offered (void)
{
  Peer alice = { 0 }, bob = { 0 };
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440 volume=0.5",
             "videotestsrc is-live=true pattern=ball");
  peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=880 volume=0.5", NULL);
  connect_peers (&alice, &bob, NULL);
  g_signal_connect (alice.session, "preview-frame", G_CALLBACK (on_preview_frame), &alice);
  handset_media_set_video (HANDSET_MEDIA (alice.session), TRUE);
  handset_media_create_offer (HANDSET_MEDIA (alice.session), FALSE, NULL, store_result,
                              &offer_result);
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (alice.session),
                                             wait_result (&offer_result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (offer, "m=video"));

  handset_test_run_for (3000);
  g_atomic_int_set (&alice.previews, 0);
  handset_test_run_for (1000);
  g_assert_cmpuint (g_atomic_int_get (&alice.previews), >=, 5);

  peer_clear (&alice);
  peer_clear (&bob);
}

/* A call hung up while its offer is made: the offer still answers, with an
 * error (it used to never answer, and the call it held leaked). */
static void
test_closed_while_offering (void)
{
  Peer alice = { 0 };
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440", NULL);
  handset_media_create_offer (HANDSET_MEDIA (alice.session), FALSE, NULL, store_result,
                              &offer_result);
  handset_media_close (HANDSET_MEDIA (alice.session));
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (alice.session),
                                             wait_result (&offer_result), &error);
  g_assert_null (offer);
  g_assert_nonnull (error);
  g_test_message ("closed while offering: %s", error->message);
  peer_clear (&alice);
}

/* A description that parses but that webrtcbin refuses is an error, not a
 * silent success that leaves the call waiting. */
static void
test_refused_description (void)
{
  Peer alice = { 0 };
  g_autoptr (GAsyncResult) offer_result = NULL;
  g_autoptr (GAsyncResult) set_result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autoptr (GRegex) fingerprint = g_regex_new ("a=fingerprint:[^\r\n]*\r?\n", 0, 0, NULL);
  g_autofree char *answer = NULL;

  peer_init (&alice, FALSE, "audiotestsrc is-live=true wave=sine freq=440", NULL);
  handset_media_create_offer (HANDSET_MEDIA (alice.session), FALSE, NULL, store_result,
                              &offer_result);
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (alice.session),
                                             wait_result (&offer_result), &error);
  g_assert_no_error (error);

  /* An "answer" that is our offer turned round, without its fingerprint. */
  answer = g_regex_replace_literal (fingerprint, offer, -1, 0, "", 0, NULL);
  g_assert_null (strstr (answer, "a=fingerprint"));
  handset_media_set_remote_description (HANDSET_MEDIA (alice.session), "answer", answer, NULL,
                                        store_result, &set_result);
  g_assert_false (handset_media_set_remote_description_finish (HANDSET_MEDIA (alice.session),
                                                               wait_result (&set_result), &error));
  g_assert_error (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT);
  g_assert_nonnull (strstr (error->message, "cannot be used"));

  /* An empty one, one of 2 MB, one with a payload type out of range:
   * refused with an error, no critical. */
  {
    g_autofree char *huge = g_strnfill (2 * 1024 * 1024, 'a');
    g_autoptr (GRegex) formats = g_regex_new ("m=audio (\\d+) ([A-Z/]+) [0-9 ]+", 0, 0, NULL);
    /* A payload type RTP has no room for (they end at 127). */
    g_autofree char *pt300 =
        g_regex_replace_literal (formats, offer, -1, 0, "m=audio 9 UDP/TLS/RTP/SAVPF 300", 0, NULL);
    const char *bad[] = { "", huge, pt300 };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        Peer bob = { 0 };
        g_autoptr (GAsyncResult) bad_result = NULL;

        g_clear_error (&error);
        peer_init (&bob, FALSE, "audiotestsrc is-live=true wave=sine freq=440", NULL);
        handset_media_set_remote_description (HANDSET_MEDIA (bob.session), "offer", bad[i], NULL,
                                              store_result, &bad_result);
        g_assert_false (handset_media_set_remote_description_finish (
            HANDSET_MEDIA (bob.session), wait_result (&bad_result), &error));
        g_assert_nonnull (error);
        g_test_message ("description of %zu bytes: %s", strlen (bad[i]), error->message);
        peer_clear (&bob);
      }
  }

  peer_clear (&alice);
}

static void
test_turn_uri (void)
{
  g_autofree char *a = handset_media_turn_uri ("turn:127.0.0.1:3478?transport=udp",
                                               "1700000000:@alice:example.org", "p+w/=");
  g_autofree char *b =
      handset_media_turn_uri ("turns:turn.example.org:5349?transport=tcp", "u", "p");
  g_autofree char *c = handset_media_turn_uri ("stun:stun.example.org", "u", "p");

  g_assert_cmpstr (
      a, ==, "turn://1700000000%3A%40alice%3Aexample.org:p%2Bw%2F%3D@127.0.0.1:3478?transport=udp");
  g_assert_cmpstr (b, ==, "turns://u:p@turn.example.org:5349?transport=tcp");
  g_assert_null (c);
}

/* Without a camera a video call has no video to send: it says so, and no
 * test pattern goes out in its place (autovideosrc would send one). */
static void
test_no_camera (void)
{
  g_autoptr (HandsetMediaSession) session = handset_media_session_new (TRUE, NULL);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;

  g_assert_nonnull (session);
  g_assert_false (handset_media_devices_can_send_video (NULL));
  handset_media_session_set_audio_source (session,
                                          handset_test_source ("audiotestsrc is-live=true"));
  handset_media_create_offer (HANDSET_MEDIA (session), FALSE, NULL, store_result, &result);
  offer =
      handset_media_create_offer_finish (HANDSET_MEDIA (session), wait_result (&result), &error);
  g_assert_null (offer);
  g_assert_error (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT);
  g_assert_nonnull (strstr (error->message, "No camera"));
  {
    g_autoptr (GstElement) pattern = gst_bin_get_by_name (
        GST_BIN (handset_media_session_get_pipeline (session)), "videotestsrc0");

    g_assert_null (pattern);
  }
}

static void
test_missing_plugin (void)
{
  GstPluginFeature *feature = gst_registry_lookup_feature (gst_registry_get (), "vp8enc");
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) session = NULL;

  /* As if gstreamer1.0-plugins-good lacked VP8: a video call cannot start,
   * and says why. */
  g_assert_nonnull (feature);
  gst_registry_remove_feature (gst_registry_get (), feature);
  gst_object_unref (feature);

  session = handset_media_session_new (TRUE, &error);
  g_assert_null (session);
  g_assert_error (error, HANDSET_MEDIA_ERROR, HANDSET_MEDIA_ERROR_MISSING_ELEMENT);
  g_assert_nonnull (strstr (error->message, "“vp8enc” (package gstreamer1.0-plugins-good)"));
}

static gboolean
provider_has_relay (const char *const *homeserver_turn,
                    const char *fallback,
                    const char *username,
                    const char *password)
{
  g_autoptr (HandsetMediaProvider) provider = handset_media_provider_new (NULL);
  g_autoptr (HandsetMedia) media = NULL;
  g_autoptr (GError) error = NULL;
  gboolean has_relay;

  handset_media_provider_set_turn (provider, homeserver_turn, "user", "secret");
  handset_media_provider_set_fallback_ice_server (provider, fallback, username, password);
  media = handset_media_provider_make (FALSE, provider, &error);
  g_assert_no_error (error);
  has_relay = handset_media_has_relay (media);
  handset_media_close (media);

  return has_relay;
}

/* Whether a call has a relay to go through: the homeserver's TURN server,
 * else a TURN server the person set; never a STUN server, which relays
 * nothing. What the person is told when ICE fails depends on it. */
static void
test_relay_known (void)
{
  const char *homeserver[] = { "turn:127.0.0.1:3478?transport=udp", NULL };

  g_assert_false (provider_has_relay (NULL, NULL, NULL, NULL));
  g_assert_true (provider_has_relay (homeserver, NULL, NULL, NULL));
  g_assert_true (provider_has_relay (NULL, "turn:127.0.0.1:3478", "someone", "password"));
  g_assert_false (provider_has_relay (NULL, "stun:127.0.0.1:3478", NULL, NULL));
  /* Not a server: not used. */
  g_assert_false (provider_has_relay (NULL, "turn:", "someone", "password"));
  /* The homeserver's comes first. */
  g_assert_true (provider_has_relay (homeserver, "stun:127.0.0.1:3478", NULL, NULL));
}

int
main (int argc, char *argv[])
{
  media_session_test_init (&argc, &argv);

  g_test_add_func ("/media-session/42-candidates-in-the-sdp-and-tones-both-ways",
                   test_tones_both_ways);
  g_test_add_func ("/media-session/video-call", test_video_call);
  g_test_add_func ("/media-session/preview-while-ringing", test_preview_while_ringing);
  g_test_add_func ("/media-session/preview-while-video-is-offered",
                   test_preview_while_video_is_offered);
  g_test_add_func ("/media-session/dtmf", test_dtmf);
  g_test_add_func ("/media-session/dtmf-not-taken", test_dtmf_not_taken);
  g_test_add_func ("/media-session/no-camera", test_no_camera);
  g_test_add_func ("/media-session/61-streams-not-shown", test_streams_not_shown);
  g_test_add_func ("/media-session/ice-restart-asked", test_ice_restart);
  g_test_add_func ("/media-session/turn-uri", test_turn_uri);
  g_test_add_func ("/media-session/refused-description", test_refused_description);
  g_test_add_func ("/media-session/closed-while-offering", test_closed_while_offering);
  g_test_add_func ("/media-session/relay-known", test_relay_known);
  /* Last: it takes vp8enc out of the registry. */
  g_test_add_func ("/media-session/missing-plugin", test_missing_plugin);

  return g_test_run ();
}
