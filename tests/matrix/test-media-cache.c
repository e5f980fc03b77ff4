/* test-media-cache.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thumbnails through HandsetMatrixClient and HandsetMediaCache, against a
 * loopback server that plays a homeserver with or without authenticated
 * media: the fallback to the older media API, the disk cache, and what
 * is not an image.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "handset-matrix-client.h"
#include "handset-media-cache.h"
#include "handset-mxc.h"
#include "handset-test-fake-server.h"
#include "handset-test-util.h"

#define WAIT_S    10
#define TOKEN     "syt_secret_token_never_logged"
#define MXC       "mxc://fake.example/abcDEF"
#define V1_PATH   "/_matrix/client/v1/media/thumbnail/fake.example/abcDEF"
#define V3_PATH   "/_matrix/media/v3/thumbnail/fake.example/abcDEF"
#define THUMBNAIL "PNG-THUMBNAIL"

static GString *all_logs;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      g_string_append_printf (all_logs, "%s\n", (const char *) fields[i].value);

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static HandsetMatrixClient *
client_for (HandsetFakeServer *fake)
{
  HandsetMatrixClient *client = handset_matrix_client_new (fake->base);

  handset_matrix_client_set_session (client, "@me:fake.example", "DEVICE", TOKEN);
  handset_matrix_client_set_network_retry_limit (client, 0);

  return client;
}

static GBytes *
thumbnail (HandsetMatrixClient *client, const char *uri, char **content_type, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_matrix_client_get_thumbnail_async (client, uri, 96, 96, NULL, handset_test_store_result,
                                             &result);
  return handset_matrix_client_get_thumbnail_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), content_type, error);
}

static void
test_authenticated_media (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = client_for (fake);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) image = NULL;
  g_autofree char *content_type = NULL;

  handset_fake_server_answer (fake, V1_PATH, 200, "image/png", THUMBNAIL);
  handset_fake_server_answer (fake, V3_PATH, 200, "image/png", "WRONG");

  image = thumbnail (client, MXC, &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (image, NULL), g_bytes_get_size (image), THUMBNAIL,
                   strlen (THUMBNAIL));
  g_assert_cmpstr (content_type, ==, "image/png");
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V1_PATH), ==, 1);
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V3_PATH), ==, 0);
}

static void
check_fallback (const char *v1_status_body, guint v1_status)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = client_for (fake);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) image = NULL;
  g_autoptr (GBytes) again = NULL;

  if (v1_status_body != NULL)
    handset_fake_server_answer (fake, V1_PATH, v1_status, "application/json", v1_status_body);
  handset_fake_server_answer (fake, V3_PATH, 200, "image/png", THUMBNAIL);

  image = thumbnail (client, MXC, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (image, NULL), g_bytes_get_size (image), THUMBNAIL,
                   strlen (THUMBNAIL));
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V1_PATH), ==, 1);
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V3_PATH), ==, 1);

  /* The client remembers: the next thumbnail goes straight to v3. */
  again = thumbnail (client, MXC, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V1_PATH), ==, 1);
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V3_PATH), ==, 2);
}

static void
test_fallback (void)
{
  /* A bare 404, as from a server or proxy that knows no such path. */
  check_fallback (NULL, 0);
  /* Synapse's answer to an endpoint it lacks. */
  check_fallback ("{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}", 404);
  check_fallback ("{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}", 405);
}

static void
test_missing_media_is_no_fallback (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = client_for (fake);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) image = NULL;

  handset_fake_server_answer (fake, V1_PATH, 404, "application/json",
                              "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"Not found\"}");
  handset_fake_server_answer (fake, V3_PATH, 200, "image/png", THUMBNAIL);

  image = thumbnail (client, MXC, NULL, &error);
  g_assert_null (image);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NOT_FOUND);
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V3_PATH), ==, 0);

  /* Not a media address: an error in words, and no request at all. */
  g_clear_error (&error);
  image = thumbnail (client, "mxc://fake.example/../../secret", NULL, &error);
  g_assert_null (image);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
  g_assert_cmpuint (g_hash_table_size (fake->requests), ==, 1);
}

static GBytes *
cached (HandsetMediaCache *cache, const char *uri, gboolean *from_disk, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_media_cache_get_thumbnail_async (cache, uri, 96, 96, NULL, handset_test_store_result,
                                           &result);
  return handset_media_cache_get_thumbnail_finish (
      cache, handset_test_wait_for_result (&result, WAIT_S), from_disk, error);
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_disk_cache (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = client_for (fake);
  g_autoptr (HandsetMediaCache) cache = NULL;
  g_autoptr (HandsetMediaCache) next_run = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) image = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "handset", "media", NULL);
  g_autofree char *name = handset_mxc_thumbnail_file_name (MXC, 96, 96);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  gboolean from_disk = TRUE;

  handset_fake_server_answer (fake, V1_PATH, 200, "image/png", THUMBNAIL);
  cache = handset_media_cache_new (client, dir);

  image = cached (cache, MXC, &from_disk, &error);
  g_assert_no_error (error);
  g_assert_false (from_disk);
  g_assert_cmpuint (g_bytes_get_size (image), ==, strlen (THUMBNAIL));
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V1_PATH), ==, 1);

  /* On disk, in a file named by the hash, readable by its owner only. */
  g_assert_true (handset_test_wait_until (file_exists, path, WAIT_S));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, THUMBNAIL);
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* The next run of Handset reads it from disk, without asking. */
  next_run = handset_media_cache_new (client, dir);
  g_clear_pointer (&image, g_bytes_unref);
  image = cached (next_run, MXC, &from_disk, &error);
  g_assert_no_error (error);
  g_assert_true (from_disk);
  g_assert_cmpuint (g_bytes_get_size (image), ==, strlen (THUMBNAIL));
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V1_PATH), ==, 1);

  /* Forgotten (the caller found it broken): fetched again next time. */
  handset_media_cache_forget (next_run, MXC, 96, 96);
  g_assert_true (handset_test_wait_until (file_gone, path, WAIT_S));
  g_clear_pointer (&image, g_bytes_unref);
  image = cached (next_run, MXC, &from_disk, &error);
  g_assert_no_error (error);
  g_assert_false (from_disk);
  g_assert_cmpuint (handset_fake_server_get_requests (fake, V1_PATH), ==, 2);
}

static void
test_not_an_image (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = client_for (fake);
  g_autoptr (HandsetMediaCache) cache = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) image = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "handset", "bad", NULL);
  g_autofree char *name = handset_mxc_thumbnail_file_name (MXC, 96, 96);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  handset_fake_server_answer (fake, V1_PATH, 200, "text/html", "<html>a login page</html>");
  cache = handset_media_cache_new (client, dir);

  image = cached (cache, MXC, NULL, &error);
  g_assert_null (image);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, MXC));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_clear_error (&error);
  image = cached (cache, "mxc://fake.example", NULL, &error);
  g_assert_null (image);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE);
  g_assert_cmpuint (g_hash_table_size (fake->requests), ==, 1);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  all_logs = g_string_new (NULL);
  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media-cache/authenticated-media", test_authenticated_media);
  g_test_add_func ("/media-cache/fallback", test_fallback);
  g_test_add_func ("/media-cache/missing-media", test_missing_media_is_no_fallback);
  g_test_add_func ("/media-cache/disk-cache", test_disk_cache);
  g_test_add_func ("/media-cache/not-an-image", test_not_an_image);

  status = g_test_run ();

  /* Whatever happened, the access token never reached a log. */
  g_assert_null (strstr (all_logs->str, TOKEN));
  g_assert_cmpuint (all_logs->len, >, 0);
  handset_test_remove_tree (home);

  return status;
}
