/* test-sdp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the media layer reads from a remote session description, and what
 * it refuses to read.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "handset-sdp.h"

#define HEAD "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define AUDIO                                                                             \
  "m=audio 9 UDP/TLS/RTP/SAVPF 109 0\r\nc=IN IP4 0.0.0.0\r\na=mid:a0\r\na=msid:s1 t1\r\n" \
  "a=rtpmap:109 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
#define VIDEO                                                                           \
  "m=video 0 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:v1\r\na=bundle-only\r\n" \
  "a=rtpmap:98 VP8/90000\r\n"

static GstSDPMessage *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = handset_sdp_parse_remote (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

static void
test_read (void)
{
  GstSDPMessage *sdp = parse_ok (HEAD AUDIO VIDEO);
  g_autoptr (GPtrArray) mids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) streams = g_ptr_array_new_with_free_func (g_free);
  gboolean sends, receives;

  /* The offer's payload types are the ones answered with. */
  g_assert_cmpint (handset_sdp_payload_type (sdp, "audio", "OPUS", 111), ==, 109);
  g_assert_cmpint (handset_sdp_payload_type (sdp, "video", "VP8", 96), ==, 98);
  g_assert_cmpint (handset_sdp_payload_type (sdp, "video", "H264", 96), ==, 96);
  /* Port 0 with bundle-only is a section that is there. */
  g_assert_true (handset_sdp_has_media (sdp, "video"));
  g_assert_false (handset_sdp_has_media (sdp, "application"));
  handset_sdp_read_direction (sdp, &sends, &receives);
  g_assert_true (sends && receives);
  handset_sdp_read_streams (sdp, mids, streams);
  g_assert_cmpuint (mids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (mids, 0), ==, "a0");
  g_assert_cmpstr (g_ptr_array_index (mids, 1), ==, "v1");
  g_assert_cmpstr (g_ptr_array_index (streams, 0), ==, "s1");
  g_assert_cmpstr (g_ptr_array_index (streams, 1), ==, "");
  gst_sdp_message_free (sdp);
}

static void
test_directions (void)
{
  GstSDPMessage *sdp = parse_ok (HEAD AUDIO "a=sendonly\r\n");
  g_autofree char *text = NULL;
  gboolean sends, receives;

  /* A peer that holds us sends sendonly: it does not want to receive. */
  handset_sdp_read_direction (sdp, &sends, &receives);
  g_assert_true (sends);
  g_assert_false (receives);
  handset_sdp_set_directions (sdp, handset_sdp_direction_name (TRUE, FALSE));
  handset_sdp_add_msid (sdp, "mine");
  text = gst_sdp_message_as_text (sdp);
  g_assert_nonnull (strstr (text, "a=sendonly"));
  /* The section had a stream; none is added to it. */
  g_assert_nonnull (strstr (text, "a=msid:s1 t1"));
  g_assert_null (strstr (text, "a=msid:mine"));
  g_assert_cmpstr (handset_sdp_direction_name (FALSE, FALSE), ==, "inactive");
  gst_sdp_message_free (sdp);
}

static void
test_log_hides_password (void)
{
  GstSDPMessage *sdp = parse_ok (HEAD AUDIO "a=ice-pwd:secretsecretsecretsecret\r\n");
  g_autofree char *logged = handset_sdp_to_log (sdp);

  g_assert_null (strstr (logged, "secretsecret"));
  g_assert_nonnull (strstr (logged, "a=ice-pwd:…"));
  g_assert_nonnull (strstr (logged, "a=rtpmap:109 opus/48000/2"));
  gst_sdp_message_free (sdp);
}

static void
test_refused (void)
{
  g_autofree char *huge = NULL;
  const char *refused[] = {
    "",
    HEAD,                                          /* no media */
    HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 300\r\n",    /* payload type RTP cannot carry */
    HEAD "m=audio 9 UDP/TLS/RTP/SAVPF opus\r\n",   /* not a number */
    HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111 -1\r\n", /* negative */
  };
  GString *big = g_string_new (HEAD AUDIO);

  while (big->len <= HANDSET_SDP_MAX_BYTES)
    g_string_append (big, "a=candidate:1 1 UDP 2122260223 127.0.0.1 40000 typ host\r\n");
  huge = g_string_free (big, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (refused) + 2; i++)
    {
      const char *text = i < G_N_ELEMENTS (refused)    ? refused[i]
                         : i == G_N_ELEMENTS (refused) ? huge
                                                       : NULL;
      g_autoptr (GError) error = NULL;

      g_assert_null (handset_sdp_parse_remote (text, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }

  /* A data channel's format is a name, which is fine. */
  gst_sdp_message_free (
      parse_ok (HEAD AUDIO "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n"));
}

/* The fuzzer's seeds are descriptions the layer reads, not ones it
 * refuses at once. */
/* telephone-event/48000, Opus's clock, is the one read; Chrome offers
 * an 8 kHz one too. Ours is added with 101, or a free type, or the
 * offer's. */
static void
test_telephone_event (void)
{
  GstSDPMessage *sdp = parse_ok (HEAD AUDIO VIDEO);
  GstSDPMessage *chrome =
      parse_ok (HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111 101 126\r\nc=IN IP4 0.0.0.0\r\n"
                     "a=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n"
                     "a=rtpmap:126 telephone-event/48000\r\n" VIDEO);
  GstSDPMessage *taken = parse_ok (HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111 101\r\n"
                                        "c=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
                                        "a=rtpmap:101 CN/48000\r\n");
  GstSDPMessage *no_audio = parse_ok (HEAD VIDEO);
  g_autofree char *text = NULL;

  g_assert_cmpint (handset_sdp_telephone_event (sdp), ==, -1);
  g_assert_cmpint (handset_sdp_telephone_event (chrome), ==, 126);
  g_assert_cmpint (handset_sdp_telephone_event (no_audio), ==, -1);

  g_assert_cmpint (handset_sdp_add_telephone_event (sdp, -1), ==, 101);
  g_assert_cmpint (handset_sdp_telephone_event (sdp), ==, 101);
  text = gst_sdp_message_as_text (sdp);
  g_assert_nonnull (strstr (text, "m=audio 9 UDP/TLS/RTP/SAVPF 109 0 101\r\n"));
  g_assert_nonnull (strstr (text, "a=rtpmap:101 telephone-event/48000\r\na=fmtp:101 0-15\r\n"));
  /* Once only. */
  g_assert_cmpint (handset_sdp_add_telephone_event (sdp, -1), ==, 101);
  g_assert_cmpint (gst_sdp_media_formats_len (gst_sdp_message_get_media (sdp, 0)), ==, 3);
  /* Not into the video. */
  g_assert_cmpint (gst_sdp_media_formats_len (gst_sdp_message_get_media (sdp, 1)), ==, 1);

  g_assert_cmpint (handset_sdp_add_telephone_event (taken, -1), ==, 102);
  g_assert_cmpint (handset_sdp_add_telephone_event (chrome, 126), ==, 126);
  g_assert_cmpint (handset_sdp_add_telephone_event (no_audio, -1), ==, -1);

  gst_sdp_message_free (sdp);
  gst_sdp_message_free (chrome);
  gst_sdp_message_free (taken);
  gst_sdp_message_free (no_audio);
}

static void
test_fuzz_seeds_read (void)
{
  const char *names[] = { "sdp-webrtcbin", "sdp-chrome", "sdp-held" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path =
          g_test_build_filename (G_TEST_DIST, "fuzz", "parsers-seeds", names[i], NULL);
      g_autofree char *contents = NULL;

      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpint (contents[0], ==, 's');
      gst_sdp_message_free (parse_ok (contents + 1));
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sdp/read", test_read);
  g_test_add_func ("/sdp/telephone-event", test_telephone_event);
  g_test_add_func ("/sdp/directions", test_directions);
  g_test_add_func ("/sdp/log-hides-password", test_log_hides_password);
  g_test_add_func ("/sdp/refused", test_refused);
  g_test_add_func ("/sdp/fuzz-seeds-read", test_fuzz_seeds_read);

  return g_test_run ();
}
