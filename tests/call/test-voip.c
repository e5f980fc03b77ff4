/* test-voip.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The behaviours of a conforming client (docs/voip-behaviours.md, §17 of
 * the protocol notes) that need no real media, each test named after its
 * number. Several call managers — devices of alice, bob and carol — share
 * one room on an in-memory homeserver that delivers every event to everyone
 * (echoes included) as sync batches; the clock is fake and the media record
 * what they are asked.
 */

#include "config.h"

#include "handset-call-manager.h"
#include "handset-fake-clock.h"
#include "handset-fake-media.h"
#include "handset-test-util.h"

#define ALICE "@alice:example.org"
#define BOB   "@bob:example.org"
#define CAROL "@carol:example.org"
#define ROOM  "!room:example.org"
#define ROOM2 "!other:example.org"

typedef struct
{
  char *user_id;
  char *device_id;
  HandsetRooms *rooms;
  HandsetCallManager *manager;
  GPtrArray *media; /* HandsetFakeMedia, newest last */
  GPtrArray *sent;  /* JsonObject: the events this device sent */
  GPtrArray *rang;  /* HandsetCall */
  gboolean joined_state_sent;
} Device;

typedef struct
{
  HandsetFakeClock *clock;
  GPtrArray *devices;
  GPtrArray *pending; /* JsonObject room events not yet delivered */
  GPtrArray *members; /* user IDs in the room */
  const char *join_rule;
  guint counter;
} Net;

static Net *net;

/* ------------------------------------------------------------------ the homeserver */

static JsonObject *
room_event (const char *room_id,
            const char *sender,
            const char *type,
            JsonObject *content,
            gint64 age)
{
  JsonObject *event = json_object_new ();
  JsonObject *unsigned_data = json_object_new ();
  g_autofree char *event_id = g_strdup_printf ("$event%u", ++net->counter);

  json_object_set_string_member (event, "type", type);
  json_object_set_string_member (event, "sender", sender);
  json_object_set_string_member (event, "event_id", event_id);
  json_object_set_string_member (event, "room_id", room_id);
  json_object_set_int_member (event, "origin_server_ts", 1700000000000 + net->counter);
  json_object_set_object_member (event, "content", content);
  json_object_set_int_member (unsigned_data, "age", age);
  json_object_set_object_member (event, "unsigned", unsigned_data);

  return event;
}

static JsonObject *
state_event (const char *type, const char *state_key, const char *content_json)
{
  g_autoptr (JsonNode) content = json_from_string (content_json, NULL);
  JsonObject *event =
      room_event (ROOM, ALICE, type, json_object_ref (json_node_get_object (content)), 0);

  json_object_set_string_member (event, "state_key", state_key);
  return event;
}

static void
on_send_event (HandsetCallManager *manager,
               HandsetCall *call,
               const char *type,
               JsonObject *content,
               Device *device)
{
  JsonObject *event = room_event (handset_call_get_room_id (call), device->user_id, type,
                                  json_object_ref (content), 0);

  g_ptr_array_add (device->sent, json_object_ref (event));
  g_ptr_array_add (net->pending, event);
}

static void
on_incoming (HandsetCallManager *manager, HandsetCall *call, Device *device)
{
  g_ptr_array_add (device->rang, g_object_ref (call));
}

static Device *
add_device (const char *user_id, const char *device_id)
{
  Device *device = g_new0 (Device, 1);

  device->user_id = g_strdup (user_id);
  device->device_id = g_strdup (device_id);
  device->rooms = handset_rooms_new (user_id);
  device->media = g_ptr_array_new_with_free_func (g_object_unref);
  device->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  device->rang = g_ptr_array_new_with_free_func (g_object_unref);
  device->manager =
      handset_call_manager_new (user_id, device_id, device->rooms, HANDSET_CLOCK (net->clock),
                                handset_fake_media_factory, device->media);
  g_signal_connect (device->manager, "send-event", G_CALLBACK (on_send_event), device);
  g_signal_connect (device->manager, "incoming-call", G_CALLBACK (on_incoming), device);
  g_ptr_array_add (net->devices, device);

  return device;
}

static void
device_free (Device *device)
{
  g_object_unref (device->manager);
  g_object_unref (device->rooms);
  g_ptr_array_unref (device->media);
  g_ptr_array_unref (device->sent);
  g_ptr_array_unref (device->rang);
  g_free (device->user_id);
  g_free (device->device_id);
  g_free (device);
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static JsonObject *
room_state (void)
{
  JsonObject *state = json_object_new ();
  JsonArray *events = json_array_new ();
  g_autofree char *join_rule = g_strdup_printf ("{\"join_rule\": \"%s\"}", net->join_rule);

  for (guint i = 0; i < net->members->len; i++)
    json_array_add_object_element (events, state_event ("m.room.member",
                                                        g_ptr_array_index (net->members, i),
                                                        "{\"membership\": \"join\"}"));
  json_array_add_object_element (events, state_event ("m.room.join_rules", "", join_rule));
  json_object_set_array_member (state, "events", events);

  return state;
}

/* Delivers @events to @device as one sync batch. */
static void
deliver_to (Device *device, GPtrArray *events, gboolean initial)
{
  g_autoptr (JsonObject) root = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (HandsetSyncBatch) batch = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *rooms = json_object_new ();
  JsonObject *join = json_object_new ();
  JsonObject *room = json_object_new ();
  JsonObject *timeline = json_object_new ();
  JsonArray *array = json_array_new ();
  char *text;

  for (guint i = 0; i < events->len; i++)
    json_array_add_object_element (array, json_object_ref (g_ptr_array_index (events, i)));
  json_object_set_array_member (timeline, "events", array);
  json_object_set_object_member (room, "timeline", timeline);
  if (!device->joined_state_sent)
    {
      json_object_set_object_member (room, "state", room_state ());
      device->joined_state_sent = TRUE;
    }
  json_object_set_object_member (join, ROOM, room);
  json_object_set_object_member (rooms, "join", join);
  json_object_set_object_member (root, "rooms", rooms);
  json_object_set_string_member (root, "next_batch", "s");

  node = json_node_init_object (json_node_alloc (), root);
  text = json_to_string (node, FALSE);
  bytes = g_bytes_new_take (text, strlen (text));
  batch = handset_sync_batch_new_from_bytes (
      bytes, initial ? NULL : "s0", handset_clock_get_time (HANDSET_CLOCK (net->clock)), &error);
  g_assert_no_error (error);

  handset_rooms_handle_batch (device->rooms, batch);
  handset_call_manager_handle_batch (device->manager, batch);
  drain ();
}

/* The homeserver's sync: everything pending, to every device, in rounds
 * until nobody sends anything more. */
static void
deliver (void)
{
  drain ();
  for (guint round = 0; round < 20 && net->pending->len > 0; round++)
    {
      g_autoptr (GPtrArray) events = g_steal_pointer (&net->pending);

      net->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      for (guint i = 0; i < net->devices->len; i++)
        deliver_to (g_ptr_array_index (net->devices, i), events, FALSE);
      drain ();
    }
}

/* An event from a peer that is not one of our managers. */
static void
inject (const char *sender, const char *type, const char *content_json, gint64 age)
{
  g_autoptr (JsonNode) content = json_from_string (content_json, NULL);

  g_assert_nonnull (content);
  g_ptr_array_add (
      net->pending,
      room_event (ROOM, sender, type, json_object_ref (json_node_get_object (content)), age));
}

static void
setup (void)
{
  net = g_new0 (Net, 1);
  net->clock = handset_fake_clock_new ();
  net->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  net->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  net->members = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (net->members, g_strdup (ALICE));
  g_ptr_array_add (net->members, g_strdup (BOB));
  net->join_rule = "invite";
}

/* The room's state reaches every device before the test starts. */
static void
join_all (void)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();

  for (guint i = 0; i < net->devices->len; i++)
    deliver_to (g_ptr_array_index (net->devices, i), none, TRUE);
}

static void
teardown (void)
{
  g_ptr_array_unref (net->devices);
  g_ptr_array_unref (net->pending);
  g_ptr_array_unref (net->members);
  g_object_unref (net->clock);
  g_clear_pointer (&net, g_free);
}

/* ------------------------------------------------------------------ helpers */

static HandsetCall *
place (Device *device, const char *invitee)
{
  g_autoptr (GError) error = NULL;
  HandsetCall *call =
      handset_call_manager_place_call (device->manager, ROOM, invitee, FALSE, &error);

  g_assert_no_error (error);
  drain ();
  return call;
}

static HandsetFakeMedia *
media_of (Device *device, HandsetCall *call)
{
  return HANDSET_FAKE_MEDIA (handset_call_get_media (call));
}

static guint
count_sent (Device *device, const char *type)
{
  guint n = 0;

  for (guint i = 0; i < device->sent->len; i++)
    n += g_str_equal (json_object_get_string_member (g_ptr_array_index (device->sent, i), "type"),
                      type);
  return n;
}

static JsonObject *
last_sent (Device *device, const char *type)
{
  for (guint i = device->sent->len; i > 0; i--)
    {
      JsonObject *event = g_ptr_array_index (device->sent, i - 1);

      if (g_str_equal (json_object_get_string_member (event, "type"), type))
        return json_object_get_object_member (event, "content");
    }
  return NULL;
}

static HandsetCall *
call_of (Device *device, const char *call_id)
{
  return handset_call_manager_lookup (device->manager, call_id);
}

static HandsetCallState
state_of (Device *device, const char *call_id)
{
  HandsetCall *call = call_of (device, call_id);

  return call ? handset_call_get_state (call) : (HandsetCallState) -1;
}

/* alice calls bob, who has @n_bob devices; the invite is delivered. */
static HandsetCall *
alice_calls (Device *alice)
{
  HandsetCall *call = place (alice, BOB);

  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);
  deliver ();
  return call;
}

static char *
invite_json (const char *call_id, const char *party_id, gint64 lifetime, const char *invitee)
{
  return g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
      " \"lifetime\": %" G_GINT64_FORMAT ", %s%s%s"
      " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\nm=audio 9 x 111\\r\\n\"}}",
      call_id, party_id, lifetime, invitee ? "\"invitee\": \"" : "", invitee ? invitee : "",
      invitee ? "\"," : "");
}

static void
check_spec_rules (Device *device)
{
  g_autoptr (GRegex) id = g_regex_new ("^[0-9A-Za-z._~-]{1,255}$", 0, 0, NULL);
  const char *party = NULL;

  for (guint i = 0; i < device->sent->len; i++)
    {
      JsonObject *content =
          json_object_get_object_member (g_ptr_array_index (device->sent, i), "content");

      /* 1, 2, 3 */
      g_assert_cmpstr (json_object_get_string_member (content, "version"), ==, "1");
      g_assert_true (
          g_regex_match (id, json_object_get_string_member (content, "call_id"), 0, NULL));
      g_assert_true (
          g_regex_match (id, json_object_get_string_member (content, "party_id"), 0, NULL));
      g_assert_cmpuint (strlen (json_object_get_string_member (content, "party_id")), >=, 8);
      if (party == NULL)
        party = json_object_get_string_member (content, "party_id");
      g_assert_cmpstr (json_object_get_string_member (content, "party_id"), ==, party);
    }
}

/* ------------------------------------------------------------------ 1-7: what we send */

static void
test_voip_01_03_common_fields (void)
{
  Device *alice, *bob;
  HandsetCall *call;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  call = alice_calls (alice);
  handset_fake_media_emit_candidate (media_of (alice, call),
                                     "candidate:2 1 UDP 1 127.0.0.1 6 typ host");
  handset_call_answer (g_ptr_array_index (bob->rang, 0), FALSE);
  deliver ();
  handset_fake_media_emit_gathering_done (media_of (alice, call));
  handset_call_set_muted (call, TRUE);
  handset_call_set_on_hold (call, TRUE);
  deliver ();
  handset_call_hangup (call);
  deliver ();

  g_assert_cmpuint (alice->sent->len, >=, 6);
  g_assert_cmpuint (bob->sent->len, >=, 2);
  check_spec_rules (alice);
  check_spec_rules (bob);
  teardown ();
}

static void
test_voip_04_05_invite_fields (void)
{
  Device *alice;
  JsonObject *invite;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  add_device (BOB, "BOBDEVICE1");
  join_all ();

  alice_calls (alice);
  invite = last_sent (alice, "m.call.invite");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (invite, "offer"), "type"), ==,
      "offer");
  g_assert_nonnull (
      json_object_get_string_member (json_object_get_object_member (invite, "offer"), "sdp"));
  g_assert_true (json_node_get_value_type (json_object_get_member (invite, "lifetime")) ==
                 G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (invite, "lifetime"), >=, 90000);
  g_assert_cmpstr (json_object_get_string_member (invite, "invitee"), ==, BOB);
  teardown ();
}

static void
test_voip_06_answer_fields (void)
{
  Device *alice, *bob;
  JsonObject *answer;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, 0), FALSE);
  drain ();
  answer = last_sent (bob, "m.call.answer");
  g_assert_nonnull (answer);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (answer, "answer"), "type"), ==,
      "answer");
  g_assert_nonnull (
      json_object_get_string_member (json_object_get_object_member (answer, "answer"), "sdp"));
  teardown ();
}

static void
test_voip_07_hangup_reasons (void)
{
  const char *spec[] = { "ice_failed",        "ice_timeout", "invite_timeout", "user_hangup",
                         "user_media_failed", "user_busy",   "unknown_error",  NULL };
  Device *alice, *bob;
  HandsetCall *call;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  /* invite_timeout, user_hangup and ice_failed, each sent for real. */
  place (alice, BOB);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_INVITE_LIFETIME_MS);
  call = place (alice, BOB);
  handset_call_hangup (call);
  call = alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, bob->rang->len - 1), FALSE);
  deliver ();
  handset_fake_media_set_ice_state (media_of (alice, call), HANDSET_ICE_STATE_FAILED);

  g_assert_cmpuint (count_sent (alice, "m.call.hangup"), ==, 3);
  for (guint i = 0; i < alice->sent->len; i++)
    {
      JsonObject *event = g_ptr_array_index (alice->sent, i);

      if (g_str_equal (json_object_get_string_member (event, "type"), "m.call.hangup"))
        g_assert_true (g_strv_contains (
            spec, json_object_get_string_member (json_object_get_object_member (event, "content"),
                                                 "reason")));
    }
  teardown ();
}

/* ------------------------------------------------------------------ 8-11: what we read */

static HandsetCallEvent *
parse_content (const char *type, const char *content_json, GError **error)
{
  g_autoptr (JsonNode) content = json_from_string (content_json, NULL);
  g_autoptr (JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "type", type);
  json_object_set_string_member (event, "sender", BOB);
  json_object_set_object_member (event, "content",
                                 json_object_ref (json_node_get_object (content)));
  return handset_call_event_parse (event, ROOM, 0, error);
}

static void
test_voip_08_version (void)
{
  struct
  {
    const char *version;
    int expected;
  } cases[] = { { "0", 0 }, { "\"1\"", 1 }, { "1", 1 }, { "\"2\"", 1 }, { "\"0\"", 1 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\","
                                               " \"version\": %s, \"reason\": \"user_hangup\"}",
                                               cases[i].version);
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetCallEvent) event = parse_content ("m.call.hangup", json, &error);

      g_assert_no_error (error);
      g_assert_cmpint (handset_call_event_get_version (event), ==, cases[i].expected);
    }
}

static void
test_voip_09_end_of_candidates (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) event =
      parse_content ("m.call.candidates",
                     "{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\","
                     " \"candidates\": [{\"candidate\": \"\"}]}",
                     &error);

  g_assert_no_error (error);
  g_assert_cmpuint (handset_call_event_get_candidates (event)->len, ==, 1);
  g_assert_true (handset_ice_candidate_is_end (
      g_ptr_array_index (handset_call_event_get_candidates (event), 0)));
}

static void
test_voip_10_unknown_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) reject = parse_content (
      "m.call.reject",
      "{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\", \"reason\": \"x\","
      " \"lifetime\": 5, \"conf_id\": \"k\", \"capabilities\": {\"m.call.transferee\": true}}",
      &error);
  g_autoptr (HandsetCallEvent) candidates = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (reject);
  candidates =
      parse_content ("m.call.candidates",
                     "{\"call_id\": \"c\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\","
                     " \"candidates\": [{\"candidate\": \"candidate:1 1 UDP 1 1.2.3.4 5 typ host\","
                     " \"sdpMid\": \"0\", \"usernameFragment\": \"abc\"}]}",
                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (handset_call_event_get_candidates (candidates)->len, ==, 1);
}

static void
test_voip_11_hangup_without_reason (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCallEvent) event =
      parse_content ("m.call.hangup", "{\"call_id\": \"c\", \"version\": 0}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (handset_call_event_get_reason (event), ==, "user_hangup");
}

/* ------------------------------------------------------------------ 12-21: ringing */

static void
test_voip_12_no_ring_on_own_echo (void)
{
  Device *alice;
  HandsetCall *call;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  add_device (BOB, "BOBDEVICE1");
  join_all ();

  call = alice_calls (alice);
  /* alice received her own invite back and did not ring. */
  g_assert_cmpuint (alice->rang->len, ==, 0);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);
  g_assert_cmpuint (handset_call_manager_get_calls (alice->manager)->len, ==, 1);
  teardown ();
}

static void
test_voip_13_self_call_rings (void)
{
  Device *a1, *a2;
  HandsetCall *call;
  HandsetCall *incoming;

  setup ();
  a1 = add_device (ALICE, "ALICEDEVICE1");
  a2 = add_device (ALICE, "ALICEDEVICE2");
  join_all ();

  call = place (a1, ALICE);
  deliver ();
  g_assert_cmpuint (a1->rang->len, ==, 0);
  g_assert_cmpuint (a2->rang->len, ==, 1);

  /* And the other device's answer is taken, though it is our own user. */
  incoming = g_ptr_array_index (a2->rang, 0);
  g_assert_cmpstr (handset_call_get_opponent_party_id (incoming), ==, "ALICEDEVICE1");
  handset_call_answer (incoming, FALSE);
  deliver ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, "ALICEDEVICE2");
  g_assert_cmpint (handset_call_get_state (incoming), ==, HANDSET_CALL_STATE_CONNECTING);
  teardown ();
}

static void
test_voip_14_other_invitee (void)
{
  Device *carol;
  g_autofree char *invite = invite_json ("c14", "ALICEPARTY", 90000, BOB);

  setup ();
  g_ptr_array_add (net->members, g_strdup (CAROL));
  add_device (BOB, "BOBDEVICE1");
  carol = add_device (CAROL, "CAROLDEVICE1");
  join_all ();

  inject (ALICE, "m.call.invite", invite, 0);
  deliver ();
  g_assert_cmpuint (carol->rang->len, ==, 0);
  g_assert_cmpuint (((Device *) g_ptr_array_index (net->devices, 0))->rang->len, ==, 1);
  teardown ();
}

/* An invite with a sending video m-line rings as a video call; one whose
 * video is refused (port 0) or only received does not. */
static void
test_voip_invite_video (void)
{
  struct
  {
    const char *media;
    gboolean video;
  } cases[] = {
    { "m=audio 9 x 111\\r\\n", FALSE },
    { "m=audio 9 x 111\\r\\nm=video 9 x 96\\r\\na=sendrecv\\r\\n", TRUE },
    { "m=audio 9 x 111\\r\\nm=video 9 x 96\\r\\n", TRUE },
    { "m=audio 9 x 111\\r\\nm=video 0 x 96\\r\\n", FALSE },
    { "m=audio 9 x 111\\r\\nm=video 9 x 96\\r\\na=recvonly\\r\\n", FALSE },
    { "m=video 9 x 96\\r\\na=sendonly\\r\\nm=audio 9 x 111\\r\\n", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *call_id = g_strdup_printf ("video%u", i);
      g_autofree char *invite = g_strdup_printf (
          "{\"call_id\": \"%s\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
          " \"lifetime\": 90000, \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\n%s\"}}",
          call_id, cases[i].media);
      Device *bob;
      HandsetCall *incoming;

      setup ();
      bob = add_device (BOB, "BOBDEVICE1");
      join_all ();
      inject (ALICE, "m.call.invite", invite, 0);
      deliver ();
      g_assert_cmpuint (bob->rang->len, ==, 1);
      incoming = g_ptr_array_index (bob->rang, 0);
      g_assert_cmpint (handset_call_get_remote_video (incoming), ==, cases[i].video);
      teardown ();
    }
}

static void
test_voip_15_16_age (void)
{
  struct
  {
    gint64 age;
    guint advance_ms;
    gboolean rings;
  } cases[] = {
    { 90000, 0, FALSE },                          /* as old as its lifetime */
    { 200000, 0, FALSE },    { 88000, 0, FALSE }, /* 2 s left: too little to answer */
    { 86500, 0, TRUE },                           /* 3.5 s left */
    { 60000, 28000, FALSE },                      /* read late: it waited 28 s on the way */
    { 0, 0, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Device *bob;
      g_autofree char *call_id = g_strdup_printf ("c15-%u", i);
      g_autofree char *invite = invite_json (call_id, "ALICEPARTY", 90000, BOB);
      g_autoptr (GPtrArray) events =
          g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      g_autoptr (JsonNode) content = json_from_string (invite, NULL);
      JsonObject *event;

      setup ();
      bob = add_device (BOB, "BOBDEVICE1");
      join_all ();
      /* origin_server_ts says "just now": only the age counts. */
      event = room_event (ROOM, ALICE, "m.call.invite",
                          json_object_ref (json_node_get_object (content)), cases[i].age);
      g_ptr_array_add (events, event);

      /* The batch arrived, then sat for a while before it was read. */
      {
        g_autoptr (JsonObject) root = json_object_new ();
        JsonObject *rooms = json_object_new (), *join = json_object_new (),
                   *room = json_object_new (), *timeline = json_object_new ();
        JsonArray *array = json_array_new ();
        g_autoptr (JsonNode) node = NULL;
        g_autoptr (GBytes) bytes = NULL;
        g_autoptr (HandsetSyncBatch) batch = NULL;
        gint64 arrived = handset_clock_get_time (HANDSET_CLOCK (net->clock));
        char *text;

        json_array_add_object_element (array, json_object_ref (event));
        json_object_set_array_member (timeline, "events", array);
        json_object_set_object_member (room, "timeline", timeline);
        json_object_set_object_member (join, ROOM, room);
        json_object_set_object_member (rooms, "join", join);
        json_object_set_object_member (root, "rooms", rooms);
        json_object_set_string_member (root, "next_batch", "s");
        node = json_node_init_object (json_node_alloc (), root);
        text = json_to_string (node, FALSE);
        bytes = g_bytes_new_take (text, strlen (text));
        batch = handset_sync_batch_new_from_bytes (bytes, "s0", arrived, NULL);
        handset_fake_clock_advance (net->clock, cases[i].advance_ms);
        handset_call_manager_handle_batch (bob->manager, batch);
      }

      g_assert_cmpuint (bob->rang->len, ==, cases[i].rings ? 1 : 0);
      teardown ();
    }
}

static void
test_voip_17_no_ring_when_batch_ends_it (void)
{
  const char *enders[] = {
    "m.call.hangup|" ALICE "|{\"call_id\": \"c17\", \"party_id\": \"ALICEPARTY\", \"version\": "
    "\"1\", \"reason\": \"user_hangup\"}",
    "m.call.reject|" BOB
    "|{\"call_id\": \"c17\", \"party_id\": \"BOBDEVICE2\", \"version\": \"1\"}",
    "m.call.answer|" BOB "|{\"call_id\": \"c17\", \"party_id\": \"BOBDEVICE2\", \"version\": "
    "\"1\", \"answer\": {\"type\": \"answer\", \"sdp\": \"v=0\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (enders); i++)
    {
      g_auto (GStrv) parts = g_strsplit (enders[i], "|", 3);
      g_autofree char *invite = invite_json ("c17", "ALICEPARTY", 90000, BOB);
      Device *bob;

      setup ();
      bob = add_device (BOB, "BOBDEVICE1");
      join_all ();
      inject (ALICE, "m.call.invite", invite, 0);
      inject (parts[1], parts[0], parts[2], 0);
      deliver ();

      g_assert_cmpuint (bob->rang->len, ==, 0);
      g_assert_cmpint (state_of (bob, "c17"), ==, HANDSET_CALL_STATE_ENDED);
      teardown ();
    }
}

static void
test_voip_19_initial_sync (void)
{
  g_autofree char *old_invite = invite_json ("c19old", "ALICEPARTY", 90000, BOB);
  g_autofree char *new_invite = invite_json ("c19new", "ALICEPARTY", 90000, BOB);
  g_autoptr (GPtrArray) events =
      g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr (JsonNode) old_content = json_from_string (old_invite, NULL);
  g_autoptr (JsonNode) new_content = json_from_string (new_invite, NULL);
  Device *bob;

  setup ();
  bob = add_device (BOB, "BOBDEVICE1");
  /* A first sync after a long time offline: yesterday's invite, and one
   * from a second ago. Only the fresh one rings, after the batch. */
  g_ptr_array_add (events,
                   room_event (ROOM, ALICE, "m.call.invite",
                               json_object_ref (json_node_get_object (old_content)), 86400000));
  g_ptr_array_add (events, room_event (ROOM, ALICE, "m.call.invite",
                                       json_object_ref (json_node_get_object (new_content)), 1000));
  deliver_to (bob, events, TRUE);

  g_assert_cmpuint (bob->rang->len, ==, 1);
  g_assert_cmpstr (handset_call_get_call_id (g_ptr_array_index (bob->rang, 0)), ==, "c19new");
  g_assert_null (call_of (bob, "c19old"));
  teardown ();
}

static void
test_voip_20_public_room (void)
{
  g_autofree char *invite = invite_json ("c20", "ALICEPARTY", 90000, BOB);
  g_autofree char *invite2 = invite_json ("c20b", "ALICEPARTY", 90000, BOB);
  Device *bob;

  setup ();
  net->join_rule = "public";
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  inject (ALICE, "m.call.invite", invite, 0);
  deliver ();
  g_assert_cmpuint (bob->rang->len, ==, 0);

  handset_call_manager_set_ring_in_public_rooms (bob->manager, TRUE);
  inject (ALICE, "m.call.invite", invite2, 0);
  deliver ();
  g_assert_cmpuint (bob->rang->len, ==, 1);
  teardown ();
}

static void
test_voip_21_ring_expires_silently (void)
{
  Device *alice, *bob;
  HandsetCall *ringing;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  alice_calls (alice);
  ringing = g_ptr_array_index (bob->rang, 0);
  /* alice's own timer is the same length; stop it reaching bob. */
  g_signal_handlers_disconnect_by_data (alice->manager, alice);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_INVITE_LIFETIME_MS - 1000);
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_RINGING);
  handset_fake_clock_advance (net->clock, 1001);
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (ringing), ==, HANDSET_CALL_END_MISSED);
  g_assert_cmpuint (bob->sent->len, ==, 0);
  teardown ();
}

/* ------------------------------------------------------------------ 22-31: callee */

static void
test_voip_22_caller_hangup_stops_ringing (void)
{
  Device *alice, *bob;
  HandsetCall *call, *ringing;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  call = alice_calls (alice);
  ringing = g_ptr_array_index (bob->rang, 0);
  handset_call_hangup (call);
  deliver ();
  g_assert_cmpint (handset_call_get_state (ringing), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (ringing), ==, HANDSET_CALL_END_MISSED);
  g_assert_cmpuint (bob->sent->len, ==, 0);
  teardown ();
}

static void
test_voip_23_25_answered_elsewhere (void)
{
  Device *alice, *b1, *b2, *b3;
  HandsetCall *call, *r1, *r2, *r3;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  b1 = add_device (BOB, "BOBDEVICE1");
  b2 = add_device (BOB, "BOBDEVICE2");
  b3 = add_device (BOB, "BOBDEVICE3");
  join_all ();

  call = alice_calls (alice);
  g_assert_cmpuint (b1->rang->len, ==, 1);
  g_assert_cmpuint (b2->rang->len, ==, 1);
  g_assert_cmpuint (b3->rang->len, ==, 1);
  r1 = g_ptr_array_index (b1->rang, 0);
  r2 = g_ptr_array_index (b2->rang, 0);
  r3 = g_ptr_array_index (b3->rang, 0);

  /* b1 and b3 both answer; alice takes the first, b1. */
  handset_call_answer (r1, FALSE);
  handset_call_answer (r3, FALSE);
  deliver ();

  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, "BOBDEVICE1");
  g_assert_cmpstr (handset_call_get_answered_by (call), ==, "BOBDEVICE1");
  /* 23: ringing b2 stopped, said where, sent nothing */
  g_assert_cmpint (handset_call_get_end_reason (r2), ==, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
  g_assert_cmpstr (handset_call_get_answered_by (r2), ==, "BOBDEVICE1");
  g_assert_cmpuint (b2->sent->len, ==, 0);
  /* 25: b3 had answered; the selection of b1 ends it, with nothing sent
   * after its answer */
  g_assert_cmpint (handset_call_get_end_reason (r3), ==, HANDSET_CALL_END_ANSWERED_ELSEWHERE);
  g_assert_cmpuint (count_sent (b3, "m.call.hangup"), ==, 0);
  /* 26: b1 carries on */
  g_assert_cmpint (handset_call_get_state (r1), ==, HANDSET_CALL_STATE_CONNECTING);
  teardown ();
}

static void
test_voip_24_reject_on_own_device_stops_all (void)
{
  Device *alice, *b1, *b2;
  HandsetCall *call, *r1, *r2;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  b1 = add_device (BOB, "BOBDEVICE1");
  b2 = add_device (BOB, "BOBDEVICE2");
  join_all ();

  call = alice_calls (alice);
  r1 = g_ptr_array_index (b1->rang, 0);
  r2 = g_ptr_array_index (b2->rang, 0);
  handset_call_reject (r2);
  deliver ();

  g_assert_cmpint (handset_call_get_end_reason (r2), ==, HANDSET_CALL_END_LOCAL_REJECT);
  /* It says it was declined there, not answered. */
  g_assert_cmpint (handset_call_get_end_reason (r1), ==, HANDSET_CALL_END_DECLINED_ELSEWHERE);
  g_assert_cmpstr (handset_call_get_answered_by (r1), ==, "BOBDEVICE2");
  g_assert_cmpuint (b1->sent->len, ==, 0);
  /* 38: the caller ends as declined */
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_DECLINED);
  teardown ();
}

static void
test_voip_27_28_reject (void)
{
  Device *alice, *bob;
  g_autofree char *v0 = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  /* 27: a v1 invite gets a reject without reason, and no hangup */
  alice_calls (alice);
  handset_call_reject (g_ptr_array_index (bob->rang, 0));
  g_assert_cmpuint (count_sent (bob, "m.call.reject"), ==, 1);
  g_assert_cmpuint (count_sent (bob, "m.call.hangup"), ==, 0);
  g_assert_false (json_object_has_member (last_sent (bob, "m.call.reject"), "reason"));
  deliver ();

  /* 28: a v0 invite gets a hangup */
  v0 = g_strdup ("{\"call_id\": \"c28\", \"version\": 0, \"lifetime\": 60000,"
                 " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}");
  inject (ALICE, "m.call.invite", v0, 0);
  deliver ();
  g_assert_cmpuint (bob->rang->len, ==, 2);
  handset_call_reject (g_ptr_array_index (bob->rang, 1));
  g_assert_cmpuint (count_sent (bob, "m.call.reject"), ==, 1);
  g_assert_cmpuint (count_sent (bob, "m.call.hangup"), ==, 1);
  teardown ();
}

static void
test_voip_29_no_candidates_before_answer (void)
{
  Device *alice, *bob;
  HandsetCall *ringing;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  alice_calls (alice);
  ringing = g_ptr_array_index (bob->rang, 0);
  /* Ringing builds no media: no ICE agent gathers before the answer. */
  g_assert_null (handset_call_get_media (ringing));
  handset_fake_clock_advance (net->clock, 5000);
  g_assert_cmpuint (count_sent (bob, "m.call.candidates"), ==, 0);

  /* A candidate found while the answer is made waits for it. */
  handset_call_answer (ringing, FALSE);
  handset_fake_media_emit_candidate (media_of (bob, ringing),
                                     "candidate:9 1 UDP 1 127.0.0.1 9 typ host");
  drain ();
  g_assert_cmpuint (count_sent (bob, "m.call.answer"), ==, 1);
  g_assert_cmpuint (count_sent (bob, "m.call.candidates"), ==, 0);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_FIRST_FLUSH_CALLEE_MS);
  g_assert_cmpuint (count_sent (bob, "m.call.candidates"), ==, 1);
  /* the answer went first */
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (bob->sent, 0), "type"), ==,
                   "m.call.answer");
  teardown ();
}

static void
test_voip_30_32_echoes_ignored (void)
{
  Device *alice, *bob;
  HandsetCall *call, *answered;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  call = alice_calls (alice);
  answered = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (answered, FALSE);
  handset_fake_media_emit_candidate (media_of (alice, call),
                                     "candidate:3 1 UDP 1 127.0.0.1 3 typ host");
  handset_fake_clock_advance (net->clock, HANDSET_CALL_FIRST_FLUSH_CALLER_MS);
  handset_fake_media_emit_candidate (media_of (bob, answered),
                                     "candidate:4 1 UDP 1 127.0.0.1 4 typ host");
  handset_fake_clock_advance (net->clock, 1000);
  deliver ();

  /* 30: bob's own answer came back; he is still the one who answered */
  g_assert_cmpint (handset_call_get_state (answered), ==, HANDSET_CALL_STATE_CONNECTING);
  /* 32: alice's own candidates came back and were not applied */
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media_of (alice, call))->len, ==, 1);
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (
                        handset_fake_media_get_remote_candidates (media_of (alice, call)), 0))
                       ->candidate,
                   ==, "candidate:4 1 UDP 1 127.0.0.1 4 typ host");
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media_of (bob, answered))->len, ==,
                    1);
  teardown ();
}

static void
test_voip_31_negotiate_only_from_caller (void)
{
  Device *alice, *bob;
  HandsetCall *answered;
  guint before;

  setup ();
  g_ptr_array_add (net->members, g_strdup (CAROL));
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  alice_calls (alice);
  answered = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (answered, FALSE);
  deliver ();
  before = handset_fake_media_get_remote_descriptions (media_of (bob, answered))->len;

  {
    g_autofree char *negotiate =
        g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"CAROLPARTY\", \"version\": \"1\", "
                         "\"lifetime\": 30000,"
                         " \"description\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}",
                         handset_call_get_call_id (answered));

    inject (CAROL, "m.call.negotiate", negotiate, 0);
    deliver ();
  }
  g_assert_cmpuint (handset_fake_media_get_remote_descriptions (media_of (bob, answered))->len, ==,
                    before);
  g_assert_cmpuint (count_sent (bob, "m.call.negotiate"), ==, 0);
  teardown ();
}

/* ------------------------------------------------------------------ 33-41: caller */

static void
inject_answer (const char *call_id, const char *party, const char *sdp)
{
  g_autofree char *json =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
                       " \"answer\": {\"type\": \"answer\", \"sdp\": \"%s\"}}",
                       call_id, party, sdp);

  inject (BOB, "m.call.answer", json, 0);
}

static void
inject_candidates (const char *call_id, const char *party, const char *candidate)
{
  g_autofree char *json =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
                       " \"candidates\": [{\"candidate\": \"%s\", \"sdpMid\": \"0\"}]}",
                       call_id, party, candidate);

  inject (BOB, "m.call.candidates", json, 0);
}

static void
test_voip_33_36_first_answer_and_candidates (void)
{
  Device *alice;
  HandsetCall *call;
  const char *call_id;
  GPtrArray *applied;
  JsonObject *select;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  call_id = handset_call_get_call_id (call);
  /* 35: candidates from two parties before any answer */
  inject_candidates (call_id, "BOBPARTY2", "candidate:from-2-early");
  inject_candidates (call_id, "BOBPARTY1", "candidate:from-1-early");
  inject_answer (call_id, "BOBPARTY1", "v=0 answer of 1");
  inject_answer (call_id, "BOBPARTY2", "v=0 answer of 2");
  /* 36: after the choice */
  inject_candidates (call_id, "BOBPARTY2", "candidate:from-2-late");
  inject_candidates (call_id, "BOBPARTY1", "candidate:from-1-late");
  deliver ();

  /* 33, 34 */
  g_assert_cmpstr (handset_call_get_opponent_party_id (call), ==, "BOBPARTY1");
  g_assert_cmpuint (count_sent (alice, "m.call.select_answer"), ==, 1);
  select = last_sent (alice, "m.call.select_answer");
  g_assert_cmpstr (json_object_get_string_member (select, "selected_party_id"), ==, "BOBPARTY1");
  g_assert_cmpstr (
      g_ptr_array_index (handset_fake_media_get_remote_descriptions (media_of (alice, call)), 0),
      ==, "answer:v=0 answer of 1");
  g_assert_cmpuint (handset_fake_media_get_remote_descriptions (media_of (alice, call))->len, ==,
                    1);

  /* 35, 36: only party 1's candidates, in order */
  applied = handset_fake_media_get_remote_candidates (media_of (alice, call));
  g_assert_cmpuint (applied->len, ==, 2);
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (applied, 0))->candidate, ==,
                   "candidate:from-1-early");
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (applied, 1))->candidate, ==,
                   "candidate:from-1-late");
  teardown ();
}

static void
test_voip_37_38_39_other_parties (void)
{
  Device *alice;
  HandsetCall *call;
  const char *call_id;
  g_autofree char *hangup = NULL;
  g_autofree char *reject = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  /* 37: a hangup from an unselected party changes nothing */
  call = place (alice, BOB);
  call_id = handset_call_get_call_id (call);
  hangup = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY9\", \"version\": \"1\","
                            " \"reason\": \"user_hangup\"}",
                            call_id);
  inject (BOB, "m.call.hangup", hangup, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);

  /* 38: after an answer, a reject from another party is ignored */
  inject_answer (call_id, "BOBPARTY1", "v=0");
  reject = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY2\", \"version\": \"1\"}", call_id);
  inject (BOB, "m.call.reject", reject, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpuint (count_sent (alice, "m.call.select_answer"), ==, 1);

  /* a hangup from the selected party ends it */
  g_free (hangup);
  hangup = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY1\", \"version\": \"1\","
                            " \"reason\": \"user_busy\"}",
                            call_id);
  inject (BOB, "m.call.hangup", hangup, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_BUSY);

  /* 38, 39: a reject before any answer: declined, and the rejecting party
   * is selected */
  call = place (alice, BOB);
  g_free (reject);
  reject =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"BOBPARTY2\", \"version\": \"1\"}",
                       handset_call_get_call_id (call));
  inject (BOB, "m.call.reject", reject, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_DECLINED);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.select_answer"),
                                                  "selected_party_id"),
                   ==, "BOBPARTY2");
  teardown ();
}

static void
test_voip_40_41_timeout_and_cancel (void)
{
  Device *alice;
  HandsetCall *call;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_INVITE_LIFETIME_MS - 1);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);
  handset_fake_clock_advance (net->clock, 1);
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_NO_ANSWER);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "invite_timeout");

  call = place (alice, BOB);
  handset_call_hangup (call);
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_LOCAL_HANGUP);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "user_hangup");
  g_assert_cmpuint (count_sent (alice, "m.call.reject"), ==, 0);
  teardown ();
}

/* ------------------------------------------------------------------ 43-46: candidates */

static void
test_voip_43_44_batching (void)
{
  Device *alice;
  HandsetCall *call;
  HandsetFakeMedia *media;
  JsonArray *candidates;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  media = media_of (alice, call);
  handset_fake_media_emit_candidate (media, "candidate:a");
  handset_fake_clock_advance (net->clock, 300);
  handset_fake_media_emit_candidate (media, "candidate:b");
  handset_fake_media_emit_candidate (media, "candidate:c");
  handset_fake_clock_advance (net->clock, 1000);
  g_assert_cmpuint (count_sent (alice, "m.call.candidates"), ==, 0);
  /* 43: one batch, 2 s after the invite */
  handset_fake_clock_advance (net->clock, 700);
  g_assert_cmpuint (count_sent (alice, "m.call.candidates"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        last_sent (alice, "m.call.candidates"), "candidates")),
                    ==, 3);

  /* 44: gathering done: the rest at once, end-of-candidates last */
  handset_fake_media_emit_candidate (media, "candidate:d");
  handset_fake_media_emit_gathering_done (media);
  g_assert_cmpuint (count_sent (alice, "m.call.candidates"), ==, 2);
  candidates = json_object_get_array_member (last_sent (alice, "m.call.candidates"), "candidates");
  g_assert_cmpuint (json_array_get_length (candidates), ==, 2);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (candidates, 0), "candidate"),
      ==, "candidate:d");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (candidates, 1), "candidate"),
      ==, "");
  g_assert_false (json_object_has_member (json_array_get_object_element (candidates, 1), "sdpMid"));
  g_assert_false (
      json_object_has_member (json_array_get_object_element (candidates, 1), "sdpMLineIndex"));
  teardown ();
}

static void
test_voip_45_46_remote_candidates (void)
{
  Device *bob;
  HandsetCall *ringing;
  HandsetFakeMedia *media;
  g_autofree char *invite = invite_json ("c46", "ALICEPARTY", 90000, BOB);
  g_autofree char *early =
      g_strdup ("{\"call_id\": \"c46\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"candidates\": [{\"candidate\": \"candidate:early\", \"sdpMLineIndex\": 0}]}");
  g_autofree char *end =
      g_strdup ("{\"call_id\": \"c46\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"candidates\": [{\"candidate\": \"\"}]}");

  setup ();
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  /* 46: candidates in a batch before the invite's */
  inject (ALICE, "m.call.candidates", early, 0);
  deliver ();
  inject (ALICE, "m.call.invite", invite, 0);
  inject (ALICE, "m.call.candidates", end, 0);
  deliver ();

  /* They wait for the media, which answering makes. */
  ringing = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (ringing, FALSE);
  drain ();
  media = media_of (bob, ringing);
  g_assert_cmpuint (handset_fake_media_get_remote_candidates (media)->len, ==, 1);
  g_assert_cmpstr (((HandsetIceCandidate *) g_ptr_array_index (
                        handset_fake_media_get_remote_candidates (media), 0))
                       ->candidate,
                   ==, "candidate:early");
  /* 45 */
  g_assert_true (handset_fake_media_get_remote_gathering_done (media));
  teardown ();
}

/* An invite that comes after its own hangup (its room key came late, so
 * it was decrypted late) must not ring: the call is over. */
static void
test_voip_invite_after_its_hangup (void)
{
  Device *bob;
  g_autofree char *invite = invite_json ("c-late", "ALICEPARTY", 90000, BOB);
  g_autofree char *hangup =
      g_strdup ("{\"call_id\": \"c-late\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"reason\": \"user_hangup\"}");

  setup ();
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  inject (ALICE, "m.call.hangup", hangup, 0);
  deliver ();
  inject (ALICE, "m.call.invite", invite, 0);
  deliver ();

  g_assert_cmpuint (bob->rang->len, ==, 0);
  teardown ();
}

/* ------------------------------------------------------------------ 47-50: glare */

static void
test_voip_47_glare_before_sending (void)
{
  Device *alice;
  HandsetCall *ours, *theirs;
  g_autoptr (GError) error = NULL;
  g_autofree char *invite = invite_json ("9999", "BOBPARTY", 90000, ALICE);

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  /* Our offer is still being made when bob's invite arrives. */
  ours = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_cmpint (handset_call_get_state (ours), ==, HANDSET_CALL_STATE_CREATE_OFFER);
  {
    g_autoptr (GPtrArray) events =
        g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
    g_autoptr (JsonNode) content = json_from_string (invite, NULL);

    g_ptr_array_add (events, room_event (ROOM, BOB, "m.call.invite",
                                         json_object_ref (json_node_get_object (content)), 0));
    deliver_to (alice, events, FALSE);
  }

  g_assert_cmpint (handset_call_get_end_reason (ours), ==, HANDSET_CALL_END_REPLACED);
  g_assert_cmpuint (count_sent (alice, "m.call.invite"), ==, 0);
  theirs = call_of (alice, "9999");
  g_assert_nonnull (theirs);
  /* auto-answered, not rung */
  g_assert_cmpuint (alice->rang->len, ==, 0);
  g_assert_cmpuint (count_sent (alice, "m.call.answer"), ==, 1);
  teardown ();
}

static void
test_voip_48_49_glare_after_sending (void)
{
  Device *alice, *bob;
  HandsetCall *a_call, *b_call;
  const char *lesser, *greater;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  /* Both invites go out before either arrives. */
  a_call = place (alice, BOB);
  b_call = place (bob, ALICE);
  lesser = strcmp (handset_call_get_call_id (a_call), handset_call_get_call_id (b_call)) < 0
               ? handset_call_get_call_id (a_call)
               : handset_call_get_call_id (b_call);
  greater = lesser == handset_call_get_call_id (a_call) ? handset_call_get_call_id (b_call)
                                                        : handset_call_get_call_id (a_call);
  deliver ();

  /* One call survives, the lesser, connecting on both sides; nobody rang. */
  g_assert_cmpuint (alice->rang->len + bob->rang->len, ==, 0);
  g_assert_cmpint (state_of (alice, lesser), ==, HANDSET_CALL_STATE_CONNECTING);
  g_assert_cmpint (state_of (bob, lesser), ==, HANDSET_CALL_STATE_CONNECTING);
  /* The greater call ended on the side that placed it, as replaced; the
   * other side never made a call of it. */
  {
    Device *owner = lesser == handset_call_get_call_id (a_call) ? bob : alice;
    Device *other = owner == alice ? bob : alice;

    g_assert_cmpint (state_of (owner, greater), ==, HANDSET_CALL_STATE_ENDED);
    g_assert_cmpint (handset_call_get_end_reason (call_of (owner, greater)), ==,
                     HANDSET_CALL_END_REPLACED);
    g_assert_null (call_of (other, greater));
  }
  teardown ();
}

static void
test_voip_50_no_glare_across_rooms (void)
{
  Device *alice;
  HandsetCall *ours;
  g_autofree char *invite = invite_json ("0000", "BOBPARTY", 90000, ALICE);

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  {
    g_autoptr (GError) error = NULL;

    ours = handset_call_manager_place_call (alice->manager, ROOM2, BOB, FALSE, &error);
    drain ();
  }
  inject (BOB, "m.call.invite", invite, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_state (ours), ==, HANDSET_CALL_STATE_INVITE_SENT);
  g_assert_cmpuint (alice->rang->len, ==, 1);
  teardown ();
}

/* ------------------------------------------------------------------ 51-59: renegotiation, media */

static void
connected_call (Device *alice, Device *bob, HandsetCall **a, HandsetCall **b)
{
  *a = alice_calls (alice);
  *b = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (*b, FALSE);
  deliver ();
  handset_fake_media_set_ice_state (media_of (alice, *a), HANDSET_ICE_STATE_CONNECTED);
  handset_fake_media_set_ice_state (media_of (bob, *b), HANDSET_ICE_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (*a), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (*b), ==, HANDSET_CALL_STATE_CONNECTED);
}

static void
test_voip_51_52_hold_and_resume (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  JsonObject *offer;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  handset_call_set_on_hold (a, TRUE);
  drain ();
  offer = json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "description");
  g_assert_cmpstr (json_object_get_string_member (offer, "type"), ==, "offer");
  g_assert_nonnull (strstr (json_object_get_string_member (offer, "sdp"), "a=sendonly"));
  deliver ();
  /* 52: bob answered with a negotiate answer; both sides show the hold */
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (last_sent (bob, "m.call.negotiate"), "description"),
          "type"),
      ==, "answer");
  g_assert_true (handset_call_get_on_hold (a));
  g_assert_true (handset_call_get_remote_on_hold (b));

  handset_call_set_on_hold (a, FALSE);
  deliver ();
  offer = json_object_get_object_member (last_sent (alice, "m.call.negotiate"), "description");
  g_assert_nonnull (strstr (json_object_get_string_member (offer, "sdp"), "a=sendrecv"));
  g_assert_false (handset_call_get_remote_on_hold (b));
  teardown ();
}

static void
test_voip_53_offer_collision (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  /* Both hold at once: both offers cross. */
  handset_call_set_on_hold (a, TRUE);
  handset_call_set_on_hold (b, TRUE);
  drain ();
  deliver ();

  /* The caller ignored bob's offer; bob rolled back and answered alice. */
  g_assert_cmpuint (handset_fake_media_get_rollbacks (media_of (alice, a)), ==, 0);
  g_assert_cmpuint (handset_fake_media_get_rollbacks (media_of (bob, b)), ==, 1);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (last_sent (bob, "m.call.negotiate"), "description"),
          "type"),
      ==, "answer");
  teardown ();
}

static void
test_voip_54_no_negotiate_with_v0 (void)
{
  Device *alice;
  HandsetCall *call;
  g_autofree char *answer = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  answer = g_strdup_printf (
      "{\"call_id\": \"%s\", \"version\": 0, \"answer\": {\"type\": \"answer\", \"sdp\": \"v=0\"}}",
      handset_call_get_call_id (call));
  inject (BOB, "m.call.answer", answer, 0);
  deliver ();
  g_assert_cmpint (handset_call_get_opponent_version (call), ==, 0);
  /* v0 answers get no select_answer either */
  g_assert_cmpuint (count_sent (alice, "m.call.select_answer"), ==, 0);
  handset_call_set_on_hold (call, TRUE);
  handset_call_set_video (call, TRUE);
  drain ();
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, 0);
  teardown ();
}

static void
test_voip_55_stale_negotiate (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  guint before;
  g_autofree char *negotiate = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  before = handset_fake_media_get_remote_descriptions (media_of (bob, b))->len;
  negotiate = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"ALICEDEVICE1\", \"version\": \"1\","
      " \"lifetime\": 10000, \"description\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}",
      handset_call_get_call_id (a));
  inject (ALICE, "m.call.negotiate", negotiate, 15000);
  deliver ();
  g_assert_cmpuint (handset_fake_media_get_remote_descriptions (media_of (bob, b))->len, ==,
                    before);
  teardown ();
}

static void
test_voip_56_ice_timeout_or_failed (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  /* Media flowed, then the path broke: restart after 2 s, then fail. */
  connected_call (alice, bob, &a, &b);
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_DISCONNECTED);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_ICE_RESTART_MS - 1);
  g_assert_cmpuint (handset_fake_media_get_ice_restarts (media_of (alice, a)), ==, 0);
  handset_fake_clock_advance (net->clock, 1);
  g_assert_cmpuint (handset_fake_media_get_ice_restarts (media_of (alice, a)), ==, 1);
  g_assert_cmpuint (count_sent (alice, "m.call.negotiate"), ==, 1);
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_FAILED);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_TIMEOUT);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "ice_timeout");
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (b), ==, HANDSET_CALL_END_ICE_TIMEOUT);

  /* Never connected: ice_failed. */
  a = alice_calls (alice);
  handset_call_answer (g_ptr_array_index (bob->rang, 1), FALSE);
  deliver ();
  handset_fake_media_set_ice_state (media_of (alice, a), HANDSET_ICE_STATE_FAILED);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_FAILED);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "ice_failed");
  teardown ();
}

/* Answered, but ICE never gets anywhere (no candidates at all, say): the
 * call does not stay "connecting" for ever. */
static void
test_voip_connect_timeout (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  a = alice_calls (alice);
  b = g_ptr_array_index (bob->rang, 0);
  handset_call_answer (b, FALSE);
  deliver ();
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTING);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_CONNECT_TIMEOUT_MS - 1);
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTING);
  handset_fake_clock_advance (net->clock, 1);
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_ICE_FAILED);
  g_assert_cmpstr (json_object_get_string_member (last_sent (alice, "m.call.hangup"), "reason"), ==,
                   "ice_failed");
  deliver ();
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_ENDED);
  g_assert_cmpint (handset_call_get_end_reason (b), ==, HANDSET_CALL_END_ICE_FAILED);

  /* Connected in time: the timer is gone, the call stays. */
  teardown ();
  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);
  handset_fake_clock_advance (net->clock, HANDSET_CALL_CONNECT_TIMEOUT_MS * 2);
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_CONNECTED);
  teardown ();
}

static void
test_voip_57_metadata_matches_msid (void)
{
  Device *alice;
  HandsetCall *call;
  JsonObject *invite, *metadata;
  g_autoptr (GList) keys = NULL;
  g_autofree char *msid = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  join_all ();

  call = place (alice, BOB);
  invite = last_sent (alice, "m.call.invite");
  metadata = json_object_get_object_member (invite, "sdp_stream_metadata");
  keys = json_object_get_members (metadata);
  g_assert_cmpuint (g_list_length (keys), ==, 1);
  msid = g_strdup_printf ("a=msid:%s ", (char *) keys->data);
  g_assert_nonnull (strstr (
      json_object_get_string_member (json_object_get_object_member (invite, "offer"), "sdp"),
      msid));
  g_assert_cmpstr (keys->data, ==, handset_media_get_stream_id (handset_call_get_media (call)));
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (metadata, keys->data), "purpose"),
                   ==, "m.usermedia");
  teardown ();
}

static void
test_voip_58_59_mute (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  JsonObject *metadata;
  g_autofree char *video_muted = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  handset_call_set_muted (a, TRUE);
  g_assert_true (handset_fake_media_get_muted (media_of (alice, a)));
  g_assert_cmpuint (handset_fake_media_get_offers (media_of (alice, a)), ==, 1);
  metadata = json_object_get_object_member (last_sent (alice, "m.call.sdp_stream_metadata_changed"),
                                            "sdp_stream_metadata");
  g_assert_true (json_object_get_boolean_member (
      json_object_get_object_member (metadata,
                                     handset_media_get_stream_id (handset_call_get_media (a))),
      "audio_muted"));
  deliver ();
  g_assert_true (handset_call_get_remote_audio_muted (b));

  /* 59 */
  video_muted =
      g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"ALICEDEVICE1\", \"version\": \"1\","
                       " \"sdp_stream_metadata\": {\"s\": {\"purpose\": \"m.usermedia\","
                       " \"video_muted\": true}}}",
                       handset_call_get_call_id (a));
  inject (ALICE, "m.call.sdp_stream_metadata_changed", video_muted, 0);
  deliver ();
  g_assert_true (handset_call_get_remote_video_muted (b));
  teardown ();
}

/* 60-61: the media show only the peer's usermedia streams; without
 * metadata, only its first stream (the media's default). */
static void
test_voip_60_61_shown_streams (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autofree char *screenshare = NULL;
  g_autofree char *alice_stream = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  /* The invite's metadata names alice's one usermedia stream; the answer's
   * bob's. */
  alice_stream = g_strdup (handset_media_get_stream_id (handset_call_get_media (a)));
  g_assert_cmpstr (handset_fake_media_get_shown_streams (media_of (bob, b)), ==, alice_stream);
  g_assert_cmpstr (handset_fake_media_get_shown_streams (media_of (alice, a)), ==,
                   handset_media_get_stream_id (handset_call_get_media (b)));

  /* A screenshare and a stream of unknown purpose are not shown. */
  screenshare = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"ALICEDEVICE1\", \"version\": \"1\","
      " \"sdp_stream_metadata\": {\"%s\": {\"purpose\": \"m.usermedia\"},"
      " \"screen\": {\"purpose\": \"m.screenshare\"}, \"odd\": {\"purpose\": \"m.odd\"},"
      " \"cam2\": {\"purpose\": \"m.usermedia\"}}}",
      handset_call_get_call_id (a), alice_stream);
  inject (ALICE, "m.call.sdp_stream_metadata_changed", screenshare, 0);
  deliver ();
  {
    g_auto (GStrv) shown =
        g_strsplit (handset_fake_media_get_shown_streams (media_of (bob, b)), ",", -1);

    g_assert_cmpuint (g_strv_length (shown), ==, 2);
    g_assert_true (g_strv_contains ((const char *const *) shown, alice_stream));
    g_assert_true (g_strv_contains ((const char *const *) shown, "cam2"));
  }
  teardown ();
}

/* ------------------------------------------------------------------ 62-63 */

static void
test_voip_62_opponent_leaves (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  g_ptr_array_add (net->pending, state_event ("m.room.member", BOB, "{\"membership\": \"leave\"}"));
  json_object_set_string_member (g_ptr_array_index (net->pending, 0), "sender", BOB);
  deliver ();
  g_assert_cmpint (handset_call_get_end_reason (a), ==, HANDSET_CALL_END_OPPONENT_LEFT);
  teardown ();
}

static void
test_voip_63_dtmf_capability (void)
{
  Device *bob;
  g_autofree char *with =
      g_strdup ("{\"call_id\": \"c63a\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"lifetime\": 90000, \"capabilities\": {\"m.call.dtmf\": true},"
                " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}");
  g_autofree char *without =
      g_strdup ("{\"call_id\": \"c63b\", \"party_id\": \"ALICEPARTY\", \"version\": \"1\","
                " \"lifetime\": 90000, \"capabilities\": {\"m.call.dtmf\": \"yes\"},"
                " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\"}}");

  setup ();
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  inject (ALICE, "m.call.invite", with, 0);
  inject (ALICE, "m.call.invite", without, 0);
  deliver ();
  g_assert_true (handset_call_get_remote_dtmf (call_of (bob, "c63a")));
  g_assert_false (handset_call_get_remote_dtmf (call_of (bob, "c63b")));
  teardown ();
}

/* ------------------------------------------------------------------ party IDs, hostile events */

static void
test_party_id_policy (void)
{
  Device *alice, *short_id;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  short_id = add_device (BOB, "BOB");

  a = handset_call_manager_new_party_id (alice->manager);
  g_assert_cmpstr (a, ==, "ALICEDEVICE1");
  b = handset_call_manager_new_party_id (short_id->manager);
  g_assert_cmpstr (b, !=, "BOB");
  g_assert_cmpuint (strlen (b), >=, 8);

  handset_call_manager_set_hide_device (alice->manager, TRUE);
  c = handset_call_manager_new_party_id (alice->manager);
  g_assert_cmpstr (c, !=, "ALICEDEVICE1");
  g_assert_cmpuint (strlen (c), >=, 8);
  teardown ();
}

static void
test_hostile_events (void)
{
  Device *alice, *bob;
  HandsetCall *a, *b;
  g_autofree char *huge_sdp = g_strnfill (1024 * 1024, 'x');
  g_autofree char *huge_party = g_strnfill (10000, 'p');
  g_autofree char *big = NULL, *long_party = NULL;
  const char *hostile[] = {
    "{\"call_id\": 5, \"party_id\": \"PARTYPARTY\", \"version\": \"1\", \"reason\": "
    "\"user_hangup\"}",
    "{\"call_id\": \"a b\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\"}",
    "{\"call_id\": \"CALL\", \"party_id\": \"PARTY PARTY\", \"version\": \"1\"}",
    "{\"call_id\": \"CALL\", \"party_id\": \"PARTYPARTY\"}",
    "{\"party_id\": \"PARTYPARTY\", \"version\": \"1\"}",
    "[1, 2]",
    "{\"call_id\": \"CALL\", \"party_id\": \"PARTYPARTY\", \"version\": \"1\", \"candidates\": "
    "\"x\"}",
  };

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  /* Malformed events of every kind, aimed at the live call. */
  big = g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"BOBDEVICE1\", \"version\": \"1\", \"lifetime\": 1000,"
      " \"description\": {\"type\": \"offer\", \"sdp\": \"%s\"}}",
      handset_call_get_call_id (a), huge_sdp);
  inject (BOB, "m.call.negotiate", big, 0);
  long_party = g_strdup_printf ("{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\", "
                                "\"reason\": \"user_hangup\"}",
                                handset_call_get_call_id (a), huge_party);
  inject (BOB, "m.call.hangup", long_party, 0);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr (JsonNode) node = json_from_string (hostile[i], NULL);

      if (JSON_NODE_HOLDS_OBJECT (node))
        inject (BOB, i % 2 ? "m.call.hangup" : "m.call.candidates", hostile[i], 0);
    }
  /* not even objects */
  {
    JsonObject *event = room_event (ROOM, BOB, "m.call.hangup", json_object_new (), 0);

    json_object_set_int_member (event, "content", 7);
    g_ptr_array_add (net->pending, event);
  }
  deliver ();

  /* Nothing disturbed the call. */
  g_assert_cmpint (handset_call_get_state (a), ==, HANDSET_CALL_STATE_CONNECTED);
  g_assert_cmpint (handset_call_get_state (b), ==, HANDSET_CALL_STATE_CONNECTED);
  teardown ();
}

/* Calls that ended do not pile up: the manager keeps the last few, and the
 * older ones go with their media. An event of one that went (a late,
 * repeated invite) does not start it again. */
static void
test_ended_calls_dropped (void)
{
  Device *alice, *bob;
  HandsetCall *first = NULL;
  g_autofree char *first_id = NULL;
  guint ended = 0;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr (GError) error = NULL;
      HandsetCall *call =
          handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);

      g_assert_no_error (error);
      deliver ();
      g_assert_cmpuint (bob->rang->len, ==, i + 1);
      if (i == 0)
        {
          first = call;
          first_id = g_strdup (handset_call_get_call_id (call));
          g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
        }
      handset_call_hangup (call);
      deliver ();
    }

  /* At most eight ended calls kept; the first one is gone, media and all. */
  for (guint i = 0; i < handset_call_manager_get_calls (alice->manager)->len; i++)
    ended += handset_call_get_state (g_ptr_array_index (
                 handset_call_manager_get_calls (alice->manager), i)) == HANDSET_CALL_STATE_ENDED;
  g_assert_cmpuint (handset_call_manager_get_calls (alice->manager)->len, <=, 8);
  g_assert_cmpuint (ended, ==, handset_call_manager_get_calls (alice->manager)->len);
  g_assert_null (first);
  g_assert_null (handset_call_manager_lookup (alice->manager, first_id));

  /* bob's first call went too (his test keeps its own reference); its
   * invite, sent again, does not ring. */
  g_assert_cmpuint (handset_call_manager_get_calls (bob->manager)->len, <=, 8);
  {
    g_autofree char *again = invite_json (first_id, "ALICEPARTY", 90000, BOB);

    inject (ALICE, "m.call.invite", again, 0);
    deliver ();
  }
  g_assert_cmpuint (bob->rang->len, ==, 20);

  teardown ();
}

/* Candidates of a call nobody answered yet, from as many parties as anyone
 * in the room cares to make up: the call keeps a bounded number. */
static void
test_candidate_flood_capped (void)
{
  Device *alice;
  HandsetCall *call;
  g_autoptr (GError) error = NULL;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  add_device (BOB, "BOBDEVICE1");
  join_all ();

  call = handset_call_manager_place_call (alice->manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  deliver ();
  for (guint party = 0; party < 40; party++)
    {
      g_autoptr (GString) json = g_string_new (NULL);

      g_string_append_printf (json,
                              "{\"call_id\": \"%s\", \"party_id\": \"FLOOD%u\", \"version\": \"1\","
                              " \"candidates\": [",
                              handset_call_get_call_id (call), party);
      for (guint i = 0; i < 100; i++)
        g_string_append_printf (json,
                                "%s{\"candidate\": \"candidate:%u %u\", \"sdpMLineIndex\": 0}",
                                i ? ", " : "", party, i);
      g_string_append (json, "]}");
      inject (BOB, "m.call.candidates", json->str, 0);
    }
  deliver ();

  g_test_message ("%u candidates kept", handset_call_get_n_buffered_candidates (call));
  g_assert_cmpuint (handset_call_get_n_buffered_candidates (call), <=, 16 * 256);
  g_assert_cmpuint (handset_call_get_n_buffered_candidates (call), <, 40 * 100);
  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);

  teardown ();
}

/* A second call while bob is in one: it rings as a call waiting (the
 * manager says bob is busy with the first), and answering it puts the
 * first on hold rather than leaving both open. */
static void
test_call_waiting (void)
{
  Device *alice, *alice2, *bob;
  HandsetCall *a, *b, *second, *waiting;

  setup ();
  alice = add_device (ALICE, "ALICEDEVICE1");
  alice2 = add_device (ALICE, "ALICEDEVICE2");
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
  connected_call (alice, bob, &a, &b);

  second = place (alice2, BOB);
  deliver ();
  g_assert_cmpuint (bob->rang->len, ==, 2);
  waiting = g_ptr_array_index (bob->rang, 1);
  g_assert_cmpstr (handset_call_get_call_id (waiting), ==, handset_call_get_call_id (second));
  g_assert_cmpint (handset_call_get_state (waiting), ==, HANDSET_CALL_STATE_RINGING);
  g_assert_true (handset_call_manager_get_busy_call (bob->manager, waiting) == b);

  handset_call_answer (waiting, FALSE);
  deliver ();
  g_assert_true (handset_call_get_on_hold (b));
  g_assert_true (handset_call_get_remote_on_hold (a));
  g_assert_false (handset_call_get_on_hold (waiting));

  teardown ();
}

/* Invites arriving together: ringing builds no media at all, a few ring
 * and the rest are refused as busy, answered with user_busy hangups. */
static void
test_invite_flood (void)
{
  Device *bob;
  guint busy = 0, n = HANDSET_CALL_MANAGER_MAX_RINGING + 6;

  setup ();
  bob = add_device (BOB, "BOBDEVICE1");
  join_all ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *call_id = g_strdup_printf ("flood%u", i);
      g_autofree char *invite = invite_json (call_id, "ALICEPARTY", 90000, BOB);

      inject (ALICE, "m.call.invite", invite, 0);
    }
  deliver ();

  g_assert_cmpuint (bob->rang->len, ==, HANDSET_CALL_MANAGER_MAX_RINGING);
  g_assert_cmpuint (bob->media->len, ==, 0);
  for (guint i = 0; i < bob->sent->len; i++)
    {
      JsonObject *content =
          json_object_get_object_member (g_ptr_array_index (bob->sent, i), "content");

      g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (bob->sent, i), "type"), ==,
                       "m.call.hangup");
      g_assert_cmpstr (json_object_get_string_member (content, "reason"), ==, "user_busy");
      busy++;
    }
  g_assert_cmpuint (busy, ==, n - HANDSET_CALL_MANAGER_MAX_RINGING);
  /* The first ones ring; answering one makes its media, only then. */
  g_assert_cmpstr (handset_call_get_call_id (g_ptr_array_index (bob->rang, 0)), ==, "flood0");
  handset_call_answer (g_ptr_array_index (bob->rang, 0), FALSE);
  drain ();
  g_assert_cmpuint (bob->media->len, ==, 1);
  g_assert_cmpuint (count_sent (bob, "m.call.answer"), ==, 1);
  teardown ();
}

static gboolean
call_ended (gpointer call)
{
  return handset_call_get_state (call) == HANDSET_CALL_STATE_ENDED;
}

/* The invite cannot reach the homeserver (it is gone, tries and all): the
 * call ends and says so, rather than "Ringing" with nobody told. */
static void
test_send_failure_ends_call (void)
{
  g_autoptr (HandsetMatrixClient) client = handset_matrix_client_new ("http://127.0.0.1:1");
  g_autoptr (GPtrArray) media = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (HandsetCallManager) manager = NULL;
  g_autoptr (GError) error = NULL;
  HandsetCall *call;

  handset_matrix_client_set_session (client, ALICE, "ALICEDEVICE1", "token");
  handset_matrix_client_set_network_retry_limit (client, 0);
  manager = handset_call_manager_new (ALICE, "ALICEDEVICE1", NULL, NULL, handset_fake_media_factory,
                                      media);
  handset_call_manager_set_client (manager, client);

  call = handset_call_manager_place_call (manager, ROOM, BOB, FALSE, &error);
  g_assert_no_error (error);
  g_test_expect_message ("Handset-Call", G_LOG_LEVEL_WARNING, "*could not be sent*");
  g_assert_true (handset_test_wait_until (call_ended, call, 30));
  g_test_assert_expected_messages ();
  g_assert_cmpint (handset_call_get_end_reason (call), ==, HANDSET_CALL_END_SIGNALLING_FAILED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/voip/01-03-common-fields-and-one-party-id", test_voip_01_03_common_fields);
  g_test_add_func ("/voip/04-05-invite-fields-and-invitee", test_voip_04_05_invite_fields);
  g_test_add_func ("/voip/06-answer-fields", test_voip_06_answer_fields);
  g_test_add_func ("/voip/07-hangup-reasons-from-the-spec", test_voip_07_hangup_reasons);
  g_test_add_func ("/voip/08-version-0-and-1", test_voip_08_version);
  g_test_add_func ("/voip/invite-with-video-rings-as-video", test_voip_invite_video);
  g_test_add_func ("/voip/connect-timeout", test_voip_connect_timeout);
  g_test_add_func ("/voip/09-end-of-candidates", test_voip_09_end_of_candidates);
  g_test_add_func ("/voip/10-unknown-keys-ignored", test_voip_10_unknown_keys);
  g_test_add_func ("/voip/11-hangup-without-reason", test_voip_11_hangup_without_reason);
  g_test_add_func ("/voip/12-no-ring-on-own-echo", test_voip_12_no_ring_on_own_echo);
  g_test_add_func ("/voip/13-self-call-rings", test_voip_13_self_call_rings);
  g_test_add_func ("/voip/14-no-ring-for-other-invitee", test_voip_14_other_invitee);
  g_test_add_func ("/voip/15-16-no-ring-when-too-old", test_voip_15_16_age);
  g_test_add_func ("/voip/17-no-ring-when-the-batch-ends-it",
                   test_voip_17_no_ring_when_batch_ends_it);
  g_test_add_func ("/voip/19-initial-sync", test_voip_19_initial_sync);
  g_test_add_func ("/voip/20-no-ring-in-public-rooms", test_voip_20_public_room);
  g_test_add_func ("/voip/21-ring-expires-silently", test_voip_21_ring_expires_silently);
  g_test_add_func ("/voip/22-caller-hangup-stops-ringing",
                   test_voip_22_caller_hangup_stops_ringing);
  g_test_add_func ("/voip/23-25-26-answered-elsewhere", test_voip_23_25_answered_elsewhere);
  g_test_add_func ("/voip/24-38-reject-on-own-device", test_voip_24_reject_on_own_device_stops_all);
  g_test_add_func ("/voip/27-28-reject", test_voip_27_28_reject);
  g_test_add_func ("/voip/29-no-candidates-before-answer",
                   test_voip_29_no_candidates_before_answer);
  g_test_add_func ("/voip/30-32-echoes-ignored", test_voip_30_32_echoes_ignored);
  g_test_add_func ("/voip/31-negotiate-only-from-caller", test_voip_31_negotiate_only_from_caller);
  g_test_add_func ("/voip/33-36-first-answer-and-its-candidates",
                   test_voip_33_36_first_answer_and_candidates);
  g_test_add_func ("/voip/37-38-39-other-parties", test_voip_37_38_39_other_parties);
  g_test_add_func ("/voip/40-41-timeout-and-cancel", test_voip_40_41_timeout_and_cancel);
  g_test_add_func ("/voip/43-44-candidate-batches", test_voip_43_44_batching);
  g_test_add_func ("/voip/45-46-remote-candidates", test_voip_45_46_remote_candidates);
  g_test_add_func ("/voip/invite-after-its-hangup", test_voip_invite_after_its_hangup);
  g_test_add_func ("/voip/ended-calls-dropped", test_ended_calls_dropped);
  g_test_add_func ("/voip/candidate-flood-capped", test_candidate_flood_capped);
  g_test_add_func ("/voip/invite-flood", test_invite_flood);
  g_test_add_func ("/voip/call-waiting", test_call_waiting);
  g_test_add_func ("/voip/send-failure-ends-call", test_send_failure_ends_call);
  g_test_add_func ("/voip/47-glare-before-sending", test_voip_47_glare_before_sending);
  g_test_add_func ("/voip/48-49-glare-after-sending", test_voip_48_49_glare_after_sending);
  g_test_add_func ("/voip/50-no-glare-across-rooms", test_voip_50_no_glare_across_rooms);
  g_test_add_func ("/voip/51-52-hold-and-resume", test_voip_51_52_hold_and_resume);
  g_test_add_func ("/voip/53-offer-collision", test_voip_53_offer_collision);
  g_test_add_func ("/voip/54-no-negotiate-with-v0", test_voip_54_no_negotiate_with_v0);
  g_test_add_func ("/voip/55-stale-negotiate-ignored", test_voip_55_stale_negotiate);
  g_test_add_func ("/voip/56-ice-timeout-or-failed", test_voip_56_ice_timeout_or_failed);
  g_test_add_func ("/voip/57-metadata-matches-msid", test_voip_57_metadata_matches_msid);
  g_test_add_func ("/voip/60-61-shown-streams", test_voip_60_61_shown_streams);
  g_test_add_func ("/voip/58-59-mute", test_voip_58_59_mute);
  g_test_add_func ("/voip/62-opponent-leaves", test_voip_62_opponent_leaves);
  g_test_add_func ("/voip/63-dtmf-capability", test_voip_63_dtmf_capability);
  g_test_add_func ("/voip/party-id-policy", test_party_id_policy);
  g_test_add_func ("/voip/hostile-events", test_hostile_events);

  return g_test_run ();
}
