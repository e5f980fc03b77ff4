/* test-mxc.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Media addresses taken apart, the malformed and the malicious refused,
 * and the cache keys and file names made of them.
 */

#include "config.h"

#include "handset-mxc.h"

static void
test_parse_good (void)
{
  const struct
  {
    const char *uri;
    const char *server_name;
    const char *media_id;
  } good[] = {
    { "mxc://example.org/AbC123_-x", "example.org", "AbC123_-x" },
    { "mxc://localhost:8008/abc", "localhost:8008", "abc" },
    { "mxc://127.0.0.1:8600/XyZ", "127.0.0.1:8600", "XyZ" },
    { "mxc://[::1]:8448/a", "[::1]:8448", "a" },
    { "mxc://[2001:db8::1]/media", "[2001:db8::1]", "media" },
    { "mxc://matrix-client.example.org/a-b_c", "matrix-client.example.org", "a-b_c" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *server_name = NULL;
      g_autofree char *media_id = NULL;

      g_test_message ("%s", good[i].uri);
      g_assert_true (handset_mxc_parse (good[i].uri, &server_name, &media_id));
      g_assert_cmpstr (server_name, ==, good[i].server_name);
      g_assert_cmpstr (media_id, ==, good[i].media_id);
      g_assert_true (handset_mxc_parse (good[i].uri, NULL, NULL));
    }
}

static void
test_parse_bad (void)
{
  const char *bad[] = {
    "",
    "mxc://",
    "mxc://server",
    "mxc://server/",
    "mxc:///media",
    "mxc://:8008/media",
    "mxc://server:/media",
    "mxc://server:123456/media",
    "mxc://server:80a/media",
    "mxc://[]/media",
    "mxc://[::1/media",
    "mxc://[::g]/media",
    "mxc://ser ver/media",
    "mxc://server/me dia",
    "mxc://server/a/b",
    "mxc://server/..",
    "mxc://server/../../etc/passwd",
    "mxc://server/..%2F..%2Fetc",
    "mxc://server/a.png",
    "mxc://server/a%00b",
    "mxc://server/a?b",
    "mxc://server/a#b",
    "mxc://server/\xc3\xa9",
    "mxc://user@server/media",
    "mxc://../media",
    "mxc://./media",
    "mxc://example..org/media",
    "mxc://.example.org/media",
    "mxc://example.org./media",
    "mxc://..:80/media",
    "mxc://server/media/",
    "MXC://server/media",
    "https://example.org/a.png",
    "http://example.org/_matrix/media/v3/download/example.org/abc",
    "mxc:server/media",
    "mxc:/server/media",
  };
  g_autofree char *long_id = g_strnfill (256, 'a');
  g_autofree char *long_uri = g_strconcat ("mxc://server/", long_id, NULL);

  g_assert_false (handset_mxc_parse (NULL, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char *server_name = (char *) "untouched";
      char *media_id = (char *) "untouched";

      g_test_message ("%s", bad[i]);
      g_assert_false (handset_mxc_parse (bad[i], &server_name, &media_id));
      g_assert_cmpstr (server_name, ==, "untouched");
      g_assert_cmpstr (media_id, ==, "untouched");
      g_assert_null (handset_mxc_thumbnail_key (bad[i], 96, 96));
      g_assert_null (handset_mxc_thumbnail_file_name (bad[i], 96, 96));
    }
  g_assert_false (handset_mxc_parse (long_uri, NULL, NULL));
}

static void
test_keys (void)
{
  g_autofree char *key = handset_mxc_thumbnail_key ("mxc://example.org/abc", 96, 96);
  g_autofree char *again = handset_mxc_thumbnail_key ("mxc://example.org/abc", 96, 96);
  g_autofree char *smaller = handset_mxc_thumbnail_key ("mxc://example.org/abc", 32, 32);
  g_autofree char *wider = handset_mxc_thumbnail_key ("mxc://example.org/abc", 96, 32);
  g_autofree char *other_media = handset_mxc_thumbnail_key ("mxc://example.org/abd", 96, 96);
  g_autofree char *other_server = handset_mxc_thumbnail_key ("mxc://example.com/abc", 96, 96);
  g_autofree char *file = handset_mxc_thumbnail_file_name ("mxc://example.org/abc", 96, 96);
  g_autofree char *file_again = handset_mxc_thumbnail_file_name ("mxc://example.org/abc", 96, 96);
  g_autofree char *file_smaller = handset_mxc_thumbnail_file_name ("mxc://example.org/abc", 32, 32);
  const char *distinct[] = { key, smaller, wider, other_media, other_server };

  g_assert_cmpstr (key, ==, "mxc://example.org/abc#96x96");
  g_assert_cmpstr (key, ==, again);
  for (guint i = 0; i < G_N_ELEMENTS (distinct); i++)
    for (guint j = i + 1; j < G_N_ELEMENTS (distinct); j++)
      g_assert_cmpstr (distinct[i], !=, distinct[j]);

  /* A file name is the same for the same thumbnail, and nothing but hex
   * digits: no part of it comes from the homeserver. */
  g_assert_cmpstr (file, ==, file_again);
  g_assert_cmpstr (file, !=, file_smaller);
  g_assert_cmpuint (strlen (file), ==, 64);
  for (const char *p = file; *p; p++)
    g_assert_true (g_ascii_isxdigit (*p));

  /* Sizes that make no sense have no key. */
  g_assert_null (handset_mxc_thumbnail_key ("mxc://example.org/abc", 0, 96));
  g_assert_null (handset_mxc_thumbnail_key ("mxc://example.org/abc", 96, -1));
  g_assert_null (handset_mxc_thumbnail_key ("mxc://example.org/abc", 100000, 96));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mxc/parse-good", test_parse_good);
  g_test_add_func ("/mxc/parse-bad", test_parse_bad);
  g_test_add_func ("/mxc/keys", test_keys);

  return g_test_run ();
}
