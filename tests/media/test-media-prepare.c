/* test-media-prepare.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The answer made while a call rings, with real webrtcbin sessions. The
 * caller's offer is a real one whose candidates are replaced by a single
 * address of the test's own: a UDP socket on 127.0.0.1. While the call
 * rings nothing may arrive there (no connectivity check tells the caller
 * where the callee is) and the microphone stays closed; once answered,
 * the answer comes at once, the microphone opens and checks arrive.
 * Connecting while ringing sends the checks before the answer. A call
 * answered after its answer was made while ringing carries the tone, and
 * a video call's the camera, closed until then.
 */

#include "config.h"

#include <gst/sdp/sdp.h>

#include "handset-media-session.h"
#include "handset-test-tone.h"
#include "handset-test-util.h"

#define WAIT_S 20

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* What arrived at the caller's address: STUN binding requests count. */
typedef struct
{
  GSocket *socket;
  guint requests;
} Caller;

static gboolean
check_arrived (gpointer data)
{
  Caller *caller = data;
  guint8 buffer[1500];
  gssize n;

  while ((n = g_socket_receive (caller->socket, (char *) buffer, sizeof buffer, NULL, NULL)) > 0)
    /* A STUN Binding request: type 0x0001, the magic cookie at 4. */
    if (n >= 20 && buffer[0] == 0x00 && buffer[1] == 0x01 && buffer[4] == 0x21 &&
        buffer[5] == 0x12 && buffer[6] == 0xa4 && buffer[7] == 0x42)
      caller->requests++;
  return caller->requests > 0;
}

static void
caller_init (Caller *caller)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  caller->socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (caller->socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (caller->socket, FALSE);
  caller->requests = 0;
}

static guint16
caller_port (Caller *caller)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (caller->socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* A real offer, whose only candidate is the caller's socket, and which
 * says it has no more. */
static char *
make_offer (HandsetMediaSession *offerer, Caller *caller)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *candidate = NULL;
  GstSDPMessage *sdp = NULL;
  char *offer;

  handset_media_create_offer (HANDSET_MEDIA (offerer), FALSE, NULL, handset_test_store_result,
                              &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  text = handset_media_create_offer_finish (HANDSET_MEDIA (offerer), result, &error);
  g_assert_no_error (error);

  gst_sdp_message_new_from_text (text, &sdp);
  candidate = g_strdup_printf ("1 1 UDP 2130706431 127.0.0.1 %u typ host", caller_port (caller));
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);

      for (guint a = gst_sdp_media_attributes_len (media); a > 0; a--)
        if (g_strcmp0 (gst_sdp_media_get_attribute (media, a - 1)->key, "candidate") == 0)
          gst_sdp_media_remove_attribute (media, a - 1);
      gst_sdp_media_add_attribute (media, "candidate", candidate);
      gst_sdp_media_add_attribute (media, "end-of-candidates", "");
    }
  offer = gst_sdp_message_as_text (sdp);
  gst_sdp_message_free (sdp);
  return offer;
}

static HandsetMediaSession *
callee_new (GstElement **microphone)
{
  g_autoptr (GError) error = NULL;
  HandsetMediaSession *session = handset_media_session_new (FALSE, &error);
  GstElement *source = handset_test_source ("audiotestsrc is-live=true freq=440");

  g_assert_no_error (error);
  /* Ours, and the session's once it sinks the floating reference. */
  *microphone = gst_object_ref (source);
  handset_media_session_set_audio_source (session, source);
  handset_media_session_set_audio_sink (session, handset_test_source ("fakesink sync=false"));
  return session;
}

static gboolean
prepare (HandsetMediaSession *callee, const char *offer, gboolean connect)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_assert_true (handset_media_can_prepare_answer (HANDSET_MEDIA (callee)));
  handset_media_prepare_answer (HANDSET_MEDIA (callee), offer, connect, NULL,
                                handset_test_store_result, &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  ok = handset_media_prepare_answer_finish (HANDSET_MEDIA (callee), result, &error);
  g_assert_no_error (error);
  return ok;
}

static char *
answer (HandsetMediaSession *callee, gint64 *took_us)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  char *sdp;

  handset_media_create_answer (HANDSET_MEDIA (callee), NULL, handset_test_store_result, &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  *took_us = g_get_monotonic_time () - start;
  sdp = handset_media_create_answer_finish (HANDSET_MEDIA (callee), result, &error);
  g_assert_no_error (error);
  return sdp;
}

/* Whether @element plays in a pipeline: a microphone that is open. */
static gboolean
is_open (GstElement *element)
{
  GstState state = GST_STATE_NULL;
  g_autoptr (GstObject) parent = gst_object_get_parent (GST_OBJECT (element));

  if (parent == NULL)
    return FALSE;
  gst_element_get_state (element, &state, NULL, 0);
  return state >= GST_STATE_PAUSED;
}

static void
test_prepared_answer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) offerer = handset_media_session_new (FALSE, &error);
  g_autoptr (HandsetMediaSession) callee = NULL;
  g_autoptr (GstElement) microphone = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *sdp = NULL;
  Caller caller;
  gint64 took_us;

  g_assert_no_error (error);
  handset_media_session_set_audio_source (offerer, handset_test_source ("audiotestsrc is-live=1"));
  caller_init (&caller);
  offer = make_offer (offerer, &caller);
  callee = callee_new (&microphone);

  g_assert_true (prepare (callee, offer, FALSE));
  /* Ringing for a second and a half: no check reaches the caller, and the
   * microphone is not open. */
  handset_test_run_for (1500);
  g_assert_false (check_arrived (&caller));
  g_assert_false (is_open (microphone));

  /* Answered: the answer at once (within a tenth of a second; made
   * afresh it takes longer), with its candidates. */
  sdp = answer (callee, &took_us);
  g_test_message ("the prepared answer came %" G_GINT64_FORMAT " µs after it was asked for",
                  took_us);
  g_assert_cmpint (took_us, <, 100 * 1000);
  g_assert_nonnull (strstr (sdp, "a=ice-ufrag:"));
  g_assert_nonnull (strstr (sdp, "a=candidate:"));
  g_assert_nonnull (strstr (sdp, "a=sendrecv"));
  /* Now the microphone plays, and the caller's address is checked. */
  g_assert_true (handset_test_wait_until ((gboolean (*) (gpointer)) is_open, microphone, WAIT_S));
  g_assert_true (handset_test_wait_until (check_arrived, &caller, WAIT_S));

  handset_media_close (HANDSET_MEDIA (callee));
  handset_media_close (HANDSET_MEDIA (offerer));
  g_object_unref (caller.socket);
}

static void
test_connect_while_ringing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) offerer = handset_media_session_new (FALSE, &error);
  g_autoptr (HandsetMediaSession) callee = NULL;
  g_autoptr (GstElement) microphone = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *sdp = NULL;
  Caller caller;
  gint64 took_us;

  g_assert_no_error (error);
  handset_media_session_set_audio_source (offerer, handset_test_source ("audiotestsrc is-live=1"));
  caller_init (&caller);
  offer = make_offer (offerer, &caller);
  callee = callee_new (&microphone);

  /* Connecting while ringing: checks reach the caller before the answer,
   * the microphone still closed. */
  g_assert_true (prepare (callee, offer, TRUE));
  g_assert_true (handset_test_wait_until (check_arrived, &caller, WAIT_S));
  g_assert_false (is_open (microphone));

  sdp = answer (callee, &took_us);
  g_assert_cmpint (took_us, <, 100 * 1000);
  g_assert_nonnull (strstr (sdp, "a=candidate:"));
  g_assert_true (handset_test_wait_until ((gboolean (*) (gpointer)) is_open, microphone, WAIT_S));

  handset_media_close (HANDSET_MEDIA (callee));
  handset_media_close (HANDSET_MEDIA (offerer));
  g_object_unref (caller.socket);
}

/* Another microphone chosen while the call rings: neither opens before
 * the answer, and the one chosen last opens then. */
static void
test_microphone_chosen_while_ringing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) offerer = handset_media_session_new (FALSE, &error);
  g_autoptr (HandsetMediaSession) callee = NULL;
  g_autoptr (GstElement) first = NULL;
  g_autoptr (GstElement) chosen = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *sdp = NULL;
  GstElement *source;
  Caller caller;
  gint64 took_us;

  g_assert_no_error (error);
  handset_media_session_set_audio_source (offerer, handset_test_source ("audiotestsrc is-live=1"));
  caller_init (&caller);
  offer = make_offer (offerer, &caller);
  callee = callee_new (&first);
  g_assert_true (prepare (callee, offer, FALSE));

  source = handset_test_source ("audiotestsrc is-live=true freq=660");
  chosen = gst_object_ref (source);
  handset_media_session_replace_audio_source (callee, source);
  handset_test_run_for (300);
  g_assert_false (is_open (first));
  g_assert_false (is_open (chosen));

  sdp = answer (callee, &took_us);
  g_assert_true (handset_test_wait_until ((gboolean (*) (gpointer)) is_open, chosen, WAIT_S));
  g_assert_false (is_open (first));

  handset_media_close (HANDSET_MEDIA (callee));
  handset_media_close (HANDSET_MEDIA (offerer));
  g_object_unref (caller.socket);
}

static void
relay_candidate (HandsetMedia *media, HandsetIceCandidate *candidate, HandsetMedia *other)
{
  handset_media_add_remote_candidate (other, candidate);
}

/* @caller's offer, made and set. */
static char *
offer_of (HandsetMediaSession *caller)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *offer;

  handset_media_create_offer (HANDSET_MEDIA (caller), FALSE, NULL, handset_test_store_result,
                              &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  offer = handset_media_create_offer_finish (HANDSET_MEDIA (caller), result, &error);
  g_assert_no_error (error);
  return offer;
}

/* @sdp, the callee's answer, set at @caller. */
static void
take_answer (HandsetMediaSession *caller, const char *sdp)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_media_set_remote_description (HANDSET_MEDIA (caller), "answer", sdp, NULL,
                                        handset_test_store_result, &result);
  g_assert_true (handset_test_wait_until (have_result, &result, WAIT_S));
  g_assert_true (
      handset_media_set_remote_description_finish (HANDSET_MEDIA (caller), result, &error));
  g_assert_no_error (error);
}

/* A call answered with the answer made while it rang: the callee's
 * microphone (880 Hz), which replaced the silence, is heard. */
static void
test_prepared_call_heard (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) caller = handset_media_session_new (FALSE, &error);
  g_autoptr (HandsetMediaSession) callee = handset_media_session_new (FALSE, &error);
  g_autoptr (HandsetTestTone) heard = handset_test_tone_new ();
  g_autofree char *offer = NULL;
  g_autofree char *sdp = NULL;
  gint64 took_us;

  g_assert_no_error (error);
  handset_media_session_set_audio_source (caller, handset_test_source ("audiotestsrc is-live=1"));
  handset_media_session_set_audio_sink (caller, handset_test_tone_create_sink (heard));
  handset_media_session_set_audio_source (
      callee, handset_test_source ("audiotestsrc is-live=true freq=880"));
  handset_media_session_set_audio_sink (callee, handset_test_source ("fakesink sync=false"));
  g_signal_connect (caller, "local-candidate", G_CALLBACK (relay_candidate), callee);
  g_signal_connect (callee, "local-candidate", G_CALLBACK (relay_candidate), caller);

  offer = offer_of (caller);

  g_assert_true (prepare (callee, offer, FALSE));
  handset_test_run_for (500);
  sdp = answer (callee, &took_us);
  take_answer (caller, sdp);

  handset_test_tone_assert (heard, 880, 4000);

  handset_media_close (HANDSET_MEDIA (callee));
  handset_media_close (HANDSET_MEDIA (caller));
}

static void
count_frame (HandsetMediaSession *session,
             int width,
             int height,
             int stride,
             GBytes *pixels,
             guint *frames)
{
  /* From a streaming thread. */
  if (width == 640 && height == 480)
    g_atomic_int_inc (frames);
}

static gboolean
frames_came (gpointer data)
{
  return g_atomic_int_get ((guint *) data) >= 10;
}

/* A video call's answer made while it rings: black pictures stand for
 * the camera, which stays closed until the call is answered; answered, the
 * camera takes their place, and the caller sees it and hears the callee. */
static void
test_prepared_video_call (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetMediaSession) caller = handset_media_session_new (TRUE, &error);
  g_autoptr (HandsetMediaSession) callee = handset_media_session_new (TRUE, &error);
  g_autoptr (HandsetTestTone) heard = handset_test_tone_new ();
  g_autoptr (GstElement) camera =
      gst_object_ref_sink (handset_test_source ("videotestsrc is-live=true pattern=ball"));
  g_autofree char *offer = NULL;
  g_autofree char *sdp = NULL;
  guint frames = 0;
  gint64 took_us;

  g_assert_no_error (error);
  handset_media_session_set_audio_source (caller, handset_test_source ("audiotestsrc is-live=1"));
  handset_media_session_set_audio_sink (caller, handset_test_tone_create_sink (heard));
  handset_media_session_set_video_source (caller,
                                          handset_test_source ("videotestsrc is-live=true"));
  handset_media_session_set_audio_source (
      callee, handset_test_source ("audiotestsrc is-live=true freq=880"));
  handset_media_session_set_audio_sink (callee, handset_test_source ("fakesink sync=false"));
  handset_media_session_set_video_source (callee, gst_object_ref (camera));
  g_signal_connect (caller, "local-candidate", G_CALLBACK (relay_candidate), callee);
  g_signal_connect (callee, "local-candidate", G_CALLBACK (relay_candidate), caller);
  g_signal_connect (caller, "video-frame", G_CALLBACK (count_frame), &frames);

  offer = offer_of (caller);
  g_assert_nonnull (strstr (offer, "m=video"));

  g_assert_true (prepare (callee, offer, FALSE));
  handset_test_run_for (1000);
  g_assert_false (is_open (camera));

  sdp = answer (callee, &took_us);
  g_assert_nonnull (strstr (sdp, "m=video"));
  g_assert_true (is_open (camera));
  take_answer (caller, sdp);

  handset_test_tone_assert (heard, 880, 4000);
  g_assert_true (handset_test_wait_until (frames_came, &frames, WAIT_S));

  handset_media_close (HANDSET_MEDIA (callee));
  handset_media_close (HANDSET_MEDIA (caller));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media-prepare/nothing-before-the-answer", test_prepared_answer);
  g_test_add_func ("/media-prepare/connect-while-ringing", test_connect_while_ringing);
  g_test_add_func ("/media-prepare/answered-call-heard", test_prepared_call_heard);
  g_test_add_func ("/media-prepare/video-call-seen", test_prepared_video_call);
  g_test_add_func ("/media-prepare/microphone-chosen-while-ringing",
                   test_microphone_chosen_while_ringing);

  return g_test_run ();
}
