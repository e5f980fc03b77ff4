/* voip-fixture.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "voip-fixture.h"

HandsetFakeHomeserver *net;

void
setup (void)
{
  const char *members[] = { ALICE, BOB, NULL };

  net = handset_fake_homeserver_new (ROOM, members);
}

void
teardown (void)
{
  g_clear_pointer (&net, handset_fake_homeserver_free);
}

Device *
add_device (const char *user_id, const char *device_id)
{
  return handset_fake_homeserver_add_device (net, user_id, device_id);
}

/* The room's state reaches every device before the test starts. */
void
join_all (void)
{
  handset_fake_homeserver_join_all (net);
}

/* The homeserver's sync: everything pending, to every device, in rounds
 * until nobody sends anything more. */
void
deliver (void)
{
  handset_fake_homeserver_deliver (net);
}

void
deliver_to (Device *device, GPtrArray *events, gboolean initial)
{
  handset_fake_homeserver_deliver_to (net, device, events, initial);
}

/* An event from a peer that is not one of our managers. */
void
inject (const char *sender, const char *type, const char *content_json, gint64 age)
{
  handset_fake_homeserver_inject (net, sender, type, content_json, age);
}

JsonObject *
room_event (const char *room_id,
            const char *sender,
            const char *type,
            JsonObject *content,
            gint64 age)
{
  return handset_fake_homeserver_room_event (net, room_id, sender, type, content, age);
}

JsonObject *
state_event (const char *type, const char *state_key, const char *content_json)
{
  return handset_fake_homeserver_state_event (net, type, state_key, content_json);
}

void
drain (void)
{
  handset_fake_homeserver_drain ();
}

void
voip_setup (VoipFixture *f, gconstpointer data)
{
  setup ();
}

void
voip_setup_alice_bob (VoipFixture *f, gconstpointer data)
{
  setup ();
  f->alice = add_device (ALICE, "ALICEDEVICE1");
  f->bob = add_device (BOB, "BOBDEVICE1");
  join_all ();
}

void
voip_teardown (VoipFixture *f, gconstpointer data)
{
  teardown ();
}

HandsetCall *
place (Device *device, const char *invitee)
{
  g_autoptr (GError) error = NULL;
  HandsetCall *call =
      handset_call_manager_place_call (device->manager, ROOM, invitee, FALSE, &error);

  g_assert_no_error (error);
  drain ();
  return call;
}

HandsetFakeMedia *
media_of (Device *device, HandsetCall *call)
{
  return HANDSET_FAKE_MEDIA (handset_call_get_media (call));
}

guint
count_sent (Device *device, const char *type)
{
  guint n = 0;

  for (guint i = 0; i < device->sent->len; i++)
    n += g_str_equal (json_object_get_string_member (g_ptr_array_index (device->sent, i), "type"),
                      type);
  return n;
}

JsonObject *
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

HandsetCall *
call_of (Device *device, const char *call_id)
{
  return handset_call_manager_lookup (device->manager, call_id);
}

HandsetCallState
state_of (Device *device, const char *call_id)
{
  HandsetCall *call = call_of (device, call_id);

  return call ? handset_call_get_state (call) : (HandsetCallState) -1;
}

/* alice calls bob, who has @n_bob devices; the invite is delivered. */
HandsetCall *
alice_calls (Device *alice)
{
  HandsetCall *call = place (alice, BOB);

  g_assert_cmpint (handset_call_get_state (call), ==, HANDSET_CALL_STATE_INVITE_SENT);
  deliver ();
  return call;
}

char *
invite_json (const char *call_id, const char *party_id, gint64 lifetime, const char *invitee)
{
  return g_strdup_printf (
      "{\"call_id\": \"%s\", \"party_id\": \"%s\", \"version\": \"1\","
      " \"lifetime\": %" G_GINT64_FORMAT ", %s%s%s"
      " \"offer\": {\"type\": \"offer\", \"sdp\": \"v=0\\r\\nm=audio 9 x 111\\r\\n\"}}",
      call_id, party_id, lifetime, invitee ? "\"invitee\": \"" : "", invitee ? invitee : "",
      invitee ? "\"," : "");
}

void
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

void
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
