/* test-sdp-summary.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a call reads of a session description through the media layer:
 * whether it sends video (an incoming call rings as a video call) and
 * whether it holds (a renegotiation's offer puts us on hold), for what
 * clients send and for what they should not.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "handset-sdp-summary.h"

#define HEAD  "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define AUDIO "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
#define VIDEO "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n"

typedef struct
{
  const char *name;
  const char *sdp;
  guint n_sections;
  gboolean sends_video;
  gboolean holds;
} Case;

static void
check (const Case *c)
{
  HandsetSdpSummary summary;

  g_test_message ("%s", c->name);
  /* Filled in whatever it held before. */
  memset (&summary, 0xff, sizeof (summary));
  handset_sdp_summarize (c->sdp, &summary);
  g_assert_cmpuint (summary.n_sections, ==, c->n_sections);
  g_assert_cmpint (summary.sends_video, ==, c->sends_video);
  g_assert_cmpint (summary.holds, ==, c->holds);
}

static void
test_video (void)
{
  const Case cases[] = {
    { "audio only", HEAD AUDIO, 1, FALSE, FALSE },
    { "audio and video", HEAD AUDIO VIDEO, 2, TRUE, FALSE },
    { "video sendrecv", HEAD AUDIO VIDEO "a=sendrecv\r\n", 2, TRUE, FALSE },
    { "video sendonly", HEAD VIDEO "a=sendonly\r\n" AUDIO, 2, TRUE, FALSE },
    { "video recvonly", HEAD AUDIO VIDEO "a=recvonly\r\n", 2, FALSE, FALSE },
    { "video inactive", HEAD AUDIO VIDEO "a=inactive\r\n", 2, FALSE, FALSE },
    /* Port 0 refuses the section, bundle-only or not. */
    { "video refused", HEAD AUDIO "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n", 2, FALSE, FALSE },
    { "video bundle-only", HEAD AUDIO "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=bundle-only\r\n", 2,
      FALSE, FALSE },
    /* One section that sends is enough. */
    { "two video sections", HEAD VIDEO "a=recvonly\r\n" VIDEO, 2, TRUE, FALSE },
    /* The tests' own short descriptions, with no session lines. */
    { "short audio", "m=audio 9 x 111\r\n", 1, FALSE, FALSE },
    { "short video", "m=audio 9 x 111\r\nm=video 9 x 96\r\n", 2, TRUE, FALSE },
    { "short refused", "m=audio 9 x 111\r\nm=video 0 x 96\r\n", 2, FALSE, FALSE },
    { "line feeds only", "v=0\nm=audio 9 x 111\nm=video 9 x 96\n", 2, TRUE, FALSE },
    { "data channel", HEAD AUDIO "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", 2, FALSE,
      FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_hold (void)
{
  const Case cases[] = {
    { "sendonly", HEAD AUDIO "a=sendonly\r\n", 1, FALSE, TRUE },
    { "inactive", HEAD AUDIO "a=inactive\r\n", 1, FALSE, TRUE },
    { "all held", HEAD AUDIO "a=inactive\r\n" VIDEO "a=sendonly\r\n", 2, TRUE, TRUE },
    /* Every section holds, or the call is not held. */
    { "one held", HEAD AUDIO "a=sendonly\r\n" VIDEO "a=sendrecv\r\n", 2, TRUE, FALSE },
    { "none held", HEAD AUDIO "a=sendrecv\r\n", 1, FALSE, FALSE },
    { "recvonly", HEAD AUDIO "a=recvonly\r\n", 1, FALSE, FALSE },
    /* A refused section that holds counts as holding. */
    { "refused and held", HEAD AUDIO "a=sendonly\r\nm=video 0 x 96\r\na=inactive\r\n", 2, FALSE,
      TRUE },
    /* A direction for the whole session is not a section's. */
    { "session sendonly", HEAD "a=sendonly\r\n" AUDIO, 1, FALSE, FALSE },
    { "blanks before lines", HEAD "  m=audio 9 x 111\r\n  a=sendonly\r\n", 1, FALSE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

/* What cannot be read says no sections: no video, no hold. */
static void
test_malformed (void)
{
  const Case cases[] = {
    { "none", NULL, 0, FALSE, FALSE },
    { "empty", "", 0, FALSE, FALSE },
    { "no media", HEAD, 0, FALSE, FALSE },
    { "not a description", "hello, world", 0, FALSE, FALSE },
    { "directions without a section", "a=sendonly\r\na=inactive\r\n", 0, FALSE, FALSE },
    { "blank lines", "\r\n\r\n\n", 0, FALSE, FALSE },
    /* An m-line without a port refuses its section; without a space after
     * the media, not video either. */
    { "m-line cut short", HEAD "m=video", 1, FALSE, FALSE },
    { "m-line cut short, held", "m=video\r\na=sendonly\r\n", 1, FALSE, TRUE },
    { "no line ends", "m=video 9 x 96 a=recvonly", 1, TRUE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

/* The fuzzer's seeds: what webrtcbin, Chrome and a held peer send. */
static void
test_seeds (void)
{
  const Case cases[] = {
    { "sdp-webrtcbin", NULL, 2, TRUE, FALSE },
    { "sdp-chrome", NULL, 2, FALSE, FALSE },
    { "sdp-held", NULL, 2, TRUE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path =
          g_test_build_filename (G_TEST_DIST, "fuzz", "parsers-seeds", cases[i].name, NULL);
      g_autofree char *contents = NULL;
      Case c = cases[i];

      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      /* The seed's first byte says which parser it is for. */
      g_assert_cmpint (contents[0], ==, 's');
      c.sdp = contents + 1;
      check (&c);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sdp-summary/video", test_video);
  g_test_add_func ("/sdp-summary/hold", test_hold);
  g_test_add_func ("/sdp-summary/malformed", test_malformed);
  g_test_add_func ("/sdp-summary/seeds", test_seeds);

  return g_test_run ();
}
