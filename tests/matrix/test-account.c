/* test-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HandsetAccount with the real Synapse and a real gnome-keyring in the
 * suite's private session bus: login, the token in the keyring and nowhere
 * else, a new process restoring the session, logout, a dead token, and
 * life without a Secret Service.
 */

#include "config.h"

#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "handset-account.h"
#include "handset-encryption.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 30

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.handset.Handset",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "homeserver", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "device", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

static HandsetAccount *
new_account (const char *profile_name)
{
  g_autoptr (HandsetProfile) profile = handset_profile_new (profile_name, NULL);
  g_autoptr (GError) error = NULL;
  HandsetAccount *account = handset_account_new (profile, &error);

  g_assert_no_error (error);
  return account;
}

static gboolean
login (HandsetAccount *account, const char *user, const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_account_login_password_async (account, handset_test_homeserver_url (), user, password,
                                        NULL, handset_test_store_result, &result);
  return handset_account_login_password_finish (
      account, handset_test_wait_for_result (&result, WAIT_S), error);
}

static gboolean
restore (HandsetAccount *account)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gboolean restored;

  handset_account_restore_async (account, NULL, handset_test_store_result, &result);
  restored = handset_account_restore_finish (
      account, handset_test_wait_for_result (&result, WAIT_S), &error);
  g_assert_no_error (error);
  return restored;
}

static void
logout (HandsetAccount *account)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_account_logout_async (account, NULL, handset_test_store_result, &result);
  g_assert_true (handset_account_logout_finish (
      account, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);
}

static char *
whoami (HandsetMatrixClient *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  handset_matrix_client_whoami_async (client, NULL, handset_test_store_result, &result);
  return handset_matrix_client_whoami_finish (
      client, handset_test_wait_for_result (&result, WAIT_S), NULL, error);
}

static char *
keyring_token (const char *profile, const char *user_id, const char *device_id)
{
  g_autoptr (GError) error = NULL;
  char *token = secret_password_lookup_sync (token_schema (), NULL, &error, "profile", profile,
                                             "homeserver", handset_test_homeserver_url (), "user",
                                             user_id, "device", device_id, NULL);

  g_assert_no_error (error);
  return token;
}

static gboolean
contains_bytes (const char *haystack, gsize length, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; n > 0 && i + n <= length; i++)
    {
      if (memcmp (haystack + i, needle, n) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The token must not be on disk in clear: not in the database, nor in its
 * write-ahead log. */
static void
assert_not_in_files (const char *dir, const char *secret)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      files++;
      g_assert_false (contains_bytes (contents, length, secret));
    }
  g_assert_cmpuint (files, >, 0);
}

static int
count_crypto_rows (HandsetAccount *account)
{
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (handset_store_get_db (handset_account_get_store (account)),
                                       "SELECT (SELECT count(*) FROM crypto_values) + "
                                       "(SELECT count(*) FROM crypto_rows)",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return n;
}

static gboolean
keyring_has_pickle_key (const char *profile)
{
  static const SecretSchema schema = {
    "io.github.handset.Handset.PickleKey",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };
  g_autoptr (GError) error = NULL;
  char *key = secret_password_lookup_sync (&schema, NULL, &error, "profile", profile, NULL);

  g_assert_no_error (error);
  if (key != NULL)
    secret_password_free (key);

  return key != NULL;
}

/* The device's published keys, as another user's /keys/query sees them. */
static guint
published_devices (HandsetTestUser *asker, const char *user_id)
{
  g_autofree char *body = g_strdup_printf ("{\"device_keys\": {\"%s\": []}}", user_id);
  g_autoptr (JsonNode) answer = NULL;
  JsonObject *keys;
  guint status = 0;

  answer = handset_test_request ("POST", "/_matrix/client/v3/keys/query", asker->access_token, body,
                                 &status);
  g_assert_cmpuint (status, ==, 200);
  keys = json_object_get_object_member (
      json_object_get_object_member (json_node_get_object (answer), "device_keys"), user_id);

  return keys ? json_object_get_size (keys) : 0;
}

/* Encryption started as the app starts it: a pickle key in the keyring,
 * the device's keys published and kept in the database. */
static void
start_encryption (HandsetAccount *account)
{
  g_autoptr (HandsetRooms) rooms = handset_rooms_new (handset_account_get_user_id (account));
  g_autoptr (HandsetEncryption) encryption = handset_encryption_new (
      handset_account_get_client (account), handset_account_get_store (account),
      handset_account_get_secret_store (account), rooms);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_encryption_start_async (encryption, NULL, handset_test_store_result, &result);
  g_assert_true (handset_encryption_start_finish (
      encryption, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);
  /* The keys go out in the background. */
  handset_test_run_for (1000);
}

static void
child_restore (void)
{
  g_autoptr (HandsetAccount) account = new_account ("acct");
  g_autoptr (GError) error = NULL;
  g_autofree char *me = NULL;

  /* A new process: the session comes back from the keyring, and works. */
  g_assert_true (restore (account));
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_IN);
  g_assert_true (handset_account_get_remembered (account));
  me = whoami (handset_account_get_client (account), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (me, ==, g_getenv ("HANDSET_TEST_USER"));
  g_print ("restored %s\n", me);
}

/* The rooms' rows kept with the sync position, of every account. */
static int
count_room_rows (HandsetAccount *account)
{
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (handset_store_get_db (handset_account_get_store (account)),
                                       "SELECT (SELECT count(*) FROM room_state) + "
                                       "(SELECT count(*) FROM room_members) + "
                                       "(SELECT count(*) FROM room_account_data)",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return n;
}

static void
test_login_remember_restore_logout (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (HandsetProfile) profile = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *me = NULL;
  g_autoptr (HandsetMatrixClient) old = NULL;

  if (!handset_test_homeserver_require ())
    return;

  /* Run again below, in a process of its own. */
  if (g_test_subprocess ())
    {
      child_restore ();
      return;
    }

  user = handset_test_register ("acct");
  account = new_account ("acct");
  g_assert_false (restore (account));
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_OUT);

  /* A wrong password is a clear error, and nothing is kept. */
  g_assert_false (login (account, user->user_id, "wrong", &error));
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_FORBIDDEN);
  g_assert_cmpstr (error->message, ==, "The Matrix ID or the password is wrong.");
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
  g_clear_error (&error);

  g_assert_true (login (account, user->user_id, user->password, &error));
  g_assert_no_error (error);
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_IN);
  g_assert_true (handset_account_get_remembered (account));
  g_assert_null (handset_account_get_message (account));
  g_assert_cmpstr (handset_account_get_user_id (account), ==, user->user_id);

  token = g_strdup (handset_matrix_client_get_access_token (handset_account_get_client (account)));
  device_id = g_strdup (handset_matrix_client_get_device_id (handset_account_get_client (account)));
  stored = keyring_token ("acct", user->user_id, device_id);
  g_assert_cmpstr (stored, ==, token);
  profile = handset_profile_new ("acct", NULL);
  assert_not_in_files (handset_profile_get_data_dir (profile), token);

  /* With encryption: the database only its owner reads, the pickle key in
   * the keyring, the device's keys at the homeserver. */
  start_encryption (account);
  {
    g_autofree char *db =
        g_build_filename (handset_profile_get_data_dir (profile), "handset.db", NULL);
    GStatBuf st;

    g_assert_cmpint (g_stat (db, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  g_assert_cmpint (count_crypto_rows (account), >, 0);
  g_assert_true (keyring_has_pickle_key ("acct"));
  g_assert_cmpuint (published_devices (user, user->user_id), ==, 1);

  g_setenv ("HANDSET_TEST_USER", user->user_id, TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*restored @acct-*");

  /* A room as the sync keeps it: its name and who is in it. */
  g_assert_cmpint (
      sqlite3_exec (handset_store_get_db (handset_account_get_store (account)),
                    "INSERT INTO room_state VALUES ('@acct:x', '!r:x', 'Secret plans', NULL, NULL,"
                    " 1, 0, 0, NULL, 2, 0, 1);"
                    "INSERT INTO room_members VALUES ('@acct:x', '!r:x', '@bob:x', 'join', 'Bob',"
                    " NULL);"
                    "INSERT INTO room_account_data VALUES ('@acct:x', 'm.direct', '{}');",
                    NULL, NULL, NULL),
      ==, SQLITE_OK);
  g_assert_cmpint (count_room_rows (account), ==, 3);

  /* Logout: the server forgets the token, the keyring and the database
   * forget the session, and the rooms it knew. */
  logout (account);
  g_assert_cmpint (count_room_rows (account), ==, 0);
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
  g_assert_null (handset_account_get_client (account));
  g_clear_pointer (&stored, g_free);
  stored = keyring_token ("acct", user->user_id, device_id);
  g_assert_null (stored);
  g_assert_null (handset_store_get (handset_account_get_store (account), "session.user_id"));
  /* ... and the device and its keys are gone, here and at the homeserver. */
  g_assert_cmpint (count_crypto_rows (account), ==, 0);
  g_assert_false (keyring_has_pickle_key ("acct"));
  g_assert_cmpuint (published_devices (user, user->user_id), ==, 0);

  old = handset_matrix_client_new (handset_test_homeserver_url ());
  handset_matrix_client_set_session (old, user->user_id, device_id, token);
  me = whoami (old, &error);
  g_assert_null (me);
  g_assert_error (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN);
  g_clear_error (&error);

  /* And a new process finds nothing to restore. */
  g_clear_object (&account);
  account = new_account ("acct");
  g_assert_false (restore (account));
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
}

static gboolean
is_needs_login (gpointer data)
{
  return handset_account_get_state (data) == HANDSET_ACCOUNT_STATE_NEEDS_LOGIN;
}

static void
test_dead_token_needs_login (void)
{
  g_autoptr (HandsetTestUser) user = NULL;
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ignored = NULL;
  HandsetSync *sync;
  guint status = 0;

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("dead");
  account = new_account ("dead");
  g_assert_true (login (account, user->user_id, user->password, &error));
  sync = handset_account_get_sync (account);
  g_assert_nonnull (sync);
  g_assert_false (handset_sync_get_running (sync));
  handset_sync_start (sync);

  /* The session is ended elsewhere (say, from another client's device
   * list): the account asks for a new login, and sync stops trying. */
  ignored = handset_test_request (
      "POST", "/_matrix/client/v3/logout",
      handset_matrix_client_get_access_token (handset_account_get_client (account)), "{}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (handset_test_wait_until (is_needs_login, account, WAIT_S));
  g_assert_false (handset_sync_get_running (handset_account_get_sync (account)));
  g_assert_nonnull (handset_account_get_message (account));
  g_assert_cmpstr (handset_account_get_user_id (account), ==, user->user_id);

  /* A new login mends it. */
  g_assert_true (login (account, user->user_id, user->password, &error));
  g_assert_no_error (error);
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_IN);
}

static void
child_no_secret_service (void)
{
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (HandsetAccount) later = NULL;
  g_autoptr (GError) error = NULL;

  /* No session bus at all, so no Secret Service. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/handset-test-bus", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  account = new_account ("nokeyring");
  g_assert_true (
      login (account, g_getenv ("HANDSET_TEST_USER"), g_getenv ("HANDSET_TEST_PASSWORD"), &error));
  g_assert_no_error (error);
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_IN);
  g_assert_false (handset_account_get_remembered (account));
  g_assert_nonnull (strstr (handset_account_get_message (account), "cannot remember"));
  g_print ("message: %s\n", handset_account_get_message (account));

  /* The next start knows who it was, and asks for the password again. */
  later = new_account ("nokeyring");
  g_assert_false (restore (later));
  g_assert_cmpint (handset_account_get_state (later), ==, HANDSET_ACCOUNT_STATE_NEEDS_LOGIN);
  g_assert_cmpstr (handset_account_get_user_id (later), ==, g_getenv ("HANDSET_TEST_USER"));
}

static void
test_no_secret_service (void)
{
  g_autoptr (HandsetTestUser) user = NULL;

  /* First of all: nothing may connect to the session bus before the
   * child has made it unreachable. */
  if (g_test_subprocess ())
    {
      child_no_secret_service ();
      return;
    }

  if (!handset_test_homeserver_require ())
    return;

  user = handset_test_register ("nokeyring");
  g_setenv ("HANDSET_TEST_USER", user->user_id, TRUE);
  g_setenv ("HANDSET_TEST_PASSWORD", user->password, TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*message: You are logged in, but Handset cannot remember it*");
  g_unsetenv ("HANDSET_TEST_PASSWORD");
}

/* A CAS server for Synapse's single sign-on: it signs in whoever asks as
 * the user named in cas_user, as a real identity provider would after a
 * password form. */
typedef struct
{
  SoupServer *server;
  char *cas_user;
  guint validations;
} CasServer;

static void
cas_handler (SoupServer *server,
             SoupServerMessage *msg,
             const char *path,
             GHashTable *query,
             gpointer user_data)
{
  CasServer *cas = user_data;
  const char *service = query ? g_hash_table_lookup (query, "service") : NULL;

  if (g_str_equal (path, "/login") && service != NULL)
    {
      g_autofree char *location = g_strdup_printf ("%s%sticket=ST-handset-test", service,
                                                   strchr (service, '?') ? "&" : "?");

      soup_server_message_set_redirect (msg, 302, location);
      return;
    }

  if (g_str_equal (path, "/proxyValidate") && query != NULL &&
      g_strcmp0 (g_hash_table_lookup (query, "ticket"), "ST-handset-test") == 0)
    {
      g_autofree char *body = g_strdup_printf (
          "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">"
          "<cas:authenticationSuccess><cas:user>%s</cas:user></cas:authenticationSuccess>"
          "</cas:serviceResponse>",
          cas->cas_user);

      cas->validations++;
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/xml", SOUP_MEMORY_COPY, body, strlen (body));
      return;
    }

  soup_server_message_set_status (msg, 404, NULL);
}

typedef struct
{
  SoupSession *session;
  char *final_page;
  guint final_status;
  gboolean done;
  guint forged_status; /* of tokens sent to the listener without its state */
  guint forged_answers;
} Browser;

static void
browser_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Browser *browser = user_data;
  g_autoptr (GBytes) page = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);

  page = soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);
  browser->final_status = soup_message_get_status (msg);
  browser->final_page =
      page ? g_strndup (g_bytes_get_data (page, NULL), g_bytes_get_size (page)) : g_strdup ("");
  browser->done = TRUE;
}

/* The person's browser: follows every redirect from the login page on. */
static void
forged_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Browser *browser = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr (GBytes) bytes =
      soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);

  browser->forged_status = MAX (browser->forged_status, soup_message_get_status (msg));
  browser->forged_answers++;
}

static void
open_in_browser (const char *uri, gpointer user_data)
{
  Browser *browser = user_data;
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr (GHashTable) params =
      g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, NULL);
  const char *redirect = g_hash_table_lookup (params, "redirectUrl");

  g_assert_nonnull (msg);
  /* Another program sends the listener a login token of its own, without
   * the state or with a wrong one: it is turned away. */
  g_assert_nonnull (redirect);
  g_assert_nonnull (strstr (redirect, "?state="));
  {
    g_autofree char *base = g_strndup (redirect, (gsize) (strstr (redirect, "?") - redirect));
    g_autofree char *without = g_strconcat (base, "?loginToken=forged", NULL);
    g_autofree char *wrong = g_strconcat (base, "?state=0000&loginToken=forged", NULL);
    const char *forged[] = { without, wrong };

    for (guint i = 0; i < G_N_ELEMENTS (forged); i++)
      {
        g_autoptr (SoupMessage) fake = soup_message_new ("GET", forged[i]);

        soup_session_send_and_read_async (browser->session, fake, G_PRIORITY_DEFAULT, NULL,
                                          forged_cb, browser);
      }
  }
  soup_session_send_and_read_async (browser->session, msg, G_PRIORITY_DEFAULT, NULL, browser_cb,
                                    browser);
}

static gboolean
browser_done (gpointer data)
{
  return ((Browser *) data)->done && ((Browser *) data)->forged_answers == 2;
}

static void
test_sso_login (void)
{
  g_autoptr (HandsetAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *expected_user = NULL;
  g_autofree char *me = NULL;
  const char *cas_port = g_getenv ("HANDSET_TEST_CAS_PORT");
  CasServer cas = { 0 };
  Browser browser = { 0 };

  if (!handset_test_homeserver_require ())
    return;
  g_assert_nonnull (cas_port);

  cas.cas_user = g_strdup_printf ("sso%08x", g_random_int ());
  cas.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (cas.server, NULL, cas_handler, &cas, NULL);
  address = g_inet_socket_address_new (loopback, (guint16) g_ascii_strtoull (cas_port, NULL, 10));
  soup_server_listen (cas.server, address, 0, &error);
  g_assert_no_error (error);
  browser.session = soup_session_new ();

  account = new_account ("sso");
  handset_account_login_sso_async (account, handset_test_homeserver_url (), open_in_browser,
                                   &browser, NULL, handset_test_store_result, &result);
  g_assert_true (handset_account_login_sso_finish (
      account, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cas.validations, ==, 1);

  /* The browser ends on our own page, which says what happened. */
  g_assert_true (handset_test_wait_until (browser_done, &browser, WAIT_S));
  g_assert_cmpuint (browser.final_status, ==, 200);
  g_assert_nonnull (strstr (browser.final_page, "You are logged in to Handset"));
  g_assert_cmpuint (browser.forged_answers, ==, 2);
  g_assert_cmpuint (browser.forged_status, ==, 400);

  expected_user = g_strdup_printf ("@%s:localhost", cas.cas_user);
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_IN);
  g_assert_cmpstr (handset_account_get_user_id (account), ==, expected_user);
  g_assert_true (handset_account_get_remembered (account));
  me = whoami (handset_account_get_client (account), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (me, ==, expected_user);

  soup_server_disconnect (cas.server);
  g_object_unref (cas.server);
  g_object_unref (browser.session);
  g_free (browser.final_page);
  g_free (cas.cas_user);
}

static void
remember_uri (const char *uri, gpointer user_data)
{
  *(char **) user_data = g_strdup (uri);
}

static void
test_sso_cancelled (void)
{
  g_autoptr (HandsetAccount) account = new_account ("ssocancel");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *opened = NULL;

  if (!handset_test_homeserver_require ())
    return;

  /* The person closes the browser and cancels: the wait ends at once. */
  handset_account_login_sso_async (account, handset_test_homeserver_url (), remember_uri, &opened,
                                   cancellable, handset_test_store_result, &result);
  g_timeout_add_once (100, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  g_assert_false (handset_account_login_sso_finish (
      account, handset_test_wait_for_result (&result, 5), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_str_has_prefix (opened, handset_test_homeserver_url ()));
  g_assert_nonnull (strstr (
      opened, "/_matrix/client/v3/login/sso/redirect?redirectUrl=http%3A%2F%2F127.0.0.1%3A"));
  g_assert_cmpint (handset_account_get_state (account), ==, HANDSET_ACCOUNT_STATE_LOGGED_OUT);
  g_free (opened);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = NULL;
  int status;

  /* The parent makes the home; the children of g_test_trap_subprocess()
   * inherit it through the environment. */
  if (g_getenv ("HANDSET_TEST_ACCOUNT_HOME") == NULL)
    {
      home = handset_test_isolate_home ();
      g_setenv ("HANDSET_TEST_ACCOUNT_HOME", home, TRUE);
    }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/login-remember-restore-logout", test_login_remember_restore_logout);
  g_test_add_func ("/account/dead-token-needs-login", test_dead_token_needs_login);
  g_test_add_func ("/account/no-secret-service", test_no_secret_service);
  g_test_add_func ("/account/sso-login", test_sso_login);
  g_test_add_func ("/account/sso-cancelled", test_sso_cancelled);

  status = g_test_run ();
  if (home != NULL)
    handset_test_remove_tree (home);

  return status;
}
