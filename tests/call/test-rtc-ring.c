/* test-rtc-ring.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Element Call (MatrixRTC) rings: the reading of a call notification as
 * MSC4075 and matrix-js-sdk define it (who it is for, how long it rings),
 * and the rings of the room as the fake homeserver's sync batches bring
 * them to bob's device (what ends one), on its fake clock.
 */

#include "config.h"

#include "handset-call-history.h"
#include "handset-fake-homeserver.h"
#include "handset-rtc-rings.h"
#include "handset-test-util.h"

#define ALICE "@alice:example.org"
#define BOB   "@bob:example.org"
#define ROOM  "!dm:example.org"
#define NOW   1700000000000

static gint64
fake_now (void)
{
  return NOW;
}

/* A notification event from @sender with @content (JSON). */
static JsonObject *
notification (const char *type, const char *sender, gint64 origin_ts, const char *content)
{
  g_autofree char *text = g_strdup_printf (
      "{\"type\": \"%s\", \"sender\": \"%s\","
      " \"event_id\": \"$ring1\", \"origin_server_ts\": %" G_GINT64_FORMAT ", \"content\": %s}",
      type, sender, origin_ts, content);
  g_autoptr (JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);

  return json_object_ref (json_node_get_object (node));
}

/* What matrix-js-sdk 43 sends for a call placed in Element Call. */
static char *
js_sdk_content (gint64 sender_ts, gint64 lifetime, const char *mentions)
{
  return g_strdup_printf ("{\"slot_id\": \"m.call#\", \"m.mentions\": %s,"
                          " \"notification_type\": \"ring\","
                          " \"m.relates_to\": {\"event_id\": \"$member\", \"rel_type\": "
                          "\"m.reference\"},"
                          " \"sender_ts\": %" G_GINT64_FORMAT ", \"lifetime\": %" G_GINT64_FORMAT
                          ", \"msc4354_sticky_key\": \"m.call#\", \"m.call.intent\": \"video\"}",
                          mentions, sender_ts, lifetime);
}

static HandsetRtcRing *
parse (JsonObject *event, GError **error)
{
  return handset_rtc_ring_parse (event, ROOM, BOB, NOW, error);
}

static void
test_parse_js_sdk (void)
{
  g_autofree char *content =
      js_sdk_content (NOW - 1000, 90000, "{\"user_ids\": [], \"room\": true}");
  g_autoptr (JsonObject) event =
      notification ("org.matrix.msc4075.rtc.notification", ALICE, NOW - 900, content);
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetRtcRing) ring = parse (event, &error);
  g_autofree char *uri = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ring);
  g_assert_cmpstr (handset_rtc_ring_get_sender (ring), ==, ALICE);
  g_assert_cmpstr (handset_rtc_ring_get_event_id (ring), ==, "$ring1");
  g_assert_true (handset_rtc_ring_get_video (ring));
  g_assert_true (handset_rtc_ring_get_audible (ring));
  /* From sender_ts, 90 s. */
  g_assert_cmpint (handset_rtc_ring_get_expires_ms (ring), ==, NOW - 1000 + 90000);
  g_assert_cmpint (handset_rtc_ring_get_state (ring), ==, HANDSET_RTC_RING_RINGING);
  uri = handset_rtc_ring_get_open_uri (ring);
  g_assert_cmpstr (uri, ==, "https://matrix.to/#/!dm:example.org?via=example.org");
}

static void
test_parse_rules (void)
{
  struct
  {
    const char *type;
    const char *sender;
    gint64 origin_ts;
    const char *content;
    int error; /* -1: rings */
    gint64 expires;
  } cases[] = {
    /* Mentioned by name; an audio call. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"user_ids\": [\"" BOB "\"]}, \"sender_ts\": 1700000000000,"
      " \"lifetime\": 30000}",
      -1, NOW + 30000 },
    /* Someone else mentioned: not for us. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"user_ids\": [\"@carol:example.org\"]}, \"sender_ts\": 1700000000000,"
      " \"lifetime\": 30000}",
      HANDSET_RTC_RING_ERROR_NOT_FOR_US, 0 },
    /* Our own. */
    { "m.rtc.notification", BOB, NOW,
      "{\"m.mentions\": {\"room\": true}, \"sender_ts\": 1700000000000, \"lifetime\": 30000}",
      HANDSET_RTC_RING_ERROR_NOT_FOR_US, 0 },
    /* Over. */
    { "m.rtc.notification", ALICE, NOW - 60000,
      "{\"m.mentions\": {\"room\": true}, \"sender_ts\": 1699999940000, \"lifetime\": 30000}",
      HANDSET_RTC_RING_ERROR_EXPIRED, 0 },
    /* An hour asked: two minutes at most. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": true}, \"sender_ts\": 1700000000000, \"lifetime\": 3600000}", -1,
      NOW + HANDSET_RTC_RING_MAX_LIFETIME_MS },
    /* A sender_ts in the future by an hour: origin_server_ts counts. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": true}, \"sender_ts\": 1700003600000, \"lifetime\": 30000}", -1,
      NOW + 30000 },
    /* Strings where numbers belong, a negative lifetime, no mentions. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": true}, \"sender_ts\": \"1700000000000\", \"lifetime\": 30000}",
      HANDSET_RTC_RING_ERROR_MALFORMED, 0 },
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": true}, \"sender_ts\": 1700000000000, \"lifetime\": -5}",
      HANDSET_RTC_RING_ERROR_MALFORMED, 0 },
    { "m.rtc.notification", ALICE, NOW, "{\"sender_ts\": 1700000000000, \"lifetime\": 30000}",
      HANDSET_RTC_RING_ERROR_MALFORMED, 0 },
    /* A mention of the room as a string is no mention. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": \"true\"}, \"sender_ts\": 1700000000000, \"lifetime\": 30000}",
      HANDSET_RTC_RING_ERROR_NOT_FOR_US, 0 },
    /* The proposal's shape: the fields in `application`. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": true}, \"application\": {\"type\": \"m.call\","
      " \"notification_type\": \"ring\", \"sender_ts\": 1700000000000, \"lifetime\": 20000}}",
      -1, NOW + 20000 },
    /* Another application: not a call. */
    { "m.rtc.notification", ALICE, NOW,
      "{\"m.mentions\": {\"room\": true}, \"application\": {\"type\": \"m.whiteboard\","
      " \"sender_ts\": 1700000000000, \"lifetime\": 20000}}",
      HANDSET_RTC_RING_ERROR_NOT_A_RING, 0 },
    /* The older m.call.notify: 30 s from the server's time. */
    { "org.matrix.msc4075.call.notify", ALICE, NOW - 10000,
      "{\"application\": \"m.call\", \"m.mentions\": {\"room\": true}, \"notify_type\": \"ring\","
      " \"call_id\": \"\"}",
      -1, NOW + 20000 },
    /* Withdrawn: only the sticky key is left. */
    { "org.matrix.msc4075.rtc.notification", ALICE, NOW, "{\"msc4354_sticky_key\": \"m.call#\"}",
      HANDSET_RTC_RING_ERROR_WITHDRAWN, 0 },
    /* Not a notification at all. */
    { "m.call.invite", ALICE, NOW, "{}", HANDSET_RTC_RING_ERROR_NOT_A_RING, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonObject) event =
          notification (cases[i].type, cases[i].sender, cases[i].origin_ts, cases[i].content);
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetRtcRing) ring = parse (event, &error);

      g_test_message ("case %u: %s", i, cases[i].content);
      if (cases[i].error < 0)
        {
          g_assert_no_error (error);
          g_assert_cmpint (handset_rtc_ring_get_expires_ms (ring), ==, cases[i].expires);
        }
      else
        {
          g_assert_error (error, HANDSET_RTC_RING_ERROR, cases[i].error);
          g_assert_null (ring);
        }
    }
}

/* ------------------------------------------------------------ the rings */

typedef struct
{
  HandsetFakeHomeserver *net;
  HandsetRtcRings *rings; /* bob's */
  GPtrArray *rang;        /* bob's rings, in order */
  HandsetCallHistory *history;
  HandsetStore *store;
  char *dir;
} Fixture;

/* The events of @timeline (JSON, comma-separated) reach bob's device. */
static void
feed (Fixture *f, const char *timeline)
{
  g_autofree char *events = g_strdup_printf ("[%s]", timeline);

  handset_fake_homeserver_inject_json (f->net, events);
  handset_fake_homeserver_deliver (f->net);
}

static char *
ring_event (const char *event_id, gint64 lifetime)
{
  g_autofree char *content = js_sdk_content (NOW, lifetime, "{\"user_ids\": [], \"room\": true}");

  return g_strdup_printf ("{\"type\": \"org.matrix.msc4075.rtc.notification\","
                          " \"sender\": \"" ALICE "\", \"event_id\": \"%s\","
                          " \"origin_server_ts\": %" G_GINT64_FORMAT ", \"content\": %s}",
                          event_id, (gint64) NOW, content);
}

static char *
member_event (const char *sender, const char *event_id, gboolean joined)
{
  return g_strdup_printf (
      "{\"type\": \"org.matrix.msc3401.call.member\", \"sender\": \"%s\","
      " \"state_key\": \"_%s_DEVICE_m.call\", \"event_id\": \"%s\", \"origin_server_ts\": 1,"
      " \"content\": %s}",
      sender, sender, event_id,
      joined ? "{\"application\": \"m.call\", \"call_id\": \"\", \"scope\": \"m.room\","
               " \"device_id\": \"DEVICE\", \"focus_active\": {\"type\": \"livekit\"}}"
             : "{}");
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  static const char *const members[] = { ALICE, BOB, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *db = NULL;
  HandsetFakeDevice *bob;

  f->net = handset_fake_homeserver_new (ROOM, members);
  bob = handset_fake_homeserver_add_device (f->net, BOB, "BOBDEVICE");
  handset_fake_homeserver_join_all (f->net);
  f->rings = bob->rings;
  f->rang = bob->rtc_rang;
  handset_rtc_rings_set_now_func (f->rings, fake_now);
  f->dir = g_dir_make_tmp ("handset-rtc-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "handset.db", NULL);
  f->store = handset_store_new (db, &error);
  g_assert_no_error (error);
  f->history = handset_call_history_new (f->store, HANDSET_CLOCK (f->net->clock), &error);
  g_assert_no_error (error);
  handset_call_history_watch_rtc_rings (f->history, f->rings);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->history);
  g_clear_object (&f->store);
  g_clear_pointer (&f->net, handset_fake_homeserver_free);
  handset_test_remove_tree (f->dir);
  g_free (f->dir);
}

static HandsetHistoryEntry *
history_top (Fixture *f)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), >, 0);

  return g_list_model_get_item (G_LIST_MODEL (f->history), 0);
}

/* It rings for its lifetime, then it is a missed Element Call. */
static void
test_rings_until_missed (Fixture *f, gconstpointer data)
{
  g_autofree char *ring = ring_event ("$r1", 30000);
  g_autoptr (HandsetHistoryEntry) entry = NULL;
  HandsetRtcRing *r;

  feed (f, ring);
  g_assert_cmpuint (f->rang->len, ==, 1);
  r = g_ptr_array_index (f->rang, 0);
  g_assert_cmpint (handset_rtc_ring_get_state (r), ==, HANDSET_RTC_RING_RINGING);
  g_assert_true (handset_rtc_rings_lookup (f->rings, "$r1") == r);

  /* The same call notified again is not a second ring. */
  {
    g_autofree char *again = ring_event ("$r1b", 30000);

    feed (f, again);
    g_assert_cmpuint (f->rang->len, ==, 1);
  }

  handset_fake_clock_advance (f->net->clock, 29000);
  g_assert_cmpint (handset_rtc_ring_get_state (r), ==, HANDSET_RTC_RING_RINGING);
  handset_fake_clock_advance (f->net->clock, 1000);
  g_assert_cmpint (handset_rtc_ring_get_state (r), ==, HANDSET_RTC_RING_MISSED);
  g_assert_cmpuint (handset_rtc_rings_get_ringing (f->rings)->len, ==, 0);

  entry = history_top (f);
  g_assert_cmpint (handset_history_entry_get_kind (entry), ==, HANDSET_HISTORY_MISSED);
  g_assert_cmpstr (handset_history_entry_get_application (entry), ==, "Element Call");
  g_assert_cmpstr (handset_history_entry_get_peer_user_id (entry), ==, ALICE);
  g_assert_true (handset_history_entry_get_video (entry));
}

/* What ends a ring before its time. */
static void
test_ring_ends (Fixture *f, gconstpointer data)
{
  struct
  {
    const char *what;
    char *event;
    HandsetRtcRingState state;
    HandsetHistoryKind kind;
  } cases[] = {
    { "we joined on another device", member_event (BOB, "$m2", TRUE),
      HANDSET_RTC_RING_JOINED_ELSEWHERE, HANDSET_HISTORY_INCOMING },
    { "the caller left the call", member_event (ALICE, "$m3", FALSE), HANDSET_RTC_RING_CANCELLED,
      HANDSET_HISTORY_MISSED },
    { "our other device declined",
      g_strdup ("{\"type\": \"org.matrix.msc4310.rtc.decline\", \"sender\": \"" BOB "\","
                " \"event_id\": \"$d\", \"origin_server_ts\": 2, \"content\": {\"m.relates_to\":"
                " {\"rel_type\": \"m.reference\", \"event_id\": \"$r2\"}}}"),
      HANDSET_RTC_RING_DECLINED_ELSEWHERE, HANDSET_HISTORY_DECLINED },
    { "the caller withdrew the ring",
      g_strdup ("{\"type\": \"org.matrix.msc4075.rtc.notification\", \"sender\": \"" ALICE "\","
                " \"event_id\": \"$w\", \"origin_server_ts\": 2,"
                " \"content\": {\"msc4354_sticky_key\": \"m.call#\"}}"),
      HANDSET_RTC_RING_CANCELLED, HANDSET_HISTORY_MISSED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *id = g_strdup_printf ("$r%u", i);
      g_autofree char *ring = ring_event (id, 60000);
      const char *end = cases[i].event;
      g_autoptr (HandsetHistoryEntry) entry = NULL;
      HandsetRtcRing *r;

      g_test_message ("%s", cases[i].what);
      feed (f, ring);
      r = g_ptr_array_index (f->rang, f->rang->len - 1);
      g_assert_cmpstr (handset_rtc_ring_get_event_id (r), ==, id);
      g_assert_cmpint (handset_rtc_ring_get_state (r), ==, HANDSET_RTC_RING_RINGING);
      /* Someone else's decline or membership changes nothing. */
      {
        g_autofree char *other = member_event ("@carol:example.org", "$mc", FALSE);

        feed (f, other);
        g_assert_cmpint (handset_rtc_ring_get_state (r), ==, HANDSET_RTC_RING_RINGING);
      }
      feed (f, end);
      g_assert_cmpint (handset_rtc_ring_get_state (r), ==, cases[i].state);
      g_assert_cmpuint (handset_fake_clock_get_n_timers (f->net->clock), ==, 0);
      entry = history_top (f);
      g_assert_cmpstr (handset_history_entry_get_call_id (entry), ==, id);
      g_assert_cmpint (handset_history_entry_get_kind (entry), ==, cases[i].kind);
      g_free (cases[i].event);
    }

  /* Declined here. */
  {
    g_autofree char *ring = ring_event ("$r9", 60000);
    g_autoptr (HandsetHistoryEntry) entry = NULL;
    HandsetRtcRing *r;

    feed (f, ring);
    r = g_ptr_array_index (f->rang, f->rang->len - 1);
    handset_rtc_rings_decline (f->rings, r);
    g_assert_cmpint (handset_rtc_ring_get_state (r), ==, HANDSET_RTC_RING_DECLINED);
    entry = history_top (f);
    g_assert_cmpint (handset_history_entry_get_kind (entry), ==, HANDSET_HISTORY_DECLINED);
  }
}

/* A notification in clear in an encrypted room does not ring: anyone who
 * can put an event into the room could send it. */
static void
test_clear_in_encrypted_room (Fixture *f, gconstpointer data)
{
  g_autofree char *ring = ring_event ("$r1", 30000);
  g_autofree char *timeline = g_strdup_printf (
      "{\"type\": \"m.room.encryption\", \"state_key\": \"\", \"sender\": \"" ALICE "\","
      " \"event_id\": \"$enc\", \"origin_server_ts\": 1,"
      " \"content\": {\"algorithm\": \"m.megolm.v1.aes-sha2\"}}, %s",
      ring);

  feed (f, timeline);
  g_assert_cmpuint (f->rang->len, ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rtc-ring/parse/js-sdk", test_parse_js_sdk);
  g_test_add_func ("/rtc-ring/parse/rules", test_parse_rules);
  g_test_add ("/rtc-ring/rings/until-missed", Fixture, NULL, fixture_set_up,
              test_rings_until_missed, fixture_tear_down);
  g_test_add ("/rtc-ring/rings/ends", Fixture, NULL, fixture_set_up, test_ring_ends,
              fixture_tear_down);
  g_test_add ("/rtc-ring/rings/clear-in-encrypted-room", Fixture, NULL, fixture_set_up,
              test_clear_in_encrypted_room, fixture_tear_down);

  return g_test_run ();
}
