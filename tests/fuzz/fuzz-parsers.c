/* fuzz-parsers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hostile input for the parsers of what other people send, besides the
 * decryption paths (fuzz-decrypt): the first byte of an input picks the
 * parser, the rest is its input:
 *   'u': a `matrix:` or matrix.to link (handset_matrix_uri_parse)
 *   'c': a room event, as JSON, for the call-event parser
 *   'r': a room event, as JSON, for the Element Call ring reader
 *   's': a remote session description, checked and read as the media
 *        layer does before webrtcbin sees it (handset-sdp.c)
 *   'j': JSON for the one-pass reader of /sync answers (handset-sync-json.c):
 *        what it reads, json-glib reads the same; written out and read
 *        again it is the same tree
 * Nothing may crash, leak, or trip a sanitizer; what parses must make
 * sense. The committed seeds are in parsers-seeds/.
 *
 * Built two ways: with clang -fsanitize=fuzzer -DHANDSET_LIBFUZZER,
 * libFuzzer drives it; like every test, `fuzz-parsers DIR|FILE...` runs
 * each input once (the seeds, or a finding to reproduce).
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "handset-call-event.h"
#include "handset-json.h"
#include "handset-matrix-uri.h"
#include "handset-rtc-ring.h"
#include "handset-sdp-summary.h"
#include "handset-sdp.h"
#include "handset-sync-json.h"

/* As the app reads remote JSON: nothing nested deeper than a Matrix answer
 * is (json-glib recurses once per level). */
static JsonObject *
parse_object (const char *data, gsize size)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!handset_json_depth_ok (data, size, HANDSET_JSON_MAX_DEPTH) ||
      !json_parser_load_from_data (parser, data, (gssize) size, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

static void
fuzz_one (const guint8 *data, size_t size)
{
  g_autofree char *text = NULL;

  if (size < 1 || size > 65536)
    return;
  text = g_strndup ((const char *) data + 1, size - 1);

  switch (data[0])
    {
      case 'u':
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (HandsetMatrixUri) uri = handset_matrix_uri_parse (text, &error);

          g_assert ((uri == NULL) != (error == NULL));
          if (uri != NULL)
            g_assert (handset_matrix_uri_get_id (uri) != NULL);
        }
        break;
      case 'c':
        {
          g_autoptr (JsonObject) event = parse_object (text, strlen (text));
          g_autoptr (GError) error = NULL;
          HandsetCallEvent *parsed;

          if (event == NULL)
            return;
          parsed = handset_call_event_parse (event, "!room:example.org", 0, &error);
          g_assert ((parsed == NULL) != (error == NULL));
          if (parsed != NULL)
            {
              /* The peer's streams by purpose, as the call reads them. */
              JsonObject *metadata = handset_call_event_get_stream_metadata (parsed);
              gboolean video_muted = FALSE;
              g_auto (GStrv) screens = handset_call_event_metadata_streams (
                  metadata, HANDSET_MEDIA_PURPOSE_SCREENSHARE, &video_muted);
              g_auto (GStrv) cameras = handset_call_event_metadata_streams (
                  metadata, HANDSET_MEDIA_PURPOSE_USERMEDIA, NULL);

              g_assert (screens != NULL && cameras != NULL);
              g_assert (handset_call_event_get_call_id (parsed) != NULL);
              handset_call_event_unref (parsed);
            }
        }
        break;
      case 'r':
        {
          g_autoptr (JsonObject) event = parse_object (text, strlen (text));
          g_autoptr (GError) error = NULL;
          g_autoptr (HandsetRtcRing) ring = NULL;

          if (event == NULL)
            return;
          ring = handset_rtc_ring_parse (event, "!room:example.org", "@bob:example.org",
                                         1700000000000, &error);
          g_assert ((ring == NULL) != (error == NULL));
          if (ring != NULL)
            g_assert (handset_rtc_ring_get_expires_ms (ring) <=
                      1700000000000 + HANDSET_RTC_RING_MAX_LIFETIME_MS);
        }
        break;
      case 's':
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) mids = g_ptr_array_new_with_free_func (g_free);
          g_autoptr (GPtrArray) streams = g_ptr_array_new_with_free_func (g_free);
          g_autofree char *logged = NULL;
          g_autofree char *again = NULL;
          GstSDPMessage *sdp = handset_sdp_parse_remote (text, &error);
          gboolean sends, receives;
          HandsetSdpSummary summary;
          int type;

          /* What the call layer reads of any description, parsed or not. */
          handset_sdp_summarize (text, &summary);
          g_assert ((sdp == NULL) != (error == NULL));
          if (sdp == NULL)
            return;
          g_assert_cmpuint (gst_sdp_message_medias_len (sdp), >, 0);
          type = handset_sdp_payload_type (sdp, "audio", "OPUS", 111);
          g_assert_cmpint (type, >=, 0);
          g_assert_cmpint (type, <=, 127);
          type = handset_sdp_payload_type (sdp, "video", "VP8", 96);
          g_assert_cmpint (type, >=, 0);
          g_assert_cmpint (type, <=, 127);
          handset_sdp_has_media (sdp, "audio");
          handset_sdp_has_media (sdp, "video");
          handset_sdp_read_direction (sdp, &sends, &receives);
          handset_sdp_read_streams (sdp, mids, streams);
          g_assert_cmpuint (mids->len, ==, gst_sdp_message_medias_len (sdp));
          g_assert_cmpuint (streams->len, ==, mids->len);
          /* What is done to a description on its way to webrtcbin. */
          handset_sdp_set_directions (sdp, handset_sdp_direction_name (sends, FALSE));
          handset_sdp_set_directions (sdp, "sendrecv");
          handset_sdp_add_msid (sdp, "stream");
          /* Tones: the peer's payload type for them, and ours added. */
          type = handset_sdp_telephone_event (sdp);
          g_assert_cmpint (type, >=, -1);
          g_assert_cmpint (type, <=, 127);
          type = handset_sdp_add_telephone_event (sdp, -1);
          g_assert_cmpint (type, >=, -1);
          g_assert_cmpint (type, <=, 127);
          logged = handset_sdp_to_log (sdp);
          /* No ICE password line is logged as it is. */
          {
            g_auto (GStrv) lines = g_strsplit (logged, "\n", -1);

            for (guint i = 0; lines[i] != NULL; i++)
              g_assert (!g_str_has_prefix (lines[i], "a=ice-pwd:") ||
                        g_str_equal (lines[i], "a=ice-pwd:…"));
          }
          again = gst_sdp_message_as_text (sdp);
          g_assert (again != NULL);
          gst_sdp_message_free (sdp);
        }
        break;
      case 'j':
        {
          g_autoptr (JsonNode) root = NULL;
          g_autoptr (JsonNode) again = NULL;
          g_autoptr (JsonParser) parser = json_parser_new ();
          g_autofree char *written = NULL;
          const char *skip[] = { "ephemeral", NULL };
          gboolean too_deep;
          gsize offset;

          root = handset_sync_json_parse ((const char *) data + 1, size - 1, HANDSET_JSON_MAX_DEPTH,
                                          skip, 0, &too_deep, &offset);
          g_assert (offset <= size - 1);
          g_assert (!too_deep || root == NULL);
          if (root == NULL)
            return;
          /* json-glib reads the same, when nothing was replaced or could
           * be read otherwise (escapes, numbers beyond 64 bits) */
          if (strstr (text, "\\u") == NULL && strlen (text) == size - 1 &&
              json_parser_load_from_data (parser, text, (gssize) (size - 1), NULL))
            {
              gboolean long_number = FALSE;
              guint digits = 0;

              for (gsize i = 0; i < size - 1 && !long_number; i++)
                {
                  digits = g_ascii_isdigit (text[i]) ? digits + 1 : 0;
                  long_number = digits > 15;
                }
              if (!long_number && strpbrk (text, ".eE") == NULL)
                g_assert (json_node_equal (root, json_parser_get_root (parser)));
            }
          written = json_to_string (root, FALSE);
          again = handset_sync_json_parse (written, strlen (written), HANDSET_JSON_MAX_DEPTH + 1,
                                           NULL, 0, &too_deep, &offset);
          /* json-glib 1.6 writes a double with an exponent and no point
           * as no JSON reads it ("1e+30.0"): that one is json-glib's. */
          g_assert (again != NULL || g_regex_match_simple ("[0-9]e[-+]?[0-9]+\\.0", written, 0, 0));
          if (again != NULL && strpbrk (text, ".eE") == NULL)
            g_assert (json_node_equal (root, again));
        }
        break;
      default:
        break;
    }
}

#ifdef HANDSET_LIBFUZZER

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_one (data, size);

  return 0;
}

#else

static guint
run_path (const char *path)
{
  guint n = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      g_assert (dir != NULL);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          n += run_path (child);
        }
      return n;
    }
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert (g_file_get_contents (path, &contents, &length, NULL));
    fuzz_one ((const guint8 *) contents, length);
  }

  return 1;
}

int
main (int argc, char *argv[])
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    n += run_path (argv[i]);
  g_print ("%u inputs read, none crashed\n", n);

  return n > 0 ? 0 : 1;
}

#endif
