/* test-ui-avatars.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Avatar images against the real Synapse: bob uploads a PNG and makes it
 * his avatar; alice's session fetches it once, as a 96×96 texture, keeps
 * it on disk for the next run, and shows it in bob's contact row, in the
 * incoming-call window when bob calls and in the call view when she calls
 * him. carol has no avatar and keeps her initials; an image that does not
 * decode leaves initials too, and is not kept.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "handset-application.h"
#include "handset-avatar-cache.h"
#include "handset-call-view.h"
#include "handset-contact-row.h"
#include "handset-history-row.h"
#include "handset-incoming-window.h"
#include "handset-login-page.h"
#include "handset-mxc.h"
#include "handset-test-fake-server.h"
#include "handset-test-homeserver.h"
#include "handset-test-ui.h"
#include "handset-test-util.h"
#include "handset-window.h"

#define WAIT_S      30
#define SOURCE_SIZE 128
#define EXPECTED_PX HANDSET_AVATAR_THUMBNAIL_SIZE

/* An audio offer, as JSON string content: enough for the call to ring. */
#define OFFER_SDP                                                                                 \
  "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"                 \
  "a=group:BUNDLE 0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\n"             \
  "a=rtcp:9 IN IP4 0.0.0.0\\r\\na=ice-ufrag:avtr\\r\\na=ice-pwd:avatarsavatarsavatarsavat\\r\\n"  \
  "a=fingerprint:sha-256 "                                                                        \
  "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:" \
  "89"                                                                                            \
  "\\r\\na=setup:actpass\\r\\na=mid:0\\r\\na=sendrecv\\r\\na=rtcp-mux\\r\\n"                      \
  "a=rtpmap:111 opus/48000/2\\r\\n"

/* A SOURCE_SIZE² PNG, a diagonal gradient. */
static GBytes *
make_png (void)
{
  g_autoptr (GByteArray) pixels = g_byte_array_sized_new (SOURCE_SIZE * SOURCE_SIZE * 4);
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  for (int y = 0; y < SOURCE_SIZE; y++)
    for (int x = 0; x < SOURCE_SIZE; x++)
      {
        guint8 px[4] = { (guint8) (x * 2), (guint8) (y * 2), 0x80, 0xff };

        g_byte_array_append (pixels, px, 4);
      }
  data = g_byte_array_free_to_bytes (g_steal_pointer (&pixels));
  texture =
      gdk_memory_texture_new (SOURCE_SIZE, SOURCE_SIZE, GDK_MEMORY_R8G8B8A8, data, SOURCE_SIZE * 4);

  return gdk_texture_save_to_png_bytes (texture);
}

static HandsetMatrixClient *
client_of (HandsetTestUser *user, const char *token)
{
  HandsetMatrixClient *client = handset_matrix_client_new (handset_test_homeserver_url ());

  handset_matrix_client_set_session (client, user->user_id, user->device_id, token);

  return client;
}

static GdkTexture *
load (HandsetAvatarCache *cache, const char *uri, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_avatar_cache_load_async (cache, uri, NULL, handset_test_store_result, &result);
  return handset_avatar_cache_load_finish (cache, handset_test_wait_for_result (&result, WAIT_S),
                                           error);
}

static void
test_textures_from_synapse (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetMatrixClient) logged_out = NULL;
  g_autoptr (HandsetMediaCache) media = NULL;
  g_autoptr (HandsetMediaCache) next_media = NULL;
  g_autoptr (HandsetAvatarCache) cache = NULL;
  g_autoptr (HandsetAvatarCache) next_run = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GdkTexture) from_disk = NULL;
  g_autoptr (GdkTexture) broken = NULL;
  g_autoptr (GBytes) png = make_png ();
  g_autoptr (GBytes) garbage = g_bytes_new_static ("no image here", 13);
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *mxc = NULL;
  g_autofree char *garbage_mxc = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "textures", NULL);
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (!handset_test_homeserver_require ())
    return;

  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  room_id = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, room_id);
  mxc = handset_test_upload (bob, "image/png", png);
  handset_test_set_avatar (bob, mxc, room_id);
  g_assert_true (handset_mxc_parse (mxc, NULL, NULL));

  client = client_of (alice, alice->access_token);
  media = handset_media_cache_new (client, dir);
  cache = handset_avatar_cache_new (media);

  /* Two widgets asking at once share one fetch and one texture. */
  {
    g_autoptr (GAsyncResult) first = NULL;
    g_autoptr (GAsyncResult) second = NULL;
    g_autoptr (GdkTexture) other = NULL;

    handset_avatar_cache_load_async (cache, mxc, NULL, handset_test_store_result, &first);
    handset_avatar_cache_load_async (cache, mxc, NULL, handset_test_store_result, &second);
    texture = handset_avatar_cache_load_finish (
        cache, handset_test_wait_for_result (&first, WAIT_S), &error);
    g_assert_no_error (error);
    other = handset_avatar_cache_load_finish (cache, handset_test_wait_for_result (&second, WAIT_S),
                                              &error);
    g_assert_no_error (error);
    g_assert_true (texture == other);
  }
  g_assert_cmpint (gdk_texture_get_width (texture), ==, EXPECTED_PX);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, EXPECTED_PX);
  g_assert_true (handset_avatar_cache_lookup (cache, mxc) == texture);

  /* The next run has it on disk: it needs no homeserver, not even a
   * valid token. */
  file = handset_mxc_thumbnail_file_name (mxc, EXPECTED_PX, EXPECTED_PX);
  path = g_build_filename (dir, file, NULL);
  {
    gint64 until = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

    while (!g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }
  logged_out = client_of (alice, "not-a-valid-token");
  next_media = handset_media_cache_new (logged_out, dir);
  next_run = handset_avatar_cache_new (next_media);
  from_disk = load (next_run, mxc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (from_disk), ==, EXPECTED_PX);
  g_assert_cmpint (gdk_texture_get_height (from_disk), ==, EXPECTED_PX);

  /* Something that is no image: an error in words, no texture. */
  garbage_mxc = handset_test_upload (bob, "image/png", garbage);
  broken = load (cache, garbage_mxc, &error);
  g_assert_null (broken);
  g_assert_nonnull (error);
  g_test_message ("broken avatar: %s", error->message);
  g_assert_null (handset_avatar_cache_lookup (cache, garbage_mxc));
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_undecodable_image (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new (fake->base);
  g_autoptr (HandsetMediaCache) media = NULL;
  g_autoptr (HandsetAvatarCache) cache = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "undecodable", NULL);
  g_autofree char *file = handset_mxc_thumbnail_file_name ("mxc://fake.example/broken", 96, 96);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  GtkWidget *avatar;

  handset_matrix_client_set_session (client, "@me:fake.example", "DEVICE", "token");
  handset_fake_server_answer (fake, "/_matrix/client/v1/media/thumbnail/fake.example/broken", 200,
                              "image/png", "\x89PNG but then nothing");
  media = handset_media_cache_new (client, dir);
  cache = handset_avatar_cache_new (media);

  texture = load (cache, "mxc://fake.example/broken", &error);
  g_assert_null (texture);
  g_assert_nonnull (error);
  /* Kept on disk on arrival, forgotten once it did not decode. */
  g_assert_true (handset_test_wait_until (file_gone, path, WAIT_S));

  /* A widget bound to it keeps its initials; it is not fetched again. */
  avatar = g_object_ref_sink (adw_avatar_new (40, "Broken", TRUE));
  handset_avatar_cache_bind (cache, ADW_AVATAR (avatar), "mxc://fake.example/broken");
  g_assert_null (adw_avatar_get_custom_image (ADW_AVATAR (avatar)));
  g_assert_cmpuint (handset_fake_server_get_requests (
                        fake, "/_matrix/client/v1/media/thumbnail/fake.example/broken"),
                    ==, 1);
  handset_avatar_cache_bind (cache, ADW_AVATAR (avatar), "https://example.org/a.png");
  g_assert_null (adw_avatar_get_custom_image (ADW_AVATAR (avatar)));
  g_object_unref (avatar);
}

static guint32
crc32_of (const guint8 *data, gsize length)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
    }

  return ~crc;
}

static void
append_be32 (GByteArray *out, guint32 value)
{
  guint8 be[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, be, 4);
}

/* A PNG whose header says @side × @side pixels, and hardly more. */
static GBytes *
png_header_only (guint32 side)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *out = g_byte_array_new ();
  GByteArray *ihdr = g_byte_array_new ();
  static const guint8 rest[] = { 8, 2, 0, 0, 0 }; /* 8 bits, RGB, no interlace */

  g_byte_array_append (out, signature, sizeof signature);
  g_byte_array_append (ihdr, (const guint8 *) "IHDR", 4);
  append_be32 (ihdr, side);
  append_be32 (ihdr, side);
  g_byte_array_append (ihdr, rest, sizeof rest);
  append_be32 (out, ihdr->len - 4);
  g_byte_array_append (out, ihdr->data, ihdr->len);
  append_be32 (out, crc32_of (ihdr->data, ihdr->len));
  g_byte_array_unref (ihdr);
  /* The start of the image data, which is when a loader reads the header. */
  {
    static const guint8 idat[] = { 'I', 'D', 'A', 'T', 0x78, 0x9c };

    append_be32 (out, sizeof idat - 4);
    g_byte_array_append (out, idat, sizeof idat);
    append_be32 (out, crc32_of (idat, sizeof idat));
  }

  return g_byte_array_free_to_bytes (out);
}

/* A server that sends an avatar of 30000 × 30000 pixels (its header says
 * so): it is not decoded, and says why. */
static void
test_oversized_image (void)
{
  g_autoptr (HandsetFakeServer) fake = handset_fake_server_new ();
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new (fake->base);
  g_autoptr (HandsetMediaCache) media = NULL;
  g_autoptr (HandsetAvatarCache) cache = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) png = png_header_only (30000);
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "oversized", NULL);

  handset_matrix_client_set_session (client, "@me:fake.example", "DEVICE", "token");
  handset_fake_server_answer_bytes (fake, "/_matrix/client/v1/media/thumbnail/fake.example/huge",
                                    200, "image/png", png);
  media = handset_media_cache_new (client, dir);
  cache = handset_avatar_cache_new (media);

  texture = load (cache, "mxc://fake.example/huge", &error);
  g_assert_null (texture);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_test_message ("%s", error->message);
}

/* ------------------------------------------------------------------ the app */

static HandsetApplication *app;

static HandsetWindow *
main_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (HANDSET_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static HandsetIncomingWindow *
incoming_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (HANDSET_IS_INCOMING_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
page_is (gpointer page)
{
  return main_window () != NULL && g_strcmp0 (handset_window_get_page (main_window ()), page) == 0;
}

static AdwAvatar *
find_avatar (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwAvatar *found;

      if (ADW_IS_AVATAR (child))
        return ADW_AVATAR (child);
      if ((found = find_avatar (child)) != NULL)
        return found;
    }
  return NULL;
}

/* The avatar in the contact row of @user_id. */
static AdwAvatar *
row_avatar (const char *user_id)
{
  GtkWidget *list = handset_window_get_contact_list (main_window ());
  GtkWidget *row;

  /* The rows shown, each with the Matrix ID under the name. */
  for (guint i = 0; (row = handset_test_find_nth (list, HANDSET_TYPE_CONTACT_ROW, i)) != NULL; i++)
    if (handset_contact_row_get_contact (HANDSET_CONTACT_ROW (row)) != NULL &&
        g_strcmp0 (handset_contact_row_get_subtitle (HANDSET_CONTACT_ROW (row)), user_id) == 0)
      return find_avatar (row);
  return NULL;
}

static gboolean
has_rows (gpointer user_ids)
{
  for (const char *const *id = user_ids; *id != NULL; id++)
    if (row_avatar (*id) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
has_image (gpointer avatar_getter)
{
  AdwAvatar *(*get) (void) = avatar_getter;
  AdwAvatar *avatar = get ();

  return avatar != NULL && adw_avatar_get_custom_image (avatar) != NULL;
}

static const char *bob_id;
static const char *carol_id;

static AdwAvatar *
bob_row_avatar (void)
{
  return row_avatar (bob_id);
}

static AdwAvatar *
incoming_avatar (void)
{
  return incoming_window () ? handset_incoming_window_get_avatar (incoming_window ()) : NULL;
}

static AdwAvatar *
call_view_avatar (void)
{
  return handset_call_view_get_avatar (
      HANDSET_CALL_VIEW (handset_window_get_call_view (main_window ())));
}

static gboolean
no_incoming (gpointer data)
{
  return incoming_window () == NULL;
}

#define HOSTILE_NAME "<b>Bob</b> &amp; <i>co</i>"

static void
set_display_name (HandsetTestUser *user, const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (user->user_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/profile/%s/displayname", escaped);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) ignored = NULL;
  g_autofree char *body = NULL;
  guint status = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "displayname");
  json_builder_add_string_value (builder, name);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);
  ignored = handset_test_request ("PUT", path, user->access_token, body, &status);
  g_assert_cmpuint (status, ==, 200);
}

/* Some label below @root shows @text as it is written, not as markup
 * (markup would show without its tags). */
static gboolean
shows_plain (GtkWidget *root, const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && strstr (gtk_label_get_text (GTK_LABEL (child)), text) != NULL)
        return TRUE;
      if (shows_plain (child, text))
        return TRUE;
    }

  return FALSE;
}

/* A notification whose body, read as markup (the test's server says it
 * reads it so), is @body as written. */
static gboolean
notified_as_written (GPtrArray *notifications, const char *summary, const char *body)
{
  g_autofree char *escaped = g_markup_escape_text (body, -1);
  g_autofree char *prefix = g_strdup_printf ("%s: %s [", summary, escaped);

  for (guint i = 0; i < notifications->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (notifications, i), prefix))
      return TRUE;
  return FALSE;
}

typedef struct
{
  GPtrArray *notifications;
  const char *summary;
  const char *body;
} Notified;

static gboolean
notified_cb (gpointer data)
{
  Notified *n = data;

  return notified_as_written (n->notifications, n->summary, n->body);
}

static gboolean
history_shows_hostile_name (gpointer data)
{
  GtkWidget *row = handset_test_find_nth (handset_window_get_history_list (main_window ()),
                                          HANDSET_TYPE_HISTORY_ROW, 0);

  return row != NULL && shows_plain (row, HOSTILE_NAME);
}

static void
test_avatars_in_the_ui (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetTestUser) carol = NULL;
  g_autoptr (GBytes) png = make_png ();
  g_autoptr (GError) error = NULL;
  g_autofree char *bob_room = NULL;
  g_autofree char *carol_room = NULL;
  g_autofree char *mxc = NULL;
  g_autofree char *call_label = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *hangup = NULL;
  g_autofree char *call_id = NULL;
  const char *user_ids[3];
  GdkPaintable *image;
  GPtrArray *notifications;

  if (!handset_test_homeserver_require ())
    return;

  notifications = handset_test_start_notification_server ();
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  carol = handset_test_register ("carol");
  bob_room = handset_test_create_direct_room (alice, bob);
  handset_test_join (bob, bob_room);
  carol_room = handset_test_create_direct_room (alice, carol);
  handset_test_join (carol, carol_room);
  mxc = handset_test_upload (bob, "image/png", png);
  handset_test_set_avatar (bob, mxc, bob_room);
  /* bob's name is markup, as anyone may choose theirs: shown as written. */
  set_display_name (bob, HOSTILE_NAME);
  bob_id = bob->user_id;
  carol_id = carol->user_id;

  app = handset_application_new_for_profile ("avatars");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  g_application_activate (G_APPLICATION (app));
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "login", WAIT_S));
  handset_login_page_fill (HANDSET_LOGIN_PAGE (handset_window_get_login_page (main_window ())),
                           alice->user_id, alice->password, handset_test_homeserver_url ());
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "contacts", WAIT_S));

  /* bob's row gets his picture; carol's keeps her initials. */
  user_ids[0] = bob->user_id, user_ids[1] = carol->user_id, user_ids[2] = NULL;
  g_assert_true (handset_test_wait_until (has_rows, user_ids, WAIT_S));
  g_assert_true (handset_test_wait_until (has_image, bob_row_avatar, WAIT_S));
  image = adw_avatar_get_custom_image (row_avatar (bob->user_id));
  g_assert_true (GDK_IS_TEXTURE (image));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (image), ==, EXPECTED_PX);
  handset_test_run_for (1000);
  g_assert_null (adw_avatar_get_custom_image (row_avatar (carol->user_id)));
  /* The contact row says bob's name as he wrote it. */
  g_assert_true (shows_plain (
      gtk_widget_get_ancestor (GTK_WIDGET (row_avatar (bob->user_id)), HANDSET_TYPE_CONTACT_ROW),
      HOSTILE_NAME));

  /* The image came once, into this session's cache and the profile's
   * cache folder. */
  {
    HandsetSession *session = handset_application_get_session (app);
    HandsetAvatarCache *cache = handset_avatar_cache_get_for_session (session);
    const char *dir = handset_media_cache_get_directory (handset_session_get_media_cache (session));

    g_assert_true (handset_avatar_cache_lookup (cache, mxc) == GDK_TEXTURE (image));
    g_assert_true (g_str_has_prefix (dir, g_get_user_cache_dir ()));
    g_assert_true (g_str_has_suffix (dir, "/handset/profiles/avatars/media"));
  }

  /* bob calls: the incoming window shows him with his picture. */
  call_id = g_strdup_printf ("avatarcall%08x", g_random_int ());
  invite = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY\", \"version\": \"1\", "
                            "\"lifetime\": 60000, \"offer\": {\"type\": \"offer\", \"sdp\": "
                            "\"%s\"}}",
                            call_id, OFFER_SDP);
  g_free (handset_test_send_event (bob, bob_room, "m.call.invite", invite));
  g_assert_true (handset_test_wait_until (has_image, incoming_avatar, WAIT_S));
  /* The incoming window names him as written. */
  g_assert_true (shows_plain (GTK_WIDGET (incoming_window ()), HOSTILE_NAME));
  hangup = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY\", \"version\": \"1\", "
                            "\"reason\": \"user_hangup\"}",
                            call_id);
  g_free (handset_test_send_event (bob, bob_room, "m.call.hangup", hangup));
  g_assert_true (handset_test_wait_until (no_incoming, NULL, WAIT_S));
  /* The notifications name him as written, though the server reads
   * markup: the incoming call (the window is not in front under Xvfb)
   * and the missed call. */
  {
    Notified incoming = { notifications, "Incoming call", HOSTILE_NAME " is calling" };
    Notified missed = { notifications, "Missed call", HOSTILE_NAME " called" };

    g_assert_true (handset_test_wait_until (notified_cb, &missed, WAIT_S));
    for (guint i = 0; i < notifications->len; i++)
      g_test_message ("notification: %s", (char *) g_ptr_array_index (notifications, i));
    g_assert_true (notified_cb (&incoming));
  }
  /* The missed call, in the history, by his name as written. */
  handset_window_show_history (main_window ());
  g_assert_true (handset_test_wait_until (history_shows_hostile_name, NULL, WAIT_S));
  handset_window_show_contact (main_window (), bob->user_id);

  /* alice calls bob: the call view shows his picture. */
  call_label = g_strdup_printf (
      "Call %s",
      handset_contact_get_display_name (handset_contact_list_find (
          handset_session_get_contacts (handset_application_get_session (app)), bob->user_id)));
  handset_test_click (GTK_WIDGET (main_window ()), call_label);
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "call", WAIT_S));
  g_assert_true (handset_test_wait_until (has_image, call_view_avatar, WAIT_S));
  /* So does the call view, in its title and under his picture. */
  g_assert_true (shows_plain (handset_window_get_call_view (main_window ()), HOSTILE_NAME));
  handset_test_click (GTK_WIDGET (main_window ()), "Hang Up");
  g_assert_true (handset_test_wait_until (page_is, (gpointer) "contacts", WAIT_S));

  g_application_quit (G_APPLICATION (app));
  handset_test_run_for (200);
  g_clear_object (&app);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = handset_test_isolate_home ();
  int status;

  g_setenv ("HANDSET_AUDIO_SRC", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3", TRUE);
  g_setenv ("HANDSET_AUDIO_SINK", "fakesink sync=false", TRUE);
  g_setenv ("HANDSET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avatars/textures-from-synapse", test_textures_from_synapse);
  g_test_add_func ("/avatars/undecodable-image", test_undecodable_image);
  g_test_add_func ("/avatars/oversized-image", test_oversized_image);
  g_test_add_func ("/avatars/in-the-ui", test_avatars_in_the_ui);

  status = g_test_run ();
  handset_test_remove_tree (home);

  return status;
}
