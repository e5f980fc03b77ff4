/* test-sync-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rooms' state kept in the profile's database with the sync position:
 * a database of the older version is brought up to date and keeps its
 * position; what a batch changed comes back after a restart; and against
 * the real Synapse, a restarted device has its rooms before any request,
 * resumes /sync from its position without the whole state, without
 * `/members` or `/state`, and fetches a room's whole member list once.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "handset-rooms.h"
#include "handset-sync.h"
#include "handset-test-homeserver.h"
#include "handset-test-util.h"

#define WAIT_S 60

static char *
new_db_path (char **dir)
{
  g_autoptr (GError) error = NULL;

  *dir = g_dir_make_tmp ("handset-sync-store-XXXXXX", &error);
  g_assert_no_error (error);

  return g_build_filename (*dir, "handset.db", NULL);
}

static int
user_version (HandsetStore *store)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  g_assert_cmpint (
      sqlite3_prepare_v2 (handset_store_get_db (store), "PRAGMA user_version", -1, &stmt, NULL), ==,
      SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return version;
}

/* A database as the version before kept it: the key-value table only,
 * with a sync position. It opens, gains the rooms' tables, and keeps
 * its position; no rooms are restored from it. */
static void
test_migration (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = new_db_path (&dir);
  g_autoptr (HandsetStore) store = NULL;
  g_autoptr (HandsetRooms) rooms = handset_rooms_new ("@me:example.org");
  g_autoptr (GError) error = NULL;
  g_autofree char *since = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                 "INSERT INTO kv VALUES ('sync.since:@me:example.org/DEV', 's42');",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = handset_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (user_version (store), ==, 1);
  since = handset_store_get (store, "sync.since:@me:example.org/DEV");
  g_assert_cmpstr (since, ==, "s42");
  /* nothing was saved with that position: the sync will ask for the state */
  g_assert_null (handset_store_get (store, "sync.rooms:@me:example.org/DEV"));
  g_assert_true (handset_rooms_load (rooms, store, "@me:example.org/DEV", &error));
  g_assert_no_error (error);
  g_assert_null (handset_rooms_lookup (rooms, "!a:example.org"));

  /* Opening it again changes nothing. */
  g_clear_object (&store);
  store = handset_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (user_version (store), ==, 1);

  g_clear_object (&store);
  handset_test_remove_tree (dir);
}

/* A database a newer Handset wrote is refused, in words, not misread. */
static void
test_newer_database (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = new_db_path (&dir);
  g_autoptr (HandsetStore) store = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = handset_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "newer version"));
  handset_test_remove_tree (dir);
}

static HandsetSyncBatch *
batch_from (const char *json, const char *since)
{
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr (GError) error = NULL;
  HandsetSyncBatch *batch = handset_sync_batch_new_from_bytes (bytes, since, 0, &error);

  g_assert_no_error (error);
  return batch;
}

static void
save (HandsetRooms *rooms, HandsetStore *store)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (handset_store_begin (store, &error));
  g_assert_true (handset_rooms_save (rooms, store, "@me:x/D", &error));
  g_assert_true (handset_store_commit (store, &error));
  g_assert_no_error (error);
  handset_rooms_saved (rooms);
}

#define MEMBER(user, membership, name)                                              \
  "{\"type\":\"m.room.member\",\"state_key\":\"" user "\",\"sender\":\"" user "\"," \
  "\"content\":{\"membership\":\"" membership "\",\"displayname\":\"" name "\"}}"

/* What batches change is saved incrementally and comes back, also after a
 * save that was rolled back: names, members, the summary's counts,
 * encryption, a room left, m.direct. */
static void
test_incremental_roundtrip (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = new_db_path (&dir);
  g_autoptr (HandsetStore) store = NULL;
  g_autoptr (HandsetRooms) rooms = handset_rooms_new ("@me:x");
  g_autoptr (HandsetRooms) again = NULL;
  g_autoptr (HandsetSyncBatch) first = NULL;
  g_autoptr (HandsetSyncBatch) second = NULL;
  g_autoptr (GPtrArray) direct = NULL;
  g_autoptr (GError) error = NULL;
  HandsetRoom *room;
  gint64 ms, msgs;

  store = handset_store_new (path, &error);
  g_assert_no_error (error);

  first = batch_from (
      "{\"next_batch\":\"s1\",\"account_data\":{\"events\":[{\"type\":\"m.direct\","
      "\"content\":{\"@bob:x\":[\"!dm:x\"]}}]},\"rooms\":{\"join\":{"
      "\"!dm:x\":{\"summary\":{\"m.joined_member_count\":2,\"m.invited_member_count\":0},"
      "\"state\":{\"events\":[" MEMBER ("@me:x", "join", "Me") "," MEMBER (
          "@bob:x", "join",
          "Bob") "]}},"
                 "\"!group:x\":{\"summary\":{\"m.joined_member_count\":40},\"state\":{\"events\":["
                 "{\"type\":\"m.room.name\",\"state_key\":\"\",\"sender\":\"@bob:x\","
                 "\"content\":{\"name\":\"Team\"}}]}}}}}",
      NULL);
  handset_rooms_handle_batch (rooms, first);
  save (rooms, store);

  second = batch_from (
      "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!dm:x\":{\"timeline\":{\"events\":["
      "{\"type\":\"m.room.name\",\"state_key\":\"\",\"sender\":\"@bob:x\","
      "\"content\":{\"name\":\"Bob and me\"}},"
      "{\"type\":\"m.room.encryption\",\"state_key\":\"\",\"sender\":\"@bob:x\","
      "\"content\":{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"rotation_period_msgs\":7}}," MEMBER (
          "@bob:x", "join", "Robert") "]}}},"
                                      "\"leave\":{\"!group:x\":{}}}}",
      "s1");
  handset_rooms_handle_batch (rooms, second);
  /* A save that is rolled back (the disk full, say) loses nothing: the
   * next one writes what it had written again. */
  g_assert_true (handset_store_begin (store, &error));
  g_assert_true (handset_rooms_save (rooms, store, "@me:x/D", &error));
  handset_store_rollback (store);
  save (rooms, store);

  again = handset_rooms_new ("@me:x");
  g_assert_true (handset_rooms_load (again, store, "@me:x/D", &error));
  g_assert_no_error (error);
  room = handset_rooms_lookup (again, "!dm:x");
  g_assert_nonnull (room);
  g_assert_cmpstr (handset_room_get_name (room), ==, "Bob and me");
  g_assert_true (handset_room_is_encrypted (room));
  handset_room_get_rotation (room, &ms, &msgs);
  g_assert_cmpint (msgs, ==, 7);
  g_assert_cmpuint (handset_room_get_n_members (room), ==, 2);
  g_assert_cmpstr (handset_room_get_membership (room, "@bob:x"), ==, "join");
  g_assert_cmpstr (handset_room_get_member_name (room, "@bob:x"), ==, "Robert");
  g_assert_false (handset_room_get_members_loaded (room));
  g_assert_null (handset_rooms_lookup (again, "!group:x"));
  direct = handset_rooms_get_direct_rooms (again, "@bob:x");
  g_assert_cmpuint (direct->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (direct, 0), ==, "!dm:x");

  /* Another account's rooms are not this one's. */
  g_clear_object (&again);
  again = handset_rooms_new ("@me:x");
  g_assert_true (handset_rooms_load (again, store, "@me:x/OTHER", &error));
  g_assert_null (handset_rooms_lookup (again, "!dm:x"));

  g_clear_object (&store);
  handset_test_remove_tree (dir);
}

/* A group room known only by the summary counts all its members, which
 * the lazy sync does not name. */
static void
test_summary_counts (void)
{
  g_autoptr (HandsetRooms) rooms = handset_rooms_new ("@me:x");
  g_autoptr (HandsetSyncBatch) batch = batch_from (
      "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!g:x\":{\"summary\":{"
      "\"m.joined_member_count\":12,\"m.invited_member_count\":3,\"m.heroes\":[\"@a:x\"]},"
      "\"state\":{\"events\":[" MEMBER ("@me:x", "join", "Me") "]}}}}}",
      NULL);
  g_autoptr (JsonNode) chunk = NULL;
  HandsetRoom *room;

  handset_rooms_handle_batch (rooms, batch);
  room = handset_rooms_lookup (rooms, "!g:x");
  g_assert_cmpuint (handset_room_get_n_members (room), ==, 15);

  /* The whole list, once fetched, is counted: someone known who is not in
   * it has left. */
  chunk = json_from_string (
      "[" MEMBER ("@me:x", "join", "Me") "," MEMBER ("@a:x", "invite", "A") "]", NULL);
  g_assert_true (handset_room_set_members (room, json_node_get_array (chunk)));
  g_assert_true (handset_room_get_members_loaded (room));
  g_assert_cmpuint (handset_room_get_n_members (room), ==, 2);

  /* A gap in the timeline may hide who came or went: the list is fetched
   * again before the next encrypted event. */
  {
    g_autoptr (HandsetSyncBatch) gap =
        batch_from ("{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!g:x\":{\"timeline\":{"
                    "\"limited\":true,\"events\":[]}}}}}",
                    "s1");

    handset_rooms_handle_batch (rooms, gap);
    g_assert_false (handset_room_get_members_loaded (room));
  }
}

/* ------------------------------------------------------------ live */

typedef struct
{
  GPtrArray *lines;
} Log;

static void
keep_line (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  Log *log = data;

  g_ptr_array_add (log->lines, g_strdup (message));
}

static guint
count_lines (Log *log, const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < log->lines->len; i++)
    n += strstr (g_ptr_array_index (log->lines, i), needle) != NULL;

  return n;
}

static HandsetMatrixClient *
client_for (HandsetTestUser *user)
{
  HandsetMatrixClient *client = handset_matrix_client_new (handset_test_homeserver_url ());

  handset_matrix_client_set_session (client, user->user_id, user->device_id, user->access_token);
  return client;
}

typedef struct
{
  HandsetRooms *rooms;
  const char *dm, *encrypted, *left;
} Rooms;

static gboolean
rooms_known (gpointer data)
{
  Rooms *r = data;
  HandsetRoom *dm = handset_rooms_lookup (r->rooms, r->dm);

  return dm != NULL && handset_rooms_lookup (r->rooms, r->encrypted) != NULL &&
         handset_rooms_lookup (r->rooms, r->left) != NULL && handset_room_get_n_members (dm) == 2;
}

static gboolean
changes_seen (gpointer data)
{
  Rooms *r = data;
  HandsetRoom *dm = handset_rooms_lookup (r->rooms, r->dm);
  HandsetRoom *encrypted = handset_rooms_lookup (r->rooms, r->encrypted);

  return dm != NULL && g_strcmp0 (handset_room_get_name (dm), "Renamed") == 0 &&
         encrypted != NULL && handset_room_is_encrypted (encrypted) &&
         handset_rooms_lookup (r->rooms, r->left) == NULL;
}

static gboolean
connected (gpointer data)
{
  return handset_sync_get_connected (data);
}

static void
put_state (HandsetTestUser *user, const char *room_id, const char *type, const char *content)
{
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/state/%s/", escaped, type);
  g_autoptr (JsonNode) reply = NULL;
  guint status = 0;

  reply = handset_test_request ("PUT", path, user->access_token, content, &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
leave (HandsetTestUser *user, const char *room_id)
{
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/leave", escaped);
  g_autoptr (JsonNode) reply = NULL;
  guint status = 0;

  reply = handset_test_request ("POST", path, user->access_token, "{}", &status);
  g_assert_cmpuint (status, ==, 200);
}

static HandsetSync *
start_sync (HandsetMatrixClient *client, HandsetStore *store, HandsetRooms *rooms)
{
  HandsetSync *sync = handset_sync_new (client, store);

  handset_sync_set_rooms (sync, rooms);
  g_signal_connect_swapped (sync, "batch", G_CALLBACK (handset_rooms_handle_batch), rooms);
  handset_sync_start (sync);

  return sync;
}

typedef struct
{
  guint count, until;
} Batches;

static void
count_batch (Batches *batches)
{
  batches->count++;
}

static gboolean
enough_batches (gpointer data)
{
  Batches *batches = data;

  return batches->count >= batches->until;
}

static void
load_members (HandsetRooms *rooms, HandsetMatrixClient *client, const char *room_id)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  handset_rooms_load_members_async (rooms, client, room_id, NULL, handset_test_store_result,
                                    &result);
  g_assert_true (handset_rooms_load_members_finish (
      rooms, handset_test_wait_for_result (&result, WAIT_S), &error));
  g_assert_no_error (error);
}

static void
test_restart_from_store (void)
{
  g_autoptr (HandsetTestUser) alice = NULL;
  g_autoptr (HandsetTestUser) bob = NULL;
  g_autoptr (HandsetMatrixClient) client = NULL;
  g_autoptr (HandsetStore) store = NULL;
  g_autoptr (HandsetSync) sync = NULL;
  g_autoptr (HandsetRooms) rooms = NULL;
  g_autoptr (GPtrArray) direct_rooms = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dm = NULL, *encrypted = NULL, *left = NULL;
  g_autofree char *direct = NULL, *direct_path = NULL, *event_id = NULL;
  Log log = { g_ptr_array_new_with_free_func (g_free) };
  Batches batches = { 0 };
  Rooms r;
  HandsetRoom *room;
  guint handler, status = 0;

  if (!handset_test_homeserver_require ())
    return;

  path = new_db_path (&dir);
  store = handset_store_new (path, &error);
  g_assert_no_error (error);
  alice = handset_test_register ("alice");
  bob = handset_test_register ("bob");
  dm = handset_test_create_direct_room (bob, alice);
  handset_test_join (alice, dm);
  encrypted = handset_test_create_direct_room (bob, alice);
  handset_test_join (alice, encrypted);
  left = handset_test_create_direct_room (bob, alice);
  handset_test_join (alice, left);
  direct = g_strdup_printf ("{\"%s\": [\"%s\"]}", bob->user_id, dm);
  direct_path =
      g_strdup_printf ("/_matrix/client/v3/user/%s/account_data/m.direct", alice->user_id);
  reply = handset_test_request ("PUT", direct_path, alice->access_token, direct, &status);
  g_assert_cmpuint (status, ==, 200);

  /* A first run: the whole state, then changes one batch at a time. */
  client = client_for (alice);
  rooms = handset_rooms_new (alice->user_id);
  sync = start_sync (client, store, rooms);
  r = (Rooms){ rooms, dm, encrypted, left };
  g_assert_true (handset_test_wait_until (rooms_known, &r, WAIT_S));
  put_state (bob, dm, "m.room.name", "{\"name\":\"Renamed\"}");
  put_state (bob, encrypted, "m.room.encryption", "{\"algorithm\":\"m.megolm.v1.aes-sha2\"}");
  leave (alice, left);
  g_assert_true (handset_test_wait_until (changes_seen, &r, WAIT_S));
  handset_sync_stop (sync);
  g_clear_object (&sync);
  g_clear_object (&rooms);

  /* A restart: the rooms are there before any request, as they were. */
  handler = g_log_set_handler ("Handset-Matrix", G_LOG_LEVEL_DEBUG, keep_line, &log);
  rooms = handset_rooms_new (alice->user_id);
  sync = start_sync (client, store, rooms);
  r.rooms = rooms;
  g_assert_true (changes_seen (&r));
  room = handset_rooms_lookup (rooms, dm);
  g_assert_cmpuint (handset_room_get_n_members (room), ==, 2);
  g_assert_cmpstr (handset_room_get_membership (room, bob->user_id), ==, "join");
  direct_rooms = handset_rooms_get_direct_rooms (rooms, bob->user_id);
  g_assert_cmpuint (direct_rooms->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (direct_rooms, 0), ==, dm);

  /* It resumes from its position, without the whole state, and asks for
   * no members and no state of any room. */
  g_assert_true (handset_test_wait_until (connected, sync, WAIT_S));
  g_assert_cmpuint (count_lines (&log, "Sync from a position"), >=, 1);
  g_assert_cmpuint (count_lines (&log, "whole state"), ==, 0);
  g_assert_cmpuint (count_lines (&log, "Sync from the start"), ==, 0);
  g_assert_cmpuint (count_lines (&log, "/members"), ==, 0);
  g_assert_cmpuint (count_lines (&log, "/state"), ==, 0);
  g_assert_true (changes_seen (&r));

  /* Encryption fetches the encrypted room's whole member list once: it is
   * saved with the next position, and a later run does not fetch it. */
  load_members (rooms, client, encrypted);
  load_members (rooms, client, encrypted);
  g_assert_cmpuint (count_lines (&log, "/members"), ==, 1);
  g_assert_true (handset_room_get_members_loaded (handset_rooms_lookup (rooms, encrypted)));
  event_id = handset_test_send_event (bob, dm, "m.call.hangup",
                                      "{\"call_id\":\"c\",\"party_id\":\"p\",\"version\":\"1\"}");
  batches.count = 0;
  g_signal_connect_swapped (sync, "batch", G_CALLBACK (count_batch), &batches);
  batches.until = 1;
  g_assert_true (handset_test_wait_until (enough_batches, &batches, WAIT_S));
  handset_sync_stop (sync);
  g_clear_object (&sync);
  g_clear_object (&rooms);

  rooms = handset_rooms_new (alice->user_id);
  sync = start_sync (client, store, rooms);
  g_assert_true (handset_room_get_members_loaded (handset_rooms_lookup (rooms, encrypted)));
  g_ptr_array_set_size (log.lines, 0);
  load_members (rooms, client, encrypted);
  g_assert_cmpuint (count_lines (&log, "/members"), ==, 0);
  handset_sync_stop (sync);

  g_log_remove_handler ("Handset-Matrix", handler);
  g_ptr_array_unref (log.lines);
  g_clear_object (&store);
  handset_test_remove_tree (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-store/migration", test_migration);
  g_test_add_func ("/sync-store/newer-database", test_newer_database);
  g_test_add_func ("/sync-store/incremental-roundtrip", test_incremental_roundtrip);
  g_test_add_func ("/sync-store/summary-counts", test_summary_counts);
  g_test_add_func ("/sync-store/restart-from-store", test_restart_from_store);

  return g_test_run ();
}
