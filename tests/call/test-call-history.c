/* test-call-history.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call history against a real call manager: calls placed here, and
 * invites and answers fed in as sync batches from alice (and from bob's
 * other devices), on the fake homeserver: its clock, fake media, and
 * batches delivered to one device at a time. The database lives in a
 * temporary folder; a second history on the same file plays a restart.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "handset-call-history.h"
#include "handset-fake-homeserver.h"
#include "handset-fake-media.h"

#define ALICE "@alice:example.org"
#define BOB   "@bob:example.org"
#define ROOM  "!room:example.org"

typedef struct
{
  char *dir;
  char *db_path;
  HandsetFakeHomeserver *net;
  HandsetFakeDevice *bob;
  HandsetCallManager *manager; /* bob's */
  HandsetStore *store;
  HandsetCallHistory *history;

  /* The last items-changed of the history. */
  guint changes;
  guint changed_position;
  guint changed_removed;
  guint changed_added;
} Fixture;

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, Fixture *f)
{
  f->changes++;
  f->changed_position = position;
  f->changed_removed = removed;
  f->changed_added = added;
}

static void
setup (Fixture *f, gconstpointer data)
{
  static const char *const members[] = { ALICE, BOB, NULL };
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("handset-call-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "profile.db", NULL);
  f->net = handset_fake_homeserver_new (ROOM, members);
  f->store = handset_store_new (f->db_path, &error);
  g_assert_no_error (error);
  f->bob = handset_fake_homeserver_add_device (f->net, BOB, "BOBDEVICE");
  handset_fake_homeserver_join_all (f->net);
  f->manager = f->bob->manager;
  f->history = handset_call_history_new (f->store, HANDSET_CLOCK (f->net->clock), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), ==, 0);
  g_signal_connect (f->history, "items-changed", G_CALLBACK (items_changed_cb), f);
  handset_call_history_watch (f->history, f->manager);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  g_clear_object (&f->history);
  g_clear_pointer (&f->net, handset_fake_homeserver_free);
  g_clear_object (&f->store);

  /* The database, and its -wal and -shm files. */
  dir = g_dir_open (f->dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->db_path);
  g_free (f->dir);
}

/* ------------------------------------------------------------------ helpers */

/* Hands @device one sync batch with @events (taken) in the room. */
static void
feed_events (Fixture *f, HandsetFakeDevice *device, GPtrArray *events)
{
  handset_fake_homeserver_deliver_to (f->net, device, events, FALSE);
  g_ptr_array_unref (events);
}

static void
feed (Fixture *f, const char *sender, const char *type, const char *content_json)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  g_ptr_array_add (events, handset_fake_homeserver_event (f->net, sender, type, content_json, 0));
  feed_events (f, f->bob, events);
}

static char *
invite_json (const char *call_id)
{
  return g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                          " \"lifetime\": 90000, \"invitee\": \"" BOB "\","
                          " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n\"}}",
                          call_id);
}

static char *
hangup_json (const char *call_id, const char *party_id)
{
  return g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
                          " \"reason\": \"user_hangup\"}",
                          call_id, party_id);
}

static char *
answer_json (const char *call_id, const char *party_id)
{
  return g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
                          " \"answer\": {\"type\": \"answer\", \"sdp\": \"v=0\\r\\n\"}}",
                          call_id, party_id);
}

/* alice calls us: the call rings. */
static HandsetCall *
incoming (Fixture *f, const char *call_id)
{
  g_autofree char *invite = invite_json (call_id);
  HandsetCall *call;

  feed (f, ALICE, "m.call.invite", invite);
  call = handset_call_manager_lookup (f->manager, call_id);
  g_assert_nonnull (call);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_RINGING);

  return call;
}

/* We call alice: the invite goes out. */
static HandsetCall *
place (Fixture *f, gboolean video)
{
  g_autoptr (GError) error = NULL;
  HandsetCall *call = handset_call_manager_place_call (f->manager, ROOM, ALICE, video, &error);

  g_assert_no_error (error);
  handset_fake_homeserver_drain ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);

  return call;
}

static void
connect_media (HandsetCall *call)
{
  handset_fake_homeserver_drain ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTING);
  handset_fake_media_set_ice_state (HANDSET_FAKE_MEDIA (handset_call_get_media (call)),
                                    HANDSET_ICE_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTED);
}

static guint
n_items (HandsetCallHistory *history)
{
  return g_list_model_get_n_items (G_LIST_MODEL (history));
}

static HandsetHistoryEntry *
entry_at (HandsetCallHistory *history, guint position)
{
  HandsetHistoryEntry *entry = g_list_model_get_item (G_LIST_MODEL (history), position);

  g_assert_nonnull (entry);
  /* The model keeps its own reference: borrowing is safe for the test. */
  g_object_unref (entry);

  return entry;
}

static void
assert_entry (HandsetHistoryEntry *entry,
              const char *call_id,
              HandsetCallDirection direction,
              HandsetHistoryKind kind,
              const char *peer,
              int duration,
              const char *answered_by,
              HandsetCallEndReason end_reason)
{
  g_assert_cmpstr (handset_history_entry_get_call_id (entry), ==, call_id);
  g_assert_cmpstr (handset_history_entry_get_room_id (entry), ==, ROOM);
  g_assert_cmpint (handset_history_entry_get_direction (entry), ==, direction);
  g_assert_cmpint (handset_history_entry_get_kind (entry), ==, kind);
  g_assert_cmpstr (handset_history_entry_get_peer_user_id (entry), ==, peer);
  g_assert_cmpint (handset_history_entry_get_duration_seconds (entry), ==, duration);
  g_assert_cmpstr (handset_history_entry_get_answered_by (entry), ==, answered_by);
  g_assert_cmpint (handset_history_entry_get_end_reason (entry), ==, end_reason);
}

static void
assert_same_entries (HandsetCallHistory *a, HandsetCallHistory *b)
{
  g_assert_cmpuint (n_items (a), ==, n_items (b));
  for (guint i = 0; i < n_items (a); i++)
    {
      HandsetHistoryEntry *x = entry_at (a, i);
      HandsetHistoryEntry *y = entry_at (b, i);

      g_assert_cmpstr (handset_history_entry_get_call_id (x), ==,
                       handset_history_entry_get_call_id (y));
      g_assert_cmpstr (handset_history_entry_get_room_id (x), ==,
                       handset_history_entry_get_room_id (y));
      g_assert_cmpstr (handset_history_entry_get_peer_user_id (x), ==,
                       handset_history_entry_get_peer_user_id (y));
      g_assert_cmpint (handset_history_entry_get_direction (x), ==,
                       handset_history_entry_get_direction (y));
      g_assert_cmpint (handset_history_entry_get_kind (x), ==, handset_history_entry_get_kind (y));
      g_assert_true (g_date_time_equal (handset_history_entry_get_started (x),
                                        handset_history_entry_get_started (y)));
      g_assert_cmpint (handset_history_entry_get_duration_seconds (x), ==,
                       handset_history_entry_get_duration_seconds (y));
      g_assert_cmpstr (handset_history_entry_get_answered_by (x), ==,
                       handset_history_entry_get_answered_by (y));
      g_assert_cmpint (handset_history_entry_get_end_reason (x), ==,
                       handset_history_entry_get_end_reason (y));
      g_assert_cmpint (handset_history_entry_get_video (x), ==,
                       handset_history_entry_get_video (y));
    }
}

/* A restart: a new store and a new history on the same file. */
static HandsetCallHistory *
reopen (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetStore) store = handset_store_new (f->db_path, &error);
  HandsetCallHistory *history;

  g_assert_no_error (error);
  history = handset_call_history_new (store, NULL, &error);
  g_assert_no_error (error);

  return history;
}

/* Checks that the last change put one new entry on top. */
static void
assert_added_on_top (Fixture *f, guint changes_before)
{
  g_assert_cmpuint (f->changes, ==, changes_before + 1);
  g_assert_cmpuint (f->changed_position, ==, 0);
  g_assert_cmpuint (f->changed_removed, ==, 0);
  g_assert_cmpuint (f->changed_added, ==, 1);
}

/* ------------------------------------------------------------------ tests */

static void
test_kinds (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *hangup = NULL;
  g_autofree char *elsewhere = NULL;
  g_autofree char *cancelled_id = NULL;
  g_autofree char *unanswered_id = NULL;
  g_autofree char *answered_id = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 after;
  HandsetCall *call;
  guint changes;

  /* Outgoing, cancelled before an answer, with video. */
  changes = f->changes;
  call = place (f, TRUE);
  cancelled_id = g_strdup (handset_call_get_call_id (call));
  handset_call_hangup (call);
  assert_added_on_top (f, changes);

  /* Outgoing, the invite ran out. */
  changes = f->changes;
  call = place (f, FALSE);
  unanswered_id = g_strdup (handset_call_get_call_id (call));
  handset_fake_clock_advance (f->net->clock, HANDSET_CALL_INVITE_LIFETIME_MS);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_ENDED);
  assert_added_on_top (f, changes);

  /* Outgoing, answered by alice's phone, 42 s. */
  call = place (f, FALSE);
  answered_id = g_strdup (handset_call_get_call_id (call));
  answer = answer_json (answered_id, "ALICEPHONE1");
  feed (f, ALICE, "m.call.answer", answer);
  connect_media (call);
  handset_fake_clock_advance (f->net->clock, 42000);
  g_assert_cmpuint (n_items (f->history), ==, 2);
  handset_call_hangup (call);

  /* Incoming, answered here, 65 s and a half. */
  call = incoming (f, "in-answered");
  handset_call_answer (call, FALSE);
  connect_media (call);
  handset_fake_clock_advance (f->net->clock, 65500);
  handset_call_hangup (call);

  /* Incoming, declined. */
  call = incoming (f, "in-declined");
  handset_call_reject (call);

  /* Incoming, alice gave up while it rang. */
  incoming (f, "in-cancelled");
  hangup = hangup_json ("in-cancelled", "ALICEPARTY");
  feed (f, ALICE, "m.call.hangup", hangup);

  /* Incoming, it rang until the invite ran out. */
  call = incoming (f, "in-expired");
  handset_fake_clock_advance (f->net->clock, HANDSET_CALL_INVITE_LIFETIME_MS);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_ENDED);

  /* Incoming, bob's other device took it. */
  changes = f->changes;
  incoming (f, "in-elsewhere");
  elsewhere = answer_json ("in-elsewhere", "BOBPHONE01");
  feed (f, BOB, "m.call.answer", elsewhere);
  assert_added_on_top (f, changes);
  after = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpuint (n_items (f->history), ==, 8);
  assert_entry (entry_at (f->history, 0), "in-elsewhere", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_INCOMING, ALICE, 0, "BOBPHONE01",
                HANDSET_CALL_END_ANSWERED_ELSEWHERE);
  assert_entry (entry_at (f->history, 1), "in-expired", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_MISSED, ALICE, 0, NULL, HANDSET_CALL_END_MISSED);
  assert_entry (entry_at (f->history, 2), "in-cancelled", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_MISSED, ALICE, 0, NULL, HANDSET_CALL_END_MISSED);
  assert_entry (entry_at (f->history, 3), "in-declined", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_DECLINED, ALICE, 0, NULL, HANDSET_CALL_END_LOCAL_REJECT);
  assert_entry (entry_at (f->history, 4), "in-answered", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_INCOMING, ALICE, 65, NULL, HANDSET_CALL_END_LOCAL_HANGUP);
  assert_entry (entry_at (f->history, 5), answered_id, HANDSET_CALL_DIRECTION_OUTGOING,
                HANDSET_HISTORY_OUTGOING, ALICE, 42, "ALICEPHONE1", HANDSET_CALL_END_LOCAL_HANGUP);
  assert_entry (entry_at (f->history, 6), unanswered_id, HANDSET_CALL_DIRECTION_OUTGOING,
                HANDSET_HISTORY_OUTGOING, ALICE, 0, NULL, HANDSET_CALL_END_NO_ANSWER);
  assert_entry (entry_at (f->history, 7), cancelled_id, HANDSET_CALL_DIRECTION_OUTGOING,
                HANDSET_HISTORY_OUTGOING, ALICE, 0, NULL, HANDSET_CALL_END_LOCAL_HANGUP);

  g_assert_true (handset_history_entry_get_video (entry_at (f->history, 7)));
  g_assert_false (handset_history_entry_get_video (entry_at (f->history, 6)));
  for (guint i = 0; i < n_items (f->history); i++)
    {
      GDateTime *started = handset_history_entry_get_started (entry_at (f->history, i));

      g_assert_cmpint (g_date_time_to_unix (started), >=, before);
      g_assert_cmpint (g_date_time_to_unix (started), <=, after);
      g_assert_cmpint (g_date_time_get_utc_offset (started), ==, 0);
    }

  /* The properties say what the getters say. */
  {
    g_autofree char *call_id = NULL;
    g_autofree char *answered_by = NULL;
    g_autoptr (GDateTime) started = NULL;
    HandsetHistoryKind kind;
    int duration;

    g_object_get (entry_at (f->history, 5), "call-id", &call_id, "kind", &kind, "duration-seconds",
                  &duration, "answered-by", &answered_by, "started", &started, NULL);
    g_assert_cmpstr (call_id, ==, answered_id);
    g_assert_cmpint (kind, ==, HANDSET_HISTORY_OUTGOING);
    g_assert_cmpint (duration, ==, 42);
    g_assert_cmpstr (answered_by, ==, "ALICEPHONE1");
    g_assert_nonnull (started);
  }

  /* The same, after a restart. */
  reopened = reopen (f);
  assert_same_entries (f->history, reopened);
}

static void
test_never_rang (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autofree char *late = invite_json ("in-late");
  g_autofree char *invite = invite_json ("in-withdrawn");
  g_autofree char *hangup = hangup_json ("in-withdrawn", "ALICEPARTY");
  GPtrArray *events;
  HandsetCall *call;

  /* An invite with less than the minimum ring time left. */
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (events, handset_fake_homeserver_event (f->net, ALICE, "m.call.invite", late,
                                                          HANDSET_CALL_INVITE_LIFETIME_MS - 1000));
  feed_events (f, f->bob, events);
  g_assert_null (handset_call_manager_lookup (f->manager, "in-late"));

  /* An invite and its hangup in the same batch. */
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (events,
                   handset_fake_homeserver_event (f->net, ALICE, "m.call.invite", invite, 0));
  g_ptr_array_add (events,
                   handset_fake_homeserver_event (f->net, ALICE, "m.call.hangup", hangup, 0));
  feed_events (f, f->bob, events);
  call = handset_call_manager_lookup (f->manager, "in-withdrawn");
  g_assert_nonnull (call);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_false (handset_call_get_rang (call));

  /* A call still going is not in the list yet, but it is on disk since it
   * was placed: Handset ending now (a crash) would not lose it. Neither
   * of the calls that never rang is there. */
  place (f, FALSE);

  g_assert_cmpuint (f->changes, ==, 0);
  g_assert_cmpuint (n_items (f->history), ==, 0);
  reopened = reopen (f);
  g_assert_cmpuint (n_items (reopened), ==, 1);
  g_assert_cmpint (handset_history_entry_get_kind (entry_at (reopened, 0)), ==,
                   HANDSET_HISTORY_OUTGOING);
  g_assert_cmpint (handset_history_entry_get_end_reason (entry_at (reopened, 0)), ==,
                   HANDSET_CALL_END_NONE);
}

/* A call that rings is written at once; Handset stopping then (reopened
 * here) keeps it as missed; when it ends, its row is the same row, not a
 * second one. */
static void
test_written_when_it_rings (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetCallHistory) while_ringing = NULL;
  g_autoptr (HandsetCallHistory) after = NULL;
  g_autofree char *invite = invite_json ("in-crash");
  g_autofree char *hangup = hangup_json ("in-crash", "ALICEPARTY");

  feed (f, ALICE, "m.call.invite", invite);
  g_assert_cmpint (handset_call_get_state (incoming (f, "in-crash")), ==,
                   HANDSET_CALL_STATE_RINGING);
  while_ringing = reopen (f);
  g_assert_cmpuint (n_items (while_ringing), ==, 1);
  g_assert_cmpint (handset_history_entry_get_kind (entry_at (while_ringing, 0)), ==,
                   HANDSET_HISTORY_MISSED);
  g_assert_cmpstr (handset_history_entry_get_peer_user_id (entry_at (while_ringing, 0)), ==, ALICE);

  feed (f, ALICE, "m.call.hangup", hangup);
  g_assert_cmpuint (n_items (f->history), ==, 1);
  after = reopen (f);
  g_assert_cmpuint (n_items (after), ==, 1);
  assert_same_entries (f->history, after);
}

static void
test_clear (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autoptr (HandsetCallHistory) after_clear = NULL;
  HandsetCall *going;
  guint changes;

  handset_call_hangup (place (f, FALSE));
  handset_call_reject (incoming (f, "in-declined"));
  going = place (f, FALSE);
  g_assert_cmpuint (n_items (f->history), ==, 2);
  /* On disk, the call going on too (written when it was placed). */
  reopened = reopen (f);
  g_assert_cmpuint (n_items (reopened), ==, 3);

  changes = f->changes;
  handset_call_history_clear (f->history);
  g_assert_cmpuint (f->changes, ==, changes + 1);
  g_assert_cmpuint (f->changed_position, ==, 0);
  g_assert_cmpuint (f->changed_removed, ==, 2);
  g_assert_cmpuint (f->changed_added, ==, 0);
  g_assert_cmpuint (n_items (f->history), ==, 0);
  after_clear = reopen (f);
  g_assert_cmpuint (n_items (after_clear), ==, 0);

  /* A clear of nothing changes nothing. */
  handset_call_history_clear (f->history);
  g_assert_cmpuint (f->changes, ==, changes + 1);

  /* A call that was going when the history was cleared still counts. */
  handset_call_hangup (going);
  g_assert_cmpuint (n_items (f->history), ==, 1);
  g_assert_cmpstr (handset_history_entry_get_call_id (entry_at (f->history, 0)), ==,
                   handset_call_get_call_id (going));
  g_clear_object (&after_clear);
  after_clear = reopen (f);
  assert_same_entries (f->history, after_clear);
}

static void
test_count_missed_since (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) hour_ago = g_date_time_add_hours (now, -1);
  g_autoptr (GDateTime) in_an_hour = g_date_time_add_hours (now, 1);
  g_autofree char *hangup = hangup_json ("in-missed-1", "ALICEPARTY");

  g_assert_cmpuint (handset_call_history_count_missed_since (f->history, hour_ago), ==, 0);

  incoming (f, "in-missed-1");
  feed (f, ALICE, "m.call.hangup", hangup);
  handset_call_reject (incoming (f, "in-declined"));
  handset_call_hangup (place (f, FALSE));
  incoming (f, "in-missed-2");
  handset_fake_clock_advance (f->net->clock, HANDSET_CALL_INVITE_LIFETIME_MS);

  g_assert_cmpuint (n_items (f->history), ==, 4);
  g_assert_cmpuint (handset_call_history_count_missed_since (f->history, hour_ago), ==, 2);
  g_assert_cmpuint (handset_call_history_count_missed_since (f->history, NULL), ==, 2);
  g_assert_cmpuint (handset_call_history_count_missed_since (f->history, in_an_hour), ==, 0);

  reopened = reopen (f);
  g_assert_cmpuint (handset_call_history_count_missed_since (reopened, hour_ago), ==, 2);
  g_assert_cmpuint (handset_call_history_count_missed_since (reopened, in_an_hour), ==, 0);
}

/* Two devices of bob in one app ring for the same call; one declines, the
 * other hears of it: one call, one entry, replaced in place. */
static void
test_same_call_once (Fixture *f, gconstpointer data)
{
  HandsetFakeDevice *other = handset_fake_homeserver_add_device (f->net, BOB, "BOBTABLET1");
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autofree char *invite = invite_json ("in-both");
  g_autofree char *reject = NULL;
  GPtrArray *events;
  HandsetCall *call;
  guint changes;

  handset_call_hangup (place (f, FALSE));
  handset_fake_homeserver_join_all (f->net);
  handset_call_history_watch (f->history, other->manager);
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (events,
                   handset_fake_homeserver_event (f->net, ALICE, "m.call.invite", invite, 0));
  feed_events (f, other, events);
  call = incoming (f, "in-both");
  reject = g_strdup_printf ("{\"call_id\": \"in-both\", \"party_id\": \"%s\", \"version\": \"1\"}",
                            handset_call_get_party_id (call));

  handset_call_reject (call);
  g_assert_cmpuint (n_items (f->history), ==, 2);
  g_assert_cmpint (handset_history_entry_get_kind (entry_at (f->history, 0)), ==,
                   HANDSET_HISTORY_DECLINED);

  /* The reject reaches the other device. */
  changes = f->changes;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (events, handset_fake_homeserver_event (f->net, BOB, "m.call.reject", reject, 0));
  feed_events (f, other, events);
  g_assert_cmpint (
      handset_call_get_end_reason (handset_call_manager_lookup (other->manager, "in-both")), ==,
      HANDSET_CALL_END_DECLINED_ELSEWHERE);

  g_assert_cmpuint (f->changes, ==, changes + 1);
  g_assert_cmpuint (f->changed_position, ==, 0);
  g_assert_cmpuint (f->changed_removed, ==, 1);
  g_assert_cmpuint (f->changed_added, ==, 1);
  g_assert_cmpuint (n_items (f->history), ==, 2);
  /* Declined on the other device: a declined call, which says where. */
  assert_entry (entry_at (f->history, 0), "in-both", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_DECLINED, ALICE, 0, handset_call_get_party_id (call),
                HANDSET_CALL_END_DECLINED_ELSEWHERE);

  reopened = reopen (f);
  assert_same_entries (f->history, reopened);
}

/* The device's name comes after the call ended: the entry takes it. */
static void
test_answered_by_name (Fixture *f, gconstpointer data)
{
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autofree char *elsewhere = answer_json ("in-elsewhere", "BOBPHONE01");
  HandsetHistoryEntry *before;
  HandsetCall *call;
  guint changes;

  call = incoming (f, "in-elsewhere");
  feed (f, BOB, "m.call.answer", elsewhere);
  handset_call_hangup (place (f, FALSE));
  g_assert_cmpuint (n_items (f->history), ==, 2);
  before = entry_at (f->history, 1);
  g_assert_cmpstr (handset_history_entry_get_answered_by (before), ==, "BOBPHONE01");

  changes = f->changes;
  handset_call_set_answered_by (call, "Bob's phone");
  g_assert_cmpuint (f->changes, ==, changes + 1);
  g_assert_cmpuint (f->changed_position, ==, 1);
  g_assert_cmpuint (f->changed_removed, ==, 1);
  g_assert_cmpuint (f->changed_added, ==, 1);
  assert_entry (entry_at (f->history, 1), "in-elsewhere", HANDSET_CALL_DIRECTION_INCOMING,
                HANDSET_HISTORY_INCOMING, ALICE, 0, "Bob's phone",
                HANDSET_CALL_END_ANSWERED_ELSEWHERE);

  reopened = reopen (f);
  assert_same_entries (f->history, reopened);
}

/* A database that cannot be written loses nothing from the running app. */
static void
test_write_error (Fixture *f, gconstpointer data)
{
  sqlite3 *db = handset_store_get_db (f->store);

  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE call_history", NULL, NULL, NULL), ==, SQLITE_OK);

  /* Said when it rings (written at once) and when it ends. */
  g_test_expect_message ("Handset-Call", G_LOG_LEVEL_WARNING, "*no such table*");
  g_test_expect_message ("Handset-Call", G_LOG_LEVEL_WARNING, "*no such table*");
  handset_call_reject (incoming (f, "in-declined"));
  g_test_assert_expected_messages ();

  g_assert_cmpuint (n_items (f->history), ==, 1);
  g_assert_cmpint (handset_history_entry_get_kind (entry_at (f->history, 0)), ==,
                   HANDSET_HISTORY_DECLINED);
  g_assert_cmpuint (handset_call_history_count_missed_since (f->history, NULL), ==, 0);
}

/* A row is keyed by the call's ID and the other party: carol's Element
 * Call ring whose event ID is the call ID of alice's call does not
 * overwrite alice's row, in the list or on disk. */
static void
test_same_id_other_party (Fixture *f, gconstpointer data)
{
  HandsetRtcRings *rings = f->bob->rings;
  g_autoptr (HandsetCallHistory) reopened = NULL;
  g_autofree char *invite = invite_json ("shared1");
  g_autofree char *hangup = hangup_json ("shared1", "ALICEPARTY");
  g_autofree char *text = NULL;
  HandsetRtcRing *ring;

  feed (f, ALICE, "m.call.invite", invite);
  feed (f, ALICE, "m.call.hangup", hangup);
  g_assert_cmpuint (n_items (f->history), ==, 1);

  handset_call_history_watch_rtc_rings (f->history, rings);
  text = g_strdup_printf (
      "{\"type\": \"org.matrix.msc4075.rtc.notification\", \"sender\": \"@carol:example.org\","
      " \"event_id\": \"shared1\", \"origin_server_ts\": %" G_GINT64_FORMAT ","
      " \"content\": {\"m.mentions\": {\"room\": true}, \"sender_ts\": %" G_GINT64_FORMAT ","
      " \"lifetime\": 30000}}",
      g_get_real_time () / 1000, g_get_real_time () / 1000);
  feed_events (f, f->bob, handset_fake_homeserver_events_from_json (f->net, text));
  g_assert_cmpuint (handset_rtc_rings_get_ringing (rings)->len, ==, 1);
  ring = g_ptr_array_index (handset_rtc_rings_get_ringing (rings), 0);
  handset_rtc_rings_decline (rings, ring);

  g_assert_cmpuint (n_items (f->history), ==, 2);
  g_assert_cmpstr (handset_history_entry_get_peer_user_id (entry_at (f->history, 1)), ==, ALICE);
  reopened = reopen (f);
  g_assert_cmpuint (n_items (reopened), ==, 2);
  assert_same_entries (f->history, reopened);
}

/* A history an older version wrote (keyed by the call ID alone, without
 * the application column) is read, and kept under the new key. */
static void
test_older_database (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "old.db", NULL);
  g_autoptr (HandsetStore) store = handset_store_new (path, &error);
  g_autoptr (HandsetCallHistory) history = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  db = handset_store_get_db (store);
  g_assert_cmpint (
      sqlite3_exec (db,
                    "CREATE TABLE call_history (call_id TEXT PRIMARY KEY, room_id TEXT NOT NULL,"
                    " peer_user_id TEXT, direction TEXT NOT NULL, kind TEXT NOT NULL,"
                    " started INTEGER NOT NULL, ended INTEGER NOT NULL,"
                    " duration_seconds INTEGER NOT NULL, answered_by TEXT,"
                    " end_reason TEXT NOT NULL, video INTEGER NOT NULL);"
                    "INSERT INTO call_history VALUES ('old1', '" ROOM "', '" ALICE "',"
                    " 'incoming', 'missed', 1700000000, 1700000010, 0, NULL, 'missed', 0);",
                    NULL, NULL, NULL),
      ==, SQLITE_OK);

  history = handset_call_history_new (store, HANDSET_CLOCK (f->net->clock), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_items (history), ==, 1);
  g_assert_cmpstr (handset_history_entry_get_call_id (entry_at (history, 0)), ==, "old1");
  g_assert_cmpint (handset_history_entry_get_kind (entry_at (history, 0)), ==,
                   HANDSET_HISTORY_MISSED);
  g_assert_null (handset_history_entry_get_application (entry_at (history, 0)));
  g_clear_object (&history);
  /* And opened again, as it is now. */
  history = handset_call_history_new (store, HANDSET_CLOCK (f->net->clock), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_items (history), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/call-history/kinds", Fixture, NULL, setup, test_kinds, teardown);
  g_test_add ("/call-history/never-rang", Fixture, NULL, setup, test_never_rang, teardown);
  g_test_add ("/call-history/written-when-it-rings", Fixture, NULL, setup,
              test_written_when_it_rings, teardown);
  g_test_add ("/call-history/clear", Fixture, NULL, setup, test_clear, teardown);
  g_test_add ("/call-history/count-missed-since", Fixture, NULL, setup, test_count_missed_since,
              teardown);
  g_test_add ("/call-history/same-call-once", Fixture, NULL, setup, test_same_call_once, teardown);
  g_test_add ("/call-history/answered-by-name", Fixture, NULL, setup, test_answered_by_name,
              teardown);
  g_test_add ("/call-history/same-id-other-party", Fixture, NULL, setup, test_same_id_other_party,
              teardown);
  g_test_add ("/call-history/older-database", Fixture, NULL, setup, test_older_database, teardown);
  g_test_add ("/call-history/write-error", Fixture, NULL, setup, test_write_error, teardown);

  return g_test_run ();
}
